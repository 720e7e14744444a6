//! WaitGroups: the counter, the waiters, Go's misuse panics, and how
//! their operations commute for exhaustive search.
//!
//! The race checker's side (an `Add` that raises the counter from zero
//! races with a `Wait`, Go's rule) reads the `WaitGroupAdd` and
//! `WaitGroupWait` events recorded here; see `HappensBefore` in the
//! checkers crate.

use goweave_checkers::EventKind;

use super::super::current::{with_exec, ObjRef};
use super::super::ops::Op;
use super::super::protocol::{announce, wait};
use super::super::{Execution, Location};
use super::ObjState;
use crate::footprint::{Access, Footprint, ObjectId, TaskId};

/// The engine's view of a WaitGroup.
pub(crate) struct WgState {
    /// The counter.
    pub counter: isize,
    /// Tasks blocked in `wait`.
    pub waiting: Vec<TaskId>,
}

impl WgState {
    /// The footprint of `op` (a `done` or a `wait`) on this group, `o`.
    ///
    /// Decrements that leave the counter above zero commute with each
    /// other and with waits (a wait blocks in either order, or passes in
    /// either order), so they share the object like reads. The decrement
    /// that reaches zero writes: it is ordered after all of them, and the
    /// waiters it wakes inherit that order. Adds and a decrement that would
    /// panic stay ordered with every one.
    #[inline]
    pub(crate) fn footprint(&self, o: ObjectId, op: Op) -> Footprint {
        match op {
            Op::WgDone(_) if self.counter >= 2 => Footprint::one(o, Access::Read),
            Op::WgWait(_) => Footprint::one(o, Access::Read),
            _ => Footprint::one(o, Access::Write),
        }
    }
}

impl Execution {
    /// The state of WaitGroup `id`.
    pub(crate) fn wg(&self, id: ObjectId) -> &WgState {
        match &self.objects[id].state {
            ObjState::WaitGroup(s) => s,
            _ => unreachable!("object {id} is not a WaitGroup"),
        }
    }

    /// The state of WaitGroup `id`, to change.
    pub(crate) fn wg_mut(&mut self, id: ObjectId) -> &mut WgState {
        match &mut self.objects[id].state {
            ObjState::WaitGroup(s) => s,
            _ => unreachable!("object {id} is not a WaitGroup"),
        }
    }
}

/// A WaitGroup of one execution.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ModelWaitGroup {
    obj: ObjRef,
}

impl ModelWaitGroup {
    /// A group with counter 0, made at the caller's location.
    #[track_caller]
    pub(crate) fn new() -> ModelWaitGroup {
        ModelWaitGroup { obj: ObjRef::new(ObjState::WaitGroup(WgState { counter: 0, waiting: Vec::new() })) }
    }

    #[track_caller]
    fn id(&self) -> ObjectId {
        self.obj.current_id()
    }

    /// Adds `delta` to the counter; at zero, releases every waiter. `Err`
    /// with Go's message on a negative counter, or an `Add` from zero while
    /// tasks wait.
    #[track_caller]
    pub(crate) fn add(&self, delta: isize, loc: Location) -> Result<(), &'static str> {
        let id = self.id();
        announce(if delta == -1 { Op::WgDone(id) } else { Op::WgAdd(id) }, loc);
        with_exec(|ex| {
            let me = ex.current;
            ex.record(me, Some(id), EventKind::WaitGroupAdd { delta }, loc);
            let wg = ex.wg_mut(id);
            wg.counter += delta;
            if wg.counter < 0 {
                return Err("sync: negative WaitGroup counter");
            }
            if !wg.waiting.is_empty() && delta > 0 && wg.counter == delta {
                return Err("sync: WaitGroup misuse: Add called concurrently with Wait");
            }
            if wg.counter == 0 {
                for t in std::mem::take(&mut wg.waiting) {
                    let at = ex.tasks[t].location;
                    ex.record(t, Some(id), EventKind::Woken { by: me }, at);
                    ex.wake_with(t, Op::WgWoken(id));
                }
            }
            Ok(())
        })
    }

    /// Blocks until the counter is zero. `Err` with Go's message if the
    /// group was reused before this wait returned.
    #[track_caller]
    pub(crate) fn wait(&self, loc: Location) -> Result<(), &'static str> {
        let id = self.id();
        announce(Op::WgWait(id), loc);
        let blocked = with_exec(|ex| {
            let me = ex.current;
            let wg = ex.wg_mut(id);
            let blocked = wg.counter != 0;
            if blocked {
                wg.waiting.push(me);
            }
            ex.record(me, Some(id), EventKind::WaitGroupWait { blocked }, loc);
            blocked
        });
        if !blocked {
            return Ok(());
        }
        wait(Op::WgWait(id), loc);
        // Released; as in Go, the group must not have been reused meanwhile.
        let reused = with_exec(|ex| {
            let wg = ex.wg_mut(id);
            wg.counter != 0 || !wg.waiting.is_empty()
        });
        if reused {
            return Err("sync: WaitGroup is reused before previous Wait has returned");
        }
        Ok(())
    }
}
