//! Ports of src/sync/rwmutex_test.go (functional tests).
//!
//! Not ported: TestUnlockPanic, TestUnlockPanic2, TestRUnlockPanic and
//! TestRUnlockPanic2, which unlock an `RWMutex` not locked in that mode:
//! goweave's guards make that impossible to write.

use std::sync::Arc;

use goweave::chan::{Receiver, Sender};
use goweave::sync::atomic::{AtomicI32, Ordering};
use goweave::sync::{RwMutex, RwMutexReadGuard, RwMutexWriteGuard};
use goweave::{chan, go, scope, select};

fn parallel_reader(m: Arc<RwMutex<()>>, clocked: Sender<bool>, cunlock: Receiver<bool>, cdone: Sender<bool>) {
    let g = m.read();
    clocked.send(true);
    cunlock.recv();
    drop(g);
    cdone.send(true);
}

fn do_test_parallel_readers(num_readers: usize) {
    let m = Arc::new(RwMutex::new(()));
    let (clocked_tx, clocked) = chan::<bool>(0);
    let (cunlock, cunlock_rx) = chan::<bool>(0);
    let (cdone_tx, cdone) = chan::<bool>(0);
    for _ in 0..num_readers {
        let (m, a, b, c) = (m.clone(), clocked_tx.clone(), cunlock_rx.clone(), cdone_tx.clone());
        go(move || parallel_reader(m, a, b, c));
    }
    // Wait for all the read locks to be taken at once.
    for _ in 0..num_readers {
        clocked.recv();
    }
    for _ in 0..num_readers {
        cunlock.send(true);
    }
    for _ in 0..num_readers {
        cdone.recv();
    }
}

// Ports TestParallelReaders from src/sync/rwmutex_test.go: readers hold
// the lock together (GOMAXPROCS has no counterpart).
#[goweave::concurrency_test]
fn parallel_readers() {
    do_test_parallel_readers(1);
    do_test_parallel_readers(3);
    do_test_parallel_readers(4);
}

fn reader(rwm: Arc<RwMutex<()>>, iterations: usize, activity: Arc<AtomicI32>, cdone: Sender<bool>) {
    for _ in 0..iterations {
        let g = rwm.read();
        let n = activity.fetch_add(1, Ordering::SeqCst) + 1;
        assert!((1..10000).contains(&n), "wlock({n})");
        activity.fetch_add(-1, Ordering::SeqCst);
        drop(g);
    }
    cdone.send(true);
}

fn writer(rwm: Arc<RwMutex<()>>, iterations: usize, activity: Arc<AtomicI32>, cdone: Sender<bool>) {
    for _ in 0..iterations {
        let g = rwm.write();
        let n = activity.fetch_add(10000, Ordering::SeqCst) + 10000;
        assert_eq!(n, 10000, "wlock({n})");
        activity.fetch_add(-10000, Ordering::SeqCst);
        drop(g);
    }
    cdone.send(true);
}

/// Two writers and `num_readers` readers; `activity` counts active
/// readers plus 10,000 per active writer.
fn hammer_rw_mutex(num_readers: usize, iterations: usize) {
    let activity = Arc::new(AtomicI32::new(0));
    let rwm = Arc::new(RwMutex::new(()));
    let (cdone_tx, cdone) = chan::<bool>(0);
    let start_writer = || {
        let (r, a, c) = (rwm.clone(), activity.clone(), cdone_tx.clone());
        go(move || writer(r, iterations, a, c));
    };
    let start_reader = || {
        let (r, a, c) = (rwm.clone(), activity.clone(), cdone_tx.clone());
        go(move || reader(r, iterations, a, c));
    };
    start_writer();
    for _ in 0..num_readers / 2 {
        start_reader();
    }
    start_writer();
    for _ in num_readers / 2..num_readers {
        start_reader();
    }
    for _ in 0..2 + num_readers {
        cdone.recv();
    }
}

// Ports TestRWMutex from src/sync/rwmutex_test.go (HammerRWMutex with one
// reader; 1,000 iterations shrunk to 3).
#[goweave::concurrency_test]
fn rw_mutex_hammer_one_reader() {
    hammer_rw_mutex(1, 3);
}

// Ports TestRWMutex from src/sync/rwmutex_test.go (HammerRWMutex with
// three readers; 1,000 iterations shrunk to 2).
#[goweave::concurrency_test]
fn rw_mutex_hammer_three_readers() {
    hammer_rw_mutex(3, 2);
}

// Ports TestRLocker from src/sync/rwmutex_test.go: RLocker's Lock takes the
// read lock, and respects the write lock. Go's RLocker is the RWMutex's
// read side; a task here read-locks twice and hands both guards (then its
// write guard) to the body, which unlocks them, as Go's main goroutine
// does. 10 rounds shrunk to 3.
#[goweave::concurrency_test]
fn r_locker() {
    let wl = RwMutex::new(());
    let n = 3;
    scope(|s| {
        let (wlocked_tx, wlocked) = chan::<RwMutexWriteGuard<'_, ()>>(1);
        let (rlocked_tx, rlocked) = chan::<(RwMutexReadGuard<'_, ()>, RwMutexReadGuard<'_, ()>)>(1);
        let wl = &wl;
        s.go(move || {
            for _ in 0..n {
                let r1 = wl.read();
                let r2 = wl.read();
                rlocked_tx.send((r1, r2));
                wlocked_tx.send(wl.write());
            }
        });
        for _ in 0..n {
            let (r1, r2) = rlocked.recv().unwrap();
            drop(r1);
            select! {
                recv(wlocked) -> _ => panic!("RLocker() didn't read-lock it"),
                default => {},
            }
            drop(r2);
            let w = wlocked.recv().unwrap();
            select! {
                recv(rlocked) -> _ => panic!("RLocker() didn't respect the write lock"),
                default => {},
            }
            drop(w);
        }
    });
}
