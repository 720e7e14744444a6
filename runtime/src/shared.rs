//! Plain shared variables.

use std::fmt;
use std::panic;

use goweave_checkers::EventKind;

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
/// # Atomic accesses
///
/// Go code often updates a plain variable with `sync/atomic` and still
/// reads or writes it plainly elsewhere. The `atomic_*` methods are those
/// atomic accesses: [`atomic_load`](Self::atomic_load),
/// [`atomic_store`](Self::atomic_store), [`atomic_swap`](Self::atomic_swap),
/// [`atomic_compare_and_swap`](Self::atomic_compare_and_swap), and
/// `atomic_add` on integers. As for Go's race detector, they synchronize
/// (sequentially consistent: a load acquires what the stores and
/// read-modify-writes it follows released), they never race with one
/// another, and a plain access ([`get`](Self::get), [`set`](Self::set),
/// [`with`](Self::with), [`with_mut`](Self::with_mut)) not ordered with an
/// atomic one is a data race unless both only read.
///
/// ```
/// use std::sync::Arc;
/// goweave::check(|| {
///     let hits = Arc::new(goweave::Shared::new(0i32));
///     let h = hits.clone();
///     let worker = goweave::go(move || {
///         h.atomic_add(1); // atomic.AddInt32(&hits, 1)
///     });
///     hits.atomic_add(1); // atomic with atomic: no race
///     worker.join().unwrap();
///     // Joined: the plain read is ordered after both adds.
///     assert_eq!(hits.get(), 2);
/// });
/// ```
///
/// A plain `hits.set(0)` in place of the body's `atomic_add`, unordered
/// with the worker's add, would be reported as a data race.
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

    /// One atomic access: a recorded step in the model, the lock natively.
    /// `op` performs it on the value and says how the race checker records
    /// it; it is announced as a write if `write`.
    #[track_caller]
    fn atomic<R>(&self, write: bool, op: impl FnOnce(&mut T) -> (R, EventKind)) -> R {
        let loc = panic::Location::caller();
        match &self.mode {
            Mode::Model(m) => m.atomic(write, loc, || {
                // SAFETY: `op` runs right after this task's access step,
                // before any other task can run, and calls no goweave
                // operation; no reference to the value outlives it.
                op(unsafe { self.value.get_mut_unchecked() })
            }),
            Mode::Native(lock) => {
                lock.lock();
                let _access = Access { lock: Some(lock) };
                // SAFETY: the lock is held until `_access` drops, and no
                // reference to the value outlives `op`.
                op(unsafe { self.value.get_mut_unchecked() }).0
            }
        }
    }

    /// Reads the value atomically, as Go's `atomic.LoadInt64(&x)`: it races
    /// with no atomic access, only with a plain write not ordered with it,
    /// and it acquires what the atomic writes before it released.
    #[track_caller]
    pub fn atomic_load(&self) -> T
    where
        T: Copy,
    {
        self.atomic(false, |v| (*v, EventKind::SharedAtomicLoad))
    }

    /// Writes the value atomically, as Go's `atomic.StoreInt64(&x, v)`: it
    /// races only with plain accesses not ordered with it, and releases what
    /// this task did before it to the loads that follow.
    #[track_caller]
    pub fn atomic_store(&self, value: T) {
        self.atomic(true, |v| {
            *v = value;
            ((), EventKind::SharedAtomicStore)
        })
    }

    /// Replaces the value atomically and returns the old one, as Go's
    /// `atomic.SwapInt64`: a read-modify-write (it acquires and releases).
    #[track_caller]
    pub fn atomic_swap(&self, value: T) -> T {
        self.atomic(true, |v| (std::mem::replace(v, value), EventKind::SharedAtomicRmw))
    }

    /// Sets the value to `new` if it equals `old`, atomically, and says
    /// whether it did, as Go's `atomic.CompareAndSwapInt64`. A success is a
    /// read-modify-write; a failure only loads.
    #[track_caller]
    pub fn atomic_compare_and_swap(&self, old: T, new: T) -> bool
    where
        T: PartialEq,
    {
        self.atomic(true, |v| {
            if *v == old {
                *v = new;
                (true, EventKind::SharedAtomicRmw)
            } else {
                (false, EventKind::SharedAtomicLoad)
            }
        })
    }

    /// The value, consuming the variable.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

/// `atomic_add` on each integer type.
macro_rules! atomic_add {
    ($($t:ty),*) => {$(
        impl Shared<$t> {
            /// Adds `delta` atomically, wrapping on overflow, and returns the
            /// new value, as Go's `atomic.AddInt64(&x, delta)`: a
            /// read-modify-write (see [Atomic accesses](Shared#atomic-accesses)).
            #[track_caller]
            pub fn atomic_add(&self, delta: $t) -> $t {
                self.atomic(true, |v| {
                    *v = v.wrapping_add(delta);
                    (*v, EventKind::SharedAtomicRmw)
                })
            }
        }
    )*};
}

atomic_add!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);

impl<T> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.mode {
            Mode::Model(m) => write!(f, "Shared#{}", m.obj.id),
            Mode::Native(_) => f.write_str("Shared(native)"),
        }
    }
}
