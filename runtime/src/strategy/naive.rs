//! Naive depth-first enumeration of every choice, optionally bounded in
//! preemptions (Musuvathi & Qadeer, PLDI 2007). Good enough to exhaust tiny
//! programs. Kept as the reference that DPOR is checked against.
//!
//! The tree is kept as the path of the current execution: for each choice
//! point with alternatives, the index taken and how many there were. The
//! next execution replays the prefix up to the deepest point with an
//! untried alternative and takes that alternative.

use super::{Scheduler, FIRE};
use crate::footprint::TaskId;

pub(crate) struct NaiveDfs {
    preemption_bound: Option<usize>,
    timer_bound: usize,
    firings: usize,
    options: Vec<TaskId>,
    path: Vec<(usize, usize)>,
    depth: usize,
    preemptions: usize,
    started: bool,
    exhausted: bool,
    iterations: u64,
    executions: u64,
    /// Some choice was cut by the preemption bound: exhaustion holds only
    /// up to the bound.
    pub(crate) bounded: bool,
}

impl NaiveDfs {
    pub(crate) fn new(preemption_bound: Option<usize>, timer_bound: usize, iterations: u64) -> NaiveDfs {
        NaiveDfs {
            preemption_bound,
            timer_bound,
            firings: 0,
            options: Vec::new(),
            path: Vec::new(),
            depth: 0,
            preemptions: 0,
            started: false,
            exhausted: false,
            iterations,
            executions: 0,
            bounded: false,
        }
    }

    /// Picks an index in `0..options` at the current depth.
    fn choose(&mut self, options: usize) -> usize {
        let pick = if self.depth < self.path.len() {
            debug_assert_eq!(self.path[self.depth].1, options, "nondeterministic program under dfs");
            self.path[self.depth].0
        } else {
            self.path.push((0, options));
            0
        };
        self.depth += 1;
        pick
    }
}

impl Scheduler for NaiveDfs {
    fn begin(&mut self) -> bool {
        if self.executions >= self.iterations {
            return false;
        }
        if self.started {
            // Backtrack to the deepest choice point with an untried option.
            while let Some(&(taken, options)) = self.path.last() {
                if taken + 1 < options {
                    break;
                }
                self.path.pop();
            }
            match self.path.last_mut() {
                Some(last) => last.0 += 1,
                None => {
                    self.exhausted = true;
                    return false;
                }
            }
        }
        self.started = true;
        self.executions += 1;
        self.depth = 0;
        self.preemptions = 0;
        self.firings = 0;
        true
    }

    fn pick_task(&mut self, enabled: &[TaskId], current: TaskId, _step: u32) -> Result<TaskId, String> {
        // Firing a timer early counts against the timer bound, so a ticker
        // does not make the tree infinite.
        let mut options = std::mem::take(&mut self.options);
        options.clear();
        options.extend(enabled.iter().copied().filter(|&t| t != FIRE || self.firings < self.timer_bound));
        if options.len() < enabled.len() {
            self.bounded = true;
        }
        let current_enabled = options.contains(&current);
        let at_bound = self.preemption_bound.is_some_and(|b| self.preemptions >= b);
        let pick = if options.len() == 1 {
            options[0]
        } else if current_enabled && at_bound {
            self.bounded = true;
            current
        } else {
            // Index 0 continues the current task: the first path explored
            // is the one without preemptions.
            let index = self.choose(options.len());
            if current_enabled {
                if index == 0 {
                    current
                } else {
                    *options.iter().filter(|&&t| t != current).nth(index - 1).expect("index in range")
                }
            } else {
                options[index]
            }
        };
        if pick == FIRE {
            self.firings += 1;
        } else if current_enabled && pick != current {
            self.preemptions += 1;
        }
        self.options = options;
        Ok(pick)
    }

    fn pick_arm(&mut self, ready: usize, _step: u32) -> Result<usize, String> {
        Ok(self.choose(ready))
    }

    fn execution_index(&self) -> u64 {
        self.executions.saturating_sub(1)
    }

    fn exhausted(&self) -> bool {
        self.exhausted && !self.bounded
    }
}
