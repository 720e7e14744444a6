//! Follows a minimization candidate, then continues without preemption.
//!
//! Schedule minimization (see `crate::minimize`) replays variations of a
//! failing execution. A variation is either a prefix of recorded choices,
//! followed exactly, or a list of [`Block`]s: "task `t` takes its next `n`
//! steps", followed leniently (a block whose task cannot run waits; a timer
//! block with no timer pending is skipped), so that moving steps from one
//! block to another still describes an execution. When the plan runs out,
//! the current task keeps running while it can: the continuation adds no
//! preemption of its own. Every pick is recorded, so the minimizer can
//! count the execution's preemptions and cut it into blocks again.

use std::cell::RefCell;
use std::rc::Rc;

use super::{Scheduler, FIRE};
use crate::footprint::TaskId;
use crate::schedule::Choice;

/// True when picking `picked` at a step whose previous step ran `current`
/// is a preemptive context switch: another move (a task, or a timer firing
/// early) while `current` could have run on. A switch away from a task that
/// is blocked or finished is not preemptive; a switch after `yield_now` is
/// (the yielding task could have run on; the hint only steers the
/// continuation of a guided execution).
pub(crate) fn is_preemption(enabled: &[TaskId], current: TaskId, picked: TaskId) -> bool {
    picked != current && enabled.contains(&current)
}

/// A stretch of consecutive steps that make the same move: `task` (or
/// [`FIRE`]) picked `count` times in a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Block {
    pub(crate) task: TaskId,
    pub(crate) count: u32,
}

/// What a guided execution follows.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Plan {
    /// Recorded choices, followed exactly as a replay does (a choice that
    /// cannot be made is a divergence).
    Choices(Vec<Choice>),
    /// Blocks of steps, followed leniently; `arms[t]` are the arms task `t`
    /// picks at its selects with several ready arms, in order.
    Blocks { blocks: Vec<Block>, arms: Vec<Vec<usize>> },
}

/// What a guided execution did: one entry per step the strategy picked
/// (forced timer firings, when no task can run, are not picks).
#[derive(Clone, Debug, Default)]
pub(crate) struct Record {
    /// The move of each pick and whether it was a preemption.
    pub(crate) picks: Vec<(TaskId, bool)>,
    /// The select arms picked where several were ready, in order.
    pub(crate) arm_log: Vec<ArmPick>,
    /// The picks that had alternatives: the index of the pick and the
    /// other moves enabled there.
    pub(crate) others: Vec<(usize, Vec<TaskId>)>,
}

/// One select arm picked among several ready ones.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ArmPick {
    /// The selecting task.
    pub(crate) task: TaskId,
    pub(crate) arm: usize,
    pub(crate) ready: usize,
    /// The picks made before it.
    pub(crate) after: usize,
}

/// Per task, the arms of `log` in order: what [`Plan::Blocks`] follows.
pub(crate) fn arms_by_task(log: &[ArmPick]) -> Vec<Vec<usize>> {
    let mut arms: Vec<Vec<usize>> = Vec::new();
    for a in log {
        if arms.len() <= a.task {
            arms.resize_with(a.task + 1, Vec::new);
        }
        arms[a.task].push(a.arm);
    }
    arms
}

impl Record {
    /// The number of preemptive context switches.
    pub(crate) fn preemptions(&self) -> usize {
        self.picks.iter().filter(|p| p.1).count()
    }

    /// The picks as blocks of equal consecutive moves.
    pub(crate) fn blocks(&self) -> Vec<Block> {
        self.blocks_upto(self.picks.len())
    }

    /// The first `picks` picks as blocks.
    pub(crate) fn blocks_upto(&self, picks: usize) -> Vec<Block> {
        self.blocks_of(0..picks)
    }

    /// The picks in `range` as blocks.
    pub(crate) fn blocks_of(&self, range: std::ops::Range<usize>) -> Vec<Block> {
        let mut blocks: Vec<Block> = Vec::new();
        for &(task, _) in &self.picks[range] {
            match blocks.last_mut() {
                Some(b) if b.task == task => b.count += 1,
                _ => blocks.push(Block { task, count: 1 }),
            }
        }
        blocks
    }
}

/// The guided strategy: one execution per instance.
pub(crate) struct Guided {
    plan: Plan,
    /// Choices plan: the next choice to follow.
    next_choice: usize,
    /// Blocks plan: the block being followed and the steps taken in it.
    block: usize,
    used: u32,
    /// Per task, the arm choices it has consumed.
    arms_used: Vec<usize>,
    /// The task picked last, and whether it yielded in that step.
    last: TaskId,
    yielded: bool,
    begun: bool,
    record: Rc<RefCell<Record>>,
}

impl Guided {
    pub(crate) fn new(plan: Plan, record: Rc<RefCell<Record>>) -> Guided {
        Guided {
            plan,
            next_choice: 0,
            block: 0,
            used: 0,
            arms_used: Vec::new(),
            last: 0,
            yielded: false,
            begun: false,
            record,
        }
    }

    /// The move that adds no preemption: the current task while it can
    /// run (unless it just yielded), otherwise the next runnable task the
    /// plan names, otherwise the runnable task with the lowest id (after a
    /// yield: the next one after `current`, round robin). Never an early
    /// timer firing.
    fn continuation(&self, enabled: &[TaskId], current: TaskId) -> TaskId {
        let tasks = || enabled.iter().copied().filter(|&t| t != FIRE);
        if !self.yielded && enabled.contains(&current) {
            return current;
        }
        if let Plan::Blocks { blocks, .. } = &self.plan {
            let planned = blocks.iter().skip(self.block).map(|b| b.task);
            if let Some(t) = planned.filter(|&t| t != FIRE && t != current).find(|t| enabled.contains(t)) {
                return t;
            }
        }
        // After a yield, round robin from the yielding task, so a spin loop
        // lets the task it waits for run.
        let after = if self.yielded { tasks().find(|&t| t > current) } else { None };
        after.or_else(|| tasks().next()).unwrap_or(enabled[0])
    }

    fn follow_blocks(&mut self, enabled: &[TaskId], current: TaskId) -> TaskId {
        loop {
            let Plan::Blocks { blocks, .. } = &self.plan else { unreachable!() };
            let Some(&block) = blocks.get(self.block) else {
                return self.continuation(enabled, current);
            };
            if self.used >= block.count {
                self.block += 1;
                self.used = 0;
                continue;
            }
            if enabled.contains(&block.task) {
                self.used += 1;
                return block.task;
            }
            if block.task == FIRE {
                // No timer is pending here any more: this firing is gone.
                self.block += 1;
                self.used = 0;
                continue;
            }
            // The block's task cannot run yet: someone else must act first.
            return self.continuation(enabled, current);
        }
    }
}

impl Scheduler for Guided {
    fn begin(&mut self) -> bool {
        !std::mem::replace(&mut self.begun, true)
    }

    fn pick_task(&mut self, enabled: &[TaskId], current: TaskId, step: u32) -> Result<TaskId, String> {
        let picked = match &self.plan {
            Plan::Choices(choices) => {
                if enabled.len() == 1 {
                    enabled[0]
                } else {
                    match choices.get(self.next_choice) {
                        None => self.continuation(enabled, current),
                        Some(&c) => {
                            self.next_choice += 1;
                            match c {
                                Choice::Task(t) if enabled.contains(&t) => t,
                                Choice::Fire if enabled.contains(&FIRE) => FIRE,
                                _ => return Err(format!("the candidate diverged at step {step}")),
                            }
                        }
                    }
                }
            }
            Plan::Blocks { .. } => self.follow_blocks(enabled, current),
        };
        let mut record = self.record.borrow_mut();
        if enabled.len() > 1 {
            let others = enabled.iter().copied().filter(|&t| t != picked).collect();
            let at = record.picks.len();
            record.others.push((at, others));
        }
        record.picks.push((picked, is_preemption(enabled, current, picked)));
        drop(record);
        if picked != FIRE {
            self.last = picked;
            self.yielded = false;
        }
        Ok(picked)
    }

    fn pick_arm(&mut self, ready: usize, step: u32) -> Result<usize, String> {
        let task = self.last;
        let arm = match &self.plan {
            Plan::Choices(choices) => match choices.get(self.next_choice) {
                None => 0,
                Some(&c) => {
                    self.next_choice += 1;
                    match c {
                        Choice::Arm(a) if a < ready => a,
                        _ => return Err(format!("the candidate diverged at step {step}")),
                    }
                }
            },
            Plan::Blocks { arms, .. } => {
                if self.arms_used.len() <= task {
                    self.arms_used.resize(task + 1, 0);
                }
                let k = self.arms_used[task];
                self.arms_used[task] += 1;
                arms.get(task).and_then(|a| a.get(k)).copied().filter(|&a| a < ready).unwrap_or(0)
            }
        };
        let mut record = self.record.borrow_mut();
        let after = record.picks.len();
        record.arm_log.push(ArmPick { task, arm, ready, after });
        Ok(arm)
    }

    fn on_yield(&mut self, task: TaskId) {
        if task == self.last {
            self.yielded = true;
        }
    }

    fn execution_index(&self) -> u64 {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preemption_needs_the_previous_task_enabled() {
        assert!(is_preemption(&[0, 1], 0, 1));
        assert!(is_preemption(&[0, 1, FIRE], 0, FIRE));
        assert!(!is_preemption(&[0, 1], 0, 0));
        assert!(!is_preemption(&[1, 2], 0, 1), "task 0 is blocked: not a preemption");
    }

    #[test]
    fn blocks_follow_leniently_and_continue_without_preemption() {
        let record = Rc::new(RefCell::new(Record::default()));
        let plan = Plan::Blocks {
            blocks: vec![
                Block { task: 0, count: 1 },
                Block { task: FIRE, count: 1 },
                Block { task: 1, count: 2 },
            ],
            arms: Vec::new(),
        };
        let mut g = Guided::new(plan, record.clone());
        assert!(g.begin());
        assert!(!g.begin(), "one execution per instance");
        assert_eq!(g.pick_task(&[0, 1], 0, 1), Ok(0));
        // No timer is pending: the FIRE block is skipped.
        assert_eq!(g.pick_task(&[0, 1], 0, 2), Ok(1));
        // Task 1 is blocked: task 0 runs on, the block waits.
        assert_eq!(g.pick_task(&[0], 1, 3), Ok(0));
        assert_eq!(g.pick_task(&[0, 1], 0, 4), Ok(1));
        // The plan is used up: task 1 keeps running.
        assert_eq!(g.pick_task(&[0, 1], 1, 5), Ok(1));
        let r = record.borrow();
        assert_eq!(r.preemptions(), 2);
        assert_eq!(r.blocks().len(), 4);
    }
}
