//! The runtime of `select!`: one trait for an arm, the receive and send
//! arms, and the function the macro calls once per `select!`.
//!
//! The macro (`select_macro.rs`) only generates code: it binds each arm to
//! a [`RecvArm`] or [`SendArm`], calls [`select`] once and dispatches on
//! the index it returns. These items are public for the macro's expansion
//! only and are reached through the crate's hidden internals module.
//!
//! A select on a thread that runs no execution is native: its arms must be
//! native channels, and `native::select` runs Go's algorithm on them (the
//! arms implement its `NativeArm` too). Inside an execution, the model
//! select below runs, and a native arm panics, naming its channel.

use std::fmt;
use std::panic;
use std::ptr;
use std::sync::Arc;

use goweave_checkers::EventKind;
use parking_lot::RawMutex;

use crate::chan::{Flavor, Receiver, Sender};
use crate::footprint::TaskId;
use crate::native;
use crate::native::chan::{NativeChan, SendPoll};
use crate::native::select::{NativeArm, Outcome, Poll, Woken};
use crate::native::waiter::{Cx, Wake};
use crate::rt::object::{ModelChan, SendOnClosed};
use crate::rt::{self, go_panic, with_exec, Dir, Execution, Location, Resumed};

/// One arm of a `select!`, as the runtime drives it. Not public API.
#[doc(hidden)]
#[allow(private_interfaces, private_bounds)]
pub trait SelectArm: NativeArm {
    /// The channel and direction, after checking the handle's execution.
    fn arm(&self, ex: &Execution) -> rt::Arm;
    /// Called when the select is announced (deposits an unbuffered offer).
    fn prepare(&mut self, me: TaskId, index: usize, unbuffered: bool);
    /// Performs the operation the scheduler chose. `Err` on a send to a
    /// closed channel.
    fn act(&mut self, ex: &mut Execution, index: usize, loc: rt::Location) -> Result<(), SendOnClosed>;
    /// A partner performed this arm's operation.
    fn completed(&mut self, me: TaskId);
    /// The select ended on another arm: take back any offer.
    fn withdraw(&mut self, me: TaskId, index: usize);
    /// Whether this arm is the one that fired.
    fn selected(&self) -> bool;
    /// The arm's channel, for checking its mode where `select!` is written.
    fn chan_ref(&self) -> ArmChan<'_>;
}

/// The channel of an arm, by mode.
pub(crate) enum ArmChan<'a> {
    /// A model channel of some execution.
    Model(&'a rt::ObjRef),
    /// A native channel, made there.
    Native(Location),
}

impl<T> Flavor<T> {
    fn chan_ref(&self) -> ArmChan<'_> {
        match self {
            Flavor::Model(c) => ArmChan::Model(&c.obj),
            Flavor::Native(c) => ArmChan::Native(c.created()),
        }
    }
}

/// Checks that every arm's channel can be used where the select runs
/// (`inside` an execution, or not), so that a misuse panics at the
/// `select!`, not inside goweave.
#[track_caller]
fn check_modes(arms: &[&mut dyn SelectArm], inside: bool) {
    for arm in arms {
        match (arm.chan_ref(), inside) {
            (ArmChan::Model(obj), true) => {
                obj.current_id();
            }
            (ArmChan::Model(obj), false) => model_in_native(obj.kind, obj.created),
            (ArmChan::Native(created), true) => native::check("chan", created),
            (ArmChan::Native(_), false) => {}
        }
    }
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
    #[track_caller]
    fn arm(&self, ex: &Execution) -> rt::Arm {
        let chan = match self.rx.model() {
            Some(c) => c,
            None => native_in_model(self.rx.native()),
        };
        rt::Arm { chan: chan.obj.id(ex), dir: Dir::Recv }
    }
    fn prepare(&mut self, _me: TaskId, _index: usize, _unbuffered: bool) {}
    fn act(&mut self, ex: &mut Execution, _index: usize, loc: rt::Location) -> Result<(), SendOnClosed> {
        let chan = model(self.rx.model());
        self.value = Some(chan.act_recv(ex, chan.obj.id, loc));
        Ok(())
    }
    fn completed(&mut self, me: TaskId) {
        self.value = Some(Some(model(self.rx.model()).take_handoff(me)));
    }
    fn withdraw(&mut self, _me: TaskId, _index: usize) {}
    fn selected(&self) -> bool {
        self.value.is_some()
    }
    fn chan_ref(&self) -> ArmChan<'_> {
        self.rx.chan.chan_ref()
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
    #[track_caller]
    fn arm(&self, ex: &Execution) -> rt::Arm {
        let chan = match self.tx.model() {
            Some(c) => c,
            None => native_in_model(self.tx.native()),
        };
        rt::Arm { chan: chan.obj.id(ex), dir: Dir::Send }
    }
    fn prepare(&mut self, me: TaskId, index: usize, unbuffered: bool) {
        if unbuffered {
            let v = self.value.take().expect("send arm value");
            model(self.tx.model()).offer(me, index, v);
            self.offered = true;
        }
    }
    fn act(&mut self, ex: &mut Execution, index: usize, loc: rt::Location) -> Result<(), SendOnClosed> {
        let chan = model(self.tx.model());
        self.fired = true;
        self.offered = false;
        chan.act_send(ex, chan.obj.id, index, self.value.take(), loc)
    }
    fn completed(&mut self, _me: TaskId) {
        self.fired = true;
        self.offered = false;
    }
    fn withdraw(&mut self, me: TaskId, index: usize) {
        if self.offered {
            self.offered = false;
            self.value = Some(model(self.tx.model()).take_offer(me, index));
        }
    }
    fn selected(&self) -> bool {
        self.fired
    }
    fn chan_ref(&self) -> ArmChan<'_> {
        self.tx.chan.chan_ref()
    }
}

/// Runs a `select!` over `arms`; `None` means the `default` arm. Not
/// public API: use the [`select!`](crate::select!) macro.
#[doc(hidden)]
#[track_caller]
pub fn select(arms: &mut [&mut dyn SelectArm], has_default: bool) -> Option<usize> {
    let inside = rt::in_execution();
    check_modes(arms, inside);
    if !inside {
        return select_native(arms, has_default);
    }
    let loc = panic::Location::caller();
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
            // A close that ended the select while it waited decided the arm.
            let ready: Vec<usize> = with_exec(|ex| match ex.tasks[me].closed_arm.take() {
                Some(i) => vec![i],
                None => (0..descs.len()).filter(|&i| ex.arm_ready(me, descs[i])).collect(),
            });
            if ready.is_empty() {
                with_exec(|ex| ex.record(me, None, EventKind::Select { arm: None }, loc));
                None
            } else {
                let pick = with_exec(|ex| {
                    let step = ex.step;
                    ex.picker.pick_arm(ready.len(), step)
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

/// The model channel of an arm that [`SelectArm::arm`] has checked.
#[inline]
fn model<T>(chan: Option<&Arc<ModelChan<T>>>) -> &Arc<ModelChan<T>> {
    chan.expect("an arm of a model select is a model channel")
}

/// A native channel in a select inside an execution: panics naming it.
#[cold]
#[track_caller]
fn native_in_model<T>(chan: Option<&Arc<NativeChan<T>>>) -> ! {
    let chan = chan.expect("a channel is a model or a native one");
    native::check("chan", chan.created());
    unreachable!("a model select runs inside an execution")
}

/// The native channel of an arm of a select that runs outside any
/// execution; a model channel there panics, naming it.
#[track_caller]
fn native_chan<T>(chan: &Flavor<T>) -> &NativeChan<T> {
    match chan {
        Flavor::Native(c) => c,
        Flavor::Model(c) => model_in_native(c.obj.kind, c.obj.created),
    }
}

/// See [`native_chan`].
#[cold]
#[track_caller]
fn model_in_native(kind: &str, created: Location) -> ! {
    panic!(
        "goweave: a select! on a thread that runs no execution has an arm on the {kind} made at {created}, \
         which belongs to an exploration (a model object of one of its executions). A select's channels \
         are all native (made outside any exploration) or all of the execution that runs it"
    )
}

/// [`select`] on a thread that runs no execution.
#[track_caller]
#[inline(never)]
fn select_native(arms: &mut [&mut dyn SelectArm], has_default: bool) -> Option<usize> {
    match native::select::select(arms, has_default) {
        Outcome::Arm(i) => Some(i),
        Outcome::Default => None,
        Outcome::SendClosed(_) => panic!("send on closed channel"),
    }
}

// The native select's view of the arms. A receive arm's slot, on an
// unbuffered channel, is the inner `Option` of `value` (set to `Some(None)`
// when it registers): the sender writes the value there, a close leaves it
// `None`. A send arm's slot is `value` itself: the receiver takes it, a
// close leaves it. `abandon` clears a receive arm that did not fire.

impl<T: Send> NativeArm for RecvArm<'_, T> {
    #[track_caller]
    fn chan_lock(&self) -> Option<&RawMutex> {
        native_chan(&self.rx.chan).raw_lock()
    }

    fn is_buffered(&self) -> bool {
        native_chan(&self.rx.chan).is_buffered()
    }

    fn try_now(&mut self) -> Poll {
        match native_chan(&self.rx.chan).try_recv_buffered() {
            Some(value) => {
                self.value = Some(value);
                Poll::Ready(Wake::NONE)
            }
            None => Poll::Pending,
        }
    }

    unsafe fn poll(&mut self) -> Poll {
        let rx = self.rx;
        // SAFETY: the caller holds the channel's lock (this method's
        // contract).
        match unsafe { native_chan(&rx.chan).poll_recv() } {
            Some((value, wake)) => {
                self.value = Some(value);
                Poll::Ready(wake)
            }
            None => Poll::Pending,
        }
    }

    unsafe fn register(&mut self, cx: &Arc<Cx>, oper: usize) {
        let chan = native_chan(&self.rx.chan);
        let slot =
            if chan.is_buffered() { ptr::null_mut() } else { self.value.insert(None) as *mut Option<T> };
        // SAFETY: the caller holds the lock and leaves the arm, so its
        // slot, alone until the entry is claimed or removed.
        unsafe { chan.register(false, cx, oper, slot) }
    }

    unsafe fn unregister(&mut self, cx: &Cx, oper: usize) {
        // SAFETY: the caller holds the lock.
        unsafe { native_chan(&self.rx.chan).unregister(false, cx, oper) }
    }

    unsafe fn quiescent(&self) -> Option<(usize, usize)> {
        // SAFETY: the caller holds the lock, and has since it polled.
        unsafe { native_chan(&self.rx.chan).quiescent(false) }
    }

    fn woken(&mut self) -> Woken {
        if native_chan(&self.rx.chan).is_buffered() {
            Woken::Retry
        } else {
            // The slot holds the value, or `None` from the close.
            Woken::Done
        }
    }

    fn abandon(&mut self) {
        self.value = None;
    }
}

impl<T: Send> NativeArm for SendArm<'_, T> {
    #[track_caller]
    fn chan_lock(&self) -> Option<&RawMutex> {
        native_chan(&self.tx.chan).raw_lock()
    }

    fn is_buffered(&self) -> bool {
        native_chan(&self.tx.chan).is_buffered()
    }

    fn try_now(&mut self) -> Poll {
        let tx = self.tx;
        match native_chan(&tx.chan).try_send_buffered(&mut self.value) {
            SendPoll::Sent(wake) => {
                self.fired = true;
                Poll::Ready(wake)
            }
            SendPoll::Pending => Poll::Pending,
            SendPoll::Closed => Poll::SendClosed,
        }
    }

    unsafe fn poll(&mut self) -> Poll {
        let tx = self.tx;
        // SAFETY: the caller holds the channel's lock; the arm's value is
        // there until it is sent.
        match unsafe { native_chan(&tx.chan).poll_send(&mut self.value) } {
            SendPoll::Sent(wake) => {
                self.fired = true;
                Poll::Ready(wake)
            }
            SendPoll::Pending => Poll::Pending,
            SendPoll::Closed => Poll::SendClosed,
        }
    }

    unsafe fn register(&mut self, cx: &Arc<Cx>, oper: usize) {
        let chan = native_chan(&self.tx.chan);
        let slot = if chan.is_buffered() { ptr::null_mut() } else { &mut self.value as *mut Option<T> };
        // SAFETY: as for a receive arm.
        unsafe { chan.register(true, cx, oper, slot) }
    }

    unsafe fn unregister(&mut self, cx: &Cx, oper: usize) {
        // SAFETY: the caller holds the lock.
        unsafe { native_chan(&self.tx.chan).unregister(true, cx, oper) }
    }

    unsafe fn quiescent(&self) -> Option<(usize, usize)> {
        // SAFETY: the caller holds the lock, and has since it polled.
        unsafe { native_chan(&self.tx.chan).quiescent(true) }
    }

    fn woken(&mut self) -> Woken {
        if native_chan(&self.tx.chan).is_buffered() {
            Woken::Retry
        } else if self.value.is_none() {
            self.fired = true;
            Woken::Done
        } else {
            // The close left the value: Go panics.
            Woken::SendClosed
        }
    }

    fn abandon(&mut self) {}
}
