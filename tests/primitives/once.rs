//! `sync::Once`: exactly once, callers wait for the first call, recursion
//! deadlocks.

use std::sync::Arc;

use goweave::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use goweave::sync::Once;
use goweave::{go, yield_now, FailureKind};

use super::{all_pass, fails, outcomes, set};

#[test]
fn runs_exactly_once_and_every_caller_returns_after_it_finished() {
    // (runs, every caller saw it finished, which caller ran it)
    let seen = outcomes(|| {
        let once = Arc::new(Once::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let finished = Arc::new(AtomicBool::new(false));
        let winner = Arc::new(AtomicUsize::new(usize::MAX));
        let call = {
            let (once, runs, finished, winner) =
                (once.clone(), runs.clone(), finished.clone(), winner.clone());
            move |me: usize| {
                once.call_once(|| {
                    runs.fetch_add(1, SeqCst);
                    winner.store(me, SeqCst);
                    yield_now(); // others may arrive while it runs
                    finished.store(true, SeqCst);
                });
                finished.load(SeqCst)
            }
        };
        let handles: Vec<_> = (1..3)
            .map(|me| {
                let call = call.clone();
                go(move || call(me))
            })
            .collect();
        let mut all_saw_finished = call(0);
        for h in handles {
            all_saw_finished &= h.join().unwrap();
        }
        assert!(once.is_completed());
        (runs.load(SeqCst), all_saw_finished, winner.load(SeqCst))
    });
    assert_eq!(seen, set([(1, true, 0), (1, true, 1), (1, true, 2)]));
}

#[test]
fn later_calls_do_nothing() {
    all_pass(|| {
        let once = Once::new();
        assert!(!once.is_completed());
        let mut n = 0;
        once.call_once(|| n += 1);
        once.call_once(|| n += 10);
        assert_eq!(n, 1);
        assert!(once.is_completed());
    });
}

#[test]
fn recursive_call_once_deadlocks() {
    fails(FailureKind::Deadlock, &[], || {
        let once = Once::new();
        once.call_once(|| once.call_once(|| ()));
    });
}

#[test]
fn a_panicking_function_still_counts_as_done() {
    let seen = outcomes(|| {
        let once = Arc::new(Once::new());
        let o = once.clone();
        let h = go(move || o.call_once(|| panic!("init failed")));
        let err = h.join().expect_err("the function panicked");
        assert!(err.message().contains("init failed"), "{err}");
        let mut ran_again = false;
        once.call_once(|| ran_again = true);
        (once.is_completed(), ran_again)
    });
    assert_eq!(seen, set([(true, false)]));
}
