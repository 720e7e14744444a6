use std::cell::UnsafeCell;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::Location;

use goweave_checkers::EventKind;

use crate::rt::{self, announce, announce_act, with_exec, Execution, Loc, ObjRef, ObjState, Op};

/// A mutual-exclusion lock around a value, like Go's `sync.Mutex`. Not
/// reentrant: locking it twice from one task deadlocks, as in Go.
///
/// ```
/// use std::sync::Arc;
/// goweave::check(|| {
///     let m = Arc::new(goweave::sync::Mutex::new(0));
///     let m2 = m.clone();
///     let h = goweave::go(move || *m2.lock() += 1);
///     *m.lock() += 1;
///     h.join().unwrap();
///     assert_eq!(*m.lock(), 2);
/// });
/// ```
pub struct Mutex<T: ?Sized> {
    obj: ObjRef,
    data: UnsafeCell<T>,
}

// SAFETY: access to `data` is serialized by the engine's lock state, and
// every task runs on the exploration's one thread.
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}

/// Holds a [`Mutex`] locked; unlocks (a scheduling point) when dropped.
#[must_use = "the lock is released at once if the guard is not kept"]
pub struct MutexGuard<'a, T: ?Sized> {
    pub(crate) mutex: &'a Mutex<T>,
    pub(crate) locked_at: Loc,
}

// SAFETY: as in Go, another task may release the lock; the engine runs one
// task at a time.
unsafe impl<T: ?Sized + Send> Send for MutexGuard<'_, T> {}
unsafe impl<T: ?Sized + Send + Sync> Sync for MutexGuard<'_, T> {}

impl<T> Mutex<T> {
    /// A new unlocked mutex.
    #[track_caller]
    pub fn new(value: T) -> Mutex<T> {
        Mutex { obj: ObjRef::new(ObjState::Mutex { holder: None }), data: UnsafeCell::new(value) }
    }

    /// The value, consuming the mutex.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    pub(crate) fn id(&self) -> usize {
        with_exec(|ex| self.obj.id(ex))
    }

    /// Locks, blocking while another task holds it.
    #[track_caller]
    pub fn lock(&self) -> MutexGuard<'_, T> {
        let loc = Location::caller();
        announce_act(
            loc,
            |ex| {
                let id = self.obj.id(ex);
                (Op::Lock(id), id)
            },
            |ex, _, id| Self::acquire_in(ex, id, loc),
        );
        MutexGuard { mutex: self, locked_at: loc }
    }

    pub(crate) fn acquire(&self, id: usize, loc: Loc) {
        with_exec(|ex| Self::acquire_in(ex, id, loc));
    }

    fn acquire_in(ex: &mut Execution, id: usize, loc: Loc) {
        let me = ex.current;
        *ex.mutex_holder(id) = Some((me, loc));
        ex.record(me, Some(id), EventKind::Lock, loc);
    }

    /// Locks if it is free, without blocking.
    #[track_caller]
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        let loc = Location::caller();
        let id = self.id();
        announce(Op::TryLock(id), loc);
        let free = with_exec(|ex| {
            let me = ex.current;
            let holder = ex.mutex_holder(id);
            if holder.is_some() {
                ex.record(me, Some(id), EventKind::TryFailed, loc);
                return false;
            }
            *holder = Some((me, loc));
            ex.record(me, Some(id), EventKind::Lock, loc);
            true
        });
        // `then`, not `then_some`: a guard built and dropped would unlock.
        free.then(|| MutexGuard { mutex: self, locked_at: loc })
    }

    /// The value, through exclusive access (no locking needed).
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    pub(crate) fn release(&self, loc: Loc) {
        if rt::tearing_down() {
            return;
        }
        let was_locked = announce_act(
            loc,
            |ex| {
                let id = self.obj.id(ex);
                (Op::Unlock(id), id)
            },
            |ex, _, id| {
                let me = ex.current;
                let was = ex.mutex_holder(id).take().is_some();
                ex.record(me, Some(id), EventKind::Unlock, loc);
                was
            },
        );
        if !was_locked {
            rt::go_panic("sync: unlock of unlocked mutex", loc);
        }
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.mutex.release(self.locked_at);
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard proves the lock is held.
        unsafe { &*self.mutex.data.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard proves the lock is held.
        unsafe { &mut *self.mutex.data.get() }
    }
}

impl<T: ?Sized> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mutex#{}", self.obj.id)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: Default> Default for Mutex<T> {
    #[track_caller]
    fn default() -> Self {
        Mutex::new(T::default())
    }
}
