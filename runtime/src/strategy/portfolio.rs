//! PCT with depth 3 interleaved with a random walk (the parallel phases of
//! the default strategy, `Strategy::Portfolio`), so both
//! shallow-but-wide and deep-but-narrow bugs are found without tuning.

use super::{Pct, RandomWalk, Scheduler, Slice};
use crate::footprint::TaskId;

pub(crate) struct Portfolio {
    pct: Pct,
    random: RandomWalk,
    use_pct: bool,
    slice: Slice,
}

impl Portfolio {
    pub(crate) fn new(seed: u64, slice: Slice) -> Portfolio {
        Portfolio {
            pct: Pct::new(3, seed, slice),
            random: RandomWalk::new(seed ^ 0x5DEE_CE66_D1CE_4E5B, slice),
            use_pct: false,
            slice,
        }
    }

    fn active(&mut self) -> &mut dyn Scheduler {
        if self.use_pct {
            &mut self.pct
        } else {
            &mut self.random
        }
    }
}

impl Scheduler for Portfolio {
    fn begin(&mut self) -> bool {
        let Some(index) = self.slice.next() else {
            return false;
        };
        self.use_pct = index % 2 == 0;
        if self.use_pct {
            self.pct.begin_at(index);
        } else {
            self.random.begin_at(index);
        }
        true
    }

    fn execution_index(&self) -> u64 {
        self.slice.current()
    }

    fn pick_task(&mut self, enabled: &[TaskId], current: TaskId, step: u32) -> Result<TaskId, String> {
        self.active().pick_task(enabled, current, step)
    }

    fn pick_arm(&mut self, ready: usize, step: u32) -> Result<usize, String> {
        self.active().pick_arm(ready, step)
    }

    fn on_spawn(&mut self, task: TaskId) {
        self.active().on_spawn(task)
    }

    fn on_yield(&mut self, task: TaskId) {
        self.active().on_yield(task)
    }

    fn on_blocking_wait(&mut self, task: TaskId) {
        self.active().on_blocking_wait(task)
    }

    fn end(&mut self, steps: u32) -> Result<(), String> {
        self.active().end(steps)
    }
}
