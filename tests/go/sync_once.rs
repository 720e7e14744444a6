//! Ports of src/sync/once_test.go (functional tests).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use goweave::chan::Sender;
use goweave::sync::Once;
use goweave::{chan, go, Shared};

fn run(once: &Once, o: &Shared<i32>, c: Sender<bool>) {
    once.call_once(|| o.set(o.get() + 1));
    let v = o.get();
    assert_eq!(v, 1, "once failed inside run: {v} is not 1");
    c.send(true);
}

// Ports TestOnce from src/sync/once_test.go: tasks calling the same Once
// run its function once, and all see its effect (`o` is a plain variable,
// so the race checker verifies the Once orders it). 10 tasks shrunk to 3.
#[goweave::concurrency_test]
fn once_runs_once() {
    let o = Arc::new(Shared::new(0));
    let once = Arc::new(Once::new());
    let (c, rx) = chan::<bool>(0);
    const N: usize = 3;
    for _ in 0..N {
        let (once, o, c) = (once.clone(), o.clone(), c.clone());
        go(move || run(&once, &o, c));
    }
    for _ in 0..N {
        rx.recv();
    }
    let v = o.get();
    assert_eq!(v, 1, "once failed outside run: {v} is not 1");
}

// Ports TestOncePanic from src/sync/once_test.go: a Once whose function
// panics counts as done.
#[goweave::concurrency_test]
fn once_panic() {
    let once = Once::new();
    let r = catch_unwind(AssertUnwindSafe(|| once.call_once(|| panic!("failed"))));
    assert!(r.is_err(), "Once.Do did not panic");
    once.call_once(|| panic!("Once.Do called twice"));
}
