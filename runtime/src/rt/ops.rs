//! The operation vocabulary: what a task announces before it acts.

use crate::footprint::{ObjectId, TaskId};

/// The direction of a channel operation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Dir {
    /// Sending.
    Send,
    /// Receiving.
    Recv,
}

/// One arm of an announced `select!`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Arm {
    /// The arm's channel.
    pub chan: ObjectId,
    /// Whether it sends or receives.
    pub dir: Dir,
}

/// An announced operation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Op {
    /// A task not yet started.
    Start,
    /// `go`: spawning a task.
    Spawn,
    /// `yield_now`.
    Yield,
    /// Joining a task.
    Join(TaskId),
    /// A channel send.
    Send(ObjectId),
    /// A channel receive.
    Recv(ObjectId),
    /// Closing a channel.
    Close(ObjectId),
    /// A channel operation that never blocks: `try_send`, `try_recv`, `len`.
    TryChan(ObjectId),
    /// A `select!` over the task's `arms`, with a `default` arm or not.
    Select {
        /// It has a `default` arm: it never blocks.
        default: bool,
    },
    /// Locking a mutex.
    Lock(ObjectId),
    /// `try_lock`, `try_read` or `try_write`: never blocks.
    TryLock(ObjectId),
    /// Unlocking a mutex.
    Unlock(ObjectId),
    /// Read-locking a read-write mutex.
    RLock(ObjectId),
    /// Read-unlocking a read-write mutex.
    RUnlock(ObjectId),
    /// Write-locking a read-write mutex.
    WLock(ObjectId),
    /// Write-unlocking a read-write mutex.
    WUnlock(ObjectId),
    /// A writer that registered and waits for the readers to leave.
    WDrain(ObjectId),
    /// `Cond::wait`: unlocks the mutex and waits for a signal.
    CondWait(ObjectId),
    /// A condition waiter woken by signal or broadcast, taking its mutex back.
    Relock(ObjectId),
    /// `Cond::signal`.
    Signal(ObjectId),
    /// `Cond::broadcast`.
    Broadcast(ObjectId),
    /// `WaitGroup::add` with a delta other than -1.
    WgAdd(ObjectId),
    /// `done()`, or `add(-1)`: kept apart from other deltas because two
    /// of them commute while neither drives the counter below zero.
    WgDone(ObjectId),
    /// `WaitGroup::wait`.
    WgWait(ObjectId),
    /// A WaitGroup waiter released by the counter reaching zero.
    WgWoken(ObjectId),
    /// `Once::call_once`.
    OnceDo(ObjectId),
    /// Reads the clock or creates a timer: never blocks.
    Clock,
    /// Reads a context's cancellation state: that of the context whose
    /// done channel this is.
    CtxRead(ObjectId),
    /// A sleep: announced, it adds a timer; then the task waits for its
    /// firing.
    Sleep,
    /// Dropping the last receiver of a channel that a pending timer may
    /// still fill: after it, firing that timer changes nothing but the
    /// clock, so whether an early firing is worth exploring changes.
    DropLastReceiver(ObjectId),
    /// An atomic store or read-modify-write.
    Atomic(ObjectId),
    /// An atomic load.
    AtomicRead(ObjectId),
    /// A read of a `Shared` variable, plain or atomic (an atomic load).
    SharedRead(ObjectId),
    /// A write of a `Shared` variable, plain or atomic (a store or
    /// read-modify-write, a compare-and-swap whatever its outcome).
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
                | Op::CtxRead(_)
                | Op::SharedRead(_)
                | Op::SharedWrite(_)
                | Op::Unlock(_)
                | Op::Clock
                | Op::DropLastReceiver(_)
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
            | AtomicRead(o) | SharedRead(o) | SharedWrite(o) | CtxRead(o) | DropLastReceiver(o) => Some(o),
        }
    }
}
