//! The engine of goweave: a deterministic scheduler that runs tasks as
//! coroutines on one OS thread, explores their interleavings with
//! pluggable strategies, and the Go-style primitives built on it.
//!
//! Users depend on the `goweave` facade crate, which re-exports this one.

mod config;
mod explore;
mod failure;
mod footprint;
#[cfg(test)]
mod layers;
mod report;
mod rt;
mod schedule;
mod select;
mod select_macro;
mod shared;
mod strategy;
mod task;
mod x;

pub mod time;

pub mod chan;
pub mod context;
pub mod sync;

pub use x::{errgroup, semaphore, singleflight};

pub use chan::{chan, TryRecvError, TrySendError};
pub use config::{Config, Stats, Strategy, DEFAULT_ITERATIONS, DEFAULT_MAX_STEPS, DEFAULT_MINIMIZE_BUDGET};
pub use explore::{check, replay, BodyResult};
pub use failure::{Failure, FailureKind, FailureTask, Minimization};
pub use schedule::{ParseScheduleError, Schedule};
pub use shared::Shared;
pub use task::{current, go, yield_now, Builder, JoinHandle, Panicked, Task};

/// The items the macros expand to, in one place, as crossbeam-channel
/// keeps its macros' paths: not public API, and not covered by semver.
#[doc(hidden)]
pub mod __private {
    pub use crate::explore::run_test;
    pub use crate::select::{select, RecvArm, SelectArm, SendArm};
}
