//! Ports of golang.org/x/sync's singleflight/singleflight_test.go.
//!
//! Go's `Do` returns `(v any, err error, shared bool)`; goweave folds the
//! error into the value, so these groups hold `Result`s.
//!
//! Not ported: TestGoexitDo (`runtime.Goexit` has no Rust counterpart).

use std::panic::{catch_unwind, panic_any, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Duration;

use goweave::singleflight::{Group, Outcome};
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
// sleeps 10 ms to "let more goroutines enter Do": Go trusts the other
// callers to get there within 10 ms, which is `early_timers = "0"`,
// testing/synctest's rule (docs/API.md, "Time"). Under the default the
// sleep may end first; see the next test.
#[goweave::concurrency_test(early_timers = "0")]
fn do_dup_suppress() {
    dup_suppress();
}

// The deliberate difference from Go in TestDoDupSuppress: under the
// default settings a 10 ms sleep may end before the other callers enter
// Do (docs/API.md, "Time"), so every caller runs the function, and the
// report says that an early firing was needed.
#[test]
fn do_dup_suppress_may_wake_early_under_the_default() {
    let failure = goweave::Config::default()
        .explore(dup_suppress)
        .expect_err("a 10 ms sleep may end before the other callers enter Do");
    assert_eq!(failure.kind(), goweave::FailureKind::Panic);
    let report = failure.to_string();
    assert!(report.contains("number of calls = 3; want over 0 and less than 3"), "{report}");
    assert!(report.contains("A timer fired early, while tasks could still run"), "{report}");
    assert!(report.contains("the 10ms timer made at tests/go/singleflight.rs"), "{report}");
}

/// TestDoDupSuppress's body.
fn dup_suppress() {
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
// 5 callers shrunk to 3. (This found a bug: a panicking call stayed in
// flight, so the callers that joined it waited forever.)
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

/// A `Do` result holding a number, for the tests of `do_chan`.
type Num = Result<Option<i32>, &'static str>;

// Ports TestForget from singleflight/singleflight_test.go (go.dev issue
// 31420): after forget, a new call runs its own function, and a later call
// joins the new one, not the forgotten one.
#[goweave::concurrency_test]
fn forget() {
    let g = Group::<&str, Num>::new();
    let (first_started_tx, first_started) = chan::<()>(0);
    let (unblock_first_tx, unblock_first) = chan::<()>(0);
    let (first_finished_tx, first_finished) = chan::<()>(0);
    let g1 = g.clone();
    go(move || {
        let _ = g1.r#do("key", move || {
            first_started_tx.close();
            unblock_first.recv();
            first_finished_tx.close();
            Ok(None)
        });
    });
    first_started.recv();
    g.forget("key");

    let (unblock_second_tx, unblock_second) = chan::<()>(0);
    let second_result = g.do_chan("key", move || {
        unblock_second.recv();
        Ok(Some(2))
    });

    unblock_first_tx.close();
    first_finished.recv();

    let third_result = g.do_chan("key", || Ok(Some(3)));

    unblock_second_tx.close();
    second_result.recv();
    let Outcome { val: r, .. } = third_result.recv().unwrap();
    assert_eq!(r, Ok(Some(2)), "We should receive result produced by second call");
}

// Ports TestDoChan from singleflight/singleflight_test.go.
#[goweave::concurrency_test]
fn do_chan() {
    let g = Group::<&str, Num>::new();
    let ch = g.do_chan("key", || Ok(Some(42)));
    let Outcome { val: v, .. } = ch.recv().unwrap();
    assert_eq!(v, Ok(Some(42)));
}

// Ports TestPanicDoChan from singleflight/singleflight_test.go: a panic in
// DoChan's function cannot be recovered by the caller; it crashes the
// program (Go checks the crash's output), which goweave reports as a panic
// of the function's task, while the caller still waits.
#[test]
fn panic_do_chan() {
    let failure = goweave::Config::default()
        .explore(|| {
            let g = Group::<&str, Num>::new();
            let ch = g.do_chan("", || panic!("Panicking in DoChan"));
            // Go's receive blocks forever; goweave's channel is closed
            // without a value (docs/API.md, "singleflight").
            assert_eq!(ch.recv(), None, "DoChan unexpectedly returned");
        })
        .expect_err("the panic in DoChan's function ends the program");
    assert_panicked_with(&failure, "Panicking in DoChan");
}

// Ports TestPanicDoSharedByDoChan from singleflight/singleflight_test.go:
// a panic in a Do shared by a DoChan crashes the program, and the DoChan's
// function never runs.
#[test]
fn panic_do_shared_by_do_chan() {
    let failure = goweave::Config::default()
        .explore(|| {
            let (blocked_tx, blocked) = chan::<()>(0);
            let (unblock_tx, unblock) = chan::<()>(0);
            let g = Group::<&str, Num>::new();
            let g1 = g.clone();
            go(move || {
                let _ = catch_unwind(AssertUnwindSafe(|| {
                    let _ = g1.r#do("", move || {
                        blocked_tx.close();
                        unblock.recv();
                        panic!("Panicking in Do");
                    });
                }));
            });
            blocked.recv();
            let ch = g.do_chan("", || panic!("DoChan unexpectedly executed callback"));
            unblock_tx.close();
            assert_eq!(ch.recv(), None, "DoChan unexpectedly returned");
        })
        .expect_err("the panic in Do ends the program");
    assert_panicked_with(&failure, "Panicking in Do");
}

/// The failure is a panic with `message`, and no part of the test that
/// should not run did.
fn assert_panicked_with(failure: &goweave::Failure, message: &str) {
    assert_eq!(failure.kind(), goweave::FailureKind::Panic);
    let report = failure.to_string();
    assert!(report.contains(&format!("    {message}\n")), "{report}");
    assert!(!report.contains("unexpectedly"), "{report}");
}

// Ports ExampleGroup from singleflight/singleflight_test.go (its output):
// a second DoChan for a key in flight shares the first one's result.
#[goweave::concurrency_test]
fn example_group() {
    let g = Group::<&str, &'static str>::new();
    let (block_tx, block) = chan::<()>(0);
    let b = block.clone();
    let res1c = g.do_chan("key", move || {
        b.recv();
        "func 1"
    });
    let res2c = g.do_chan("key", move || {
        block.recv();
        "func 2"
    });
    block_tx.close();
    let Outcome { val: res1, .. } = res1c.recv().unwrap();
    let Outcome { val: res2, shared: shared2 } = res2c.recv().unwrap();
    assert!(shared2, "Shared");
    assert_eq!(res1, res2, "Equal results");
    assert_eq!(res1, "func 1", "Result");
}
