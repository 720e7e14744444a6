//! Seeded uniform random walk: at every step each enabled task, and at every
//! select each ready arm, is equally likely.

use super::{mix_seed, Strategy};
use crate::rt::TaskId;

pub(crate) struct RandomWalk {
    seed: u64,
    index: u64,
    iterations: u64,
    rng: fastrand::Rng,
}

impl RandomWalk {
    pub(crate) fn new(seed: u64, iterations: u64) -> RandomWalk {
        RandomWalk { seed, index: 0, iterations, rng: fastrand::Rng::with_seed(seed) }
    }
}

impl Strategy for RandomWalk {
    fn begin(&mut self) -> bool {
        if self.index >= self.iterations {
            return false;
        }
        self.rng.seed(mix_seed(self.seed, self.index));
        self.index += 1;
        true
    }

    fn pick_task(&mut self, enabled: &[TaskId], _current: TaskId, _step: u32) -> Result<TaskId, String> {
        Ok(enabled[self.rng.usize(..enabled.len())])
    }

    fn pick_arm(&mut self, ready: usize, _step: u32) -> Result<usize, String> {
        Ok(self.rng.usize(..ready))
    }
}
