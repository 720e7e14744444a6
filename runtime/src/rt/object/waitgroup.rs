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
use super::super::task::TaskState;
use super::super::{Execution, Location};
use super::ObjState;
use crate::footprint::{object_part, Access, Footprint, ObjectId, TaskId, WG_DONES, WG_FINAL, WG_PASSES};

/// The engine's view of a WaitGroup.
pub(crate) struct WgState {
    /// The counter.
    pub counter: isize,
    /// Tasks blocked in `wait`.
    pub waiting: Vec<TaskId>,
    /// The task whose `add` or `done` took the counter to zero last.
    pub zeroed_by: Option<TaskId>,
}

impl WgState {
    /// The footprint of `op` (an `add`, a `done`, a `wait` or a woken
    /// waiter's return) on this group, `o`, from this state.
    ///
    /// - A `done` that leaves the counter above zero reads the group and
    ///   counts on part [`WG_DONES`] ([`Access::Count`]): such decrements do
    ///   not race with each other (any order leaves the same counter and
    ///   wakes no one) nor with a wait that blocks (it blocks in either
    ///   order). They are not ordered with each other either.
    /// - The `done` that reaches zero does the same and writes part
    ///   [`WG_FINAL`]. It does not race with the other decrements of its
    ///   round either: swapped with one, the other reaches zero instead,
    ///   and the state after both is the same (the counter is zero and the
    ///   same waiters are woken). Nor is it ordered after them, so its
    ///   task's later steps are not either (in the other order they may
    ///   come first); the waiters it wakes are ordered after it.
    ///
    ///   Which decrement reaches zero depends on their order, so each
    ///   changes the others' footprints: that is why they count rather
    ///   than read. A decrement asleep (exhaustive search's sleep sets)
    ///   with the footprint it had before another one ran is woken by it,
    ///   as it may have become the one that reaches zero, which a wait that
    ///   blocks does not commute with.
    /// - A `wait` that blocks, and a woken waiter's return (which panics if
    ///   the group was reused meanwhile), read the group and `WG_FINAL`: they
    ///   commute with each other and with the decrements that leave the
    ///   counter above zero, and race with the one that reaches zero (a
    ///   wait before it blocks, after it passes; a return before a later
    ///   round's last decrement panics, after it not).
    /// - A `wait` that passes, and a return that does not panic (the
    ///   counter is zero), read the group and `WG_FINAL` too, and collect
    ///   `WG_DONES` ([`Access::Collect`]): they are ordered after every
    ///   decrement since (moved before any of them, the wait would block
    ///   and the return panic), as Go's memory model has it, and so are the
    ///   waiter's next steps, which then do not race with what the workers
    ///   did before their `done()`.
    /// - A `wait` that passes where its own task's `done()` or `add` took
    ///   the counter to zero writes `WG_DONES` instead: it races with every
    ///   decrement it is not ordered after. Which decrement reaches zero
    ///   depends on their order, which the search does not explore: in an
    ///   equivalent order another task's decrement comes last, and the
    ///   wait, moved before it, blocks.
    /// - Any other `add`, and a `done` that takes the counter below zero
    ///   (Go's panic), write the group: ordered with every operation on it,
    ///   whose outcome they may change (after an `add` from zero a wait
    ///   blocks and a return panics).
    ///
    /// A wait that blocks before the last decrement and one that passes
    /// after it do not quite commute: the first is woken, and an `add`
    /// from zero before its return makes it panic (Go's "WaitGroup is
    /// reused before previous Wait has returned"), which a passing wait
    /// never does. Otherwise the blocking order shows nothing the passing
    /// one does not: the passing one even lets the waiter's steps before
    /// the wait come after the decrementing task's steps after the
    /// decrement. So a wait that passes (not one whose own task reached
    /// zero) also reads part [`WG_PASSES`], which tells the search to hold
    /// its race with the last decrement until a write of the group (an
    /// `add`) not ordered after the wait shows that the panic can happen
    /// (see [`Footprint::passing_wait`]). n workers that each call
    /// `done()` while the body waits take one execution.
    ///
    /// The race checker's view (an `add` from zero races with the first
    /// wait that blocks) is computed from the recorded events, not from
    /// these footprints.
    #[inline]
    pub(crate) fn footprint(&self, o: ObjectId, me: TaskId, op: Op) -> Footprint {
        const R: Access = Access::Read;
        const W: Access = Access::Write;
        const C: Access = Access::Count;
        let (group, last, dones) = (o, object_part(o, WG_FINAL), object_part(o, WG_DONES));
        let items = Footprint::of;
        // A decrement's access to `WG_DONES` (see the mutants in build.rs).
        let counts = if cfg!(goweave_mutant = "wg-dones-read") { R } else { C };
        match op {
            Op::WgDone(_) if self.counter >= 2 => items(&[(group, R), (dones, counts)]),
            Op::WgDone(_) if cfg!(goweave_mutant = "wg-final-reads") && self.counter == 1 => {
                items(&[(group, R), (dones, counts)])
            }
            Op::WgDone(_) if self.counter == 1 => items(&[(group, R), (last, W), (dones, counts)]),
            Op::WgWait(_) if cfg!(goweave_mutant = "wg-blocked-wait-commutes") && self.counter != 0 => {
                items(&[(group, R)])
            }
            Op::WgWait(_) if cfg!(goweave_mutant = "wg-passing-wait-reads") && self.counter == 0 => {
                items(&[(group, R), (last, R)])
            }
            Op::WgWait(_) if self.counter == 0 && self.zeroed_by == Some(me) => {
                items(&[(group, R), (last, R), (dones, W)])
            }
            Op::WgWoken(_) if cfg!(goweave_mutant = "wg-woken-reads-group") => items(&[(group, R)]),
            Op::WgWait(_) if self.counter == 0 && !cfg!(goweave_mutant = "wg-no-collect") => {
                items(&[(group, R), (last, R), (dones, Access::Collect), (object_part(o, WG_PASSES), R)])
            }
            Op::WgWoken(_) if self.counter == 0 && !cfg!(goweave_mutant = "wg-no-collect") => {
                items(&[(group, R), (last, R), (dones, Access::Collect)])
            }
            Op::WgWait(_) | Op::WgWoken(_) => items(&[(group, R), (last, R)]),
            Op::WgAdd(_) if cfg!(goweave_mutant = "wg-add-reads") => items(&[(group, R)]),
            Op::WgDone(_) if cfg!(goweave_mutant = "wg-negative-reads") => items(&[(group, R)]),
            _ => items(&[(group, W)]),
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

    /// Whether task `t` is about to call a WaitGroup `wait` that blocks.
    pub(crate) fn wait_would_block(&self, t: TaskId) -> bool {
        match self.tasks.get(t) {
            Some(task) if task.state == TaskState::Announced => {
                matches!(task.op, Op::WgWait(o) if self.wg(o).counter != 0)
            }
            _ => false,
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
        let state = WgState { counter: 0, waiting: Vec::new(), zeroed_by: None };
        ModelWaitGroup { obj: ObjRef::new(ObjState::WaitGroup(state)) }
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
                wg.zeroed_by = Some(me);
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
