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
//!
//! A `Shared` variable may also be accessed atomically, as Go's
//! `atomic.AddInt64(&x, 1)` touches a plain `x`. Go's race detector treats
//! such accesses as its memory model does: they synchronize (a load
//! acquires, a store releases, a read-modify-write does both, all
//! sequentially consistent), they never race with one another, and a plain
//! access not ordered with an atomic one, at least one of the two a write,
//! is a race. Atomic reads and writes are kept apart from plain ones, in
//! the same epoch-or-clock form.

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
    /// Whether it was atomic (Go's `sync/atomic` on a plain variable).
    pub atomic: bool,
}

/// What raced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RaceKind {
    /// Two accesses to a `Shared` variable, at least one a write and at
    /// least one plain (not atomic).
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

impl Reads {
    /// An access of the set, by another task than `t`, not ordered before
    /// `clock`.
    fn unordered(&self, t: TaskId, clock: &Clock) -> Option<Epoch> {
        match self {
            Reads::None => None,
            Reads::One(r) => (r.task != t && r.time > clock.get(r.task)).then_some(*r),
            Reads::Many(reads) => reads.iter().enumerate().find_map(|(u, r)| match *r {
                Some((time, event)) if u != t && time > clock.get(u) => Some(Epoch { task: u, time, event }),
                _ => None,
            }),
        }
    }

    /// Adds `me`, an access by `me.task` at `clock`: one epoch while every
    /// access so far is ordered before it, else one per task.
    fn add(&mut self, me: Epoch, clock: &Clock) {
        let t = me.task;
        match self {
            Reads::None => *self = Reads::One(me),
            Reads::One(r) if r.task == t || r.time <= clock.get(r.task) => *r = me,
            Reads::One(r) => {
                let mut many = vec![None; t.max(r.task) + 1];
                many[r.task] = Some((r.time, r.event));
                many[t] = Some((me.time, me.event));
                *self = Reads::Many(many);
            }
            Reads::Many(reads) => {
                if reads.len() <= t {
                    reads.resize(t + 1, None);
                }
                reads[t] = Some((me.time, me.event));
            }
        }
    }
}

/// The accesses of one variable that later ones may race with.
#[derive(Clone, Debug, Default)]
struct Var {
    /// The last plain write.
    write: Option<Epoch>,
    /// Plain reads since it.
    reads: Reads,
    /// Atomic writes (stores, read-modify-writes) since it.
    atomic_writes: Reads,
    /// Atomic loads since it.
    atomic_reads: Reads,
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
                    return self.access(index, t, o, false, false, RaceKind::WaitGroup);
                }
            }
            (EventKind::WaitGroupWait { blocked }, Some(o)) => {
                if !blocked {
                    self.acquire_from(t, o, |s| &s.release);
                } else {
                    let sync = self.object(o);
                    sync.waiters += 1;
                    if sync.waiters == 1 {
                        if let Some(race) = self.access(index, t, o, true, false, RaceKind::WaitGroup) {
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
            (EventKind::SharedRead, Some(o)) => {
                return self.access(index, t, o, false, false, RaceKind::Shared)
            }
            (EventKind::SharedWrite, Some(o)) => {
                return self.access(index, t, o, true, false, RaceKind::Shared)
            }
            // Go's atomics on a plain variable: sequentially consistent, so
            // a load acquires what the stores before it released. The load
            // is checked after it acquires (a plain write published by the
            // store it reads is ordered before it); a store is recorded
            // before it releases, so what acquires it sees the store.
            (EventKind::SharedAtomicLoad, Some(o)) => {
                self.acquire_from(t, o, |s| &s.release);
                if let Some(race) = self.access(index, t, o, false, true, RaceKind::Shared) {
                    return Some(race);
                }
            }
            (EventKind::SharedAtomicStore, Some(o)) => {
                if let Some(race) = self.access(index, t, o, true, true, RaceKind::Shared) {
                    return Some(race);
                }
                self.release_into(t, o, false, |s| &mut s.release);
            }
            (EventKind::SharedAtomicRmw, Some(o)) => {
                self.acquire_from(t, o, |s| &s.release);
                if let Some(race) = self.access(index, t, o, true, true, RaceKind::Shared) {
                    return Some(race);
                }
                self.release_into(t, o, true, |s| &mut s.release);
            }
            _ => synced = false,
        }
        if synced {
            self.last_sync[t] = Some(index);
        }
        None
    }

    /// FastTrack's read and write rules on the variable of object `o`, for
    /// a plain access or (`atomic`) an atomic one: atomic accesses conflict
    /// with plain ones only.
    fn access(
        &mut self,
        index: usize,
        t: TaskId,
        o: ObjectId,
        write: bool,
        atomic: bool,
        kind: RaceKind,
    ) -> Option<Race> {
        self.task(t);
        self.object(o);
        let clock = &self.clocks[t];
        let var = &mut self.objects[o].var;
        let race = |first: Epoch, first_write: bool, first_atomic: bool| {
            Some(Race {
                object: o,
                kind,
                first: Access {
                    event: first.event,
                    task: first.task,
                    write: first_write,
                    atomic: first_atomic,
                },
                second: Access { event: index, task: t, write, atomic },
            })
        };
        // A plain write conflicts with every access.
        if let Some(w) = var.write {
            if w.task != t && w.time > clock.get(w.task) {
                return race(w, true, false);
            }
        }
        let me = Epoch { task: t, time: clock.get(t), event: index };
        match (write, atomic) {
            (false, false) => {
                if let Some(w) = var.atomic_writes.unordered(t, clock) {
                    return race(w, true, true);
                }
                var.reads.add(me, clock);
            }
            (true, false) => {
                if let Some(r) = var.reads.unordered(t, clock) {
                    return race(r, false, false);
                }
                if let Some(w) = var.atomic_writes.unordered(t, clock) {
                    return race(w, true, true);
                }
                if let Some(r) = var.atomic_reads.unordered(t, clock) {
                    return race(r, false, true);
                }
                // Everything before is ordered before this write: a later
                // access unordered with any of it is unordered with this.
                *var = Var { write: Some(me), ..Var::default() };
            }
            (false, true) => var.atomic_reads.add(me, clock),
            (true, true) => {
                if let Some(r) = var.reads.unordered(t, clock) {
                    return race(r, false, false);
                }
                // Atomic writes are unordered among themselves: plain reads
                // stay, for the next atomic write to check.
                var.atomic_writes.add(me, clock);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests;
