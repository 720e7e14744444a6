use std::panic;

use super::MutexGuard;
use crate::rt::object::ModelCond;

/// A condition variable, like Go's `sync.Cond`: `wait` atomically unlocks
/// the guard's mutex and sleeps until `signal` or `broadcast`, then locks
/// it again. Waiters wake in FIFO order; there are no spurious wake-ups,
/// but as in Go, re-check the condition in a loop.
///
/// ```
/// use std::sync::Arc;
/// use goweave::sync::{Cond, Mutex};
/// goweave::check(|| {
///     let state = Arc::new((Mutex::new(false), Cond::new()));
///     let s = state.clone();
///     goweave::go(move || {
///         *s.0.lock() = true;
///         s.1.signal();
///     });
///     let mut ready = state.0.lock();
///     while !*ready {
///         ready = state.1.wait(ready);
///     }
/// });
/// ```
#[derive(Debug)]
pub struct Cond {
    model: ModelCond,
}

impl Cond {
    /// A new condition variable with no waiters.
    #[track_caller]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Cond {
        Cond { model: ModelCond::new() }
    }

    /// Unlocks the guard's mutex, waits for a signal, locks it again.
    #[track_caller]
    pub fn wait<'a, T: ?Sized>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        let loc = panic::Location::caller();
        let mutex = guard.mutex;
        // The unlock is part of the wait, not a separate step: the guard
        // must not unlock when dropped.
        std::mem::forget(guard);
        self.model.wait(&mutex.model, loc);
        MutexGuard { mutex, locked_at: loc }
    }

    /// Wakes the longest-waiting task, if any.
    #[track_caller]
    pub fn signal(&self) {
        self.model.wake(false, panic::Location::caller());
    }

    /// Wakes every waiting task.
    #[track_caller]
    pub fn broadcast(&self) {
        self.model.wake(true, panic::Location::caller());
    }
}
