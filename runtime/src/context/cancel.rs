//! Cancelling: a task's cancel function, a deadline, a parent's
//! cancellation, in either mode.

use std::sync::Arc;

use super::{Cause, Child, Context, ContextError, Inner};
use crate::native::{self, timer};
use crate::rt::{announce, with_exec, Execution, Location, Op};

/// A task calls a cancel function: one scheduling point, then the context
/// and its descendants are cancelled, each close ordered after the call.
pub(super) fn cancel_from_task(inner: &Arc<Inner>, cause: Option<Cause>, loc: Location) {
    let Some(done) = &inner.done else { return };
    if inner.native {
        native::check("context", inner.created);
        cancel_native(inner, ContextError::Canceled, cause);
        remove_from_parent(inner);
        return;
    }
    let serial = with_exec(|ex| ex.serial);
    if serial != inner.serial {
        panic!("a CancelFunc from another execution was called: create contexts inside the test body");
    }
    // A cancel that starts tasks (functions of `after_func`) is ordered
    // with every step, as spawns are with each other; so is one that
    // reaches child contexts, whose done channels it closes in the same
    // step (its footprint, the close of its own, would let a select on a
    // child's done commute with it). Either may have come about while this
    // task waited to be chosen.
    let wide = |inner: &Inner| starts_tasks(inner) || has_children(inner);
    let starts = wide(inner);
    announce(if starts { Op::Clock } else { Op::Close(done.id) }, loc);
    if !starts && wide(inner) {
        announce(Op::Clock, loc);
    }
    with_exec(|ex| {
        let me = ex.current;
        cancel_in(ex, inner, ContextError::Canceled, cause, Some(me), loc);
    });
    remove_from_parent(inner);
}

/// Whether `inner` has a child context that is still alive (and not
/// cancelled yet, or cancelling `inner` would not reach it).
fn has_children(inner: &Inner) -> bool {
    let st = inner.state.lock().expect("context state");
    st.err.is_none() && st.children.iter().any(|c| matches!(c, Child::Context(w) if w.upgrade().is_some()))
}

/// Whether cancelling `inner` now would start a function of `after_func`.
fn starts_tasks(inner: &Inner) -> bool {
    let st = inner.state.lock().expect("context state");
    st.err.is_none()
        && st.children.iter().any(|c| match c {
            Child::Func(a) => a.pending(),
            Child::Context(w) => w.upgrade().is_some_and(|c| starts_tasks(&c)),
        })
}

/// Sets `err` and its cause (`err` itself if none is given), unless an
/// error is set already; returns what the cancellation reaches then.
fn set_err(
    inner: &Inner,
    err: ContextError,
    cause: Option<Cause>,
) -> Option<(Cause, Vec<Child>, Option<u64>)> {
    let mut st = inner.state.lock().expect("context state");
    if st.err.is_some() {
        return None;
    }
    let cause = cause.unwrap_or_else(|| Arc::new(err));
    st.err = Some(err);
    st.cause = Some(cause.clone());
    Some((cause, std::mem::take(&mut st.children), st.timer.take()))
}

/// Cancels `inner` and its descendants with `err` and `cause` (keeping an
/// earlier error), closing their done channels and starting the functions
/// waiting on them; `by` is the task whose step does it (none: a timer).
pub(super) fn cancel_in(
    ex: &mut Execution,
    inner: &Arc<Inner>,
    err: ContextError,
    cause: Option<Cause>,
    by: Option<usize>,
    loc: Location,
) {
    let Some((cause, children, timer)) = set_err(inner, err, cause) else { return };
    if let Some(timer) = timer {
        ex.cancel_timer(timer);
    }
    if let Some(done) = &inner.done {
        ex.close_chan_in(done.id, by, loc);
    }
    for child in children {
        match child {
            Child::Context(w) => {
                if let Some(child) = w.upgrade() {
                    cancel_in(ex, &child, err, Some(cause.clone()), by, loc);
                }
            }
            Child::Func(a) => a.start_in(ex, by),
        }
    }
}

/// Cancels native context `inner` and its descendants with `err` and
/// `cause` (keeping an earlier error), closing their done channels and
/// starting the functions waiting on them.
pub(super) fn cancel_native(inner: &Arc<Inner>, err: ContextError, cause: Option<Cause>) {
    let Some((cause, children, timer)) = set_err(inner, err, cause) else { return };
    if let Some(timer) = timer {
        timer::stop(timer);
    }
    if let Some(done) = &inner.done {
        // Closed once: only here, the first time an error is set.
        done._tx.close();
    }
    for child in children {
        match child {
            Child::Context(w) => {
                if let Some(child) = w.upgrade() {
                    cancel_native(&child, err, Some(cause.clone()));
                }
            }
            Child::Func(a) => a.start_native(),
        }
    }
}

/// Leaves the parent's list of children, as Go's `removeChild`: a
/// cancelled context needs no cancelling, and the list stays short.
pub(super) fn remove_from_parent(inner: &Arc<Inner>) {
    let Some(parent) = inner.parent.as_ref().and_then(Context::cancellable) else { return };
    let mut st = parent.inner.state.lock().expect("context state");
    st.children.retain(|c| !matches!(c, Child::Context(w) if std::ptr::eq(w.as_ptr(), Arc::as_ptr(inner))));
}
