//! Atomics with std's API, like Go's `sync/atomic`. Inside an exploration
//! every operation is a scheduling point; natively, it is std's atomic
//! operation. In both modes values are sequentially consistent whatever
//! the `Ordering` (Go's model); the ordering is kept for the race checker's
//! happens-before edges.

use std::fmt;
use std::panic;

use goweave_checkers::EventKind;

pub use std::sync::atomic::Ordering;

use crate::native;
use crate::rt::object::ModelAtomic;
use crate::rt::{in_execution, Location};

/// An atomic's mode: explored, or real (made at this location).
enum Mode {
    Model(ModelAtomic),
    Native(Location),
}

impl Mode {
    #[track_caller]
    fn new() -> Mode {
        if in_execution() {
            Mode::Model(ModelAtomic::new())
        } else {
            Mode::Native(panic::Location::caller())
        }
    }

    /// One access recorded as `kind`: a scheduling point in the model; in
    /// native mode only the check that no exploration runs here.
    // Always inlined: left out of line, the native path pays a call and an
    // `EventKind` built in memory for the model's sake.
    #[inline(always)]
    #[track_caller]
    fn step(&self, kind: EventKind) {
        match self {
            Mode::Model(m) => m.step(kind, panic::Location::caller()),
            Mode::Native(created) => native::check("atomic", created),
        }
    }

    /// A read-modify-write whose recorded kind depends on its outcome.
    #[inline(always)]
    #[track_caller]
    fn update<R>(&self, act: impl FnOnce() -> (R, EventKind)) -> R {
        match self {
            Mode::Model(m) => m.update(panic::Location::caller(), act),
            Mode::Native(created) => {
                native::check("atomic", created);
                act().0
            }
        }
    }
}

macro_rules! atomic_common {
    ($name:ident, $std:ident, $t:ty) => {
        impl $name {
            /// A new atomic holding `value`.
            #[inline]
            #[track_caller]
            pub fn new(value: $t) -> Self {
                $name { mode: Mode::new(), value: std::sync::atomic::$std::new(value) }
            }

            /// Loads the value.
            #[inline]
            #[track_caller]
            pub fn load(&self, order: Ordering) -> $t {
                self.mode.step(EventKind::AtomicLoad { order });
                self.value.load(Ordering::SeqCst)
            }

            /// Stores `value`.
            #[inline]
            #[track_caller]
            pub fn store(&self, value: $t, order: Ordering) {
                self.mode.step(EventKind::AtomicStore { order });
                self.value.store(value, Ordering::SeqCst)
            }

            /// Stores `value`, returning the previous value.
            #[inline]
            #[track_caller]
            pub fn swap(&self, value: $t, order: Ordering) -> $t {
                self.mode.step(EventKind::AtomicRmw { order });
                self.value.swap(value, Ordering::SeqCst)
            }

            /// Stores `new` if the value is `current`; returns the previous
            /// value as `Ok` on success, `Err` otherwise.
            #[inline]
            #[track_caller]
            pub fn compare_exchange(
                &self,
                current: $t,
                new: $t,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$t, $t> {
                self.mode.update(|| {
                    let result =
                        self.value.compare_exchange(current, new, Ordering::SeqCst, Ordering::SeqCst);
                    // A failed compare-exchange only loads.
                    let kind = match result {
                        Ok(_) => EventKind::AtomicRmw { order: success },
                        Err(_) => EventKind::AtomicLoad { order: failure },
                    };
                    (result, kind)
                })
            }

            /// Like [`compare_exchange`](Self::compare_exchange); never fails
            /// spuriously here.
            #[inline]
            #[track_caller]
            pub fn compare_exchange_weak(
                &self,
                current: $t,
                new: $t,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$t, $t> {
                self.compare_exchange(current, new, success, failure)
            }

            /// Applies `f` until it returns `None` or the update succeeds;
            /// each attempt is a load and a compare-exchange.
            #[inline]
            #[track_caller]
            pub fn fetch_update<F>(
                &self,
                set_order: Ordering,
                fetch_order: Ordering,
                mut f: F,
            ) -> Result<$t, $t>
            where
                F: FnMut($t) -> Option<$t>,
            {
                let mut prev = self.load(fetch_order);
                while let Some(next) = f(prev) {
                    match self.compare_exchange(prev, next, set_order, fetch_order) {
                        Ok(v) => return Ok(v),
                        Err(actual) => prev = actual,
                    }
                }
                Err(prev)
            }

            /// The value, through exclusive access.
            pub fn get_mut(&mut self) -> &mut $t {
                self.value.get_mut()
            }

            /// The value, consuming the atomic.
            pub fn into_inner(self) -> $t {
                self.value.into_inner()
            }

            /// Bitwise and; returns the previous value.
            #[inline]
            #[track_caller]
            pub fn fetch_and(&self, value: $t, order: Ordering) -> $t {
                self.mode.step(EventKind::AtomicRmw { order });
                self.value.fetch_and(value, Ordering::SeqCst)
            }

            /// Bitwise nand; returns the previous value.
            #[inline]
            #[track_caller]
            pub fn fetch_nand(&self, value: $t, order: Ordering) -> $t {
                self.mode.step(EventKind::AtomicRmw { order });
                self.value.fetch_nand(value, Ordering::SeqCst)
            }

            /// Bitwise or; returns the previous value.
            #[inline]
            #[track_caller]
            pub fn fetch_or(&self, value: $t, order: Ordering) -> $t {
                self.mode.step(EventKind::AtomicRmw { order });
                self.value.fetch_or(value, Ordering::SeqCst)
            }

            /// Bitwise xor; returns the previous value.
            #[inline]
            #[track_caller]
            pub fn fetch_xor(&self, value: $t, order: Ordering) -> $t {
                self.mode.step(EventKind::AtomicRmw { order });
                self.value.fetch_xor(value, Ordering::SeqCst)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // Reading for Debug is not a program operation: no step.
                fmt::Debug::fmt(&self.value.load(Ordering::SeqCst), f)
            }
        }

        impl Default for $name {
            #[track_caller]
            fn default() -> Self {
                Self::new(<$t>::default())
            }
        }
    };
}

macro_rules! atomic_int {
    ($name:ident, $std:ident, $t:ty) => {
        /// An integer atomic with std's API; every operation is a scheduling point.
        pub struct $name {
            mode: Mode,
            value: std::sync::atomic::$std,
        }

        atomic_common!($name, $std, $t);

        impl $name {
            /// Adds (wrapping); returns the previous value.
            #[inline]
            #[track_caller]
            pub fn fetch_add(&self, value: $t, order: Ordering) -> $t {
                self.mode.step(EventKind::AtomicRmw { order });
                self.value.fetch_add(value, Ordering::SeqCst)
            }

            /// Subtracts (wrapping); returns the previous value.
            #[inline]
            #[track_caller]
            pub fn fetch_sub(&self, value: $t, order: Ordering) -> $t {
                self.mode.step(EventKind::AtomicRmw { order });
                self.value.fetch_sub(value, Ordering::SeqCst)
            }

            /// Maximum; returns the previous value.
            #[inline]
            #[track_caller]
            pub fn fetch_max(&self, value: $t, order: Ordering) -> $t {
                self.mode.step(EventKind::AtomicRmw { order });
                self.value.fetch_max(value, Ordering::SeqCst)
            }

            /// Minimum; returns the previous value.
            #[inline]
            #[track_caller]
            pub fn fetch_min(&self, value: $t, order: Ordering) -> $t {
                self.mode.step(EventKind::AtomicRmw { order });
                self.value.fetch_min(value, Ordering::SeqCst)
            }
        }
    };
}

atomic_int!(AtomicUsize, AtomicUsize, usize);
atomic_int!(AtomicIsize, AtomicIsize, isize);
atomic_int!(AtomicU32, AtomicU32, u32);
atomic_int!(AtomicI32, AtomicI32, i32);
atomic_int!(AtomicU64, AtomicU64, u64);
atomic_int!(AtomicI64, AtomicI64, i64);

/// A boolean atomic with std's API; every operation is a scheduling point.
pub struct AtomicBool {
    mode: Mode,
    value: std::sync::atomic::AtomicBool,
}

atomic_common!(AtomicBool, AtomicBool, bool);
