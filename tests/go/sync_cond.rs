//! Ports of src/sync/cond_test.go (functional tests).
//!
//! Go's `Cond` carries its locker (`c.L`); goweave's `Cond::wait` takes
//! the guard of the mutex it waits with, so each test keeps a mutex (with
//! the state Go guards with it inside) beside its `Cond`.
//!
//! Not ported: TestCondCopy (a copied `Cond` panics in Go; a Rust move is
//! not a copy).

use std::sync::Arc;
use std::time::Duration;

use goweave::sync::{Cond, Mutex};
use goweave::{chan, go, select, time, yield_now};

// Ports TestCondSignal from src/sync/cond_test.go: each signal wakes
// exactly one waiter.
#[goweave::concurrency_test]
fn cond_signal() {
    let m = Arc::new(Mutex::new(()));
    let c = Arc::new(Cond::new());
    let mut n = 2;
    let (running_tx, running) = chan::<bool>(n);
    let (awake_tx, awake) = chan::<bool>(n);
    for _ in 0..n {
        let (m, c, running_tx, awake_tx) = (m.clone(), c.clone(), running_tx.clone(), awake_tx.clone());
        go(move || {
            let g = m.lock();
            running_tx.send(true);
            let g = c.wait(g);
            awake_tx.send(true);
            drop(g);
        });
    }
    for _ in 0..n {
        running.recv(); // Wait for everyone to run.
    }
    while n > 0 {
        select! {
            recv(awake) -> _ => panic!("goroutine not asleep"),
            default => {},
        }
        let g = m.lock();
        c.signal();
        drop(g);
        awake.recv(); // Will deadlock if no goroutine wakes up
        select! {
            recv(awake) -> _ => panic!("too many goroutines awake"),
            default => {},
        }
        n -= 1;
    }
    c.signal();
}

// Ports TestCondSignalGenerations from src/sync/cond_test.go: signals wake
// the waiters in the order they started waiting. 100 waiters shrunk to 5.
#[goweave::concurrency_test]
fn cond_signal_generations() {
    let m = Arc::new(Mutex::new(()));
    let c = Arc::new(Cond::new());
    let n = 5;
    let (running_tx, running) = chan::<bool>(n);
    let (awake_tx, awake) = chan::<usize>(n);
    for i in 0..n {
        let (m2, c2, running_tx, awake_tx) = (m.clone(), c.clone(), running_tx.clone(), awake_tx.clone());
        go(move || {
            let g = m2.lock();
            running_tx.send(true);
            let g = c2.wait(g);
            awake_tx.send(i);
            drop(g);
        });
        if i > 0 {
            let a = awake.recv().unwrap();
            assert_eq!(a, i - 1, "wrong goroutine woke up: want {}, got {a}", i - 1);
        }
        running.recv();
        let g = m.lock();
        c.signal();
        drop(g);
    }
}

// Ports TestCondBroadcast from src/sync/cond_test.go: a broadcast wakes
// every waiter exactly once, round after round. 200 waiters shrunk to 3.
#[goweave::concurrency_test]
fn cond_broadcast() {
    let m = Arc::new(Mutex::new(false)); // Go's `exit`, guarded by m
    let c = Arc::new(Cond::new());
    let n = 3;
    let (running_tx, running) = chan::<usize>(n);
    let (awake_tx, awake) = chan::<usize>(n);
    for g in 0..n {
        let (m, c, running_tx, awake_tx) = (m.clone(), c.clone(), running_tx.clone(), awake_tx.clone());
        go(move || {
            let mut exit = m.lock();
            while !*exit {
                running_tx.send(g);
                exit = c.wait(exit);
                awake_tx.send(g);
            }
            drop(exit);
        });
    }
    for i in 0..n {
        for _ in 0..n {
            running.recv(); // Will deadlock unless n are running.
        }
        if i == n - 1 {
            *m.lock() = true;
        }
        select! {
            recv(awake) -> _ => panic!("goroutine not asleep"),
            default => {},
        }
        let g = m.lock();
        c.broadcast();
        drop(g);
        let mut seen = vec![false; n];
        for _ in 0..n {
            let g = awake.recv().unwrap();
            assert!(!seen[g], "goroutine woke up twice");
            seen[g] = true;
        }
    }
    select! {
        recv(running) -> _ => panic!("goroutine did not exit"),
        default => {},
    }
    c.broadcast();
}

// Ports TestRace from src/sync/cond_test.go: three tasks hand a value
// around under the Cond's mutex, waiting and signalling; each sees the
// value the previous one left.
#[goweave::concurrency_test]
fn cond_race() {
    let x = Arc::new(Mutex::new(0)); // Go's x, guarded by c.L
    let c = Arc::new(Cond::new());
    let (done_tx, done) = chan::<bool>(0);
    {
        let (x, c, done_tx) = (x.clone(), c.clone(), done_tx.clone());
        go(move || {
            let mut g = x.lock();
            *g = 1;
            g = c.wait(g);
            assert_eq!(*g, 2, "want 2");
            *g = 3;
            c.signal();
            drop(g);
            done_tx.send(true);
        });
    }
    {
        let (x, c, done_tx) = (x.clone(), c.clone(), done_tx.clone());
        go(move || {
            let mut g = x.lock();
            loop {
                if *g == 1 {
                    *g = 2;
                    c.signal();
                    break;
                }
                drop(g);
                yield_now();
                g = x.lock();
            }
            drop(g);
            done_tx.send(true);
        });
    }
    go(move || {
        let mut g = x.lock();
        loop {
            if *g == 2 {
                g = c.wait(g);
                assert_eq!(*g, 3, "want 3");
                break;
            }
            if *g == 3 {
                break;
            }
            drop(g);
            yield_now();
            g = x.lock();
        }
        drop(g);
        done_tx.send(true);
    });
    done.recv();
    done.recv();
    done.recv();
}

// Ports TestCondSignalStealing from src/sync/cond_test.go: a broadcast
// racing with a new waiter still wakes the waiter already waiting. 1,000
// rounds shrunk to 2. The 2 s watchdog fires only when no task can run (it
// is beyond the 100 ms early-timer threshold).
#[goweave::concurrency_test]
fn cond_signal_stealing() {
    for _ in 0..2 {
        let m = Arc::new(Mutex::new(false)); // Go's `done`, guarded by m
        let cond = Arc::new(Cond::new());

        // Start a waiter.
        let (ch_tx, ch) = chan::<()>(0);
        {
            let (m, cond) = (m.clone(), cond.clone());
            go(move || {
                let g = m.lock();
                ch_tx.send(());
                let g = cond.wait(g);
                drop(g);
                ch_tx.send(());
            });
        }
        ch.recv();
        drop(m.lock());

        // The waiter is in wait: we synchronized with it, then took and
        // released the mutex it held. Now a broadcast races with a second
        // waiter, which may or may not be woken; the first must be.
        let c = cond.clone();
        go(move || c.broadcast());
        {
            let (m, cond) = (m.clone(), cond.clone());
            go(move || {
                let mut done = m.lock();
                while !*done {
                    done = cond.wait(done);
                }
                drop(done);
            });
        }

        // Check that the first waiter does get signaled.
        select! {
            recv(ch) -> _ => {},
            recv(time::after(Duration::from_secs(2))) -> _ => panic!("First waiter didn't get broadcast."),
        }

        // Release the second waiter in case it didn't get the broadcast.
        *m.lock() = true;
        cond.broadcast();
    }
}
