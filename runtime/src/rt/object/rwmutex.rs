//! Read-write mutexes, writer-preferring as Go's: once a writer waits,
//! new readers wait behind it.

use goweave_checkers::EventKind;

use super::super::current::{with_exec, ObjRef};
use super::super::ops::Op;
use super::super::protocol::{announce, tearing_down, wait};
use super::super::{Execution, Location};
use super::ObjState;
use crate::footprint::{ObjectId, TaskId};

/// The engine's view of a read-write mutex.
pub(crate) struct RwState {
    /// The task holding it for writing, and where it locked it.
    pub writer: Option<(TaskId, Location)>,
    /// The tasks holding it for reading, and where each locked it.
    pub readers: Vec<(TaskId, Location)>,
    /// A writer that registered and waits for the readers to leave.
    pub pending_writer: Option<(TaskId, Location)>,
}

impl RwState {
    /// Free of writers, holding and pending: a reader may enter.
    fn free_for_readers(&self) -> bool {
        self.writer.is_none() && self.pending_writer.is_none()
    }
}

impl Execution {
    /// The state of read-write mutex `id`, to change.
    pub(crate) fn rw_mut(&mut self, id: ObjectId) -> &mut RwState {
        match &mut self.objects[id].state {
            ObjState::RwMutex(s) => s,
            _ => unreachable!("object {id} is not an RwMutex"),
        }
    }
}

/// A read-write mutex of one execution; the value it guards is the user
/// type's.
#[derive(Debug)]
pub(crate) struct ModelRwMutex {
    pub(crate) obj: ObjRef,
}

impl ModelRwMutex {
    /// A new unlocked read-write mutex, made at the caller's location.
    #[track_caller]
    pub(crate) fn new() -> ModelRwMutex {
        let state = RwState { writer: None, readers: Vec::new(), pending_writer: None };
        ModelRwMutex { obj: ObjRef::new(ObjState::RwMutex(state)) }
    }

    #[track_caller]
    fn id(&self) -> ObjectId {
        self.obj.current_id()
    }

    /// Locks for reading; blocks while a writer holds or waits for it.
    /// Returns the reader, for [`read_unlock`](Self::read_unlock).
    #[track_caller]
    pub(crate) fn read(&self, loc: Location) -> TaskId {
        let id = self.id();
        announce(Op::RLock(id), loc);
        with_exec(|ex| {
            let me = ex.current;
            ex.rw_mut(id).readers.push((me, loc));
            ex.record(me, Some(id), EventKind::RLock, loc);
            me
        })
    }

    /// Locks for writing; blocks while anyone holds it.
    #[track_caller]
    pub(crate) fn write(&self, loc: Location) {
        let id = self.id();
        announce(Op::WLock(id), loc);
        let must_wait = with_exec(|ex| {
            let me = ex.current;
            let s = ex.rw_mut(id);
            if s.readers.is_empty() {
                s.writer = Some((me, loc));
                ex.record(me, Some(id), EventKind::Lock, loc);
                false
            } else {
                s.pending_writer = Some((me, loc));
                true
            }
        });
        if must_wait {
            // Waiting for readers may close a wait-for cycle (a reader that
            // read-locks again behind this writer).
            with_exec(|ex| {
                let me = ex.current;
                ex.lock_waiters.push(me);
            });
            // The last reader to leave hands the lock over and wakes us.
            wait(Op::WDrain(id), loc);
        }
    }

    /// Locks for reading if that needs no waiting: the reader, if it did.
    #[track_caller]
    pub(crate) fn try_read(&self, loc: Location) -> Option<TaskId> {
        let id = self.id();
        announce(Op::TryLock(id), loc);
        with_exec(|ex| {
            let me = ex.current;
            if !ex.rw_mut(id).free_for_readers() {
                ex.record(me, Some(id), EventKind::TryFailed, loc);
                return None;
            }
            ex.rw_mut(id).readers.push((me, loc));
            ex.record(me, Some(id), EventKind::RLock, loc);
            Some(me)
        })
    }

    /// Locks for writing if that needs no waiting; whether it did.
    #[track_caller]
    pub(crate) fn try_write(&self, loc: Location) -> bool {
        let id = self.id();
        announce(Op::TryLock(id), loc);
        with_exec(|ex| {
            let me = ex.current;
            let s = ex.rw_mut(id);
            if !s.free_for_readers() || !s.readers.is_empty() {
                ex.record(me, Some(id), EventKind::TryFailed, loc);
                return false;
            }
            s.writer = Some((me, loc));
            ex.record(me, Some(id), EventKind::Lock, loc);
            true
        })
    }

    /// Unlocks `reader`'s read lock; the last reader to leave hands the
    /// lock to a pending writer. While the execution is torn down, does
    /// nothing.
    #[track_caller]
    pub(crate) fn read_unlock(&self, reader: TaskId, loc: Location) {
        if tearing_down() {
            return;
        }
        let id = self.id();
        announce(Op::RUnlock(id), loc);
        with_exec(|ex| {
            let me = ex.current;
            let s = ex.rw_mut(id);
            let i = s.readers.iter().position(|r| r.0 == reader).unwrap_or(0);
            s.readers.remove(i);
            ex.record(me, Some(id), EventKind::RUnlock, loc);
            let s = ex.rw_mut(id);
            if s.readers.is_empty() {
                if let Some((w, at)) = s.pending_writer.take() {
                    s.writer = Some((w, at));
                    ex.record(w, Some(id), EventKind::Woken { by: me }, at);
                    ex.record(w, Some(id), EventKind::Lock, at);
                    ex.wake_now(w);
                }
            }
        });
    }

    /// Unlocks the write lock. While the execution is torn down, does
    /// nothing.
    #[track_caller]
    pub(crate) fn write_unlock(&self, loc: Location) {
        if tearing_down() {
            return;
        }
        let id = self.id();
        announce(Op::WUnlock(id), loc);
        with_exec(|ex| {
            let me = ex.current;
            ex.rw_mut(id).writer = None;
            ex.record(me, Some(id), EventKind::Unlock, loc);
        });
    }
}
