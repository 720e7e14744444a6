//! Analyses over goweave's event stream.
//!
//! The runtime translates every operation it performs into one [`Event`]
//! appended to the execution's trace. This crate owns that vocabulary and
//! depends on nothing else of goweave's, so every analysis here can be tested
//! on a hand-written list of events.
//!
//! ```
//! use goweave_checkers::{Event, EventKind, Trace};
//! let here = std::panic::Location::caller();
//! let mut trace = Trace::default();
//! trace.push(Event { step: 1, task: 0, object: Some(0), kind: EventKind::Lock, location: here });
//! trace.push(Event { step: 2, task: 1, object: Some(0), kind: EventKind::Lock, location: here });
//! assert_eq!(trace.touching(0).count(), 2);
//! ```

pub use std::sync::atomic::Ordering;

mod clock;
mod happens_before;
mod lock_order;

pub use clock::{Clock, ClockRows};
pub use happens_before::{Access, HappensBefore, Race, RaceKind};
pub use lock_order::{Inversion, LockKey, LockOrder, OrderEdge};

/// A task's id: its creation index within one execution (the body is task 0).
pub type TaskId = usize;
/// An object's id: its creation index within one execution.
pub type ObjectId = usize;
/// A place in the user's code: where an operation was called, where an
/// object was made.
pub type Location = &'static std::panic::Location<'static>;

/// One performed operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// The scheduling step that performed it (1-based; 0 for work done
    /// before the first choice, such as the body's first statements).
    pub step: u32,
    /// The task that performed it.
    pub task: TaskId,
    /// The object it touched, if any.
    pub object: Option<ObjectId>,
    /// What happened.
    pub kind: EventKind,
    /// Where in the user's code.
    pub location: Location,
}

/// What kind of object an [`EventKind::Create`] made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ObjectKind {
    /// A channel with this buffer capacity (0: unbuffered).
    Chan {
        /// The buffer's capacity.
        cap: usize,
    },
    /// A mutex.
    Mutex,
    /// A read-write mutex.
    RwMutex,
    /// A condition variable.
    Cond,
    /// A WaitGroup.
    WaitGroup,
    /// A `Once`.
    Once,
    /// An atomic.
    Atomic,
    /// A plain shared variable.
    Shared,
}

/// What an [`Event`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventKind {
    /// Created the event's object.
    Create {
        /// The kind of object.
        what: ObjectKind,
    },
    /// Spawned the task `child`.
    Spawn {
        /// The new task.
        child: TaskId,
    },
    /// Waited for `target` to finish and took its result.
    Join {
        /// The task joined.
        target: TaskId,
    },
    /// Gave up the processor without touching any object.
    Yield,
    /// Sent a value; `to` is the receiving task of a rendezvous.
    Send {
        /// The receiver that took the value at once (a rendezvous).
        to: Option<TaskId>,
    },
    /// Received a value, or saw the channel closed (`closed`).
    Recv {
        /// The sender of a rendezvous.
        from: Option<TaskId>,
        /// The channel was closed and drained: no value.
        closed: bool,
    },
    /// Tried to send or receive without blocking and could not.
    TryFailed,
    /// Closed a channel.
    Close,
    /// Chose arm `arm` of a `select!` (`None`: its `default`).
    Select {
        /// The arm chosen, by index.
        arm: Option<usize>,
    },
    /// Took a mutex, or an RwMutex for writing.
    Lock,
    /// Released a mutex, or an RwMutex held for writing.
    Unlock,
    /// Took an RwMutex for reading.
    RLock,
    /// Released an RwMutex held for reading.
    RUnlock,
    /// Released the mutex and started waiting on a condition variable.
    CondWait,
    /// Woke one waiter of a condition variable.
    Signal,
    /// Woke every waiter of a condition variable.
    Broadcast,
    /// This task, waiting on the event's object (a condition variable, a
    /// WaitGroup, an RwMutex it waits to write), was released by `by`.
    Woken {
        /// The task whose operation released it.
        by: TaskId,
    },
    /// Added `delta` to a WaitGroup counter.
    WaitGroupAdd {
        /// The amount added (`done` adds -1).
        delta: isize,
    },
    /// Waited on a WaitGroup (`blocked`: the counter was not zero).
    WaitGroupWait {
        /// The counter was not zero: the task waits.
        blocked: bool,
    },
    /// Ran (`ran`) or skipped a `Once` body.
    Once {
        /// This call runs the body.
        ran: bool,
    },
    /// The `Once` body finished (or panicked): every later call returns.
    OnceDone,
    /// Loaded an atomic (a failed compare-exchange is a load too).
    AtomicLoad {
        /// The ordering the program asked for.
        order: Ordering,
    },
    /// Stored to an atomic.
    AtomicStore {
        /// The ordering the program asked for.
        order: Ordering,
    },
    /// Read-modify-write of an atomic.
    AtomicRmw {
        /// The ordering the program asked for.
        order: Ordering,
    },
    /// Read a plain shared variable.
    SharedRead,
    /// Wrote a plain shared variable.
    SharedWrite,
    /// Loaded a plain shared variable atomically (Go's `atomic.LoadInt64(&x)`):
    /// it acquires like a sequentially consistent load, and races with plain
    /// writes only.
    SharedAtomicLoad,
    /// Stored to a plain shared variable atomically (`atomic.StoreInt64`): it
    /// releases, and races with plain accesses only.
    SharedAtomicStore,
    /// A read-modify-write of a plain shared variable (`atomic.AddInt64`, a
    /// swap, a successful compare-and-swap): it acquires and releases, and
    /// races with plain accesses only. A failed compare-and-swap is a load.
    SharedAtomicRmw,
    /// Arrived at a rendezvous (an unbuffered send or receive, or a select
    /// on one) that must wait for a partner: partners now see it.
    Wait,
    /// A timer fired: it sent the time on the event's channel (`sent`), or
    /// woke the event's task from a sleep. Time orders nothing.
    TimerFire {
        /// It sent the time on a channel (rather than waking a sleeper).
        sent: bool,
    },
    /// The task finished (returned or panicked).
    Finish,
}

impl EventKind {
    /// A short verb for timelines.
    pub fn verb(&self) -> &'static str {
        match self {
            EventKind::Create { .. } => "create",
            EventKind::Spawn { .. } => "spawn",
            EventKind::Join { .. } => "join",
            EventKind::Yield => "yield",
            EventKind::Send { .. } => "send",
            EventKind::Recv { closed: true, .. } => "recv (closed)",
            EventKind::Recv { .. } => "recv",
            EventKind::TryFailed => "try (would block)",
            EventKind::Close => "close",
            EventKind::Select { arm: None } => "select default",
            EventKind::Select { .. } => "select",
            EventKind::Lock => "lock",
            EventKind::Unlock => "unlock",
            EventKind::RLock => "read-lock",
            EventKind::RUnlock => "read-unlock",
            EventKind::CondWait => "cond wait",
            EventKind::Signal => "signal",
            EventKind::Broadcast => "broadcast",
            EventKind::Woken { .. } => "woken",
            EventKind::WaitGroupAdd { .. } => "add",
            EventKind::WaitGroupWait { .. } => "wait",
            EventKind::Once { .. } => "once",
            EventKind::OnceDone => "once done",
            EventKind::AtomicLoad { .. } => "load",
            EventKind::AtomicStore { .. } => "store",
            EventKind::AtomicRmw { .. } => "read-modify-write",
            EventKind::SharedRead => "read",
            EventKind::SharedWrite => "write",
            EventKind::SharedAtomicLoad => "atomic load",
            EventKind::SharedAtomicStore => "atomic store",
            EventKind::SharedAtomicRmw => "atomic read-modify-write",
            EventKind::TimerFire { .. } => "timer fires",
            EventKind::Wait => "waits on",
            EventKind::Finish => "finish",
        }
    }
}

/// The events of one execution, in the order they were performed.
#[derive(Debug, Default, Clone)]
pub struct Trace {
    events: Vec<Event>,
}

impl Trace {
    /// Appends one event.
    #[inline]
    pub fn push(&mut self, event: Event) {
        self.events.push(event);
    }

    /// Forgets every event but keeps the allocation for the next execution.
    pub fn clear(&mut self) {
        self.events.clear();
    }

    /// All events in order.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The events that touched `object`.
    pub fn touching(&self, object: ObjectId) -> impl Iterator<Item = &Event> {
        self.events.iter().filter(move |e| e.object == Some(object))
    }

    /// The number of events.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// True before the first event.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The last event each task performed, indexed by task id.
    pub fn last_per_task(&self, tasks: usize) -> Vec<Option<&Event>> {
        let mut last = vec![None; tasks];
        for event in &self.events {
            if event.task < tasks {
                last[event.task] = Some(event);
            }
        }
        last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(step: u32, task: TaskId, object: Option<ObjectId>, kind: EventKind) -> Event {
        Event { step, task, object, kind, location: std::panic::Location::caller() }
    }

    #[test]
    fn every_kind_has_a_verb() {
        assert_eq!(EventKind::AtomicLoad { order: Ordering::SeqCst }.verb(), "load");
        assert_eq!(EventKind::Woken { by: 1 }.verb(), "woken");
        assert_eq!(EventKind::SharedAtomicRmw.verb(), "atomic read-modify-write");
    }

    #[test]
    fn touching_filters_by_object() {
        let mut trace = Trace::default();
        trace.push(ev(1, 0, Some(1), EventKind::Lock));
        trace.push(ev(2, 1, Some(2), EventKind::Send { to: None }));
        trace.push(ev(3, 0, Some(1), EventKind::Unlock));
        let steps: Vec<u32> = trace.touching(1).map(|e| e.step).collect();
        assert_eq!(steps, vec![1, 3]);
    }

    #[test]
    fn last_per_task_keeps_latest() {
        let mut trace = Trace::default();
        trace.push(ev(1, 0, None, EventKind::Yield));
        trace.push(ev(2, 1, None, EventKind::Yield));
        trace.push(ev(3, 0, Some(4), EventKind::Lock));
        let last = trace.last_per_task(3);
        assert_eq!(last[0].map(|e| e.step), Some(3));
        assert_eq!(last[1].map(|e| e.step), Some(2));
        assert!(last[2].is_none());
        trace.clear();
        assert!(trace.events().is_empty());
    }
}
