//! Exhaustive search over several threads that keeps the reduction: work
//! stealing of wakeup-tree branches (after Simsa, Bryant, Gibson & Hickey,
//! "Scalable dynamic partial order reduction", RV 2012).
//!
//! The search is split into units. A unit is a branch of a node with the
//! path that leads to it (its prefix): the worker that runs it explores the
//! subtree below, as the whole search would, and owns the nodes it makes.
//! A busy worker gives away a pending branch (see [`Dpor::give_away`]) when
//! another waits for work: it marks the branch explored (later branches
//! there put it in their sleep sets, as they would after exploring it),
//! and the thief starts from the sleep set and the wakeup subtree the
//! branch has in the one-threaded search.
//!
//! Sequences still reach the subtree they belong to. A race found in a
//! stolen subtree whose first step lies in the prefix belongs to a node of
//! another unit: unless the thief's copy of that node already shows it
//! covered, it is sent there and placed by the owner, as the one-threaded
//! search would place it (see [`Dpor::place_sequence`]). A node stays
//! until every branch given away from it has finished, and its next branch
//! waits for them (a worker whose unit must wait runs another meanwhile),
//! so a node's branches keep the one-threaded order: the finished ones,
//! the current one, then those given away while it runs. The one-threaded
//! search would have put a sequence found below the current branch that
//! starts with one given away into that branch's tree before exploring
//! it: it is forwarded to the thief, which takes it down its path, and
//! where its subtree has already passed that point, takes the branch
//! there again to follow it. That may repeat executions (none to 6 times
//! more on two threads, see BENCHMARKS.md), never miss one; the proptests of
//! `tests/dpor*.rs` check a search split from its first execution
//! against naive enumeration.
//!
//! Small searches stay on one thread: nothing is given away before
//! `Config::split_after` executions ran and the search's estimated size
//! reaches [`SPLIT_WORTH`](super::pool::SPLIT_WORTH), so their counts and
//! reports are those of one thread; nor once a branch given away learnt
//! of a sequence late (see [`Pool::note_late`](super::pool::Pool::note_late)),
//! which in a channel-heavy search means thousands more. The state the workers share is in
//! [`pool`](super::pool).

use std::collections::VecDeque;

use crate::footprint::{Footprint, TaskId};

/// A step of a sequence sent to another unit: its clock goes with it, as
/// the owner has no record of the execution it ran in.
pub(super) struct Shipped {
    pub(super) task: TaskId,
    pub(super) footprint: Footprint,
    pub(super) time: u32,
    pub(super) clock: Vec<u32>,
    pub(super) pending: bool,
}

/// What one unit tells another.
pub(super) enum Msg {
    /// Insert this race reversal, found below branch `via` of node `node`,
    /// into that node's wakeup tree; `via` is `None` for one forwarded by
    /// the lender, to go below the branch it lent (see
    /// [`Dpor::place_sequence`]).
    Insert { node: usize, seq: Vec<Shipped>, via: Option<TaskId> },
    /// Explore task `task` at node `node` (a timer firing that a step
    /// took away).
    Step { node: usize, task: TaskId },
    /// The unit given node `node`'s branch finished.
    Returned { node: usize },
}

/// A node of a unit's prefix, as the thief needs it.
pub(super) enum PrefixNode {
    Task {
        enabled: Vec<TaskId>,
        /// Explored there, the stolen branch last.
        explored: Vec<TaskId>,
        footprints: Option<Vec<Footprint>>,
        sleep: Vec<(TaskId, Footprint)>,
        previous: TaskId,
        preemptions: usize,
        firings: usize,
        strict: bool,
        owner: u32,
        /// See `TaskNode::lent_late`: at the node given away, none (every
        /// branch before the stolen one covers what is found below it).
        lent_late: u32,
    },
    Arm {
        chosen: usize,
        count: usize,
    },
}

/// A branch given away.
pub(super) struct Offer {
    pub(super) unit: u32,
    pub(super) lender: u32,
    pub(super) prefix: Vec<PrefixNode>,
    /// The branch's wakeup subtree below its first step: events with the
    /// index of their parent among them (`u32::MAX` for the roots), parents
    /// first, and whether they are late (see `Event::late`).
    pub(super) guide: Vec<(TaskId, Footprint, u32, bool)>,
}

/// A unit put aside: on a worker's stack while it runs another, or
/// dormant in the pool.
pub(super) struct Frame {
    pub(super) buf: super::buffers::Buffers,
    unit: u32,
    remote: usize,
    lender: Option<(u32, usize)>,
    dealt: bool,
}

/// Where backtracking in a unit got to.
enum Back {
    /// A branch to explore next.
    Next,
    /// The root unit explored the whole tree.
    Complete,
    /// A stolen unit explored everything it was given.
    Dormant,
    /// The deepest node waits for branches it gave away.
    Blocked,
}

use super::buffers::Lent;
use super::path::{Node, TaskNode};
use super::pool::{Pool, Wait, Work};
use super::wakeup::SeqEvent;
use super::{Dpor, NONE};

impl Dpor {
    /// [`Scheduler::begin`](crate::strategy::Scheduler::begin) of a search
    /// over a pool: the next branch of the unit this worker runs, or of
    /// one it takes up; `false` when the search is over.
    pub(super) fn begin_pooled(&mut self, pool: &Pool) -> bool {
        loop {
            if self.idle {
                match pool.wait(None) {
                    Wait::Over { complete } => {
                        self.exhausted = complete;
                        return false;
                    }
                    Wait::Work(work) => self.take_up(work),
                    Wait::Messages => {}
                }
                continue;
            }
            self.apply_messages(pool);
            if self.started {
                match self.backtrack_unit(pool) {
                    Back::Next => {}
                    Back::Complete => {
                        pool.complete();
                        self.idle = true;
                        continue;
                    }
                    Back::Dormant => {
                        self.go_dormant(pool);
                        continue;
                    }
                    Back::Blocked => {
                        match pool.wait(Some(self.unit)) {
                            Wait::Over { complete } => {
                                self.exhausted = complete;
                                return false;
                            }
                            Wait::Messages => {}
                            Wait::Work(work) => {
                                let frame = self.put_aside();
                                self.frames.push(frame);
                                self.take_up(work);
                            }
                        }
                        continue;
                    }
                }
            }
            let Some(index) = pool.start_execution(&mut self.claimed) else { return false };
            self.index = index;
            if pool.wants_offer(|| self.buf.path_explored_part()) {
                self.give_away(pool);
            }
            self.started = true;
            return true;
        }
    }

    fn backtrack_unit(&mut self, pool: &Pool) -> Back {
        loop {
            let Some(at) = self.buf.path.len().checked_sub(1) else { return Back::Complete };
            if at < self.remote && self.lender.is_some() {
                // The branch given made no node of its own (its step ended
                // the execution): nothing more starts below it.
                return Back::Dormant;
            }
            if let (Some(regrow), Node::Arm { chosen, .. }) = (self.buf.regrow, &mut self.buf.path[at]) {
                // See `Buffers::regrow`.
                *chosen = 0;
                self.buf.regrow = None;
                self.guide = regrow;
                return Back::Next;
            }
            if let Node::Task(n) = &self.buf.path[at] {
                if n.lent > 0 {
                    // The branches given away while the current one ran
                    // come before the next one (see `place_sequence`).
                    return Back::Blocked;
                }
            }
            if self.next_branch(at) {
                return Back::Next;
            }
            if at == self.remote && self.lender.is_some() {
                // Kept: the lender may find more that starts here.
                return Back::Dormant;
            }
            if self.buf.lent_to.iter().any(|l| l.node == at) {
                for l in self.buf.lent_to.iter().filter(|l| l.node == at) {
                    pool.release(l.unit);
                }
                self.buf.lent_to.retain(|l| l.node != at);
            }
            self.buf.pop_node();
        }
    }

    fn put_aside(&mut self) -> Frame {
        Frame {
            buf: std::mem::take(&mut self.buf),
            unit: self.unit,
            remote: self.remote,
            lender: self.lender,
            dealt: self.unit_dealt,
        }
    }

    fn restore(&mut self, frame: Frame) {
        self.buf = frame.buf;
        self.unit = frame.unit;
        self.remote = frame.remote;
        self.lender = frame.lender;
        self.unit_dealt = frame.dealt;
        self.started = true;
        self.idle = false;
    }

    /// This stolen unit waits, dormant, with its first node, for its
    /// lender to find more that starts there; the worker goes back to the
    /// unit it put aside, or waits for work.
    fn go_dormant(&mut self, pool: &Pool) {
        self.buf.shrink_execution();
        let lender = self.lender.expect("a stolen unit");
        let frame = self.put_aside();
        pool.go_dormant(frame.unit, Box::new(frame), lender);
        match self.frames.pop() {
            Some(frame) => self.restore(frame),
            None => self.idle = true,
        }
    }

    fn take_up(&mut self, work: Work) {
        match work {
            Work::New(offer) => self.start_unit(offer),
            Work::Resume(frame) => self.restore(*frame),
        }
    }

    fn start_unit(&mut self, offer: Offer) {
        let mut buf = super::buffers::Buffers::default();
        for node in offer.prefix {
            buf.path.push(match node {
                PrefixNode::Arm { chosen, count } => Node::Arm { chosen, count },
                PrefixNode::Task {
                    enabled,
                    explored,
                    footprints,
                    sleep,
                    previous,
                    preemptions,
                    firings,
                    strict,
                    owner,
                    lent_late,
                } => {
                    let at = buf.tasks.len();
                    buf.tasks.extend_from_slice(&enabled);
                    buf.tasks.extend_from_slice(&explored);
                    buf.tasks.resize(at + 2 * enabled.len(), 0);
                    let sleep_at = buf.sleeps.len();
                    buf.sleeps.extend_from_slice(&sleep);
                    let footprints_at = buf.footprints.len();
                    let footprints_known = footprints.is_some();
                    buf.footprints.extend(footprints.unwrap_or_default());
                    Node::Task(TaskNode {
                        at,
                        enabled: enabled.len(),
                        footprints: footprints_at,
                        footprints_known,
                        explored: explored.len(),
                        pending: NONE,
                        strict,
                        sleep_at,
                        sleep_len: sleep.len(),
                        previous,
                        preemptions,
                        firings,
                        split: None,
                        owner,
                        lent: 0,
                        lent_late,
                    })
                }
            });
        }
        let mut made: Vec<u32> = Vec::with_capacity(offer.guide.len());
        let mut roots = NONE;
        // Children are appended in order: keep each list's last event.
        let mut last_child: Vec<u32> = Vec::with_capacity(offer.guide.len());
        let mut last_root = NONE;
        for &(task, footprint, parent, late) in &offer.guide {
            let e = buf.forest.alloc(task, footprint);
            buf.forest.events[e as usize].late = late;
            // Placed before any sequence this unit finds.
            buf.forest.events[e as usize].rank = super::wakeup::FORWARDED;
            made.push(e);
            last_child.push(NONE);
            if parent == u32::MAX {
                if last_root == NONE {
                    roots = e;
                } else {
                    buf.forest.events[last_root as usize].next = e;
                }
                last_root = e;
            } else {
                let p = parent as usize;
                let prev = last_child[p];
                if prev == NONE {
                    buf.forest.events[made[p] as usize].child = e;
                } else {
                    buf.forest.events[prev as usize].next = e;
                }
                last_child[p] = e;
            }
        }
        self.remote = buf.path.len();
        self.buf = buf;
        self.guide = roots;
        self.unit = offer.unit;
        self.lender = Some((offer.lender, self.remote - 1));
        self.started = false;
        self.idle = false;
        self.unit_dealt = true;
    }

    fn apply_messages(&mut self, pool: &Pool) {
        let mut inbox = std::mem::take(&mut self.inbox);
        // Those for the unit's first node, kept until its first execution
        // made it, first.
        inbox.append(&mut self.buf.deferred);
        pool.take_inbox(self.unit, &mut inbox);
        for msg in inbox.drain(..) {
            match msg {
                Msg::Step { node, .. } if node >= self.buf.path.len() => {
                    self.buf.deferred.push(msg);
                }
                Msg::Insert { node, seq, via } => {
                    let mut events = std::mem::take(&mut self.buf.seq);
                    events.clear();
                    for s in &seq {
                        let row = self.buf.clocks.push_times(&s.clock);
                        events.push(SeqEvent {
                            task: s.task,
                            footprint: s.footprint,
                            row: super::index(row),
                            time: s.time,
                            pending: s.pending,
                        });
                    }
                    self.buf.seq = events;
                    let rank = self.rank_of(node, via);
                    self.place_sequence(node, via, rank);
                }
                Msg::Step { node, task } => self.insert_step(node, task),
                Msg::Returned { node } => {
                    if let Node::Task(n) = &mut self.buf.path[node] {
                        n.lent -= 1;
                    }
                }
            }
        }
        self.inbox = inbox;
    }

    /// Whether node `at` belongs to another unit; then the message goes to
    /// its owner.
    pub(super) fn owner_elsewhere(&self, at: usize) -> Option<u32> {
        match &self.buf.path[at] {
            Node::Task(n) if at < self.remote => Some(n.owner),
            _ => None,
        }
    }

    /// Sends the live events of the sequence in
    /// [`Buffers::seq`](super::buffers::Buffers::seq) to unit `unit`, for
    /// its node `at`; true if that woke the unit.
    pub(super) fn ship_sequence(
        &mut self,
        unit: u32,
        at: usize,
        removed: &[bool],
        via: Option<TaskId>,
    ) -> bool {
        let Some(pool) = self.pool.clone() else { return false };
        let seq: Vec<Shipped> = self
            .buf
            .seq
            .iter()
            .enumerate()
            .filter(|&(k, _)| !removed.get(k).copied().unwrap_or(false))
            .map(|(_, e)| Shipped {
                task: e.task,
                footprint: e.footprint,
                time: e.time,
                clock: self.buf.clocks.row(e.row as usize).to_vec(),
                pending: e.pending,
            })
            .collect();
        pool.send(unit, Msg::Insert { node: at, seq, via })
    }

    pub(super) fn ship_step(&mut self, owner: u32, at: usize, task: TaskId) {
        if let Some(pool) = self.pool.clone() {
            pool.send(owner, Msg::Step { node: at, task });
        }
    }

    /// Gives the first branch left at a node of this unit to a worker
    /// waiting for work: the shallowest in the deeper half of the path
    /// that has one, or else the deepest above it. A shallow node's
    /// branch is a large unit, but the current branch there runs long and
    /// may find late sequences that belong below it, which make the thief
    /// take a branch again (see `place_sequence`); a deep one's is small
    /// and costs a steal more often. The middle measured best (see
    /// BENCHMARKS.md).
    fn give_away(&mut self, pool: &Pool) {
        let last_split = self.buf.path.iter().rposition(|n| matches!(n, Node::Task(t) if t.split.is_some()));
        // Below the split levels only, where this part's tree is dealt.
        let from = match last_split {
            Some(s) => s + 1,
            None => self.remote,
        }
        .max(self.remote);
        let has_branch = |i: &usize| matches!(&self.buf.path[*i], Node::Task(n) if n.pending != NONE);
        let middle = from.max(self.buf.path.len() / 2);
        let Some(at) =
            (middle..self.buf.path.len()).find(has_branch).or_else(|| (from..middle).rfind(has_branch))
        else {
            return;
        };
        let ev = loop {
            let Node::Task(n) = &mut self.buf.path[at] else { return };
            let e = n.pending;
            if e == NONE {
                return;
            }
            let ev = self.buf.forest.events[e as usize];
            if ev.again {
                // Kept: taken again here, by this unit.
                return;
            }
            n.pending = ev.next;
            self.buf.forest.free_one(e);
            if self.over_bound(at, ev.task) {
                self.bounded = true;
            } else if self.enabled_awake(at, ev.task) {
                break ev;
            }
            self.buf.forest.free_list(ev.child);
        };
        // Explored here from now on, before the current branch, which
        // stays the last.
        let Node::Task(n) = &mut self.buf.path[at] else { return };
        let list = n.at + n.enabled;
        let current = self.buf.tasks[list + n.explored - 1];
        self.buf.tasks[list + n.explored - 1] = ev.task;
        self.buf.tasks[list + n.explored] = current;
        n.explored += 1;
        n.lent += 1;
        n.lent_late += 1;
        let unit = pool.new_unit();
        self.buf.lent_to.push(Lent { node: at, task: ev.task, unit, footprint: ev.footprint });
        let prefix =
            (0..=at).map(|i| self.prefix_node(i, (i == at).then_some((ev.task, ev.early)))).collect();
        let mut guide = Vec::new();
        let mut queue = VecDeque::new();
        queue.push_back((ev.child, u32::MAX));
        while let Some((mut e, parent)) = queue.pop_front() {
            while e != NONE {
                let x = self.buf.forest.events[e as usize];
                guide.push((x.task, x.footprint, parent, x.late));
                queue.push_back((x.child, (guide.len() - 1) as u32));
                e = x.next;
            }
        }
        self.buf.forest.free_list(ev.child);
        pool.offer(Offer { unit, lender: self.unit, prefix, guide });
    }

    /// Node `i` as a thief needs it; at the node given away, `stolen` (a
    /// task, and whether its branch is early, see `Event::early`) is put
    /// last among the explored.
    fn prefix_node(&self, i: usize, stolen: Option<(TaskId, bool)>) -> PrefixNode {
        match &self.buf.path[i] {
            Node::Arm { chosen, count } => PrefixNode::Arm { chosen: *chosen, count: *count },
            Node::Task(n) => {
                let list = n.at + n.enabled;
                let mut explored = self.buf.tasks[list..list + n.explored].to_vec();
                if let Some((t, _)) = stolen {
                    explored.retain(|&x| x != t);
                    explored.push(t);
                }
                let before_stolen = super::index(explored.len() - 1);
                PrefixNode::Task {
                    enabled: self.buf.tasks[n.at..list].to_vec(),
                    explored,
                    footprints: n
                        .footprints_known
                        .then(|| self.buf.footprints[n.footprints..n.footprints + n.enabled].to_vec()),
                    sleep: self.buf.sleeps[n.sleep_at..n.sleep_at + n.sleep_len].to_vec(),
                    previous: n.previous,
                    preemptions: n.preemptions,
                    firings: n.firings,
                    strict: n.strict,
                    owner: if i < self.remote { n.owner } else { self.unit },
                    lent_late: match stolen {
                        Some((_, true)) => before_stolen,
                        Some((_, false)) => 0,
                        None => n.lent_late,
                    },
                }
            }
        }
    }
}

impl Dpor {
    /// Wakes the task the guide starts with if it sleeps at the new node
    /// whose sleep set starts at `sleep_at` and its event is late (see
    /// [`Event::late`](super::wakeup::Event::late)). Units learn of
    /// sequences late and in any order, so a branch may be taken after one
    /// that the one-threaded search would explore after it (a sequence
    /// forwarded to a thief that no branch there started), whose task then
    /// sleeps where the guide needs it: waking it only adds executions
    /// (without it, lastzero(6) split over 4 threads lost outcomes in one
    /// search in three). Any other guide event whose task sleeps is passed
    /// over, as in the one-threaded search, which does so about once every
    /// 20 executions of the tee's pipeline: waking those too, at every
    /// node once the search had split, ran whole subtrees again.
    pub(super) fn wake_guided(&mut self, enabled: &[TaskId], sleep_at: usize) {
        let mut e = self.guide;
        while e != NONE {
            let ev = self.buf.forest.events[e as usize];
            if enabled.contains(&ev.task) {
                if !ev.late {
                    return;
                }
                if let Some(k) = self.buf.sleeps[sleep_at..].iter().position(|s| s.0 == ev.task) {
                    self.buf.sleeps.remove(sleep_at + k);
                }
                return;
            }
            e = ev.next;
        }
    }

    /// This search as one of the workers of `pool`: the first runs the
    /// whole tree (its root unit), the others wait for branches to steal.
    pub(crate) fn pooled(mut self, pool: std::sync::Arc<Pool>, first: bool) -> Dpor {
        self.pool = Some(std::sync::Arc::new(super::pool::Handle::new(pool)));
        self.idle = !first;
        self
    }
}
