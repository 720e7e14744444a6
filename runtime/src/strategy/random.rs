//! Seeded uniform random walk: at every step each enabled task, and at every
//! select each ready arm, is equally likely.

use super::{mix_seed, Slice, Strategy};
use crate::rt::TaskId;

pub(crate) struct RandomWalk {
    seed: u64,
    slice: Slice,
    rng: fastrand::Rng,
}

impl RandomWalk {
    pub(crate) fn new(seed: u64, slice: Slice) -> RandomWalk {
        RandomWalk { seed, slice, rng: fastrand::Rng::with_seed(seed) }
    }

    /// A uniformly chosen task of `enabled`.
    #[inline]
    pub(crate) fn pick(&mut self, enabled: &[TaskId]) -> TaskId {
        enabled[self.rng.usize(..enabled.len())]
    }

    /// Starts execution number `index` of the whole exploration.
    pub(crate) fn begin_at(&mut self, index: u64) {
        self.rng.seed(mix_seed(self.seed, index));
    }
}

impl Strategy for RandomWalk {
    fn begin(&mut self) -> bool {
        match self.slice.next() {
            Some(index) => {
                self.begin_at(index);
                true
            }
            None => false,
        }
    }

    fn execution_index(&self) -> u64 {
        self.slice.current()
    }

    fn pick_task(&mut self, enabled: &[TaskId], _current: TaskId, _step: u32) -> Result<TaskId, String> {
        Ok(self.pick(enabled))
    }

    fn pick_arm(&mut self, ready: usize, _step: u32) -> Result<usize, String> {
        Ok(self.rng.usize(..ready))
    }
}
