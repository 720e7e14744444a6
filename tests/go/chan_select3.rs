//! Ports of test/chan/select3.go: which channel operations and selects
//! block, and which panic.
//!
//! Go's `main` runs every case in turn; here each case is a test. A case
//! that "always" blocks leaves the function blocked forever, which goweave
//! reports as a leak once the body returns (docs/API.md, `Leak`), so those
//! tests expect `leak`. The cases that "never" block race the function
//! against a 10 s sleep, as select3.go does today: beyond the default
//! `early_timers` (100 ms), it ends only when nothing else can run.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use goweave::chan::{never, never_sender, Receiver};
use goweave::{chan, go, select, time};

const ALWAYS: &str = "function did not";
const NEVER: &str = "function did";

fn unreachable() {
    panic!("control flow shouldn't reach here");
}

/// select3.go's `testPanic`: `f` panics exactly when `signal` is ALWAYS.
fn test_panic(signal: &str, f: impl FnOnce()) {
    let s = if catch_unwind(AssertUnwindSafe(f)).is_err() { ALWAYS } else { NEVER };
    assert_eq!(s, signal, "{signal} panic");
}

/// select3.go's `testBlock`: `f` blocks exactly when `signal` is ALWAYS,
/// raced against a sleep as upstream does: 10 s when `f` should return (a
/// safety net, beyond `early_timers`, that fires only once nothing else can
/// run), 10 ms when it should block. Go's channel is unbuffered and the
/// loser blocks forever; here it has room for both answers (module doc).
fn test_block(signal: &'static str, f: impl FnOnce() + Send + 'static) {
    let (c_tx, c) = chan::<&'static str>(2);
    let tx = c_tx.clone();
    go(move || {
        f();
        tx.send(NEVER); // f didn't block
    });
    go(move || {
        if signal == NEVER {
            // Wait a long time to make sure that we don't miss our window.
            time::sleep(Duration::from_secs(10));
        } else {
            // As short as can be without false negatives.
            time::sleep(Duration::from_millis(10));
        }
        c_tx.send(ALWAYS); // f blocked always
    });
    assert_eq!(c.recv(), Some(signal), "{signal} block");
}

/// A channel closed before use, like select3.go's `closedch`.
fn closed() -> (goweave::chan::Sender<i32>, Receiver<i32>) {
    let (tx, rx) = chan::<i32>(0);
    tx.close();
    (tx, rx)
}

// Ports test/chan/select3.go: sending on a nil channel blocks.
#[goweave::concurrency_test(expect = "leak")]
fn nil_channel_send_always_blocks() {
    test_block(ALWAYS, || never_sender::<i32>().send(7));
}

// Ports test/chan/select3.go: receiving from a nil channel blocks.
#[goweave::concurrency_test(expect = "leak")]
fn nil_channel_receive_always_blocks() {
    test_block(ALWAYS, || {
        never::<i32>().recv();
    });
}

// Ports test/chan/select3.go: a nil channel send in a select is never
// selected.
#[goweave::concurrency_test]
fn nil_channel_send_arm_is_never_selected() {
    let nilch = never_sender::<i32>();
    test_panic(NEVER, || {
        select! {
            send(nilch, 7) => unreachable(),
            default => {},
        }
    });
}

// Ports test/chan/select3.go: a nil channel receive in a select is never
// selected.
#[goweave::concurrency_test]
fn nil_channel_receive_arm_is_never_selected() {
    let nilch = never::<i32>();
    test_panic(NEVER, || {
        select! {
            recv(nilch) -> _ => unreachable(),
            default => {},
        }
    });
}

// Ports test/chan/select3.go: sending to a buffered channel with room
// never blocks.
#[goweave::concurrency_test]
fn buffered_send_with_room_never_blocks() {
    test_block(NEVER, || {
        let (ch, _rx) = chan::<i32>(1);
        ch.send(7);
    });
}

// Ports test/chan/select3.go: receiving from a closed channel never blocks
// and yields the zero value (here `None`).
#[goweave::concurrency_test]
fn closed_channel_receive_never_blocks() {
    let (_tx, closedch) = closed();
    test_block(NEVER, move || {
        for _ in 0..10 {
            assert_eq!(closedch.recv(), None, "expected zero value when reading from closed channel");
            assert_eq!(closedch.recv(), None, "expected 0, false from closed channel");
        }
    });
}

// Ports test/chan/select3.go: sending to a closed channel panics.
#[goweave::concurrency_test]
fn closed_channel_send_always_panics() {
    let (closedch, _rx) = closed();
    test_panic(ALWAYS, || closedch.send(7));
}

// Ports test/chan/select3.go: receiving from a channel nobody sends on
// blocks.
#[goweave::concurrency_test(expect = "leak")]
fn receive_from_non_ready_channel_always_blocks() {
    test_block(ALWAYS, || {
        let (_tx, ch) = chan::<i32>(0);
        ch.recv();
    });
}

// Ports test/chan/select3.go: an empty select blocks.
#[goweave::concurrency_test(expect = "leak")]
fn empty_select_always_blocks() {
    test_block(ALWAYS, || select! {});
}

// Ports test/chan/select3.go: a select on a nil receive only blocks.
#[goweave::concurrency_test(expect = "leak")]
fn select_with_only_a_nil_receive_always_blocks() {
    test_block(ALWAYS, || {
        let nilch = never::<i32>();
        select! {
            recv(nilch) -> _ => unreachable(),
        }
    });
}

// Ports test/chan/select3.go: a select on a nil send only blocks.
#[goweave::concurrency_test(expect = "leak")]
fn select_with_only_a_nil_send_always_blocks() {
    test_block(ALWAYS, || {
        let nilch = never_sender::<i32>();
        select! {
            send(nilch, 7) => unreachable(),
        }
    });
}

// Ports test/chan/select3.go: a select on a nil receive and a nil send
// blocks.
#[goweave::concurrency_test(expect = "leak")]
fn select_with_only_nil_channels_always_blocks() {
    test_block(ALWAYS, || {
        let (nil_rx, nil_tx) = (never::<i32>(), never_sender::<i32>());
        select! {
            recv(nil_rx) -> _ => unreachable(),
            send(nil_tx, 7) => unreachable(),
        }
    });
}

// Ports test/chan/select3.go: a select on a channel that is not ready
// blocks.
#[goweave::concurrency_test(expect = "leak")]
fn select_on_non_ready_channel_always_blocks() {
    test_block(ALWAYS, || {
        let (_tx, ch) = chan::<i32>(0);
        select! {
            recv(ch) -> _ => unreachable(),
        }
    });
}

// Ports test/chan/select3.go: a select with only a default does not block.
#[goweave::concurrency_test]
fn select_with_only_default_never_blocks() {
    test_block(NEVER, || select! { default => {} });
}

// Ports test/chan/select3.go: a nil receive with a default does not block.
#[goweave::concurrency_test]
fn select_nil_receive_with_default_never_blocks() {
    test_block(NEVER, || {
        let nilch = never::<i32>();
        select! {
            recv(nilch) -> _ => unreachable(),
            default => {},
        }
    });
}

// Ports test/chan/select3.go: a nil send with a default does not block.
#[goweave::concurrency_test]
fn select_nil_send_with_default_never_blocks() {
    test_block(NEVER, || {
        let nilch = never_sender::<i32>();
        select! {
            send(nilch, 7) => unreachable(),
            default => {},
        }
    });
}

// Ports test/chan/select3.go: a ready send wins over default.
#[goweave::concurrency_test]
fn select_ready_send_never_blocks() {
    test_block(NEVER, || {
        let (ch, _rx) = chan::<i32>(1);
        select! {
            send(ch, 7) => {},
            default => unreachable(),
        }
    });
}

// Ports test/chan/select3.go: a ready receive wins over default.
#[goweave::concurrency_test]
fn select_ready_receive_never_blocks() {
    test_block(NEVER, || {
        let (tx, ch) = chan::<i32>(1);
        tx.send(7);
        select! {
            recv(ch) -> _ => {},
            default => unreachable(),
        }
    });
}

// Ports test/chan/select3.go: a select receiving from a closed channel
// (value discarded) behaves like a receive.
#[goweave::concurrency_test]
fn select_closed_receive_never_blocks() {
    let (_tx, closedch) = closed();
    test_block(NEVER, move || {
        select! {
            recv(closedch) -> _ => {},
        }
    });
}

// Ports test/chan/select3.go: a select receiving from a closed channel
// into a variable (Go's `x :=` and `x, ok :=`) gets no value.
#[goweave::concurrency_test]
fn select_closed_receive_with_value_never_blocks() {
    let (_tx, closedch) = closed();
    test_block(NEVER, move || {
        let x = select! {
            recv(closedch) -> x => x,
        };
        assert_eq!(x, None);
    });
}

// Ports test/chan/select3.go: a select sending on a closed channel panics.
#[goweave::concurrency_test]
fn select_send_on_closed_channel_always_panics() {
    let (closedch, _rx) = closed();
    test_panic(ALWAYS, || {
        select! {
            send(closedch, 7) => {},
        }
    });
}

// Ports test/chan/select3.go: a select does not get confused seeing both
// ends of one unbuffered channel: it blocks.
#[goweave::concurrency_test(expect = "leak")]
fn select_seeing_itself_always_blocks() {
    test_block(ALWAYS, || {
        let (c_tx, c) = chan::<i32>(0);
        select! {
            send(c_tx, 1) => {},
            recv(c) -> _ => {},
        }
    });
}
