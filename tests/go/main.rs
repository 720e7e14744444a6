//! Test binary `go`: a conformance suite ported from Go's own tests.
//!
//! Each module ports the functional tests of one upstream file (or a few
//! small ones), rewritten from scratch in goweave's API; every test names
//! the upstream test it ports in a one-line comment. Sources:
//!
//! - `test/chan/*.go` of golang/go: `chan_select` (select, select2,
//!   select4, select6, select7, doubleselect), `chan_select3`,
//!   `chan_select5` (a handful of the cases its generator writes),
//!   `chan_basic` (fifo, nonblock, goroutines, sendstmt, zerosize),
//!   `chan_sieve` (sieve1, sieve2), `chan_powser1`;
//! - `src/sync`: `sync_mutex`, `sync_rwmutex`, `sync_waitgroup`,
//!   `sync_cond`, `sync_once`;
//! - `src/context`: `context_x` (x_test.go), `context_x_go121` (x_test.go's
//!   tests of causes, `WithoutCancel`, `AfterFunc` and `String`),
//!   `context_internal` (context_test.go, the parts that do not read
//!   unexported state);
//! - golang.org/x/sync: `errgroup`, `semaphore`, `singleflight`.
//!
//! Counts are shrunk so that each exploration takes seconds. Every test
//! runs with the default configuration (the attribute with no arguments)
//! unless the Go test is itself about a failure: a test that something
//! blocks forever expects `leak`, one that the program crashes checks the
//! `Panic` and its message.
//!
//! Where goweave deliberately differs from Go, a test asserts goweave's
//! documented behaviour and says where it is documented (README, "Go
//! conformance", lists them all):
//!
//! - A Go program may return from `main` with goroutines still blocked
//!   (the sieves and power series leave their generators running); goweave
//!   reports tasks blocked when the body returns as leaks (README, "What it
//!   does"; docs/API.md, `Leak`). Those tests expect `leak`.
//! - `test_block` of select3.go lets the losing goroutine block forever on
//!   an unbuffered channel; here the channel has room for both answers, so
//!   that only the function under test can leak.
//! - Two Go tests trust a 10 ms timer to outlast work that takes no time
//!   (`semaphore::weighted_acquire`, `singleflight::do_dup_suppress`).
//!   That is testing/synctest's rule, `early_timers = "0"`, so they run
//!   with it; under the default a 10 ms timer may fire early (docs/API.md,
//!   "Time"), and a companion test asserts that goweave finds that
//!   interleaving and says in its report that it needed an early firing.
//! - A DoChan whose function panics: Go's receiver blocks forever, goweave
//!   closes its channel (docs/API.md, "singleflight").
//!
//! Not portable, so not ported: Go APIs a Rust type rules out (unlocking an
//! unlocked `Mutex`/`RWMutex`, copying a `Cond`, a non-comparable or nil
//! context key, a nil parent context, custom `Context` implementations,
//! `runtime.Goexit`), tests of allocations, memory or unexported state
//! (TestAllocs, TestCancelRemoves, TestCustomContextGoroutines), and
//! benchmarks.
//!
//! The watchdogs of these tests (a 10 s "can't acquire Mutex", 5 s
//! `time.After` guards, a 1,000-hour deadline that "should block") pass
//! under the default settings because a timer further out than
//! `Config::early_timers` (100 ms) fires only when no task can run.

mod chan_basic;
mod chan_powser1;
mod chan_select;
mod chan_select3;
mod chan_select5;
mod chan_sieve;
mod context_internal;
mod context_x;
mod context_x_go121;
mod errgroup;
mod semaphore;
mod singleflight;
mod sync_cond;
mod sync_mutex;
mod sync_once;
mod sync_rwmutex;
mod sync_waitgroup;

use std::any::Any;

/// The message of a panic payload caught with `catch_unwind` (a `&str` or
/// a `String`), or `None` for another payload.
pub fn panic_message(payload: &(dyn Any + Send)) -> Option<String> {
    if let Some(s) = payload.downcast_ref::<&str>() {
        Some((*s).to_string())
    } else {
        payload.downcast_ref::<String>().cloned()
    }
}
