//! The engine of goweave: a deterministic scheduler that runs tasks as
//! coroutines on one OS thread, explores their interleavings with
//! pluggable strategies, and the Go-style primitives built on it.
//!
//! Users depend on the `goweave` facade crate, which re-exports this one.
//!
//! # The house plan
//!
//! The crate's top-level modules are its layers, and every dependency
//! between layers points down the table (the unit tests in `layers.rs`
//! check it, and that the layers form no cycle):
//!
//! | layer | what lives there | may use |
//! |---|---|---|
//! | `lib.rs` | the public re-exports; `__private`, the items the macros expand to | everything |
//! | `explore/` | the driver: [`Config::explore`], the default portfolio's phases, threads and shards, regression files, the progress line, what `#[concurrency_test]` runs | report, rt, strategy, leaves |
//! | `report/` | describing a failure, its timeline, schedule minimization, the forensic replay with captured logs, the Chrome trace | rt, strategy, leaves |
//! | `x/` | `errgroup`, `semaphore`, `singleflight`, built as a user would build them | the Go API only |
//! | the Go API: `task`, `scope`, `chan`, `select` (with `select_macro`), `shared`, `time`, `context`, `sync/` | the public types; each holds, in the mode it was made in, a model handle from `rt::object` or a native object from `native`, and adds the user's values and Go's panics | rt, native |
//! | `native/` | the native backends: tasks as OS threads, channels and `select!` after Go's hchan, locks on parking_lot, Go's Cond, WaitGroup and Once, the real clock's timer thread | rt (whether a thread runs an execution) |
//! | `rt/` | the engine: one execution's state, the announce/act protocol, enabledness, footprints, timers, coroutines, the scheduling loop, the verdict; each primitive's model state in `rt/object/` | strategy, leaves |
//! | `strategy/` | the `Scheduler` trait and one file per strategy; `dpor/` split into path, races and buffers | leaves |
//! | leaves: `config/`, `schedule`, `failure`, `footprint` | settings (`config/env.rs` reads every `GOWEAVE_*` variable), replay tokens, failures, and what a step touches | `failure` uses `schedule` and `config` |
//!
//! Three choices keep the engine below the reports and the driver. The
//! runner is given the function that writes a failed execution's report
//! (`rt::Describe`, supplied by `report`), and calls it before tearing the
//! execution down, when every task is still as it was. The forensic replay
//! watches an execution through `rt::StepObserver`, a trait the engine
//! defines. And footprints, which the engine computes and exhaustive
//! search compares, are a leaf both use. Inside a layer, files are parts of
//! one module (the engine's `impl Execution` is split by concern across
//! `rt/`), so the rule is stated, and checked, between layers.
//!
//! # Two backends, one API
//!
//! Every public type has two implementations. An object made on a thread
//! that runs an execution (`rt::in_execution`) is a model object of that
//! execution; made anywhere else it is native (`native/`), on real threads
//! and the real clock. The public type dispatches on the mode it was made
//! in: the model path is the engine's, the native path checks one
//! thread-local (a native object used inside an execution panics, naming
//! itself) and goes on.

mod config;
mod explore;
mod failure;
mod footprint;
#[cfg(test)]
mod layers;
mod native;
mod report;
mod rt;
mod schedule;
mod scope;
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
pub use config::{
    Config, Stats, Strategy, DEFAULT_EARLY_TIMERS, DEFAULT_ITERATIONS, DEFAULT_MAX_STEPS,
    DEFAULT_MINIMIZE_BUDGET, DEFAULT_STACK_SIZE, DEFAULT_STEP_TIMEOUT,
};
pub use explore::{check, replay, BodyResult};
pub use failure::{Failure, FailureKind, FailureTask, Minimization};
pub use schedule::{ParseScheduleError, Schedule};
pub use scope::{scope, Scope, ScopedJoinHandle};
pub use shared::Shared;
pub use task::{current, go, yield_now, Builder, JoinHandle, Panicked, Task};

/// The items the macros expand to, in one place, as crossbeam-channel
/// keeps its macros' paths: not public API, and not covered by semver.
#[doc(hidden)]
pub mod __private {
    pub use crate::explore::run_test;
    pub use crate::select::{select, RecvArm, SelectArm, SendArm};
}
