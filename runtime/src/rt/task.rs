//! The engine's record of a task: its state, its announced operation,
//! its panic.

use std::sync::Arc;

use corosensei::Yielder;

use super::ops::{Arm, Op};
use super::protocol::Resume;
use super::Location;
use crate::footprint::ObjectId;

/// Where a task is in the announce/act protocol (see the [module
/// docs](super#task-states)).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum TaskState {
    /// Announced `op`; enabled when the objects allow it.
    Announced,
    /// Did the first half of `op` and waits for another task to wake it.
    Waiting,
    /// Woken, or its operation completed by a partner: resumed before the
    /// next choice.
    Resumable,
    /// The task the engine runs now.
    Running,
    /// Returned or panicked.
    Finished,
}

/// A panic caught at a task's boundary.
#[derive(Clone, Debug)]
pub(crate) struct PanicRecord {
    /// The panic's message.
    pub message: String,
    /// `file:line:column` of the panic, when known.
    pub location: Option<String>,
    /// The step during which it panicked.
    pub step: u32,
}

/// One task of an execution.
pub(crate) struct Task {
    /// The name given with `Builder::name`.
    pub name: Option<Arc<str>>,
    /// Where it is in the protocol.
    pub state: TaskState,
    /// Its announced (or last) operation.
    pub op: Op,
    /// Where in the user's code it announced `op`.
    pub location: Location,
    /// The arms of an announced `select!`.
    pub arms: Vec<Arm>,
    /// Set when a partner performed this task's channel operation: the arm.
    pub completed_arm: Option<usize>,
    /// Arrived at its rendezvous operation and visible to partners.
    pub registered: bool,
    /// Set when a close ended this task's waiting select: the arm on the
    /// closed channel, the one it takes (see
    /// [`Execution::end_selects_waiting_at`](super::Execution::end_selects_waiting_at)).
    pub closed_arm: Option<usize>,
    /// The mutex an announced `Cond::wait` unlocks.
    pub unlocks: ObjectId,
    /// The coroutine's yielder, set when it first runs.
    pub yielder: *const Yielder<Resume, ()>,
    /// Where it was spawned.
    pub spawned_at: Location,
    /// Its panic, if it panicked.
    pub panic: Option<PanicRecord>,
    /// Whether a join received its panic (then it is no failure).
    pub panic_joined: bool,
}

/// A task's body, before the scheduler turns it into a coroutine.
pub(crate) type SpawnFn = Box<dyn FnOnce()>;
