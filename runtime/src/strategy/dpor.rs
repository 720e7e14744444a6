//! Exhaustive search with dynamic partial-order reduction.
//!
//! Stateless DPOR in the style of Flanagan & Godefroid (POPL 2005): the
//! search keeps the path of the current execution, one node per choice
//! point, each with the tasks enabled there, the tasks to explore there
//! (its backtrack set) and those already explored. Every step's footprint
//! (which objects it reads or writes, see [`Footprint`]) and a vector clock
//! of the steps it depends on are computed as the execution runs. When a
//! new state is reached, for each enabled task the search looks for the
//! last earlier step of another task that conflicts with that task's next
//! operation and is not ordered before it; that step and the next
//! operation could run the other way round, so the task is added to the
//! backtrack set of the node where that step was chosen (all enabled tasks
//! if it was not enabled there). Independent interleavings are therefore
//! never explored twice: N tasks touching disjoint objects take a single
//! execution.
//!
//! Sleep sets (Godefroid) prune the rest: after exploring task p at a node,
//! the other choices there need not explore p first again until a step
//! dependent with p's next operation ran, so p sleeps; an execution whose
//! enabled tasks are all asleep is redundant and stops early.
//!
//! Select arm choices are explored in full at their own nodes. A timer
//! firing conflicts with everything. `preemption_bound` (Musuvathi &
//! Qadeer, PLDI 2007) drops backtrack points that would exceed the bound,
//! as loom does; `timer_bound` caps early firings.

use super::{Strategy, FIRE, PRUNED};
use crate::rt::{split_part, Access, Footprint, TaskId};
use goweave_checkers::Clock;

/// Choice points at which a task may go on while others could run before
/// the search's default choice moves on to another task. Only the default
/// changes: backtracking still explores what it must.
const FAIR_STREAK: usize = 64;

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

enum Node {
    Task {
        enabled: Vec<TaskId>,
        /// The next operation of each enabled task.
        footprints: Vec<(TaskId, Footprint)>,
        /// Tasks whose exploration from here is known redundant.
        sleep: Vec<(TaskId, Footprint)>,
        backtrack: Vec<TaskId>,
        done: Vec<TaskId>,
        chosen: TaskId,
        /// The task that ran the step before this node.
        previous: TaskId,
        preemptions: usize,
        firings: usize,
        /// At a split node of a parted search, its branches in the order
        /// every part takes them (see [`Dpor::split`]).
        split: Option<Box<Split>>,
    },
    Arm {
        chosen: usize,
        count: usize,
    },
}

/// A split node: see [`Dpor::split`].
struct Split {
    order: Vec<TaskId>,
    /// The branch number of the split choices above it.
    prefix: u64,
    /// Whether branches are dealt out to parts here (the last split level).
    deals: bool,
}

/// Where the current execution stands among the split levels.
#[derive(Clone, Copy)]
struct SplitPos {
    /// The branch number of the split choices so far.
    id: u64,
    /// How many branches the split levels so far make.
    width: u64,
    /// Whether this execution's part was decided.
    dealt: bool,
}

impl Split {
    /// The branch to take at or after `from` for part `part` of `parts`:
    /// the next one at an upper level, the next of this part's where the
    /// branches are dealt.
    fn branch(&self, part: u64, parts: u64, from: usize) -> Option<usize> {
        let len = self.order.len() as u64;
        (from..self.order.len()).find(|&k| !self.deals || (self.prefix * len + k as u64) % parts == part)
    }
}

impl SplitPos {
    const START: SplitPos = SplitPos { id: 0, width: 1, dealt: false };

    /// Follows split node `split`'s branch `k`.
    fn enter(&mut self, split: &Split, k: usize) {
        let len = split.order.len() as u64;
        self.id = split.prefix.wrapping_mul(len).wrapping_add(k as u64);
        self.width = self.width.saturating_mul(len);
        self.dealt |= split.deals;
    }
}

struct Step {
    task: TaskId,
    footprint: Footprint,
    clock: Clock,
    node: usize,
}

#[derive(Default)]
struct ObjectClocks {
    write: Clock,
    reads: Clock,
    /// The last step on this object of each task that touched it (by
    /// clock slot), per access kind: racing steps are found without
    /// scanning the whole execution, or every task.
    last: Vec<(usize, [Option<usize>; 4])>,
    /// The object's parts (a channel's send order, receive order and
    /// buffer slots), by part number minus one.
    parts: Vec<ObjectClocks>,
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
    path: Vec<Node>,
    // The current execution.
    depth: usize,
    task_node: usize,
    preemptions: usize,
    firings: usize,
    clocks: Vec<Clock>,
    objects: Vec<ObjectClocks>,
    /// Clocks of objects with ids beyond `objects` (the spawn order).
    spawn: ObjectClocks,
    all: Clock,
    last_global: Clock,
    steps: Vec<Step>,
    /// The last step of each task (by clock slot) with any footprint, and
    /// the last with the global one.
    last_any: Vec<Option<usize>>,
    last_global_step: Vec<(usize, usize)>,
    /// Every waiting task's next operation (enabled or not) at this node.
    moves: Vec<(TaskId, Footprint)>,
    /// The task that called `yield_now` last, until the next choice.
    yielded: Option<TaskId>,
    /// Consecutive choice points at which the current task went on while
    /// another could have run (see `FAIR_STREAK`).
    streak: usize,
    /// Scratch space for the steps racing with one operation.
    racing: Vec<usize>,
    /// Scratch space for each task's latest step conflicting with it.
    latest: Vec<(usize, usize)>,
}

impl Dpor {
    pub(crate) fn new(preemption_bound: Option<usize>, timer_bound: usize, iterations: u64) -> Dpor {
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
            path: Vec::new(),
            depth: 0,
            task_node: 0,
            preemptions: 0,
            firings: 0,
            clocks: Vec::new(),
            objects: Vec::new(),
            spawn: ObjectClocks::default(),
            all: Clock::default(),
            last_global: Clock::default(),
            steps: Vec::new(),
            last_any: Vec::new(),
            last_global_step: Vec::new(),
            moves: Vec::new(),
            racing: Vec::new(),
            latest: Vec::new(),
            streak: 0,
            yielded: None,
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

    fn clock(&mut self, task: TaskId) -> &mut Clock {
        let s = slot(task);
        if self.clocks.len() <= s {
            self.clocks.resize_with(s + 1, Clock::default);
        }
        &mut self.clocks[s]
    }

    fn object(&mut self, id: usize) -> &mut ObjectClocks {
        if id == usize::MAX {
            return &mut self.spawn;
        }
        let (o, part) = split_part(id);
        if self.objects.len() <= o {
            self.objects.resize_with(o + 1, ObjectClocks::default);
        }
        let whole = &mut self.objects[o];
        if part == 0 {
            return whole;
        }
        if whole.parts.len() < part {
            whole.parts.resize_with(part, ObjectClocks::default);
        }
        &mut whole.parts[part - 1]
    }

    /// The clocks of footprint id `id`, if it was touched.
    fn object_if_touched(&self, id: usize) -> Option<&ObjectClocks> {
        if id == usize::MAX {
            return Some(&self.spawn);
        }
        let (o, part) = split_part(id);
        let whole = self.objects.get(o)?;
        if part == 0 {
            Some(whole)
        } else {
            whole.parts.get(part - 1)
        }
    }

    /// Whether choosing `task` at a node would be a preemption there.
    fn preempts(enabled: &[TaskId], previous: TaskId, task: TaskId) -> bool {
        task != FIRE && task != previous && enabled.contains(&previous)
    }

    /// Adds `task` to the backtrack set of node `at`, within the bounds.
    fn add_backtrack(&mut self, at: usize, task: TaskId) {
        let (bound, timer_bound) = (self.preemption_bound, self.timer_bound);
        let Node::Task { enabled, backtrack, previous, preemptions, firings, sleep, .. } = &mut self.path[at]
        else {
            return;
        };
        if backtrack.contains(&task) || sleep.iter().any(|s| s.0 == task) {
            return;
        }
        let over = if task == FIRE {
            *firings >= timer_bound
        } else {
            Self::preempts(enabled, *previous, task) && bound.is_some_and(|b| *preemptions >= b)
        };
        if over {
            self.bounded = true;
            return;
        }
        backtrack.push(task);
    }

    /// The sleep set of a new node: the parent's sleepers and the choices
    /// already explored at the parent, minus those the step just taken
    /// depends on.
    fn inherited_sleep(&self) -> Vec<(TaskId, Footprint)> {
        let Some(parent) = self.path.iter().rev().find_map(|n| match n {
            Node::Task { footprints, sleep, done, chosen, .. } => Some((footprints, sleep, done, *chosen)),
            Node::Arm { .. } => None,
        }) else {
            return Vec::new();
        };
        let (footprints, sleep, done, chosen) = parent;
        let footprint_of =
            |t: TaskId| footprints.iter().find(|m| m.0 == t).map_or(Footprint::Global, |m| m.1);
        let step = footprint_of(chosen);
        let explored = done.iter().filter(|&&t| t != chosen).map(|&t| (t, footprint_of(t)));
        sleep.iter().copied().chain(explored).filter(|&(t, f)| t != chosen && !f.dependent(&step)).collect()
    }

    /// For each waiting task (enabled or not) at a new node, finds the
    /// steps that race with its next operation and schedules their
    /// reversals.
    fn find_races(&mut self, moves: &[(TaskId, Footprint)]) {
        let mut racing = std::mem::take(&mut self.racing);
        let mut latest = std::mem::take(&mut self.latest);
        for &(p, next) in moves {
            self.clock(p);
            self.races(p, next, &self.clocks[slot(p)], &mut latest, &mut racing);
            if racing.is_empty() {
                continue;
            }
            // Cloned only when there is a race: most waiting tasks have none.
            let p_clock = self.clocks[slot(p)].clone();
            for &i in &racing {
                self.reverse(i, p, next, &p_clock);
            }
        }
        self.racing = racing;
        self.latest = latest;
    }

    /// The steps of other tasks that race with `p`'s next operation: they
    /// conflict with it, are not ordered before it, and no other such step
    /// is ordered between them and it. Each task's latest conflicting
    /// step stands for its earlier ones, which program order puts before
    /// it. Every race counts, not only the latest: two reads can both race
    /// with one write, and reversing only the later read misses the
    /// schedules where the write goes between them.
    ///
    /// `latest` is scratch space: each other task's latest conflicting
    /// step, as (clock slot, step).
    fn races(
        &self,
        p: TaskId,
        next: Footprint,
        p_clock: &Clock,
        latest: &mut Vec<(usize, usize)>,
        racing: &mut Vec<usize>,
    ) {
        racing.clear();
        latest.clear();
        let unordered = |i: usize| {
            let step = &self.steps[i];
            step.clock.get(slot(step.task)) > p_clock.get(slot(step.task))
        };
        let me = slot(p);
        let mut consider = |u: usize, i: Option<usize>| {
            let Some(i) = i else { return };
            if u == me {
                return;
            }
            match latest.iter_mut().find(|e| e.0 == u) {
                Some(e) => e.1 = e.1.max(i),
                None => latest.push((u, i)),
            }
        };
        match next {
            Footprint::None => return,
            Footprint::Global => {
                for (u, &last) in self.last_any.iter().enumerate() {
                    consider(u, last);
                }
            }
            Footprint::Objects { .. } => {
                for &(u, last) in &self.last_global_step {
                    consider(u, Some(last));
                }
                for &(o, access) in next.items() {
                    let Some(obj) = self.object_if_touched(o) else { continue };
                    for &(u, kinds) in &obj.last {
                        for kind in Access::ALL {
                            if kind.races(access) {
                                consider(u, kinds[kind.index()]);
                            }
                        }
                    }
                }
            }
        }
        // A step ordered before another conflicting step reaches `p`
        // through it (or is ordered before `p` if that one is).
        let steps = &self.steps;
        let before = |i: usize, j: usize| {
            let a = &steps[i];
            i < j && a.clock.get(slot(a.task)) <= steps[j].clock.get(slot(a.task))
        };
        let direct = |i: usize| unordered(i) && !latest.iter().any(|&(_, j)| before(i, j));
        racing.extend(latest.iter().map(|e| e.1).filter(|&i| direct(i)));
    }

    /// Schedules the reversal of step `i` and task `p`'s next operation
    /// (source-DPOR, Abdulla et al. POPL 2014): among the steps after `i`
    /// that do not depend on it, followed by `p`'s operation, the tasks
    /// that can go first (the initials) must include one that is explored
    /// at `i`'s node; if none is, add one that is enabled and awake there.
    fn reverse(&mut self, i: usize, p: TaskId, next: Footprint, p_clock: &Clock) {
        let hb = |a: &Step, b_clock: &Clock| a.clock.get(slot(a.task)) <= b_clock.get(slot(a.task));
        let e = &self.steps[i];
        let later: Vec<&Step> = self.steps[i + 1..].iter().filter(|s| !hb(e, &s.clock)).collect();
        let mut initials: Vec<TaskId> = Vec::new();
        let mut seen: Vec<TaskId> = Vec::new();
        for (k, step) in later.iter().enumerate() {
            // Only a task's first step in `later` can go first: its later
            // ones follow it in program order.
            if seen.contains(&step.task) {
                continue;
            }
            seen.push(step.task);
            if !later[..k].iter().any(|earlier| hb(earlier, &step.clock)) {
                initials.push(step.task);
            }
        }
        // `p`'s operation comes last in the reversed sequence: it can go
        // first only if nothing before it there is ordered before it,
        // whether by the clocks or by conflicting with it.
        let p_first = !later.iter().any(|earlier| hb(earlier, p_clock) || earlier.footprint.dependent(&next));
        if !initials.contains(&p) && p_first {
            initials.push(p);
        }
        let at = e.node;
        let Node::Task { enabled, backtrack, sleep, .. } = &self.path[at] else { return };
        // Covered if an initial is explored there already, or sleeps there
        // (every sequence starting with it was explored elsewhere).
        if initials.iter().any(|q| backtrack.contains(q) || sleep.iter().any(|s| s.0 == *q)) {
            return;
        }
        let awake = |q: &TaskId| enabled.contains(q) && !sleep.iter().any(|s| s.0 == *q);
        // Prefer p itself, then the earliest initial.
        let pick =
            if initials.contains(&p) && awake(&p) { Some(p) } else { initials.iter().copied().find(awake) };
        match pick {
            Some(q) => self.add_backtrack(at, q),
            None => {
                let all: Vec<TaskId> = enabled.iter().copied().filter(|q| awake(q)).collect();
                for q in all {
                    self.add_backtrack(at, q);
                }
            }
        }
    }
}

impl Strategy for Dpor {
    fn begin(&mut self) -> bool {
        if self.started {
            // The deepest node with something left to explore.
            loop {
                let Some(node) = self.path.last_mut() else {
                    self.exhausted = true;
                    return false;
                };
                match node {
                    Node::Task { split: Some(split), done, chosen, .. } => {
                        let at = split.order.iter().position(|t| t == chosen).unwrap_or(0);
                        if let Some(k) = split.branch(self.part, self.parts, at + 1) {
                            done.clear();
                            done.extend_from_slice(&split.order[..=k]);
                            *chosen = split.order[k];
                            break;
                        }
                    }
                    Node::Task { backtrack, done, chosen, .. } => {
                        if let Some(&next) = backtrack.iter().find(|t| !done.contains(t)) {
                            done.push(next);
                            *chosen = next;
                            break;
                        }
                    }
                    Node::Arm { chosen, count } => {
                        if *chosen + 1 < *count {
                            *chosen += 1;
                            break;
                        }
                    }
                }
                self.path.pop();
            }
        }
        // Checked after backtracking, so a tree finished exactly at the cap
        // still counts as exhausted.
        if self.executions >= self.iterations {
            return false;
        }
        self.started = true;
        self.executions += 1;
        self.streak = 0;
        self.yielded = None;
        self.split_at = SplitPos::START;
        self.depth = 0;
        self.preemptions = 0;
        self.firings = 0;
        self.clocks.clear();
        self.objects.clear();
        self.spawn = ObjectClocks::default();
        self.all.clear();
        self.last_global.clear();
        self.steps.clear();
        self.last_any.clear();
        self.last_global_step.clear();
        true
    }

    fn wants_footprints(&self) -> bool {
        true
    }

    fn on_yield(&mut self, task: TaskId) {
        self.yielded = Some(task);
    }

    fn observe_moves(&mut self, moves: &[(TaskId, Footprint)]) {
        self.moves.clear();
        self.moves.extend_from_slice(moves);
    }

    fn pick_task(&mut self, enabled: &[TaskId], current: TaskId, step: u32) -> Result<TaskId, String> {
        let d = self.depth;
        self.depth += 1;
        self.task_node = d;
        let yielded = self.yielded.take() == Some(current);
        let pick = if d < self.path.len() {
            match &self.path[d] {
                Node::Task { chosen, split, enabled: recorded, .. } if recorded == enabled => {
                    let chosen = *chosen;
                    if let Some(split) = split {
                        let k = split.order.iter().position(|&t| t == chosen).unwrap_or(0);
                        self.split_at.enter(split, k);
                    }
                    chosen
                }
                Node::Task { enabled: recorded, .. } => {
                    return Err(format!(
                        "at step {step}, replaying the schedule of an earlier execution, the runnable \
                         moves were {} where that execution had {}: the same choices led the program \
                         somewhere else.",
                        describe_moves(enabled),
                        describe_moves(recorded)
                    ))
                }
                Node::Arm { .. } => {
                    return Err(format!(
                        "at step {step}, replaying the schedule of an earlier execution, the program \
                         chose among tasks ({}) where that execution chose a select arm.",
                        describe_moves(enabled)
                    ))
                }
            }
        } else {
            let sleep = self.inherited_sleep();
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
            let first = if enabled.contains(&current) && !asleep(current) && !spinning {
                Some(current)
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
                return Ok(PRUNED);
            };
            let footprints: Vec<(TaskId, Footprint)> =
                self.moves.iter().filter(|m| enabled.contains(&m.0)).copied().collect();
            let splits = self.parts > 1 && !self.split_at.dealt && enabled.len() > 1;
            let (first, backtrack, done, split) = if splits {
                // Current task first, as the unparted search would.
                let mut order = vec![first];
                for &t in enabled {
                    if t == first || asleep(t) {
                        continue;
                    }
                    let over = if t == FIRE {
                        self.firings >= self.timer_bound
                    } else {
                        Self::preempts(enabled, current, t)
                            && self.preemption_bound.is_some_and(|b| self.preemptions >= b)
                    };
                    if over {
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
                    return Ok(PRUNED);
                };
                self.split_at.enter(&split, k);
                let order = split.order.clone();
                (order[k], order.clone(), order[..=k].to_vec(), Some(Box::new(split)))
            } else {
                (first, vec![first], vec![first], None)
            };
            self.path.push(Node::Task {
                enabled: enabled.to_vec(),
                footprints,
                sleep,
                backtrack,
                done,
                chosen: first,
                previous: current,
                preemptions: self.preemptions,
                firings: self.firings,
                split,
            });
            let moves = std::mem::take(&mut self.moves);
            self.find_races(&moves);
            self.moves = moves;
            first
        };
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

    fn after_step(&mut self, task: TaskId, footprint: Footprint, touched: &[TaskId]) {
        let mut c = self.clock(task).clone();
        c.join(&self.last_global);
        match footprint {
            Footprint::Global => c.join(&self.all),
            Footprint::None => {}
            Footprint::Objects { .. } => {
                for (o, write) in footprint.objects() {
                    let obj = self.object(o);
                    c.join(&obj.write);
                    if write {
                        c.join(&obj.reads);
                    }
                }
            }
        }
        c.tick(slot(task));
        for (o, write) in footprint.objects() {
            let obj = self.object(o);
            if write {
                obj.write.copy_from(&c);
                obj.reads.clear();
            } else {
                obj.reads.join(&c);
            }
        }
        if footprint == Footprint::Global {
            self.last_global.copy_from(&c);
        }
        self.all.join(&c);
        self.clock(task).copy_from(&c);
        for &u in touched {
            self.clock(u).join(&c);
        }
        let node = self.task_node;
        let index = self.steps.len();
        let me = slot(task);
        if footprint != Footprint::None {
            if self.last_any.len() <= me {
                self.last_any.resize(me + 1, None);
            }
            self.last_any[me] = Some(index);
            if footprint == Footprint::Global {
                match self.last_global_step.iter_mut().find(|e| e.0 == me) {
                    Some(entry) => entry.1 = index,
                    None => self.last_global_step.push((me, index)),
                }
            }
        }
        for &(o, access) in footprint.items() {
            let obj = self.object(o);
            match obj.last.iter_mut().find(|e| e.0 == me) {
                Some(entry) => entry.1[access.index()] = Some(index),
                None => {
                    let mut kinds = [None; 4];
                    kinds[access.index()] = Some(index);
                    obj.last.push((me, kinds));
                }
            }
        }
        self.steps.push(Step { task, footprint, clock: c, node });
    }

    fn pick_arm(&mut self, ready: usize, step: u32) -> Result<usize, String> {
        let d = self.depth;
        self.depth += 1;
        if d < self.path.len() {
            match self.path[d] {
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
            self.path.push(Node::Arm { chosen: 0, count: ready });
            Ok(0)
        }
    }

    fn divergence(&self) -> crate::FailureKind {
        crate::FailureKind::Nondeterminism
    }

    fn execution_index(&self) -> u64 {
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
