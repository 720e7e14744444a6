use std::panic;

use super::mutex::Lock;
use super::MutexGuard;
use crate::native::sync::NativeCond;
use crate::rt::in_execution;
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
    inner: Inner,
}

/// A condition variable in the mode it was made in.
#[derive(Debug)]
enum Inner {
    Model(ModelCond),
    Native(NativeCond),
}

impl std::fmt::Debug for NativeCond {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cond(native)")
    }
}

impl Cond {
    /// A new condition variable with no waiters.
    #[track_caller]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Cond {
        let inner = if in_execution() {
            Inner::Model(ModelCond::new())
        } else {
            Inner::Native(NativeCond::new(panic::Location::caller()))
        };
        Cond { inner }
    }

    /// Unlocks the guard's mutex, waits for a signal, locks it again.
    #[track_caller]
    pub fn wait<'a, T: ?Sized>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        let loc = panic::Location::caller();
        let mutex = guard.mutex;
        // The unlock is part of the wait, not a separate step: the guard
        // must not unlock when dropped.
        std::mem::forget(guard);
        match (&self.inner, &mutex.lock) {
            (Inner::Model(c), Lock::Model(m)) => c.wait(m, loc),
            (Inner::Native(c), Lock::Native(m)) => c.wait(m),
            _ => mixed_modes(),
        }
        MutexGuard { mutex, locked_at: loc }
    }

    /// Wakes the longest-waiting task, if any.
    #[track_caller]
    pub fn signal(&self) {
        self.wake(false);
    }

    /// Wakes every waiting task.
    #[track_caller]
    pub fn broadcast(&self) {
        self.wake(true);
    }

    #[track_caller]
    fn wake(&self, all: bool) {
        match &self.inner {
            Inner::Model(c) => c.wake(all, panic::Location::caller()),
            Inner::Native(c) => c.wake(all),
        }
    }
}

/// A condition variable waited on with a mutex of the other mode.
#[cold]
#[track_caller]
fn mixed_modes() -> ! {
    panic!(
        "goweave: Cond::wait with a Mutex of the other mode: one was made inside an exploration and the \
         other outside; make both in the same place"
    )
}
