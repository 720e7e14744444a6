//! Channels: buffered and unbuffered, closing, the nil channel.
//!
//! [`ChanState`] is what the engine knows of a channel to decide
//! enabledness and footprints: its capacity, fill, whether it is closed,
//! and the tasks waiting at an unbuffered one. [`ModelChan`] adds the
//! values, typed, and the operations. An unbuffered sender deposits its
//! value as an *offer* when it announces the send, so whichever side the
//! scheduler picks can complete the rendezvous: a receiver takes the first
//! offer, a sender hands its offer to the first waiting receiver.

use std::collections::VecDeque;
use std::sync::Arc;

use goweave_checkers::EventKind;

use super::super::cell::ValueCell;
use super::super::current::{with_exec, ObjRef};
use super::super::ops::{Dir, Op};
use super::super::protocol::{announce, announce_act_on, Resumed};
use super::super::task::TaskState;
use super::super::{try_with_exec, Execution, Location};
use super::ObjState;
use crate::footprint::{object_part, Access, Footprint, ObjectId, TaskId};

/// The engine's view of a channel.
pub(crate) struct ChanState {
    /// The buffer's capacity: 0 for an unbuffered (or nil) channel.
    pub cap: usize,
    /// Values in the buffer.
    pub len: usize,
    /// Closed by `close`.
    pub closed: bool,
    /// Go's nil channel: never ready.
    pub never: bool,
    /// Tasks with an announced operation on this unbuffered channel, in
    /// announcement order: (task, select arm, direction).
    pub waiters: Vec<(TaskId, usize, Dir)>,
    /// Live `Sender` handles, for "nothing can ever unblock this" notes.
    pub senders: usize,
    /// Live `Receiver` handles.
    pub receivers: usize,
    /// Values ever put in the buffer: with `len`, which buffer slot the
    /// next send fills and the next receive empties (for DPOR, see
    /// [`ChanState::footprint`]).
    pub sends: usize,
}

/// A channel operation, for [`ChanState::footprint`] and
/// [`ChanState::rendezvous_footprint`].
#[derive(Clone, Copy)]
pub(crate) enum ChanOp {
    /// A send.
    Send,
    /// A receive.
    Recv,
    /// A close.
    Close,
}

/// Buffer slots DPOR tells apart; slots further apart share a part, which
/// only adds dependencies.
const SLOT_PARTS: usize = 64;

/// A channel's parts in footprints: the order of its sends and of its
/// receives, its closing, its buffer slots.
pub(crate) use crate::footprint::{
    CHAN_CLOSED as CLOSED, CHAN_FIRST_SLOT as FIRST_SLOT, CHAN_RECVS as RECVS, CHAN_SENDS as SENDS,
};

impl ChanState {
    /// The footprint of an operation on this buffered channel, as it
    /// would be performed from this state.
    ///
    /// A buffered channel is a FIFO of slots. The k-th send fills slot
    /// k mod cap and the k-th receive empties it, so a send and a receive
    /// commute unless they use the same slot. Those two are ordered but
    /// never race (the receive needs the value, the next send needs the
    /// room), so like a lock's acquire and release they are dependent, and
    /// the search's clocks follow them, without being reversible: a send
    /// acquires its slot and a receive releases it. Sends are ordered among
    /// themselves (part `SENDS`), as are receives (`RECVS`). Closing
    /// writes part `SENDS` too (a send races with a close: it succeeds
    /// before and panics after), and releases part `CLOSED`, which
    /// receives of the closed, empty state observe (see
    /// [`Access::Observe`]: they need the close, so they never race with
    /// it, nor with each other, as each returns at once whatever the
    /// order); a receive of a buffered value commutes with a close. A
    /// receive of the closed, empty state only reads part `RECVS`: it is
    /// ordered after every receive of a value and races with one it came
    /// before (it would have taken the value). Where a wakeup sequence
    /// carries it to an earlier state, it may take a value still buffered
    /// after the close there, so it is compared as writing `RECVS` (see
    /// [`Footprint::anywhere`]): two of them do not commute there, where
    /// one may take the value (compared as they ran, they lost outcomes
    /// of the close proptest in `tests/dpor.rs`). The workers of a pool
    /// ending their `for job in jobs` loops so no longer run in every
    /// order: 2,955 executions, not 17,730. Sends touch three parts, not
    /// four (reading `CLOSED` would say the same), which every later
    /// step's race search and clock update pays for. Anything else (try
    /// and select operations, a send on a closed channel) writes the
    /// whole channel, part 0, which every other operation reads.
    pub(crate) fn footprint(&self, o: ObjectId, op: ChanOp) -> Footprint {
        let mut items = [(o, Access::Read); Footprint::ITEMS];
        let len = match op {
            ChanOp::Close if !self.closed => {
                items[1] = (object_part(o, SENDS), Access::Write);
                items[2] = (object_part(o, CLOSED), Access::Release);
                3
            }
            ChanOp::Recv if self.closed && self.len == 0 => {
                items[1] = (object_part(o, CLOSED), Access::Observe);
                items[2] = (object_part(o, RECVS), Access::Read);
                if cfg!(goweave_mutant = "chan-closed-recv-ignores-recvs") {
                    return Footprint::of(&items[..2]);
                }
                3
            }
            ChanOp::Send if !self.closed => {
                let slot = FIRST_SLOT + (self.sends % self.cap) % SLOT_PARTS;
                items[1] = (object_part(o, SENDS), Access::Write);
                items[2] = (object_part(o, slot), Access::Acquire);
                3
            }
            ChanOp::Recv => {
                let slot = FIRST_SLOT + ((self.sends - self.len) % self.cap) % SLOT_PARTS;
                items[1] = (object_part(o, RECVS), Access::Write);
                items[2] = (object_part(o, slot), Access::Release);
                3
            }
            ChanOp::Send | ChanOp::Close => return Footprint::one(o, Access::Write),
        };
        Footprint::of(&items[..len])
    }

    /// The footprint of task `me`'s plain send, receive or close on this
    /// unbuffered channel, when no select waits on it.
    ///
    /// Senders wait in one queue and receivers in another, and an arrival
    /// pairs with the head of the other queue or joins the tail of its own.
    /// A sender's and a receiver's arrivals therefore commute: if either
    /// queue holds a task, each arrival pairs with the same partner in
    /// either order; if both are empty, the two pair with each other. The
    /// partner that arrived first is completed and resumed within the
    /// same step, so both orders reach the same state. Arrivals in the
    /// same direction are ordered (part `SENDS` or `RECVS`: the queue order
    /// decides who pairs with whom). Closing commutes with an arrival that
    /// joins a queue (a waiting receiver gets `None` and a waiting sender
    /// panics, as they would arriving after the close) but not with one
    /// that pairs: closing writes part `CLOSED`, which pairing reads. A
    /// wakeup sequence may carry an arrival that joined a queue to an
    /// earlier state where it pairs (a receiver moved before another's
    /// receive takes the sender that one took): there it is compared with
    /// the footprint it may have, see [`Footprint::anywhere`]. Two arrivals
    /// that pair in opposite directions touch no common part that one
    /// changes: they are never enabled together (a sender pairs when a
    /// receiver waits, a receiver when a sender waits, and one queue is
    /// empty whenever the other is not), so no order of theirs is there to
    /// explore; ordering them anyway made the search reverse a receive that
    /// paired with an earlier sender and a later sender's arrival that
    /// paired with the receiver's next receive, the same receive order.
    /// Every one of them reads the whole channel, which try and select
    /// operations write: those see the queues and the close.
    pub(crate) fn rendezvous_footprint(&self, o: ObjectId, me: TaskId, op: ChanOp) -> Footprint {
        let mut items = [(o, Access::Read); Footprint::ITEMS];
        items[1] = match op {
            ChanOp::Send => (object_part(o, SENDS), Access::Write),
            ChanOp::Recv => (object_part(o, RECVS), Access::Write),
            ChanOp::Close => (object_part(o, CLOSED), Access::Write),
        };
        let pairs = match op {
            ChanOp::Send => self.partner(me, Dir::Recv).is_some(),
            ChanOp::Recv => self.partner(me, Dir::Send).is_some(),
            ChanOp::Close => false,
        };
        if pairs && !cfg!(goweave_mutant = "chan-pairing-ignores-close") {
            items[2] = (object_part(o, CLOSED), Access::Read);
            return Footprint::of(&items[..3]);
        }
        Footprint::of(&items[..2])
    }

    /// The first task waiting in direction `dir`, other than `me`, and
    /// its select arm.
    fn partner(&self, me: TaskId, dir: Dir) -> Option<(TaskId, usize)> {
        self.waiters.iter().find(|w| w.0 != me && w.2 == dir).map(|w| (w.0, w.1))
    }

    pub(crate) fn can_send(&self, me: TaskId) -> bool {
        if self.never {
            return false;
        }
        self.closed || if self.cap == 0 { self.partner(me, Dir::Recv).is_some() } else { self.len < self.cap }
    }

    pub(crate) fn can_recv(&self, me: TaskId) -> bool {
        if self.never {
            return false;
        }
        self.closed || self.len > 0 || (self.cap == 0 && self.partner(me, Dir::Send).is_some())
    }
}

impl Execution {
    /// The state of channel `id`.
    #[inline]
    pub(crate) fn chan(&self, id: ObjectId) -> &ChanState {
        match &self.objects[id].state {
            ObjState::Chan(c) => c,
            _ => unreachable!("object {id} is not a channel"),
        }
    }

    /// The state of channel `id`, to change.
    #[inline]
    pub(crate) fn chan_mut(&mut self, id: ObjectId) -> &mut ChanState {
        match &mut self.objects[id].state {
            ObjState::Chan(c) => c,
            _ => unreachable!("object {id} is not a channel"),
        }
    }

    /// Registers the current task's announced operation on the unbuffered
    /// channels it names, so partners see it.
    pub(crate) fn register_waiters(&mut self, me: TaskId) {
        let task = &self.tasks[me];
        match task.op {
            Op::Send(c) | Op::Recv(c) => {
                let dir = if matches!(task.op, Op::Send(_)) { Dir::Send } else { Dir::Recv };
                let ch = self.chan_mut(c);
                if ch.cap == 0 && !ch.never {
                    ch.waiters.push((me, 0, dir));
                }
            }
            Op::Select { .. } => {
                for i in 0..self.tasks[me].arms.len() {
                    let arm = self.tasks[me].arms[i];
                    let ch = self.chan_mut(arm.chan);
                    if ch.cap == 0 && !ch.never {
                        ch.waiters.push((me, i, arm.dir));
                    }
                }
            }
            _ => {}
        }
    }

    /// Removes task `t` from the waiter lists its announced operation joined.
    pub(crate) fn unregister_waiters(&mut self, t: TaskId) {
        match self.tasks[t].op {
            Op::Send(c) | Op::Recv(c) => self.chan_mut(c).waiters.retain(|w| w.0 != t),
            Op::Select { .. } => {
                for i in 0..self.tasks[t].arms.len() {
                    let c = self.tasks[t].arms[i].chan;
                    self.chan_mut(c).waiters.retain(|w| w.0 != t);
                }
            }
            _ => {}
        }
    }

    /// The partner for a rendezvous on unbuffered channel `c`: the first
    /// task (in announcement order) waiting in direction `dir`.
    pub(crate) fn rendezvous_partner(&self, c: ObjectId, me: TaskId, dir: Dir) -> (TaskId, usize) {
        self.chan(c).partner(me, dir).expect("rendezvous without a partner")
    }

    /// Completes a waiting partner's channel operation on its arm `arm`.
    pub(crate) fn complete_partner(&mut self, partner: TaskId, arm: usize) {
        self.unregister_waiters(partner);
        self.tasks[partner].registered = false;
        let task = &mut self.tasks[partner];
        task.completed_arm = Some(arm);
        task.state = TaskState::Resumable;
        self.resume_queue.push_back(partner);
        self.touched.push(partner);
    }

    /// Ends the selects waiting at unbuffered channel `id`, just closed, on
    /// their arm there, as Go's close does: it takes each waiter off the
    /// channel's queues and marks its select done, so a partner arriving
    /// on another of its channels before it runs no longer finds it (Go's
    /// `dequeue` skips a select already done). Left waiting, a select
    /// chose again when it ran, and could take another arm made ready
    /// since: an outcome no Go program has. Plain waiters stay: the close
    /// is the only thing that can end them. The close touches each select
    /// it ends (exhaustive search orders the select's return after it, as
    /// after a partner that completes one).
    pub(crate) fn end_selects_waiting_at(&mut self, id: ObjectId) {
        let mut k = 0;
        while let Some(&(t, arm, _)) = self.chan(id).waiters.get(k) {
            if !matches!(self.tasks[t].op, Op::Select { .. })
                || cfg!(goweave_mutant = "close-leaves-selects-waiting")
            {
                k += 1;
                continue;
            }
            self.unregister_waiters(t);
            let task = &mut self.tasks[t];
            task.registered = false;
            task.closed_arm = Some(arm);
            // Its step, when it runs, comes after the close.
            self.touched.push(t);
        }
    }

    /// Closes channel `id` as part of another operation (a context's
    /// cancel): no scheduling point of its own. `by` is the task whose
    /// operation it is, or `None` when the clock does it (a deadline), which
    /// orders nothing. False if it was already closed.
    pub(crate) fn close_chan_in(&mut self, id: ObjectId, by: Option<TaskId>, loc: Location) -> bool {
        let ch = self.chan_mut(id);
        if ch.closed {
            return false;
        }
        ch.closed = true;
        self.end_selects_waiting_at(id);
        match by {
            Some(t) => self.record(t, Some(id), EventKind::Close, loc),
            None => {
                let me = self.current;
                self.record(me, Some(id), EventKind::TimerFire { sent: false }, loc);
            }
        }
        true
    }
}

/// A send found its channel closed: Go panics "send on closed channel".
#[doc(hidden)]
#[derive(Debug)]
pub struct SendOnClosed;

/// Why a close is one of Go's runtime panics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CloseError {
    /// "close of nil channel".
    Nil,
    /// "close of closed channel".
    Closed,
}

impl CloseError {
    /// Go's message.
    pub(crate) fn message(self) -> &'static str {
        match self {
            CloseError::Nil => "close of nil channel",
            CloseError::Closed => "close of closed channel",
        }
    }
}

/// The values of a model channel.
struct ChanData<T> {
    buf: VecDeque<T>,
    /// Values of announced unbuffered sends: (task, select arm, value).
    offers: Vec<(TaskId, usize, T)>,
    /// Values handed to receivers whose operation a sender completed.
    handoff: Vec<(TaskId, T)>,
}

/// A channel of one execution, with its values.
pub(crate) struct ModelChan<T> {
    pub(crate) obj: ObjRef,
    /// Touched only inside engine calls, which never nest.
    data: ValueCell<ChanData<T>>,
}

impl<T> ModelChan<T> {
    /// A new channel of capacity `cap` (0: unbuffered), or a nil one.
    pub(crate) fn new(cap: usize, never: bool, loc: Location) -> Arc<ModelChan<T>> {
        // The enabled-set scan takes `cap > 0` for a buffered, non-nil channel.
        debug_assert!(!never || cap == 0, "a nil channel has no buffer");
        let obj = with_exec(|ex| {
            let state = ChanState {
                cap,
                len: 0,
                closed: false,
                never,
                waiters: Vec::new(),
                senders: usize::from(!never),
                receivers: 1,
                sends: 0,
            };
            ex.add_object(ObjState::Chan(state), loc)
        });
        Arc::new(ModelChan {
            obj,
            data: ValueCell::new(ChanData {
                buf: VecDeque::with_capacity(cap.min(64)),
                offers: Vec::new(),
                handoff: Vec::new(),
            }),
        })
    }

    #[allow(clippy::mut_from_ref)]
    fn data(&self) -> &mut ChanData<T> {
        // SAFETY: the values are only touched inside engine calls, by the
        // running task; engine calls never nest and no reference outlives
        // the call that took it.
        unsafe { self.data.get_mut_unchecked() }
    }

    /// Sends `value`, blocking while the buffer is full (unbuffered: until
    /// a receiver takes it). `Err` if the channel is closed.
    #[track_caller]
    #[inline]
    pub(crate) fn send(&self, value: T, loc: Location) -> Result<(), SendOnClosed> {
        announce_act_on(
            Some(&self.obj),
            loc,
            |ex| {
                let id = self.obj.id(ex);
                // An unbuffered send offers its value now: a receiver chosen
                // first takes it.
                let value = if ex.chan(id).cap == 0 {
                    self.data().offers.push((ex.current, 0, value));
                    None
                } else {
                    Some(value)
                };
                (Op::Send(id), (id, value))
            },
            |ex, resumed, (id, value)| match resumed {
                Resumed::Completed(_) => Ok(()),
                Resumed::Act => self.act_send(ex, id, 0, value, loc),
            },
        )
    }

    /// Receives, blocking until a value is there; `None` once the channel
    /// is closed and drained.
    #[track_caller]
    #[inline]
    pub(crate) fn recv(&self, loc: Location) -> Option<T> {
        announce_act_on(
            Some(&self.obj),
            loc,
            |ex| {
                let id = self.obj.id(ex);
                (Op::Recv(id), id)
            },
            |ex, resumed, id| match resumed {
                Resumed::Completed(_) => Some(self.take_handoff(ex.current)),
                Resumed::Act => self.act_recv(ex, id, loc),
            },
        )
    }

    /// Sends without blocking: `Ok(None)` when sent, `Ok(Some(value))`
    /// when it would block, `Err(value)` on a closed channel.
    #[track_caller]
    pub(crate) fn try_send(&self, value: T, loc: Location) -> Result<Option<T>, T> {
        let id = self.obj.current_id();
        announce(Op::TryChan(id), loc);
        with_exec(|ex| {
            let me = ex.current;
            let ch = ex.chan(id);
            if ch.closed {
                ex.record(me, Some(id), EventKind::TryFailed, loc);
                Err(value)
            } else if ch.can_send(me) {
                match self.act_send(ex, id, 0, Some(value), loc) {
                    Ok(()) => Ok(None),
                    Err(SendOnClosed) => unreachable!("checked open"),
                }
            } else {
                ex.record(me, Some(id), EventKind::TryFailed, loc);
                Ok(Some(value))
            }
        })
    }

    /// Receives without blocking: `Ok(Some(v))`, `Ok(None)` when closed
    /// and drained, `Err(())` when nothing is there.
    #[track_caller]
    pub(crate) fn try_recv(&self, loc: Location) -> Result<Option<T>, ()> {
        let id = self.obj.current_id();
        announce(Op::TryChan(id), loc);
        with_exec(|ex| {
            let me = ex.current;
            let ch = ex.chan(id);
            if ch.can_recv(me) {
                Ok(self.act_recv(ex, id, loc))
            } else {
                ex.record(me, Some(id), EventKind::TryFailed, loc);
                Err(())
            }
        })
    }

    /// Closes the channel, like Go's `close(ch)`.
    #[track_caller]
    pub(crate) fn close(&self, loc: Location) -> Result<(), CloseError> {
        let id = self.obj.current_id();
        announce(Op::Close(id), loc);
        with_exec(|ex| {
            let me = ex.current;
            let ch = ex.chan_mut(id);
            if ch.never {
                return Err(CloseError::Nil);
            }
            if ch.closed {
                return Err(CloseError::Closed);
            }
            ch.closed = true;
            ex.end_selects_waiting_at(id);
            ex.record(me, Some(id), EventKind::Close, loc);
            Ok(())
        })
    }

    /// The number of buffered values (a scheduling point).
    #[track_caller]
    pub(crate) fn len(&self, loc: Location) -> usize {
        let id = self.obj.current_id();
        announce(Op::TryChan(id), loc);
        with_exec(|ex| ex.chan(id).len)
    }

    /// The capacity.
    pub(crate) fn cap(&self) -> usize {
        let id = self.obj.current_id();
        with_exec(|ex| ex.chan(id).cap)
    }

    /// Counts a handle made (`delta` 1) or dropped (-1) on side `dir`,
    /// or, for a drop that is a step of its own (see
    /// [`Execution::drop_is_step`]), announces it and counts it there.
    pub(crate) fn adjust_handles(&self, dir: Dir, delta: isize) {
        let id = self.obj.id;
        let step = try_with_exec(|ex| {
            if ex.serial != self.obj.serial {
                return None;
            }
            let in_task =
                !ex.aborting && ex.tasks.get(ex.current).is_some_and(|t| t.state == TaskState::Running);
            if dir == Dir::Recv && delta < 0 && in_task && ex.drop_is_step(id) {
                // Named by where the channel was made: a drop has no caller.
                return Some(ex.objects[id].created);
            }
            let ch = ex.chan_mut(id);
            let count = match dir {
                Dir::Send => &mut ch.senders,
                Dir::Recv => &mut ch.receivers,
            };
            *count = count.saturating_add_signed(delta);
            None
        });
        if let Some(made) = step.flatten() {
            announce_act_on(
                Some(&self.obj),
                made,
                |_| (Op::DropLastReceiver(id), ()),
                |ex, _, ()| ex.chan_mut(id).receivers -= 1,
            );
        }
    }

    /// A timer's send: puts `value` in the buffer if there is room
    /// (tickers drop ticks while the channel is full, like Go's).
    pub(crate) fn timer_send(&self, ex: &mut Execution, id: ObjectId, value: T) -> bool {
        let ch = ex.chan_mut(id);
        if ch.closed || ch.len >= ch.cap {
            return false;
        }
        ch.len += 1;
        ch.sends += 1;
        self.data().buf.push_back(value);
        let me = ex.current;
        let at = ex.objects[id].created;
        ex.record(me, Some(id), EventKind::TimerFire { sent: true }, at);
        true
    }

    /// Deposits an unbuffered select arm's offer when the select announces.
    pub(crate) fn offer(&self, me: TaskId, arm: usize, value: T) {
        self.data().offers.push((me, arm, value));
    }

    /// Takes back the offer of `task`'s arm `arm`.
    pub(crate) fn take_offer(&self, task: TaskId, arm: usize) -> T {
        let data = self.data();
        let i = data.offers.iter().position(|o| o.0 == task && o.1 == arm).expect("rendezvous offer missing");
        data.offers.remove(i).2
    }

    /// The value a sender handed to `task`, whose receive it completed.
    pub(crate) fn take_handoff(&self, task: TaskId) -> T {
        let data = self.data();
        let i = data.handoff.iter().position(|o| o.0 == task).expect("rendezvous value missing");
        data.handoff.swap_remove(i).1
    }

    /// Sends `value` (or this task's offer on `arm` when `None`), which the
    /// scheduler found possible. `Err` if the channel is closed.
    #[inline]
    pub(crate) fn act_send(
        &self,
        ex: &mut Execution,
        id: ObjectId,
        arm: usize,
        value: Option<T>,
        loc: Location,
    ) -> Result<(), SendOnClosed> {
        // Inline: a value into an open buffered channel's buffer.
        let me = ex.current;
        let ch = ex.chan_mut(id);
        match value {
            Some(value) if ch.cap > 0 && !ch.closed => {
                ch.len += 1;
                ch.sends += 1;
                self.data().buf.push_back(value);
                ex.record(me, Some(id), EventKind::Send { to: None }, loc);
                Ok(())
            }
            value => self.act_send_slow(ex, id, arm, value, loc),
        }
    }

    /// [`act_send`](Self::act_send) on a closed or unbuffered channel, or
    /// of an offer.
    #[inline(never)]
    fn act_send_slow(
        &self,
        ex: &mut Execution,
        id: ObjectId,
        arm: usize,
        value: Option<T>,
        loc: Location,
    ) -> Result<(), SendOnClosed> {
        let me = ex.current;
        let ch = ex.chan(id);
        if ch.closed {
            if value.is_none() {
                drop(self.take_offer(me, arm));
            }
            return Err(SendOnClosed);
        }
        let value = match value {
            Some(v) => v,
            None => self.take_offer(me, arm),
        };
        if ch.cap == 0 {
            let (partner, partner_arm) = ex.rendezvous_partner(id, me, Dir::Recv);
            self.data().handoff.push((partner, value));
            ex.complete_partner(partner, partner_arm);
            ex.record(me, Some(id), EventKind::Send { to: Some(partner) }, loc);
            let at = ex.tasks[partner].location;
            ex.record(partner, Some(id), EventKind::Recv { from: Some(me), closed: false }, at);
        } else {
            self.data().buf.push_back(value);
            let ch = ex.chan_mut(id);
            ch.len += 1;
            ch.sends += 1;
            ex.record(me, Some(id), EventKind::Send { to: None }, loc);
        }
        Ok(())
    }

    /// Receives, which the scheduler found possible; `None` when closed and
    /// drained.
    #[inline]
    pub(crate) fn act_recv(&self, ex: &mut Execution, id: ObjectId, loc: Location) -> Option<T> {
        // Inline: a buffered value.
        let me = ex.current;
        let ch = ex.chan_mut(id);
        if ch.len > 0 {
            ch.len -= 1;
            ex.record(me, Some(id), EventKind::Recv { from: None, closed: false }, loc);
            return Some(self.data().buf.pop_front().expect("buffer length out of sync"));
        }
        self.act_recv_slow(ex, id, loc)
    }

    /// [`act_recv`](Self::act_recv) from an empty channel: closed, or a
    /// rendezvous.
    #[inline(never)]
    fn act_recv_slow(&self, ex: &mut Execution, id: ObjectId, loc: Location) -> Option<T> {
        let me = ex.current;
        let ch = ex.chan(id);
        if ch.len > 0 {
            ex.chan_mut(id).len -= 1;
            ex.record(me, Some(id), EventKind::Recv { from: None, closed: false }, loc);
            return Some(self.data().buf.pop_front().expect("buffer length out of sync"));
        }
        if ch.closed {
            ex.record(me, Some(id), EventKind::Recv { from: None, closed: true }, loc);
            return None;
        }
        debug_assert!(
            ch.cap == 0 && ch.waiters.iter().any(|w| w.0 != me && w.2 == Dir::Send),
            "receive performed on a channel that is not ready"
        );
        let (sender, sender_arm) = ex.rendezvous_partner(id, me, Dir::Send);
        let value = self.take_offer(sender, sender_arm);
        ex.complete_partner(sender, sender_arm);
        let at = ex.tasks[sender].location;
        ex.record(sender, Some(id), EventKind::Send { to: Some(me) }, at);
        ex.record(me, Some(id), EventKind::Recv { from: Some(sender), closed: false }, loc);
        Some(value)
    }
}
