//! Races: the steps of the execution with their footprints and clocks, the
//! objects' last accesses, and the search for the earlier steps a step
//! races with, whose reversals are scheduled as backtrack points.

use super::wakeup::SeqEvent;
use super::{index, slot, Dpor, NONE};
use crate::footprint::{
    object_part, split_part, Access, Footprint, TaskId, SPAWNS, TIMERS, WG_FINAL, WG_PASSES,
};

/// Records step `i` as the latest of the task in clock slot `u` in
/// `latest`, unless a later one is there.
pub(super) fn keep_latest(latest: &mut Vec<(usize, usize)>, u: usize, i: usize) {
    match latest.iter_mut().find(|e| e.0 == u) {
        Some(e) => e.1 = e.1.max(i),
        None => latest.push((u, i)),
    }
}

/// The search's entries of a footprint's objects, in its order (`NONE`
/// for one not touched yet).
pub(super) type Entries = [u32; Footprint::ITEMS];

pub(super) struct Step {
    pub(super) task: TaskId,
    pub(super) footprint: Footprint,
    /// The row of its clock in [`Buffers::clocks`](super::buffers::Buffers::clocks), and its task's own time
    /// there: another clock at or past that time for that task has it
    /// before.
    pub(super) row: u32,
    pub(super) time: u32,
    pub(super) node: usize,
}

/// The footprint of `task`'s step with `footprint` where a wakeup sequence
/// carries it (see [`Footprint::anywhere`]): a timer firing fires the
/// earliest timer there, which may be another, so it touches everything.
fn carried(task: TaskId, footprint: Footprint) -> Footprint {
    if task == super::FIRE {
        Footprint::Global
    } else {
        footprint.anywhere()
    }
}

/// A passing wait's footprint and entries without `group`'s part
/// [`WG_FINAL`] and the marker: what it races with, but for the decrement
/// whose race is held.
fn without_final(wait: Footprint, entries: &Entries, group: usize) -> (Footprint, Entries) {
    let (mut items, mut kept) = ([(0, Access::Read); Footprint::ITEMS], [NONE; Footprint::ITEMS]);
    let mut n = 0;
    for (k, (id, access)) in wait.items().enumerate() {
        if id == object_part(group, WG_FINAL) || id == object_part(group, WG_PASSES) {
            continue;
        }
        items[n] = (id, access);
        kept[n] = entries[k];
        n += 1;
    }
    (Footprint::of(&items[..n]), kept)
}

/// A race held back until a later operation shows that it matters: a
/// passing wait's with the decrement it passed after, until a write of the
/// group (see [`Footprint::passing_wait`]); a select's with the arrival of
/// the partner it paired with, until an operation on another of its
/// channels (see [`Footprint::one_arm`]).
#[derive(Clone, Copy)]
pub(super) struct Held {
    /// The earlier step (the decrement, the partner's arrival).
    pub(super) step: usize,
    /// The later operation's task, its footprint, the row of its clock
    /// before it, and its time in its own clock.
    pub(super) task: TaskId,
    pub(super) op: Footprint,
    pub(super) row: u32,
    pub(super) time: u32,
    /// Where the later operation is in the execution: the steps before it.
    pub(super) end: usize,
    /// What releases it.
    pub(super) until: Until,
}

/// What releases a [`Held`] race.
#[derive(Clone, Copy)]
pub(super) enum Until {
    /// A write of the WaitGroup.
    GroupWritten(usize),
    /// An operation on a channel of the select other than its ready one.
    OtherChannel { ready: usize },
}

/// What the search knows of one object (or part of one) this execution.
#[derive(Clone, Copy)]
pub(super) struct Object {
    /// Rows of the clock of its last write and of the join of the reads
    /// since (`NONE` before the first). `reads` is zero unless `read`.
    pub(super) write: u32,
    pub(super) reads: u32,
    pub(super) read: bool,
    /// Where the entries of its parts (a channel's send order, receive
    /// order and buffer slots) are in [`Objects::parts`], by part number
    /// minus one, and how many there is room for.
    pub(super) parts_at: u32,
    pub(super) parts_len: u32,
    /// Its first and last [`Touch`]: one per task that touched it, in the
    /// order they first did, so racing steps are found without scanning
    /// the whole execution, or every task.
    pub(super) first: u32,
    pub(super) last: u32,
}

/// What the races of a blocked task's next operation were last checked
/// against: see [`Dpor::races_of_blocked`].
#[derive(Clone, Copy)]
pub(super) struct Blocked {
    pub(super) task: TaskId,
    pub(super) next: Footprint,
    /// The row of the task's clock then: a new row means a new clock.
    pub(super) row: u32,
    /// The steps checked: those before this one.
    pub(super) checked: usize,
}

/// A task's last step on an object.
#[derive(Clone, Copy)]
pub(super) struct Touch {
    /// The task's clock slot.
    pub(super) slot: u32,
    /// The step per access kind (`NONE` if none), and its time in its
    /// task's clock (see [`Step::time`]).
    pub(super) steps: [u32; Access::INDICES],
    pub(super) times: [u32; Access::INDICES],
    /// The next task's touch of the same object.
    pub(super) next: u32,
}

/// The objects touched this execution, without a map: entries by object
/// id, and blocks of entries for parts.
#[derive(Default)]
pub(super) struct Objects {
    /// The entry of each object, by id (`NONE` if untouched).
    pub(super) whole: Vec<u32>,
    /// The entries of the spawn order and of the timers (footprint ids
    /// [`SPAWNS`] and [`TIMERS`]).
    pub(super) spawn: Option<u32>,
    pub(super) timers: Option<u32>,
    pub(super) parts: Vec<u32>,
    pub(super) entries: Vec<Object>,
    pub(super) touches: Vec<Touch>,
}

impl Objects {
    pub(super) fn clear(&mut self) {
        self.whole.clear();
        self.spawn = None;
        self.timers = None;
        self.parts.clear();
        self.entries.clear();
        self.touches.clear();
    }

    pub(super) fn add(&mut self) -> u32 {
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
    #[inline]
    pub(super) fn find(&self, id: usize) -> Option<usize> {
        if id >= TIMERS {
            return if id == SPAWNS { self.spawn } else { self.timers }.map(|e| e as usize);
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
    #[inline]
    pub(super) fn entry(&mut self, id: usize) -> usize {
        if id >= TIMERS {
            let e = match if id == SPAWNS { self.spawn } else { self.timers } {
                Some(e) => e,
                None => {
                    let e = self.add();
                    *(if id == SPAWNS { &mut self.spawn } else { &mut self.timers }) = Some(e);
                    e
                }
            };
            return e as usize;
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
    #[inline]
    pub(super) fn touch(&mut self, e: usize, me: u32, access: Access, step: u32, time: u32) {
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
        self.touches.push(Touch {
            slot: me,
            steps: [NONE; Access::INDICES],
            times: [0; Access::INDICES],
            next: NONE,
        });
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

impl Dpor {
    /// The row of the clock of the task in clock slot `s`.
    pub(super) fn task_row(&mut self, s: usize) -> usize {
        if self.buf.task_rows.len() <= s {
            self.buf.task_rows.resize(s + 1, NONE);
        }
        if self.buf.task_rows[s] == NONE {
            self.buf.task_rows[s] = index(self.buf.clocks.push_zero());
        }
        self.buf.task_rows[s] as usize
    }

    /// Whether step `a` happens before the clock in row `row`.
    pub(super) fn before(&self, a: &Step, row: usize) -> bool {
        a.time <= self.buf.clocks.get(row, slot(a.task))
    }

    /// For each of these next operations of tasks, finds the steps that
    /// race with it and schedules their reversals.
    pub(super) fn find_races(&mut self, moves: &[(TaskId, Footprint)]) {
        for &(p, next) in moves {
            self.races_of_move(p, next);
        }
    }

    /// [`races_of_move`](Self::races_of_move) for a blocked task's next
    /// operation, checked at every new state. While the operation and the
    /// task's clock stay the same, the races with the steps already
    /// checked were found then, and no step before those can race anew:
    /// only the steps since are checked.
    pub(super) fn races_of_blocked(&mut self, p: TaskId, next: Footprint) {
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
            self.reverse(i, p, next, p_row as usize, self.buf.steps.len());
        }
        self.buf.racing = racing;
        self.buf.latest = latest;
    }

    /// [`races_of_step`](Self::races_of_step) for a next operation that
    /// may not run at this state.
    pub(super) fn races_of_move(&mut self, p: TaskId, next: Footprint) {
        if next == Footprint::None {
            return;
        }
        let p_row = self.task_row(slot(p));
        let entries = self.entries_of(&next);
        self.races_of_step(p, next, p_row, &entries);
    }

    /// The entries of `footprint`'s objects, `NONE` for those not touched
    /// this execution.
    fn entries_of(&self, footprint: &Footprint) -> Entries {
        let mut entries = [NONE; Footprint::ITEMS];
        for (k, (o, _)) in footprint.items().enumerate() {
            entries[k] = self.buf.objects.find(o).map_or(NONE, index);
        }
        entries
    }

    /// [`find_races`](Self::find_races) for one operation of `p`, whose
    /// clock is in row `p_row`; `entries` are those of its objects
    /// (`NONE` for one untouched).
    pub(super) fn races_of_step(&mut self, p: TaskId, next: Footprint, p_row: usize, entries: &Entries) {
        let mut racing = std::mem::take(&mut self.buf.racing);
        let mut latest = std::mem::take(&mut self.buf.latest);
        self.races(p, next, p_row, entries, &mut latest, &mut racing);
        match next.passing_wait() {
            None => {
                for &i in &racing {
                    self.reverse(i, p, next, p_row, self.buf.steps.len());
                }
            }
            Some(group) => {
                self.races_of_passing_wait(p, next, p_row, entries, group, &mut latest, &mut racing)
            }
        }
        if let Some(ready) = next.one_arm() {
            self.hold_partners(p, next, p_row, ready, &mut latest, &mut racing);
        }
        self.buf.racing = racing;
        self.buf.latest = latest;
        if !self.buf.held.is_empty() {
            self.release_held(next, p_row);
        }
    }

    /// [`races_of_step`](Self::races_of_step)'s part for a WaitGroup wait
    /// that passes, whose races with the decrements `racing` holds. Out of
    /// line, as its footprint and entries would add to that function's
    /// frame (on a task's stack, in a debug build).
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn races_of_passing_wait(
        &mut self,
        p: TaskId,
        next: Footprint,
        p_row: usize,
        entries: &Entries,
        group: usize,
        latest: &mut Vec<(usize, usize)>,
        racing: &mut Vec<usize>,
    ) {
        // An add not ordered before the wait but through the group races
        // with it where it blocks (Go's race detector's rule, see
        // `HappensBefore` in the checkers crate): no hold then.
        let unordered_add = self.written_unordered(group, p_row);
        for &i in racing.iter() {
            if self.buf.steps[i].footprint.writes(object_part(group, WG_FINAL)) {
                if unordered_add {
                    self.reverse(i, p, next, p_row, self.buf.steps.len());
                } else {
                    self.hold(i, p, next, p_row, Until::GroupWritten(group));
                }
            }
        }
        // A held decrement stands for its task's earlier steps, an `add`
        // among them, whose races are not held: they are found without the
        // part the decrement writes.
        let (rest, rest_entries) = without_final(next, entries, group);
        self.races(p, rest, p_row, &rest_entries, latest, racing);
        for &i in racing.iter() {
            self.reverse(i, p, next, p_row, self.buf.steps.len());
        }
    }

    /// Holds the races of `p`'s select with one arm ready, `next`, with
    /// the arrivals of the partners waiting on that arm's channel (`ready`:
    /// the channel and the partners' queue part). The two commute but for
    /// the select's other channels: had it come first, it would have waited
    /// there too, where something else could take it.
    fn hold_partners(
        &mut self,
        p: TaskId,
        next: Footprint,
        p_row: usize,
        (chan, partners): (usize, usize),
        latest: &mut Vec<(usize, usize)>,
        racing: &mut Vec<usize>,
    ) {
        let probe = Footprint::one(object_part(chan, partners), Access::Read);
        self.races(p, probe, p_row, &self.entries_of(&probe), latest, racing);
        for &i in racing.iter() {
            self.hold(i, p, next, p_row, Until::OtherChannel { ready: chan });
        }
    }

    /// For a step replayed from an earlier execution, whose races were
    /// scheduled then: holds again the races of a passing wait, or of a
    /// select with one arm ready, which this execution's steps after it
    /// may release.
    pub(super) fn hold_replayed(&mut self, p: TaskId, step: Footprint, p_row: usize, entries: &Entries) {
        let mut racing = std::mem::take(&mut self.buf.racing);
        let mut latest = std::mem::take(&mut self.buf.latest);
        if let Some(ready) = step.one_arm() {
            self.hold_partners(p, step, p_row, ready, &mut latest, &mut racing);
        }
        if let Some(group) = step.passing_wait() {
            self.races(p, step, p_row, entries, &mut latest, &mut racing);
            for &i in &racing {
                if self.buf.steps[i].footprint.writes(object_part(group, WG_FINAL)) {
                    self.hold(i, p, step, p_row, Until::GroupWritten(group));
                }
            }
        }
        self.buf.racing = racing;
        self.buf.latest = latest;
    }

    /// Whether a step of another task that wrote object `o` (a WaitGroup's
    /// add) is not ordered before the clock in row `row`.
    fn written_unordered(&self, o: usize, row: usize) -> bool {
        let Some(e) = self.buf.objects.find(o) else { return false };
        let mut t = self.buf.objects.entries[e].first;
        while t != NONE {
            let touch = &self.buf.objects.touches[t as usize];
            let w = Access::Write.index();
            if touch.steps[w] != NONE && touch.times[w] > self.buf.clocks.get(row, touch.slot as usize) {
                return true;
            }
            t = touch.next;
        }
        false
    }

    /// Holds the race of step `i` with `p`'s operation `op`, with clock
    /// `p_row`, `until` a later operation shows it matters (see [`Held`]).
    fn hold(&mut self, i: usize, p: TaskId, op: Footprint, p_row: usize, until: Until) {
        let time = self.buf.clocks.get(p_row, slot(p)) + 1;
        let end = self.buf.steps.len();
        self.buf.held.push(Held { step: i, task: p, op, row: index(p_row), time, end, until });
    }

    /// Reverses the held races this operation (with clock `p_row`) shows
    /// to matter, where it is not ordered after the held operation: a
    /// write of a group, which may be reused before a waiter woken in the
    /// other order returns; an operation on another channel of a select,
    /// which could have taken it had it waited there. Each is reversed
    /// once an execution.
    fn release_held(&mut self, next: Footprint, p_row: usize) {
        let mut k = 0;
        while k < self.buf.held.len() {
            let h = self.buf.held[k];
            let after = h.time <= self.buf.clocks.get(p_row, slot(h.task));
            let matters = match h.until {
                Until::GroupWritten(group) => !cfg!(goweave_mutant = "wg-held-forever") && next.writes(group),
                Until::OtherChannel { ready } => {
                    let other = |id: usize| {
                        let chan = split_part(id).0;
                        chan != ready && h.op.items().any(|(w, _)| split_part(w).0 == chan)
                    };
                    let forever = cfg!(goweave_mutant = "select-partner-held-forever");
                    !forever && (next == Footprint::Global || next.items().any(|(id, _)| other(id)))
                }
            };
            if !matters || after {
                k += 1;
                continue;
            }
            self.buf.held.swap_remove(k);
            self.reverse(h.step, h.task, h.op, h.row as usize, h.end);
        }
    }

    /// Appends the shown moves of the `len` tasks at `at` in `tasks` to
    /// `footprints`. Both lists are in task order, the timer (the largest
    /// id) last.
    pub(super) fn record_footprints(&mut self, len: usize, at: usize) {
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
    pub(super) fn races(
        &self,
        p: TaskId,
        next: Footprint,
        p_row: usize,
        entries: &Entries,
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
                for (k, (_, access)) in next.items().enumerate() {
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
                            for kind in 0..Access::INDICES {
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
    pub(super) fn direct(&self, latest: &[(usize, usize)], racing: &mut Vec<usize>) {
        if latest.len() < 2 {
            racing.extend(latest.iter().map(|e| e.1));
            return;
        }
        let steps = &self.buf.steps;
        let ordered = |i: usize, j: usize| i < j && self.before(&steps[i], steps[j].row as usize);
        racing.extend(latest.iter().map(|e| e.1).filter(|&i| !latest.iter().any(|&(_, j)| ordered(i, j))));
    }

    /// Schedules the reversal of step `i` and task `p`'s next operation
    /// (optimal DPOR, Abdulla et al. POPL 2014): the steps after `i` that
    /// do not depend on it, followed by `p`'s operation, are inserted into
    /// the wakeup tree of `i`'s node, unless something explored or asleep
    /// there covers them. `end` is where `p`'s operation was, or would
    /// be, taken: the steps up to it.
    pub(super) fn reverse(&mut self, i: usize, p: TaskId, next: Footprint, p_row: usize, end: usize) {
        let mut seq = std::mem::take(&mut self.buf.seq);
        seq.clear();
        let e = &self.buf.steps[i];
        for j in i + 1..end {
            let step = &self.buf.steps[j];
            if !self.before(e, step.row as usize) {
                let pending = false;
                seq.push(SeqEvent {
                    task: step.task,
                    footprint: carried(step.task, step.footprint),
                    row: step.row,
                    time: step.time,
                    pending,
                });
            }
        }
        seq.push(SeqEvent {
            task: p,
            footprint: carried(p, next),
            row: index(p_row),
            time: 0,
            pending: true,
        });
        let at = e.node;
        self.buf.seq = seq;
        self.insert_sequence(at);
    }
}
