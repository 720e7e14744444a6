//! Native `sync`: Mutex and RwMutex on parking_lot's raw locks, Cond,
//! WaitGroup and Once with Go's semantics.
//!
//! Go lets another task unlock a mutex (a guard may move between tasks),
//! which parking_lot's raw locks allow. Go's read-write mutex prefers
//! writers once one waits, as parking_lot's does (task-fair): a recursive
//! read lock with a writer pending deadlocks, in Go too. Go's `Once`
//! counts as done when its function panics, unlike std's, which poisons;
//! and Go's WaitGroup panics on misuse, which std has no type for. So
//! those are written here, after Go's own (`sync/waitgroup.go`,
//! `sync/once.go`).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::Thread;

use crossbeam_utils::Backoff;
use parking_lot::lock_api::{RawMutex as _, RawRwLock as _};
use parking_lot::{Condvar, Mutex, RawMutex, RawRwLock};

use super::check;
use crate::rt::Location;

/// A native mutex: the lock of a `sync::Mutex` (or a `Shared` variable)
/// made outside explorations.
pub(crate) struct NativeMutex {
    raw: RawMutex,
    /// The kind of the object it locks, for messages.
    kind: &'static str,
    created: Location,
}

impl NativeMutex {
    /// An unlocked mutex made at `created`.
    pub(crate) fn new(created: Location) -> NativeMutex {
        NativeMutex::of("Mutex", created)
    }

    /// The unlocked lock of a `kind` made at `created`.
    pub(crate) fn of(kind: &'static str, created: Location) -> NativeMutex {
        NativeMutex { raw: RawMutex::INIT, kind, created }
    }

    /// Locks, blocking while another task holds it.
    #[inline]
    #[track_caller]
    pub(crate) fn lock(&self) {
        check(self.kind, self.created);
        self.raw.lock();
    }

    /// Locks if free; whether it did.
    #[inline]
    #[track_caller]
    pub(crate) fn try_lock(&self) -> bool {
        check(self.kind, self.created);
        self.raw.try_lock()
    }

    /// Unlocks.
    ///
    /// # Safety
    /// The mutex is locked (by any task: Go lets another one unlock it).
    #[inline]
    pub(crate) unsafe fn unlock(&self) {
        // SAFETY: the caller guarantees the lock is held; parking_lot's raw
        // mutex may be unlocked from another thread than the locker's.
        unsafe { self.raw.unlock() }
    }
}

/// A native read-write mutex, writer-preferring.
pub(crate) struct NativeRwMutex {
    raw: RawRwLock,
    created: Location,
}

impl NativeRwMutex {
    /// An unlocked read-write mutex made at `created`.
    pub(crate) fn new(created: Location) -> NativeRwMutex {
        NativeRwMutex { raw: RawRwLock::INIT, created }
    }

    /// Locks for reading.
    #[inline]
    #[track_caller]
    pub(crate) fn read(&self) {
        check("RwMutex", self.created);
        self.raw.lock_shared();
    }

    /// Locks for writing.
    #[inline]
    #[track_caller]
    pub(crate) fn write(&self) {
        check("RwMutex", self.created);
        self.raw.lock_exclusive();
    }

    /// Locks for reading if that needs no waiting; whether it did.
    #[inline]
    #[track_caller]
    pub(crate) fn try_read(&self) -> bool {
        check("RwMutex", self.created);
        self.raw.try_lock_shared()
    }

    /// Locks for writing if that needs no waiting; whether it did.
    #[inline]
    #[track_caller]
    pub(crate) fn try_write(&self) -> bool {
        check("RwMutex", self.created);
        self.raw.try_lock_exclusive()
    }

    /// Unlocks a read lock.
    ///
    /// # Safety
    /// A read lock is held.
    #[inline]
    pub(crate) unsafe fn read_unlock(&self) {
        // SAFETY: the caller guarantees a read lock is held.
        unsafe { self.raw.unlock_shared() }
    }

    /// Unlocks the write lock.
    ///
    /// # Safety
    /// The write lock is held.
    #[inline]
    pub(crate) unsafe fn write_unlock(&self) {
        // SAFETY: the caller guarantees the write lock is held.
        unsafe { self.raw.unlock_exclusive() }
    }
}

/// A thread waiting on a condition variable.
struct Waiter {
    notified: AtomicBool,
    thread: Thread,
}

thread_local! {
    /// This thread's waiter, reused for every wait: a thread waits on one
    /// condition at a time, and no wait allocates.
    static WAITER: Arc<Waiter> = Arc::new(Waiter { notified: AtomicBool::new(false), thread: std::thread::current() });
}

/// A native condition variable: a FIFO of waiting threads, as Go's
/// `notifyList`; no spurious wake-up reaches the caller.
pub(crate) struct NativeCond {
    waiters: Mutex<VecDeque<Arc<Waiter>>>,
    created: Location,
}

impl NativeCond {
    /// A condition variable made at `created`.
    pub(crate) fn new(created: Location) -> NativeCond {
        NativeCond { waiters: Mutex::new(VecDeque::new()), created }
    }

    /// Unlocks `mutex` (held by the caller), waits for a signal, locks it
    /// again.
    #[track_caller]
    pub(crate) fn wait(&self, mutex: &NativeMutex) {
        check("Cond", self.created);
        let me = WAITER.with(Arc::clone);
        me.notified.store(false, Ordering::Relaxed);
        // Queued before the unlock: a signal sent once the mutex is free
        // finds this waiter.
        self.waiters.lock().push_back(me.clone());
        // SAFETY: the caller holds the mutex (it passed its guard).
        unsafe { mutex.unlock() };
        while !me.notified.load(Ordering::Acquire) {
            std::thread::park();
        }
        mutex.lock();
    }

    /// Wakes the longest-waiting task (`all`: every waiting task).
    #[track_caller]
    pub(crate) fn wake(&self, all: bool) {
        check("Cond", self.created);
        let mut waiters = self.waiters.lock();
        while let Some(w) = waiters.pop_front() {
            w.notified.store(true, Ordering::Release);
            w.thread.unpark();
            if !all {
                break;
            }
        }
    }
}

/// A native WaitGroup, as Go's: the counter and the number of waiters in
/// one word, so that `add` and `done` take no lock unless they release
/// waiters.
pub(crate) struct NativeWaitGroup {
    /// The counter (high 32 bits, signed) and the waiters (low 32 bits).
    state: AtomicU64,
    /// Bumped each time waiters are released; waiters sleep on `wake`.
    generation: Mutex<u64>,
    wake: Condvar,
    created: Location,
}

impl NativeWaitGroup {
    /// A group with counter 0, made at `created`.
    pub(crate) fn new(created: Location) -> NativeWaitGroup {
        NativeWaitGroup { state: AtomicU64::new(0), generation: Mutex::new(0), wake: Condvar::new(), created }
    }

    /// Adds `delta` to the counter; at zero, releases every waiter. `Err`
    /// with Go's message on misuse.
    #[track_caller]
    pub(crate) fn add(&self, delta: isize) -> Result<(), &'static str> {
        check("WaitGroup", self.created);
        let step = (delta as i64 as u64) << 32;
        let state = self.state.fetch_add(step, Ordering::SeqCst).wrapping_add(step);
        let counter = (state >> 32) as i32;
        let waiters = state as u32;
        if counter < 0 {
            return Err("sync: negative WaitGroup counter");
        }
        if waiters != 0 && delta > 0 && counter as isize == delta {
            return Err("sync: WaitGroup misuse: Add called concurrently with Wait");
        }
        if counter > 0 || waiters == 0 {
            return Ok(());
        }
        // The counter reached zero with waiters: nothing may change the
        // state now, since a new Add would have to follow every Wait.
        if self.state.load(Ordering::SeqCst) != state {
            return Err("sync: WaitGroup misuse: Add called concurrently with Wait");
        }
        self.state.store(0, Ordering::SeqCst);
        *self.generation.lock() += 1;
        self.wake.notify_all();
        Ok(())
    }

    /// Blocks until the counter is zero. `Err` with Go's message if the
    /// group was reused before this wait returned.
    #[track_caller]
    pub(crate) fn wait(&self) -> Result<(), &'static str> {
        check("WaitGroup", self.created);
        // A short wait is cheaper spun (then yielded) than slept: the last
        // `done` is often microseconds away, and a sleep and its wake-up
        // cost two system calls on each side.
        let backoff = Backoff::new();
        while !backoff.is_completed() {
            if (self.state.load(Ordering::SeqCst) >> 32) as i32 == 0 {
                return Ok(());
            }
            backoff.snooze();
        }
        loop {
            let state = self.state.load(Ordering::SeqCst);
            if (state >> 32) as i32 == 0 {
                return Ok(());
            }
            // Read before registering: a release between the two bumps it.
            let generation = *self.generation.lock();
            if self.state.compare_exchange(state, state + 1, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
                let mut current = self.generation.lock();
                while *current == generation {
                    self.wake.wait(&mut current);
                }
                drop(current);
                if self.state.load(Ordering::SeqCst) != 0 {
                    return Err("sync: WaitGroup is reused before previous Wait has returned");
                }
                return Ok(());
            }
        }
    }
}

/// A native `Once`: done once its function returned or panicked, as Go's.
pub(crate) struct NativeOnce {
    done: AtomicBool,
    running: Mutex<()>,
    created: Location,
}

/// Marks a `Once` done when its function returns or unwinds.
struct MarkDone<'a>(&'a AtomicBool);

impl Drop for MarkDone<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

impl NativeOnce {
    /// A `Once` that has not run, made at `created`.
    pub(crate) fn new(created: Location) -> NativeOnce {
        NativeOnce { done: AtomicBool::new(false), running: Mutex::new(()), created }
    }

    /// Runs `f` if no call has; otherwise waits until the first call's `f`
    /// finished.
    #[track_caller]
    pub(crate) fn call_once(&self, f: impl FnOnce()) {
        check("Once", self.created);
        if self.done.load(Ordering::Acquire) {
            return;
        }
        let _running = self.running.lock();
        if !self.done.load(Ordering::Relaxed) {
            let _done = MarkDone(&self.done);
            f();
        }
    }

    /// Whether the function has run.
    #[track_caller]
    pub(crate) fn is_completed(&self) -> bool {
        check("Once", self.created);
        self.done.load(Ordering::Acquire)
    }
}
