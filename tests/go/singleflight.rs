//! Ports of golang.org/x/sync's singleflight/singleflight_test.go (the
//! tests of `DoChan` are in `needs_new_apis`).
//!
//! Go's `Do` returns `(v any, err error, shared bool)`; goweave folds the
//! error into the value, so these groups hold `Result`s.
//!
//! Not ported: TestGoexitDo (`runtime.Goexit` has no Rust counterpart).

use std::panic::{catch_unwind, panic_any, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Duration;

use goweave::singleflight::Group;
use goweave::sync::atomic::{AtomicI32, Ordering};
use goweave::sync::WaitGroup;
use goweave::{chan, go, select, time};

type Value = Result<Option<&'static str>, &'static str>;

/// An error value to panic with, as the Go test's `errValue`.
#[derive(Debug)]
struct ErrValue;

// Ports TestPanicErrorUnwrap from singleflight/singleflight_test.go: a
// panic in the function reaches the caller of Do, whatever its value. (Go
// wraps the value in its panicError; a Rust panic payload is passed on as
// it is.)
#[goweave::concurrency_test]
fn panic_error_unwrap() {
    let group = Group::<&str, Value>::new();
    let recovered = catch_unwind(AssertUnwindSafe(|| {
        let _ = group.r#do("panicError wraps non-error type", || panic_any("string value"));
    }))
    .expect_err("expected a non-nil panic value");
    assert_eq!(recovered.downcast_ref::<&str>(), Some(&"string value"));

    let group = Group::<&str, Value>::new();
    let recovered = catch_unwind(AssertUnwindSafe(|| {
        let _ = group.r#do("panicError wraps error type", || panic_any(ErrValue));
    }))
    .expect_err("expected a non-nil panic value");
    assert!(recovered.downcast_ref::<ErrValue>().is_some(), "recovered another type than ErrValue");
}

// Ports TestDo from singleflight/singleflight_test.go.
#[goweave::concurrency_test]
fn do_returns_the_value() {
    let g = Group::<&str, Value>::new();
    let (v, _) = g.r#do("key", || Ok(Some("bar")));
    assert_eq!(v, Ok(Some("bar")), "Do = {v:?}; want bar");
}

// Ports TestDoErr from singleflight/singleflight_test.go.
#[goweave::concurrency_test]
fn do_returns_the_error() {
    let g = Group::<&str, Value>::new();
    let some_err = "Some error";
    let (v, _) = g.r#do("key", || Err(some_err));
    assert_eq!(v, Err(some_err), "Do error = {v:?}; want someErr");
}

// Ports TestDoDupSuppress from singleflight/singleflight_test.go: callers
// arriving while the function runs share its value, so it runs fewer
// times than there are callers. 10 callers shrunk to 3. The function
// sleeps 10 ms to "let more goroutines enter Do"; goweave may end that
// sleep at once, before they do, even once early timers land (10 ms is
// below their threshold).
#[goweave::concurrency_test]
fn do_dup_suppress() {
    let g = Group::<&str, Value>::new();
    let wg1 = WaitGroup::new();
    let wg2 = WaitGroup::new();
    let (c, c_rx) = chan::<&'static str>(1);
    let calls = Arc::new(AtomicI32::new(0));
    // Go's `fn`, made once per caller.
    let f = {
        let (wg1, calls, c) = (wg1.clone(), calls.clone(), c.clone());
        move || {
            let (wg1, calls, c, c_rx) = (wg1.clone(), calls.clone(), c.clone(), c_rx.clone());
            move || -> Value {
                if calls.fetch_add(1, Ordering::SeqCst) + 1 == 1 {
                    // First invocation.
                    wg1.done();
                }
                let v = c_rx.recv().unwrap();
                c.send(v); // pump; make available for any future calls
                time::sleep(Duration::from_millis(10)); // let more goroutines enter Do
                Ok(Some(v))
            }
        }
    };

    const N: i32 = 3;
    wg1.add(1);
    for _ in 0..N {
        wg1.add(1);
        wg2.add(1);
        let (g, wg1, wg2, f) = (g.clone(), wg1.clone(), wg2.clone(), f.clone());
        go(move || {
            wg1.done();
            let (v, _) = g.r#do("key", f());
            assert_eq!(v, Ok(Some("bar")), "Do = {v:?}; want bar");
            wg2.done(); // Go: defer wg2.Done()
        });
    }
    wg1.wait();
    // At least one task is in f now and all of them have at least reached
    // the line before the Do.
    c.send("bar");
    wg2.wait();
    let got = calls.load(Ordering::SeqCst);
    assert!(got > 0 && got < N, "number of calls = {got}; want over 0 and less than {N}");
}

// Ports TestPanicDo from singleflight/singleflight_test.go (go.dev issue
// 41133): when the function panics, every caller of Do panics, none hangs.
// 5 callers shrunk to 3. Today a panicking call stays in flight, so the
// callers that joined it wait forever (a known bug); and the 1 s watchdog
// can fire early.
#[goweave::concurrency_test]
fn panic_do() {
    let g = Group::<&str, Value>::new();
    const N: i32 = 3;
    let waited = Arc::new(AtomicI32::new(N));
    let panic_count = Arc::new(AtomicI32::new(0));
    let (done_tx, done) = chan::<()>(0);
    for _ in 0..N {
        let (g, waited, panic_count, done_tx) =
            (g.clone(), waited.clone(), panic_count.clone(), done_tx.clone());
        go(move || {
            let r = catch_unwind(AssertUnwindSafe(|| {
                let _ = g.r#do("key", || panic!("invalid memory address or nil pointer dereference"));
            }));
            // Go's deferred recover.
            if r.is_err() {
                panic_count.fetch_add(1, Ordering::SeqCst);
            }
            if waited.fetch_add(-1, Ordering::SeqCst) - 1 == 0 {
                done_tx.close();
            }
        });
    }
    select! {
        recv(done) -> _ => {
            let got = panic_count.load(Ordering::SeqCst);
            assert_eq!(got, N, "Expect {N} panic, but got {got}");
        },
        recv(time::after(Duration::from_secs(1))) -> _ => panic!("Do hangs"),
    }
}
