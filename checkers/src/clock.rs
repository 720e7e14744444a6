//! Vector clocks.

/// A vector clock: one logical time per task, indexed by task id. Missing
/// entries are 0.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Clock {
    times: Vec<u32>,
}

impl Clock {
    /// The time of `task`.
    #[inline]
    pub fn get(&self, task: usize) -> u32 {
        self.times.get(task).copied().unwrap_or(0)
    }

    /// Sets the time of `task`.
    pub fn set(&mut self, task: usize, time: u32) {
        if self.times.len() <= task {
            self.times.resize(task + 1, 0);
        }
        self.times[task] = time;
    }

    /// Advances `task`'s own time.
    pub fn tick(&mut self, task: usize) {
        let t = self.get(task);
        self.set(task, t + 1);
    }

    /// Pointwise maximum with `other`.
    pub fn join(&mut self, other: &Clock) {
        if self.times.len() < other.times.len() {
            self.times.resize(other.times.len(), 0);
        }
        for (mine, theirs) in self.times.iter_mut().zip(&other.times) {
            *mine = (*mine).max(*theirs);
        }
    }

    /// Whether every entry is at most `other`'s (self happens before or
    /// equals `other`).
    pub fn le(&self, other: &Clock) -> bool {
        self.times.iter().enumerate().all(|(t, &v)| v <= other.get(t))
    }

    /// Back to all zeros, keeping the allocation.
    pub fn clear(&mut self) {
        self.times.clear();
    }

    /// Makes this a copy of `other`, reusing the allocation.
    pub fn copy_from(&mut self, other: &Clock) {
        self.times.clear();
        self.times.extend_from_slice(&other.times);
    }

    /// The tasks with a non-zero time and their times.
    pub fn entries(&self) -> impl Iterator<Item = (usize, u32)> + '_ {
        self.times.iter().enumerate().filter(|(_, &v)| v > 0).map(|(t, &v)| (t, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_and_order() {
        let mut a = Clock::default();
        a.set(0, 2);
        let mut b = Clock::default();
        b.set(1, 3);
        assert!(!a.le(&b) && !b.le(&a));
        b.join(&a);
        assert!(a.le(&b));
        assert_eq!(b.get(0), 2);
        assert_eq!(b.get(1), 3);
        assert_eq!(b.get(7), 0);
        b.tick(1);
        assert_eq!(b.get(1), 4);
        assert_eq!(b.entries().collect::<Vec<_>>(), vec![(0, 2), (1, 4)]);
    }
}
