//! Exploration strategies behind one small trait.
//!
//! A strategy starts executions (or says the exploration is complete) and
//! picks among the enabled moves at each step: which task runs, and which
//! ready arm of a `select!` fires. [`Chooser`] wraps the active strategy,
//! records every choice that had alternatives into the execution's
//! [`Schedule`], and is what the engine talks to.

mod dpor;
mod guided;
mod naive;
mod pct;
mod portfolio;
mod random;
mod replay;

pub(crate) use dpor::Dpor;
pub(crate) use guided::{arms_by_task, is_preemption, ArmPick, Block, Guided, Plan, Record};
pub(crate) use naive::NaiveDfs;
pub(crate) use pct::Pct;
pub(crate) use portfolio::Portfolio;
pub(crate) use random::RandomWalk;
pub(crate) use replay::Replay;

use crate::rt::{Footprint, TaskId};
use crate::schedule::{Choice, Schedule};

/// The move "fire the earliest pending timer", listed after the enabled
/// tasks when a timer is pending.
pub(crate) const FIRE: TaskId = usize::MAX;

/// What a strategy picks to end a redundant execution early (exhaustive
/// search whose remaining moves were all explored already).
pub(crate) const PRUNED: TaskId = usize::MAX - 1;

/// The moves a strategy asks to see before a choice.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Moves {
    None,
    /// The next operations of the waiting tasks that are not enabled.
    Blocked,
    /// Every waiting task's next operation, and the timer move.
    All,
}

/// One exploration strategy.
pub(crate) trait Strategy {
    /// Prepares the next execution; `false` when the exploration is complete.
    fn begin(&mut self) -> bool;
    /// Picks the task for the next step among `enabled` (sorted by id, at
    /// least one, possibly ending with [`FIRE`]). `current` is the task that
    /// ran the previous step.
    fn pick_task(&mut self, enabled: &[TaskId], current: TaskId, step: u32) -> Result<TaskId, String>;
    /// Picks one of `ready` (at least two) select arms.
    fn pick_arm(&mut self, ready: usize, step: u32) -> Result<usize, String>;
    /// A task was created.
    fn on_spawn(&mut self, _task: TaskId) {}
    /// A task called `yield_now`.
    fn on_yield(&mut self, _task: TaskId) {}
    /// Whether [`after_step`](Self::after_step) and the `observe_*`
    /// methods are wanted (they cost a little).
    fn wants_footprints(&self) -> bool {
        false
    }
    /// Which moves [`observe_moves`](Self::observe_moves) is to show
    /// before the next [`pick_task`](Self::pick_task), when footprints are
    /// wanted: computing every task's next operation at every step would
    /// cost more than the rest of a step.
    fn wants_moves(&self) -> Moves {
        Moves::None
    }
    /// Before a choice: the moves asked for by
    /// [`wants_moves`](Self::wants_moves). The strategy may keep them,
    /// leaving another vector in their place (the caller clears it before
    /// filling it again): swapping costs less than copying.
    fn observe_moves(&mut self, _moves: &mut Vec<(TaskId, Footprint)>) {}
    /// A state with no choice to make: the execution ends with nothing
    /// enabled, or (`fires`) every task waits and the engine fires the
    /// earliest timer. The moves are as for
    /// [`observe_moves`](Self::observe_moves); they may race with steps
    /// taken before.
    fn observe_forced_moves(&mut self, _moves: &[(TaskId, Footprint)], _fires: bool) {}
    /// A step was taken by `task` (or [`FIRE`]); `touched` are the tasks it
    /// spawned, woke or completed.
    fn after_step(&mut self, _task: TaskId, _footprint: &Footprint, _touched: &[TaskId]) {}
    /// True when an exhaustive strategy covered its space up to its bounds.
    fn exhausted_within_bounds(&self) -> bool {
        self.exhausted()
    }
    /// The execution ended after `steps` steps; a replay checks that its
    /// schedule was used up.
    fn end(&mut self, _steps: u32) -> Result<(), String> {
        Ok(())
    }
    /// The index, in the whole exploration, of the execution begun last.
    fn execution_index(&self) -> u64;
    /// What it means when this strategy cannot follow its own choices: a
    /// replay token that no longer fits, by default.
    fn divergence(&self) -> crate::FailureKind {
        crate::FailureKind::Replay
    }
    /// True when an exhaustive strategy covered its whole space.
    fn exhausted(&self) -> bool {
        false
    }
}

/// The engine's handle on the strategy: picks and records.
pub(crate) struct Chooser {
    strategy: Box<dyn Strategy>,
    /// The random walk, when it is the strategy, held by type rather than
    /// behind `strategy` (then [`Idle`]): its pick, made at every step of
    /// the most common exploration, is then inlined instead of a virtual
    /// call returning a `Result`.
    walk: Option<RandomWalk>,
    schedule: Schedule,
}

/// A strategy that starts nothing: the placeholder an idle execution
/// shell holds between runs (a zero-sized box does not allocate).
struct Idle;

impl Strategy for Idle {
    fn begin(&mut self) -> bool {
        false
    }
    fn pick_task(&mut self, enabled: &[TaskId], _current: TaskId, _step: u32) -> Result<TaskId, String> {
        Ok(enabled[0])
    }
    fn pick_arm(&mut self, _ready: usize, _step: u32) -> Result<usize, String> {
        Ok(0)
    }
    fn execution_index(&self) -> u64 {
        0
    }
}

impl Chooser {
    pub(crate) fn new(strategy: Box<dyn Strategy>) -> Chooser {
        Chooser { strategy, walk: None, schedule: Schedule::default() }
    }

    /// A chooser for a random walk.
    pub(crate) fn random(walk: RandomWalk) -> Chooser {
        Chooser { strategy: Box::new(Idle), walk: Some(walk), schedule: Schedule::default() }
    }

    /// The strategy, wherever it is held.
    fn active(&mut self) -> &mut dyn Strategy {
        match &mut self.walk {
            Some(walk) => walk,
            None => &mut *self.strategy,
        }
    }

    fn active_ref(&self) -> &dyn Strategy {
        match &self.walk {
            Some(walk) => walk,
            None => &*self.strategy,
        }
    }

    pub(crate) fn idle() -> Chooser {
        Chooser::new(Box::new(Idle))
    }

    pub(crate) fn begin(&mut self) -> bool {
        self.schedule.clear();
        self.active().begin()
    }

    pub(crate) fn pick_task(
        &mut self,
        enabled: &[TaskId],
        current: TaskId,
        step: u32,
    ) -> Result<TaskId, String> {
        let t = match &mut self.walk {
            Some(walk) => walk.pick(enabled),
            None => self.strategy.pick_task(enabled, current, step)?,
        };
        if t == PRUNED {
            return Ok(t);
        }
        debug_assert!(enabled.contains(&t), "strategy picked a disabled task");
        if enabled.len() > 1 {
            self.schedule.push(if t == FIRE { Choice::Fire } else { Choice::Task(t) });
        }
        Ok(t)
    }

    /// Lets a random walk draw its next pick's first word early (see
    /// [`RandomWalk::predraw`]).
    #[inline]
    pub(crate) fn predraw(&mut self) {
        if let Some(walk) = &mut self.walk {
            walk.predraw();
        }
    }

    pub(crate) fn pick_arm(&mut self, ready: usize, step: u32) -> Result<usize, String> {
        if ready == 1 {
            return Ok(0);
        }
        let arm = self.active().pick_arm(ready, step)?;
        debug_assert!(arm < ready);
        self.schedule.push(Choice::Arm(arm));
        Ok(arm)
    }

    pub(crate) fn on_spawn(&mut self, task: TaskId) {
        self.active().on_spawn(task);
    }

    pub(crate) fn on_yield(&mut self, task: TaskId) {
        self.active().on_yield(task);
    }

    pub(crate) fn end(&mut self, steps: u32) -> Result<(), String> {
        self.active().end(steps)
    }

    pub(crate) fn exhausted(&self) -> bool {
        self.active_ref().exhausted()
    }

    pub(crate) fn exhausted_within_bounds(&self) -> bool {
        self.active_ref().exhausted_within_bounds()
    }

    pub(crate) fn wants_footprints(&self) -> bool {
        self.active_ref().wants_footprints()
    }

    pub(crate) fn wants_moves(&self) -> Moves {
        self.active_ref().wants_moves()
    }

    pub(crate) fn observe_moves(&mut self, moves: &mut Vec<(TaskId, Footprint)>) {
        self.active().observe_moves(moves);
    }

    pub(crate) fn observe_forced_moves(&mut self, moves: &[(TaskId, Footprint)], fires: bool) {
        self.active().observe_forced_moves(moves, fires);
    }

    pub(crate) fn after_step(&mut self, task: TaskId, footprint: &Footprint, touched: &[TaskId]) {
        self.active().after_step(task, footprint, touched);
    }

    pub(crate) fn execution_index(&self) -> u64 {
        self.active_ref().execution_index()
    }

    pub(crate) fn divergence(&self) -> crate::FailureKind {
        self.active_ref().divergence()
    }

    pub(crate) fn schedule(&self) -> &Schedule {
        &self.schedule
    }
}

/// SplitMix64: derives well-spread per-execution seeds from one user seed,
/// so execution `i` of seed `s` is the same whatever ran before it.
pub(crate) fn mix_seed(seed: u64, index: u64) -> u64 {
    let mut z = seed ^ index.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The executions of one worker: global indices `start`, `start + stride`,
/// ... below `end`. Threads and shards each take a slice, so each execution
/// of an exploration runs exactly once and is the same wherever it runs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Slice {
    next: u64,
    stride: u64,
    end: u64,
    current: u64,
}

impl Slice {
    pub(crate) fn new(start: u64, stride: u64, end: u64) -> Slice {
        Slice { next: start, stride: stride.max(1), end, current: 0 }
    }

    /// The first index, which is also the part number of a split search.
    pub(crate) fn start(&self) -> u64 {
        self.next
    }

    /// The distance between indices: the number of parts.
    pub(crate) fn stride(&self) -> u64 {
        self.stride
    }

    /// Every index below `end`.
    pub(crate) fn all(end: u64) -> Slice {
        Slice::new(0, 1, end)
    }

    fn next(&mut self) -> Option<u64> {
        if self.next >= self.end {
            return None;
        }
        self.current = self.next;
        self.next = self.next.saturating_add(self.stride);
        Some(self.current)
    }

    fn current(&self) -> u64 {
        self.current
    }
}
