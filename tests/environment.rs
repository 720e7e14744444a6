//! Test binary `environment`: the `GOWEAVE_*` variables that set the
//! defaults of `Config::default()` (`env`, `minimize_env`).
//!
//! These tests change the process's environment, which every
//! `Config::default()` reads, so they share a binary with no other test,
//! and each holds [`lock_environment`] while it runs: the other never sees
//! its variables.

use std::sync::{Mutex, MutexGuard, PoisonError};

mod env;
mod minimize_env;

/// Held by a test of this binary for as long as it changes the environment.
pub(crate) fn lock_environment() -> MutexGuard<'static, ()> {
    static ENVIRONMENT: Mutex<()> = Mutex::new(());
    // A failed test leaves the lock poisoned; the other still runs.
    ENVIRONMENT.lock().unwrap_or_else(PoisonError::into_inner)
}
