//! Ports of src/sync/mutex_test.go (functional tests).
//!
//! Not ported: TestMutexMisuse, whose cases unlock a `Mutex` or `RWMutex`
//! that is not locked (or not in that mode): goweave's guards make that
//! impossible to write.

use std::sync::Arc;
use std::time::Duration;

use goweave::chan::Sender;
use goweave::context::Context;
use goweave::semaphore::Weighted;
use goweave::sync::Mutex;
use goweave::{chan, go, select, time};

fn hammer_semaphore(s: Weighted, loops: usize, cdone: Sender<bool>) {
    for _ in 0..loops {
        s.acquire(&Context::background(), 1).unwrap();
        s.release(1);
    }
    cdone.send(true);
}

// Ports TestSemaphore from src/sync/mutex_test.go. The runtime semaphore
// it hammers is internal to Go; x/sync's weighted semaphore of size 1
// stands in for it. 10 tasks of 1,000 loops shrunk to 3 of 3.
#[goweave::concurrency_test]
fn semaphore_hammered() {
    let s = Weighted::new(1);
    let (c, done) = chan::<bool>(0);
    for _ in 0..3 {
        let (s, c) = (s.clone(), c.clone());
        go(move || hammer_semaphore(s, 3, c));
    }
    for _ in 0..3 {
        done.recv();
    }
}

fn hammer_mutex(m: Arc<Mutex<()>>, loops: usize, cdone: Sender<bool>) {
    for i in 0..loops {
        if i % 3 == 0 {
            if let Some(g) = m.try_lock() {
                drop(g);
            }
            continue;
        }
        drop(m.lock());
    }
    cdone.send(true);
}

// Ports TestMutex from src/sync/mutex_test.go: try_lock fails while the
// mutex is locked and succeeds once it is not; then tasks hammer it. 10
// tasks of 1,000 loops shrunk to 3 of 4.
#[goweave::concurrency_test]
fn mutex_try_lock_and_hammer() {
    let m = Arc::new(Mutex::new(()));
    let g = m.lock();
    assert!(m.try_lock().is_none(), "TryLock succeeded with mutex locked");
    drop(g);
    let g = m.try_lock().expect("TryLock failed with mutex unlocked");
    drop(g);

    let (c, done) = chan::<bool>(0);
    for _ in 0..3 {
        let (m, c) = (m.clone(), c.clone());
        go(move || hammer_mutex(m, 4, c));
    }
    for _ in 0..3 {
        done.recv();
    }
}

// Ports TestMutexFairness from src/sync/mutex_test.go: a task that locks
// now and then gets the mutex within 10 seconds although another holds it
// most of the time. The 10 s watchdog fires only when no task can run (it
// is beyond the 100 ms early-timer threshold).
#[goweave::concurrency_test]
fn mutex_fairness() {
    let mu = Arc::new(Mutex::new(()));
    let (stop_tx, stop) = chan::<bool>(0);
    let m = mu.clone();
    go(move || loop {
        let g = m.lock();
        time::sleep(Duration::from_micros(100));
        drop(g);
        select! {
            recv(stop) -> _ => return,
            default => {},
        }
    });
    let (done_tx, done) = chan::<bool>(1);
    go(move || {
        for _ in 0..10 {
            time::sleep(Duration::from_micros(100));
            drop(mu.lock());
        }
        done_tx.send(true);
    });
    select! {
        recv(done) -> _ => {},
        recv(time::after(Duration::from_secs(10))) -> _ => panic!("can't acquire Mutex in 10 seconds"),
    }
    stop_tx.close(); // Go: defer close(stop)
}
