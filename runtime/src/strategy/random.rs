//! Seeded uniform random walk: at every step each enabled task, and at every
//! select each ready arm, is equally likely.

use super::{mix_seed, Scheduler, Slice};
use crate::footprint::TaskId;

pub(crate) struct RandomWalk {
    seed: u64,
    slice: Slice,
    rng: fastrand::Rng,
    /// The first random word of the next pick, drawn before the enabled
    /// tasks are known (see [`predraw`](Self::predraw)).
    drawn: Option<u64>,
}

impl RandomWalk {
    pub(crate) fn new(seed: u64, slice: Slice) -> RandomWalk {
        RandomWalk { seed, slice, rng: fastrand::Rng::with_seed(seed), drawn: None }
    }

    /// Draws the first random word of the next pick now, while the
    /// scheduler lists the enabled tasks. The words drawn and their order
    /// are those of drawing at the pick.
    // The pick then waits on one multiplication, not on the generator too,
    // before the branch on which task runs, which the processor cannot
    // predict.
    #[inline]
    pub(crate) fn predraw(&mut self) {
        if self.drawn.is_none() {
            self.drawn = Some(self.rng.u64(..));
        }
    }

    /// A uniformly chosen task of `enabled`.
    #[inline]
    pub(crate) fn pick(&mut self, enabled: &[TaskId]) -> TaskId {
        enabled[self.below(enabled.len())]
    }

    /// A uniform number below `n`: `fastrand`'s `usize(..n)` (Lemire's
    /// multiply and reject), with its first word drawn early if it was.
    #[inline]
    fn below(&mut self, n: usize) -> usize {
        let n = n as u64;
        let first = self.drawn.take().unwrap_or_else(|| self.rng.u64(..));
        let mut m = u128::from(first) * u128::from(n);
        if (m as u64) < n {
            let threshold = n.wrapping_neg() % n;
            while (m as u64) < threshold {
                m = u128::from(self.rng.u64(..)) * u128::from(n);
            }
        }
        (m >> 64) as usize
    }

    /// Starts execution number `index` of the whole exploration.
    pub(crate) fn begin_at(&mut self, index: u64) {
        self.rng.seed(mix_seed(self.seed, index));
        self.drawn = None;
    }
}

impl Scheduler for RandomWalk {
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
        Ok(self.below(ready))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_are_fastrands_whether_drawn_early_or_not() {
        for seed in 0..200 {
            let mut reference = fastrand::Rng::with_seed(seed);
            let mut walk = RandomWalk::new(seed, Slice::all(1));
            for k in 0..500usize {
                let n = 1 + (k * 7 + seed as usize) % 9;
                let n = if k % 50 == 0 { usize::MAX / 3 } else { n };
                if k % 3 == 0 {
                    walk.predraw();
                }
                assert_eq!(walk.below(n), reference.usize(..n), "seed {seed}, draw {k}, n {n}");
            }
        }
    }
}
