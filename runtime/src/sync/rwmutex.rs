use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic;

use crate::footprint::TaskId;
use crate::native::sync::NativeRwMutex;
use crate::rt::object::ModelRwMutex;
use crate::rt::{in_execution, Location, ValueCell};

/// A reader/writer lock, like Go's `sync.RWMutex`, preferring writers:
/// once a writer waits, new readers wait too, so a recursive read lock
/// with a writer pending deadlocks, as in Go.
///
/// ```
/// use std::sync::Arc;
/// goweave::check(|| {
///     let cache = Arc::new(goweave::sync::RwMutex::new(vec![1]));
///     let c = cache.clone();
///     let w = goweave::go(move || c.write().push(2));
///     let n = cache.read().len();
///     assert!(n == 1 || n == 2);
///     w.join().unwrap();
/// });
/// ```
pub struct RwMutex<T: ?Sized> {
    lock: Lock,
    /// Touched only through a guard, which proves the lock is held.
    data: ValueCell<T>,
}

/// A read-write mutex's lock, in the mode it was made in.
enum Lock {
    Model(ModelRwMutex),
    Native(NativeRwMutex),
}

// SAFETY: readers share `&T` across tasks, so `T: Sync` too, as for std's
// `RwLock`; access is serialized by the lock, the engine's or a real one.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwMutex<T> {}

/// Holds an [`RwMutex`] for reading.
#[must_use = "the lock is released at once if the guard is not kept"]
pub struct RwMutexReadGuard<'a, T: ?Sized> {
    rw: &'a RwMutex<T>,
    reader: TaskId,
    locked_at: Location,
}

/// Holds an [`RwMutex`] for writing.
#[must_use = "the lock is released at once if the guard is not kept"]
pub struct RwMutexWriteGuard<'a, T: ?Sized> {
    rw: &'a RwMutex<T>,
    locked_at: Location,
}

// SAFETY: as in Go, another task may release the lock, so a guard may move
// to another task; a read guard hands out `&T`, shared with other readers.
unsafe impl<T: ?Sized + Send + Sync> Send for RwMutexReadGuard<'_, T> {}
// SAFETY: a shared read guard hands out only `&T`.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwMutexReadGuard<'_, T> {}
// SAFETY: a write guard may move to another task (Go lets another task
// release the lock) and hands out `&mut T`, so `T: Send`.
unsafe impl<T: ?Sized + Send> Send for RwMutexWriteGuard<'_, T> {}
// SAFETY: a shared write guard hands out only `&T`.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwMutexWriteGuard<'_, T> {}

/// The reader of a native read lock: native readers are not told apart.
const NATIVE_READER: TaskId = usize::MAX;

impl<T> RwMutex<T> {
    /// A new unlocked RwMutex.
    #[track_caller]
    pub fn new(value: T) -> RwMutex<T> {
        let lock = if in_execution() {
            Lock::Model(ModelRwMutex::new())
        } else {
            Lock::Native(NativeRwMutex::new(panic::Location::caller()))
        };
        RwMutex { lock, data: ValueCell::new(value) }
    }

    /// The value, consuming the lock.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> RwMutex<T> {
    /// Locks for reading; blocks while a writer holds or waits for it.
    #[track_caller]
    pub fn read(&self) -> RwMutexReadGuard<'_, T> {
        let loc = panic::Location::caller();
        let reader = match &self.lock {
            Lock::Model(m) => m.read(loc),
            Lock::Native(n) => {
                n.read();
                NATIVE_READER
            }
        };
        RwMutexReadGuard { rw: self, reader, locked_at: loc }
    }

    /// Locks for writing; blocks while anyone holds it. Once this writer
    /// waits, new readers wait behind it.
    #[track_caller]
    pub fn write(&self) -> RwMutexWriteGuard<'_, T> {
        let loc = panic::Location::caller();
        match &self.lock {
            Lock::Model(m) => m.write(loc),
            Lock::Native(n) => n.write(),
        }
        RwMutexWriteGuard { rw: self, locked_at: loc }
    }

    /// Locks for reading if that needs no waiting.
    #[track_caller]
    pub fn try_read(&self) -> Option<RwMutexReadGuard<'_, T>> {
        let loc = panic::Location::caller();
        let reader = match &self.lock {
            Lock::Model(m) => m.try_read(loc)?,
            Lock::Native(n) => n.try_read().then_some(NATIVE_READER)?,
        };
        Some(RwMutexReadGuard { rw: self, reader, locked_at: loc })
    }

    /// Locks for writing if that needs no waiting.
    #[track_caller]
    pub fn try_write(&self) -> Option<RwMutexWriteGuard<'_, T>> {
        let loc = panic::Location::caller();
        let locked = match &self.lock {
            Lock::Model(m) => m.try_write(loc),
            Lock::Native(n) => n.try_write(),
        };
        // `then`, not `then_some`: a guard built and dropped would unlock.
        locked.then(|| RwMutexWriteGuard { rw: self, locked_at: loc })
    }

    /// The value, through exclusive access.
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }
}

impl<T: ?Sized> Drop for RwMutexReadGuard<'_, T> {
    fn drop(&mut self) {
        match &self.rw.lock {
            Lock::Model(m) => m.read_unlock(self.reader, self.locked_at),
            // SAFETY: the guard proves a read lock is held.
            Lock::Native(n) => unsafe { n.read_unlock() },
        }
    }
}

impl<T: ?Sized> Drop for RwMutexWriteGuard<'_, T> {
    fn drop(&mut self) {
        match &self.rw.lock {
            Lock::Model(m) => m.write_unlock(self.locked_at),
            // SAFETY: the guard proves the write lock is held.
            Lock::Native(n) => unsafe { n.write_unlock() },
        }
    }
}

impl<T: ?Sized> Deref for RwMutexReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this task holds a read lock, so no writer holds a `&mut`.
        unsafe { self.rw.data.get() }
    }
}

impl<T: ?Sized> Deref for RwMutexWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this task holds the write lock: no other reference exists.
        unsafe { self.rw.data.get() }
    }
}

impl<T: ?Sized> DerefMut for RwMutexWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: this task holds the write lock and the guard is borrowed
        // mutably: this is the only reference to the value.
        unsafe { self.rw.data.get_mut_unchecked() }
    }
}

impl<T: ?Sized> fmt::Debug for RwMutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.lock {
            Lock::Model(m) => write!(f, "RwMutex#{}", m.obj.id),
            Lock::Native(_) => f.write_str("RwMutex(native)"),
        }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwMutexReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwMutexWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
