//! The operation vocabulary: what a task announces before it acts.

use crate::footprint::{ObjectId, TaskId};

/// The direction of a channel operation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Dir {
    Send,
    Recv,
}

/// One arm of an announced `select!`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Arm {
    pub chan: ObjectId,
    pub dir: Dir,
}

/// An announced operation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Op {
    Start,
    Spawn,
    Yield,
    Join(TaskId),
    Send(ObjectId),
    Recv(ObjectId),
    Close(ObjectId),
    TryChan(ObjectId),
    Select {
        default: bool,
    },
    Lock(ObjectId),
    TryLock(ObjectId),
    Unlock(ObjectId),
    RLock(ObjectId),
    RUnlock(ObjectId),
    WLock(ObjectId),
    WUnlock(ObjectId),
    /// A writer that registered and waits for the readers to leave.
    WDrain(ObjectId),
    CondWait(ObjectId),
    /// A condition waiter woken by signal or broadcast, taking its mutex back.
    Relock(ObjectId),
    Signal(ObjectId),
    Broadcast(ObjectId),
    WgAdd(ObjectId),
    /// `done()`, or `add(-1)`: kept apart from other deltas because two
    /// of them commute while neither drives the counter below zero.
    WgDone(ObjectId),
    WgWait(ObjectId),
    /// A WaitGroup waiter released by the counter reaching zero.
    WgWoken(ObjectId),
    OnceDo(ObjectId),
    /// Reads the clock or creates a timer: never blocks.
    Clock,
    /// Sleeping until the clock reaches a deadline (a waiting state).
    Sleep,
    Atomic(ObjectId),
    AtomicRead(ObjectId),
    SharedRead(ObjectId),
    SharedWrite(ObjectId),
}

impl Op {
    /// Announcements that never wait: enabled as soon as announced.
    #[inline(always)]
    pub(crate) fn never_waits(self) -> bool {
        matches!(
            self,
            Op::Yield
                | Op::Spawn
                | Op::Atomic(_)
                | Op::AtomicRead(_)
                | Op::SharedRead(_)
                | Op::SharedWrite(_)
                | Op::Unlock(_)
                | Op::Clock
        )
    }

    /// The object the operation is about, if any.
    pub(crate) fn object(self) -> Option<ObjectId> {
        use Op::*;
        match self {
            Start | Spawn | Yield | Join(_) | Select { .. } | Clock | Sleep => None,
            Send(o) | Recv(o) | Close(o) | TryChan(o) | Lock(o) | TryLock(o) | Unlock(o) | RLock(o)
            | RUnlock(o) | WLock(o) | WUnlock(o) | WDrain(o) | CondWait(o) | Relock(o) | Signal(o)
            | Broadcast(o) | WgAdd(o) | WgDone(o) | WgWait(o) | WgWoken(o) | OnceDo(o) | Atomic(o)
            | AtomicRead(o) | SharedRead(o) | SharedWrite(o) => Some(o),
        }
    }
}
