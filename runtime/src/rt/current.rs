//! The execution this thread runs, reached through one thread-local, and
//! the link from a user's handle to its engine object.

use std::cell::Cell;
use std::panic;

use super::object::ObjState;
use super::{Execution, Location};
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

/// Whether this thread runs a task of an execution: an object made here
/// is a model object of that execution; made anywhere else, it is native.
#[inline]
pub(crate) fn in_execution() -> bool {
    !current().exec.get().is_null()
}

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

/// Runs `f` on the current execution.
#[track_caller]
#[inline]
pub(crate) fn with_exec<R>(f: impl FnOnce(&mut Execution) -> R) -> R {
    with_exec_for(None, f)
}

/// Runs `f` on the current execution, for an operation on `obj`: outside
/// an execution, the panic names the object and where it was made.
#[track_caller]
#[inline(always)]
pub(crate) fn with_exec_for<R>(obj: Option<&ObjRef>, f: impl FnOnce(&mut Execution) -> R) -> R {
    let cur = current();
    let exec = cur.exec.get();
    if exec.is_null() {
        outside(obj)
    }
    assert!(!cur.busy.replace(true), "goweave: re-entrant engine call (a bug in goweave)");
    let _done = NotBusy(&cur.busy);
    // SAFETY: the pointer is set by `install` to an execution that the
    // runner keeps alive and does not touch until `uninstall`; the busy
    // flag rules out a second live reference.
    let ex = unsafe { &mut *exec };
    // Checked here, on the caller's location, before `f` (a closure,
    // which no location passes through) looks the object up.
    if let Some(obj) = obj {
        obj.id(ex);
    }
    f(ex)
}

/// A model object used on a thread that runs no execution.
#[cold]
#[track_caller]
fn outside(obj: Option<&ObjRef>) -> ! {
    match obj {
        Some(obj) => panic!(
            "goweave: the {} made at {} belongs to an exploration (it is a model object of one of its \
             executions) and was used on a thread that runs no execution: after the exploration ended, \
             or on a std::thread spawned inside it. Inside an exploration, start tasks with \
             `goweave::go` or `goweave::scope`, which it schedules; outside one, make a new object \
             (made outside an exploration, it is native: real threads, real time).",
            obj.kind, obj.created
        ),
        None => panic!(
            "goweave: an object that belongs to an exploration (made in one of its executions) was used \
             on a thread that runs no execution: after the exploration ended, or on a std::thread spawned \
             inside it. Inside an exploration, start tasks with `goweave::go` or `goweave::scope`, which it \
             schedules; outside one, make a new object (made outside an exploration, it is native: real \
             threads, real time)."
        ),
    }
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
    /// The kind of object, for messages (`Mutex`, `chan`, ...).
    pub kind: &'static str,
    /// Where it was made, for messages.
    pub created: Location,
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
            self.stale()
        }
        self.id
    }

    /// The object's id in the current execution, checked.
    #[track_caller]
    #[inline]
    pub(crate) fn current_id(&self) -> ObjectId {
        with_exec_for(Some(self), |ex| self.id(ex))
    }

    /// A handle used in another execution than the one that made it.
    #[cold]
    #[track_caller]
    fn stale(&self) -> ! {
        panic!(
            "goweave: the {} made at {} belongs to another execution than the one running: every \
             execution runs the test body afresh, so make every goweave object inside the body, not in \
             a static or a value kept from an earlier execution",
            self.kind, self.created
        )
    }
}
