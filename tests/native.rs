//! Test binary `native`: goweave's primitives made outside any
//! exploration, which run natively, on real threads and the real clock,
//! with Go's semantics; each module also checks where the two modes meet.
//!
//! - `native_chan`: channels: rendezvous, buffering, close and its corner
//!   cases, `try_*`, nil channels, and stress runs checked exactly;
//! - `native_select`: `select!`: arms, `default`, nil arms, the uniformly
//!   random choice, wake-ups from other threads, close, stress;
//! - `native_task`: tasks as threads, joins, names, stack sizes, scopes;
//! - `native_sync`: locks, Cond, WaitGroup, Once, atomics, `Shared`;
//! - `native_time`: the real clock, timers, context deadlines, and
//!   golang.org/x/sync's packages; `native_context`: the rest of their Go
//!   API (causes, `after_func`, panicking calls, `do_chan`);
//! - `native_stress`: ten thousand blocked tasks, and many messages through
//!   channels, select and locks.

//!
//! Native threads are `std::thread`s here. Nothing asserts on timing but
//! that something has *not* happened yet after a pause (which a correct
//! implementation cannot make fail), and every test that could hang on a
//! bug runs under [`within`], which fails it instead.

mod native_chan;
mod native_context;
mod native_select;
mod native_stress;
mod native_sync;
mod native_task;
mod native_time;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// Runs `f` on a thread of its own and returns its result, failing the
/// test if it takes longer than `secs` seconds (a generous bound: a hang
/// is a bug, slowness on a busy machine is not).
pub fn within<R: Send + 'static>(secs: u64, f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = mpsc::channel();
    let worker = thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(r) => {
            worker.join().unwrap();
            r
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("did not finish within {secs} s: a lost wake-up?"),
        // The worker panicked: report its panic.
        Err(mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Err(payload) => std::panic::resume_unwind(payload),
            Ok(()) => unreachable!("the worker sends before it returns"),
        },
    }
}

/// The message of a panic payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else {
        "<a payload that is not a string>".to_string()
    }
}

/// The message `f` panics with; fails if it returns.
pub fn panics(f: impl FnOnce()) -> String {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(()) => panic!("expected a panic"),
        Err(payload) => panic_message(&*payload),
    }
}

/// The message a thread's panic carried; fails if it did not panic.
pub fn joined_panic<T: std::fmt::Debug>(handle: thread::JoinHandle<T>) -> String {
    match handle.join() {
        Ok(value) => panic!("expected the thread to panic, it returned {value:?}"),
        Err(payload) => panic_message(&*payload),
    }
}

/// Long enough for a spawned thread to reach a blocking call on a busy
/// machine, usually; tests only use it to make a blocked state likely,
/// never to decide an outcome.
pub const PAUSE: Duration = Duration::from_millis(50);
