//! `goweave::context` beyond cancellation trees: deadlines that have
//! passed, causes, `without_cancel`, `todo`, `after_func`, and contexts'
//! names, explored exhaustively.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering as StdOrdering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use goweave::context::{self, Cause, Context, ContextError};
use goweave::{Config, FailureKind, Strategy};

fn exhaustive() -> Config {
    Config::default().strategy(Strategy::Dfs { preemption_bound: None }).iterations(100_000)
}

/// Exhaustive, and timers never fire early: a sleep returns only once every
/// other task is blocked.
fn settled() -> Config {
    exhaustive().timer_bound(0)
}

fn settle() {
    goweave::time::sleep(Duration::from_millis(1));
}

#[derive(Debug)]
struct Boom(&'static str);

impl std::fmt::Display for Boom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "boom: {}", self.0)
    }
}

impl std::error::Error for Boom {}

fn boom(what: &'static str) -> Cause {
    Arc::new(Boom(what))
}

fn is(cause: &Option<Cause>, err: ContextError) -> bool {
    cause.as_ref().and_then(|c| c.downcast_ref::<ContextError>()) == Some(&err)
}

// Issue 18, bug 1: a deadline that is not in the future makes the context
// done as it is made (Go's WithDeadline cancels at once), so a later
// cancel keeps DeadlineExceeded.
#[test]
fn a_zero_timeout_is_done_at_creation_and_a_cancel_keeps_deadline_exceeded() {
    exhaustive()
        .explore(|| {
            let (ctx, cancel) = Context::background().with_timeout(Duration::ZERO);
            cancel();
            assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded));
            assert_eq!(ctx.done().try_recv(), Err(goweave::TryRecvError::Closed));
        })
        .unwrap_or_else(|f| panic!("{f}"));
}

#[test]
fn a_deadline_of_now_is_done_at_creation() {
    exhaustive()
        .explore(|| {
            let now = goweave::time::now();
            let (ctx, _cancel) = Context::background().with_deadline(now);
            assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded));
            let (child, _c) = ctx.with_cancel();
            assert_eq!(child.err(), Some(ContextError::DeadlineExceeded), "a child starts done");
        })
        .unwrap_or_else(|f| panic!("{f}"));
}

#[test]
fn a_deadline_that_passed_at_creation_has_its_cause() {
    exhaustive()
        .explore(|| {
            let (zero, _cancel) = Context::background().with_timeout(Duration::ZERO);
            assert!(is(&zero.cause(), ContextError::DeadlineExceeded));
            let (past, _c) = Context::background().with_deadline_cause(goweave::time::now(), boom("late"));
            assert_eq!(past.err(), Some(ContextError::DeadlineExceeded));
            assert_eq!(past.cause().unwrap().to_string(), "boom: late");
        })
        .unwrap_or_else(|f| panic!("{f}"));
}

#[test]
fn the_first_cause_reaches_every_descendant() {
    exhaustive()
        .explore(|| {
            let (ctx, cancel) = Context::background().with_cancel_cause();
            let (child, _c) = ctx.with_value("k", 1u8).with_cancel();
            assert!(child.cause().is_none(), "not done");
            let first = boom("first");
            let c = cancel.clone();
            let f = first.clone();
            let h = goweave::go(move || c(Some(f)));
            cancel(Some(boom("second")));
            h.join().unwrap();
            // Whichever cancel came first set the cause for the whole tree.
            let got = ctx.cause().unwrap();
            assert!(Arc::ptr_eq(&got, &child.cause().unwrap()));
            assert_eq!(child.err(), Some(ContextError::Canceled));
            assert!(got.to_string() == "boom: first" || got.to_string() == "boom: second");

            let (plain, cancel) = Context::background().with_cancel_cause();
            cancel(None);
            assert!(is(&plain.cause(), ContextError::Canceled), "no cause: the error");
            assert!(Context::background().cause().is_none());
        })
        .unwrap_or_else(|f| panic!("{f}"));
}

#[test]
fn a_deadline_cause_is_the_cause_only_when_the_deadline_cancels() {
    let seen = Arc::new(StdMutex::new(BTreeSet::new()));
    let s = seen.clone();
    let stats = exhaustive()
        .explore(move || {
            let (ctx, cancel) =
                Context::background().with_timeout_cause(Duration::from_secs(1), boom("slow"));
            goweave::go(move || cancel());
            ctx.done().recv();
            let (err, cause) = (ctx.err().unwrap(), ctx.cause().unwrap().to_string());
            match err {
                ContextError::DeadlineExceeded => assert_eq!(cause, "boom: slow"),
                ContextError::Canceled => assert_eq!(cause, "context canceled"),
            }
            s.lock().unwrap().insert(cause);
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted());
    assert_eq!(seen.lock().unwrap().len(), 2, "both the deadline and the cancel came first");
}

#[test]
fn only_deadline_exceeded_is_a_timeout() {
    assert!(ContextError::DeadlineExceeded.is_timeout());
    assert!(!ContextError::Canceled.is_timeout());
}

#[test]
fn without_cancel_keeps_values_and_drops_cancellation_and_deadline() {
    exhaustive()
        .explore(|| {
            let (parent, cancel) =
                Context::background().with_value("user", "ann").with_timeout(Duration::from_secs(1));
            let detached = parent.without_cancel();
            assert_eq!(detached.deadline(), None);
            let (child, cancel_child) = detached.with_cancel();
            cancel();
            assert!(parent.err().is_some(), "cancelled, or its deadline passed");
            assert_eq!(detached.err(), None);
            assert!(detached.cause().is_none());
            assert_eq!(child.err(), None, "the parent's cancel stops at without_cancel");
            assert_eq!(child.value::<&str, &str>(&"user"), Some("ann"));
            let idle = goweave::select! {
                recv(detached.done()) -> _ => false,
                default => true,
            };
            assert!(idle);
            cancel_child();
            assert_eq!(child.err(), Some(ContextError::Canceled));
        })
        .unwrap_or_else(|f| panic!("{f}"));
}

#[test]
fn contexts_are_named_as_go_names_them() {
    goweave::check(|| {
        #[derive(PartialEq)]
        struct RequestId;
        let bg = Context::background();
        assert_eq!(bg.to_string(), "context.Background");
        assert_eq!(context::background().to_string(), "context.Background");
        assert_eq!(context::todo().to_string(), "context.TODO");
        assert_eq!(Context::todo().err(), None);
        let v = bg.with_value("user", "ann".to_string()).with_value(RequestId, 7u64);
        assert_eq!(
            v.to_string(),
            format!(
                "context.Background.WithValue(user, ann).WithValue({}, u64)",
                std::any::type_name::<RequestId>()
            )
        );
        let (c, _cancel) = context::todo().with_cancel();
        assert_eq!(c.to_string(), "context.TODO.WithCancel");
        assert_eq!(c.without_cancel().to_string(), "context.TODO.WithCancel.WithoutCancel");
        // No scheduling point between making it and naming it: the clock
        // still reads zero.
        let (d, _cancel) = bg.with_timeout(Duration::from_secs(1));
        assert_eq!(d.to_string(), "context.Background.WithDeadline(t+1s [1s])");
        // A later deadline than the parent's is a plain cancellable child.
        let (later, _cancel) = d.with_deadline(d.deadline().unwrap() + Duration::from_secs(9));
        assert_eq!(later.to_string(), "context.Background.WithDeadline(t+1s [1s]).WithCancel");
        let t0 = goweave::time::now();
        goweave::time::sleep(Duration::from_secs(2));
        let (past, _cancel) = bg.with_deadline(t0);
        // At least two seconds ago (a timer may have moved the clock on).
        let name = past.to_string();
        assert!(name.starts_with(&format!("context.Background.WithDeadline({t0} [-")), "{name}");
        assert!(name.ends_with("s])") && !name.contains("[-0ns]"), "{name}");
    });
}

#[test]
fn after_func_starts_f_in_a_task_of_its_own_when_the_context_is_cancelled() {
    let stats = exhaustive()
        .explore(|| {
            let (ctx, cancel) = Context::background().with_cancel();
            let (tx, rx) = goweave::chan::<usize>(2);
            let tx2 = tx.clone();
            let stop = context::after_func(&ctx, move || tx.send(goweave::current().id()));
            let _stop2 = context::after_func(&ctx, move || tx2.send(goweave::current().id()));
            let canceller = goweave::go(move || cancel());
            let (a, b) = (rx.recv().unwrap(), rx.recv().unwrap());
            assert!(a != 0 && b != 0 && a != b, "each function in a new task: {a}, {b}");
            canceller.join().unwrap();
            assert!(!stop(), "started already");
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted());
}

#[test]
fn stop_and_cancel_race_and_exactly_one_wins() {
    let seen = Arc::new(StdMutex::new(BTreeSet::new()));
    let s = seen.clone();
    let stats = settled()
        .explore(move || {
            let (ctx, cancel) = Context::background().with_cancel();
            let ran = Arc::new(AtomicBool::new(false));
            let r = ran.clone();
            let stop = context::after_func(&ctx, move || r.store(true, StdOrdering::SeqCst));
            goweave::go(move || cancel());
            let stopped = stop();
            settle(); // the canceller and any function have run
            let ran = ran.load(StdOrdering::SeqCst);
            assert_ne!(stopped, ran, "stop returned {stopped} and f ran: {ran}");
            assert!(!stop(), "stopping again does nothing");
            s.lock().unwrap().insert(stopped);
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted_within_bounds(), "{stats}");
    assert_eq!(*seen.lock().unwrap(), BTreeSet::from([false, true]));
}

#[test]
fn after_func_on_a_done_context_starts_at_once_and_on_a_root_never() {
    exhaustive()
        .explore(|| {
            let (ctx, cancel) = Context::background().with_cancel();
            cancel();
            let (tx, rx) = goweave::chan::<()>(1);
            let stop = context::after_func(&ctx, move || tx.send(()));
            rx.recv().unwrap();
            assert!(!stop());
            let never = context::after_func(&Context::background(), || panic!("the root is never done"));
            let (p, cancel) = Context::background().with_cancel();
            let detached = context::after_func(&p.without_cancel(), || panic!("never done"));
            cancel();
            assert!(never());
            assert!(detached());
            assert!(!never());
        })
        .unwrap_or_else(|f| panic!("{f}"));
}

#[test]
fn a_deadline_starts_after_func_and_a_cancelled_child_is_reached() {
    exhaustive()
        .explore(|| {
            let (ctx, _cancel) = Context::background().with_timeout(Duration::from_secs(1));
            let (child, _c) = ctx.with_cancel();
            let (tx, rx) = goweave::chan::<goweave::time::Instant>(1);
            let _stop = context::after_func(&child, move || tx.send(goweave::time::now()));
            assert!(rx.recv().unwrap().since_start() >= Duration::from_secs(1));
            assert_eq!(child.err(), Some(ContextError::DeadlineExceeded));
        })
        .unwrap_or_else(|f| panic!("{f}"));
}

#[test]
fn what_came_before_after_func_or_the_cancel_happens_before_f() {
    exhaustive()
        .explore(|| {
            let before = Arc::new(goweave::Shared::new(0));
            let by_canceller = Arc::new(goweave::Shared::new(0));
            let (ctx, cancel) = Context::background().with_cancel();
            before.set(1);
            let (b, c) = (before.clone(), by_canceller.clone());
            let (tx, rx) = goweave::chan::<(i32, i32)>(1);
            let _stop = context::after_func(&ctx, move || tx.send((b.get(), c.get())));
            let c = by_canceller.clone();
            goweave::go(move || {
                c.set(2);
                cancel();
            });
            assert_eq!(rx.recv(), Some((1, 2)));
        })
        .unwrap_or_else(|f| panic!("{f}"));
}

#[test]
fn a_write_after_after_func_races_with_f() {
    let failure = exhaustive()
        .explore(|| {
            let shared = Arc::new(goweave::Shared::new(0));
            let (ctx, cancel) = Context::background().with_cancel();
            let s = shared.clone();
            let _stop = context::after_func(&ctx, move || {
                let _ = s.get();
            });
            goweave::go(move || cancel());
            shared.set(1);
        })
        .unwrap_err();
    assert_eq!(failure.kind(), FailureKind::DataRace, "{failure}");
}
