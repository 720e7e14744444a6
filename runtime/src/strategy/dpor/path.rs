//! The path of the current execution: one node per choice point, with its
//! enabled and explored tasks, its wakeup tree and its sleep set; the
//! split of a search over shards; the bounds; and how sleep sets are
//! inherited.

use super::{index, Dpor, FIRE, NONE};
use crate::footprint::{Footprint, TaskId};

pub(super) enum Node {
    Task(TaskNode),
    Arm { chosen: usize, count: usize },
}

pub(super) struct TaskNode {
    /// Where this node's tasks start in [`Buffers::tasks`](super::buffers::Buffers::tasks): the enabled
    /// ones, then the explored ones in the order they were explored, with
    /// room for all of them (each enabled task is explored at most once).
    pub(super) at: usize,
    pub(super) enabled: usize,
    /// Where the next steps of the enabled tasks are in
    /// [`Buffers::footprints`](super::buffers::Buffers::footprints), as they were when the node was made, and
    /// whether they are there yet: they are needed only once a second
    /// choice is explored here, and are recorded then (the node is the
    /// deepest then, so they go at the end of the buffer).
    pub(super) footprints: usize,
    pub(super) footprints_known: bool,
    /// How many tasks were explored here, the last of them the current
    /// choice.
    pub(super) explored: usize,
    /// The first root child of this node's wakeup tree (in
    /// [`Buffers::forest`](super::buffers::Buffers::forest)): the branches still to explore here,
    /// in the order they are explored (`NONE` if none).
    pub(super) pending: u32,
    /// Whether insertions here and below see a sleeping task as covering a
    /// sequence only if it is an initial of the sequence, as source-DPOR
    /// does, not also if it commutes with all of it (see
    /// [`Dpor::weak_initial`]). Needed where the wakeup trees above were
    /// not built by insertion alone: at and below a split node (every
    /// enabled task is a branch there), or where a reversal could not be
    /// inserted as it was and every enabled task was added instead.
    pub(super) strict: bool,
    /// The unit that owns this node (see [`steal`](super::steal)): this
    /// search's, or, for a node of a stolen branch's prefix, the one races
    /// that belong here are sent to.
    pub(super) owner: u32,
    /// Branches of this node given to other units and not finished: the
    /// node stays until they are, as their races may belong here.
    pub(super) lent: u32,
    /// How many of the explored tasks just before the current one come
    /// after it in the one-threaded search's order: given away while it
    /// was explored, or explored before a branch taken again or found
    /// early (see `steal`). They do not sleep below it.
    pub(super) lent_late: u32,
    /// Where this node's sleep set is in [`Buffers::sleeps`](super::buffers::Buffers::sleeps): the tasks whose
    /// exploration from here is known redundant, with their next step.
    pub(super) sleep_at: usize,
    pub(super) sleep_len: usize,
    /// The task that ran the step before this node.
    pub(super) previous: TaskId,
    pub(super) preemptions: usize,
    pub(super) firings: usize,
    /// At a split node of a parted search, its branches in the order
    /// every part takes them (see [`Dpor::split`]). They are also the
    /// explored tasks, those before the current branch marked explored
    /// without running them.
    pub(super) split: Option<Box<Split>>,
}

/// A split node: see [`Dpor::split`].
pub(super) struct Split {
    pub(super) order: Vec<TaskId>,
    /// The branch number of the split choices above it.
    pub(super) prefix: u64,
    /// Whether branches are dealt out to parts here (the last split level).
    pub(super) deals: bool,
}

/// Where the current execution stands among the split levels.
#[derive(Clone, Copy)]
pub(super) struct SplitPos {
    /// The branch number of the split choices so far.
    pub(super) id: u64,
    /// How many branches the split levels so far make.
    pub(super) width: u64,
    /// Whether this execution's part was decided.
    pub(super) dealt: bool,
}

impl Split {
    /// The branch to take at or after `from` for part `part` of `parts`:
    /// the next one at an upper level, the next of this part's where the
    /// branches are dealt.
    pub(super) fn branch(&self, part: u64, parts: u64, from: usize) -> Option<usize> {
        let len = self.order.len() as u64;
        (from..self.order.len()).find(|&k| !self.deals || (self.prefix * len + k as u64) % parts == part)
    }
}

impl SplitPos {
    pub(super) const START: SplitPos = SplitPos { id: 0, width: 1, dealt: false };

    /// Follows split node `split`'s branch `k`.
    pub(super) fn enter(&mut self, split: &Split, k: usize) {
        let len = split.order.len() as u64;
        self.id = split.prefix.wrapping_mul(len).wrapping_add(k as u64);
        self.width = self.width.saturating_mul(len);
        self.dealt |= split.deals;
    }
}

impl super::buffers::Buffers {
    /// Pops the deepest node of the path, with its task sets, footprints
    /// and sleep set.
    pub(super) fn pop_node(&mut self) {
        if let Some(Node::Task(n)) = self.path.pop() {
            self.tasks.truncate(n.at);
            self.footprints.truncate(n.footprints);
            self.sleeps.truncate(n.sleep_at);
        }
    }

    /// An estimate of the part of the tree the search has explored, from
    /// the path alone: at each node, the branches before the current one
    /// count as explored, each as large as the current one, whose part of
    /// the tree is split the same way one node down; a branch given to
    /// another unit counts as explored. The current execution's leaf is
    /// explored too. Exact for a balanced tree, an estimate otherwise
    /// (Knuth's, "Estimating the efficiency of backtrack programs", 1975).
    pub(super) fn path_explored_part(&self) -> f64 {
        let mut part = 0.0;
        let mut width = 1.0;
        for node in &self.path {
            let (before, total) = match node {
                Node::Arm { chosen, count } => (*chosen, *count),
                Node::Task(n) => {
                    let pending = self.forest.count(n.pending);
                    let total = match &n.split {
                        Some(split) => split.order.len().max(n.explored),
                        None => n.explored + pending,
                    };
                    (n.explored - 1, total)
                }
            };
            let total = total.max(1) as f64;
            part += width * before as f64 / total;
            width /= total;
        }
        (part + width).min(1.0)
    }
}

impl Dpor {
    /// Whether choosing `task` at a node would be a preemption there.
    pub(super) fn preempts(enabled: &[TaskId], previous: TaskId, task: TaskId) -> bool {
        task != FIRE && task != previous && enabled.contains(&previous)
    }

    /// Whether exploring `task` at task node `at` would exceed a bound.
    pub(super) fn over_bound(&self, at: usize, task: TaskId) -> bool {
        let Node::Task(n) = &self.buf.path[at] else { return false };
        let enabled = &self.buf.tasks[n.at..n.at + n.enabled];
        if task == FIRE {
            n.firings >= self.timer_bound
        } else {
            Self::preempts(enabled, n.previous, task)
                && self.preemption_bound.is_some_and(|b| n.preemptions >= b)
        }
    }

    /// The timer could fire at the last node but the step taken there
    /// took that move away (it stopped the timer, or left no task that
    /// could see it fire): the two do not commute, so firing first is
    /// explored too. No race shows this, as the firing never happens.
    pub(super) fn timer_taken_away(&mut self, fire_now: bool) {
        let Some(Node::Task(n)) = self.parent.map(|p| &self.buf.path[p]) else { return };
        let enabled = &self.buf.tasks[n.at..n.at + n.enabled];
        let chosen = self.buf.tasks[n.at + n.enabled + n.explored - 1];
        if !fire_now && chosen != FIRE && enabled.contains(&FIRE) {
            self.insert_step(self.parent.expect("a parent node"), FIRE);
        }
    }

    /// The step `chosen` at the last node completed the operation of
    /// another task that could run there (a rendezvous with a select that
    /// a ready arm, say a timer's, had woken; `touched` are the tasks the
    /// step woke or completed): that task's own move is gone, so the two
    /// do not commute and running it first is explored too. No race shows
    /// this, as its move never runs.
    pub(super) fn moves_taken_away(&mut self, chosen: TaskId, touched: &[TaskId]) {
        let at = self.task_node;
        if touched.is_empty() || self.depth < self.fresh_depth {
            return;
        }
        let Node::Task(n) = &self.buf.path[at] else { return };
        let (from, to) = (n.at, n.at + n.enabled);
        for &t in touched {
            if t != chosen && self.buf.tasks[from..to].contains(&t) {
                self.insert_step(at, t);
            }
        }
    }

    /// Appends the sleep set of a new node to `sleeps`: the parent's
    /// sleepers and the choices already explored at the parent, minus
    /// those the step just taken depends on. The explored choices'
    /// footprints were shown when the parent was replayed to explore
    /// another (see [`Scheduler::wants_moves`](crate::strategy::Scheduler::wants_moves)).
    pub(super) fn inherit_sleep(&mut self) {
        let Some(Node::Task(parent)) = self.parent.map(|p| &self.buf.path[p]) else { return };
        if parent.sleep_len == 0 && parent.explored == 1 {
            // The common case: nothing sleeps there, nothing else ran.
            return;
        }
        // As they were when the parent was made: a program that does
        // something else on the same schedule then goes on to where the
        // replay notices.
        let enabled = &self.buf.tasks[parent.at..parent.at + parent.enabled];
        let footprints = if parent.footprints_known {
            &self.buf.footprints[parent.footprints..parent.footprints + parent.enabled]
        } else {
            &[]
        };
        let footprint_of = |t: TaskId| {
            let k = enabled.iter().position(|&e| e == t);
            k.and_then(|k| footprints.get(k)).map_or(Footprint::Global, |f| *f)
        };
        let explored_at = parent.at + parent.enabled;
        let chosen = self.buf.tasks[explored_at + parent.explored - 1];
        let step = self.chosen_footprint;
        for k in parent.sleep_at..parent.sleep_at + parent.sleep_len {
            let (t, f) = self.buf.sleeps[k];
            if t != chosen && !f.dependent(&step) {
                self.buf.sleeps.push((t, f));
            }
        }
        for k in explored_at..explored_at + parent.explored - 1 - parent.lent_late as usize {
            let t = self.buf.tasks[k];
            let f = footprint_of(t);
            if t != chosen && !f.dependent(&step) {
                self.buf.sleeps.push((t, f));
            }
        }
    }

    /// Moves node `at` to its next branch, if it has one: the next select
    /// arm, the next of this part's split branches, or the first branch
    /// left in its wakeup tree, whose subtree becomes the guide.
    pub(super) fn next_branch(&mut self, at: usize) -> bool {
        let (part, parts) = (self.part, self.parts);
        let n = match &mut self.buf.path[at] {
            Node::Arm { chosen, count } => {
                let more = *chosen + 1 < *count;
                *chosen += more as usize;
                return more;
            }
            Node::Task(n) => n,
        };
        if let Some(split) = &n.split {
            // The branch after the current one (explored minus one) that
            // is this part's.
            let k = split.branch(part, parts, n.explored);
            n.explored = k.map_or(n.explored, |k| k + 1);
            return k.is_some();
        }
        loop {
            let Node::Task(n) = &mut self.buf.path[at] else { return false };
            let e = n.pending;
            if e == NONE {
                return false;
            }
            let ev = self.buf.forest.events[e as usize];
            n.pending = ev.next;
            self.buf.forest.free_one(e);
            if self.over_bound(at, ev.task) {
                self.bounded = true;
            } else if ev.again {
                // Explored here already: it becomes the current branch
                // again (see `place_sequence`), and those after it in the
                // one-threaded order do not sleep below it: a sequence it
                // follows may start with one of them.
                let Node::Task(n) = &mut self.buf.path[at] else { return false };
                let list = n.at + n.enabled;
                let explored = &mut self.buf.tasks[list..list + n.explored];
                in_threaded_order(explored, &mut n.lent_late);
                if let Some(k) = explored.iter().position(|&t| t == ev.task) {
                    explored[k..].rotate_left(1);
                    n.lent_late = index(n.explored - 1 - k);
                    self.guide = ev.child;
                    return true;
                }
            } else if self.enabled_awake(at, ev.task) {
                let Node::Task(n) = &mut self.buf.path[at] else { return false };
                let list = n.at + n.enabled;
                in_threaded_order(&mut self.buf.tasks[list..list + n.explored], &mut n.lent_late);
                self.buf.tasks[list + n.explored] = ev.task;
                // An early branch comes before all explored here.
                n.lent_late = if ev.early { index(n.explored) } else { 0 };
                n.explored += 1;
                self.guide = ev.child;
                return true;
            }
            self.buf.forest.free_list(ev.child);
        }
    }
}

/// Puts a node's explored tasks (the current one last, after the
/// `lent_late` that come after it in the one-threaded order, see
/// `TaskNode::lent_late`) in the one-threaded order, with none late.
fn in_threaded_order(explored: &mut [TaskId], lent_late: &mut u32) {
    let late = *lent_late as usize;
    let len = explored.len();
    if late > 0 && late < len {
        explored[len - 1 - late..].rotate_right(1);
    }
    *lent_late = 0;
}

#[cfg(test)]
mod tests {
    use super::super::Dpor;
    use crate::footprint::{Access, Footprint};
    use crate::strategy::Scheduler;

    #[test]
    fn the_explored_part_grows_to_the_whole_tree_at_the_last_execution() {
        // Three tasks, one write each to the same object: 3! = 6 orders,
        // 6 executions. The estimate is below 1 until the last one.
        let mut dpor = Dpor::new(None, 0, 1_000);
        let mut parts = Vec::new();
        while dpor.begin() {
            let mut left = vec![1, 2, 3];
            let mut current = 0;
            let mut step = 0;
            while !left.is_empty() {
                let pick = dpor.pick_task(&left, current, step).expect("a replay that fits");
                dpor.after_step(pick, &Footprint::one(7, Access::Write), &[]);
                left.retain(|&t| t != pick);
                (current, step) = (pick, step + 1);
            }
            dpor.end(step).expect("the execution ends where it should");
            parts.push(dpor.explored_part().expect("an exhaustive search estimates"));
        }
        assert_eq!(parts.len(), 6, "{parts:?}");
        assert!(parts[..5].iter().all(|&p| p > 0.0 && p < 1.0), "{parts:?}");
        assert!((parts[5] - 1.0).abs() < 1e-9, "{parts:?}");
    }
}
