//! Plain shared variables.

use std::fmt;
use std::panic;

use crate::rt::object::ModelShared;
use crate::rt::{Location, ModelCell};

/// A plain variable shared between tasks, as in Go: no synchronization of
/// its own. Every access is a scheduling point and is recorded, so two
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
pub struct Shared<T> {
    model: ModelShared,
    /// Touched right after an access step, by the task that took it,
    /// before any other task can run.
    value: ModelCell<T>,
}

impl<T> Shared<T> {
    /// A new shared variable.
    #[track_caller]
    pub fn new(value: T) -> Shared<T> {
        Shared { model: ModelShared::new(), value: ModelCell::new(value) }
    }

    fn access(&self, write: bool, loc: Location) {
        self.model.access(write, loc);
    }

    /// Reads the value.
    #[track_caller]
    pub fn get(&self) -> T
    where
        T: Copy,
    {
        self.access(false, panic::Location::caller());
        // SAFETY: no other task runs until this task's next goweave
        // operation, and the copy is taken at once.
        unsafe { *self.value.get() }
    }

    /// Writes the value.
    #[track_caller]
    pub fn set(&self, value: T) {
        self.access(true, panic::Location::caller());
        // SAFETY: no other task runs until this task's next goweave
        // operation, and no reference to the value outlives a call.
        unsafe { *self.value.get_mut_unchecked() = value };
    }

    /// Reads through a reference (one read access).
    #[track_caller]
    pub fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        self.access(false, panic::Location::caller());
        // SAFETY: no other task runs while `f` runs (it must not call
        // goweave operations), and the reference does not outlive `f`.
        f(unsafe { self.value.get() })
    }

    /// Modifies in place (one write access).
    #[track_caller]
    pub fn with_mut<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        self.access(true, panic::Location::caller());
        // SAFETY: no other task runs while `f` runs (it must not call
        // goweave operations), and the reference does not outlive `f`.
        f(unsafe { self.value.get_mut_unchecked() })
    }

    /// The value, consuming the variable.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Shared#{}", self.model.obj.id)
    }
}
