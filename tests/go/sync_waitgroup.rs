//! Ports of src/sync/waitgroup_test.go (functional tests).

use std::sync::Arc;

use goweave::sync::atomic::{AtomicI32, Ordering};
use goweave::sync::WaitGroup;
use goweave::{chan, go, select};

fn test_wait_group(wg1: &WaitGroup, wg2: &WaitGroup) {
    let n = 3;
    wg1.add(n);
    wg2.add(n);
    let (exited_tx, exited) = chan::<bool>(n as usize);
    for _ in 0..n {
        let (wg1, wg2, exited_tx) = (wg1.clone(), wg2.clone(), exited_tx.clone());
        go(move || {
            wg1.done();
            wg2.wait();
            exited_tx.send(true);
        });
    }
    wg1.wait();
    for _ in 0..n {
        select! {
            recv(exited) -> _ => panic!("WaitGroup released group too soon"),
            default => {},
        }
        wg2.done();
    }
    for _ in 0..n {
        exited.recv(); // Will block if barrier fails to unlock someone.
    }
}

// Ports TestWaitGroup from src/sync/waitgroup_test.go: two wait groups as
// barriers, reused. 16 tasks run 8 times shrunk to 3 tasks twice.
#[goweave::concurrency_test]
fn wait_group_barriers() {
    let wg1 = WaitGroup::new();
    let wg2 = WaitGroup::new();
    // Run the same test a few times to ensure barrier is in a proper state.
    for _ in 0..2 {
        test_wait_group(&wg1, &wg2);
    }
}

// Ports TestWaitGroupMisuse from src/sync/waitgroup_test.go: one done too
// many panics with Go's message. Go recovers in the test; here the panic
// ends a task whose join returns it.
#[goweave::concurrency_test]
fn wait_group_misuse() {
    let misuse = go(|| {
        let wg = WaitGroup::new();
        wg.add(1);
        wg.done();
        wg.done();
        panic!("Should panic");
    });
    let err = misuse.join().expect_err("Should panic");
    assert_eq!(err.message(), "sync: negative WaitGroup counter", "Unexpected panic: {err}");
}

// Ports TestWaitGroupRace from src/sync/waitgroup_test.go: wait returns
// only after both dones, never spuriously. 1,000 rounds shrunk to 2.
#[goweave::concurrency_test]
fn wait_group_race() {
    for _ in 0..2 {
        let wg = WaitGroup::new();
        let n = Arc::new(AtomicI32::new(0));
        for _ in 0..2 {
            wg.add(1);
            let (wg, n) = (wg.clone(), n.clone());
            go(move || {
                n.fetch_add(1, Ordering::SeqCst);
                wg.done();
            });
        }
        wg.wait();
        assert_eq!(n.load(Ordering::SeqCst), 2, "Spurious wakeup from Wait");
    }
}

/// waitgroup_test.go's `X`: a WaitGroup after a byte, to test alignment.
struct X {
    _x: u8,
    wg: WaitGroup,
}

// Ports TestWaitGroupAlign from src/sync/waitgroup_test.go: a WaitGroup
// inside a struct works (alignment is Go's concern; the use is the same).
#[goweave::concurrency_test]
fn wait_group_align() {
    let x = Arc::new(X { _x: 0, wg: WaitGroup::new() });
    x.wg.add(1);
    let x2 = x.clone();
    go(move || x2.wg.done());
    x.wg.wait();
}
