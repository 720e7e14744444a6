//! Exhaustive search replays schedule prefixes; a program that does
//! something else on the same prefix is reported as `Nondeterminism`, with
//! the step and the likely causes, instead of exploring nonsense.

use std::sync::atomic::{AtomicUsize, Ordering as StdOrdering};
use std::sync::Arc;

use goweave::sync::atomic::{AtomicUsize as GwAtomic, Ordering};
use goweave::{Config, FailureKind, Strategy};

/// Kept between executions: the bug the check exists for.
static RUNS: AtomicUsize = AtomicUsize::new(0);

#[test]
fn a_body_reading_a_global_counter_is_reported_with_the_step() {
    let failure = Config::default()
        .strategy(Strategy::Dfs { preemption_bound: None })
        .threads(1)
        .explore(|| {
            // The second execution replays the first one's prefix up to
            // the race, at the body's last step, but this task now exists
            // only on odd runs.
            if RUNS.fetch_add(1, StdOrdering::SeqCst) % 2 == 1 {
                goweave::go(|| {});
            }
            let shared = Arc::new(GwAtomic::new(0));
            let s = shared.clone();
            let t = goweave::go(move || {
                s.fetch_add(1, Ordering::SeqCst);
            });
            let unshared = GwAtomic::new(0);
            unshared.load(Ordering::SeqCst);
            unshared.load(Ordering::SeqCst);
            shared.fetch_add(1, Ordering::SeqCst);
            t.join().unwrap();
        })
        .expect_err("the search must notice");
    assert_eq!(failure.kind(), FailureKind::Nondeterminism, "{failure}");
    let report = failure.to_string();
    assert!(report.contains("goweave found nondeterminism in the program under test"), "{report}");
    assert!(report.contains("at step "), "{report}");
    assert!(report.contains("replaying the schedule of an earlier execution"), "{report}");
    assert!(report.contains("global state kept between executions"), "{report}");
    assert!(!report.contains("replay: gw1:"), "no token to replay: {report}");
}

#[test]
fn a_deterministic_body_is_not_flagged() {
    let stats = Config::default()
        .strategy(Strategy::Dfs { preemption_bound: None })
        .explore(|| {
            let shared = Arc::new(GwAtomic::new(0));
            let s = shared.clone();
            let t = goweave::go(move || {
                s.fetch_add(1, Ordering::SeqCst);
            });
            shared.fetch_add(1, Ordering::SeqCst);
            t.join().unwrap();
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted());
}

#[test]
fn the_report_names_the_moves_that_differ() {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let failure = Config::default()
        .strategy(Strategy::Dfs { preemption_bound: None })
        .threads(1)
        .explore(|| {
            let a = Arc::new(GwAtomic::new(0));
            let b = a.clone();
            let first = goweave::go(move || {
                b.fetch_add(1, Ordering::SeqCst);
            });
            // Later executions block the body on the task before it can
            // take its second step: one runnable move where there were two.
            if COUNTER.fetch_add(1, StdOrdering::SeqCst) > 0 {
                first.join().unwrap();
                a.fetch_add(1, Ordering::SeqCst);
            } else {
                a.fetch_add(1, Ordering::SeqCst);
                first.join().unwrap();
            }
        })
        .expect_err("the search must notice");
    assert_eq!(failure.kind(), FailureKind::Nondeterminism);
    let report = failure.to_string();
    assert!(
        report.contains("the runnable moves were [task 1] where that execution had [task 0, task 1]"),
        "{report}"
    );
}
