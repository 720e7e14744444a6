//! Enabledness: which announced operations could be performed now.

use super::object::{ChanState, MutexState, ObjState, Object, OnceState};
use super::ops::{Arm, Dir, Op};
use super::task::{Task, TaskState};
use super::Execution;
use crate::footprint::{ObjectId, TaskId};

/// The tasks and objects of an execution: what enabledness is computed
/// from, borrowed apart from the rest so that the scheduler can fill its
/// own list of enabled tasks in place.
#[derive(Clone, Copy)]
pub(crate) struct World<'a> {
    pub tasks: &'a [Task],
    pub objects: &'a [Object],
}

impl<'a> World<'a> {
    #[inline]
    fn chan(self, id: ObjectId) -> &'a ChanState {
        match &self.objects[id].state {
            ObjState::Chan(c) => c,
            _ => unreachable!("object {id} is not a channel"),
        }
    }

    pub(crate) fn arm_ready(self, me: TaskId, arm: Arm) -> bool {
        let c = self.chan(arm.chan);
        match arm.dir {
            Dir::Send => c.can_send(me),
            Dir::Recv => c.can_recv(me),
        }
    }

    /// Whether task `t` could perform its announced operation now.
    pub(crate) fn is_enabled(self, t: TaskId) -> bool {
        let task = &self.tasks[t];
        if task.state != TaskState::Announced {
            return false;
        }
        // Arriving at a rendezvous is a step of its own: until then no
        // partner (nor a try_* or a select with default) sees this task.
        match task.op {
            Op::Send(c) | Op::Recv(c) => {
                let ch = self.chan(c);
                if !task.registered && ch.cap == 0 && !ch.never {
                    return true;
                }
                if matches!(task.op, Op::Send(_)) {
                    ch.can_send(t)
                } else {
                    ch.can_recv(t)
                }
            }
            Op::Select { default: false } if !task.registered && self.needs_arrival(t) => true,
            op if op.never_waits() => true,
            _ => self.can_complete(t),
        }
    }

    /// Appends every enabled task to `out`, in id order: what
    /// [`is_enabled`](Self::is_enabled) says for each task.
    // The common cases (locks, buffered channels, operations that never
    // wait) are decided inline, as this runs over every task at every step.
    #[inline(always)]
    pub(crate) fn enabled_tasks(self, out: &mut Vec<TaskId>) {
        for (t, task) in self.tasks.iter().enumerate() {
            if task.state != TaskState::Announced {
                continue;
            }
            // Channel operations first, tested without a jump table: they
            // are most of the announcements in channel-heavy programs.
            let enabled = if let Op::Send(c) | Op::Recv(c) = task.op {
                let ch = self.chan(c);
                // A nil channel has no buffer: `cap > 0` is a buffered one.
                if ch.cap > 0 {
                    ch.closed || if matches!(task.op, Op::Send(_)) { ch.len < ch.cap } else { ch.len > 0 }
                } else {
                    self.is_enabled(t)
                }
            } else {
                match task.op {
                    Op::Lock(m) | Op::Relock(m) => match &self.objects[m].state {
                        ObjState::Mutex(MutexState { holder }) => holder.is_none(),
                        _ => unreachable!(),
                    },
                    Op::Join(target) => self.tasks[target].state == TaskState::Finished,
                    op if op.never_waits() => true,
                    _ => self.is_enabled(t),
                }
            };
            if enabled {
                out.push(t);
            }
        }
    }

    /// Whether `t`'s operation involves an unbuffered channel whose
    /// partners must see it arrive before it can wait there.
    #[inline]
    fn needs_arrival(self, t: TaskId) -> bool {
        let task = &self.tasks[t];
        let rendezvous = |c: ObjectId| {
            let ch = self.chan(c);
            ch.cap == 0 && !ch.never
        };
        match task.op {
            Op::Send(c) | Op::Recv(c) => rendezvous(c),
            Op::Select { default: false } => task.arms.iter().any(|a| rendezvous(a.chan)),
            _ => false,
        }
    }

    /// Whether `t` could perform its announced operation now.
    pub(crate) fn can_complete(self, t: TaskId) -> bool {
        let task = &self.tasks[t];
        match task.op {
            Op::Join(target) => self.tasks[target].state == TaskState::Finished,
            Op::Send(c) => self.chan(c).can_send(t),
            Op::Recv(c) => self.chan(c).can_recv(t),
            Op::Select { default } => default || task.arms.iter().any(|&a| self.arm_ready(t, a)),
            Op::Lock(m) | Op::Relock(m) => match &self.objects[m].state {
                ObjState::Mutex(MutexState { holder }) => holder.is_none(),
                _ => unreachable!(),
            },
            Op::RLock(o) | Op::WLock(o) => match &self.objects[o].state {
                ObjState::RwMutex(s) => s.writer.is_none() && s.pending_writer.is_none(),
                _ => unreachable!(),
            },
            Op::OnceDo(o) => match &self.objects[o].state {
                ObjState::Once(OnceState { running, .. }) => running.is_none(),
                _ => unreachable!(),
            },
            Op::WDrain(_) => false,
            _ => true,
        }
    }
}

impl Execution {
    /// The tasks and objects, for enabledness.
    #[inline]
    pub(crate) fn world(&self) -> World<'_> {
        World { tasks: &self.tasks, objects: &self.objects }
    }

    pub(crate) fn arm_ready(&self, me: TaskId, arm: Arm) -> bool {
        self.world().arm_ready(me, arm)
    }

    /// Whether task `t` could perform its announced operation now.
    pub(crate) fn is_enabled(&self, t: TaskId) -> bool {
        self.world().is_enabled(t)
    }

    /// Whether `t` could perform its announced operation now.
    pub(crate) fn can_complete(&self, t: TaskId) -> bool {
        self.world().can_complete(t)
    }

    /// Whether `t`'s operation involves an unbuffered channel whose
    /// partners must see it arrive before it can wait there.
    pub(super) fn needs_arrival(&self, t: TaskId) -> bool {
        self.world().needs_arrival(t)
    }
}
