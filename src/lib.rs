//! goweave: deterministic concurrency testing with a Go-style API.
//!
//! Add it to your `Cargo.toml`:
//!
//! ```toml
//! [dev-dependencies]
//! goweave = "0.1"
//! ```
//!
//! and write the test with `#[goweave::concurrency_test]`, which adds
//! `#[test]` and runs the body once per explored interleaving:
//!
//! ```
//! use std::sync::Arc;
//!
//! #[goweave::concurrency_test] // the body runs once per explored interleaving
//! fn deposits_add_up() {
//!     let balance = Arc::new(goweave::Shared::new(100)); // a plain variable, as in Go
//!     let b = balance.clone();
//!     let deposit = goweave::go(move || b.set(b.get() + 10));
//!     balance.set(balance.get() + 20); // no lock: races with the deposit task
//!     deposit.join().unwrap();
//!     assert_eq!(balance.get(), 130);
//! }
//! // `cargo test` fails with a data race report: both accesses and their
//! // lines, the interleaving, and a replay token. Fix: a goweave::sync::Mutex.
//! # fn main() {}
//! ```
//!
//! Write concurrent code with [`go`], [`chan()`], [`select!`], the
//! [`sync`] primitives and [`Shared`] variables: the body runs once per
//! explored interleaving, deadlocks, leaks, data races and panics are
//! reported with the tasks, the lines and the interleaving, and every
//! failure carries a `gw1:` token that replays it exactly. The attribute
//! takes optional arguments ([`concurrency_test`] lists them). Made outside
//! an exploration, the same primitives run natively, on real threads and
//! the real clock, so the code a test explores is the code you ship.
//!
//! Outside tests, [`check`] explores and panics with the report, and
//! [`Config::explore`] returns it:
//!
//! ```
//! use std::sync::Arc;
//! use goweave::sync::atomic::{AtomicUsize, Ordering};
//!
//! // A lost update: load, then store, in two tasks.
//! let failure = goweave::Config::default()
//!     .strategy(goweave::Strategy::Dfs { preemption_bound: None })
//!     .explore(|| {
//!         let n = Arc::new(AtomicUsize::new(0));
//!         let handles: Vec<_> = (0..2)
//!             .map(|_| {
//!                 let n = n.clone();
//!                 goweave::go(move || {
//!                     let v = n.load(Ordering::SeqCst);
//!                     n.store(v + 1, Ordering::SeqCst);
//!                 })
//!             })
//!             .collect();
//!         for h in handles {
//!             h.join().unwrap();
//!         }
//!         assert_eq!(n.load(Ordering::SeqCst), 2);
//!     })
//!     .unwrap_err();
//! assert_eq!(failure.kind(), goweave::FailureKind::Panic);
//! assert!(failure.schedule().to_string().starts_with("gw1:"));
//! ```

#[doc(inline)]
pub use goweave_runtime::{
    chan, check, context, current, errgroup, go, replay, scope, select, semaphore, singleflight, sync, time,
    yield_now, BodyResult, Builder, Config, Failure, FailureKind, FailureTask, JoinHandle, Minimization,
    Panicked, ParseScheduleError, Schedule, Scope, ScopedJoinHandle, Shared, Stats, Strategy, Task,
    TryRecvError, TrySendError,
};

#[doc(inline)]
pub use goweave_macros::concurrency_test;

#[doc(hidden)]
pub use goweave_runtime::__private;
