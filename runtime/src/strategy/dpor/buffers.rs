//! The search's buffers, kept on the thread between searches.

use goweave_checkers::ClockRows;

use super::path::Node;
use super::races::{Blocked, Held, Objects, Step};
use super::wakeup::{Forest, SeqEvent};
use crate::footprint::{Footprint, TaskId};

/// A search's buffers: what grows with the path and the execution. They
/// are kept on this thread when the search ends (see
/// [`Buffers::take_cached`]).
#[derive(Default)]
pub(super) struct Buffers {
    pub(super) path: Vec<Node>,
    /// The nodes' enabled and explored tasks, in path order.
    pub(super) tasks: Vec<TaskId>,
    /// The nodes' enabled tasks' next steps, in path order.
    pub(super) footprints: Vec<Footprint>,
    /// The nodes' wakeup trees.
    pub(super) forest: Forest,
    /// Timer steps sent for this unit's first node before its first
    /// execution made it.
    pub(super) deferred: Vec<super::steal::Msg>,
    /// The branches given to other units of a pooled search (see
    /// [`steal`](super::steal)), in the order given.
    pub(super) lent_to: Vec<Lent>,
    /// Sequences sent for this unit's first node when it is a select
    /// whose arms were all explored: its first arm is taken again to
    /// follow them.
    pub(super) regrow: Option<u32>,
    /// Scratch space for a sequence to insert into a wakeup tree, and
    /// which of its events are matched already.
    pub(super) seq: Vec<SeqEvent>,
    pub(super) removed: Vec<bool>,
    /// The nodes' sleep sets, in path order.
    pub(super) sleeps: Vec<(TaskId, Footprint)>,
    /// Every clock: the tasks' (rows by clock slot in `task_rows`), the
    /// objects', the last global step's and the steps'.
    pub(super) clocks: ClockRows,
    pub(super) task_rows: Vec<u32>,
    /// The clock slots of the tasks the coming step is ordered after (see
    /// [`Scheduler::after_join`](crate::strategy::Scheduler::after_join)).
    pub(super) joins: Vec<usize>,
    pub(super) objects: Objects,
    pub(super) steps: Vec<Step>,
    /// The last step of each task (by clock slot) with any footprint, and
    /// the last with the global one.
    pub(super) last_any: Vec<Option<usize>>,
    pub(super) last_global_step: Vec<(usize, usize)>,
    /// The next operations shown at this node (see
    /// [`Scheduler::observe_moves`](crate::strategy::Scheduler::observe_moves)).
    pub(super) moves: Vec<(TaskId, Footprint)>,
    /// The blocked tasks' next operations checked this execution.
    pub(super) blocked: Vec<Blocked>,
    /// The passing waits' races held back this execution.
    pub(super) held: Vec<Held>,
    /// Scratch space for the steps racing with one operation.
    pub(super) racing: Vec<usize>,
    /// Scratch space for each task's latest step conflicting with it.
    pub(super) latest: Vec<(usize, usize)>,
}

impl Buffers {
    /// Frees what only an execution needs, for a unit that waits dormant
    /// (see [`steal`](super::steal)): its path and trees stay.
    pub(super) fn shrink_execution(&mut self) {
        self.clocks = ClockRows::default();
        self.task_rows = Vec::new();
        self.joins = Vec::new();
        self.objects = Objects::default();
        self.steps = Vec::new();
        self.last_any = Vec::new();
        self.last_global_step = Vec::new();
        self.moves = Vec::new();
        self.blocked = Vec::new();
        self.held = Vec::new();
        self.racing = Vec::new();
        self.latest = Vec::new();
        self.seq = Vec::new();
        self.removed = Vec::new();
    }
}

thread_local! {
    /// The buffers of the last search that ended on this thread. A suite
    /// runs many small exhaustive tests one after the other on a thread:
    /// each would otherwise grow a dozen buffers from empty, by doubling,
    /// which costs a short search as much as its own bookkeeping.
    static CACHED: std::cell::RefCell<Option<Box<Buffers>>> = const { std::cell::RefCell::new(None) };
}

impl Buffers {
    /// This thread's cached buffers, emptied, or new ones.
    pub(super) fn take_cached() -> Buffers {
        let cached = CACHED.try_with(|c| c.try_borrow_mut().ok().and_then(|mut c| c.take())).ok().flatten();
        cached.map_or_else(Buffers::default, |b| *b)
    }

    /// Keeps these buffers for the next search on this thread. They hold
    /// only ids, footprints and clocks, never a user's value; each is
    /// emptied first, so a search starts from empty buffers either way.
    pub(super) fn cache(mut self) {
        self.path.clear();
        self.tasks.clear();
        self.footprints.clear();
        self.sleeps.clear();
        self.forest.clear();
        self.deferred.clear();
        self.lent_to.clear();
        self.regrow = None;
        self.seq.clear();
        self.removed.clear();
        self.clocks.clear();
        self.task_rows.clear();
        self.joins.clear();
        self.objects.clear();
        self.steps.clear();
        self.last_any.clear();
        self.last_global_step.clear();
        self.moves.clear();
        self.blocked.clear();
        self.held.clear();
        self.racing.clear();
        self.latest.clear();
        let _ = CACHED.try_with(|c| {
            if let Ok(mut c) = c.try_borrow_mut() {
                *c = Some(Box::new(self));
            }
        });
    }
}

/// A branch given to another unit of a pooled search.
#[derive(Clone, Copy)]
pub(super) struct Lent {
    pub(super) node: usize,
    pub(super) task: TaskId,
    pub(super) unit: u32,
    /// The footprint of its first step, as the wakeup tree had it: where
    /// the node's footprints are not known, a sequence that this branch
    /// starts is still seen to start with it (see `Dpor::first_start`).
    pub(super) footprint: Footprint,
}
