//! Wakeup trees (Abdulla, Aronis, Jonsson & Sagonas, "Optimal dynamic
//! partial order reduction", POPL 2014): at each node of the path, the
//! sequences of steps still to explore from there, as a tree whose
//! branches share their common prefixes.
//!
//! Source-DPOR adds only the first task of a race's reversal to a node's
//! backtrack set and lets the default choice pick the rest, which can walk
//! into a state where every enabled task sleeps: a sleep-set-blocked
//! execution, run for nothing. A wakeup tree keeps the whole reversal, the
//! steps that do not depend on the race's first step followed by its
//! second, and the new branch follows it, so every execution the search
//! runs is a new Mazurkiewicz trace (of the dependence the footprints
//! define).
//!
//! The trees of all nodes live in one arena ([`Forest`]): a node's tree is
//! the list of its root's children ([`TaskNode::pending`](super::path::TaskNode::pending)); exploring a
//! child moves its subtree to the next node as that node's guide.

use super::buffers::Lent;
use super::path::Node;
use super::{slot, Dpor, NONE};
use crate::footprint::{Footprint, TaskId};

/// One event of a wakeup tree: a task's step, with its first child and its
/// next sibling (`NONE` if none).
#[derive(Clone, Copy)]
pub(super) struct Event {
    pub(super) task: TaskId,
    pub(super) footprint: Footprint,
    pub(super) child: u32,
    pub(super) next: u32,
    /// A branch explored at its node already, to be taken again (see
    /// [`Dpor::place_sequence`]).
    pub(super) again: bool,
    /// Where the sequence that made this event comes in the one-threaded
    /// search's order (see [`Rank`]): a leaf covers a sequence only if it
    /// came no later.
    pub(super) rank: Rank,
    /// A branch that a sequence forwarded from another unit goes through:
    /// the one-threaded search would have explored it before the branches
    /// explored at its node so far, so they do not sleep below it.
    pub(super) early: bool,
    /// An event of a sequence placed after branches that the one-threaded
    /// search would explore after it (a branch taken again, an early one,
    /// a select's first arm regrown): the tasks of those may sleep where
    /// it needs them (see [`Dpor::wake_guided`]).
    pub(super) late: bool,
}

/// When a sequence placed into a node's tree comes in the one-threaded
/// search's order. A unit learns of sequences found below the branches it
/// gave away, and of those its lender forwards, whenever they arrive: a
/// leaf that the one-threaded search would have added later must not hide
/// a sequence it would have added first, as the branch through that leaf
/// then relies, for a race it finds, on a sleeping task whose own subtree
/// relied on that sequence. Such a leaf is extended by the sequence
/// instead (a search split over 2 threads lost outcomes of a close racing
/// with sends: a sequence found below a branch given away made a leaf
/// that hid the longer ones the current branch found there later).
pub(super) type Rank = u16;
/// Forwarded by the lender, or found below a branch finished at its node:
/// before every branch this unit explores there.
pub(super) const FORWARDED: Rank = 0;
/// Found by this unit, in order, or below its current branch.
pub(super) const LOCAL: Rank = 1;

/// Every node's wakeup tree, in one arena with a free list: trees grow at
/// any node of the path, not only the deepest, so their events are not
/// stack-ordered.
#[derive(Default)]
pub(super) struct Forest {
    pub(super) events: Vec<Event>,
    free: Vec<u32>,
}

impl Forest {
    pub(super) fn clear(&mut self) {
        self.events.clear();
        self.free.clear();
    }

    pub(super) fn alloc(&mut self, task: TaskId, footprint: Footprint) -> u32 {
        let event = Event {
            task,
            footprint,
            child: NONE,
            next: NONE,
            again: false,
            early: false,
            late: false,
            rank: LOCAL,
        };
        match self.free.pop() {
            Some(e) => {
                self.events[e as usize] = event;
                e
            }
            None => {
                self.events.push(event);
                u32::try_from(self.events.len() - 1).expect("a wakeup tree of 4 billion events")
            }
        }
    }

    /// Frees one event, not its children or siblings.
    pub(super) fn free_one(&mut self, e: u32) {
        self.free.push(e);
    }

    /// Frees the events of the list starting at `first`, their siblings
    /// and everything below them.
    pub(super) fn free_list(&mut self, first: u32) {
        let mut stack = vec![first];
        while let Some(mut e) = stack.pop() {
            while e != NONE {
                let Event { child, next, .. } = self.events[e as usize];
                if child != NONE {
                    stack.push(child);
                }
                self.free.push(e);
                e = next;
            }
        }
    }

    /// How many events the list starting at `first` holds (not counting
    /// their children).
    pub(super) fn count(&self, first: u32) -> usize {
        let mut e = first;
        let mut n = 0;
        while e != NONE {
            n += 1;
            e = self.events[e as usize].next;
        }
        n
    }

    /// Whether the list starting at `first` holds `task`.
    pub(super) fn holds(&self, first: u32, task: TaskId) -> bool {
        let mut e = first;
        while e != NONE {
            if self.events[e as usize].task == task {
                return true;
            }
            e = self.events[e as usize].next;
        }
        false
    }
}

/// One event of a sequence to insert: a step of the current execution
/// (with the row of its clock and its time in its task's clock), or the
/// operation that raced, which has not run (`pending`).
#[derive(Clone, Copy)]
pub(super) struct SeqEvent {
    pub(super) task: TaskId,
    pub(super) footprint: Footprint,
    pub(super) row: u32,
    pub(super) time: u32,
    pub(super) pending: bool,
}

/// Which branch of a node a sequence starts with, in the one-threaded
/// order of its branches (see [`Dpor::place_sequence`]).
enum Start {
    /// A branch that covers it, or a task asleep there.
    Covered,
    /// The `k`-th branch, `task`, which does not cover it; those from
    /// `lent_from + 1` on were given to other units.
    Branch { k: usize, task: TaskId, lent_from: usize },
    /// None: it goes into the node's tree.
    Nowhere,
}

/// Where a list of a wakeup tree starts: a node's root list, or an
/// event's children.
#[derive(Clone, Copy)]
enum Link {
    Root(usize),
    Child(u32),
    /// The tree the next new node follows (see [`Dpor::guide`]).
    Guide,
    /// The tree a select's first arm follows when it is taken again (see
    /// [`Buffers::regrow`](super::buffers::Buffers::regrow)).
    Regrow,
}

impl Dpor {
    /// Whether event `j` of `seq` happens before event `k` (`j < k`, of
    /// different tasks). The clocks of steps that ran say it; the pending
    /// operation's clock lacks the steps it conflicts with, so those count
    /// too.
    fn seq_before(&self, seq: &[SeqEvent], j: usize, k: usize) -> bool {
        let (a, b) = (&seq[j], &seq[k]);
        a.time <= self.buf.clocks.get(b.row as usize, slot(a.task))
            || (b.pending && a.footprint.dependent(&b.footprint))
    }

    /// Whether task `q`, whose next step is `fq`, is a weak initial of the
    /// live events of `seq`: its first step there has no predecessor there,
    /// or it has no step there and `fq` commutes with all of them. Then
    /// the sequence is equivalent to one starting with `q`, or to a prefix
    /// of `q` followed by it.
    /// With `strict`, only the initials count.
    pub(super) fn weak_initial(
        &self,
        seq: &[SeqEvent],
        removed: &[bool],
        (q, fq): (TaskId, Footprint),
        strict: bool,
    ) -> bool {
        let live = |j: usize| !removed[j];
        match (0..seq.len()).find(|&k| live(k) && seq[k].task == q) {
            Some(k) => !(0..k).any(|j| live(j) && self.seq_before(seq, j, k)),
            None => !strict && !(0..seq.len()).any(|j| live(j) && seq[j].footprint.dependent(&fq)),
        }
    }

    fn first_of(&self, link: Link) -> u32 {
        match link {
            Link::Root(at) => match &self.buf.path[at] {
                Node::Task(n) => n.pending,
                Node::Arm { .. } => NONE,
            },
            Link::Child(e) => self.buf.forest.events[e as usize].child,
            Link::Guide => self.guide,
            Link::Regrow => self.buf.regrow.unwrap_or(NONE),
        }
    }

    fn set_first(&mut self, link: Link, first: u32) {
        match link {
            Link::Root(at) => {
                if let Node::Task(n) = &mut self.buf.path[at] {
                    n.pending = first;
                }
            }
            Link::Child(e) => self.buf.forest.events[e as usize].child = first,
            Link::Guide => self.guide = first,
            Link::Regrow => self.buf.regrow = (first != NONE).then_some(first),
        }
    }

    /// Inserts the sequence in [`Buffers::seq`](super::buffers::Buffers::seq) (a race's reversal) into the
    /// wakeup tree of node `at`, unless a task asleep or explored there
    /// already covers it, or a branch of the tree does.
    pub(super) fn insert_sequence(&mut self, at: usize) {
        let via = match &self.buf.path[at] {
            Node::Task(n) => self.buf.tasks[n.at + n.enabled + n.explored - 1],
            Node::Arm { .. } => return,
        };
        if let Some(owner) = self.owner_elsewhere(at) {
            // This unit's copy of that node says what covers the sequence
            // there as the owner would (see `PrefixNode`): only the rest
            // is sent.
            let mut removed = std::mem::take(&mut self.buf.removed);
            removed.clear();
            removed.resize(self.buf.seq.len(), false);
            // Only initials count here: the owner's node may have turned
            // strict since the copy was made.
            let covered =
                matches!(self.first_start(at, &self.buf.seq, &removed, Some(via), true), Start::Covered);
            self.buf.removed = removed;
            if !covered {
                self.ship_sequence(owner, at, &[], Some(via));
            }
            return;
        }
        self.place_sequence(at, Some(via), LOCAL);
    }

    /// Places the sequence in [`Buffers::seq`](super::buffers::Buffers::seq), found below branch `via` of
    /// node `at`; `None`: before any branch there, a sequence forwarded by
    /// the unit that lent this one its branch, which goes below that branch
    /// (at node `at`, this unit's first, or deeper) as the one-threaded
    /// search would have put it into the tree that branch started from.
    ///
    /// A node's branches come in the one-threaded search's order: those
    /// finished, the current one, then those given to other units while
    /// it runs (see [`steal`](super::steal)). A branch before `via` (or
    /// `via` itself) that starts the sequence (a weak initial) covers it:
    /// its subtree was explored, or is explored, without this sequence, as
    /// the one-threaded search explores it. A later branch does not: it
    /// must follow the sequence, as its tree would hold it before it
    /// starts. The current branch, while deeper nodes stand, takes it down
    /// the path; one given away gets it sent; one finished here already is
    /// taken again to follow it (which may repeat some executions, never
    /// miss one).
    pub(super) fn place_sequence(&mut self, mut at: usize, mut via: Option<TaskId>, rank: Rank) {
        let seq = std::mem::take(&mut self.buf.seq);
        let mut removed = std::mem::take(&mut self.buf.removed);
        removed.clear();
        removed.resize(seq.len(), false);
        loop {
            let len = self.buf.path.len();
            if at >= len {
                if via.is_none() && !self.started {
                    // This unit's first node is not made yet: the branch
                    // follows the tree it was given, which takes it in.
                    let strict = at
                        .checked_sub(1)
                        .is_some_and(|p| matches!(&self.buf.path[p], Node::Task(n) if n.strict));
                    self.insert_below(Link::Guide, &seq, &mut removed, strict, rank, false);
                }
                break;
            }
            let Node::Task(n) = &self.buf.path[at] else {
                if via.is_none() && at + 1 < len {
                    at += 1;
                    continue;
                }
                if via.is_none() && at == self.remote {
                    // A select's arms, all explored: the first is taken
                    // again to follow it.
                    self.insert_below(Link::Regrow, &seq, &mut removed, false, rank, true);
                }
                break;
            };
            if n.split.is_some() {
                // Every enabled task is explored at a split node.
                break;
            }
            let strict = n.strict;
            let (k, q, lent_from) = match self.first_start(at, &seq, &removed, via, strict) {
                Start::Covered => break,
                Start::Nowhere => {
                    self.insert_below(Link::Root(at), &seq, &mut removed, strict, rank, via.is_none());
                    if via.is_none() {
                        // Which branch the sequence went into, or whether
                        // every enabled task was added, is not told: all
                        // are taken as early, which can only add
                        // executions.
                        let Node::Task(n) = &self.buf.path[at] else { break };
                        let mut e = n.pending;
                        while e != NONE {
                            self.buf.forest.events[e as usize].early = true;
                            e = self.buf.forest.events[e as usize].next;
                        }
                    }
                    break;
                }
                Start::Branch { k, task, lent_from } => (k, task, lent_from),
            };
            if let Some(j) = (0..seq.len()).find(|&j| !removed[j] && seq[j].task == q) {
                removed[j] = true;
            }
            if removed.iter().all(|&r| r) {
                // Only that branch's step, explored or to be.
                break;
            }
            let lent_to = self.buf.lent_to.iter().find(|l| l.node == at && l.task == q);
            if let (true, Some(&Lent { unit, .. })) = (k > lent_from, lent_to) {
                if let Some(pool) = &self.pool {
                    pool.note_late();
                }
                self.buf.seq = seq;
                if self.ship_sequence(unit, at + 1, &removed, None) {
                    if let Node::Task(n) = &mut self.buf.path[at] {
                        n.lent += 1;
                    }
                }
                self.buf.removed = removed;
                return;
            }
            if k == lent_from && at + 1 < len {
                // Down the current branch.
                at += 1;
                via = None;
                continue;
            }
            // Finished here (before the current branch, or after it in
            // the one-threaded order, the current branch being one taken
            // again): taken again, following the rest.
            self.append_again(at, q, &seq, &removed);
            break;
        }
        self.buf.seq = seq;
        self.buf.removed = removed;
    }

    /// Which branch of task node `at` a sequence found below branch `via`
    /// starts with (see [`place_sequence`](Self::place_sequence)).
    /// With `strict`, only initials count (see [`weak_initial`](Self::weak_initial)).
    fn first_start(
        &self,
        at: usize,
        seq: &[SeqEvent],
        removed: &[bool],
        via: Option<TaskId>,
        strict: bool,
    ) -> Start {
        let Node::Task(n) = &self.buf.path[at] else { return Start::Covered };
        if self.buf.sleeps[n.sleep_at..n.sleep_at + n.sleep_len]
            .iter()
            .any(|&(q, f)| self.weak_initial(seq, removed, (q, f), strict))
        {
            return Start::Covered;
        }
        let enabled = &self.buf.tasks[n.at..n.at + n.enabled];
        let footprint_of = |t: TaskId| {
            let k = enabled.iter().position(|&e| e == t);
            let known =
                n.footprints_known.then(|| &self.buf.footprints[n.footprints..n.footprints + n.enabled]);
            let lent = || self.buf.lent_to.iter().find(|l| l.node == at && l.task == t).map(|l| l.footprint);
            k.and_then(|k| known.map(|f| f[k])).or_else(lent).unwrap_or(Footprint::Global)
        };
        // The branches in the one-threaded order.
        let list = n.at + n.enabled;
        let current = self.buf.tasks[list + n.explored - 1];
        let lent_from = n.explored - 1 - n.lent_late as usize;
        let finished = &self.buf.tasks[list..list + lent_from];
        let lent = &self.buf.tasks[list + lent_from..list + n.explored - 1];
        let mut order = finished.iter().chain(std::iter::once(&current)).chain(lent).copied();
        // Where `via` stands in that order: those up to it cover.
        let covering = match via {
            None => 0,
            Some(v) if v == current => lent_from + 1,
            Some(v) => match lent.iter().position(|&l| l == v) {
                Some(k) => lent_from + 2 + k,
                // A branch finished here: all before the current one.
                None => lent_from,
            },
        };
        match order.position(|q| self.weak_initial(seq, removed, (q, footprint_of(q)), strict)) {
            None => Start::Nowhere,
            Some(k) if k < covering => Start::Covered,
            Some(k) => {
                let task = if k < lent_from {
                    finished[k]
                } else if k == lent_from {
                    current
                } else {
                    lent[k - lent_from - 1]
                };
                Start::Branch { k, task, lent_from }
            }
        }
    }

    /// The [`Rank`] of a sequence another unit found below branch `via` of
    /// task node `at`: a branch given away comes after the current one,
    /// and after those given away before it.
    pub(super) fn rank_of(&self, at: usize, via: Option<TaskId>) -> Rank {
        let (Some(Node::Task(n)), Some(v)) = (self.buf.path.get(at), via) else { return FORWARDED };
        let list = n.at + n.enabled;
        let lent_from = n.explored - 1 - n.lent_late as usize;
        if self.buf.tasks[list + n.explored - 1] == v {
            return LOCAL;
        }
        match self.buf.tasks[list + lent_from..list + n.explored - 1].iter().position(|&l| l == v) {
            Some(k) => Rank::try_from(k + 2).unwrap_or(Rank::MAX),
            None => FORWARDED,
        }
    }

    /// Adds branch `task`, explored at node `at` already, to be taken
    /// again following the live events of `seq`.
    fn append_again(&mut self, at: usize, task: TaskId, seq: &[SeqEvent], removed: &[bool]) {
        let mut head = NONE;
        for k in (0..seq.len()).rev().filter(|&k| !removed[k]) {
            let e = self.buf.forest.alloc(seq[k].task, seq[k].footprint);
            self.buf.forest.events[e as usize].child = head;
            self.buf.forest.events[e as usize].late = true;
            head = e;
        }
        let e = self.buf.forest.alloc(task, Footprint::Global);
        self.buf.forest.events[e as usize].child = head;
        self.buf.forest.events[e as usize].again = true;
        self.push_pending(at, e);
    }

    /// Inserts the live events of `seq` into the tree at `link` (a node's
    /// root list, or a list that stands for one not made yet).
    fn insert_below(
        &mut self,
        mut link: Link,
        seq: &[SeqEvent],
        removed: &mut [bool],
        strict: bool,
        rank: Rank,
        late: bool,
    ) {
        loop {
            let mut e = self.first_of(link);
            let mut last = NONE;
            let mut matched = NONE;
            while e != NONE {
                let ev = self.buf.forest.events[e as usize];
                if self.weak_initial(seq, removed, (ev.task, ev.footprint), strict) {
                    matched = e;
                    break;
                }
                last = e;
                e = ev.next;
            }
            if matched != NONE {
                let ev = self.buf.forest.events[matched as usize];
                if ev.child == NONE && ev.rank <= rank {
                    // A leaf: the branch through it explores the sequence.
                    return;
                }
                self.buf.forest.events[matched as usize].late |= late;
                if let Some(k) = (0..seq.len()).find(|&k| !removed[k] && seq[k].task == ev.task) {
                    removed[k] = true;
                }
                if removed.iter().all(|&r| r) {
                    return;
                }
                link = Link::Child(matched);
                continue;
            }
            let first = (0..seq.len()).find(|&k| !removed[k]).expect("a live event");
            if let Link::Root(at) = link {
                if !self.enabled_awake(at, seq[first].task) {
                    // The reversal cannot start with its first step here (it
                    // is blocked there, or the sequence is not what the
                    // footprints predicted): every enabled task is tried, as
                    // source-DPOR would.
                    self.insert_every_enabled(at);
                    return;
                }
            }
            let mut head = NONE;
            for k in (0..seq.len()).rev().filter(|&k| !removed[k]) {
                let e = self.buf.forest.alloc(seq[k].task, seq[k].footprint);
                self.buf.forest.events[e as usize].child = head;
                self.buf.forest.events[e as usize].rank = rank;
                self.buf.forest.events[e as usize].late = late;
                head = e;
            }
            if last == NONE {
                self.set_first(link, head);
            } else {
                self.buf.forest.events[last as usize].next = head;
            }
            return;
        }
    }

    /// Whether `task` is enabled at node `at`, not asleep and not explored.
    pub(super) fn enabled_awake(&self, at: usize, task: TaskId) -> bool {
        let Node::Task(n) = &self.buf.path[at] else { return false };
        let enabled = &self.buf.tasks[n.at..n.at + n.enabled];
        let explored = &self.buf.tasks[n.at + n.enabled..n.at + n.enabled + n.explored];
        let sleep = &self.buf.sleeps[n.sleep_at..n.sleep_at + n.sleep_len];
        enabled.contains(&task) && !explored.contains(&task) && !sleep.iter().any(|s| s.0 == task)
    }

    /// Adds every enabled, awake task not explored or pending at node `at`
    /// as a branch of one step.
    fn insert_every_enabled(&mut self, at: usize) {
        if let Node::Task(n) = &mut self.buf.path[at] {
            if !n.strict {
                n.strict = true;
                // The branches given away from here were explored, or are,
                // without the strictness the one-threaded search would
                // have given them, exploring them after this point: each
                // is taken again, here, once it is back.
                let lent: Vec<TaskId> =
                    self.buf.lent_to.iter().filter(|l| l.node == at).map(|l| l.task).collect();
                if let (false, Some(pool)) = (lent.is_empty(), &self.pool) {
                    pool.note_late();
                }
                for task in lent {
                    self.append_again(at, task, &[], &[]);
                }
            }
        }
        let Node::Task(n) = &self.buf.path[at] else { return };
        let candidates: Vec<TaskId> = self.buf.tasks[n.at..n.at + n.enabled]
            .iter()
            .copied()
            .filter(|&t| self.enabled_awake(at, t) && !self.buf.forest.holds(n.pending, t))
            .collect();
        for t in candidates {
            self.append_leaf(at, t, Footprint::Global);
        }
    }

    /// Adds a branch of the single step `task` at node `at`, if it is
    /// enabled and awake there and not explored or pending.
    pub(super) fn insert_step(&mut self, at: usize, task: TaskId) {
        if let Some(owner) = self.owner_elsewhere(at) {
            self.ship_step(owner, at, task);
            return;
        }
        let Node::Task(n) = &self.buf.path[at] else { return };
        if n.split.is_none() && self.enabled_awake(at, task) && !self.buf.forest.holds(n.pending, task) {
            self.append_leaf(at, task, Footprint::Global);
        }
    }

    fn append_leaf(&mut self, at: usize, task: TaskId, footprint: Footprint) {
        let e = self.buf.forest.alloc(task, footprint);
        self.push_pending(at, e);
    }

    /// Appends event `e` to the root list of node `at`'s tree.
    fn push_pending(&mut self, at: usize, e: u32) {
        let Node::Task(n) = &mut self.buf.path[at] else { return };
        if n.pending == NONE {
            n.pending = e;
            return;
        }
        let mut last = n.pending;
        while self.buf.forest.events[last as usize].next != NONE {
            last = self.buf.forest.events[last as usize].next;
        }
        self.buf.forest.events[last as usize].next = e;
    }
}
