use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic;

use crate::rt::object::ModelMutex;
use crate::rt::{self, Location, ModelCell};

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
    pub(crate) model: ModelMutex,
    /// Touched only through a guard, which proves the lock is held.
    data: ModelCell<T>,
}

/// Holds a [`Mutex`] locked; unlocks (a scheduling point) when dropped.
#[must_use = "the lock is released at once if the guard is not kept"]
pub struct MutexGuard<'a, T: ?Sized> {
    pub(crate) mutex: &'a Mutex<T>,
    pub(crate) locked_at: Location,
}

// SAFETY: as in Go, another task may release the lock, so a guard may move
// to another task; it hands out `&mut T`, so `T: Send`, as for the mutex.
unsafe impl<T: ?Sized + Send> Send for MutexGuard<'_, T> {}
// SAFETY: a shared guard hands out only `&T`, as `&T` itself would.
unsafe impl<T: ?Sized + Send + Sync> Sync for MutexGuard<'_, T> {}

impl<T> Mutex<T> {
    /// A new unlocked mutex.
    #[track_caller]
    pub fn new(value: T) -> Mutex<T> {
        Mutex { model: ModelMutex::new(), data: ModelCell::new(value) }
    }

    /// The value, consuming the mutex.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks, blocking while another task holds it.
    #[track_caller]
    pub fn lock(&self) -> MutexGuard<'_, T> {
        let loc = panic::Location::caller();
        self.model.lock(loc);
        MutexGuard { mutex: self, locked_at: loc }
    }

    /// Locks if it is free, without blocking.
    #[track_caller]
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        let loc = panic::Location::caller();
        // `then`, not `then_some`: a guard built and dropped would unlock.
        self.model.try_lock(loc).then(|| MutexGuard { mutex: self, locked_at: loc })
    }

    /// The value, through exclusive access (no locking needed).
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    /// Unlocks, on behalf of a guard locked at `loc`.
    fn release(&self, loc: Location) {
        if !self.model.unlock(loc) {
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
        // SAFETY: the guard proves this task holds the lock, so no other
        // reference to the value exists while the guard lives.
        unsafe { self.mutex.data.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard proves this task holds the lock, and the guard
        // is borrowed mutably, so this is the only reference to the value.
        unsafe { self.mutex.data.get_mut_unchecked() }
    }
}

impl<T: ?Sized> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mutex#{}", self.model.obj.id)
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
