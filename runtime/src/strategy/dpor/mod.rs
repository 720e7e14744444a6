//! Exhaustive search with dynamic partial-order reduction.
//!
//! Stateless DPOR in the style of Flanagan & Godefroid (POPL 2005): the
//! search keeps the path of the current execution, one node per choice
//! point, each with the tasks enabled there, the tasks to explore there
//! (its backtrack set) and those already explored. Every step's footprint
//! (which objects it reads or writes, see [`Footprint`]) and a vector clock
//! of the steps it depends on are computed as the execution runs. When a
//! step runs, the search looks for the earlier steps of other tasks that
//! conflict with it and are not ordered before it (source-DPOR, Abdulla et
//! al. POPL 2014: the races of the execution, found where their second
//! step runs); each such step and this one could run the other way round,
//! so a task that can go first in that reversal is added to the backtrack
//! set of the node where the earlier step was chosen. A blocked task's next
//! operation is checked the same way at every new state, not only where it
//! runs: the step that wakes it may order it after a step it raced with.
//! Independent interleavings are therefore never explored twice: N tasks
//! touching disjoint objects take a single execution.
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
//!
//! Cost per step. A node is made at every step, so nothing here allocates
//! per node or per step once the search's buffers have grown: a node's
//! task sets are ranges of two stack-like buffers (cut back when the node
//! is popped), every clock is a row of one [`ClockRows`] (a step's row,
//! never changed once recorded, is shared by its task and the objects it
//! wrote), and the objects' clocks and last steps live in flat tables
//! indexed by object. The runtime computes footprints only where they are
//! needed (see [`Scheduler::wants_moves`]).

use super::{Moves, Scheduler, FIRE, PRUNED};
use crate::footprint::{split_part, Access, Footprint, TaskId};
use goweave_checkers::ClockRows;

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

/// Records step `i` as the latest of the task in clock slot `u` in
/// `latest`, unless a later one is there.
fn keep_latest(latest: &mut Vec<(usize, usize)>, u: usize, i: usize) {
    match latest.iter_mut().find(|e| e.0 == u) {
        Some(e) => e.1 = e.1.max(i),
        None => latest.push((u, i)),
    }
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

enum Node {
    Task(TaskNode),
    Arm { chosen: usize, count: usize },
}

struct TaskNode {
    /// Where this node's tasks start in [`Dpor::tasks`]: the enabled
    /// ones, then the backtrack set with room for all of them (it only
    /// ever holds enabled tasks, each once).
    at: usize,
    enabled: usize,
    /// Where the next steps of the enabled tasks are in
    /// [`Dpor::footprints`], as they were when the node was made, and
    /// whether they are there yet: they are needed only once a second
    /// choice is explored here, and are recorded then (the node is the
    /// deepest then, so they go at the end of the buffer).
    footprints: usize,
    footprints_known: bool,
    /// The size of the backtrack set, in the order its tasks were added.
    /// Its first `explored` are the ones explored, the last of them the
    /// current choice: a task is explored after those added before it.
    backtrack: usize,
    explored: usize,
    /// Where this node's sleep set is in [`Dpor::sleeps`]: the tasks whose
    /// exploration from here is known redundant, with their next step.
    sleep_at: usize,
    sleep_len: usize,
    /// The task that ran the step before this node.
    previous: TaskId,
    preemptions: usize,
    firings: usize,
    /// At a split node of a parted search, its branches in the order
    /// every part takes them (see [`Dpor::split`]). They are also the
    /// first of the backtrack set.
    split: Option<Box<Split>>,
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
    /// The row of its clock in [`Dpor::clocks`], and its task's own time
    /// there: another clock at or past that time for that task has it
    /// before.
    row: u32,
    time: u32,
    node: usize,
}

/// What the search knows of one object (or part of one) this execution.
#[derive(Clone, Copy)]
struct Object {
    /// Rows of the clock of its last write and of the join of the reads
    /// since (`NONE` before the first). `reads` is zero unless `read`.
    write: u32,
    reads: u32,
    read: bool,
    /// Where the entries of its parts (a channel's send order, receive
    /// order and buffer slots) are in [`Objects::parts`], by part number
    /// minus one, and how many there is room for.
    parts_at: u32,
    parts_len: u32,
    /// Its first and last [`Touch`]: one per task that touched it, in the
    /// order they first did, so racing steps are found without scanning
    /// the whole execution, or every task.
    first: u32,
    last: u32,
}

/// What the races of a blocked task's next operation were last checked
/// against: see [`Dpor::races_of_blocked`].
#[derive(Clone, Copy)]
struct Blocked {
    task: TaskId,
    next: Footprint,
    /// The row of the task's clock then: a new row means a new clock.
    row: u32,
    /// The steps checked: those before this one.
    checked: usize,
}

/// A task's last step on an object.
#[derive(Clone, Copy)]
struct Touch {
    /// The task's clock slot.
    slot: u32,
    /// The step per access kind (`NONE` if none), and its time in its
    /// task's clock (see [`Step::time`]).
    steps: [u32; 4],
    times: [u32; 4],
    /// The next task's touch of the same object.
    next: u32,
}

/// The objects touched this execution, without a map: entries by object
/// id, and blocks of entries for parts.
#[derive(Default)]
struct Objects {
    /// The entry of each object, by id (`NONE` if untouched).
    whole: Vec<u32>,
    /// The entry of the spawn order (footprint id `usize::MAX`).
    spawn: Option<u32>,
    parts: Vec<u32>,
    entries: Vec<Object>,
    touches: Vec<Touch>,
}

impl Objects {
    fn clear(&mut self) {
        self.whole.clear();
        self.spawn = None;
        self.parts.clear();
        self.entries.clear();
        self.touches.clear();
    }

    fn add(&mut self) -> u32 {
        self.entries.push(Object {
            write: NONE,
            reads: NONE,
            read: false,
            parts_at: 0,
            parts_len: 0,
            first: NONE,
            last: NONE,
        });
        index(self.entries.len() - 1)
    }

    /// The entry of footprint id `id`, if it was touched.
    fn find(&self, id: usize) -> Option<usize> {
        if id == usize::MAX {
            return self.spawn.map(|e| e as usize);
        }
        let (o, part) = split_part(id);
        let e = *self.whole.get(o)?;
        if e == NONE {
            return None;
        }
        if part == 0 {
            return Some(e as usize);
        }
        let whole = &self.entries[e as usize];
        if part > whole.parts_len as usize {
            return None;
        }
        let p = self.parts[whole.parts_at as usize + part - 1];
        (p != NONE).then_some(p as usize)
    }

    /// The entry of footprint id `id`, made if it was untouched.
    fn entry(&mut self, id: usize) -> usize {
        if id == usize::MAX {
            if self.spawn.is_none() {
                self.spawn = Some(self.add());
            }
            return self.spawn.unwrap_or(0) as usize;
        }
        let (o, part) = split_part(id);
        if self.whole.len() <= o {
            self.whole.resize(o + 1, NONE);
        }
        if self.whole[o] == NONE {
            self.whole[o] = self.add();
        }
        let e = self.whole[o] as usize;
        if part == 0 {
            return e;
        }
        let Object { parts_at, parts_len, .. } = self.entries[e];
        let (mut at, len) = (parts_at as usize, parts_len as usize);
        if part > len {
            // The block moves to the end, twice as large: its old place
            // is left unused until the execution ends.
            let room = part.next_power_of_two().max(8);
            let new_at = self.parts.len();
            self.parts.extend_from_within(at..at + len);
            self.parts.resize(new_at + room, NONE);
            at = new_at;
            self.entries[e].parts_at = index(at);
            self.entries[e].parts_len = index(room);
        }
        if self.parts[at + part - 1] == NONE {
            self.parts[at + part - 1] = self.add();
        }
        self.parts[at + part - 1] as usize
    }

    /// Records step `step` of the task in clock slot `me`, at time `time`
    /// in its clock, as its last one on entry `e` with access `access`.
    fn touch(&mut self, e: usize, me: u32, access: Access, step: u32, time: u32) {
        let mut t = self.entries[e].first;
        while t != NONE {
            let touch = &mut self.touches[t as usize];
            if touch.slot == me {
                touch.steps[access.index()] = step;
                touch.times[access.index()] = time;
                return;
            }
            t = touch.next;
        }
        // Pushed whole, then the one access set in place: arrays built on
        // the stack by index and copied at once stall the copy.
        let new = index(self.touches.len());
        self.touches.push(Touch { slot: me, steps: [NONE; 4], times: [0; 4], next: NONE });
        let touch = &mut self.touches[new as usize];
        touch.steps[access.index()] = step;
        touch.times[access.index()] = time;
        let obj = &mut self.entries[e];
        if obj.last == NONE {
            obj.first = new;
        } else {
            self.touches[obj.last as usize].next = new;
        }
        obj.last = new;
    }
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
    /// The last task node chosen at this execution, if any: the parent
    /// of a new one.
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
    /// The task that called `yield_now` last, until the next choice.
    yielded: Option<TaskId>,
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

    /// The row of the clock of the task in clock slot `s`.
    fn task_row(&mut self, s: usize) -> usize {
        if self.buf.task_rows.len() <= s {
            self.buf.task_rows.resize(s + 1, NONE);
        }
        if self.buf.task_rows[s] == NONE {
            self.buf.task_rows[s] = index(self.buf.clocks.push_zero());
        }
        self.buf.task_rows[s] as usize
    }

    /// Whether step `a` happens before the clock in row `row`.
    fn before(&self, a: &Step, row: usize) -> bool {
        a.time <= self.buf.clocks.get(row, slot(a.task))
    }

    /// Whether choosing `task` at a node would be a preemption there.
    fn preempts(enabled: &[TaskId], previous: TaskId, task: TaskId) -> bool {
        task != FIRE && task != previous && enabled.contains(&previous)
    }

    /// Adds `task` to the backtrack set of node `at`, within the bounds.
    fn add_backtrack(&mut self, at: usize, task: TaskId) {
        let Node::Task(n) = &mut self.buf.path[at] else { return };
        let enabled = &self.buf.tasks[n.at..n.at + n.enabled];
        let backtrack = &self.buf.tasks[n.at + n.enabled..n.at + n.enabled + n.backtrack];
        let sleep = &self.buf.sleeps[n.sleep_at..n.sleep_at + n.sleep_len];
        if backtrack.contains(&task) || sleep.iter().any(|s| s.0 == task) {
            return;
        }
        let over = if task == FIRE {
            n.firings >= self.timer_bound
        } else {
            Self::preempts(enabled, n.previous, task)
                && self.preemption_bound.is_some_and(|b| n.preemptions >= b)
        };
        if over {
            self.bounded = true;
            return;
        }
        debug_assert!(enabled.contains(&task) && n.backtrack < n.enabled);
        self.buf.tasks[n.at + n.enabled + n.backtrack] = task;
        n.backtrack += 1;
    }

    /// The timer could fire at the last node but the step taken there
    /// took that move away (it stopped the timer, or left no task that
    /// could see it fire): the two do not commute, so firing first is
    /// explored too. No race shows this, as the firing never happens.
    fn timer_taken_away(&mut self, fire_now: bool) {
        let Some(Node::Task(n)) = self.parent.map(|p| &self.buf.path[p]) else { return };
        let enabled = &self.buf.tasks[n.at..n.at + n.enabled];
        let chosen = self.buf.tasks[n.at + n.enabled + n.explored - 1];
        if !fire_now && chosen != FIRE && enabled.contains(&FIRE) {
            self.add_backtrack(self.parent.expect("a parent node"), FIRE);
        }
    }

    /// Appends the sleep set of a new node to `sleeps`: the parent's
    /// sleepers and the choices already explored at the parent, minus
    /// those the step just taken depends on. The explored choices'
    /// footprints were shown when the parent was replayed to explore
    /// another (see [`Scheduler::wants_moves`]).
    fn inherit_sleep(&mut self) {
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
        let backtrack = parent.at + parent.enabled;
        let chosen = self.buf.tasks[backtrack + parent.explored - 1];
        let step = self.chosen_footprint;
        for k in parent.sleep_at..parent.sleep_at + parent.sleep_len {
            let (t, f) = self.buf.sleeps[k];
            if t != chosen && !f.dependent(&step) {
                self.buf.sleeps.push((t, f));
            }
        }
        for k in backtrack..backtrack + parent.explored - 1 {
            let t = self.buf.tasks[k];
            let f = footprint_of(t);
            if t != chosen && !f.dependent(&step) {
                self.buf.sleeps.push((t, f));
            }
        }
    }

    /// For each of these next operations of tasks, finds the steps that
    /// race with it and schedules their reversals.
    fn find_races(&mut self, moves: &[(TaskId, Footprint)]) {
        for &(p, next) in moves {
            self.races_of_move(p, next);
        }
    }

    /// [`races_of_move`](Self::races_of_move) for a blocked task's next
    /// operation, checked at every new state. While the operation and the
    /// task's clock stay the same, the races with the steps already
    /// checked were found then, and no step before those can race anew:
    /// only the steps since are checked.
    fn races_of_blocked(&mut self, p: TaskId, next: Footprint) {
        let s = slot(p);
        let p_row = self.task_row(s) as u32;
        let now = self.buf.steps.len();
        let known = self.buf.blocked.iter().position(|b| b.task == p);
        let since = match known.map(|k| self.buf.blocked[k]) {
            Some(b) if b.next == next && b.row == p_row => b.checked,
            _ => {
                let check = Blocked { task: p, next, row: p_row, checked: now };
                match known {
                    Some(k) => self.buf.blocked[k] = check,
                    None => self.buf.blocked.push(check),
                }
                self.races_of_move(p, next);
                return;
            }
        };
        if let Some(k) = known {
            self.buf.blocked[k].checked = now;
        }
        let mut latest = std::mem::take(&mut self.buf.latest);
        latest.clear();
        for j in since..now {
            let step = &self.buf.steps[j];
            let u = slot(step.task);
            if u != s && !self.before(step, p_row as usize) && step.footprint.races_with(&next) {
                keep_latest(&mut latest, u, j);
            }
        }
        let mut racing = std::mem::take(&mut self.buf.racing);
        racing.clear();
        self.direct(&latest, &mut racing);
        for &i in &racing {
            self.reverse(i, p, next, p_row as usize);
        }
        self.buf.racing = racing;
        self.buf.latest = latest;
    }

    /// [`races_of_step`](Self::races_of_step) for a next operation that
    /// may not run at this state.
    fn races_of_move(&mut self, p: TaskId, next: Footprint) {
        if next == Footprint::None {
            return;
        }
        let p_row = self.task_row(slot(p));
        let mut entries = [NONE; 4];
        for (k, &(o, _)) in next.items().iter().enumerate() {
            entries[k] = self.buf.objects.find(o).map_or(NONE, index);
        }
        self.races_of_step(p, next, p_row, &entries);
    }

    /// [`find_races`](Self::find_races) for one operation of `p`, whose
    /// clock is in row `p_row`; `entries` are those of its objects
    /// (`NONE` for one untouched).
    fn races_of_step(&mut self, p: TaskId, next: Footprint, p_row: usize, entries: &[u32; 4]) {
        let mut racing = std::mem::take(&mut self.buf.racing);
        let mut latest = std::mem::take(&mut self.buf.latest);
        self.races(p, next, p_row, entries, &mut latest, &mut racing);
        for &i in &racing {
            self.reverse(i, p, next, p_row);
        }
        self.buf.racing = racing;
        self.buf.latest = latest;
    }

    /// Appends the shown moves of the `len` tasks at `at` in `tasks` to
    /// `footprints`. Both lists are in task order, the timer (the largest
    /// id) last.
    fn record_footprints(&mut self, len: usize, at: usize) {
        let mut j = 0;
        for k in 0..len {
            let t = self.buf.tasks[at + k];
            while j < self.buf.moves.len() && self.buf.moves[j].0 < t {
                j += 1;
            }
            let found = self.buf.moves.get(j).filter(|m| m.0 == t);
            self.buf.footprints.push(found.map_or(Footprint::Global, |m| m.1));
        }
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
    /// step, as (clock slot, step). `p_row` is the row of `p`'s clock.
    fn races(
        &self,
        p: TaskId,
        next: Footprint,
        p_row: usize,
        entries: &[u32; 4],
        latest: &mut Vec<(usize, usize)>,
        racing: &mut Vec<usize>,
    ) {
        racing.clear();
        latest.clear();
        let me = slot(p);
        // Steps ordered before `p` are left out at once: a task's latest
        // conflicting step ordered before `p` has its earlier ones before
        // it too, and a step ordered before such a step is before `p`.
        let mut consider = |u: usize, i: usize| keep_latest(latest, u, i);
        match next {
            Footprint::None => return,
            Footprint::Global => {
                for (u, &last) in self.buf.last_any.iter().enumerate() {
                    if let Some(i) = last.filter(|&i| u != me && !self.before(&self.buf.steps[i], p_row)) {
                        consider(u, i);
                    }
                }
            }
            Footprint::Objects { .. } => {
                for &(u, last) in &self.buf.last_global_step {
                    if u != me && !self.before(&self.buf.steps[last], p_row) {
                        consider(u, last);
                    }
                }
                for (k, &(_, access)) in next.items().iter().enumerate() {
                    let e = entries[k];
                    if e == NONE {
                        continue;
                    }
                    let kinds = access.racing_kinds();
                    let mut t = self.buf.objects.entries[e as usize].first;
                    while t != NONE {
                        let touch = &self.buf.objects.touches[t as usize];
                        let u = touch.slot as usize;
                        if u != me {
                            let seen = self.buf.clocks.get(p_row, u);
                            for kind in 0..4 {
                                let i = touch.steps[kind];
                                if kinds & (1 << kind) != 0 && i != NONE && touch.times[kind] > seen {
                                    consider(u, i as usize);
                                }
                            }
                        }
                        t = touch.next;
                    }
                }
            }
        }
        self.direct(latest, racing);
    }

    /// Appends to `racing` the steps in `latest` (each a task's latest
    /// conflicting step) not ordered before another of them: such a step
    /// reaches the operation through that one.
    fn direct(&self, latest: &[(usize, usize)], racing: &mut Vec<usize>) {
        if latest.len() < 2 {
            racing.extend(latest.iter().map(|e| e.1));
            return;
        }
        let steps = &self.buf.steps;
        let ordered = |i: usize, j: usize| i < j && self.before(&steps[i], steps[j].row as usize);
        racing.extend(latest.iter().map(|e| e.1).filter(|&i| !latest.iter().any(|&(_, j)| ordered(i, j))));
    }

    /// Schedules the reversal of step `i` and task `p`'s next operation
    /// (source-DPOR, Abdulla et al. POPL 2014): among the steps after `i`
    /// that do not depend on it, followed by `p`'s operation, the tasks
    /// that can go first (the initials) must include one that is explored
    /// at `i`'s node; if none is, add one that is enabled and awake there.
    fn reverse(&mut self, i: usize, p: TaskId, next: Footprint, p_row: usize) {
        let mut later = std::mem::take(&mut self.buf.later);
        let mut seen = std::mem::take(&mut self.buf.seen);
        let mut initials = std::mem::take(&mut self.buf.initials);
        later.clear();
        seen.clear();
        initials.clear();
        let e = &self.buf.steps[i];
        later.extend(
            (i + 1..self.buf.steps.len()).filter(|&j| !self.before(e, self.buf.steps[j].row as usize)),
        );
        for (k, &j) in later.iter().enumerate() {
            // Only a task's first step in `later` can go first: its later
            // ones follow it in program order.
            let step = &self.buf.steps[j];
            if seen.contains(&step.task) {
                continue;
            }
            seen.push(step.task);
            if !later[..k].iter().any(|&x| self.before(&self.buf.steps[x], step.row as usize)) {
                initials.push(step.task);
            }
        }
        // `p`'s operation comes last in the reversed sequence: it can go
        // first only if nothing before it there is ordered before it,
        // whether by the clocks or by conflicting with it.
        let p_first = !later.iter().any(|&x| {
            let earlier = &self.buf.steps[x];
            self.before(earlier, p_row) || earlier.footprint.dependent(&next)
        });
        if !initials.contains(&p) && p_first {
            initials.push(p);
        }
        let at = e.node;
        if let Node::Task(n) = &self.buf.path[at] {
            let enabled = &self.buf.tasks[n.at..n.at + n.enabled];
            let backtrack = &self.buf.tasks[n.at + n.enabled..n.at + n.enabled + n.backtrack];
            let sleep = &self.buf.sleeps[n.sleep_at..n.sleep_at + n.sleep_len];
            // Covered if an initial is explored there already, or sleeps
            // there (every sequence starting with it was explored
            // elsewhere).
            if !initials.iter().any(|q| backtrack.contains(q) || sleep.iter().any(|s| s.0 == *q)) {
                let awake = |q: &TaskId| enabled.contains(q) && !sleep.iter().any(|s| s.0 == *q);
                // Prefer p itself, then the earliest initial.
                let pick = if initials.contains(&p) && awake(&p) {
                    Some(p)
                } else {
                    initials.iter().copied().find(awake)
                };
                match pick {
                    Some(q) => self.add_backtrack(at, q),
                    None => {
                        // `seen` is free again: it holds the tasks to add.
                        seen.clear();
                        seen.extend(enabled.iter().copied().filter(|q| awake(q)));
                        for &q in &seen {
                            self.add_backtrack(at, q);
                        }
                    }
                }
            }
        }
        self.buf.later = later;
        self.buf.seen = seen;
        self.buf.initials = initials;
    }
}

/// A search's buffers: what grows with the path and the execution. They
/// are kept on this thread when the search ends (see
/// [`Buffers::take_cached`]).
#[derive(Default)]
struct Buffers {
    path: Vec<Node>,
    /// The nodes' enabled tasks and backtrack sets, in path order.
    tasks: Vec<TaskId>,
    /// The nodes' enabled tasks' next steps, in path order.
    footprints: Vec<Footprint>,
    /// The nodes' sleep sets, in path order.
    sleeps: Vec<(TaskId, Footprint)>,
    /// Every clock: the tasks' (rows by clock slot in `task_rows`), the
    /// objects', the last global step's and the steps'.
    clocks: ClockRows,
    task_rows: Vec<u32>,
    objects: Objects,
    steps: Vec<Step>,
    /// The last step of each task (by clock slot) with any footprint, and
    /// the last with the global one.
    last_any: Vec<Option<usize>>,
    last_global_step: Vec<(usize, usize)>,
    /// The next operations shown at this node (see
    /// [`Scheduler::observe_moves`]).
    moves: Vec<(TaskId, Footprint)>,
    /// The blocked tasks' next operations checked this execution.
    blocked: Vec<Blocked>,
    /// Scratch space for the steps racing with one operation.
    racing: Vec<usize>,
    /// Scratch space for each task's latest step conflicting with it.
    latest: Vec<(usize, usize)>,
    /// Scratch space for reversing a race: the later steps, the tasks
    /// seen among them, and those that can go first.
    later: Vec<usize>,
    seen: Vec<TaskId>,
    initials: Vec<TaskId>,
}

thread_local! {
    /// The buffers of the last search that ended on this thread. A suite
    /// runs many small exhaustive tests one after the other on a thread:
    /// each would otherwise grow a dozen buffers from empty, by doubling,
    /// which costs a short search as much as its own bookkeeping.
    static CACHED: std::cell::RefCell<Option<Box<Buffers>>> = const { std::cell::RefCell::new(None) };
}

impl Buffers {
    /// This thread's cached buffers, emptied, or new ones.
    fn take_cached() -> Buffers {
        let cached = CACHED.try_with(|c| c.try_borrow_mut().ok().and_then(|mut c| c.take())).ok().flatten();
        cached.map_or_else(Buffers::default, |b| *b)
    }

    /// Keeps these buffers for the next search on this thread. They hold
    /// only ids, footprints and clocks, never a user's value; each is
    /// emptied first, so a search starts from empty buffers either way.
    fn cache(mut self) {
        self.path.clear();
        self.tasks.clear();
        self.footprints.clear();
        self.sleeps.clear();
        self.clocks.clear();
        self.task_rows.clear();
        self.objects.clear();
        self.steps.clear();
        self.last_any.clear();
        self.last_global_step.clear();
        self.moves.clear();
        self.blocked.clear();
        self.racing.clear();
        self.latest.clear();
        self.later.clear();
        self.seen.clear();
        self.initials.clear();
        let _ = CACHED.try_with(|c| {
            if let Ok(mut c) = c.try_borrow_mut() {
                *c = Some(Box::new(self));
            }
        });
    }
}

impl Drop for Dpor {
    fn drop(&mut self) {
        std::mem::take(&mut self.buf).cache();
    }
}

impl Scheduler for Dpor {
    fn begin(&mut self) -> bool {
        if self.started {
            // The deepest node with something left to explore.
            loop {
                let Some(node) = self.buf.path.last_mut() else {
                    self.exhausted = true;
                    return false;
                };
                match node {
                    Node::Task(n) => {
                        if let Some(split) = &n.split {
                            // The branch after the current one (explored
                            // minus one) that is this part's.
                            if let Some(k) = split.branch(self.part, self.parts, n.explored) {
                                n.explored = k + 1;
                                break;
                            }
                        } else if n.explored < n.backtrack {
                            n.explored += 1;
                            break;
                        }
                        self.buf.tasks.truncate(n.at);
                        self.buf.footprints.truncate(n.footprints);
                        self.buf.sleeps.truncate(n.sleep_at);
                    }
                    Node::Arm { chosen, count } => {
                        if *chosen + 1 < *count {
                            *chosen += 1;
                            break;
                        }
                    }
                }
                self.buf.path.pop();
            }
        }
        // Checked after backtracking, so a tree finished exactly at the cap
        // still counts as exhausted.
        if self.executions >= self.iterations {
            return false;
        }
        self.started = true;
        self.fresh_depth = self.buf.path.len();
        self.executions += 1;
        self.streak = 0;
        self.yielded = None;
        self.split_at = SplitPos::START;
        self.depth = 0;
        self.parent = None;
        self.preemptions = 0;
        self.firings = 0;
        self.buf.clocks.clear();
        self.buf.task_rows.clear();
        self.last_global = NONE;
        self.buf.objects.clear();
        self.buf.steps.clear();
        self.buf.last_any.clear();
        self.buf.last_global_step.clear();
        self.buf.blocked.clear();
        true
    }

    fn wants_footprints(&self) -> bool {
        true
    }

    fn on_yield(&mut self, task: TaskId) {
        self.yielded = Some(task);
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
                self.buf.sleeps.truncate(sleep_at);
                self.moves_shown = false;
                return Ok(PRUNED);
            };
            let splits = self.parts > 1 && !self.split_at.dealt && enabled.len() > 1;
            let at = self.buf.tasks.len();
            self.buf.tasks.extend_from_slice(enabled);
            let (first, explored, split) = if splits {
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
            let backtrack = self.buf.tasks.len() - at - enabled.len();
            self.buf.tasks.resize(at + 2 * enabled.len(), 0);
            let sleep_len = self.buf.sleeps.len() - sleep_at;
            let footprints = self.buf.footprints.len();
            let footprints_known = self.moves_shown && self.moves_complete;
            if footprints_known {
                self.record_footprints(enabled.len(), at);
            }
            self.buf.path.push(Node::Task(TaskNode {
                at,
                enabled: enabled.len(),
                footprints,
                footprints_known,
                backtrack,
                explored,
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

    fn after_step(&mut self, task: TaskId, footprint: &Footprint, touched: &[TaskId]) {
        let footprint = *footprint;
        if self.awaiting_step {
            self.chosen_footprint = footprint;
            self.awaiting_step = false;
        }
        let me = slot(task);
        let top = touched.iter().map(|&u| slot(u)).fold(me, usize::max);
        self.buf.clocks.fit(top);
        let own = self.task_row(me);
        let items = footprint.items();
        let mut entries = [NONE; 4];
        for (k, &(o, _)) in items.iter().enumerate() {
            entries[k] = index(self.buf.objects.entry(o));
        }
        if footprint != Footprint::None && self.depth >= self.fresh_depth {
            // The races of each step are found when it is taken, against
            // the steps before it (source-DPOR), not at every state its
            // task passes before it. Blocked tasks' next operations are
            // checked at every state (see `pick_task`).
            self.races_of_step(task, footprint, own, &entries);
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
                for (k, &(_, access)) in items.iter().enumerate() {
                    let obj = self.buf.objects.entries[entries[k] as usize];
                    if obj.write != NONE {
                        self.buf.clocks.join(c, obj.write as usize);
                    }
                    if access != Access::Read && obj.read {
                        self.buf.clocks.join(c, obj.reads as usize);
                    }
                }
            }
        }
        self.buf.clocks.tick(c, me);
        // A step's clock never changes once the step is recorded, so the
        // objects it writes, the last global step and its task's clock
        // share its row rather than copying it (a task's clock that must
        // grow gets a new row, see `touched` below).
        for (k, &(_, access)) in items.iter().enumerate() {
            let obj = &mut self.buf.objects.entries[entries[k] as usize];
            if access != Access::Read {
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
        for (k, &(_, access)) in items.iter().enumerate() {
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
