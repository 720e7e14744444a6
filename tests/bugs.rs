//! Planted bugs found by every strategy, and replayed exactly from their
//! tokens.

use std::sync::Arc;

use goweave::sync::atomic::{AtomicUsize, Ordering};
use goweave::sync::Mutex;
use goweave::{Config, Failure, FailureKind, Strategy};

/// Two tasks increment a counter with a load followed by a store: an
/// update can be lost, and then the final assertion fails.
fn lost_update() {
    let n = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..2)
        .map(|i| {
            let n = n.clone();
            goweave::Builder::new().name(format!("incr-{i}")).go(move || {
                let v = n.load(Ordering::SeqCst);
                n.store(v + 1, Ordering::SeqCst);
            })
        })
        .collect();
    for t in tasks {
        t.join().unwrap();
    }
    assert_eq!(n.load(Ordering::SeqCst), 2, "an increment was lost");
}

/// Two tasks take two mutexes in opposite orders.
fn abba() {
    let a = Arc::new(Mutex::new(0));
    let b = Arc::new(Mutex::new(0));
    let (a2, b2) = (a.clone(), b.clone());
    let t = goweave::Builder::new().name("b-then-a").go(move || {
        let _b = b2.lock();
        let _a = a2.lock();
    });
    {
        let _a = a.lock();
        let _b = b.lock();
    }
    t.join().unwrap();
}

fn strategies() -> [Strategy; 4] {
    [
        Strategy::Random,
        Strategy::Pct { depth: 3 },
        Strategy::Dfs { preemption_bound: None },
        Strategy::Portfolio,
    ]
}

fn find(strategy: Strategy, body: fn()) -> Failure {
    Config::default()
        .strategy(strategy)
        .iterations(10_000)
        .explore(body)
        .expect_err("the planted bug was not found")
}

/// Replaying the token gives the same kind and the same report.
fn assert_replays(failure: &Failure, body: fn()) {
    let token = failure.schedule().to_string();
    assert!(token.starts_with("gw1:") && !token.contains(char::is_whitespace), "{token}");
    let again = Config::default().replay(token.clone()).explore(body).expect_err("the replay passed");
    assert_eq!(again.kind(), failure.kind());
    assert_eq!(again.details(), failure.details(), "the replayed report differs");
    assert_eq!(again.schedule().to_string(), token);
}

#[test]
fn lost_update_is_found_as_a_panic_by_every_strategy() {
    for strategy in strategies() {
        let failure = find(strategy, lost_update);
        assert_eq!(failure.kind(), FailureKind::Panic, "{strategy}: {failure}");
        let report = failure.to_string();
        assert!(report.contains("an increment was lost"), "{report}");
        assert!(report.contains("tests/bugs.rs:"), "the report points at user code: {report}");
        assert_replays(&failure, lost_update);
    }
}

#[test]
fn abba_deadlock_is_found_by_every_strategy() {
    for strategy in strategies() {
        let failure = find(strategy, abba);
        assert_eq!(failure.kind(), FailureKind::Deadlock, "{strategy}: {failure}");
        let report = failure.to_string();
        assert!(report.contains("task 1 \"b-then-a\": blocked locking Mutex#0"), "{report}");
        assert!(report.contains("task 0 (test body): blocked locking Mutex#1"), "{report}");
        assert_replays(&failure, abba);
    }
}

#[test]
fn dfs_finds_the_lost_update_within_the_first_executions() {
    let failure = find(Strategy::Dfs { preemption_bound: None }, lost_update);
    // The first path runs without preemption and passes; a preemption
    // between load and store is among the next few.
    assert!(failure.executions() <= 10, "took {} executions", failure.executions());
}

#[test]
fn check_panics_with_the_report() {
    let payload = std::panic::catch_unwind(|| {
        Config::default().strategy(Strategy::Random).threads(1).check(abba);
    })
    .expect_err("check did not panic");
    let report = payload.downcast_ref::<String>().expect("a String payload");
    assert!(report.starts_with("goweave found a deadlock after"), "{report}");
    assert!(report.contains("GOWEAVE_REPLAY=gw1:"), "{report}");
    assert!(report.contains("replay = \"gw1:"), "{report}");
}

#[test]
fn replay_function_panics_when_the_failure_recurs() {
    let failure = find(Strategy::Random, abba);
    let token = failure.schedule().to_string();
    let payload = std::panic::catch_unwind(|| goweave::replay(&token, abba)).expect_err("replay passed");
    let report = payload.downcast_ref::<String>().expect("a String payload");
    assert!(report.starts_with("goweave found a deadlock when replaying a schedule"), "{report}");
}

#[test]
fn the_same_seed_finds_the_same_failure_whatever_the_thread_count() {
    let run = |threads| {
        Config::default()
            .strategy(Strategy::Random)
            .seed(99)
            .threads(threads)
            .explore(lost_update)
            .expect_err("not found")
    };
    let one = run(1);
    let two = run(2);
    assert_eq!(one.schedule(), two.schedule());
    assert_eq!(one.details(), two.details());
}

#[test]
fn a_correct_program_passes_every_strategy() {
    for strategy in strategies() {
        let stats = Config::default()
            .strategy(strategy)
            .iterations(2_000)
            .explore(|| {
                let n = Arc::new(AtomicUsize::new(0));
                let tasks: Vec<_> = (0..2)
                    .map(|_| {
                        let n = n.clone();
                        goweave::go(move || {
                            n.fetch_add(1, Ordering::SeqCst);
                        })
                    })
                    .collect();
                for t in tasks {
                    t.join().unwrap();
                }
                assert_eq!(n.load(Ordering::SeqCst), 2);
            })
            .unwrap_or_else(|f| panic!("{f}"));
        match strategy {
            // Exhaustive search, and the default portfolio whose first
            // phase is exhaustive, cover this small space in a few runs.
            Strategy::Dfs { .. } | Strategy::Portfolio => {
                assert!(stats.exhausted(), "{strategy}: {stats}");
                assert!(stats.executions() < 1_000);
            }
            _ => assert_eq!(stats.executions(), 2_000),
        }
    }
}

#[test]
fn a_replay_of_a_changed_program_says_where_it_diverged() {
    let failure = find(Strategy::Random, lost_update);
    let token = failure.schedule().to_string();
    // A different program: one task, so no choice the token makes fits.
    let diverged = Config::default()
        .replay(token)
        .explore(|| {
            goweave::go(|| ()).join().unwrap();
        })
        .expect_err("a schedule for another program was followed");
    assert_eq!(diverged.kind(), FailureKind::Replay);
    assert!(diverged.to_string().contains("diverged at step"), "{diverged}");
}

#[test]
fn a_malformed_token_is_a_replay_failure_quoting_it() {
    let failure = Config::default().replay("gw1:not base64!").explore(|| ()).unwrap_err();
    assert_eq!(failure.kind(), FailureKind::Replay);
    assert!(failure.to_string().contains("\"gw1:not base64!\""), "{failure}");
    let failure = Config::default().replay("AgAE").explore(|| ()).unwrap_err();
    assert!(failure.to_string().contains("starts with `gw1:`"), "{failure}");
}

#[test]
fn nontermination_is_reported_at_max_steps() {
    let failure = Config::default()
        .strategy(Strategy::Random)
        .max_steps(200)
        .explore(|| -> () {
            loop {
                goweave::yield_now();
            }
        })
        .unwrap_err();
    assert_eq!(failure.kind(), FailureKind::Nontermination);
    assert!(failure.to_string().contains("max_steps = 200"), "{failure}");
}

#[test]
fn a_task_blocked_after_the_body_returned_is_a_leak() {
    let failure = Config::default()
        .explore(|| {
            let (tx, rx) = goweave::chan::<i32>(0);
            goweave::Builder::new().name("forgotten").go(move || {
                let _ = rx.recv();
            });
            drop(tx);
        })
        .unwrap_err();
    assert_eq!(failure.kind(), FailureKind::Leak);
    let report = failure.to_string();
    assert!(report.contains("task 1 \"forgotten\": blocked receiving from chan#0"), "{report}");
    assert!(report.contains("nothing can ever unblock"), "{report}");
}

#[test]
fn a_body_returning_err_fails() {
    let failure =
        Config::default().explore(|| -> Result<(), String> { Err("bad state".to_string()) }).unwrap_err();
    assert_eq!(failure.kind(), FailureKind::Panic);
    assert!(failure.to_string().contains("Err(\"bad state\")"), "{failure}");
}

#[test]
fn failures_give_structured_access_to_their_tasks() {
    let failure = find(Strategy::Dfs { preemption_bound: None }, abba);
    let tasks = failure.tasks();
    assert_eq!(tasks.len(), 2, "{tasks:?}");
    let worker = tasks.iter().find(|t| t.id() == 1).expect("task 1 is involved");
    assert_eq!(worker.name(), Some("b-then-a"));
    assert!(worker.status().starts_with("blocked locking Mutex#0"), "{}", worker.status());
    assert!(worker.location().is_some_and(|l| l.starts_with("tests/bugs.rs:")), "{worker:?}");
}
