//! Exhaustive search with dynamic partial-order reduction.
//!
//! Optimal DPOR (Abdulla, Aronis, Jonsson & Sagonas, POPL 2014): the search
//! keeps the path of the current execution, one node per choice point, each
//! with the tasks enabled there, those explored there, its sleep set and
//! its wakeup tree (the sequences still to explore from there, see
//! [`wakeup`]). Every step's footprint (which objects it reads or writes,
//! see [`Footprint`]) and a vector clock of the steps it depends on are
//! computed as the execution runs. When a step runs, the search looks for
//! the earlier steps of other tasks that conflict with it and are not
//! ordered before it (the races of the execution, found where their second
//! step runs); for each, the steps after the earlier one that do not depend
//! on it, followed by the later one, are inserted into the wakeup tree of
//! the node where the earlier step was chosen, unless a task asleep or
//! explored there, or a branch of the tree, covers that sequence. A blocked
//! task's next operation is checked the same way at every new state, not
//! only where it runs: the step that wakes it may order it after a step it
//! raced with. A new branch follows its sequence, so it never ends where
//! every enabled task sleeps; independent interleavings are never explored
//! twice: N tasks touching disjoint objects take a single execution, and
//! the classic benchmarks (lastzero, readers, indexer, filesystem) take
//! exactly the published optimal counts.
//!
//! Sleep sets (Godefroid): after exploring task p at a node, the other
//! choices there need not explore p first again until a step dependent
//! with p's next operation ran, so p sleeps. Where a sequence's steps are
//! not what the footprints predicted (a footprint that depends on the
//! state, like a rendezvous that pairs or waits), the branch follows as
//! much of it as it can; where it cannot, the search falls back to
//! source-DPOR's weaker pruning below (see `TaskNode::strict`), which may
//! run executions cut short as redundant, never miss one.
//!
//! Select arm choices are explored in full at their own nodes. A forced
//! timer firing conflicts with everything, an early one with the timers
//! and their channels. `preemption_bound` (Musuvathi &
//! Qadeer, PLDI 2007) drops branches that would exceed the bound, as loom
//! does; `timer_bound` caps early firings.
//!
//! Cost per step. A node is made at every step, so nothing here allocates
//! per node or per step once the search's buffers have grown: a node's
//! task sets are ranges of two stack-like buffers (cut back when the node
//! is popped), every clock is a row of one [`ClockRows`](goweave_checkers::ClockRows) (a step's row,
//! never changed once recorded, is shared by its task and the objects it
//! wrote), and the objects' clocks and last steps live in flat tables
//! indexed by object. The runtime computes footprints only where they are
//! needed (see [`Scheduler::wants_moves`]).

mod buffers;
mod path;
mod pool;
mod races;
mod steal;
mod wakeup;
pub(crate) use self::pool::Pool;

use self::buffers::Buffers;
use self::path::{Node, Split, SplitPos, TaskNode};
use self::races::Step;
use super::{Moves, Scheduler, FIRE, PRUNED};
use crate::footprint::{Access, Footprint, TaskId};

/// Choice points at which a task may go on while others could run before
/// the search's default choice moves on to another task. Only the default
/// changes: backtracking still explores what it must.
const FAIR_STREAK: usize = 64;

/// No row, entry or step.
const NONE: u32 = u32::MAX;

/// Runnable moves for a message: task ids, and the timer.
fn describe_moves(moves: &[TaskId]) -> String {
    let names: Vec<String> =
        moves.iter().map(|&t| if t == FIRE { "a timer".to_string() } else { format!("task {t}") }).collect();
    format!("[{}]", names.join(", "))
}

/// The slot of a task's own component in clocks: 0 is the timer.
fn slot(task: TaskId) -> usize {
    if task == FIRE {
        0
    } else {
        task + 1
    }
}

fn index(i: usize) -> u32 {
    u32::try_from(i).expect("a search of more than 4 billion steps")
}

pub(crate) struct Dpor {
    /// This worker's part of the tree and the number of parts (threads
    /// times shards): see [`Dpor::split`].
    part: u64,
    parts: u64,
    /// Where the current execution stands among the split levels.
    split_at: SplitPos,
    preemption_bound: Option<usize>,
    timer_bound: usize,
    iterations: u64,
    executions: u64,
    started: bool,
    exhausted: bool,
    /// Some backtrack point was dropped by a bound.
    bounded: bool,
    /// The path and the current execution's steps, clocks and objects.
    buf: Buffers,
    // The current execution.
    depth: usize,
    task_node: usize,
    /// The last task node chosen this execution: a new one's parent.
    parent: Option<usize>,
    preemptions: usize,
    firings: usize,
    /// The row of the last global step's clock (`NONE` before one).
    last_global: u32,
    /// Whether [`Buffers::moves`] were shown for this node, and whether the
    /// enabled tasks' are among them.
    moves_shown: bool,
    moves_complete: bool,
    /// Steps taken at this depth or deeper are new this execution: those
    /// before replay the path, and their races were found when they ran
    /// first.
    fresh_depth: usize,
    /// The footprint of the step chosen at the last task node, and whether
    /// that step is still to come (a forced timer firing may follow it).
    chosen_footprint: Footprint,
    awaiting_step: bool,
    /// The wakeup tree the next new task node follows: the subtree below
    /// the branch taken at the last one (`NONE` if none).
    guide: u32,
    /// The pool of a search over several threads (see [`steal`]), and
    /// the unit of it this worker runs: its id, how many nodes of its path
    /// are its prefix (other units'), the node of the unit it was given
    /// by, and whether it lies below the split levels of a sharded search.
    pool: Option<std::sync::Arc<pool::Handle>>,
    unit: u32,
    remote: usize,
    lender: Option<(u32, usize)>,
    unit_dealt: bool,
    /// Units put aside while a stolen one runs, and whether this worker
    /// runs none.
    frames: Vec<steal::Frame>,
    idle: bool,
    /// This execution's index in a pool, those claimed next, messages read.
    index: u64,
    claimed: std::ops::Range<u64>,
    inbox: Vec<steal::Msg>,
    /// The task that called `yield_now` last, until the next choice.
    yielded: Option<TaskId>,
    /// The enabled tasks at a WaitGroup wait that would block, for the
    /// next pick (see [`Scheduler::on_blocking_wait`]).
    blocking_waits: Vec<TaskId>,
    /// Consecutive choice points at which the current task went on while
    /// another could have run (see `FAIR_STREAK`).
    streak: usize,
}

impl Dpor {
    pub(crate) fn new(preemption_bound: Option<usize>, timer_bound: usize, iterations: u64) -> Dpor {
        let mut buf = Buffers::take_cached();
        // A wide clock left by an earlier search of many tasks would make
        // every join of this one longer.
        buf.clocks.reset();
        Dpor {
            part: 0,
            parts: 1,
            split_at: SplitPos::START,
            preemption_bound,
            timer_bound,
            iterations,
            executions: 0,
            started: false,
            exhausted: false,
            bounded: false,
            buf,
            depth: 0,
            task_node: 0,
            parent: None,
            preemptions: 0,
            firings: 0,
            last_global: NONE,
            moves_shown: false,
            moves_complete: false,
            fresh_depth: 0,
            chosen_footprint: Footprint::Global,
            awaiting_step: false,
            streak: 0,
            guide: NONE,
            pool: None,
            unit: 0,
            remote: 0,
            lender: None,
            unit_dealt: false,
            frames: Vec::new(),
            idle: false,
            index: 0,
            claimed: 0..0,
            inbox: Vec::new(),
            yielded: None,
            blocking_waits: Vec::new(),
        }
    }

    /// Only part `part` of `parts` of the tree, for threads and shards.
    ///
    /// The first choice points with two enabled tasks or more are split
    /// nodes, until they make `SPREAD` branches per part. They are the same
    /// in every part, since the search is deterministic. There every
    /// enabled task within the bounds is explored (a superset of what DPOR
    /// needs, so still sound), in a fixed order; the branches of the last
    /// split level are dealt out to the parts by their number. A part marks
    /// the branches before the one it explores as explored without running
    /// them, so each branch starts with the sleep set it has in the whole
    /// search: together, the parts explore what one search over the same
    /// split nodes would, with no communication between them.
    pub(crate) fn split(mut self, part: u64, parts: u64) -> Dpor {
        self.part = part;
        self.parts = parts.max(1);
        self.iterations = self.iterations.div_ceil(self.parts).max(1);
        self
    }
}

impl Dpor {
    /// Whether exploring `task` at a new node, where `enabled` can run and
    /// `current` ran last, would exceed a bound.
    fn over_bound_here(&self, enabled: &[TaskId], current: TaskId, task: TaskId) -> bool {
        if task == FIRE {
            self.firings >= self.timer_bound
        } else {
            Self::preempts(enabled, current, task)
                && self.preemption_bound.is_some_and(|b| self.preemptions >= b)
        }
    }

    /// Where the guide at a new node is a single sequence whose first step
    /// cannot be taken (its task waits for a step the footprints do not
    /// show: a receive that found its partner waiting arrives first in the
    /// sequence, but the partner's arrival was moved after it), the
    /// sequence's steps and the index of the first that can be taken and
    /// depends on no step before it.
    fn reordered_chain(
        &self,
        guide: u32,
        enabled: &[TaskId],
        current: TaskId,
        asleep: &dyn Fn(TaskId) -> bool,
    ) -> Option<(usize, Vec<(TaskId, Footprint)>)> {
        if guide == NONE {
            return None;
        }
        let usable =
            |t: TaskId| enabled.contains(&t) && !asleep(t) && !self.over_bound_here(enabled, current, t);
        let head = self.buf.forest.events[guide as usize];
        if head.next != NONE || usable(head.task) {
            return None;
        }
        let mut chain = Vec::new();
        let mut e = guide;
        while e != NONE {
            let ev = self.buf.forest.events[e as usize];
            if ev.child != NONE && self.buf.forest.events[ev.child as usize].next != NONE {
                return None; // a tree, not one sequence
            }
            chain.push((ev.task, ev.footprint));
            e = ev.child;
        }
        let k = (1..chain.len()).find(|&k| {
            let (t, f) = chain[k];
            usable(t) && !chain[..k].iter().any(|&(u, g)| u == t || g.dependent(&f))
        })?;
        Some((k, chain))
    }
}

impl Drop for Dpor {
    fn drop(&mut self) {
        std::mem::take(&mut self.buf).cache();
    }
}

impl Scheduler for Dpor {
    fn begin(&mut self) -> bool {
        // What the last execution left of its guide (it ended before
        // following all of it).
        let guide = std::mem::replace(&mut self.guide, NONE);
        self.buf.forest.free_list(guide);
        if let Some(pool) = self.pool.clone() {
            if !self.begin_pooled(&pool) {
                return false;
            }
        } else {
            if self.started {
                // The deepest node with something left to explore.
                loop {
                    let Some(at) = self.buf.path.len().checked_sub(1) else {
                        self.exhausted = true;
                        return false;
                    };
                    if self.next_branch(at) {
                        break;
                    }
                    self.buf.pop_node();
                }
            }
            // Checked after backtracking, so a tree finished exactly at the
            // cap still counts as exhausted.
            if self.executions >= self.iterations {
                return false;
            }
        }
        self.started = true;
        self.fresh_depth = self.buf.path.len();
        self.executions += 1;
        self.streak = 0;
        self.yielded = None;
        self.split_at = SplitPos::START;
        // A stolen branch lies below the split levels of a sharded search.
        self.split_at.dealt = self.unit_dealt;
        self.depth = 0;
        self.parent = None;
        self.preemptions = 0;
        self.firings = 0;
        self.buf.clocks.clear();
        self.buf.task_rows.clear();
        self.buf.joins.clear();
        self.last_global = NONE;
        self.buf.objects.clear();
        self.buf.steps.clear();
        self.buf.last_any.clear();
        self.buf.last_global_step.clear();
        self.buf.blocked.clear();
        self.buf.held.clear();
        self.blocking_waits.clear();
        true
    }

    fn wants_footprints(&self) -> bool {
        true
    }

    fn on_yield(&mut self, task: TaskId) {
        self.yielded = Some(task);
    }

    fn on_blocking_wait(&mut self, task: TaskId) {
        self.blocking_waits.push(task);
    }

    fn wants_moves(&self) -> Moves {
        let d = self.depth;
        match self.buf.path.get(d) {
            // Replayed to explore another choice: the sleep set of the
            // node after it holds the choices explored before, with their
            // footprints from here.
            Some(Node::Task(n)) if d + 1 == self.buf.path.len() && n.explored > 1 => Moves::All,
            // Replayed: its races were found when it was new.
            Some(_) => Moves::None,
            // A new node: a split node marks earlier branches explored.
            None if self.parts > 1 && !self.split_at.dealt => Moves::All,
            None => Moves::Blocked,
        }
    }

    fn observe_moves(&mut self, moves: &mut Vec<(TaskId, Footprint)>) {
        std::mem::swap(&mut self.buf.moves, moves);
        self.moves_shown = true;
        self.moves_complete = self.wants_moves() == Moves::All;
    }

    fn observe_forced_moves(&mut self, moves: &[(TaskId, Footprint)], fires: bool) {
        self.find_races(moves);
        self.timer_taken_away(fires);
    }

    fn pick_task(&mut self, enabled: &[TaskId], current: TaskId, step: u32) -> Result<TaskId, String> {
        let d = self.depth;
        self.depth += 1;
        self.task_node = d;
        let yielded = self.yielded.take() == Some(current);
        let pick = if d < self.buf.path.len() {
            let Node::Task(n) = &self.buf.path[d] else {
                return Err(format!(
                    "at step {step}, replaying the schedule of an earlier execution, the program \
                     chose among tasks ({}) where that execution chose a select arm.",
                    describe_moves(enabled)
                ));
            };
            let recorded = &self.buf.tasks[n.at..n.at + n.enabled];
            if recorded != enabled {
                return Err(format!(
                    "at step {step}, replaying the schedule of an earlier execution, the runnable \
                     moves were {} where that execution had {}: the same choices led the program \
                     somewhere else.",
                    describe_moves(enabled),
                    describe_moves(recorded)
                ));
            }
            let chosen = self.buf.tasks[n.at + n.enabled + n.explored - 1];
            if let Some(split) = &n.split {
                self.split_at.enter(split, n.explored - 1);
            }
            if self.moves_shown && self.moves_complete && !n.footprints_known {
                debug_assert_eq!(
                    self.buf.footprints.len(),
                    n.footprints,
                    "only the deepest node records them"
                );
                let (len, at) = (n.enabled, n.at);
                self.record_footprints(len, at);
                if let Node::Task(n) = &mut self.buf.path[d] {
                    n.footprints_known = true;
                }
            }
            self.parent = Some(d);
            chosen
        } else {
            let sleep_at = self.buf.sleeps.len();
            self.inherit_sleep();
            self.timer_taken_away(enabled.contains(&FIRE));
            // The blocked tasks' next steps, checked at every state, not
            // only where they run: a task may be woken by a step that
            // orders it after a step its blocked operation raced with (a
            // receive blocked on an empty buffer raced with a receive that
            // emptied it; the send that wakes it comes later), and at a
            // state where the execution stops early no other execution may
            // show their races.
            if self.moves_shown {
                let moves = std::mem::take(&mut self.buf.moves);
                for &(p, next) in &moves {
                    if !(self.moves_complete && enabled.contains(&p)) {
                        self.races_of_blocked(p, next);
                    }
                }
                self.buf.moves = moves;
            }
            self.wake_guided(enabled, sleep_at);
            let sleep = &self.buf.sleeps[sleep_at..];
            let asleep = |t: TaskId| sleep.iter().any(|s| s.0 == t);
            // First continue the current task (no preemption), and fire
            // timers only when nothing else is possible, within the bound
            // on early firings (the engine fires by itself when every task
            // is blocked).
            let timer_allowed = self.firings < self.timer_bound;
            let timer_awake = timer_allowed && enabled.contains(&FIRE) && !asleep(FIRE);
            let others_awake = enabled.iter().any(|&t| t != current && t != FIRE && !asleep(t));
            // After `yield_now`, or too long a run, the default is another
            // task, like Go's scheduler, or else the next timer, as real
            // time would pass: a task that never blocks (a loop polling a
            // flag, or select's default) would otherwise keep the others
            // out until `max_steps`.
            let spinning = (self.streak >= FAIR_STREAK || yielded) && (others_awake || timer_awake);
            // A branch of a wakeup tree is followed where it leads; the
            // node keeps the rest of the tree there.
            let mut guide = std::mem::replace(&mut self.guide, NONE);
            let mut guided = None;
            // A guide that cannot be followed (the program went elsewhere
            // than the footprints predicted) leaves source-DPOR's
            // guarantees only: see `TaskNode::strict`.
            let mut guide_failed = guide != NONE;
            if let Some((k, chain)) = self.reordered_chain(guide, enabled, current, &asleep) {
                // Its first step cannot run yet, but a later one that
                // depends on none before it can: that order is equivalent.
                self.buf.forest.free_list(std::mem::replace(&mut guide, NONE));
                guided = Some(chain[k].0);
                guide_failed = false;
                let mut rest = NONE;
                for (j, &(t, f)) in chain.iter().enumerate().rev() {
                    if j != k {
                        let e = self.buf.forest.alloc(t, f);
                        self.buf.forest.events[e as usize].child = rest;
                        rest = e;
                    }
                }
                self.guide = rest;
            }
            while guide != NONE {
                let ev = self.buf.forest.events[guide as usize];
                self.buf.forest.free_one(guide);
                guide = ev.next;
                if !enabled.contains(&ev.task) && ev.child != NONE {
                    // Its task waits already: a receive that paired with a
                    // waiting sender in the sequence arrived earlier here
                    // and waits for one. The steps after it go on.
                    let mut last = ev.child;
                    while self.buf.forest.events[last as usize].next != NONE {
                        last = self.buf.forest.events[last as usize].next;
                    }
                    self.buf.forest.events[last as usize].next = guide;
                    guide = ev.child;
                    continue;
                }
                let over = self.over_bound_here(enabled, current, ev.task);
                self.bounded |= over;
                if !over && enabled.contains(&ev.task) && !asleep(ev.task) {
                    guided = Some(ev.task);
                    guide_failed = false;
                    self.guide = ev.child;
                    break;
                }
                self.buf.forest.free_list(ev.child);
            }
            // A task at a WaitGroup wait that would block lets the others
            // run first (not under a preemption bound, which counts task
            // switches): the wait then passes, and its race with the last
            // decrement is held (see `Footprint::passing_wait`).
            let waits = &self.blocking_waits;
            let avoid = !waits.is_empty() && self.preemption_bound.is_none() && !spinning;
            let not_waiting =
                || enabled.iter().copied().find(|&t| t != FIRE && !asleep(t) && !waits.contains(&t));
            let stays = !(spinning || avoid && waits.contains(&current));
            let first = if guided.is_some() {
                guided
            } else if stays && enabled.contains(&current) && !asleep(current) {
                Some(current)
            } else if let Some(t) = avoid.then(not_waiting).flatten() {
                Some(t)
            } else if spinning {
                let awake = || enabled.iter().copied().filter(|&t| t != FIRE && !asleep(t));
                let other = awake().find(|&t| t > current).or_else(|| awake().find(|&t| t != current));
                other.or(timer_awake.then_some(FIRE))
            } else {
                let awake = enabled.iter().copied().filter(|&t| !asleep(t) && (t != FIRE || timer_allowed));
                awake.clone().find(|&t| t != FIRE).or_else(|| awake.clone().next())
            };
            if first.is_none() && enabled.iter().any(|&t| t == FIRE && !asleep(t)) {
                // Only an early firing past the bound was left.
                self.bounded = true;
            }
            let Some(first) = first else {
                // Every enabled task sleeps: this execution only repeats
                // interleavings already explored.
                self.buf.forest.free_list(guide);
                self.buf.sleeps.truncate(sleep_at);
                self.moves_shown = false;
                return Ok(PRUNED);
            };
            let splits = self.parts > 1 && !self.split_at.dealt && enabled.len() > 1;
            let at = self.buf.tasks.len();
            self.buf.tasks.extend_from_slice(enabled);
            let mut pending = guide;
            let (first, explored, split) = if splits {
                // Every enabled task is explored here: no tree is needed.
                self.buf.forest.free_list(std::mem::replace(&mut pending, NONE));
                self.buf.forest.free_list(std::mem::replace(&mut self.guide, NONE));
                // Current task first, as the unparted search would.
                let mut order = vec![first];
                for &t in enabled {
                    if t == first || asleep(t) {
                        continue;
                    }
                    if self.over_bound_here(enabled, current, t) {
                        self.bounded = true;
                    } else {
                        order.push(t);
                    }
                }
                const SPREAD: u64 = 16;
                let width = self.split_at.width.saturating_mul(order.len() as u64);
                let split = Split { order, prefix: self.split_at.id, deals: width >= SPREAD * self.parts };
                let Some(k) = split.branch(self.part, self.parts, 0) else {
                    // No branch here is this part's.
                    self.buf.tasks.truncate(at);
                    self.buf.sleeps.truncate(sleep_at);
                    self.moves_shown = false;
                    return Ok(PRUNED);
                };
                self.split_at.enter(&split, k);
                self.buf.tasks.extend_from_slice(&split.order);
                (split.order[k], k + 1, Some(Box::new(split)))
            } else {
                self.buf.tasks.push(first);
                (first, 1, None)
            };
            self.buf.tasks.resize(at + 2 * enabled.len(), 0);
            let sleep_len = self.buf.sleeps.len() - sleep_at;
            let footprints = self.buf.footprints.len();
            let footprints_known = self.moves_shown && self.moves_complete;
            // A stolen unit's nodes are strict only as the one-threaded
            // search's would be; where the node its branch was given at
            // turns strict later, its owner takes the branch again (see
            // `insert_every_enabled`).
            let strict = split.is_some()
                || guide_failed
                || self.parent.is_some_and(|p| matches!(&self.buf.path[p], Node::Task(n) if n.strict));
            if footprints_known {
                self.record_footprints(enabled.len(), at);
            }
            self.buf.path.push(Node::Task(TaskNode {
                at,
                enabled: enabled.len(),
                footprints,
                footprints_known,
                explored,
                pending,
                strict,
                owner: self.unit,
                lent: 0,
                lent_late: 0,
                sleep_at,
                sleep_len,
                previous: current,
                preemptions: self.preemptions,
                firings: self.firings,
                split,
            }));
            self.parent = Some(d);
            first
        };
        self.moves_shown = false;
        self.awaiting_step = true;
        if pick == FIRE {
            self.firings += 1;
        } else if Self::preempts(enabled, current, pick) {
            self.preemptions += 1;
        }
        // A step where the task could only go on neither counts nor ends
        // its run: a spinner holding a lock shuts its waiters out then.
        self.streak = match (pick == current, enabled.len() > 1) {
            (false, _) => 0,
            (true, true) => self.streak + 1,
            (true, false) => self.streak,
        };
        Ok(pick)
    }

    fn after_join(&mut self, _task: TaskId, target: TaskId) {
        // Joined into the step's clock after its races are found: the step
        // itself may still race with the partner's (two senders racing for
        // one receiver), only what follows it is ordered.
        self.buf.joins.push(slot(target));
    }

    fn after_step(&mut self, task: TaskId, footprint: &Footprint, touched: &[TaskId]) {
        let footprint = *footprint;
        self.blocking_waits.clear();
        if self.awaiting_step {
            self.chosen_footprint = footprint;
            self.awaiting_step = false;
            self.moves_taken_away(task, touched);
        }
        let me = slot(task);
        let joined = self.buf.joins.iter().copied().fold(me, usize::max);
        let top = touched.iter().map(|&u| slot(u)).fold(joined, usize::max);
        self.buf.clocks.fit(top);
        let own = self.task_row(me);
        let items = footprint.items();
        let mut entries = [NONE; Footprint::ITEMS];
        for (k, (o, _)) in items.clone().enumerate() {
            entries[k] = index(self.buf.objects.entry(o));
        }
        if footprint != Footprint::None && self.depth >= self.fresh_depth {
            // The races of each step are found when it is taken, against
            // the steps before it (source-DPOR), not at every state its
            // task passes before it. Blocked tasks' next operations are
            // checked at every state (see `pick_task`).
            self.races_of_step(task, footprint, own, &entries);
        } else if !matches!(footprint, Footprint::None | Footprint::Global) {
            self.hold_replayed(task, footprint, own, &entries);
        }
        let c = self.buf.clocks.push_copy(own);
        if self.last_global != NONE {
            self.buf.clocks.join(c, self.last_global as usize);
        }
        match footprint {
            Footprint::Global => {
                // The join of every earlier step's clock: each task's
                // clock is the join of those that reached it.
                for &r in &self.buf.task_rows {
                    if r != NONE {
                        self.buf.clocks.join(c, r as usize);
                    }
                }
            }
            Footprint::None => {}
            Footprint::Objects { .. } => {
                for (k, (_, access)) in items.clone().enumerate() {
                    let obj = self.buf.objects.entries[entries[k] as usize];
                    if obj.write != NONE {
                        self.buf.clocks.join(c, obj.write as usize);
                    }
                    if !Access::reads(access) && obj.read {
                        self.buf.clocks.join(c, obj.reads as usize);
                    }
                }
            }
        }
        for k in 0..self.buf.joins.len() {
            let from = self.task_row(self.buf.joins[k]);
            self.buf.clocks.join(c, from);
        }
        self.buf.joins.clear();
        self.buf.clocks.tick(c, me);
        // A step's clock never changes once the step is recorded, so the
        // objects it writes, the last global step and its task's clock
        // share its row rather than copying it (a task's clock that must
        // grow gets a new row, see `touched` below).
        for (k, (_, access)) in items.clone().enumerate() {
            let obj = &mut self.buf.objects.entries[entries[k] as usize];
            if access == Access::Collect {
                // Ordered after the reads, changing nothing.
            } else if !Access::reads(access) {
                obj.write = index(c);
                obj.read = false;
            } else {
                if obj.reads == NONE {
                    obj.reads = index(self.buf.clocks.push_zero());
                } else if !obj.read {
                    self.buf.clocks.zero(obj.reads as usize);
                }
                self.buf.clocks.join(obj.reads as usize, c);
                obj.read = true;
            }
        }
        if footprint == Footprint::Global {
            self.last_global = index(c);
        }
        self.buf.task_rows[me] = index(c);
        for &u in touched {
            let r = self.task_row(slot(u));
            let grown = self.buf.clocks.push_copy(r);
            self.buf.clocks.join(grown, c);
            self.buf.task_rows[slot(u)] = index(grown);
        }
        let node = self.task_node;
        let step = self.buf.steps.len();
        if footprint != Footprint::None {
            if self.buf.last_any.len() <= me {
                self.buf.last_any.resize(me + 1, None);
            }
            self.buf.last_any[me] = Some(step);
            if footprint == Footprint::Global {
                match self.buf.last_global_step.iter_mut().find(|e| e.0 == me) {
                    Some(entry) => entry.1 = step,
                    None => self.buf.last_global_step.push((me, step)),
                }
            }
        }
        let time = self.buf.clocks.get(c, me);
        for (k, (_, access)) in items.clone().enumerate() {
            self.buf.objects.touch(entries[k] as usize, index(me), access, index(step), time);
        }
        self.buf.steps.push(Step { task, footprint, row: index(c), time, node });
    }

    fn pick_arm(&mut self, ready: usize, step: u32) -> Result<usize, String> {
        let d = self.depth;
        self.depth += 1;
        if d < self.buf.path.len() {
            match self.buf.path[d] {
                Node::Arm { chosen, count } if count == ready => Ok(chosen),
                Node::Arm { count, .. } => Err(format!(
                    "at step {step}, replaying the schedule of an earlier execution, a select had \
                     {ready} ready arms where that execution had {count}."
                )),
                Node::Task { .. } => Err(format!(
                    "at step {step}, replaying the schedule of an earlier execution, a select chose \
                     an arm where that execution chose among tasks."
                )),
            }
        } else {
            self.buf.path.push(Node::Arm { chosen: 0, count: ready });
            Ok(0)
        }
    }

    fn divergence(&self) -> crate::failure::FailureKind {
        crate::failure::FailureKind::Nondeterminism
    }

    fn stop(&mut self) {
        if let Some(pool) = &self.pool {
            pool.stop();
        }
    }

    fn explored_part(&self) -> Option<f64> {
        // Only the root unit's path spans the whole tree; a stolen one
        // says nothing of it.
        self.lender.is_none().then(|| self.buf.path_explored_part())
    }

    fn execution_index(&self) -> u64 {
        if self.pool.is_some() {
            // Counted over the pool, in the order executions start.
            return self.index;
        }
        // Interleaved over the parts, so the lowest failing index is
        // well defined whatever the timing.
        self.executions.saturating_sub(1) * self.parts + self.part
    }

    fn exhausted(&self) -> bool {
        self.exhausted && !self.bounded
    }

    fn exhausted_within_bounds(&self) -> bool {
        self.exhausted
    }
}
