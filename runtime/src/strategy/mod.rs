//! Exploration strategies behind one small trait, [`Scheduler`], one file
//! per strategy.
//!
//! A scheduler starts executions (or says the exploration is complete) and
//! picks among the enabled moves at each step: which task runs, and which
//! ready arm of a `select!` fires. [`Picker`] wraps the active scheduler,
//! records every choice that had alternatives into the execution's
//! [`Schedule`](crate::schedule::Schedule), and is what the engine talks
//! to. `random` is the uniform random walk, `pct` probabilistic
//! concurrency testing, `portfolio` the two interleaved (the parallel
//! phases of the default strategy), `dpor` exhaustive search with
//! partial-order reduction and `naive` without it (the reference DPOR is
//! tested against), `replay` follows a token, and `guided` follows a plan
//! of blocks (schedule minimization).

mod dpor;
mod guided;
mod naive;
mod pct;
mod picker;
mod portfolio;
mod random;
mod replay;

pub(crate) use dpor::{Dpor, Pool};
pub(crate) use guided::{arms_by_task, is_preemption, ArmPick, Block, Guided, Plan, Record};
pub(crate) use naive::NaiveDfs;
pub(crate) use pct::Pct;
pub(crate) use picker::Picker;
pub(crate) use portfolio::Portfolio;
pub(crate) use random::RandomWalk;
pub(crate) use replay::Replay;

use crate::footprint::{Footprint, TaskId};

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
pub(crate) trait Scheduler {
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
    /// An enabled task is at a WaitGroup `wait` that would block (told
    /// before [`pick_task`](Self::pick_task), to strategies that want
    /// footprints).
    fn on_blocking_wait(&mut self, _task: TaskId) {}
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
    /// The worker stops before the strategy is done (a failure was found,
    /// or time ran out): a strategy shared with other workers tells them.
    fn stop(&mut self) {}
    /// The step `task` is taking (reported next by
    /// [`after_step`](Self::after_step)) joins finished task `target`: it
    /// comes after all of `target`'s steps.
    fn after_join(&mut self, _task: TaskId, _target: TaskId) {}
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
    fn divergence(&self) -> crate::failure::FailureKind {
        crate::failure::FailureKind::Replay
    }
    /// True when an exhaustive strategy covered its whole space.
    fn exhausted(&self) -> bool {
        false
    }
    /// For an exhaustive strategy, an estimate of the part of its tree
    /// explored so far, from 0 to 1 (for the progress line).
    fn explored_part(&self) -> Option<f64> {
        None
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
