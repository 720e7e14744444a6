//! Plain shared variables.

use std::cell::UnsafeCell;
use std::fmt;
use std::panic::Location;

use goweave_checkers::EventKind;

use crate::rt::{announce, with_exec, Loc, ObjRef, ObjState, Op};

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
    obj: ObjRef,
    value: UnsafeCell<T>,
}

// SAFETY: tasks run one at a time on the exploration's one thread, and a
// reference handed to `with`/`with_mut` does not outlive that call, during
// which no other task runs.
unsafe impl<T: Send> Send for Shared<T> {}
unsafe impl<T: Send> Sync for Shared<T> {}

impl<T> Shared<T> {
    /// A new shared variable.
    #[track_caller]
    pub fn new(value: T) -> Shared<T> {
        Shared { obj: ObjRef::new(ObjState::Shared), value: UnsafeCell::new(value) }
    }

    fn access(&self, write: bool, loc: Loc) {
        let id = with_exec(|ex| self.obj.id(ex));
        announce(if write { Op::SharedWrite(id) } else { Op::SharedRead(id) }, loc);
        with_exec(|ex| {
            let me = ex.current;
            ex.record(me, Some(id), if write { EventKind::SharedWrite } else { EventKind::SharedRead }, loc);
        });
    }

    /// Reads the value.
    #[track_caller]
    pub fn get(&self) -> T
    where
        T: Copy,
    {
        self.access(false, Location::caller());
        // SAFETY: see the `Sync` impl.
        unsafe { *self.value.get() }
    }

    /// Writes the value.
    #[track_caller]
    pub fn set(&self, value: T) {
        self.access(true, Location::caller());
        // SAFETY: see the `Sync` impl.
        unsafe { *self.value.get() = value };
    }

    /// Reads through a reference (one read access).
    #[track_caller]
    pub fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        self.access(false, Location::caller());
        // SAFETY: see the `Sync` impl.
        f(unsafe { &*self.value.get() })
    }

    /// Modifies in place (one write access).
    #[track_caller]
    pub fn with_mut<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        self.access(true, Location::caller());
        // SAFETY: see the `Sync` impl.
        f(unsafe { &mut *self.value.get() })
    }

    /// The value, consuming the variable.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Shared#{}", self.obj.id)
    }
}
