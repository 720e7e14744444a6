//! Test binary `go_api`: the Go API's semantics, explored exhaustively.
//!
//! - `primitives/`: channels, select, mutexes, condition variables, once,
//!   wait groups, atomics, tasks and their misuse, each checked against the
//!   exact set of outcomes Go allows;
//! - `context`, `errgroup`, `semaphore`, `singleflight`: the `x/sync` and
//!   `context` packages; `context_go`, `x_sync_go`: the rest of their Go
//!   API (causes, `after_func`, names, `do_chan`, panicking calls);
//! - `timers`, `timers_after_func`: virtual time; `fairness`: fair
//!   scheduling.
//!
//! The modules are the files of the same names in `tests/` (each was a test
//! binary of its own). `errgroup.rs` and `semaphore.rs` look up lines of
//! their own source, so they stay at their paths, line for line.

mod context;
mod context_go;
mod errgroup;
mod fairness;
mod primitives;
mod semaphore;
mod singleflight;
mod timers;
mod timers_after_func;
mod x_sync_go;
