//! Ports of src/context/x_test.go (the tests of the APIs older than Go
//! 1.20).
//!
//! Go's `otherContext` wraps a context in a type of its own to reach the
//! code paths for foreign contexts; goweave's `Context` is one concrete
//! type, so the wrapped context is used directly. The checks of
//! `fmt.Sprint(ctx)`, and the tests that need causes, `TODO`,
//! `WithoutCancel` or `AfterFunc`, are in `context_x_go121`.
//!
//! Not ported: TestAllocs (allocation counts), TestWithValueChecksKey and
//! TestInvalidDerivedFail (a non-comparable or nil key, a nil parent: ruled
//! out by the types), TestCustomContextPropagation and
//! TestCustomContextCause (custom `Context` implementations).

use std::time::Duration;

use goweave::context::{CancelFunc, Context, ContextError};
use goweave::sync::WaitGroup;
use goweave::time::{self, Timer};
use goweave::{chan, go, select};

/// A reasonable duration to block in a test.
pub const SHORT_DURATION: Duration = Duration::from_millis(1);
/// An arbitrary upper bound on the test's running time.
pub const VERY_LONG_DURATION: Duration = Duration::from_secs(1000 * 3600);
/// x_test.go's `quiescent` without a test deadline: by then the program
/// should have reached a steady state.
pub const QUIESCENT: Duration = Duration::from_secs(5);

/// `ctx.done()` is not ready.
pub fn blocks(ctx: &Context) -> bool {
    select! {
        recv(ctx.done()) -> _ => false,
        default => true,
    }
}

// Ports TestBackground from src/context/x_test.go (its Done check).
#[goweave::concurrency_test]
fn background() {
    let c = Context::background();
    assert!(blocks(&c), "<-c.Done() want nothing (it should block)");
}

// Ports TestWithCancel from src/context/x_test.go: cancelling propagates
// synchronously to the child contexts.
#[goweave::concurrency_test]
fn with_cancel() {
    let (c1, cancel) = Context::background().with_cancel();
    let o = c1.clone(); // Go: otherContext{c1}
    let (c2, _cancel2) = o.with_cancel();
    let contexts = [c1, o, c2];
    for (i, c) in contexts.iter().enumerate() {
        assert_eq!(c.err(), None, "c[{i}].Err() want nil");
        assert!(blocks(c), "<-c[{i}].Done() want nothing (it should block)");
    }
    cancel(); // Should propagate synchronously.
    for (i, c) in contexts.iter().enumerate() {
        assert!(!blocks(c), "<-c[{i}].Done() blocked, but shouldn't have");
        assert_eq!(c.err(), Some(ContextError::Canceled), "c[{i}].Err()");
    }
}

/// x_test.go's `testDeadline`: `c` times out before the quiescent timer.
pub fn test_deadline(c: &Context, name: &str) {
    let timer = Timer::new(QUIESCENT);
    select! {
        recv(timer.rx()) -> _ => panic!("{name}: context not timed out after {QUIESCENT:?}"),
        recv(c.done()) -> _ => {},
    }
    timer.stop(); // Go: defer timer.Stop()
    assert_eq!(c.err(), Some(ContextError::DeadlineExceeded), "{name}: c.Err()");
}

// Ports TestDeadline from src/context/x_test.go: deadlines in the near
// future, under a much later one, in the past, and now. The 5 s quiescent
// timer fires only when no task can run (it is beyond the 100 ms
// early-timer threshold).
#[goweave::concurrency_test]
fn deadline() {
    let bg = Context::background;
    let start = time::now();
    let (c, _) = bg().with_deadline(time::now() + SHORT_DURATION);
    test_deadline(&c, "WithDeadline");

    let (c, _) = bg().with_deadline(time::now() + SHORT_DURATION);
    let o = c.clone(); // Go: otherContext{c}
    test_deadline(&o, "WithDeadline+otherContext");

    let (c, _) = bg().with_deadline(time::now() + SHORT_DURATION);
    let o = c.clone();
    let (c, _) = o.with_deadline(time::now() + VERY_LONG_DURATION);
    test_deadline(&c, "WithDeadline+otherContext+WithDeadline");

    // Virtual time starts at zero: `start` is in the past by now.
    assert!(start < time::now());
    let (c, _) = bg().with_deadline(start);
    test_deadline(&c, "WithDeadline+inthepast");

    let (c, _) = bg().with_deadline(time::now());
    test_deadline(&c, "WithDeadline+now");
}

// Ports TestTimeout from src/context/x_test.go. The 5 s quiescent timer
// fires only when no task can run (it is beyond the 100 ms early-timer
// threshold).
#[goweave::concurrency_test]
fn timeout() {
    let bg = Context::background;
    let (c, _) = bg().with_timeout(SHORT_DURATION);
    test_deadline(&c, "WithTimeout");

    let (c, _) = bg().with_timeout(SHORT_DURATION);
    let o = c.clone(); // Go: otherContext{c}
    test_deadline(&o, "WithTimeout+otherContext");

    let (c, _) = bg().with_timeout(SHORT_DURATION);
    let o = c.clone();
    let (c, _) = o.with_timeout(VERY_LONG_DURATION);
    test_deadline(&c, "WithTimeout+otherContext+WithTimeout");
}

// Ports TestCanceledTimeout from src/context/x_test.go: cancelling a
// context with a deadline makes it Canceled. The parent's 1 s deadline
// fires only when no task can run (it is beyond the 100 ms early-timer
// threshold).
#[goweave::concurrency_test]
fn canceled_timeout() {
    let (c, _) = Context::background().with_timeout(Duration::from_secs(1));
    let o = c.clone(); // Go: otherContext{c}
    let (c, cancel) = o.with_timeout(VERY_LONG_DURATION);
    cancel(); // Should propagate synchronously.
    assert!(!blocks(&c), "<-c.Done() blocked, but shouldn't have");
    assert_eq!(c.err(), Some(ContextError::Canceled), "c.Err()");
}

#[derive(PartialEq)]
pub struct Key1(pub i32);
#[derive(PartialEq)]
pub struct Key2(pub i32);

/// Go's values are interfaces, so `nil` is a value; `Option` plays it.
pub type Val = Option<&'static str>;

/// The values of x_test.go's keys k1 = key1(1), k2 = key2(1), k3 = key2(3)
/// ("" for none), as `Value(k).(string)` gives them.
pub fn values(c: &Context) -> [&'static str; 3] {
    let get = |v: Option<Val>| v.flatten().unwrap_or("");
    [
        get(c.value::<Key1, Val>(&Key1(1))),
        get(c.value::<Key2, Val>(&Key2(1))),
        get(c.value::<Key2, Val>(&Key2(3))),
    ]
}

// Ports TestValues from src/context/x_test.go: a value is found under its
// key (same type and value), the nearest one wins, and a nil value hides
// an older one.
#[goweave::concurrency_test]
fn values_lookup() {
    let bg = Context::background;
    assert_eq!(values(&bg()), ["", "", ""], "c0");
    let c1 = bg().with_value(Key1(1), Some("c1k1"));
    assert_eq!(values(&c1), ["c1k1", "", ""], "c1");
    let c2 = c1.with_value(Key2(1), Some("c2k2"));
    assert_eq!(values(&c2), ["c1k1", "c2k2", ""], "c2");
    let c3 = c2.with_value(Key2(3), Some("c3k3"));
    assert_eq!(values(&c3), ["c1k1", "c2k2", "c3k3"], "c3");
    let c4 = c3.with_value(Key1(1), None::<&str>);
    assert_eq!(values(&c4), ["", "c2k2", "c3k3"], "c4");

    // Go wraps these in otherContext.
    let o0 = bg();
    assert_eq!(values(&o0), ["", "", ""], "o0");
    let o1 = bg().with_value(Key1(1), Some("c1k1"));
    assert_eq!(values(&o1), ["c1k1", "", ""], "o1");
    let o2 = o1.with_value(Key2(1), Some("o2k2"));
    assert_eq!(values(&o2), ["c1k1", "o2k2", ""], "o2");
    let o3 = c4.clone();
    assert_eq!(values(&o3), ["", "c2k2", "c3k3"], "o3");
    let o4 = o3.with_value(Key2(3), None::<&str>);
    assert_eq!(values(&o4), ["", "c2k2", ""], "o4");
}

/// The tree of x_test.go's TestSimultaneousCancels: each context gets four
/// children, breadth first, until there are at least `n`.
pub fn cancel_tree(n: usize) -> Vec<(Context, CancelFunc)> {
    let (root, cancel) = Context::background().with_cancel();
    let mut m = vec![(root, cancel)];
    let mut next = 0;
    while next < m.len() && m.len() < n {
        let parent = m[next].0.clone();
        next += 1;
        for _ in 0..4 {
            m.push(parent.with_cancel());
        }
    }
    m
}

// Ports TestSimultaneousCancels from src/context/x_test.go: a tree of
// contexts cancelled all at once, in every order, ends with every context
// done and every cancel returned. 100 contexts shrunk to 9. Go's watchdog
// is a `time.AfterFunc` closing `stuck`; a timer's channel stands in (its
// firing fails the test all the same). The 5 s watchdog fires only when no
// task can run (it is beyond the 100 ms early-timer threshold).
#[goweave::concurrency_test]
fn simultaneous_cancels() {
    let m = cancel_tree(8);
    // Start all the cancels.
    let wg = WaitGroup::new();
    wg.add(m.len() as isize);
    for (_, cancel) in &m {
        let (cancel, wg) = (cancel.clone(), wg.clone());
        go(move || {
            cancel();
            wg.done();
        });
    }
    let stuck = Timer::new(QUIESCENT);
    // Wait on all the contexts.
    for (ctx, _) in &m {
        select! {
            recv(ctx.done()) -> _ => {},
            recv(stuck.rx()) -> _ => panic!("timed out after {QUIESCENT:?} waiting for <-ctx.Done()"),
        }
    }
    // Wait for all the cancel functions to return.
    let (done_tx, done) = chan::<()>(0);
    go(move || {
        wg.wait();
        done_tx.close();
    });
    select! {
        recv(done) -> _ => {},
        recv(stuck.rx()) -> _ => panic!("timed out after {QUIESCENT:?} waiting for cancel functions"),
    }
    stuck.stop(); // Go: defer timer.Stop()
}

// Ports TestInterlockedCancels from src/context/x_test.go: a task that
// cancels the child when the parent is done. The 5 s watchdog fires only
// when no task can run (it is beyond the 100 ms early-timer threshold).
#[goweave::concurrency_test]
fn interlocked_cancels() {
    let (parent, cancel_parent) = Context::background().with_cancel();
    let (child, cancel_child) = parent.with_cancel();
    go(move || {
        parent.done().recv();
        cancel_child();
    });
    cancel_parent();
    let timer = Timer::new(QUIESCENT);
    select! {
        recv(child.done()) -> _ => {},
        recv(timer.rx()) -> _ => panic!("timed out after {QUIESCENT:?} waiting for child.Done()"),
    }
    timer.stop();
}

/// A small deterministic generator for x_test.go's seeded `rand`.
pub struct Rand(pub u64);

impl Rand {
    pub fn intn(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// The key (and value) of one value layer: Go uses a fresh pointer.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Layer(pub usize);

/// x_test.go's `testLayers` up to its checks: at least 30 random layers of
/// values, cancels and timeouts; the innermost context, its value keys and
/// the cancel functions.
pub fn layers(seed: u64, test_timeout: bool) -> (Context, Vec<Layer>, Vec<CancelFunc>) {
    let mut r = Rand(seed);
    const MIN_LAYERS: usize = 30;
    let (mut vals, mut cancels, mut num_timers) = (Vec::new(), Vec::<CancelFunc>::new(), 0);
    let mut ctx = Context::background();
    let mut i = 0;
    while i < MIN_LAYERS || num_timers == 0 || cancels.is_empty() || vals.is_empty() {
        match r.intn(3) {
            0 => {
                let v = Layer(i);
                ctx = ctx.with_value(v, v);
                vals.push(v);
            }
            1 => {
                let (c, cancel) = ctx.with_cancel();
                ctx = c;
                cancels.push(cancel);
            }
            _ => {
                let d = if test_timeout { SHORT_DURATION } else { VERY_LONG_DURATION };
                let (c, cancel) = ctx.with_timeout(d);
                ctx = c;
                cancels.push(cancel);
                num_timers += 1;
            }
        }
        i += 1;
    }
    (ctx, vals, cancels)
}

fn check_values(ctx: &Context, vals: &[Layer], when: &str) {
    for &key in vals {
        assert_eq!(ctx.value::<Layer, Layer>(&key), Some(key), "{when}: ctx.Value({key:?})");
    }
}

/// x_test.go's `testLayers` (but its String check).
fn test_layers(seed: u64, test_timeout: bool) {
    let (ctx, vals, cancels) = layers(seed, test_timeout);
    if !test_timeout {
        assert!(blocks(&ctx), "seed={seed}: ctx should not be canceled yet");
    }
    check_values(&ctx, &vals, "before cancel");
    if test_timeout {
        let timer = Timer::new(QUIESCENT);
        select! {
            recv(ctx.done()) -> _ => {},
            recv(timer.rx()) -> _ => panic!("seed={seed}: ctx should have timed out after {QUIESCENT:?}"),
        }
        timer.stop();
        check_values(&ctx, &vals, "after timeout");
    } else {
        let mut r = Rand(seed ^ 0x5eed);
        let cancel = &cancels[r.intn(cancels.len() as u64) as usize];
        cancel();
        assert!(!blocks(&ctx), "seed={seed}: ctx should be canceled");
        check_values(&ctx, &vals, "after cancel");
    }
}

// Ports TestLayersCancel from src/context/x_test.go (a fixed seed instead
// of the clock): cancelling any layer cancels the innermost context at
// once. Its 1000 h timeouts, which must not fire before the check, fire
// only when no task can run (they are beyond the 100 ms early-timer
// threshold).
#[goweave::concurrency_test]
fn layers_cancel() {
    test_layers(0x1234_5678, false);
}

// Ports TestLayersTimeout from src/context/x_test.go (a fixed seed). The
// 5 s quiescent timer fires only when no task can run (it is beyond the
// 100 ms early-timer threshold).
#[goweave::concurrency_test]
fn layers_timeout() {
    test_layers(0x1234_5678, true);
}
