//! The runtime of `select!`: one trait for an arm, the receive and send
//! arms, and the function the macro calls once per `select!`.
//!
//! The macro (`select_macro.rs`) only generates code: it binds each arm to
//! a [`RecvArm`] or [`SendArm`], calls [`select`] once and dispatches on
//! the index it returns. These items are public for the macro's expansion
//! only and are reached through the crate's hidden internals module.

use std::fmt;
use std::panic;

use goweave_checkers::EventKind;

use crate::chan::{Receiver, Sender};
use crate::footprint::TaskId;
use crate::rt::object::SendOnClosed;
use crate::rt::{self, go_panic, with_exec, Dir, Execution, Resumed};

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
    fn act(&mut self, ex: &mut Execution, index: usize, loc: rt::Location) -> Result<(), SendOnClosed>;
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
    fn act(&mut self, ex: &mut Execution, _index: usize, loc: rt::Location) -> Result<(), SendOnClosed> {
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
            self.tx.chan.offer(me, index, v);
            self.offered = true;
        }
    }
    fn act(&mut self, ex: &mut Execution, index: usize, loc: rt::Location) -> Result<(), SendOnClosed> {
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
/// public API: use the [`select!`](crate::select!) macro.
#[doc(hidden)]
#[track_caller]
pub fn select(arms: &mut [&mut dyn SelectArm], has_default: bool) -> Option<usize> {
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
            let ready: Vec<usize> =
                with_exec(|ex| (0..descs.len()).filter(|&i| ex.arm_ready(me, descs[i])).collect());
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
