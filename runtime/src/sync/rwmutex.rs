use std::cell::UnsafeCell;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::Location;

use goweave_checkers::EventKind;

use crate::rt::{self, announce, with_exec, Loc, ObjRef, ObjState, Op, RwState, TaskId};

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
    obj: ObjRef,
    data: UnsafeCell<T>,
}

// SAFETY: access is serialized by the engine's lock state on one thread.
unsafe impl<T: ?Sized + Send> Send for RwMutex<T> {}
unsafe impl<T: ?Sized + Send + Sync> Sync for RwMutex<T> {}

/// Holds an [`RwMutex`] for reading.
#[must_use = "the lock is released at once if the guard is not kept"]
pub struct RwMutexReadGuard<'a, T: ?Sized> {
    rw: &'a RwMutex<T>,
    reader: TaskId,
    locked_at: Loc,
}

/// Holds an [`RwMutex`] for writing.
#[must_use = "the lock is released at once if the guard is not kept"]
pub struct RwMutexWriteGuard<'a, T: ?Sized> {
    rw: &'a RwMutex<T>,
    locked_at: Loc,
}

// SAFETY: as in Go, another task may release the lock.
unsafe impl<T: ?Sized + Send + Sync> Send for RwMutexReadGuard<'_, T> {}
unsafe impl<T: ?Sized + Send + Sync> Sync for RwMutexReadGuard<'_, T> {}
unsafe impl<T: ?Sized + Send> Send for RwMutexWriteGuard<'_, T> {}
unsafe impl<T: ?Sized + Send + Sync> Sync for RwMutexWriteGuard<'_, T> {}

fn free_for(s: &RwState) -> bool {
    s.writer.is_none() && s.pending_writer.is_none()
}

impl<T> RwMutex<T> {
    /// A new unlocked RwMutex.
    #[track_caller]
    pub fn new(value: T) -> RwMutex<T> {
        let state = RwState { writer: None, readers: Vec::new(), pending_writer: None };
        RwMutex { obj: ObjRef::new(ObjState::RwMutex(state)), data: UnsafeCell::new(value) }
    }

    /// The value, consuming the lock.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> RwMutex<T> {
    fn id(&self) -> usize {
        with_exec(|ex| self.obj.id(ex))
    }

    /// Locks for reading; blocks while a writer holds or waits for it.
    #[track_caller]
    pub fn read(&self) -> RwMutexReadGuard<'_, T> {
        let loc = Location::caller();
        let id = self.id();
        announce(Op::RLock(id), loc);
        let reader = with_exec(|ex| {
            let me = ex.current;
            ex.rw_mut(id).readers.push((me, loc));
            ex.record(me, Some(id), EventKind::RLock, loc);
            me
        });
        RwMutexReadGuard { rw: self, reader, locked_at: loc }
    }

    /// Locks for writing; blocks while anyone holds it. Once this writer
    /// waits, new readers wait behind it.
    #[track_caller]
    pub fn write(&self) -> RwMutexWriteGuard<'_, T> {
        let loc = Location::caller();
        let id = self.id();
        announce(Op::WLock(id), loc);
        let must_wait = with_exec(|ex| {
            let me = ex.current;
            let s = ex.rw_mut(id);
            if s.readers.is_empty() {
                s.writer = Some((me, loc));
                ex.record(me, Some(id), EventKind::Lock, loc);
                false
            } else {
                s.pending_writer = Some((me, loc));
                true
            }
        });
        if must_wait {
            // Waiting for readers may close a wait-for cycle (a reader that
            // read-locks again behind this writer).
            with_exec(|ex| {
                let me = ex.current;
                ex.lock_waiters.push(me);
            });
            // The last reader to leave hands the lock over and wakes us.
            rt::wait(Op::WDrain(id), loc);
        }
        RwMutexWriteGuard { rw: self, locked_at: loc }
    }

    /// Locks for reading if that needs no waiting.
    #[track_caller]
    pub fn try_read(&self) -> Option<RwMutexReadGuard<'_, T>> {
        let loc = Location::caller();
        let id = self.id();
        announce(Op::TryLock(id), loc);
        with_exec(|ex| {
            let me = ex.current;
            if !free_for(ex.rw_mut(id)) {
                ex.record(me, Some(id), EventKind::TryFailed, loc);
                return None;
            }
            ex.rw_mut(id).readers.push((me, loc));
            ex.record(me, Some(id), EventKind::RLock, loc);
            Some(RwMutexReadGuard { rw: self, reader: me, locked_at: loc })
        })
    }

    /// Locks for writing if that needs no waiting.
    #[track_caller]
    pub fn try_write(&self) -> Option<RwMutexWriteGuard<'_, T>> {
        let loc = Location::caller();
        let id = self.id();
        announce(Op::TryLock(id), loc);
        with_exec(|ex| {
            let me = ex.current;
            let s = ex.rw_mut(id);
            if !free_for(s) || !s.readers.is_empty() {
                ex.record(me, Some(id), EventKind::TryFailed, loc);
                return None;
            }
            s.writer = Some((me, loc));
            ex.record(me, Some(id), EventKind::Lock, loc);
            Some(RwMutexWriteGuard { rw: self, locked_at: loc })
        })
    }

    /// The value, through exclusive access.
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }
}

impl<T: ?Sized> Drop for RwMutexReadGuard<'_, T> {
    fn drop(&mut self) {
        if rt::tearing_down() {
            return;
        }
        let loc = self.locked_at;
        let id = self.rw.id();
        announce(Op::RUnlock(id), loc);
        with_exec(|ex| {
            let me = ex.current;
            let s = ex.rw_mut(id);
            let i = s.readers.iter().position(|r| r.0 == self.reader).unwrap_or(0);
            s.readers.remove(i);
            ex.record(me, Some(id), EventKind::RUnlock, loc);
            let s = ex.rw_mut(id);
            if s.readers.is_empty() {
                if let Some((w, at)) = s.pending_writer.take() {
                    s.writer = Some((w, at));
                    ex.record(w, Some(id), EventKind::Woken { by: me }, at);
                    ex.record(w, Some(id), EventKind::Lock, at);
                    ex.wake_now(w);
                }
            }
        });
    }
}

impl<T: ?Sized> Drop for RwMutexWriteGuard<'_, T> {
    fn drop(&mut self) {
        if rt::tearing_down() {
            return;
        }
        let loc = self.locked_at;
        let id = self.rw.id();
        announce(Op::WUnlock(id), loc);
        with_exec(|ex| {
            let me = ex.current;
            ex.rw_mut(id).writer = None;
            ex.record(me, Some(id), EventKind::Unlock, loc);
        });
    }
}

impl<T: ?Sized> Deref for RwMutexReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: a read lock is held: no writer.
        unsafe { &*self.rw.data.get() }
    }
}

impl<T: ?Sized> Deref for RwMutexWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the write lock is held.
        unsafe { &*self.rw.data.get() }
    }
}

impl<T: ?Sized> DerefMut for RwMutexWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the write lock is held.
        unsafe { &mut *self.rw.data.get() }
    }
}

impl<T: ?Sized> fmt::Debug for RwMutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RwMutex#{}", self.obj.id)
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
