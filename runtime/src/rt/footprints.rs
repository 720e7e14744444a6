//! Footprints of announced operations: what exhaustive search needs to
//! tell which steps commute.

use super::object::{ChanOp, ObjState, CLOSED, RECVS, SENDS};
use super::ops::{Arm, Dir, Op};
use super::task::TaskState;
use super::Execution;
use crate::footprint::{
    object_part, split_part, Access, Footprint, ObjectId, TaskId, CHAN_ONE_ARM, SPAWNS, TIMERS,
};

impl Execution {
    /// What task `t`'s announced operation may touch.
    pub(crate) fn footprint(&self, t: TaskId) -> Footprint {
        // Decided from the operation, before the footprint exists, so that
        // the common case returns it as built: a footprint copied and read
        // back at once stalls the read (store forwarding fails), and this
        // runs several times per step.
        if self.may_meet_waiting_selects(t) {
            return self.footprint_with_waiting_selects(t);
        }
        self.op_footprint(t)
    }

    /// Whether task `t`'s operation is on a channel (or, for a select, a
    /// channel of an arm) where a select waits at a rendezvous: then
    /// [`add_waiting_selects`](Self::add_waiting_selects) may add to its
    /// footprint. It may say yes where nothing is added.
    fn may_meet_waiting_selects(&self, t: TaskId) -> bool {
        let Some(task) = self.tasks.get(t) else { return false };
        let select_waits = |c: ObjectId| self.waiting_selects(c).next().is_some();
        match task.op {
            Op::Send(c) | Op::Recv(c) | Op::Close(c) | Op::TryChan(c) => select_waits(c),
            Op::Select { .. } => task.arms.iter().any(|arm| select_waits(arm.chan)),
            _ => false,
        }
    }

    /// [`footprint`](Self::footprint) with the waiting selects added, or
    /// the global one if they do not fit.
    #[cold]
    #[inline(never)]
    fn footprint_with_waiting_selects(&self, t: TaskId) -> Footprint {
        let mut footprint = self.op_footprint(t);
        if !self.add_waiting_selects(t, &mut footprint) {
            footprint = Footprint::Global;
        }
        footprint
    }

    /// The selects waiting at object `o`, if it is an unbuffered channel.
    fn waiting_selects(&self, o: ObjectId) -> impl Iterator<Item = TaskId> + '_ {
        let waiters = match self.objects.get(o).map(|obj| &obj.state) {
            Some(ObjState::Chan(ch)) if ch.cap == 0 => &ch.waiters[..],
            _ => &[],
        };
        waiters.iter().map(|&(w, _, _)| w).filter(|&w| matches!(self.tasks[w].op, Op::Select { .. }))
    }

    /// Adds to `footprint` what completing each select waiting at an
    /// unbuffered channel it touches changes; `false` if it does not fit.
    ///
    /// Such a select is completed by whichever operation on one of its
    /// channels reaches it first, and after that operations on its other
    /// channels no longer find it. Two operations on two of its channels
    /// therefore do not commute, though they touch different channels:
    /// the one that completes the select must be ordered with both. It
    /// writes, on each of the select's channels, the queue part of the
    /// direction that pairs with the select's arm there, and reads part
    /// `CLOSED`: whatever would pair with the select there writes that
    /// part (an arrival, a try operation, a select's arm, see
    /// [`choice_footprint`](Self::choice_footprint)) and a close writes
    /// `CLOSED`, so in either order the two are ordered. The select's own
    /// arrival wrote the other part, its own queue's order, and commutes
    /// with the step that completes it, as a plain arrival does with its
    /// partner's. Done for every operation that finds the select waiting,
    /// whichever way it goes, so the dependency is there in every order;
    /// but for a blocking select that finds no arm ready: it completes
    /// nothing, and joins each queue behind the selects there (see
    /// [`select_on_rendezvous`](Self::select_on_rendezvous)).
    fn add_waiting_selects(&self, t: TaskId, footprint: &mut Footprint) -> bool {
        let task = &self.tasks[t];
        let waits = matches!(task.op, Op::Select { default: false })
            && !task.arms.iter().any(|&a| self.arm_ready(t, a));
        if waits {
            return true;
        }
        let mine = *footprint;
        for (id, _) in mine.items() {
            // A channel's parts come with the whole channel (part 0), which
            // is enough to look at once.
            let (o, part) = split_part(id);
            if part != 0 {
                continue;
            }
            for w in self.waiting_selects(o) {
                for arm in &self.tasks[w].arms {
                    // The queue of the direction that pairs with its arm.
                    let pairing = if arm.dir == Dir::Send { RECVS } else { SENDS };
                    if !footprint.add((object_part(arm.chan, pairing), Access::Write))
                        || !footprint.add((object_part(arm.chan, CLOSED), Access::Read))
                    {
                        return false;
                    }
                }
            }
        }
        true
    }

    #[inline(always)]
    fn op_footprint(&self, t: TaskId) -> Footprint {
        if t >= self.tasks.len() {
            // The timer move, as a firing forced when every task waits
            // sees it: its enabledness depends on what every task does.
            // One chosen early has a narrower footprint, see
            // `early_firing_footprint`.
            return Footprint::Global;
        }
        let task = &self.tasks[t];
        match task.op {
            Op::Start | Op::Yield | Op::Join(_) => Footprint::None,
            // Spawns decide task ids: keep them in order with each other.
            Op::Spawn => Footprint::one(SPAWNS, Access::Write),
            Op::Select { default: false } if task.registered && self.select_on_rendezvous(t) => {
                // Like a plain waiter: a partner's step completes it.
                Footprint::None
            }
            // Ended by a close, which decided its arm and took it off every
            // queue: like a plain waiter woken by a close, it only returns.
            Op::Select { .. }
                if task.closed_arm.is_some() && !cfg!(goweave_mutant = "ended-select-chooses") =>
            {
                Footprint::None
            }
            Op::Select { default: false } if let Some(footprint) = self.select_arrival_footprint(t) => {
                footprint
            }
            Op::Select { default: false } if let Some(footprint) = self.single_arm_footprint(t) => footprint,
            Op::Select { .. } => self.choice_footprint(t),
            Op::TryChan(c) if self.pairs_in_queues(c) => {
                // A try operation sees the queues and the close; its
                // direction is not in the operation, so it writes both
                // queues' parts.
                let (sends, recvs) = (object_part(c, SENDS), object_part(c, RECVS));
                Footprint::of(&[(c, Access::Write), (sends, Access::Write), (recvs, Access::Write)])
            }
            Op::Clock => Footprint::Global,
            // A sleep adds a timer, due at the virtual time now, which only
            // a timer's firing (a step that touches everything) changes:
            // it is ordered with the other timers only. Asleep, the task
            // waits for its timer's firing and takes no step of its own.
            Op::Sleep
                if task.state == TaskState::Announced && !cfg!(goweave_mutant = "sleep-ignores-timers") =>
            {
                Footprint::one(TIMERS, Access::Write)
            }
            Op::Sleep => Footprint::None,
            // Unlocks the mutex, as `unlock` does, and joins the waiters,
            // which a signal or broadcast changes too. Waiting, it takes
            // no step of its own: the signal wakes it to relock.
            Op::CondWait(c) if task.state == TaskState::Announced => {
                let len = if cfg!(goweave_mutant = "cond-wait-ignores-waiters") { 1 } else { 2 };
                Footprint::of(&[(task.unlocks, Access::Release), (c, Access::Write)][..len])
            }
            Op::CondWait(_) => Footprint::None,
            Op::Send(c) | Op::Recv(c) | Op::Close(c) if self.chan(c).cap > 0 && !self.chan(c).never => {
                let op = match task.op {
                    Op::Send(_) => ChanOp::Send,
                    Op::Recv(_) => ChanOp::Recv,
                    _ => ChanOp::Close,
                };
                self.chan(c).footprint(c, op)
            }
            Op::Send(c) | Op::Recv(c) | Op::Close(c) if self.plain_rendezvous(c) => {
                if task.registered {
                    // It waits for a partner or a close, whose step
                    // completes it: it takes no step of its own here.
                    return Footprint::None;
                }
                let op = match task.op {
                    Op::Send(_) => ChanOp::Send,
                    Op::Recv(_) => ChanOp::Recv,
                    _ => ChanOp::Close,
                };
                self.chan(c).rendezvous_footprint(c, t, op)
            }
            Op::AtomicRead(o) | Op::SharedRead(o) => Footprint::one(o, Access::Read),
            // A context's state changes only where it is cancelled: by the
            // close of its done channel (part `CLOSED`, or the whole
            // channel where selects wait on it), by a timer's firing, or,
            // where the cancel reaches other contexts or starts tasks, by
            // a step that touches everything.
            Op::CtxRead(done) => {
                let len = if cfg!(goweave_mutant = "ctx-read-ignores-close") { 1 } else { 2 };
                Footprint::of(&[(done, Access::Read), (object_part(done, CLOSED), Access::Read)][..len])
            }
            // A reader's lock acquires, as a writer's does: it must not
            // race with the writer's unlock (a release), or that race, the
            // latest, would hide the one with the writer's lock, and
            // reversing it cannot put the reader before that lock. A
            // reader's unlock reads: it races with readers' locks (whether
            // the lock is free in between shows to try_write and writers)
            // but not with other readers' unlocks. Readers' locks are
            // ordered among themselves too, which costs executions but
            // misses none.
            Op::RLock(o) => Footprint::one(o, Access::Acquire),
            Op::RUnlock(o) => Footprint::one(o, Access::Read),
            Op::WgAdd(o) | Op::WgDone(o) | Op::WgWait(o) | Op::WgWoken(o) => {
                self.wg(o).footprint(o, t, task.op)
            }
            Op::Lock(o) | Op::Relock(o) | Op::WLock(o) => Footprint::one(o, Access::Acquire),
            Op::Unlock(o) | Op::WUnlock(o) => Footprint::one(o, Access::Release),
            op => match op.object() {
                Some(o) => Footprint::one(o, Access::Write),
                None => Footprint::Global,
            },
        }
    }

    /// The footprint of task `t`'s select that makes a choice among ready
    /// arms, or has a default: it writes each channel, and on an unbuffered
    /// one the queue part of its arm's direction too, which the step that
    /// completed a select waiting there wrote (see `add_waiting_selects`).
    /// Out of line, as its item list would add to the frame of every
    /// footprint (on a task's stack, in a debug build).
    #[inline(never)]
    fn choice_footprint(&self, t: TaskId) -> Footprint {
        let mut footprint = Footprint::of(&[]);
        for a in &self.tasks[t].arms {
            let part = if a.dir == Dir::Send { SENDS } else { RECVS };
            let queue = self.pairs_in_queues(a.chan).then_some((object_part(a.chan, part), Access::Write));
            if !footprint.add((a.chan, Access::Write)) || queue.is_some_and(|item| !footprint.add(item)) {
                return Footprint::Global;
            }
        }
        footprint
    }

    /// Whether `c` is an unbuffered channel, not a nil one: where senders
    /// and receivers wait in queues to pair.
    fn pairs_in_queues(&self, c: ObjectId) -> bool {
        let ch = self.chan(c);
        ch.cap == 0 && !ch.never
    }

    /// The one ready arm of task `t`'s blocking select, if a partner waits
    /// there, at an unbuffered channel not closed, and its other arms are
    /// on other such channels (or nil ones), where nothing is ready.
    fn single_ready_arm(&self, t: TaskId) -> Option<Arm> {
        let task = &self.tasks[t];
        if task.registered || task.closed_arm.is_some() {
            return None;
        }
        let mut ready = None;
        for (i, &a) in task.arms.iter().enumerate() {
            let ch = self.chan(a.chan);
            if ch.never {
                continue;
            }
            if ch.cap > 0 || ch.closed || task.arms[..i].iter().any(|b| b.chan == a.chan) {
                return None;
            }
            if self.arm_ready(t, a) {
                if ready.is_some() {
                    return None;
                }
                ready = Some(a);
            }
        }
        ready
    }

    /// The footprint of a blocking select with one arm ready (see
    /// [`single_ready_arm`](Self::single_ready_arm)): a plain arrival's
    /// pairing on that arm's channel, a read of its part `CHAN_ONE_ARM`
    /// that marks it (see [`Footprint::one_arm`]), and on each other
    /// channel reads of what would make that arm ready too: the queue part
    /// a partner's arrival writes, and part `CLOSED`. `None` if it does not
    /// fit.
    ///
    /// Like a plain arrival, it then commutes with its partner's arrival:
    /// either order pairs the two. But for one thing: had the select come
    /// first, it would have waited on its other channels too, where
    /// something else could take it. Exhaustive search holds that race
    /// back until an operation on one of those channels shows it matters
    /// (see `Dpor::races_of_step`).
    fn single_arm_footprint(&self, t: TaskId) -> Option<Footprint> {
        let a = self.single_ready_arm(t)?;
        let op = if a.dir == Dir::Send { ChanOp::Send } else { ChanOp::Recv };
        let mut footprint = self.chan(a.chan).rendezvous_footprint(a.chan, t, op);
        if !footprint.add((object_part(a.chan, CHAN_ONE_ARM), Access::Read)) {
            return None;
        }
        for b in self.tasks[t].arms.iter().filter(|b| b.chan != a.chan && !self.chan(b.chan).never) {
            // What would make that arm ready too: a partner's arrival, a close.
            let pairing = if b.dir == Dir::Send { RECVS } else { SENDS };
            if !footprint.add((object_part(b.chan, pairing), Access::Read))
                || !footprint.add((object_part(b.chan, CLOSED), Access::Read))
            {
                return None;
            }
        }
        Some(footprint)
    }

    /// Whether `c` is an unbuffered channel on which no select waits: there
    /// a plain operation's arrival commutes with the other direction's
    /// (see [`ChanState::rendezvous_footprint`](super::object::ChanState::rendezvous_footprint)).
    fn plain_rendezvous(&self, c: ObjectId) -> bool {
        let ch = self.chan(c);
        ch.cap == 0
            && !ch.never
            && ch.waiters.iter().all(|w| matches!(self.tasks[w.0].op, Op::Send(_) | Op::Recv(_)))
    }

    /// Whether every arm of `t`'s select is on a distinct unbuffered channel
    /// where no other select waits in the other direction, or on a nil
    /// channel: then its arrival and its waiting behave like plain ones on
    /// each channel. A select waiting in the same direction is one more
    /// place in the queue this one joins (whose order the queue's part
    /// keeps): something that completes it elsewhere takes it out of the
    /// queue, which commutes with this arrival (in either order this
    /// select waits there and that one is gone).
    fn select_on_rendezvous(&self, t: TaskId) -> bool {
        let arms = &self.tasks[t].arms;
        arms.iter().enumerate().all(|(i, a)| {
            let ch = self.chan(a.chan);
            ch.never
                || (ch.cap == 0
                    && !arms[..i].iter().any(|b| b.chan == a.chan)
                    && ch.waiters.iter().all(|w| {
                        let select = matches!(self.tasks[w.0].op, Op::Select { .. });
                        w.0 == t || !select || w.2 == a.dir
                    }))
        })
    }

    /// The footprint of a blocking select's arrival that finds no arm
    /// ready, on channels as [`select_on_rendezvous`](Self::select_on_rendezvous)
    /// requires: it joins the queue of each, which commutes with the other
    /// direction's arrivals there as a plain arrival does (see
    /// [`ChanState::rendezvous_footprint`](super::object::ChanState::rendezvous_footprint)). `None` when some arm is ready
    /// (it pairs, a choice among the ready arms) or the footprint would
    /// not fit: then it writes every channel.
    fn select_arrival_footprint(&self, t: TaskId) -> Option<Footprint> {
        let task = &self.tasks[t];
        if task.registered || !self.select_on_rendezvous(t) || task.arms.iter().any(|&a| self.arm_ready(t, a))
        {
            return None;
        }
        let mut footprint = Footprint::of(&[]);
        for a in task.arms.iter().filter(|a| !self.chan(a.chan).never) {
            let part = if a.dir == Dir::Send { SENDS } else { RECVS };
            // Broken on purpose by the mutant: the queue's order only.
            let broken = cfg!(goweave_mutant = "select-arrival-ignores-selects-leaving")
                && self.waiting_selects(a.chan).any(|w| w != t);
            if !(broken || footprint.add((a.chan, Access::Read)))
                || !footprint.add((object_part(a.chan, part), Access::Write))
            {
                return None;
            }
        }
        Some(footprint)
    }
}
