//! `sync::WaitGroup`: wait, negative counter, shared clones.

use std::sync::Arc;

use goweave::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use goweave::sync::WaitGroup;
use goweave::{go, FailureKind};

use super::{all_pass, fails, outcomes, set};

#[test]
fn wait_returns_only_after_every_done() {
    let seen = outcomes(|| {
        let wg = WaitGroup::new();
        let finished = Arc::new(AtomicUsize::new(0));
        wg.add(2);
        for _ in 0..2 {
            let (wg, finished) = (wg.clone(), finished.clone());
            go(move || {
                finished.fetch_add(1, SeqCst);
                wg.done();
            });
        }
        wg.wait();
        finished.load(SeqCst)
    });
    assert_eq!(seen, set([2]));
}

#[test]
fn several_waiters_are_all_released() {
    let seen = outcomes(|| {
        let wg = WaitGroup::new();
        let finished = Arc::new(AtomicUsize::new(0));
        wg.add(1);
        let (wg2, f2) = (wg.clone(), finished.clone());
        let waiter = go(move || {
            wg2.wait();
            f2.load(SeqCst)
        });
        let (wg3, f3) = (wg.clone(), finished.clone());
        go(move || {
            f3.fetch_add(1, SeqCst);
            wg3.done();
        });
        wg.wait();
        (finished.load(SeqCst), waiter.join().unwrap())
    });
    assert_eq!(seen, set([(1, 1)]));
}

#[test]
fn wait_on_a_zero_counter_returns_at_once() {
    all_pass(|| {
        let wg = WaitGroup::new();
        wg.wait();
        wg.add(3);
        wg.add(-3);
        wg.wait();
    });
}

#[test]
fn negative_counter_panics() {
    fails(FailureKind::Panic, &["sync: negative WaitGroup counter"], || {
        let wg = WaitGroup::new();
        wg.done();
    });
    fails(FailureKind::Panic, &["sync: negative WaitGroup counter"], || {
        let wg = WaitGroup::new();
        wg.add(1);
        wg.add(-2);
    });
    // One done too many, in unjoined tasks: a failure.
    fails(FailureKind::Panic, &["sync: negative WaitGroup counter"], || {
        let wg = WaitGroup::new();
        wg.add(1);
        for _ in 0..2 {
            let wg = wg.clone();
            go(move || wg.done());
        }
    });
    // Joined: exactly one of the two tasks panics, in every execution.
    let seen = outcomes(|| {
        let wg = WaitGroup::new();
        wg.add(1);
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let wg = wg.clone();
                go(move || wg.done())
            })
            .collect();
        let errors: Vec<String> =
            handles.into_iter().filter_map(|h| h.join().err()).map(|p| p.message().to_string()).collect();
        errors
    });
    assert_eq!(seen, set([vec!["sync: negative WaitGroup counter".to_string()]]));
}

#[test]
fn clones_share_one_counter() {
    let seen = outcomes(|| {
        let wg = WaitGroup::new();
        let wg2 = wg.clone();
        let wg3 = wg2.clone();
        wg2.add(2);
        let done = Arc::new(AtomicUsize::new(0));
        let d = done.clone();
        go(move || {
            d.fetch_add(1, SeqCst);
            wg3.done();
            d.fetch_add(1, SeqCst);
            wg3.done();
        });
        wg.wait(); // released through another handle's done
        done.load(SeqCst)
    });
    assert_eq!(seen, set([2]));
}

#[test]
fn a_missing_done_deadlocks_the_waiter() {
    fails(FailureKind::Deadlock, &[], || {
        let wg = WaitGroup::new();
        wg.add(2);
        let wg2 = wg.clone();
        go(move || wg2.done());
        wg.wait();
    });
}
