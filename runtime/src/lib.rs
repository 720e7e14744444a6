//! The engine of goweave: a deterministic scheduler that runs tasks as
//! coroutines on one OS thread, explores their interleavings with
//! pluggable strategies, and the Go-style primitives built on it.
//!
//! Users depend on the `goweave` facade crate, which re-exports this one.

mod config;
mod exec;
mod explore;
mod failure;
mod logs;
mod minimize;
mod progress;
mod regressions;
mod rt;
mod schedule;
mod select;
mod shared;
mod strategy;
mod task;
mod trace_export;

pub mod time;

pub mod chan;
pub mod context;
pub mod errgroup;
pub mod semaphore;
pub mod singleflight;
pub mod sync;

pub use chan::{chan, TryRecvError, TrySendError};
pub use config::{Config, Stats, Strategy, DEFAULT_ITERATIONS, DEFAULT_MAX_STEPS, DEFAULT_MINIMIZE_BUDGET};
pub use explore::{check, replay, BodyResult};
pub use failure::{Failure, FailureKind, FailureTask, Minimization};
pub use schedule::{ParseScheduleError, Schedule};
pub use shared::Shared;
pub use task::{current, go, yield_now, Builder, JoinHandle, Panicked, Task};

#[doc(hidden)]
pub use explore::__private;
