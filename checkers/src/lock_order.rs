//! Lock-order inversions across the executions of an exploration.
//!
//! Every time a task takes lock B while holding lock A, the edge A -> B is
//! added to a graph that lives as long as the exploration. A cycle whose
//! edges come from different tasks, whose modes conflict (a read lock does
//! not wait for another read lock), and that no common lock guards (a
//! "gate" both orders hold) is a deadlock some interleaving can reach, even
//! if no explored execution reached it (the Goodlock idea).
//!
//! Objects are renumbered in every execution, so a lock is named by where
//! it was created and which of the locks created there it is.

use std::collections::BTreeMap;

use crate::{Event, EventKind, Location, ObjectId, ObjectKind, TaskId};

/// A lock's identity across executions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LockKey {
    /// Where the lock was created.
    pub location: Location,
    /// Which of the locks created at `location` in one execution (0: the first).
    pub nth: u32,
}

/// Lock `to` taken while `from` was held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderEdge {
    /// The lock held.
    pub from: LockKey,
    /// The lock taken.
    pub to: LockKey,
    /// Where `from` was taken.
    pub from_location: Location,
    /// Where `to` was taken.
    pub to_location: Location,
    /// The task that took both (its id in that execution).
    pub task: TaskId,
    /// `from` held for writing (a Mutex, or an RwMutex write lock).
    pub from_write: bool,
    /// `to` taken for writing.
    pub to_write: bool,
    /// Other locks held for writing at the time (a common one guards).
    pub gates: Vec<LockKey>,
    /// The exploration's index of the execution that first showed it.
    pub execution: u64,
}

/// A cycle of lock orders: each edge's `to` is the next edge's `from`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inversion {
    /// The edges of the cycle, in order.
    pub edges: Vec<OrderEdge>,
}

#[derive(Clone, Copy, Debug)]
struct Held {
    object: ObjectId,
    key: LockKey,
    write: bool,
    location: Location,
}

/// The lock-order graph of an exploration.
///
/// ```
/// use goweave_checkers::{Event, EventKind, LockOrder, ObjectKind};
/// let at = std::panic::Location::caller();
/// let ev = |task, object, kind| Event { step: 0, task, object: Some(object), kind, location: at };
/// let mut order = LockOrder::default();
/// // One execution: task 0 takes 0 then 1; task 1, later, takes 1 then 0.
/// order.begin_execution(0);
/// for e in [
///     ev(0, 0, EventKind::Create { what: ObjectKind::Mutex }),
///     ev(0, 1, EventKind::Create { what: ObjectKind::Mutex }),
///     ev(0, 0, EventKind::Lock), ev(0, 1, EventKind::Lock),
///     ev(0, 1, EventKind::Unlock), ev(0, 0, EventKind::Unlock),
///     ev(1, 1, EventKind::Lock), ev(1, 0, EventKind::Lock),
/// ] {
///     order.observe(&e);
/// }
/// let inversion = order.inversion().expect("an inversion");
/// assert_eq!(inversion.edges.len(), 2);
/// ```
#[derive(Clone, Debug, Default)]
pub struct LockOrder {
    execution: u64,
    keys: Vec<Option<LockKey>>,
    created_at: BTreeMap<Location, u32>,
    held: Vec<Vec<Held>>,
    edges: BTreeMap<(LockKey, LockKey), Vec<OrderEdge>>,
}

/// At most this many distinct edges are kept per ordered pair of locks.
const EDGES_PER_PAIR: usize = 8;
/// Longest cycle searched for.
const MAX_CYCLE: usize = 4;

impl LockOrder {
    /// Starts execution number `index`: forgets objects and held locks,
    /// keeps the graph.
    pub fn begin_execution(&mut self, index: u64) {
        self.execution = index;
        self.keys.clear();
        self.created_at.clear();
        for h in &mut self.held {
            h.clear();
        }
    }

    /// Adds the edges another worker's graph saw.
    pub fn merge(&mut self, other: LockOrder) {
        for (pair, edges) in other.edges {
            let list = self.edges.entry(pair).or_default();
            for edge in edges {
                if list.len() < EDGES_PER_PAIR && !list.contains(&edge) {
                    list.push(edge);
                }
            }
        }
    }

    /// The number of distinct lock-order edges seen so far.
    pub fn edge_count(&self) -> usize {
        self.edges.values().map(Vec::len).sum()
    }

    /// Processes one event of the current execution.
    pub fn observe(&mut self, ev: &Event) {
        let Some(o) = ev.object else { return };
        match ev.kind {
            EventKind::Create { what: ObjectKind::Mutex | ObjectKind::RwMutex } => {
                let n = self.created_at.entry(ev.location).or_insert(0);
                let key = LockKey { location: ev.location, nth: *n };
                *n += 1;
                if self.keys.len() <= o {
                    self.keys.resize(o + 1, None);
                }
                self.keys[o] = Some(key);
            }
            EventKind::Lock | EventKind::RLock => {
                let Some(key) = self.keys.get(o).copied().flatten() else { return };
                let write = ev.kind == EventKind::Lock;
                let t = ev.task;
                if self.held.len() <= t {
                    self.held.resize_with(t + 1, Vec::new);
                }
                for (i, h) in self.held[t].iter().enumerate() {
                    if h.object == o {
                        continue;
                    }
                    let gates: Vec<LockKey> = self.held[t]
                        .iter()
                        .enumerate()
                        .filter(|&(j, g)| j != i && g.write && g.object != o)
                        .map(|(_, g)| g.key)
                        .collect();
                    let edge = OrderEdge {
                        from: h.key,
                        to: key,
                        from_location: h.location,
                        to_location: ev.location,
                        task: t,
                        from_write: h.write,
                        to_write: write,
                        gates,
                        execution: self.execution,
                    };
                    let list = self.edges.entry((h.key, key)).or_default();
                    let known = list.iter().any(|e| {
                        e.task == edge.task
                            && e.from_write == edge.from_write
                            && e.to_write == edge.to_write
                            && e.gates == edge.gates
                    });
                    if !known && list.len() < EDGES_PER_PAIR {
                        list.push(edge);
                    }
                }
                self.held[t].push(Held { object: o, key, write, location: ev.location });
            }
            EventKind::Unlock | EventKind::RUnlock => {
                // Guards may be released by another task: find the holder.
                let by_me = self.held.get(ev.task).is_some_and(|h| h.iter().any(|x| x.object == o));
                let holders: Vec<usize> = if by_me {
                    vec![ev.task]
                } else {
                    (0..self.held.len()).filter(|&t| self.held[t].iter().any(|x| x.object == o)).collect()
                };
                if let Some(&t) = holders.first() {
                    if let Some(i) = self.held[t].iter().rposition(|x| x.object == o) {
                        self.held[t].remove(i);
                    }
                }
            }
            EventKind::CondWait => {}
            _ => {}
        }
    }

    /// A lock-order cycle that could deadlock, if the graph has one.
    pub fn inversion(&self) -> Option<Inversion> {
        let mut path: Vec<&OrderEdge> = Vec::new();
        for (&(from, _), _) in self.edges.iter() {
            if let Some(found) = self.search(from, from, &mut path) {
                return Some(Inversion { edges: found });
            }
        }
        None
    }

    fn search<'a>(
        &'a self,
        start: LockKey,
        at: LockKey,
        path: &mut Vec<&'a OrderEdge>,
    ) -> Option<Vec<OrderEdge>> {
        if path.len() >= MAX_CYCLE {
            return None;
        }
        for edge in self.edges.iter().filter(|((from, _), _)| *from == at).flat_map(|(_, list)| list) {
            {
                if !self.fits(path, edge) {
                    continue;
                }
                path.push(edge);
                if edge.to == start {
                    if path.len() >= 2 && conflicts(edge, path[0]) {
                        return Some(path.iter().map(|e| (*e).clone()).collect());
                    }
                } else if edge.to > start && !path.iter().any(|e| e.from == edge.to) {
                    // Only cycles whose smallest lock is `start`: each cycle
                    // is found once.
                    if let Some(found) = self.search(start, edge.to, path) {
                        return Some(found);
                    }
                }
                path.pop();
            }
        }
        None
    }

    /// Whether `edge` can follow `path` in a deadlocking cycle.
    fn fits(&self, path: &[&OrderEdge], edge: &OrderEdge) -> bool {
        path.iter().all(|e| e.task != edge.task && !e.gates.iter().any(|g| edge.gates.contains(g)))
            && path.last().is_none_or(|last| conflicts(last, edge))
    }
}

/// The task of `waiting` waits for the lock that the task of `holding`
/// holds: only if one of the two modes is a write.
fn conflicts(waiting: &OrderEdge, holding: &OrderEdge) -> bool {
    waiting.to_write || holding.from_write
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(task: TaskId, object: ObjectId, kind: EventKind, location: Location) -> Event {
        Event { step: 0, task, object: Some(object), kind, location }
    }

    fn mutexes(order: &mut LockOrder, n: usize) {
        let here = std::panic::Location::caller();
        for o in 0..n {
            order.observe(&ev(0, o, EventKind::Create { what: ObjectKind::Mutex }, here));
        }
    }

    fn take(order: &mut LockOrder, task: TaskId, locks: &[ObjectId]) {
        let here = std::panic::Location::caller();
        for &o in locks {
            order.observe(&ev(task, o, EventKind::Lock, here));
        }
        for &o in locks.iter().rev() {
            order.observe(&ev(task, o, EventKind::Unlock, here));
        }
    }

    #[test]
    fn inversion_across_executions() {
        let mut order = LockOrder::default();
        order.begin_execution(0);
        mutexes(&mut order, 2);
        take(&mut order, 1, &[0, 1]);
        assert!(order.inversion().is_none());
        order.begin_execution(1);
        mutexes(&mut order, 2);
        take(&mut order, 2, &[1, 0]);
        let inv = order.inversion().expect("found");
        assert_eq!(inv.edges.len(), 2);
        assert_eq!(inv.edges[0].execution, 0);
        assert_eq!(inv.edges[1].execution, 1);
    }

    #[test]
    fn a_common_gate_lock_prevents_the_deadlock() {
        let mut order = LockOrder::default();
        order.begin_execution(0);
        mutexes(&mut order, 3);
        take(&mut order, 1, &[2, 0, 1]);
        take(&mut order, 2, &[2, 1, 0]);
        assert!(order.inversion().is_none());
    }

    #[test]
    fn one_task_in_both_orders_is_no_deadlock() {
        let mut order = LockOrder::default();
        order.begin_execution(0);
        mutexes(&mut order, 2);
        take(&mut order, 1, &[0, 1]);
        take(&mut order, 1, &[1, 0]);
        assert!(order.inversion().is_none());
    }

    #[test]
    fn read_locks_do_not_wait_for_read_locks() {
        let mut order = LockOrder::default();
        order.begin_execution(0);
        let here = std::panic::Location::caller();
        for o in 0..2 {
            order.observe(&ev(0, o, EventKind::Create { what: ObjectKind::RwMutex }, here));
        }
        for (t, first, second) in [(1, 0, 1), (2, 1, 0)] {
            order.observe(&ev(t, first, EventKind::RLock, here));
            order.observe(&ev(t, second, EventKind::RLock, here));
            order.observe(&ev(t, second, EventKind::RUnlock, here));
            order.observe(&ev(t, first, EventKind::RUnlock, here));
        }
        assert!(order.inversion().is_none());
    }

    #[test]
    fn three_philosophers_form_a_cycle() {
        let mut order = LockOrder::default();
        order.begin_execution(0);
        mutexes(&mut order, 3);
        take(&mut order, 1, &[0, 1]);
        take(&mut order, 2, &[1, 2]);
        take(&mut order, 3, &[2, 0]);
        let inv = order.inversion().expect("found");
        assert_eq!(inv.edges.len(), 3);
    }
}
