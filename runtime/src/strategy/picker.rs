//! The engine's handle on the scheduler: it picks, and records the picks.

use super::{Moves, RandomWalk, Scheduler, FIRE, PRUNED};
use crate::footprint::{Footprint, TaskId};
use crate::schedule::{Choice, Schedule};

/// The engine's handle on the strategy: picks and records.
pub(crate) struct Picker {
    /// The scheduler, unless it is the random walk (then [`Idle`]).
    strategy: Box<dyn Scheduler>,
    /// The random walk, when it is the scheduler.
    // Held by type rather than behind `strategy`: its pick, made at every
    // step of the most common exploration, is then inlined instead of a
    // virtual call returning a `Result`.
    walk: Option<RandomWalk>,
    /// The choices of the current execution that had alternatives.
    schedule: Schedule,
}

/// A strategy that starts nothing: the placeholder an idle execution
/// shell holds between runs (a zero-sized box does not allocate).
struct Idle;

impl Scheduler for Idle {
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

impl Picker {
    pub(crate) fn new(strategy: Box<dyn Scheduler>) -> Picker {
        Picker { strategy, walk: None, schedule: Schedule::default() }
    }

    /// A picker for a random walk.
    pub(crate) fn random(walk: RandomWalk) -> Picker {
        Picker { strategy: Box::new(Idle), walk: Some(walk), schedule: Schedule::default() }
    }

    /// The strategy, wherever it is held.
    fn active(&mut self) -> &mut dyn Scheduler {
        match &mut self.walk {
            Some(walk) => walk,
            None => &mut *self.strategy,
        }
    }

    fn active_ref(&self) -> &dyn Scheduler {
        match &self.walk {
            Some(walk) => walk,
            None => &*self.strategy,
        }
    }

    pub(crate) fn idle() -> Picker {
        Picker::new(Box::new(Idle))
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

    pub(crate) fn on_blocking_wait(&mut self, task: TaskId) {
        self.active().on_blocking_wait(task);
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

    pub(crate) fn stop(&mut self) {
        self.active().stop();
    }

    pub(crate) fn after_join(&mut self, task: TaskId, target: TaskId) {
        self.active().after_join(task, target);
    }

    pub(crate) fn after_step(&mut self, task: TaskId, footprint: &Footprint, touched: &[TaskId]) {
        self.active().after_step(task, footprint, touched);
    }

    pub(crate) fn execution_index(&self) -> u64 {
        self.active_ref().execution_index()
    }

    pub(crate) fn divergence(&self) -> crate::failure::FailureKind {
        self.active_ref().divergence()
    }

    pub(crate) fn explored_part(&self) -> Option<f64> {
        self.active_ref().explored_part()
    }

    pub(crate) fn schedule(&self) -> &Schedule {
        &self.schedule
    }
}
