//! The execution this thread runs, reached through one thread-local, and
//! the link from a user's handle to its engine object.

use std::cell::Cell;
use std::panic;

use super::object::ObjState;
use super::Execution;
use crate::footprint::ObjectId;

/// The execution this thread runs, and whether an engine call is under way
/// (engine calls never nest: a nested one is a bug, and a drop that runs
/// inside one skips its bookkeeping, see [`try_with_exec`]).
struct Current {
    exec: Cell<*mut Execution>,
    busy: Cell<bool>,
}

thread_local! {
    static CURRENT: Current = const { Current { exec: Cell::new(std::ptr::null_mut()), busy: Cell::new(false) } };
}

/// Clears the busy flag when an engine call ends, even by unwinding.
struct NotBusy<'a>(&'a Cell<bool>);

impl Drop for NotBusy<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

/// Execution serials are unique in the process, so an object smuggled from
/// one exploration thread to another is recognised as stale too.
static SERIAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

const OUTSIDE: &str = "goweave primitives can only be used inside an exploration: run the code with \
     `goweave::check(|| ...)` or mark the test `#[goweave::concurrency_test]`";

/// This thread's [`Current`].
// The closure given to `LocalKey::with` is kept tiny so that `with` inlines
// and the thread-local becomes a direct access: around a whole engine call,
// `with` stayed out of line and reached the thread-local through an
// indirect call, on every operation.
#[inline(always)]
fn current() -> &'static Current {
    // SAFETY: `Current` has a const initializer and no destructor, so the
    // thread-local is valid for the whole life of the thread; the reference
    // cannot leave the thread (`Current` is not `Sync`).
    CURRENT.with(|cur| unsafe { &*(cur as *const Current) })
}

/// Runs `f` on the current execution. Panics with a helpful message when
/// called outside one.
#[track_caller]
#[inline]
pub(crate) fn with_exec<R>(f: impl FnOnce(&mut Execution) -> R) -> R {
    let cur = current();
    let exec = cur.exec.get();
    if exec.is_null() {
        panic!("{OUTSIDE}");
    }
    assert!(!cur.busy.replace(true), "goweave: re-entrant engine call (a bug in goweave)");
    let _done = NotBusy(&cur.busy);
    // SAFETY: the pointer is set by `install` to an execution that the
    // runner keeps alive and does not touch until `uninstall`; the busy
    // flag rules out a second live reference.
    f(unsafe { &mut *exec })
}

/// Like [`with_exec`] but returns `None` outside an execution, or inside
/// another engine call (a value dropped by the engine itself).
pub(crate) fn try_with_exec<R>(f: impl FnOnce(&mut Execution) -> R) -> Option<R> {
    let cur = current();
    let exec = cur.exec.get();
    if exec.is_null() || cur.busy.replace(true) {
        return None;
    }
    let _done = NotBusy(&cur.busy);
    // SAFETY: as in `with_exec`.
    Some(f(unsafe { &mut *exec }))
}

/// Makes `ex` this thread's current execution until [`uninstall`].
pub(crate) fn install(ex: &mut Execution) {
    current().exec.set(ex);
}

pub(crate) fn uninstall() {
    current().exec.set(std::ptr::null_mut());
}

thread_local! {
    /// The serials this thread may hand out next: `next..end`.
    static SERIALS: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
}

/// Serials a thread takes from [`SERIAL`] at a time: exploration threads
/// would otherwise contend on it at every execution.
const SERIAL_BLOCK: u64 = 1 << 16;

/// A serial no other execution in the process has (never 0).
pub(crate) fn next_serial() -> u64 {
    SERIALS.with(|serials| {
        let (mut next, mut end) = serials.get();
        if next == end {
            next = SERIAL.fetch_add(SERIAL_BLOCK, std::sync::atomic::Ordering::Relaxed) + 1;
            end = next + SERIAL_BLOCK;
        }
        serials.set((next + 1, end));
        next
    })
}

/// A handle's link to its engine object, checked on every use.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ObjRef {
    /// The serial of the execution that made the object.
    pub serial: u64,
    /// The object's id in that execution.
    pub id: ObjectId,
}

impl ObjRef {
    /// Registers a new object in the current execution.
    #[track_caller]
    pub(crate) fn new(state: ObjState) -> ObjRef {
        let created = panic::Location::caller();
        with_exec(|ex| ex.add_object(state, created))
    }

    /// The object's id, after checking it belongs to this execution.
    #[track_caller]
    #[inline]
    pub(crate) fn id(&self, ex: &Execution) -> ObjectId {
        if self.serial != ex.serial {
            stale_object()
        }
        self.id
    }
}

/// A handle used in another execution than the one that created it.
#[cold]
#[track_caller]
fn stale_object() -> ! {
    panic!(
        "a goweave object created in one execution was used in another: \
                 create every Mutex, channel, WaitGroup, ... inside the test body, \
                 which runs afresh for each explored schedule"
    )
}
