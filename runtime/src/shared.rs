//! Plain shared variables.

use std::fmt;
use std::panic;

use crate::native::sync::NativeMutex;
use crate::rt::object::ModelShared;
use crate::rt::{in_execution, Location, ValueCell};

/// A plain variable shared between tasks, as in Go: no synchronization of
/// its own. Inside an exploration every access is a scheduling point and is
/// recorded, so two
/// accesses from different tasks, one a write, not ordered by
/// happens-before, can be reported as a data race.
///
/// ```
/// use std::sync::Arc;
/// goweave::check(|| {
///     let balance = Arc::new(goweave::Shared::new(100));
///     let b = balance.clone();
///     goweave::go(move || b.set(b.get() + 10)).join().unwrap();
///     assert_eq!(balance.get(), 110);
/// });
/// ```
///
/// The closures of [`with`](Self::with) and [`with_mut`](Self::with_mut)
/// must not call goweave operations.
///
/// Made outside an exploration, it is memory-safe on real threads: every
/// access takes a lock (an uncontended one costs tens of nanoseconds), so a
/// race between tasks, which an exploration reports, is a logic bug in
/// production, never undefined behaviour.
pub struct Shared<T> {
    mode: Mode,
    /// Touched by the task that took an access: in the model, right after
    /// its access step, before any other task can run; natively, under the
    /// lock.
    value: ValueCell<T>,
}

/// A shared variable's mode.
enum Mode {
    Model(ModelShared),
    Native(NativeMutex),
}

/// The right to touch the value, for one access.
struct Access<'a> {
    /// The native lock held, released when the access ends.
    lock: Option<&'a NativeMutex>,
}

impl Drop for Access<'_> {
    fn drop(&mut self) {
        if let Some(lock) = self.lock {
            // SAFETY: the access locked it.
            unsafe { lock.unlock() };
        }
    }
}

impl<T> Shared<T> {
    /// A new shared variable.
    #[track_caller]
    pub fn new(value: T) -> Shared<T> {
        let mode = if in_execution() {
            Mode::Model(ModelShared::new())
        } else {
            Mode::Native(NativeMutex::of("Shared", panic::Location::caller()))
        };
        Shared { mode, value: ValueCell::new(value) }
    }

    /// One access: a recorded step in the model; natively, the lock.
    #[track_caller]
    fn access(&self, write: bool, loc: Location) -> Access<'_> {
        match &self.mode {
            Mode::Model(m) => {
                m.access(write, loc);
                Access { lock: None }
            }
            Mode::Native(lock) => {
                lock.lock();
                Access { lock: Some(lock) }
            }
        }
    }

    /// Reads the value.
    #[track_caller]
    pub fn get(&self) -> T
    where
        T: Copy,
    {
        let _access = self.access(false, panic::Location::caller());
        // SAFETY: the access grants it: no other task runs until this
        // task's next goweave operation (model), or the lock is held
        // (native); the copy is taken at once.
        unsafe { *self.value.get() }
    }

    /// Writes the value.
    #[track_caller]
    pub fn set(&self, value: T) {
        let _access = self.access(true, panic::Location::caller());
        // SAFETY: the access grants it (see `get`), and no reference to the
        // value outlives a call.
        unsafe { *self.value.get_mut_unchecked() = value };
    }

    /// Reads through a reference (one read access).
    #[track_caller]
    pub fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        let _access = self.access(false, panic::Location::caller());
        // SAFETY: the access lasts while `f` runs (in the model, `f` calls
        // no goweave operation, so no other task runs), and the reference
        // does not outlive `f`.
        f(unsafe { self.value.get() })
    }

    /// Modifies in place (one write access).
    #[track_caller]
    pub fn with_mut<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let _access = self.access(true, panic::Location::caller());
        // SAFETY: as in `with`, and this is the only reference.
        f(unsafe { self.value.get_mut_unchecked() })
    }

    /// The value, consuming the variable.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.mode {
            Mode::Model(m) => write!(f, "Shared#{}", m.obj.id),
            Mode::Native(_) => f.write_str("Shared(native)"),
        }
    }
}
