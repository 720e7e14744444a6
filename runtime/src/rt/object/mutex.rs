//! Mutexes: who holds each one, and locking and unlocking it.

use super::super::current::{with_exec, ObjRef};
use super::super::ops::Op;
use super::super::protocol::{announce, announce_act_on, tearing_down};
use super::super::{Execution, Location};
use super::ObjState;
use crate::footprint::{ObjectId, TaskId};
use goweave_checkers::EventKind;

/// The engine's view of a mutex.
pub(crate) struct MutexState {
    /// The task holding it, and where it locked it.
    pub holder: Option<(TaskId, Location)>,
}

impl Execution {
    /// The holder of mutex `id`, to read or change.
    #[inline]
    pub(crate) fn mutex_holder(&mut self, id: ObjectId) -> &mut Option<(TaskId, Location)> {
        match &mut self.objects[id].state {
            ObjState::Mutex(MutexState { holder }) => holder,
            _ => unreachable!("object {id} is not a Mutex"),
        }
    }

    /// The current task takes mutex `id`, which the scheduler found free.
    #[inline]
    fn acquire_mutex(&mut self, id: ObjectId, loc: Location) {
        let me = self.current;
        *self.mutex_holder(id) = Some((me, loc));
        self.record(me, Some(id), EventKind::Lock, loc);
    }
}

/// A mutex of one execution; the value it guards is the user type's.
#[derive(Debug)]
pub(crate) struct ModelMutex {
    pub(crate) obj: ObjRef,
}

impl ModelMutex {
    /// A new unlocked mutex, made at the caller's location.
    #[track_caller]
    pub(crate) fn new() -> ModelMutex {
        ModelMutex { obj: ObjRef::new(ObjState::Mutex(MutexState { holder: None })) }
    }

    /// The mutex's id in the current execution, checked.
    #[track_caller]
    pub(crate) fn id(&self) -> ObjectId {
        self.obj.current_id()
    }

    /// Locks, blocking while another task holds it. Not `#[inline]`: the
    /// generic `Mutex<T>::lock` is compiled in the user's crate, and in a
    /// debug build of it an inlined engine path runs unoptimised even when
    /// goweave itself is optimised.
    #[track_caller]
    pub(crate) fn lock(&self, loc: Location) {
        announce_act_on(
            Some(&self.obj),
            loc,
            |ex| {
                let id = self.obj.id(ex);
                (Op::Lock(id), id)
            },
            |ex, _, id| ex.acquire_mutex(id, loc),
        );
    }

    /// Takes the lock back after a condition wait, whose `Relock` the
    /// scheduler chose once the mutex was free.
    pub(crate) fn relock(&self, id: ObjectId, loc: Location) {
        with_exec(|ex| ex.acquire_mutex(id, loc));
    }

    /// Locks if it is free, without blocking; whether it locked.
    #[track_caller]
    pub(crate) fn try_lock(&self, loc: Location) -> bool {
        let id = self.id();
        announce(Op::TryLock(id), loc);
        with_exec(|ex| {
            let me = ex.current;
            let holder = ex.mutex_holder(id);
            if holder.is_some() {
                ex.record(me, Some(id), EventKind::TryFailed, loc);
                return false;
            }
            *holder = Some((me, loc));
            ex.record(me, Some(id), EventKind::Lock, loc);
            true
        })
    }

    /// Unlocks; false if it was not locked (Go's "unlock of unlocked
    /// mutex"). While the execution is torn down, does nothing.
    #[track_caller]
    pub(crate) fn unlock(&self, loc: Location) -> bool {
        if tearing_down() {
            return true;
        }
        announce_act_on(
            Some(&self.obj),
            loc,
            |ex| {
                let id = self.obj.id(ex);
                (Op::Unlock(id), id)
            },
            |ex, _, id| {
                let me = ex.current;
                let was = ex.mutex_holder(id).take().is_some();
                ex.record(me, Some(id), EventKind::Unlock, loc);
                was
            },
        )
    }
}
