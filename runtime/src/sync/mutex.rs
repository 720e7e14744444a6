use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic;

use crate::native::sync::NativeMutex;
use crate::rt::object::ModelMutex;
use crate::rt::{self, in_execution, Location, ValueCell};

/// A mutual-exclusion lock around a value, like Go's `sync.Mutex`. Not
/// reentrant: locking it twice from one task deadlocks, as in Go.
///
/// Made inside an exploration, its lock is explored; made anywhere else it
/// is a real lock (parking_lot's), on real threads.
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
    pub(crate) lock: Lock,
    /// Touched only through a guard, which proves the lock is held.
    data: ValueCell<T>,
}

/// A mutex's lock, in the mode it was made in.
pub(crate) enum Lock {
    /// Explored: the lock of an execution's model object.
    Model(ModelMutex),
    /// A real lock.
    Native(NativeMutex),
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
        let lock = if in_execution() {
            Lock::Model(ModelMutex::new())
        } else {
            Lock::Native(NativeMutex::new(panic::Location::caller()))
        };
        Mutex { lock, data: ValueCell::new(value) }
    }

    /// The value, consuming the mutex.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks, blocking while another task holds it.
    #[inline]
    #[track_caller]
    pub fn lock(&self) -> MutexGuard<'_, T> {
        let loc = panic::Location::caller();
        match &self.lock {
            Lock::Model(m) => m.lock(loc),
            Lock::Native(n) => n.lock(),
        }
        MutexGuard { mutex: self, locked_at: loc }
    }

    /// Locks if it is free, without blocking.
    #[track_caller]
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        let loc = panic::Location::caller();
        let locked = match &self.lock {
            Lock::Model(m) => m.try_lock(loc),
            Lock::Native(n) => n.try_lock(),
        };
        // `then`, not `then_some`: a guard built and dropped would unlock.
        locked.then(|| MutexGuard { mutex: self, locked_at: loc })
    }

    /// The value, through exclusive access (no locking needed).
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    /// Unlocks, on behalf of a guard locked at `loc`.
    #[inline]
    fn release(&self, loc: Location) {
        match &self.lock {
            Lock::Model(m) => {
                if !m.unlock(loc) {
                    rt::go_panic("sync: unlock of unlocked mutex", loc);
                }
            }
            // SAFETY: a guard proves the lock is held.
            Lock::Native(n) => unsafe { n.unlock() },
        }
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    #[inline]
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
        match &self.lock {
            Lock::Model(m) => write!(f, "Mutex#{}", m.obj.id),
            Lock::Native(_) => f.write_str("Mutex(native)"),
        }
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
