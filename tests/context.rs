//! `goweave::context`: cancellation trees, deadlines on the virtual clock,
//! values.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use goweave::context::{Context, ContextError};
use goweave::{Config, FailureKind, Strategy};

fn exhaustive() -> Config {
    Config::default().strategy(Strategy::Dfs { preemption_bound: None }).iterations(100_000)
}

#[test]
fn cancel_propagates_to_every_descendant() {
    let stats = exhaustive()
        .explore(|| {
            let root = Context::background();
            let (parent, cancel) = root.with_cancel();
            let (child, _c1) = parent.with_cancel();
            let grandchild = child.with_value("k", 1u8);
            let (leaf, _c2) = grandchild.with_cancel();
            assert_eq!(leaf.err(), None);
            cancel();
            for ctx in [&parent, &child, &grandchild, &leaf] {
                assert_eq!(ctx.done().recv(), None, "done is closed");
                assert_eq!(ctx.err(), Some(ContextError::Canceled));
            }
            assert_eq!(root.err(), None);
            // Cancelling again does nothing.
            cancel();
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted());
}

#[test]
fn a_child_of_a_cancelled_parent_starts_cancelled() {
    exhaustive()
        .explore(|| {
            let (parent, cancel) = Context::background().with_cancel();
            cancel();
            let (child, _c) = parent.with_cancel();
            assert_eq!(child.err(), Some(ContextError::Canceled));
            assert_eq!(child.done().try_recv(), Err(goweave::TryRecvError::Closed));
        })
        .unwrap_or_else(|f| panic!("{f}"));
}

#[test]
fn timeout_and_work_race_and_both_outcomes_are_explored() {
    let seen = Arc::new(StdMutex::new(BTreeSet::new()));
    let s = seen.clone();
    let stats = exhaustive()
        .explore(move || {
            let (ctx, cancel) = Context::background().with_timeout(Duration::from_millis(100));
            let (tx, rx) = goweave::chan::<&'static str>(1);
            goweave::go(move || tx.send("result"));
            let outcome = goweave::select! {
                recv(rx) -> v => v.unwrap(),
                recv(ctx.done()) -> _ => {
                    assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded));
                    "timeout"
                }
            };
            cancel();
            s.lock().unwrap().insert(outcome);
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted());
    assert_eq!(*seen.lock().unwrap(), BTreeSet::from(["result", "timeout"]));
}

#[test]
fn deadline_passes_with_virtual_time_only() {
    let started = std::time::Instant::now();
    exhaustive()
        .explore(|| {
            let (ctx, _cancel) = Context::background().with_timeout(Duration::from_secs(3600));
            assert_eq!(ctx.done().recv(), None);
            assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded));
            assert!(goweave::time::now().since_start() >= Duration::from_secs(3600));
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(started.elapsed() < Duration::from_secs(60), "an hour of virtual time took real time");
}

#[test]
fn a_parents_earlier_deadline_bounds_the_child() {
    exhaustive()
        .explore(|| {
            let (parent, _c1) = Context::background().with_timeout(Duration::from_secs(1));
            let (child, _c2) = parent.with_timeout(Duration::from_secs(10));
            assert_eq!(child.deadline(), parent.deadline());
            child.done().recv();
            assert!(goweave::time::now().since_start() <= Duration::from_secs(1));
        })
        .unwrap_or_else(|f| panic!("{f}"));
}

#[test]
fn values_are_found_up_the_chain_by_key_and_type() {
    goweave::check(|| {
        #[derive(PartialEq)]
        struct RequestId;
        let ctx = Context::background().with_value(RequestId, 7u64).with_value("user", "ann");
        let (ctx, _cancel) = ctx.with_cancel();
        assert_eq!(ctx.value::<RequestId, u64>(&RequestId), Some(7));
        assert_eq!(ctx.value::<&str, &str>(&"user"), Some("ann"));
        assert_eq!(ctx.value::<&str, &str>(&"missing"), None);
        assert_eq!(ctx.value::<RequestId, u32>(&RequestId), None, "wrong value type");
    });
}

#[test]
fn background_done_is_never_ready() {
    goweave::check(|| {
        let ctx = Context::background();
        let idle = goweave::select! {
            recv(ctx.done()) -> _ => false,
            default => true,
        };
        assert!(idle);
        assert_eq!(ctx.err(), None);
    });
}

/// A worker that ignores ctx and sends its result on an unbuffered channel
/// after the caller timed out leaks (Go's classic context bug).
#[test]
fn result_sent_after_the_timeout_leaks() {
    let failure = exhaustive()
        .explore(|| {
            let (ctx, cancel) = Context::background().with_timeout(Duration::from_millis(50));
            let (tx, rx) = goweave::chan::<u32>(0);
            goweave::Builder::new().name("slow-worker").go(move || tx.send(42));
            goweave::select! {
                recv(rx) -> _ => {},
                recv(ctx.done()) -> _ => {},
            }
            cancel();
        })
        .unwrap_err();
    assert_eq!(failure.kind(), FailureKind::Leak, "{failure}");
    assert!(failure.to_string().contains("slow-worker"), "{failure}");
}

#[test]
fn cancel_happens_before_done_is_observed() {
    exhaustive()
        .explore(|| {
            let shared = Arc::new(goweave::Shared::new(0));
            let (ctx, cancel) = Context::background().with_cancel();
            let s = shared.clone();
            goweave::go(move || {
                s.set(1);
                cancel();
            });
            ctx.done().recv();
            assert_eq!(shared.get(), 1);
        })
        .unwrap_or_else(|f| panic!("{f}"));
}

/// The outcomes of an exhaustive exploration of `body` with `strategy`,
/// and how many executions it took.
fn outcomes_of<T: Ord + Send + 'static>(
    strategy: Strategy,
    body: impl Fn() -> T + Send + Sync + 'static,
) -> (BTreeSet<T>, u64) {
    support::exhaustive_outcomes(exhaustive().strategy(strategy).threads(1), body)
}

#[test]
fn cancelling_a_parent_races_with_a_select_on_its_childs_done() {
    // The parent's cancel closes the child's done channel in the same
    // step: a select on the child's done that comes before it takes the
    // default, one after it the done arm. Exhaustive search must see both,
    // as naive enumeration does (it once ordered the cancel with the
    // parent's done channel only, and saw one).
    let outcomes = |strategy| {
        outcomes_of(strategy, || {
            let (parent, cancel) = Context::background().with_cancel();
            let (child, _cancel_child) = parent.with_cancel();
            let worker = goweave::go(move || {
                goweave::select! {
                    recv(child.done()) -> _ => "cancelled",
                    default => "running",
                }
            });
            cancel();
            worker.join().unwrap()
        })
        .0
    };
    let naive = outcomes(Strategy::NaiveDfs);
    assert_eq!(naive, BTreeSet::from(["cancelled", "running"]));
    assert_eq!(outcomes(Strategy::Dfs { preemption_bound: None }), naive);
}

#[test]
fn reading_a_contexts_error_races_with_its_cancel() {
    // `err()` is ordered with the close of the context's own done channel
    // (the cancel of a context without children), not with every step:
    // both outcomes, in 2 executions (the `ctx-read-ignores-close` mutant
    // sees one).
    let outcomes = |strategy| {
        outcomes_of(strategy, || {
            let (ctx, cancel) = Context::background().with_cancel();
            let worker = goweave::go(move || ctx.err());
            cancel();
            format!("{:?}", worker.join().unwrap())
        })
    };
    let (naive, _) = outcomes(Strategy::NaiveDfs);
    assert_eq!(naive, BTreeSet::from(["None".to_string(), format!("{:?}", Some(ContextError::Canceled))]));
    assert_eq!(outcomes(Strategy::Dfs { preemption_bound: None }), (naive, 2));
}
