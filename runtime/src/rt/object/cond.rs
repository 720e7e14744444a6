//! Condition variables: their FIFO of waiters.

use std::collections::VecDeque;

use goweave_checkers::EventKind;

use super::super::current::{with_exec, ObjRef};
use super::super::ops::Op;
use super::super::protocol::{announce, wait};
use super::super::Location;
use super::{ModelMutex, ObjState};
use crate::footprint::{ObjectId, TaskId};

/// The engine's view of a condition variable.
pub(crate) struct CondState {
    /// Waiting tasks, first to wake first, with the mutex each re-locks.
    pub waiters: VecDeque<(TaskId, ObjectId)>,
}

/// A condition variable of one execution.
#[derive(Debug)]
pub(crate) struct ModelCond {
    pub(crate) obj: ObjRef,
}

impl ModelCond {
    /// A condition variable with no waiters, made at the caller's location.
    #[track_caller]
    pub(crate) fn new() -> ModelCond {
        ModelCond { obj: ObjRef::new(ObjState::Cond(CondState { waiters: VecDeque::new() })) }
    }

    #[track_caller]
    fn id(&self) -> ObjectId {
        self.obj.current_id()
    }

    /// Unlocks `mutex` (held by the caller), waits for a signal, locks it
    /// again.
    #[track_caller]
    pub(crate) fn wait(&self, mutex: &ModelMutex, loc: Location) {
        let id = self.id();
        let m = mutex.id();
        // For the footprint of the wait, which releases the mutex.
        with_exec(|ex| {
            let me = ex.current;
            ex.tasks[me].unlocks = m;
        });
        announce(Op::CondWait(id), loc);
        // The unlock is part of this operation, not a separate step.
        with_exec(|ex| {
            let me = ex.current;
            *ex.mutex_holder(m) = None;
            ex.record(me, Some(m), EventKind::Unlock, loc);
            ex.record(me, Some(id), EventKind::CondWait, loc);
            match &mut ex.objects[id].state {
                ObjState::Cond(CondState { waiters }) => waiters.push_back((me, m)),
                _ => unreachable!(),
            }
        });
        // Woken by signal/broadcast with Op::Relock announced; the
        // scheduler resumes us once the mutex is free.
        wait(Op::CondWait(id), loc);
        mutex.relock(m, loc);
    }

    /// Wakes the longest-waiting task (`all`: every waiting task).
    #[track_caller]
    pub(crate) fn wake(&self, all: bool, loc: Location) {
        let id = self.id();
        announce(if all { Op::Broadcast(id) } else { Op::Signal(id) }, loc);
        with_exec(|ex| {
            let me = ex.current;
            ex.record(me, Some(id), if all { EventKind::Broadcast } else { EventKind::Signal }, loc);
            loop {
                let next = match &mut ex.objects[id].state {
                    ObjState::Cond(CondState { waiters }) => waiters.pop_front(),
                    _ => unreachable!(),
                };
                let Some((t, m)) = next else { break };
                let at = ex.tasks[t].location;
                ex.record(t, Some(id), EventKind::Woken { by: me }, at);
                ex.wake_with(t, Op::Relock(m));
                if !all {
                    break;
                }
            }
        });
    }
}
