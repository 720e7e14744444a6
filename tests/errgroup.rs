//! `goweave::errgroup`: x/sync/errgroup semantics, explored exhaustively.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use goweave::context::{Context, ContextError};
use goweave::errgroup::Group;
use goweave::sync::atomic::{AtomicUsize, Ordering};
use goweave::{Config, FailureKind, Strategy};

const SOURCE: &str = include_str!("errgroup.rs");

fn exhaustive() -> Config {
    Config::default().strategy(Strategy::Dfs { preemption_bound: None }).iterations(1_000_000)
}

/// Exhaustive, and timers never fire early: a sleep returns only once every
/// other task is blocked (like `synctest.Wait`), which orders steps without
/// adding synchronization between the tasks.
fn settled() -> Config {
    exhaustive().timer_bound(0)
}

fn settle() {
    goweave::time::sleep(Duration::from_millis(1));
}

/// `tests/errgroup.rs:LINE` of the line ending with `// @marker`.
fn at(marker: &str) -> String {
    let tag = format!("// @{marker}");
    let lines: Vec<usize> = SOURCE
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim_end().ends_with(&tag))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(lines.len(), 1, "marker {tag} must be on exactly one line");
    format!("tests/errgroup.rs:{}", lines[0])
}

#[test]
fn wait_returns_an_error_after_every_task_ran() {
    let seen = Arc::new(StdMutex::new(BTreeSet::new()));
    let s = seen.clone();
    let stats = exhaustive()
        .explore(move || {
            let g = Group::<u32>::new();
            let ran = Arc::new(AtomicUsize::new(0));
            for i in 0..3 {
                let ran = ran.clone();
                g.go(move || {
                    ran.fetch_add(1, Ordering::SeqCst);
                    if i == 0 {
                        Ok(())
                    } else {
                        Err(i)
                    }
                });
            }
            let err = g.wait().expect_err("two tasks failed");
            assert_eq!(ran.load(Ordering::SeqCst), 3, "wait returned before every task ran");
            s.lock().unwrap().insert(err);
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted(), "{stats}");
    // Either failure can come first.
    assert_eq!(*seen.lock().unwrap(), BTreeSet::from([1, 2]));
}

#[test]
fn the_first_error_to_complete_wins() {
    let stats = settled()
        .explore(|| {
            for first in [1, 2] {
                let g = Group::<u32>::new();
                let (tx1, rx1) = goweave::chan::<()>(0);
                let (tx2, rx2) = goweave::chan::<()>(0);
                g.go(move || {
                    rx1.recv();
                    Err(1)
                });
                g.go(move || {
                    rx2.recv();
                    Err(2)
                });
                let (a, b) = if first == 1 { (&tx1, &tx2) } else { (&tx2, &tx1) };
                a.send(());
                settle(); // the first has returned its error
                b.send(());
                assert_eq!(g.wait(), Err(first));
                // Every wait returns it; later ones were never kept.
                assert_eq!(g.wait(), Err(first));
            }
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted_within_bounds(), "{stats}");
}

#[test]
fn with_context_cancels_on_the_first_error() {
    let stats = exhaustive()
        .explore(|| {
            let root = Context::background();
            let (g, ctx) = Group::<&'static str>::with_context(&root);
            assert_eq!(ctx.err(), None);
            g.go(|| Err("boom"));
            let c = ctx.clone();
            g.go(move || {
                // Only the failure's cancellation ends this wait: without it
                // every execution deadlocks in `wait`.
                c.done().recv();
                assert_eq!(c.err(), Some(ContextError::Canceled));
                Ok(())
            });
            assert_eq!(g.wait(), Err("boom"));
            assert_eq!(ctx.err(), Some(ContextError::Canceled));
            assert_eq!(root.err(), None, "the parent is not cancelled");
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted(), "{stats}");
}

#[test]
fn with_context_cancels_when_wait_returns_and_not_before() {
    let stats = exhaustive()
        .explore(|| {
            let (parent, _cancel) = Context::background().with_cancel();
            let (g, ctx) = Group::<()>::with_context(&parent);
            for _ in 0..2 {
                let c = ctx.clone();
                g.go(move || {
                    assert_eq!(c.err(), None, "cancelled though nothing failed and wait had not returned");
                    Ok(())
                });
            }
            assert_eq!(g.wait(), Ok(()));
            assert_eq!(ctx.err(), Some(ContextError::Canceled));
            assert_eq!(ctx.done().recv(), None, "done is closed");
            assert_eq!(parent.err(), None);
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted(), "{stats}");
}

/// Three tasks, each counting itself in and out of an `active` counter and
/// asserting it stays within `bound`; returns the highest count seen in
/// any execution.
fn max_active(config: Config, limit: Option<isize>, bound: usize) -> Result<usize, goweave::Failure> {
    let highest = Arc::new(AtomicMax::default());
    let h = highest.clone();
    config
        .explore(move || {
            let g = Group::<()>::new();
            if let Some(limit) = limit {
                g.set_limit(limit);
            }
            let active = Arc::new(AtomicUsize::new(0));
            for _ in 0..3 {
                let (active, h) = (active.clone(), h.clone());
                g.go(move || {
                    let now = active.fetch_add(1, Ordering::SeqCst) + 1;
                    h.record(now);
                    assert!(now <= bound, "{now} tasks active at once");
                    active.fetch_sub(1, Ordering::SeqCst);
                    Ok(())
                });
            }
            g.wait().unwrap();
        })
        .map(|stats| {
            assert!(stats.exhausted(), "{stats}");
            highest.get()
        })
}

/// The highest value recorded, across executions (test bookkeeping, not
/// program state).
#[derive(Default)]
struct AtomicMax(std::sync::atomic::AtomicUsize);

impl AtomicMax {
    fn record(&self, v: usize) {
        self.0.fetch_max(v, std::sync::atomic::Ordering::SeqCst);
    }
    fn get(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[test]
fn set_limit_bounds_the_active_tasks() {
    let highest = max_active(exhaustive(), Some(2), 2).unwrap_or_else(|f| panic!("{f}"));
    assert_eq!(highest, 2, "the limit is reached in some execution");
    let highest = max_active(exhaustive(), Some(1), 1).unwrap_or_else(|f| panic!("{f}"));
    assert_eq!(highest, 1);
}

#[test]
fn without_a_limit_the_same_check_fails() {
    // The counter and its assertion can fail: with no limit, some execution
    // has all three tasks active at once.
    let failure = max_active(exhaustive(), None, 2).expect_err("three tasks were never active at once");
    assert_eq!(failure.kind(), FailureKind::Panic, "{failure}");
    assert!(failure.to_string().contains("3 tasks active at once"), "{failure}");
    let failure = max_active(exhaustive(), Some(-1), 2).expect_err("a negative limit is no limit");
    assert_eq!(failure.kind(), FailureKind::Panic, "{failure}");
}

#[test]
fn try_go_fails_while_the_limit_is_reached() {
    let stats = exhaustive()
        .explore(|| {
            let g = Group::<()>::new();
            g.set_limit(1);
            let (tx, rx) = goweave::chan::<()>(0);
            g.go(move || {
                rx.recv();
                Ok(())
            });
            let ran = Arc::new(AtomicUsize::new(0));
            let r = ran.clone();
            let started = g.try_go(move || {
                r.fetch_add(1, Ordering::SeqCst);
                Ok(())
            });
            assert!(!started, "the one slot is taken");
            tx.send(());
            assert_eq!(g.wait(), Ok(()));
            assert_eq!(ran.load(Ordering::SeqCst), 0, "a refused function is not run");
            let r = ran.clone();
            assert!(g.try_go(move || {
                r.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }));
            assert_eq!(g.wait(), Ok(()));
            assert_eq!(ran.load(Ordering::SeqCst), 1);
            // No task is active: the limit may change.
            g.set_limit(3);
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted(), "{stats}");
}

#[test]
fn go_blocks_at_the_limit_until_a_task_finishes() {
    let stats = settled()
        .explore(|| {
            let g = Group::<()>::new();
            g.set_limit(1);
            let (tx, rx) = goweave::chan::<()>(0);
            g.go(move || {
                rx.recv();
                Ok(())
            });
            let spawned = Arc::new(AtomicUsize::new(0));
            let (g2, s) = (g.clone(), spawned.clone());
            let starter = goweave::go(move || {
                g2.go(|| Ok(()));
                s.fetch_add(1, Ordering::SeqCst);
            });
            settle();
            assert_eq!(spawned.load(Ordering::SeqCst), 0, "go returned while the limit was reached");
            tx.send(());
            starter.join().unwrap();
            assert_eq!(g.wait(), Ok(()));
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted_within_bounds(), "{stats}");
}

#[test]
fn modifying_the_limit_while_tasks_are_active_panics() {
    let failure = exhaustive()
        .explore(|| {
            let g = Group::<()>::new();
            g.set_limit(1);
            let (tx, rx) = goweave::chan::<()>(0);
            g.go(move || {
                rx.recv();
                Ok(())
            });
            g.set_limit(2); // @modify-limit
            tx.send(());
            g.wait().unwrap();
        })
        .expect_err("set_limit with an active task did not panic");
    assert_eq!(failure.kind(), FailureKind::Panic, "{failure}");
    let report = failure.to_string();
    assert!(
        report.contains("errgroup: modify limit while 1 goroutines in the group are still active"),
        "{report}"
    );
    assert!(report.contains(&at("modify-limit")), "{report}");
}

#[test]
fn set_limit_concurrent_with_go_is_a_data_race() {
    // As in Go, the limit is a plain field of the group.
    let failure = exhaustive()
        .explore(|| {
            let g = Group::<()>::new();
            let g2 = g.clone();
            let h = goweave::go(move || g2.go(|| Ok(())));
            g.set_limit(2); // @racing-limit
            h.join().unwrap();
            g.wait().unwrap();
        })
        .expect_err("the race was missed");
    assert_eq!(failure.kind(), FailureKind::DataRace, "{failure}");
    assert!(failure.to_string().contains(&at("racing-limit")), "{failure}");
}

/// One worker fails at once; the other ignores the group's context and
/// waits for a value nobody sends.
fn ignores_ctx<const WAIT: bool>() {
    let (g, _ctx) = Group::<&'static str>::with_context(&Context::background());
    let (tx, rx) = goweave::chan::<u32>(0);
    g.go(|| Err("failed"));
    g.go(move || {
        rx.recv(); // @stuck-worker
        Ok(())
    });
    if WAIT {
        let _ = g.wait(); // @stuck-wait
    }
    drop(tx);
}

#[test]
fn a_worker_ignoring_the_context_deadlocks_wait() {
    // The body waits in `wait` for a worker blocked forever on a receive:
    // no task can run and no timer is pending while the body itself is
    // blocked, so it is a Deadlock (a Leak needs the body to return).
    let failure = exhaustive().explore(ignores_ctx::<true>).expect_err("the stuck worker was missed");
    assert_eq!(failure.kind(), FailureKind::Deadlock, "{failure}");
    let report = failure.to_string();
    assert!(report.contains(&at("stuck-worker")), "{report}");
    assert!(report.contains(&at("stuck-wait")), "{report}");
}

#[test]
fn a_worker_ignoring_the_context_leaks_if_nobody_waits() {
    // Without `wait` the body returns while the worker can never finish.
    let failure = exhaustive().explore(ignores_ctx::<false>).expect_err("the leaked worker was missed");
    assert_eq!(failure.kind(), FailureKind::Leak, "{failure}");
    assert!(failure.to_string().contains(&at("stuck-worker")), "{failure}");
}

#[test]
fn a_worker_watching_the_context_ends_after_the_failure() {
    let stats = exhaustive()
        .explore(|| {
            let (g, ctx) = Group::<&'static str>::with_context(&Context::background());
            let (_tx, rx) = goweave::chan::<u32>(0);
            g.go(|| Err("failed"));
            g.go(move || {
                goweave::select! {
                    recv(rx) -> _ => Ok(()),
                    recv(ctx.done()) -> _ => Err("cancelled"),
                }
            });
            assert_eq!(g.wait(), Err("failed"));
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted(), "{stats}");
}
