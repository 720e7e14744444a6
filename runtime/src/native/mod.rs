//! The native backends: every public type's second implementation, on
//! real threads and the real clock, used by objects made outside any
//! exploration (see the crate docs, "Two backends, one API").
//!
//! An object's mode is fixed where it is made: inside an execution it is a
//! model object of that execution (`rt::object`); anywhere else it is one
//! of these. A native object used inside an execution panics, naming the
//! object and where it was made ([`check`]); the native path pays one
//! thread-local load for that check.

pub(crate) mod chan;
mod ring;
pub(crate) mod select;
pub(crate) mod sync;
pub(crate) mod task;
pub(crate) mod timer;
pub(crate) mod waiter;

use crate::rt::{in_execution, Location};

/// Panics if the running thread is inside an execution: a native object
/// (a `kind` made at `created`) must not be used there, since the
/// exploration can neither schedule nor replay it.
#[inline(always)]
#[track_caller]
pub(crate) fn check(kind: &'static str, created: Location) {
    if in_execution() {
        used_in_execution(kind, created)
    }
}

/// See [`check`].
#[cold]
#[inline(never)]
#[track_caller]
fn used_in_execution(kind: &'static str, created: Location) -> ! {
    panic!(
        "goweave: the {kind} made at {created} was made outside any exploration, so it is native (real \
         threads, real time), and it was used inside an exploration, which can neither schedule nor \
         replay it. Make it inside the test body, so that every execution makes its own; a goweave \
         object in a `static` is made once, in the mode of its first use, so keep such objects out of \
         statics in code you explore"
    )
}
