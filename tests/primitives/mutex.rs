//! `sync::Mutex`: mutual exclusion, try_lock, self-deadlock, Send guards.

use std::sync::Arc;

use goweave::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use goweave::sync::{Mutex, MutexGuard};
use goweave::{go, yield_now, FailureKind};

use super::{all_pass, fails, outcomes, set};

#[test]
fn read_modify_write_under_the_lock_never_loses_an_update() {
    // (final value, most tasks ever inside the critical section at once)
    let seen = outcomes(|| {
        let m = Arc::new(Mutex::new(0));
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let (m, inside, most) = (m.clone(), inside.clone(), most.clone());
                go(move || {
                    let mut g = m.lock();
                    let now = inside.fetch_add(1, SeqCst) + 1;
                    most.fetch_max(now, SeqCst);
                    let v = *g;
                    yield_now(); // another task may run here, but not enter
                    *g = v + 1;
                    inside.fetch_sub(1, SeqCst);
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let total = *m.lock();
        (total, most.load(SeqCst))
    });
    assert_eq!(seen, set([(2, 1)]));
}

#[test]
fn try_lock_fails_while_held_and_succeeds_when_free() {
    all_pass(|| {
        let m = Mutex::new(1);
        {
            let g = m.try_lock().expect("a free mutex");
            assert_eq!(*g, 1);
            assert!(m.try_lock().is_none(), "try_lock succeeded while held");
        }
        let g = m.lock();
        assert!(m.try_lock().is_none(), "try_lock succeeded while held");
        drop(g);
        *m.try_lock().expect("the mutex was released") += 1;
        assert_eq!(*m.lock(), 2);
    });
    // Against another task that holds it for a while: both outcomes occur.
    let seen = outcomes(|| {
        let m = Arc::new(Mutex::new(0));
        let m2 = m.clone();
        let h = go(move || {
            let mut g = m2.lock();
            *g += 1;
            yield_now();
        });
        let got = m.try_lock().map(|g| *g);
        h.join().unwrap();
        got
    });
    // None while the task holds it; Some(0) before, Some(1) after.
    assert_eq!(seen, set([None, Some(0), Some(1)]));
}

#[test]
fn locking_twice_in_one_task_deadlocks() {
    fails(FailureKind::Deadlock, &["Mutex"], || {
        let m = Mutex::new(0);
        let _a = m.lock();
        let _b = m.lock();
    });
    // Also in a spawned task that the body joins.
    fails(FailureKind::Deadlock, &["Mutex"], || {
        let m = Arc::new(Mutex::new(0));
        let m2 = m.clone();
        let h = go(move || {
            let _a = m2.lock();
            let _b = m2.lock();
        });
        h.join().unwrap();
    });
}

#[test]
fn guards_are_send_and_unlock_where_they_are_dropped() {
    fn assert_send<T: Send>() {}
    assert_send::<MutexGuard<'static, Vec<u8>>>();

    let seen = outcomes(|| {
        // The guard must outlive the body's borrow to cross into a task.
        let m: &'static Mutex<i32> = Box::leak(Box::new(Mutex::new(0)));
        let mut g = m.lock();
        *g = 1;
        let h = go(move || {
            *g += 1;
            drop(g); // unlocked by another task than the one that locked
        });
        // Blocks until the task dropped the guard.
        let after = *m.lock();
        h.join().unwrap();
        after
    });
    assert_eq!(seen, set([2]));
}

#[test]
fn a_failed_try_lock_leaves_the_lock_with_its_holder() {
    // Minimal: try_lock on a mutex this task holds fails, and the guard
    // still unlocks normally afterwards.
    all_pass(|| {
        let m = Mutex::new(0);
        let g = m.lock();
        assert!(m.try_lock().is_none());
        drop(g);
    });
    // Another task's failed try_lock must not release the holder's lock:
    // the holder's read-modify-write stays atomic.
    let seen = outcomes(|| {
        let m = Arc::new(Mutex::new(0));
        let m2 = m.clone();
        let h = go(move || {
            let mut g = m2.lock();
            let v = *g;
            yield_now();
            *g = v + 1;
        });
        let got = m.try_lock().map(|mut g| {
            *g += 10;
            *g
        });
        h.join().unwrap();
        let total = *m.lock();
        (got, total)
    });
    assert_eq!(seen, set([(None, 1), (Some(10), 11), (Some(11), 11)]));
}

#[test]
fn a_guard_sent_over_a_channel_is_released_by_the_receiver() {
    let seen = outcomes(|| {
        let m: &'static Mutex<Vec<&'static str>> = Box::leak(Box::new(Mutex::new(Vec::new())));
        let (tx, rx) = goweave::chan::<MutexGuard<'static, Vec<&'static str>>>(1);
        let h = go(move || {
            let mut g = rx.recv().unwrap();
            g.push("task");
        });
        let mut g = m.lock();
        g.push("body");
        tx.send(g);
        h.join().unwrap();
        m.lock().clone()
    });
    assert_eq!(seen, set([vec!["body", "task"]]));
}
