//! Go channels: buffered and unbuffered, with `close`, `try_*`, ranging
//! and the nil channel.
//!
//! Enabledness lives in the engine's untyped channel state (`rt::ChanState`);
//! the values live here. An unbuffered sender deposits its value as an
//! *offer* when it announces the send, so whichever side the scheduler
//! picks can complete the rendezvous: a receiver takes the first offer, a
//! sender hands its offer to the first waiting receiver.

use std::cell::UnsafeCell;
use std::collections::VecDeque;
use std::fmt;
use std::panic::Location;
use std::sync::Arc;

use goweave_checkers::EventKind;

use crate::rt::{
    self, announce, announce_act, go_panic, with_exec, ChanState, Dir, Execution, ObjRef, ObjState, Op,
    Resumed, TaskId,
};

/// A send found its channel closed: Go panics "send on closed channel".
#[doc(hidden)]
#[derive(Debug)]
pub struct SendOnClosed;

struct ChanData<T> {
    buf: VecDeque<T>,
    /// Values of announced unbuffered sends: (task, select arm, value).
    offers: Vec<(TaskId, usize, T)>,
    /// Values handed to receivers whose operation a sender completed.
    handoff: Vec<(TaskId, T)>,
}

pub(crate) struct Chan<T> {
    pub(crate) obj: ObjRef,
    data: UnsafeCell<ChanData<T>>,
}

// SAFETY: the data is only touched by the running task of an execution, on
// the exploration's one thread, inside engine calls that never re-enter.
unsafe impl<T: Send> Sync for Chan<T> {}
unsafe impl<T: Send> Send for Chan<T> {}

impl<T> Chan<T> {
    #[allow(clippy::mut_from_ref)]
    fn data(&self) -> &mut ChanData<T> {
        // SAFETY: see the `Sync` impl: one task at a time, no re-entrance,
        // and no reference outlives the call that took it.
        unsafe { &mut *self.data.get() }
    }

    /// A timer's send: puts `value` in the buffer if there is room
    /// (tickers drop ticks while the channel is full, like Go's).
    pub(crate) fn timer_send(&self, ex: &mut Execution, id: usize, value: T) -> bool {
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

    fn take_offer(&self, task: TaskId, arm: usize) -> T {
        let data = self.data();
        let i = data.offers.iter().position(|o| o.0 == task && o.1 == arm).expect("rendezvous offer missing");
        data.offers.remove(i).2
    }

    fn take_handoff(&self, task: TaskId) -> T {
        let data = self.data();
        let i = data.handoff.iter().position(|o| o.0 == task).expect("rendezvous value missing");
        data.handoff.swap_remove(i).1
    }

    /// Sends `value` (or this task's offer on `arm` when `None`), which the
    /// scheduler found possible. `Err` if the channel is closed.
    #[inline]
    fn act_send(
        &self,
        ex: &mut Execution,
        id: usize,
        arm: usize,
        value: Option<T>,
        loc: rt::Loc,
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
            value => self.act_send_otherwise(ex, id, arm, value, loc),
        }
    }

    /// [`act_send`](Self::act_send) on a closed or unbuffered channel, or
    /// of an offer.
    #[inline(never)]
    fn act_send_otherwise(
        &self,
        ex: &mut Execution,
        id: usize,
        arm: usize,
        value: Option<T>,
        loc: rt::Loc,
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
            let at = ex.tasks[partner].loc;
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
    fn act_recv(&self, ex: &mut Execution, id: usize, loc: rt::Loc) -> Option<T> {
        // Inline: a buffered value.
        let me = ex.current;
        let ch = ex.chan_mut(id);
        if ch.len > 0 {
            ch.len -= 1;
            ex.record(me, Some(id), EventKind::Recv { from: None, closed: false }, loc);
            return Some(self.data().buf.pop_front().expect("buffer length out of sync"));
        }
        self.act_recv_otherwise(ex, id, loc)
    }

    /// [`act_recv`](Self::act_recv) from an empty channel: closed, or a
    /// rendezvous.
    #[inline(never)]
    fn act_recv_otherwise(&self, ex: &mut Execution, id: usize, loc: rt::Loc) -> Option<T> {
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
        debug_assert!(ch.cap == 0 && has_sender(ch, me), "receive performed on a channel that is not ready");
        {
            let (sender, sender_arm) = ex.rendezvous_partner(id, me, Dir::Send);
            let value = self.take_offer(sender, sender_arm);
            ex.complete_partner(sender, sender_arm);
            let at = ex.tasks[sender].loc;
            ex.record(sender, Some(id), EventKind::Send { to: Some(me) }, at);
            ex.record(me, Some(id), EventKind::Recv { from: Some(sender), closed: false }, loc);
            Some(value)
        }
    }
}

fn has_sender(ch: &ChanState, me: TaskId) -> bool {
    ch.waiters.iter().any(|w| w.0 != me && w.2 == Dir::Send)
}

pub(crate) fn new_chan<T>(cap: usize, never: bool, loc: rt::Loc) -> Arc<Chan<T>> {
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
    Arc::new(Chan {
        obj,
        data: UnsafeCell::new(ChanData {
            buf: VecDeque::with_capacity(cap.min(64)),
            offers: Vec::new(),
            handoff: Vec::new(),
        }),
    })
}

/// Makes a channel of capacity `cap` (0: unbuffered, a rendezvous), like
/// Go's `make(chan T, cap)`.
///
/// ```
/// goweave::check(|| {
///     let (tx, rx) = goweave::chan::<i32>(0);
///     goweave::go(move || {
///         for i in 0..3 { tx.send(i); }
///         tx.close();
///     });
///     let got: Vec<i32> = rx.into_iter().collect();
///     assert_eq!(got, vec![0, 1, 2]);
/// });
/// ```
#[track_caller]
pub fn chan<T: Send>(cap: usize) -> (Sender<T>, Receiver<T>) {
    let c = new_chan(cap, false, Location::caller());
    (Sender { chan: c.clone() }, Receiver { chan: c })
}

/// [`chan`] with an explicit creation site.
pub(crate) fn chan_at<T: Send>(cap: usize, loc: rt::Loc) -> (Sender<T>, Receiver<T>) {
    let c = new_chan(cap, false, loc);
    (Sender { chan: c.clone() }, Receiver { chan: c })
}

/// A receiver that is never ready: Go's nil channel, to disable a
/// `select!` arm. Receiving from it blocks forever.
#[track_caller]
pub fn never<T: Send>() -> Receiver<T> {
    Receiver { chan: new_chan(0, true, Location::caller()) }
}

/// A sender that is never ready: Go's nil channel on the sending side, to
/// disable a `select!` send arm (as the tee pattern does once an output is
/// served). Sending on it blocks forever.
#[track_caller]
pub fn never_sender<T: Send>() -> Sender<T> {
    Sender { chan: new_chan(0, true, Location::caller()) }
}

/// The sending side of a channel (`chan<- T`). Clones are handles to the
/// same channel; dropping handles does not close it.
pub struct Sender<T> {
    pub(crate) chan: Arc<Chan<T>>,
}

/// The receiving side of a channel (`<-chan T`). Clones are handles to the
/// same channel.
pub struct Receiver<T> {
    pub(crate) chan: Arc<Chan<T>>,
}

impl<T> Receiver<T> {
    pub(crate) fn from_chan(chan: Arc<Chan<T>>) -> Receiver<T> {
        Receiver { chan }
    }
}

/// Why [`Sender::try_send`] failed; it hands the value back.
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum TrySendError<T> {
    /// The buffer is full, or no receiver waits on an unbuffered channel.
    Full(T),
    /// The channel is closed.
    Closed(T),
}

impl<T> TrySendError<T> {
    /// The value that was not sent.
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(v) | TrySendError::Closed(v) => v,
        }
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("sending on a full channel"),
            TrySendError::Closed(_) => f.write_str("sending on a closed channel"),
        }
    }
}

impl<T> std::error::Error for TrySendError<T> {}

/// Why [`Receiver::try_recv`] failed.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum TryRecvError {
    /// Nothing to receive now.
    Empty,
    /// Closed and drained.
    Closed,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("receiving on an empty channel"),
            TryRecvError::Closed => f.write_str("receiving on a closed and empty channel"),
        }
    }
}

impl std::error::Error for TryRecvError {}

impl<T: Send> Sender<T> {
    /// Sends `value`, blocking while the buffer is full (unbuffered: until a
    /// receiver takes it). Panics "send on closed channel" like Go.
    #[track_caller]
    pub fn send(&self, value: T) {
        let loc = Location::caller();
        let result = announce_act(
            loc,
            |ex| {
                let id = self.chan.obj.id(ex);
                // An unbuffered send offers its value now: a receiver chosen
                // first takes it.
                let value = if ex.chan(id).cap == 0 {
                    self.chan.data().offers.push((ex.current, 0, value));
                    None
                } else {
                    Some(value)
                };
                (Op::Send(id), (id, value))
            },
            |ex, resumed, (id, value)| match resumed {
                Resumed::Completed(_) => Ok(()),
                Resumed::Act => self.chan.act_send(ex, id, 0, value, loc),
            },
        );
        if result.is_err() {
            go_panic("send on closed channel", loc);
        }
    }

    /// Sends without blocking: `Full` when it would block, `Closed` on a
    /// closed channel.
    #[track_caller]
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        let loc = Location::caller();
        let id = with_exec(|ex| self.chan.obj.id(ex));
        announce(Op::TryChan(id), loc);
        with_exec(|ex| {
            let me = ex.current;
            let ch = ex.chan(id);
            if ch.closed {
                ex.record(me, Some(id), EventKind::TryFailed, loc);
                Err(TrySendError::Closed(value))
            } else if ch.can_send(me) {
                self.chan.act_send(ex, id, 0, Some(value), loc).map_err(|SendOnClosed| unreachable!())
            } else {
                ex.record(me, Some(id), EventKind::TryFailed, loc);
                Err(TrySendError::Full(value))
            }
        })
    }

    /// Closes the channel, like Go's `close(ch)`: receivers drain what is
    /// buffered, then get `None`. Panics "close of closed channel".
    #[track_caller]
    pub fn close(&self) {
        close(&self.chan, Location::caller());
    }

    /// The number of buffered values (a scheduling point).
    #[track_caller]
    pub fn len(&self) -> usize {
        len(&self.chan, Location::caller())
    }

    /// True when nothing is buffered (a scheduling point).
    #[track_caller]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The capacity given to [`chan`].
    #[track_caller]
    pub fn cap(&self) -> usize {
        cap(&self.chan)
    }
}

/// Closes channel `id` as part of another operation (a context's cancel):
/// no scheduling point of its own. `by` is the task whose operation it is,
/// or `None` when the clock does it (a deadline), which orders nothing.
/// False if it was already closed.
pub(crate) fn close_in(ex: &mut Execution, id: usize, by: Option<TaskId>, loc: rt::Loc) -> bool {
    let ch = ex.chan_mut(id);
    if ch.closed {
        return false;
    }
    ch.closed = true;
    match by {
        Some(t) => ex.record(t, Some(id), EventKind::Close, loc),
        None => {
            let me = ex.current;
            ex.record(me, Some(id), EventKind::TimerFire { sent: false }, loc);
        }
    }
    true
}

#[track_caller]
fn close<T>(chan: &Chan<T>, loc: rt::Loc) {
    let id = with_exec(|ex| chan.obj.id(ex));
    announce(Op::Close(id), loc);
    let already = with_exec(|ex| {
        let me = ex.current;
        let ch = ex.chan_mut(id);
        if ch.never {
            return None;
        }
        if ch.closed {
            return Some(true);
        }
        ch.closed = true;
        ex.record(me, Some(id), EventKind::Close, loc);
        Some(false)
    });
    match already {
        None => go_panic("close of nil channel", loc),
        Some(true) => go_panic("close of closed channel", loc),
        Some(false) => {}
    }
}

fn len<T>(chan: &Chan<T>, loc: rt::Loc) -> usize {
    let id = with_exec(|ex| chan.obj.id(ex));
    announce(Op::TryChan(id), loc);
    with_exec(|ex| ex.chan(id).len)
}

fn cap<T>(chan: &Chan<T>) -> usize {
    with_exec(|ex| {
        let id = chan.obj.id(ex);
        ex.chan(id).cap
    })
}

impl<T: Send> Receiver<T> {
    /// Receives, blocking until a value is there; `None` once the channel
    /// is closed and drained (Go's `v, ok := <-ch` with `ok == false`).
    #[track_caller]
    pub fn recv(&self) -> Option<T> {
        let loc = Location::caller();
        announce_act(
            loc,
            |ex| {
                let id = self.chan.obj.id(ex);
                (Op::Recv(id), id)
            },
            |ex, resumed, id| match resumed {
                Resumed::Completed(_) => Some(self.chan.take_handoff(ex.current)),
                Resumed::Act => self.chan.act_recv(ex, id, loc),
            },
        )
    }

    /// Receives without blocking.
    #[track_caller]
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        let loc = Location::caller();
        let id = with_exec(|ex| self.chan.obj.id(ex));
        announce(Op::TryChan(id), loc);
        with_exec(|ex| {
            let me = ex.current;
            let ch = ex.chan(id);
            if ch.can_recv(me) {
                self.chan.act_recv(ex, id, loc).ok_or(TryRecvError::Closed)
            } else {
                ex.record(me, Some(id), EventKind::TryFailed, loc);
                Err(TryRecvError::Empty)
            }
        })
    }

    /// The number of buffered values (a scheduling point).
    #[track_caller]
    pub fn len(&self) -> usize {
        len(&self.chan, Location::caller())
    }

    /// True when nothing is buffered (a scheduling point).
    #[track_caller]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The capacity given to [`chan`].
    #[track_caller]
    pub fn cap(&self) -> usize {
        cap(&self.chan)
    }

    /// An iterator that receives until the channel is closed and drained.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { rx: self }
    }
}

/// Receives until the channel is closed and drained (`for v := range ch`).
#[derive(Debug)]
pub struct Iter<'a, T> {
    rx: &'a Receiver<T>,
}

impl<T: Send> Iterator for Iter<'_, T> {
    type Item = T;

    #[track_caller]
    fn next(&mut self) -> Option<T> {
        self.rx.recv()
    }
}

/// Owning form of [`Iter`].
#[derive(Debug)]
pub struct IntoIter<T> {
    rx: Receiver<T>,
}

impl<T: Send> Iterator for IntoIter<T> {
    type Item = T;

    #[track_caller]
    fn next(&mut self) -> Option<T> {
        self.rx.recv()
    }
}

impl<T: Send> IntoIterator for Receiver<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;

    fn into_iter(self) -> IntoIter<T> {
        IntoIter { rx: self }
    }
}

impl<'a, T: Send> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

fn adjust_handles<T>(chan: &Chan<T>, dir: Dir, delta: isize) {
    rt::try_with_exec(|ex| {
        if ex.serial == chan.obj.serial {
            let ch = ex.chan_mut(chan.obj.id);
            let count = match dir {
                Dir::Send => &mut ch.senders,
                Dir::Recv => &mut ch.receivers,
            };
            *count = count.saturating_add_signed(delta);
        }
    });
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        adjust_handles(&self.chan, Dir::Send, 1);
        Sender { chan: self.chan.clone() }
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        adjust_handles(&self.chan, Dir::Recv, 1);
        Receiver { chan: self.chan.clone() }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        adjust_handles(&self.chan, Dir::Send, -1);
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        adjust_handles(&self.chan, Dir::Recv, -1);
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sender(chan#{})", self.chan.obj.id)
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Receiver(chan#{})", self.chan.obj.id)
    }
}

// ---- select! support ----

/// One arm of a `select!`, as the runtime drives it. Not public API.
#[doc(hidden)]
#[allow(private_interfaces)]
pub trait SelectArm {
    /// The channel and direction, after checking the handle's execution.
    fn arm(&self, ex: &Execution) -> rt::Arm;
    /// Called when the select is announced (deposits an unbuffered offer).
    fn prepare(&mut self, me: TaskId, index: usize, unbuffered: bool);
    /// Performs the operation the scheduler chose. `Err` on a send to a
    /// closed channel.
    fn act(&mut self, ex: &mut Execution, index: usize, loc: rt::Loc) -> Result<(), SendOnClosed>;
    /// A partner performed this arm's operation.
    fn completed(&mut self, me: TaskId);
    /// The select ended on another arm: take back any offer.
    fn withdraw(&mut self, me: TaskId, index: usize);
    /// Whether this arm is the one that fired.
    fn selected(&self) -> bool;
}

/// A `recv(rx) -> v` arm. Not public API.
#[doc(hidden)]
pub struct RecvArm<'a, T> {
    rx: &'a Receiver<T>,
    value: Option<Option<T>>,
}

impl<'a, T: Send> RecvArm<'a, T> {
    pub fn new(rx: &'a Receiver<T>) -> Self {
        RecvArm { rx, value: None }
    }

    /// The received value: `None` if the channel was closed.
    pub fn take(&mut self) -> Option<T> {
        self.value.take().expect("select arm read twice")
    }
}

impl<T> fmt::Debug for RecvArm<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecvArm({:?})", self.rx)
    }
}

#[allow(private_interfaces)]
impl<T: Send> SelectArm for RecvArm<'_, T> {
    fn arm(&self, ex: &Execution) -> rt::Arm {
        rt::Arm { chan: self.rx.chan.obj.id(ex), dir: Dir::Recv }
    }
    fn prepare(&mut self, _me: TaskId, _index: usize, _unbuffered: bool) {}
    fn act(&mut self, ex: &mut Execution, _index: usize, loc: rt::Loc) -> Result<(), SendOnClosed> {
        let id = self.rx.chan.obj.id;
        self.value = Some(self.rx.chan.act_recv(ex, id, loc));
        Ok(())
    }
    fn completed(&mut self, me: TaskId) {
        self.value = Some(Some(self.rx.chan.take_handoff(me)));
    }
    fn withdraw(&mut self, _me: TaskId, _index: usize) {}
    fn selected(&self) -> bool {
        self.value.is_some()
    }
}

/// A `send(tx, value)` arm. Not public API.
#[doc(hidden)]
pub struct SendArm<'a, T> {
    tx: &'a Sender<T>,
    value: Option<T>,
    offered: bool,
    fired: bool,
}

impl<'a, T: Send> SendArm<'a, T> {
    pub fn new(tx: &'a Sender<T>, value: T) -> Self {
        SendArm { tx, value: Some(value), offered: false, fired: false }
    }
}

impl<T> fmt::Debug for SendArm<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SendArm({:?})", self.tx)
    }
}

#[allow(private_interfaces)]
impl<T: Send> SelectArm for SendArm<'_, T> {
    fn arm(&self, ex: &Execution) -> rt::Arm {
        rt::Arm { chan: self.tx.chan.obj.id(ex), dir: Dir::Send }
    }
    fn prepare(&mut self, me: TaskId, index: usize, unbuffered: bool) {
        if unbuffered {
            let v = self.value.take().expect("send arm value");
            self.tx.chan.data().offers.push((me, index, v));
            self.offered = true;
        }
    }
    fn act(&mut self, ex: &mut Execution, index: usize, loc: rt::Loc) -> Result<(), SendOnClosed> {
        let id = self.tx.chan.obj.id;
        self.fired = true;
        self.offered = false;
        self.tx.chan.act_send(ex, id, index, self.value.take(), loc)
    }
    fn completed(&mut self, _me: TaskId) {
        self.fired = true;
        self.offered = false;
    }
    fn withdraw(&mut self, me: TaskId, index: usize) {
        if self.offered {
            self.offered = false;
            self.value = Some(self.tx.chan.take_offer(me, index));
        }
    }
    fn selected(&self) -> bool {
        self.fired
    }
}

/// Runs a `select!` over `arms`; `None` means the `default` arm. Not
/// public API: use the [`select!`](crate::select) macro.
#[doc(hidden)]
#[track_caller]
pub fn select(arms: &mut [&mut dyn SelectArm], has_default: bool) -> Option<usize> {
    let loc = Location::caller();
    let (me, descs) = with_exec(|ex| {
        let descs: Vec<rt::Arm> = arms.iter().map(|a| a.arm(ex)).collect();
        (ex.current, descs)
    });
    for (i, arm) in arms.iter_mut().enumerate() {
        let unbuffered = descs[i].dir == Dir::Send
            && with_exec(|ex| {
                let ch = ex.chan(descs[i].chan);
                ch.cap == 0 && !ch.never
            });
        arm.prepare(me, i, unbuffered);
    }
    let chosen = match rt::announce_select(&descs, has_default, loc) {
        Resumed::Completed(i) => {
            arms[i].completed(me);
            with_exec(|ex| ex.record(me, Some(descs[i].chan), EventKind::Select { arm: Some(i) }, loc));
            Some(i)
        }
        Resumed::Act => {
            let ready: Vec<usize> =
                with_exec(|ex| (0..descs.len()).filter(|&i| ex.arm_ready(me, descs[i])).collect());
            if ready.is_empty() {
                with_exec(|ex| ex.record(me, None, EventKind::Select { arm: None }, loc));
                None
            } else {
                let pick = with_exec(|ex| {
                    let step = ex.step;
                    ex.chooser.pick_arm(ready.len(), step)
                });
                let i = match pick {
                    Ok(p) => ready[p],
                    Err(why) => {
                        with_exec(|ex| ex.stop = Some(rt::Stop::Diverged(why)));
                        for (j, arm) in arms.iter_mut().enumerate() {
                            arm.withdraw(me, j);
                        }
                        std::panic::resume_unwind(Box::new(rt::AbortTask));
                    }
                };
                with_exec(|ex| ex.record(me, Some(descs[i].chan), EventKind::Select { arm: Some(i) }, loc));
                let result = with_exec(|ex| arms[i].act(ex, i, loc));
                if result.is_err() {
                    for (j, arm) in arms.iter_mut().enumerate() {
                        arm.withdraw(me, j);
                    }
                    go_panic("send on closed channel", loc);
                }
                Some(i)
            }
        }
    };
    for (j, arm) in arms.iter_mut().enumerate() {
        if Some(j) != chosen {
            arm.withdraw(me, j);
        }
    }
    chosen
}

#[doc(hidden)]
pub use self::{select as __select, RecvArm as __RecvArm, SelectArm as __SelectArm, SendArm as __SendArm};
