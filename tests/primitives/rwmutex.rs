//! `sync::RwMutex`: shared readers, exclusive writers, writer preference.

use std::sync::Arc;

use goweave::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use goweave::sync::{RwMutex, RwMutexReadGuard, RwMutexWriteGuard};
use goweave::{go, yield_now, FailureKind};

use super::{all_pass, fails, outcomes, set};

#[test]
fn two_readers_can_hold_the_lock_at_once() {
    // The most readers inside at once, over every interleaving.
    let seen = outcomes(|| {
        let rw = Arc::new(RwMutex::new(7));
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let (rw, inside, most) = (rw.clone(), inside.clone(), most.clone());
                go(move || {
                    let g = rw.read();
                    let now = inside.fetch_add(1, SeqCst) + 1;
                    most.fetch_max(now, SeqCst);
                    assert_eq!(*g, 7);
                    inside.fetch_sub(1, SeqCst);
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        most.load(SeqCst)
    });
    assert_eq!(seen, set([1, 2]));
}

#[test]
fn a_writer_excludes_readers() {
    // The writer updates a pair in two steps with a scheduling point in
    // between; a reader only ever sees it before or after.
    let seen = outcomes(|| {
        let rw = Arc::new(RwMutex::new((0, 0)));
        let w = rw.clone();
        let h = go(move || {
            let mut g = w.write();
            g.0 = 1;
            yield_now();
            g.1 = 1;
        });
        let seen = *rw.read();
        h.join().unwrap();
        seen
    });
    assert_eq!(seen, set([(0, 0), (1, 1)]));
}

#[test]
fn a_writer_excludes_other_writers() {
    let seen = outcomes(|| {
        let rw = Arc::new(RwMutex::new(0));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let rw = rw.clone();
                go(move || {
                    let mut g = rw.write();
                    let v = *g;
                    yield_now();
                    *g = v + 1;
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let v = *rw.read();
        v
    });
    assert_eq!(seen, set([2]));
}

#[test]
fn a_waiting_writer_blocks_new_readers() {
    // The body holds a read lock; a writer queues up behind it. While the
    // writer waits, try_read fails (Go prefers writers); before it
    // arrives, try_read succeeds.
    let seen = outcomes(|| {
        let rw = Arc::new(RwMutex::new(0));
        let g = rw.read();
        let w = rw.clone();
        let h = go(move || *w.write() += 1);
        yield_now();
        let second_reader = rw.try_read().is_some();
        drop(g);
        h.join().unwrap();
        second_reader
    });
    assert_eq!(seen, set([false, true]));
}

#[test]
fn recursive_read_lock_with_a_pending_writer_deadlocks() {
    fails(FailureKind::Deadlock, &[], || {
        let rw = Arc::new(RwMutex::new(0));
        let w = rw.clone();
        let h = go(move || *w.write() += 1);
        let _a = rw.read();
        yield_now();
        let _b = rw.read(); // behind the pending writer, which waits on us
        drop(_b);
        drop(_a);
        h.join().unwrap();
    });
}

#[test]
fn try_read_and_try_write() {
    all_pass(|| {
        let rw = RwMutex::new(5);
        {
            let r1 = rw.try_read().expect("free");
            let r2 = rw.try_read().expect("readers share");
            assert_eq!(*r1 + *r2, 10);
            assert!(rw.try_write().is_none(), "try_write while read-locked");
        }
        {
            let mut w = rw.try_write().expect("free");
            *w = 6;
            assert!(rw.try_read().is_none(), "try_read while write-locked");
            assert!(rw.try_write().is_none(), "try_write while write-locked");
        }
        assert_eq!(*rw.read(), 6);
        assert!(rw.try_write().is_some());
    });
}

#[test]
fn guards_are_send_and_unlock_where_they_are_dropped() {
    fn assert_send<T: Send>() {}
    assert_send::<RwMutexReadGuard<'static, i32>>();
    assert_send::<RwMutexWriteGuard<'static, i32>>();

    // A read guard released by another task lets the body write.
    let seen = outcomes(|| {
        let rw: &'static RwMutex<i32> = Box::leak(Box::new(RwMutex::new(1)));
        let r = rw.read();
        let h = go(move || {
            let v = *r;
            drop(r);
            v
        });
        *rw.write() += 1; // waits for the task to drop the read guard
        let read = h.join().unwrap();
        (read, *rw.read())
    });
    assert_eq!(seen, set([(1, 2)]));

    // A write guard released by another task lets the body read.
    let seen = outcomes(|| {
        let rw: &'static RwMutex<i32> = Box::leak(Box::new(RwMutex::new(1)));
        let mut w = rw.write();
        *w = 5;
        let h = go(move || {
            *w += 1;
            drop(w);
        });
        let v = *rw.read(); // waits for the task to drop the write guard
        h.join().unwrap();
        v
    });
    assert_eq!(seen, set([6]));
}
