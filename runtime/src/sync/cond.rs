use std::collections::VecDeque;
use std::panic::Location;

use goweave_checkers::EventKind;

use super::MutexGuard;
use crate::rt::{self, announce, with_exec, ObjRef, ObjState, Op};

/// A condition variable, like Go's `sync.Cond`: `wait` atomically unlocks
/// the guard's mutex and sleeps until `signal` or `broadcast`, then locks
/// it again. Waiters wake in FIFO order; there are no spurious wake-ups,
/// but as in Go, re-check the condition in a loop.
///
/// ```
/// use std::sync::Arc;
/// use goweave::sync::{Cond, Mutex};
/// goweave::check(|| {
///     let state = Arc::new((Mutex::new(false), Cond::new()));
///     let s = state.clone();
///     goweave::go(move || {
///         *s.0.lock() = true;
///         s.1.signal();
///     });
///     let mut ready = state.0.lock();
///     while !*ready {
///         ready = state.1.wait(ready);
///     }
/// });
/// ```
#[derive(Debug)]
pub struct Cond {
    obj: ObjRef,
}

impl Cond {
    /// A new condition variable with no waiters.
    #[track_caller]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Cond {
        Cond { obj: ObjRef::new(ObjState::Cond { waiters: VecDeque::new() }) }
    }

    fn id(&self) -> usize {
        with_exec(|ex| self.obj.id(ex))
    }

    /// Unlocks the guard's mutex, waits for a signal, locks it again.
    #[track_caller]
    pub fn wait<'a, T: ?Sized>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        let loc = Location::caller();
        let id = self.id();
        let mutex = guard.mutex;
        let m = mutex.id();
        announce(Op::CondWait(id), loc);
        // The unlock is part of this operation, not a separate step.
        std::mem::forget(guard);
        with_exec(|ex| {
            let me = ex.current;
            *ex.mutex_holder(m) = None;
            ex.record(me, Some(m), EventKind::Unlock, loc);
            ex.record(me, Some(id), EventKind::CondWait, loc);
            match &mut ex.objects[id].state {
                ObjState::Cond { waiters } => waiters.push_back((me, m)),
                _ => unreachable!(),
            }
        });
        // Woken by signal/broadcast with Op::Relock announced; the
        // scheduler resumes us once the mutex is free.
        rt::wait(Op::CondWait(id), loc);
        mutex.acquire(m, loc);
        MutexGuard { mutex, locked_at: loc }
    }

    /// Wakes the longest-waiting task, if any.
    #[track_caller]
    pub fn signal(&self) {
        self.wake(false, Location::caller());
    }

    /// Wakes every waiting task.
    #[track_caller]
    pub fn broadcast(&self) {
        self.wake(true, Location::caller());
    }

    fn wake(&self, all: bool, loc: rt::Loc) {
        let id = self.id();
        announce(if all { Op::Broadcast(id) } else { Op::Signal(id) }, loc);
        with_exec(|ex| {
            let me = ex.current;
            ex.record(me, Some(id), if all { EventKind::Broadcast } else { EventKind::Signal }, loc);
            loop {
                let next = match &mut ex.objects[id].state {
                    ObjState::Cond { waiters } => waiters.pop_front(),
                    _ => unreachable!(),
                };
                let Some((t, m)) = next else { break };
                let at = ex.tasks[t].loc;
                ex.record(t, Some(id), EventKind::Woken { by: me }, at);
                ex.wake_with(t, Op::Relock(m));
                if !all {
                    break;
                }
            }
        });
    }
}
