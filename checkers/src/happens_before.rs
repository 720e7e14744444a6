//! Happens-before over the event stream, and data races on plain shared
//! variables and on Go's WaitGroup rule.
//!
//! Every task carries a vector clock; synchronizing events move clocks
//! through their objects following the Go memory model (a send before the
//! matching receive completes, the k-th receive before the (k+C)-th send on
//! a channel of capacity C, Unlock before the next Lock, ...). Accesses to
//! `Shared` variables are checked with FastTrack's epochs (Flanagan &
//! Freund, PLDI 2009): the last write is one (task, time) pair, and reads
//! stay one pair until two unordered reads force a full read clock.

use std::collections::VecDeque;

use crate::clock::Clock;
use crate::{Event, EventKind, ObjectId, ObjectKind, Ordering, TaskId};

/// One access in a race: the event index in the trace and its task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Access {
    /// Index of the access's event in the execution's trace.
    pub event: usize,
    /// The task that made it.
    pub task: TaskId,
    /// Whether it wrote.
    pub write: bool,
}

/// What raced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RaceKind {
    /// Two accesses to a `Shared` variable, at least one a write.
    Shared,
    /// A WaitGroup `add` from zero unordered with a `wait` (Go's rule).
    WaitGroup,
}

/// Two unordered conflicting accesses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Race {
    /// The object raced on.
    pub object: ObjectId,
    /// Which rule was broken.
    pub kind: RaceKind,
    /// The earlier access.
    pub first: Access,
    /// The access that completed the race.
    pub second: Access,
}

#[derive(Clone, Copy, Debug, Default)]
struct Epoch {
    task: TaskId,
    time: u32,
    event: usize,
}

#[derive(Clone, Debug, Default)]
enum Reads {
    #[default]
    None,
    One(Epoch),
    /// Read-shared: the latest read of each task (time and event).
    Many(Vec<Option<(u32, usize)>>),
}

#[derive(Clone, Debug, Default)]
struct Var {
    write: Option<Epoch>,
    reads: Reads,
}

#[derive(Clone, Debug, Default)]
struct Sync {
    cap: usize,
    /// Released by unlock, close, done, once, release stores.
    release: Clock,
    /// Released by read-unlocks (RwMutex).
    read_release: Clock,
    /// Clocks of buffered messages, in order.
    messages: VecDeque<Clock>,
    /// Clocks of the last `cap` receives, with the number of receives
    /// before the oldest.
    receives: VecDeque<Clock>,
    received: u64,
    sent: u64,
    /// WaitGroup counter and waiters, for Go's Add/Wait rule.
    counter: isize,
    waiters: usize,
    var: Var,
}

/// The happens-before state of one execution. Feed it every event in order
/// with [`observe`](Self::observe).
///
/// ```
/// use goweave_checkers::{Event, EventKind, HappensBefore, ObjectKind};
/// let at = std::panic::Location::caller();
/// let ev = |task, object, kind| Event { step: 0, task, object, kind, location: at };
/// let mut hb = HappensBefore::default();
/// hb.observe(0, &ev(0, Some(0), EventKind::Create { what: ObjectKind::Shared }));
/// hb.observe(1, &ev(0, None, EventKind::Spawn { child: 1 }));
/// assert!(hb.observe(2, &ev(1, Some(0), EventKind::SharedWrite)).is_none());
/// // The parent writes after the spawn without waiting for the child: a race.
/// assert!(hb.observe(3, &ev(0, Some(0), EventKind::SharedWrite)).is_some());
/// ```
#[derive(Clone, Debug, Default)]
pub struct HappensBefore {
    clocks: Vec<Clock>,
    objects: Vec<Sync>,
    last_sync: Vec<Option<usize>>,
    scratch: Clock,
}

fn acquires(order: Ordering) -> bool {
    matches!(order, Ordering::Acquire | Ordering::AcqRel | Ordering::SeqCst)
}

fn releases(order: Ordering) -> bool {
    matches!(order, Ordering::Release | Ordering::AcqRel | Ordering::SeqCst)
}

impl HappensBefore {
    /// Forgets everything, keeping allocations, for the next execution.
    pub fn reset(&mut self) {
        self.clocks.clear();
        self.objects.clear();
        self.last_sync.clear();
    }

    fn task(&mut self, t: TaskId) -> &mut Clock {
        while self.clocks.len() <= t {
            let id = self.clocks.len();
            let mut c = Clock::default();
            c.set(id, 1);
            self.clocks.push(c);
            self.last_sync.push(None);
        }
        &mut self.clocks[t]
    }

    fn object(&mut self, o: ObjectId) -> &mut Sync {
        if self.objects.len() <= o {
            self.objects.resize_with(o + 1, Sync::default);
        }
        &mut self.objects[o]
    }

    /// The index of the last synchronizing event of `task`, if any.
    pub fn last_sync(&self, task: TaskId) -> Option<usize> {
        self.last_sync.get(task).copied().flatten()
    }

    /// `task`'s current clock.
    pub fn clock(&mut self, task: TaskId) -> &Clock {
        self.task(task)
    }

    /// Task `t` acquires `clock`.
    fn acquire_from(&mut self, t: TaskId, o: ObjectId, which: fn(&Sync) -> &Clock) {
        self.task(t);
        self.object(o);
        let (clocks, objects) = (&mut self.clocks, &self.objects);
        clocks[t].join(which(&objects[o]));
    }

    /// Task `t` publishes its clock into `o` (assigning or merging) and ticks.
    fn release_into(&mut self, t: TaskId, o: ObjectId, merge: bool, which: fn(&mut Sync) -> &mut Clock) {
        self.task(t);
        self.object(o);
        let clock = &self.clocks[t];
        let target = which(&mut self.objects[o]);
        if merge {
            target.join(clock);
        } else {
            target.copy_from(clock);
        }
        self.clocks[t].tick(t);
    }

    /// Processes the event at `index` of the trace; returns a race it
    /// completes, if any.
    pub fn observe(&mut self, index: usize, ev: &Event) -> Option<Race> {
        let t = ev.task;
        self.task(t);
        let o = ev.object;
        let mut synced = true;
        match (ev.kind, o) {
            (EventKind::Create { what }, Some(o)) => {
                synced = false;
                let sync = self.object(o);
                *sync = Sync::default();
                if let ObjectKind::Chan { cap } = what {
                    sync.cap = cap;
                }
            }
            (EventKind::Spawn { child }, _) => {
                self.task(child);
                let parent = self.clocks[t].clone();
                self.clocks[child].join(&parent);
                self.clocks[t].tick(t);
            }
            (EventKind::Join { target }, _) => {
                self.task(target);
                let child = self.clocks[target].clone();
                self.clocks[t].join(&child);
            }
            (EventKind::Send { to: Some(receiver) }, _) => {
                // A rendezvous: each side completes after the other began.
                self.task(receiver);
                self.scratch.copy_from(&self.clocks[t]);
                self.scratch.join(&self.clocks[receiver]);
                self.clocks[t].copy_from(&self.scratch);
                self.clocks[receiver].copy_from(&self.scratch);
                self.clocks[t].tick(t);
                self.clocks[receiver].tick(receiver);
                if let Some(s) = self.last_sync.get_mut(receiver) {
                    *s = Some(index);
                }
            }
            (EventKind::Recv { from: Some(_), .. }, _) => {
                // Handled with its Send.
                synced = false;
            }
            (EventKind::Send { to: None }, Some(o)) => {
                let sync = self.object(o);
                let n = sync.sent;
                sync.sent += 1;
                // The (n - cap)-th receive happens before the n-th send.
                if sync.cap > 0 && n >= sync.cap as u64 {
                    let k = n - sync.cap as u64;
                    if k >= sync.received.saturating_sub(sync.receives.len() as u64) && k < sync.received {
                        let idx = (k - (sync.received - sync.receives.len() as u64)) as usize;
                        let freed = sync.receives[idx].clone();
                        self.clocks[t].join(&freed);
                    }
                }
                let msg = self.clocks[t].clone();
                self.object(o).messages.push_back(msg);
                self.clocks[t].tick(t);
            }
            (EventKind::TimerFire { sent: true }, Some(o)) => {
                // The clock sends: the message carries no task's history.
                synced = false;
                let sync = self.object(o);
                sync.sent += 1;
                sync.messages.push_back(Clock::default());
            }
            (EventKind::Recv { from: None, closed: false }, Some(o)) => {
                let sync = self.object(o);
                if let Some(msg) = sync.messages.pop_front() {
                    self.clocks[t].join(&msg);
                }
                let mine = self.clocks[t].clone();
                let sync = self.object(o);
                sync.received += 1;
                sync.receives.push_back(mine);
                while sync.receives.len() > sync.cap.max(1) {
                    sync.receives.pop_front();
                }
                self.clocks[t].tick(t);
            }
            (EventKind::Recv { closed: true, .. }, Some(o)) => self.acquire_from(t, o, |s| &s.release),
            (EventKind::Close, Some(o)) => self.release_into(t, o, true, |s| &mut s.release),
            (EventKind::Lock, Some(o)) => {
                self.acquire_from(t, o, |s| &s.release);
                self.acquire_from(t, o, |s| &s.read_release);
            }
            (EventKind::Unlock, Some(o)) => self.release_into(t, o, false, |s| &mut s.release),
            (EventKind::RLock, Some(o)) => self.acquire_from(t, o, |s| &s.release),
            (EventKind::RUnlock, Some(o)) => self.release_into(t, o, true, |s| &mut s.read_release),
            (EventKind::Signal | EventKind::Broadcast, Some(o)) => {
                // The clock at the signal, not what the signaller does
                // after it, reaches the woken tasks (their Woken events).
                self.release_into(t, o, false, |s| &mut s.release);
            }
            (EventKind::Woken { .. }, Some(o)) => {
                // The object holds the waker's clock as of the wake-up: the
                // signal, the WaitGroup's last done, the last read-unlock.
                self.acquire_from(t, o, |s| &s.release);
                self.acquire_from(t, o, |s| &s.read_release);
            }
            (EventKind::WaitGroupAdd { delta }, Some(o)) => {
                let sync = self.object(o);
                let before = sync.counter;
                sync.counter += delta;
                if sync.counter == 0 {
                    sync.waiters = 0;
                }
                if delta < 0 {
                    self.release_into(t, o, true, |s| &mut s.release);
                } else if delta > 0 && before == 0 {
                    // Go models the first increment as a read that must be
                    // ordered with the first blocking Wait's write.
                    return self.access(index, t, o, false, RaceKind::WaitGroup);
                }
            }
            (EventKind::WaitGroupWait { blocked }, Some(o)) => {
                if !blocked {
                    self.acquire_from(t, o, |s| &s.release);
                } else {
                    let sync = self.object(o);
                    sync.waiters += 1;
                    if sync.waiters == 1 {
                        if let Some(race) = self.access(index, t, o, true, RaceKind::WaitGroup) {
                            return Some(race);
                        }
                    }
                }
            }
            (EventKind::Once { ran: false }, Some(o)) => self.acquire_from(t, o, |s| &s.release),
            (EventKind::OnceDone, Some(o)) => self.release_into(t, o, false, |s| &mut s.release),
            (EventKind::AtomicLoad { order }, Some(o)) => {
                if acquires(order) {
                    self.acquire_from(t, o, |s| &s.release);
                }
            }
            (EventKind::AtomicStore { order }, Some(o)) => {
                if releases(order) {
                    self.release_into(t, o, false, |s| &mut s.release);
                } else {
                    // A relaxed store ends the release sequence.
                    self.object(o).release.clear();
                }
            }
            (EventKind::AtomicRmw { order }, Some(o)) => {
                if acquires(order) {
                    self.acquire_from(t, o, |s| &s.release);
                }
                if releases(order) {
                    self.release_into(t, o, true, |s| &mut s.release);
                }
            }
            (EventKind::SharedRead, Some(o)) => return self.access(index, t, o, false, RaceKind::Shared),
            (EventKind::SharedWrite, Some(o)) => return self.access(index, t, o, true, RaceKind::Shared),
            _ => synced = false,
        }
        if synced {
            self.last_sync[t] = Some(index);
        }
        None
    }

    /// FastTrack's read and write rules on the variable of object `o`.
    fn access(&mut self, index: usize, t: TaskId, o: ObjectId, write: bool, kind: RaceKind) -> Option<Race> {
        self.task(t);
        self.object(o);
        let clock = &self.clocks[t];
        let now = clock.get(t);
        let var = &mut self.objects[o].var;
        let race = |first: Epoch, first_write: bool| Race {
            object: o,
            kind,
            first: Access { event: first.event, task: first.task, write: first_write },
            second: Access { event: index, task: t, write },
        };
        if let Some(w) = var.write {
            if w.task != t && w.time > clock.get(w.task) {
                return Some(race(w, true));
            }
        }
        let me = Epoch { task: t, time: now, event: index };
        if write {
            match &var.reads {
                Reads::None => {}
                Reads::One(r) => {
                    if r.task != t && r.time > clock.get(r.task) {
                        return Some(race(*r, false));
                    }
                }
                Reads::Many(reads) => {
                    for (u, r) in reads.iter().enumerate() {
                        if let Some((time, event)) = *r {
                            if u != t && time > clock.get(u) {
                                return Some(race(Epoch { task: u, time, event }, false));
                            }
                        }
                    }
                }
            }
            var.write = Some(me);
            var.reads = Reads::None;
        } else {
            match &mut var.reads {
                Reads::None => var.reads = Reads::One(me),
                Reads::One(r) if r.task == t || r.time <= clock.get(r.task) => *r = me,
                Reads::One(r) => {
                    let mut many = vec![None; t.max(r.task) + 1];
                    many[r.task] = Some((r.time, r.event));
                    many[t] = Some((now, index));
                    var.reads = Reads::Many(many);
                }
                Reads::Many(reads) => {
                    if reads.len() <= t {
                        reads.resize(t + 1, None);
                    }
                    reads[t] = Some((now, index));
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::panic::Location;

    /// Builds and checks a trace; returns the first race's (first, second)
    /// event indices.
    fn run(events: &[(TaskId, Option<ObjectId>, EventKind)]) -> Option<(usize, usize)> {
        let mut hb = HappensBefore::default();
        for (i, &(task, object, kind)) in events.iter().enumerate() {
            let ev = Event { step: i as u32, task, object, kind, location: Location::caller() };
            if let Some(r) = hb.observe(i, &ev) {
                return Some((r.first.event, r.second.event));
            }
        }
        None
    }

    const SHARED: EventKind = EventKind::Create { what: ObjectKind::Shared };
    const W: EventKind = EventKind::SharedWrite;
    const R: EventKind = EventKind::SharedRead;

    fn chan(cap: usize) -> EventKind {
        EventKind::Create { what: ObjectKind::Chan { cap } }
    }

    #[test]
    fn unordered_writes_race() {
        let trace = [
            (0, Some(0), SHARED),
            (0, None, EventKind::Spawn { child: 1 }),
            (1, Some(0), W),
            (0, Some(0), W),
        ];
        assert_eq!(run(&trace), Some((2, 3)));
    }

    #[test]
    fn spawn_orders_the_parent_before_the_child() {
        let trace = [
            (0, Some(0), SHARED),
            (0, Some(0), W),
            (0, None, EventKind::Spawn { child: 1 }),
            (1, Some(0), W),
        ];
        assert_eq!(run(&trace), None);
    }

    #[test]
    fn join_orders_the_child_before_the_joiner() {
        let trace = [
            (0, Some(0), SHARED),
            (0, None, EventKind::Spawn { child: 1 }),
            (1, Some(0), W),
            (1, None, EventKind::Finish),
            (0, None, EventKind::Join { target: 1 }),
            (0, Some(0), R),
        ];
        assert_eq!(run(&trace), None);
    }

    #[test]
    fn concurrent_reads_do_not_race_but_a_later_write_does() {
        let trace = [
            (0, Some(0), SHARED),
            (0, None, EventKind::Spawn { child: 1 }),
            (0, None, EventKind::Spawn { child: 2 }),
            (1, Some(0), R),
            (2, Some(0), R),
            (0, Some(0), W),
        ];
        assert_eq!(run(&trace), Some((3, 5)));
    }

    #[test]
    fn mutex_orders_critical_sections() {
        let m = Some(1);
        let locked = |t| [(t, m, EventKind::Lock), (t, Some(0), W), (t, m, EventKind::Unlock)];
        let mut trace = vec![(0, Some(0), SHARED), (0, m, EventKind::Create { what: ObjectKind::Mutex })];
        trace.push((0, None, EventKind::Spawn { child: 1 }));
        trace.extend(locked(1));
        trace.extend(locked(0));
        assert_eq!(run(&trace), None);
        // Without the lock in task 0, the write races.
        let mut trace = vec![(0, Some(0), SHARED), (0, None, EventKind::Spawn { child: 1 })];
        trace.extend(locked(1));
        trace.push((0, Some(0), W));
        assert!(run(&trace).is_some());
    }

    #[test]
    fn unbuffered_rendezvous_orders_both_ways() {
        let c = Some(1);
        // Child writes, then sends; parent receives, then writes.
        let trace = [
            (0, Some(0), SHARED),
            (0, c, chan(0)),
            (0, None, EventKind::Spawn { child: 1 }),
            (1, Some(0), W),
            (1, c, EventKind::Send { to: Some(0) }),
            (0, c, EventKind::Recv { from: Some(1), closed: false }),
            (0, Some(0), W),
        ];
        assert_eq!(run(&trace), None);
        // Parent writes before receiving; child writes after sending:
        // the receive happens before the send completes.
        let trace = [
            (0, Some(0), SHARED),
            (0, c, chan(0)),
            (0, None, EventKind::Spawn { child: 1 }),
            (0, Some(0), W),
            (1, c, EventKind::Send { to: Some(0) }),
            (0, c, EventKind::Recv { from: Some(1), closed: false }),
            (1, Some(0), W),
        ];
        assert_eq!(run(&trace), None);
    }

    #[test]
    fn buffered_channel_capacity_orders_receive_before_later_send() {
        let c = Some(1);
        // Capacity 1 used as a semaphore: the child's receive (releasing
        // the slot) happens before the parent's second send.
        let base = [
            (0, Some(0), SHARED),
            (0, c, chan(1)),
            (0, None, EventKind::Spawn { child: 1 }),
            (0, c, EventKind::Send { to: None }),
            (1, c, EventKind::Recv { from: None, closed: false }),
            (1, Some(0), W),
        ];
        let mut ordered = base.to_vec();
        // Task 1 writes after receiving; parent's second send then write.
        ordered.swap(4, 5);
        let mut t = ordered.clone();
        t.push((0, c, EventKind::Send { to: None }));
        t.push((0, Some(0), W));
        // Write by 1 happened before its receive, receive before send #2.
        assert_eq!(run(&t), None);
        // Without the second send, the parent's write races.
        let mut t = ordered;
        t.push((0, Some(0), W));
        assert!(run(&t).is_some());
    }

    #[test]
    fn close_orders_before_a_receive_that_sees_it() {
        let c = Some(1);
        let trace = [
            (0, Some(0), SHARED),
            (0, c, chan(0)),
            (0, None, EventKind::Spawn { child: 1 }),
            (1, Some(0), W),
            (1, c, EventKind::Close),
            (0, c, EventKind::Recv { from: None, closed: true }),
            (0, Some(0), W),
        ];
        assert_eq!(run(&trace), None);
    }

    #[test]
    fn relaxed_atomics_give_no_edge_but_release_acquire_do() {
        let a = Some(1);
        let make = |store: Ordering, load: Ordering| {
            run(&[
                (0, Some(0), SHARED),
                (0, a, EventKind::Create { what: ObjectKind::Atomic }),
                (0, None, EventKind::Spawn { child: 1 }),
                (1, Some(0), W),
                (1, a, EventKind::AtomicStore { order: store }),
                (0, a, EventKind::AtomicLoad { order: load }),
                (0, Some(0), R),
            ])
        };
        assert_eq!(make(Ordering::Release, Ordering::Acquire), None);
        assert_eq!(make(Ordering::SeqCst, Ordering::SeqCst), None);
        assert!(make(Ordering::Relaxed, Ordering::Acquire).is_some());
        assert!(make(Ordering::Release, Ordering::Relaxed).is_some());
    }

    #[test]
    fn waitgroup_done_orders_before_wait_and_add_races_with_wait() {
        let wg = Some(1);
        let create = (0, wg, EventKind::Create { what: ObjectKind::WaitGroup });
        let trace = [
            (0, Some(0), SHARED),
            create,
            (0, wg, EventKind::WaitGroupAdd { delta: 1 }),
            (0, None, EventKind::Spawn { child: 1 }),
            (0, wg, EventKind::WaitGroupWait { blocked: true }),
            (1, Some(0), W),
            (1, wg, EventKind::WaitGroupAdd { delta: -1 }),
            (0, wg, EventKind::Woken { by: 1 }),
            (0, Some(0), R),
        ];
        assert_eq!(run(&trace), None);
        // The child adds (from zero) while the parent waits, unordered.
        let trace = [
            create,
            (0, None, EventKind::Spawn { child: 1 }),
            (0, wg, EventKind::WaitGroupAdd { delta: 1 }),
            (0, wg, EventKind::WaitGroupWait { blocked: true }),
            (0, wg, EventKind::WaitGroupAdd { delta: -1 }),
            (1, wg, EventKind::WaitGroupAdd { delta: 1 }),
        ];
        // The counter was 1 when the wait blocked, 0 again at the child's
        // add: the child's add from zero is unordered with the wait.
        assert_eq!(run(&trace), Some((3, 5)));
    }

    #[test]
    fn rwmutex_read_unlock_orders_before_next_write_lock() {
        let rw = Some(1);
        let trace = [
            (0, Some(0), SHARED),
            (0, rw, EventKind::Create { what: ObjectKind::RwMutex }),
            (0, None, EventKind::Spawn { child: 1 }),
            (1, rw, EventKind::RLock),
            (1, Some(0), R),
            (1, rw, EventKind::RUnlock),
            (0, rw, EventKind::Lock),
            (0, Some(0), W),
        ];
        assert_eq!(run(&trace), None);
    }

    #[test]
    fn once_body_orders_before_other_callers() {
        let once = Some(1);
        let trace = [
            (0, Some(0), SHARED),
            (0, once, EventKind::Create { what: ObjectKind::Once }),
            (0, None, EventKind::Spawn { child: 1 }),
            (1, once, EventKind::Once { ran: true }),
            (1, Some(0), W),
            (1, once, EventKind::OnceDone),
            (0, once, EventKind::Once { ran: false }),
            (0, Some(0), R),
        ];
        assert_eq!(run(&trace), None);
    }

    #[test]
    fn a_wake_up_orders_only_what_came_before_it() {
        let wg = Some(1);
        let trace = [
            (0, Some(0), SHARED),
            (0, wg, EventKind::Create { what: ObjectKind::WaitGroup }),
            (0, wg, EventKind::WaitGroupAdd { delta: 1 }),
            (0, None, EventKind::Spawn { child: 1 }),
            (0, wg, EventKind::WaitGroupWait { blocked: true }),
            (1, wg, EventKind::WaitGroupAdd { delta: -1 }),
            (0, wg, EventKind::Woken { by: 1 }),
            (1, Some(0), W),
            (0, Some(0), R),
        ];
        assert_eq!(run(&trace), Some((7, 8)));
        let c = Some(1);
        let trace = [
            (0, Some(0), SHARED),
            (0, c, EventKind::Create { what: ObjectKind::Cond }),
            (0, None, EventKind::Spawn { child: 1 }),
            (1, c, EventKind::Signal),
            (0, c, EventKind::Woken { by: 1 }),
            (1, Some(0), W),
            (0, Some(0), R),
        ];
        assert_eq!(run(&trace), Some((5, 6)));
        // What the signaller did before the signal is ordered.
        let trace = [
            (0, Some(0), SHARED),
            (0, c, EventKind::Create { what: ObjectKind::Cond }),
            (0, None, EventKind::Spawn { child: 1 }),
            (1, Some(0), W),
            (1, c, EventKind::Signal),
            (0, c, EventKind::Woken { by: 1 }),
            (0, Some(0), R),
        ];
        assert_eq!(run(&trace), None);
    }

    #[test]
    fn last_sync_is_tracked() {
        let mut hb = HappensBefore::default();
        let at = Location::caller();
        let ev = |task, object, kind| Event { step: 0, task, object, kind, location: at };
        hb.observe(0, &ev(0, Some(0), EventKind::Create { what: ObjectKind::Mutex }));
        hb.observe(1, &ev(0, Some(0), EventKind::Lock));
        assert_eq!(hb.last_sync(0), Some(1));
        assert_eq!(hb.last_sync(1), None);
    }
}
