//! `Once`: whether it ran, and who runs it now.

use goweave_checkers::EventKind;

use super::super::current::{try_with_exec, with_exec, ObjRef};
use super::super::ops::Op;
use super::super::protocol::announce;
use super::super::Location;
use super::ObjState;
use crate::footprint::{ObjectId, TaskId};

/// The engine's view of a `Once`.
pub(crate) struct OnceState {
    /// Its function returned or unwound.
    pub done: bool,
    /// The task running its function.
    pub running: Option<TaskId>,
}

/// A `Once` of one execution.
#[derive(Debug)]
pub(crate) struct ModelOnce {
    pub(crate) obj: ObjRef,
}

/// Marks the `Once` done when its body returns or unwinds, as Go's defer.
struct MarkDone {
    id: ObjectId,
    serial: u64,
    location: Location,
}

impl Drop for MarkDone {
    fn drop(&mut self) {
        try_with_exec(|ex| {
            if ex.serial == self.serial {
                ex.objects[self.id].state = ObjState::Once(OnceState { done: true, running: None });
                let me = ex.current;
                ex.record(me, Some(self.id), EventKind::OnceDone, self.location);
            }
        });
    }
}

impl ModelOnce {
    /// A `Once` that has not run, made at the caller's location.
    #[track_caller]
    pub(crate) fn new() -> ModelOnce {
        ModelOnce { obj: ObjRef::new(ObjState::Once(OnceState { done: false, running: None })) }
    }

    /// Runs `f` if no call has; otherwise waits until the first call's `f`
    /// finished.
    #[track_caller]
    pub(crate) fn call_once(&self, f: impl FnOnce(), loc: Location) {
        let id = self.obj.current_id();
        let serial = self.obj.serial;
        announce(Op::OnceDo(id), loc);
        let run = with_exec(|ex| {
            let me = ex.current;
            let ObjState::Once(OnceState { done, running }) = &mut ex.objects[id].state else {
                unreachable!()
            };
            let run = !*done;
            if run {
                *running = Some(me);
            }
            ex.record(me, Some(id), EventKind::Once { ran: run }, loc);
            run
        });
        if run {
            let _done = MarkDone { id, serial, location: loc };
            f();
        }
    }

    /// Whether the function has run (no scheduling point).
    #[track_caller]
    pub(crate) fn is_completed(&self) -> bool {
        with_exec(|ex| {
            let id = self.obj.id(ex);
            matches!(ex.objects[id].state, ObjState::Once(OnceState { done: true, .. }))
        })
    }
}
