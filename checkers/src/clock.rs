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

/// The smallest width of [`ClockRows`], and what every width is a
/// multiple of.
const LANES: usize = 8;

/// Many vector clocks of one width side by side in one buffer, each a
/// row named by its index.
///
/// For a search that makes a clock per step: adding a row allocates
/// nothing once the buffer has grown, and joins run over a short fixed
/// width. The width grows (in powers of two) when a task beyond it gets a
/// time, which re-lays every row; entries beyond a row's task are 0.
#[derive(Clone, Debug, Default)]
pub struct ClockRows {
    /// A multiple of [`LANES`] (or 0 before the first row).
    width: usize,
    times: Vec<u32>,
}

impl ClockRows {
    /// The number of rows.
    pub fn len(&self) -> usize {
        self.times.len().checked_div(self.width).unwrap_or(0)
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    /// Drops every row, keeping the buffer and the width.
    pub fn clear(&mut self) {
        self.times.clear();
    }

    /// Makes room for `task`'s time in every row.
    #[inline]
    pub fn fit(&mut self, task: usize) {
        if task >= self.width {
            self.widen(task);
        }
    }

    /// Drops every row and the width, keeping the buffer.
    pub fn reset(&mut self) {
        self.times.clear();
        self.width = 0;
    }

    #[cold]
    fn widen(&mut self, task: usize) {
        // Rows are rarely re-laid: a width of 8 covers most tests.
        let width = (task + 1).next_power_of_two().max(LANES);
        let (rows, old) = (self.len(), self.width);
        // In place, keeping the buffer: rows move from the last one down,
        // so none is overwritten before it moved.
        self.times.resize(rows * width, 0);
        for r in (0..rows).rev() {
            self.times.copy_within(r * old..(r + 1) * old, r * width);
            self.times[r * width + old..(r + 1) * width].fill(0);
        }
        self.width = width;
    }

    /// Adds a row of zeros and returns its index.
    pub fn push_zero(&mut self) -> usize {
        self.fit(0);
        let row = self.len();
        self.times.resize(self.times.len() + self.width, 0);
        row
    }

    /// Adds a row with these times (the tasks' in order) and returns its
    /// index.
    pub fn push_times(&mut self, times: &[u32]) -> usize {
        self.fit(times.len().saturating_sub(1));
        let row = self.push_zero();
        let start = row * self.width;
        self.times[start..start + times.len()].copy_from_slice(times);
        row
    }

    /// Adds a copy of row `from` and returns its index.
    pub fn push_copy(&mut self, from: usize) -> usize {
        let row = self.len();
        let start = from * self.width;
        self.times.extend_from_within(start..start + self.width);
        row
    }

    /// The time of `task` in row `row`.
    #[inline]
    pub fn get(&self, row: usize, task: usize) -> u32 {
        if task < self.width {
            self.times[row * self.width + task]
        } else {
            0
        }
    }

    /// Row `row`'s times, as many as the width.
    pub fn row(&self, row: usize) -> &[u32] {
        &self.times[row * self.width..(row + 1) * self.width]
    }

    /// Advances `task`'s time in row `row`.
    pub fn tick(&mut self, row: usize, task: usize) {
        self.fit(task);
        self.times[row * self.width + task] += 1;
    }

    /// Row `into` becomes the pointwise maximum of itself and row `from`.
    #[inline]
    pub fn join(&mut self, into: usize, from: usize) {
        let w = self.width;
        // Blocks of a fixed size (widths are multiples of it), each a few
        // vector instructions.
        for b in (0..w).step_by(LANES) {
            let theirs = self.block(from * w + b);
            let mine: &mut [u32; LANES] =
                (&mut self.times[into * w + b..into * w + b + LANES]).try_into().expect("a block");
            for k in 0..LANES {
                mine[k] = mine[k].max(theirs[k]);
            }
        }
    }

    /// Row `into` becomes a copy of row `from`.
    #[inline]
    pub fn copy(&mut self, into: usize, from: usize) {
        let w = self.width;
        for b in (0..w).step_by(LANES) {
            let theirs = self.block(from * w + b);
            self.times[into * w + b..into * w + b + LANES].copy_from_slice(&theirs);
        }
    }

    /// The block of times starting at `at`.
    #[inline(always)]
    fn block(&self, at: usize) -> [u32; LANES] {
        self.times[at..at + LANES].try_into().expect("a block")
    }

    /// Row `row` back to all zeros.
    pub fn zero(&mut self, row: usize) {
        let w = self.width;
        self.times[row * w..(row + 1) * w].fill(0);
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

    #[test]
    fn rows_join_copy_and_widen() {
        let mut rows = ClockRows::default();
        assert!(rows.is_empty());
        let a = rows.push_zero();
        let b = rows.push_zero();
        rows.tick(a, 0);
        rows.tick(a, 0);
        rows.tick(b, 1);
        rows.join(b, a);
        assert_eq!((rows.get(b, 0), rows.get(b, 1)), (2, 1));
        assert_eq!(rows.get(a, 1), 0);
        let c = rows.push_copy(b);
        // Task 20 is beyond the first width: every row is re-laid and
        // keeps its times.
        rows.tick(c, 20);
        assert_eq!(rows.len(), 3);
        assert_eq!((rows.get(c, 0), rows.get(c, 1), rows.get(c, 20)), (2, 1, 1));
        assert_eq!((rows.get(b, 0), rows.get(b, 20), rows.get(b, 1000)), (2, 0, 0));
        rows.join(a, c);
        assert_eq!(rows.get(a, 20), 1);
        rows.copy(b, a);
        assert_eq!(rows.row(b), rows.row(a));
        rows.zero(a);
        assert!(rows.row(a).iter().all(|&t| t == 0));
        assert_eq!(rows.get(b, 20), 1);
        rows.clear();
        assert_eq!(rows.len(), 0);
        // After a reset the width starts over: rows are narrow again.
        rows.reset();
        let d = rows.push_zero();
        rows.tick(d, 3);
        assert_eq!((rows.row(d).len(), rows.get(d, 3), rows.get(d, 20)), (8, 1, 0));
    }
}
