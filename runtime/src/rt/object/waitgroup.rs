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
use crate::footprint::{object_part, Access, Footprint, ObjectId, TaskId};

/// The engine's view of a WaitGroup.
pub(crate) struct WgState {
    /// The counter.
    pub counter: isize,
    /// Tasks blocked in `wait`.
    pub waiting: Vec<TaskId>,
}

/// The part of a WaitGroup's footprint id that the decrement reaching zero
/// writes and that the waits it decides read: see [`WgState::footprint`].
pub(crate) const FINAL: usize = 1;

impl WgState {
    /// The footprint of `op` (an `add`, a `done`, a `wait` or a woken
    /// waiter's return) on this group, `o`, from this state.
    ///
    /// - A `done` that leaves the counter above zero reads the group: such
    ///   decrements commute with each other (any order leaves the same
    ///   counter and wakes no one) and with a wait that blocks.
    /// - The `done` that reaches zero reads the group and writes part
    ///   [`FINAL`]. It commutes with the other decrements of its round
    ///   too: swapped with one, the other reaches zero instead, and the
    ///   state after both is the same (the counter is zero and the same
    ///   waiters are woken). It does not join their clocks: its task's
    ///   later steps are not ordered after theirs, as the other order
    ///   shows.
    /// - A `wait` that blocks reads the group only: it commutes with the
    ///   decrements, including the one that reaches zero. In the other
    ///   order it would pass at once instead of being woken, and its
    ///   return (below) touches what a passing wait does: an execution
    ///   where it blocks and returns at the place where it would have
    ///   passed reaches the same state. Blocking earlier only adds the
    ///   reuse panic's schedules, where an `add` from zero comes before
    ///   the return; those the search explores from the blocked order.
    /// - A `wait` that passes (the counter is zero) and a woken waiter's
    ///   return, which panics if the group was reused meanwhile, read the
    ///   group and part `FINAL`: they race with the decrement that reaches
    ///   zero (before it, the wait blocks; the return, of a later round,
    ///   panics) and with any `add`, which writes the group (after an
    ///   `add` from zero the wait blocks and the return panics).
    /// - Any other `add`, and a `done` that takes the counter below zero
    ///   (Go's panic), write the group: ordered with every operation on
    ///   it, whose outcome they may change.
    #[inline]
    pub(crate) fn footprint(&self, o: ObjectId, op: Op) -> Footprint {
        let final_part = object_part(o, FINAL);
        match op {
            Op::WgDone(_) if self.counter >= 2 => Footprint::one(o, Access::Read),
            Op::WgDone(_) if self.counter == 1 => Footprint::Objects {
                len: 2,
                items: [(o, Access::Read), (final_part, Access::Write), (0, Access::Read), (0, Access::Read)],
            },
            Op::WgWait(_) if self.counter != 0 => Footprint::one(o, Access::Read),
            Op::WgWait(_) | Op::WgWoken(_) => Footprint::Objects {
                len: 2,
                items: [(o, Access::Read), (final_part, Access::Read), (0, Access::Read), (0, Access::Read)],
            },
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
