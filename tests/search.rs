//! Test binary `search`: exhaustive search and the scheduler's properties.
//!
//! - `dpor`, `dpor_sync`, `dpor_rendezvous`, `dpor_timers`, `dpor_waitgroup`:
//!   the partial-order reduction sees every outcome naive enumeration sees,
//!   in no more executions;
//! - `dpor_benchmarks`: execution counts of the classic DPOR benchmarks;
//! - `properties`: replay and seeds on random small programs.
//!
//! The modules are the files of the same names in `tests/` (each was a test
//! binary of its own). proptest keeps the saved cases of a module next to its
//! file (`tests/dpor.proptest-regressions`); it looks for them there as long
//! as no `lib.rs` or `main.rs` sits in `tests/` or above it.

mod dpor;
mod dpor_benchmarks;
mod dpor_rendezvous;
mod dpor_sync;
mod dpor_timers;
mod dpor_waitgroup;
mod properties;
