//! Failure reports, snapshotted: what a person sees when a test fails.

use std::sync::Arc;

use goweave::sync::atomic::{AtomicUsize, Ordering};
use goweave::sync::Mutex;
use goweave::{Config, Failure, Strategy};

/// Exhaustive search in a fixed order: the same report on every run.
fn first_failure<R: goweave::BodyResult>(
    name: &str,
    body: impl Fn() -> R + Send + Sync + 'static,
) -> Failure {
    // Two threads, as on the CI machine, stated so that the snapshots do
    // not depend on the machine's parallelism.
    Config::default()
        .strategy(Strategy::Dfs { preemption_bound: None })
        .threads(2)
        .test_name(name)
        .explore(body)
        .expect_err("no failure found")
}

#[test]
fn deadlock_report() {
    let failure = first_failure("abba", || {
        let accounts = Arc::new(Mutex::new(100));
        let audit = Arc::new(Mutex::new(0));
        let (acc, aud) = (accounts.clone(), audit.clone());
        let auditor = goweave::Builder::new().name("auditor").go(move || {
            let _log = aud.lock();
            let _balances = acc.lock();
        });
        {
            let _balances = accounts.lock();
            let _log = audit.lock();
        }
        auditor.join().unwrap();
    });
    insta::assert_snapshot!(failure.to_string());
}

#[test]
fn channel_deadlock_report() {
    let failure = first_failure("tee", || {
        let (out1_tx, out1) = goweave::chan::<i32>(0);
        let (out2_tx, out2) = goweave::chan::<i32>(0);
        goweave::Builder::new().name("tee").go(move || {
            out1_tx.send(1);
            out2_tx.send(1);
        });
        let _second = out2.recv();
        let _first = out1.recv();
    });
    insta::assert_snapshot!(failure.to_string());
}

#[test]
fn panic_report() {
    let failure = first_failure("lost_update", || {
        let hits = Arc::new(AtomicUsize::new(0));
        let h = hits.clone();
        let worker = goweave::Builder::new().name("worker").go(move || {
            let v = h.load(Ordering::SeqCst);
            h.store(v + 1, Ordering::SeqCst);
        });
        let v = hits.load(Ordering::SeqCst);
        hits.store(v + 1, Ordering::SeqCst);
        worker.join().unwrap();
        assert_eq!(hits.load(Ordering::SeqCst), 2, "lost an update");
    });
    insta::assert_snapshot!(failure.to_string());
}

#[test]
fn go_runtime_panic_report() {
    let failure = first_failure("double_close", || {
        let (tx, rx) = goweave::chan::<()>(1);
        let tx2 = tx.clone();
        goweave::Builder::new().name("closer").go(move || tx2.close());
        tx.close();
        drop(rx);
    });
    insta::assert_snapshot!(failure.to_string());
}

#[test]
fn leak_report() {
    let failure = first_failure("forgotten_worker", || {
        let (jobs_tx, jobs) = goweave::chan::<u32>(1);
        goweave::Builder::new().name("worker").go(move || for _job in jobs {});
        jobs_tx.send(1);
    });
    insta::assert_snapshot!(failure.to_string());
}

#[test]
fn race_report() {
    let failure = first_failure("unsynchronized_deposit", || {
        let balance = Arc::new(goweave::Shared::new(100));
        let b = balance.clone();
        let depositor = goweave::Builder::new().name("depositor").go(move || b.set(b.get() + 10));
        balance.set(balance.get() - 30);
        depositor.join().unwrap();
    });
    insta::assert_snapshot!(failure.to_string());
}

#[test]
fn potential_deadlock_report() {
    let failure = first_failure("transfer_orders", || {
        let from = Arc::new(Mutex::new(100));
        let to = Arc::new(Mutex::new(0));
        let (f, t) = (from.clone(), to.clone());
        let (done_tx, done) = goweave::chan::<()>(0);
        goweave::Builder::new().name("forward").go(move || {
            {
                let _from = f.lock();
                let _to = t.lock();
            }
            done_tx.send(());
        });
        done.recv();
        let _to = to.lock();
        let _from = from.lock();
    });
    insta::assert_snapshot!(failure.to_string());
}

#[test]
fn nontermination_report() {
    let failure = Config::default()
        .strategy(Strategy::Dfs { preemption_bound: None })
        .threads(2)
        .max_steps(6)
        .test_name("spin")
        .explore(|| {
            let flag = Arc::new(AtomicUsize::new(0));
            while flag.load(Ordering::SeqCst) == 0 {
                goweave::yield_now();
            }
        })
        .expect_err("no failure found");
    insta::assert_snapshot!(failure.to_string());
}

#[test]
fn replay_failure_report() {
    let failure = Config::default()
        .replay("gw1:BAQE")
        .explore(|| {
            goweave::go(|| ()).join().unwrap();
        })
        .expect_err("a token for another program was followed");
    insta::assert_snapshot!(failure.to_string());
}

/// A lost update found by random walk, reported with its schedule
/// minimized to the one preemption it needs.
#[test]
fn minimized_report() {
    let failure = Config::default()
        .strategy(Strategy::Random)
        .seed(0)
        .threads(1)
        .test_name("lost_update_two_workers")
        .explore(|| {
            let hits = Arc::new(AtomicUsize::new(0));
            let workers: Vec<_> = (0..2)
                .map(|i| {
                    let h = hits.clone();
                    goweave::Builder::new().name(format!("worker-{i}")).go(move || {
                        let v = h.load(Ordering::SeqCst);
                        h.store(v + 1, Ordering::SeqCst);
                    })
                })
                .collect();
            for w in workers {
                w.join().unwrap();
            }
            assert_eq!(hits.load(Ordering::SeqCst), 2, "lost an update");
        })
        .expect_err("no failure found");
    let m = failure.minimization().expect("minimized");
    assert!(m.to() < m.from(), "{m}");
    insta::assert_snapshot!(failure.to_string());
}

/// Two tasks that yield, then a panic in the body: a failure whose token
/// makes many choices. With `extra`, the body starts one more task at the
/// end, after every choice of that token was made.
fn yielders(extra: bool) -> impl Fn() + Send + Sync + 'static {
    move || {
        let tasks: Vec<_> =
            (0..2).map(|_| goweave::go(|| (0..3).for_each(|_| goweave::yield_now()))).collect();
        for t in tasks {
            t.join().unwrap();
        }
        if extra {
            let t = goweave::go(goweave::yield_now);
            goweave::yield_now(); // a choice: the body or the new task
            t.join().unwrap();
        }
        panic!("the end");
    }
}

/// A token that diverges at its first choices asks whether it is another
/// test's (`replay_failure_report` shows the question); one that diverges
/// after following many choices is a changed program, and does not.
#[test]
fn only_an_early_divergence_asks_about_another_test() {
    let question = "Is this a token from another test?";
    let found = Config::default()
        .strategy(Strategy::Random)
        .threads(1)
        .minimize(false)
        .explore(yielders(false))
        .expect_err("no failure found");
    assert!(found.schedule().len() > 3, "too few choices: {found}");
    let token = found.schedule().to_string();
    let late = Config::default().replay(token.clone()).explore(yielders(true)).expect_err("followed");
    assert_eq!(late.kind(), goweave::FailureKind::Replay, "{late}");
    assert!(late.to_string().contains("diverged at step"), "{late}");
    assert!(!late.to_string().contains(question), "{late}");
    let early =
        Config::default().replay(token).explore(|| goweave::go(|| ()).join().unwrap()).expect_err("followed");
    assert!(early.to_string().contains(question), "{early}");
}

/// A receive that std's code makes (`collect` calling `next`) is located
/// in the user's code, where the iterator was made, not in
/// `library/alloc`: here a task collecting a channel nobody closes leaks.
#[test]
fn a_receive_inside_collect_is_reported_at_the_users_line() {
    let failure = first_failure("collects_forever", || {
        let (tx, rx) = goweave::chan::<u32>(0);
        let collector = goweave::Builder::new().name("collector");
        collector.go(move || rx.iter().collect::<Vec<_>>()); // @collect
        tx.send(1);
    });
    assert_eq!(failure.kind(), goweave::FailureKind::Leak, "{failure}");
    let line = support::marker_line(include_str!("reports.rs"), "collect");
    let collector = failure.tasks().iter().find(|t| t.name() == Some("collector")).expect("the collector");
    let at = format!("tests/reports.rs:{line}:");
    assert!(collector.location().is_some_and(|l| l.starts_with(&at)), "expected {at}\n{failure}");
    insta::assert_snapshot!(failure.to_string());
}

/// The same with the test body collecting, which deadlocks, and the
/// owning iterator (`into_iter`, then `sum`).
#[test]
fn a_receive_inside_sum_is_reported_at_the_users_line() {
    let failure = first_failure("sums_forever", || {
        let (tx, rx) = goweave::chan::<u32>(1);
        goweave::go(move || tx.send(1));
        let _total: u32 = rx.into_iter().sum(); // @sum
    });
    assert_eq!(failure.kind(), goweave::FailureKind::Deadlock, "{failure}");
    let line = support::marker_line(include_str!("reports.rs"), "sum");
    let body = &failure.tasks()[0];
    let at = format!("tests/reports.rs:{line}:");
    assert!(body.location().is_some_and(|l| l.starts_with(&at)), "expected {at}\n{failure}");
    let report = failure.to_string();
    assert!(!report.contains("/rustc/") && !report.contains("library/"), "{report}");
}
