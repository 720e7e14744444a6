//! Probabilistic Concurrency Testing (Burckhardt, Kothari, Musuvathi,
//! Nagarakatte, ASPLOS 2010).
//!
//! Each task gets a distinct random priority above `depth`; the enabled task
//! with the highest priority always runs. `depth - 1` change points, drawn
//! uniformly among the choice points of an execution, each lower the
//! priority of the task running at that step to a value below every initial
//! one. A bug of depth `d` among `n` tasks and `k` steps is then found by one execution
//! with probability at least `1 / (n k^(d-1))`. `k` is learned: the most
//! choice points (steps where two or more moves were enabled) of an
//! execution so far; the first execution runs unperturbed to learn it.
//! Change points are distinct and never at the first choice point, where a
//! demotion would only stand for another random initial order.

use super::{mix_seed, Scheduler, Slice, FIRE};
use crate::footprint::TaskId;

pub(crate) struct Pct {
    depth: usize,
    seed: u64,
    slice: Slice,
    rng: fastrand::Rng,
    /// Priority per task id; higher runs first.
    priorities: Vec<i64>,
    /// The next priority for a task that yields: below every other.
    yield_floor: i64,
    /// The priority of the "fire a timer" move, drawn like a task's.
    timer_priority: i64,
    /// Choice points (steps with two or more enabled moves) so far in this
    /// execution: change points are placed among them, as a step with a
    /// single enabled task cannot reorder anything.
    choices: u32,
    /// Steps at which the running task is demoted, sorted, with the
    /// priority it gets.
    change_points: Vec<(u32, i64)>,
    /// The first change point not yet reached.
    next_change: usize,
    max_steps_seen: u32,
    /// Per task, the choice points since it last ran at which it was
    /// enabled and not picked: see [`STARVATION_BOUND`].
    passed_over: Vec<u32>,
    /// The same for the timer move.
    timer_passed_over: u32,
}

/// Choice points at which a task may be passed over before it runs anyway.
/// Strict priorities starve a low task forever when higher ones never block
/// (two tasks handing values back and forth until the body stops them, or
/// one re-taking a lock another waits for), which no fair scheduler such as
/// Go's would do: the execution would end as a false `Nontermination`. Bugs of small depth
/// need far fewer choice points than this, so PCT's guarantee is kept.
const STARVATION_BOUND: u32 = 300;

impl Pct {
    pub(crate) fn new(depth: usize, seed: u64, slice: Slice) -> Pct {
        Pct {
            depth: depth.max(1),
            seed,
            slice,
            rng: fastrand::Rng::with_seed(seed),
            priorities: Vec::new(),
            change_points: Vec::new(),
            next_change: 0,
            max_steps_seen: 0,
            passed_over: Vec::new(),
            timer_passed_over: 0,
            choices: 0,
            yield_floor: 0,
            timer_priority: 0,
        }
    }
}

impl Pct {
    /// Starts execution number `index` of the whole exploration.
    pub(crate) fn begin_at(&mut self, index: u64) {
        self.rng.seed(mix_seed(self.seed, index));
        self.priorities.clear();
        self.passed_over.clear();
        self.timer_passed_over = 0;
        self.change_points.clear();
        self.next_change = 0;
        self.yield_floor = 0;
        self.timer_priority = self.depth as i64 + 1 + (self.rng.u64(..) >> 2) as i64;
        self.choices = 0;
        // k is learned: the first execution runs unperturbed, later ones
        // draw change points among the choice points seen so far.
        if self.max_steps_seen == 0 {
            return;
        }
        // Distinct choice points from the second on: demoting the task
        // that takes the first choice only gives another initial order of
        // priorities, which drawing them at random covers already, and two
        // change points at one step would spend one of them there. A bug
        // needing one preemption at choice point c among k is then hit with
        // probability about (depth - 1) / (k - 1).
        let k = self.max_steps_seen;
        let count = (self.depth - 1).min(k as usize - 1);
        while self.change_points.len() < count {
            let step = self.rng.u32(2..=k);
            if self.change_points.iter().all(|&(at, _)| at != step) {
                // Demoted priorities are 1..depth, below every initial one.
                let low = (self.depth - 1 - self.change_points.len()) as i64;
                self.change_points.push((step, low));
            }
        }
        self.change_points.sort_unstable();
    }
}

impl Pct {
    /// `pick`, unless an enabled task was passed over `STARVATION_BOUND`
    /// times since it last ran: then the one passed over most.
    fn unless_starving(&mut self, enabled: &[TaskId], pick: TaskId) -> TaskId {
        // The timer counts too: real time passes while a task spins.
        let mut starving: Option<(u32, TaskId)> = None;
        // A count grows by at most one per choice point: none can have
        // reached the bound before that many choice points.
        if self.choices > STARVATION_BOUND {
            for &t in enabled {
                let n = if t == FIRE {
                    self.timer_passed_over
                } else {
                    self.passed_over.get(t).copied().unwrap_or(0)
                };
                if n >= STARVATION_BOUND && starving.is_none_or(|(m, _)| n > m) {
                    starving = Some((n, t));
                }
            }
        }
        let pick = starving.map_or(pick, |(_, t)| t);
        // Passes count until the task runs, including those separated by
        // waits: a task that a lock holder keeps beating to the lock is
        // runnable for one step at a time, and starves all the same. Every
        // enabled move counts one more, then the pick's count restarts.
        for &t in enabled {
            match self.passed_over.get_mut(t) {
                Some(n) => *n += 1,
                None => *self.passes_mut(t) += 1,
            }
        }
        *self.passes_mut(pick) = 0;
        pick
    }

    fn passes_mut(&mut self, t: TaskId) -> &mut u32 {
        if t == FIRE {
            &mut self.timer_passed_over
        } else {
            if self.passed_over.len() <= t {
                self.passed_over.resize(t + 1, 0);
            }
            &mut self.passed_over[t]
        }
    }
}

impl Scheduler for Pct {
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

    fn on_spawn(&mut self, task: TaskId) {
        if self.priorities.len() <= task {
            self.priorities.resize(task + 1, 0);
        }
        if self.passed_over.len() <= task {
            self.passed_over.resize(task + 1, 0);
        }
        // Distinct with overwhelming probability; ties break by id.
        self.priorities[task] = self.depth as i64 + 1 + (self.rng.u64(..) >> 2) as i64;
    }

    fn pick_task(&mut self, enabled: &[TaskId], _current: TaskId, _step: u32) -> Result<TaskId, String> {
        if enabled.len() == 1 {
            return Ok(enabled[0]);
        }
        self.choices += 1;
        let step = self.choices;
        // The last of the highest: ties (which distinct priorities make
        // unlikely) go to the larger id. The moves come in increasing id
        // order (the timer last), so a later one wins a tie.
        let highest = |priorities: &[i64], timer: i64| {
            let (mut best, mut best_p) = (0, i64::MIN);
            for &t in enabled {
                let p = if t == FIRE { timer } else { priorities.get(t).copied().unwrap_or(0) };
                if p >= best_p {
                    (best, best_p) = (t, p);
                }
            }
            best
        };
        let mut pick = highest(&self.priorities, self.timer_priority);
        while let Some(&(at, low)) = self.change_points.get(self.next_change) {
            if at > step {
                break;
            }
            self.next_change += 1;
            if at == step {
                if pick == FIRE {
                    self.timer_priority = low;
                } else {
                    self.priorities[pick] = low;
                }
                pick = highest(&self.priorities, self.timer_priority);
            }
        }
        Ok(self.unless_starving(enabled, pick))
    }

    fn on_yield(&mut self, task: TaskId) {
        // PCT is unfair by design: a spinning task with the top priority
        // would starve the rest, so a yield drops below every other task.
        self.yield_floor -= 1;
        if let Some(p) = self.priorities.get_mut(task) {
            *p = self.yield_floor;
        }
    }

    fn pick_arm(&mut self, ready: usize, _step: u32) -> Result<usize, String> {
        Ok(self.rng.usize(..ready))
    }

    fn end(&mut self, _steps: u32) -> Result<(), String> {
        self.max_steps_seen = self.max_steps_seen.max(self.choices);
        Ok(())
    }
}
