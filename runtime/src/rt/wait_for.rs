//! The wait-for graph: which tasks a blocked task waits for, and cycles.

use super::object::{MutexState, ObjState, OnceState};
use super::ops::Op;
use super::task::TaskState;
use super::Execution;
use crate::footprint::TaskId;

/// The tasks that `t` waits for, when it waits on a lock, a join or a Once.
fn waits_for(ex: &Execution, t: TaskId) -> Vec<TaskId> {
    let task = &ex.tasks[t];
    if task.state == TaskState::Finished || ex.is_enabled(t) {
        return Vec::new();
    }
    match task.op {
        Op::Lock(m) | Op::Relock(m) => match &ex.objects[m].state {
            ObjState::Mutex(MutexState { holder: Some((h, _)) }) => vec![*h],
            _ => Vec::new(),
        },
        Op::RLock(o) | Op::WLock(o) | Op::WDrain(o) => match &ex.objects[o].state {
            ObjState::RwMutex(s) => {
                let mut v: Vec<TaskId> = s.writer.iter().map(|w| w.0).collect();
                if matches!(task.op, Op::WLock(_) | Op::WDrain(_)) {
                    v.extend(s.readers.iter().map(|r| r.0));
                }
                v.extend(s.pending_writer.iter().map(|w| w.0).filter(|&w| w != t));
                v
            }
            _ => Vec::new(),
        },
        Op::Join(target) => vec![target],
        Op::OnceDo(o) => match &ex.objects[o].state {
            ObjState::Once(OnceState { running: Some(r), .. }) => vec![*r],
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// A wait-for cycle through a task that started waiting on a lock in this
/// step, if one closed.
pub(super) fn closed_lock_cycle(ex: &mut Execution) -> Option<Vec<TaskId>> {
    let waiters = std::mem::take(&mut ex.lock_waiters);
    let found = waiters.iter().find_map(|&t| cycle_through(ex, t));
    ex.lock_waiters = waiters;
    ex.lock_waiters.clear();
    found
}

/// A cycle of lock waits that starts and ends at `start`, closed in this
/// step (other tasks may still run).
fn cycle_through(ex: &Execution, start: TaskId) -> Option<Vec<TaskId>> {
    // Most lock announcements find the lock free: no wait, no cycle.
    if !lock_wait(ex, start) || ex.tasks[start].state == TaskState::Finished || ex.is_enabled(start) {
        return None;
    }
    // A mutex waiter's only edge is to the holder: no cycle unless the
    // holder itself waits on a lock (the search would find that too, but
    // allocates).
    if let Op::Lock(m) | Op::Relock(m) = ex.tasks[start].op {
        if let ObjState::Mutex(MutexState { holder: Some((h, _)) }) = ex.objects[m].state {
            let idle = ex.tasks[h].state == TaskState::Finished || ex.is_enabled(h);
            if h == start || !lock_wait(ex, h) || idle {
                return None;
            }
        }
    }
    find_cycle(ex, start, true, false)
}

/// A cycle in the wait-for graph of a global deadlock, as the tasks along it.
pub(crate) fn wait_cycle(ex: &Execution) -> Option<Vec<TaskId>> {
    (0..ex.tasks.len()).find_map(|t| find_cycle(ex, t, false, true))
}

/// A cycle of lock waits, a task waiting on a lock it holds included, when
/// the execution ended: nothing can release those locks any more, so
/// whatever else still ran, they are a deadlock.
pub(crate) fn lock_cycle_at_end(ex: &Execution) -> Option<Vec<TaskId>> {
    (0..ex.tasks.len()).filter(|&t| lock_wait(ex, t)).find_map(|t| find_cycle(ex, t, true, true))
}

fn lock_wait(ex: &Execution, t: TaskId) -> bool {
    matches!(ex.tasks[t].op, Op::Lock(_) | Op::Relock(_) | Op::RLock(_) | Op::WLock(_) | Op::WDrain(_))
}

/// Depth-first search of the wait-for graph for a path from `start` back to
/// it. With `locks_only`, only lock waits count. Without `self_waits`, a
/// task waiting on a lock it took itself is not a cycle: while the
/// execution goes on it may have handed the guard to another task (guards
/// are Send, as in Go), which will drop it; once the execution has ended it
/// is a cycle.
fn find_cycle(ex: &Execution, start: TaskId, locks_only: bool, self_waits: bool) -> Option<Vec<TaskId>> {
    let mut path = vec![start];
    let mut next_edge = vec![0usize];
    let mut edges = vec![waits_for(ex, start)];
    while !path.is_empty() {
        let depth = path.len() - 1;
        let i = next_edge[depth];
        if i >= edges[depth].len() {
            path.pop();
            next_edge.pop();
            edges.pop();
            continue;
        }
        next_edge[depth] += 1;
        let u = edges[depth][i];
        if u == start {
            if self_waits || path.len() > 1 {
                return Some(path);
            }
            continue;
        }
        if (!locks_only || lock_wait(ex, u)) && !path.contains(&u) {
            path.push(u);
            next_edge.push(0);
            edges.push(waits_for(ex, u));
        }
    }
    None
}
