//! goweave: deterministic concurrency testing with a Go-style API.
//!
//! Write concurrent code with [`go`], [`chan()`], [`select!`], the
//! [`sync`] primitives and [`Shared`] variables, and run it under
//! [`check`] or `#[goweave::concurrency_test]`: the body runs once per
//! explored interleaving, deadlocks and panics are reported with the tasks,
//! the lines and the interleaving, and every failure carries a `gw1:`
//! token that replays it exactly.
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
