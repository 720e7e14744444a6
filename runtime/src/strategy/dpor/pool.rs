//! The state the workers of an exhaustive search over several threads
//! share (see [`steal`](super::steal)): the units and their messages, the
//! work waiting for a worker, the budget, and when a search is worth
//! splitting at all.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use super::steal::{Frame, Msg, Offer};

/// The estimated size, in executions, from which a search is worth
/// splitting over threads: executions run so far over the part of the
/// tree explored (Knuth's estimate, see `Buffers::path_explored_part`),
/// which was within 4x of the true size after 1,000 executions of the
/// pattern examples. Stealing repeats executions, most in searches of a
/// few thousand (the tee's 7,273 took 17,000 to 51,000 on two threads),
/// while a search this size runs in about a second on one.
pub(super) const SPLIT_WORTH: f64 = 50_000.0;

/// A worker's handle on the pool. A worker clones its handle at every
/// execution; each handle counts its own references, where clones of the
/// one shared `Arc<Pool>` moved its count between the cores at every
/// execution (two thirds of `begin`'s time on two threads).
pub(crate) struct Handle(Arc<Pool>);

impl Handle {
    pub(crate) fn new(pool: Arc<Pool>) -> Handle {
        Handle(pool)
    }
}

impl std::ops::Deref for Handle {
    type Target = Pool;
    fn deref(&self) -> &Pool {
        &self.0
    }
}

/// Where a unit stands.
enum Life {
    /// A worker runs it, or it waits on a worker's stack or in the queue.
    Active,
    /// It explored all it was given; it keeps the first node of its own
    /// (see [`Dpor::go_dormant`](super::Dpor::go_dormant)) until its lender lets it go.
    Dormant(Box<Frame>),
    Released,
}

struct Unit {
    inbox: Vec<Msg>,
    life: Life,
}

impl Unit {
    fn new() -> Unit {
        Unit { inbox: Vec::new(), life: Life::Active }
    }
}

/// Work for a worker.
pub(super) enum Work {
    /// A branch given away.
    New(Offer),
    /// A dormant unit woken by a sequence for it.
    Resume(Box<Frame>),
}

struct State {
    units: Vec<Unit>,
    work: VecDeque<Work>,
    complete: bool,
}

/// What a worker waiting for work gets.
pub(super) enum Wait {
    /// Messages for the unit it runs.
    Messages,
    /// Work to take up.
    Work(Work),
    /// The search is over: complete, or stopped.
    Over { complete: bool },
}

/// The state the workers of one exhaustive search share.
pub(crate) struct Pool {
    state: Mutex<State>,
    wake: Condvar,
    hungry: AtomicUsize,
    started: AtomicU64,
    stopped: AtomicBool,
    iterations: u64,
    split_after: u64,
    /// The bits of the largest part of the tree explored that a unit's
    /// path showed when asked (non-negative floats order as their bits).
    explored: AtomicU64,
    /// Whether a sequence reached a branch given away after that branch
    /// started (see [`note_late`](Self::note_late)).
    late: AtomicBool,
    /// Messages put into inboxes and not taken yet (or left in a released
    /// unit's): while there are none, a worker starting an execution
    /// does not take the lock to look at its inbox.
    mail: AtomicUsize,
}

impl Pool {
    /// A pool for a search of at most `iterations` executions, whose root
    /// unit is unit 0.
    pub(crate) fn new(iterations: u64, split_after: u64) -> Pool {
        Pool {
            state: Mutex::new(State { units: vec![Unit::new()], work: VecDeque::new(), complete: false }),
            wake: Condvar::new(),
            hungry: AtomicUsize::new(0),
            started: AtomicU64::new(0),
            stopped: AtomicBool::new(false),
            iterations,
            split_after,
            explored: AtomicU64::new(0),
            late: AtomicBool::new(false),
            mail: AtomicUsize::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A worker that panicked is reported by its thread: the state
        // itself is never left half-changed.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts an execution about to start and returns its index, or `None`
    /// if the budget is spent or the search stopped. A worker takes its
    /// indices `BLOCK` at a time into `claimed`: a counter that every
    /// worker updated at every execution would bounce between their cores.
    pub(super) fn start_execution(&self, claimed: &mut std::ops::Range<u64>) -> Option<u64> {
        /// Indices a worker claims at once.
        const BLOCK: u64 = 64;
        if self.stopped.load(Ordering::Acquire) {
            return None;
        }
        if claimed.is_empty() {
            let n = self.started.fetch_add(BLOCK, Ordering::Relaxed);
            if n >= self.iterations {
                self.stop();
                return None;
            }
            *claimed = n..(n + BLOCK).min(self.iterations);
        }
        claimed.next()
    }

    /// Whether a worker waits for work and none is offered, and the search
    /// is past its sequential start and large enough to be worth splitting
    /// (see [`SPLIT_WORTH`]) as far as `explored_part` tells: the part of
    /// the tree the asking unit's path shows explored, whose largest value
    /// so far counts (the estimate jumps as the path moves; the part only
    /// grows), and no branch given away has learnt of a sequence late
    /// (see [`note_late`](Self::note_late)). With `split_after` 0 the
    /// search splits at once whatever its size, and goes on splitting
    /// (the tests use it to give the stealing the most work).
    pub(super) fn wants_offer(&self, explored_part: impl FnOnce() -> f64) -> bool {
        let started = self.started.load(Ordering::Relaxed);
        if self.hungry.load(Ordering::Relaxed) == 0 || started < self.split_after {
            return false;
        }
        if self.split_after > 0 {
            if self.late.load(Ordering::Relaxed) {
                return false;
            }
            let part = explored_part();
            let largest =
                f64::from_bits(self.explored.fetch_max(part.to_bits(), Ordering::Relaxed)).max(part);
            if (started as f64) < SPLIT_WORTH * largest {
                return false;
            }
        }
        self.lock().work.is_empty()
    }

    /// Notes that a branch given away learnt of a sequence that the
    /// one-threaded search would have put into its tree before exploring
    /// it: found below the branch its lender explored meanwhile, or a
    /// node there turned strict. The thief then takes branches again, and
    /// repeats executions; in a channel-heavy search such sequences come
    /// by the thousand (the tee's pipeline with five values and no cancel,
    /// 382,471 executions on one thread, took 0.6 to 2.6 million on two).
    /// From the first one on, the search gives nothing more away: the
    /// units already given finish their branches, and the search goes on
    /// with as many threads as they keep busy. A search whose tasks share
    /// few objects, (g) of the benchmarks, has none, and keeps splitting.
    pub(super) fn note_late(&self) {
        self.late.store(true, Ordering::Relaxed);
    }

    /// A new unit's id.
    pub(super) fn new_unit(&self) -> u32 {
        let mut state = self.lock();
        state.units.push(Unit::new());
        u32::try_from(state.units.len() - 1).expect("4 billion units")
    }

    pub(super) fn offer(&self, offer: Offer) {
        self.lock().work.push_back(Work::New(offer));
        self.wake.notify_all();
    }

    /// Sends `msg` to unit `unit`; true if that woke it from dormancy (it
    /// is then the sender's lent branch again).
    pub(super) fn send(&self, unit: u32, msg: Msg) -> bool {
        let mut state = self.lock();
        let to = &mut state.units[unit as usize];
        to.inbox.push(msg);
        self.mail.fetch_add(1, Ordering::Release);
        let woke = match std::mem::replace(&mut to.life, Life::Active) {
            Life::Dormant(frame) => {
                state.work.push_back(Work::Resume(frame));
                true
            }
            Life::Active => false,
            Life::Released => unreachable!("goweave: a sequence for a released unit of the search"),
        };
        drop(state);
        self.wake.notify_all();
        woke
    }

    /// Unit `unit` explored everything it was given: it waits, dormant,
    /// for more from its lender, who is told.
    pub(super) fn go_dormant(&self, unit: u32, frame: Box<Frame>, (lender, node): (u32, usize)) {
        let mut state = self.lock();
        if state.units[unit as usize].inbox.is_empty() {
            state.units[unit as usize].life = Life::Dormant(frame);
            state.units[lender as usize].inbox.push(Msg::Returned { node });
            self.mail.fetch_add(1, Ordering::Release);
        } else {
            // Sent to it while it was going dormant: it takes that up
            // again, still out on loan.
            state.work.push_back(Work::Resume(frame));
        }
        drop(state);
        self.wake.notify_all();
    }

    /// The node that lent unit `unit` its branch is done: the unit, and
    /// those it lent branches to, are let go.
    pub(super) fn release(&self, unit: u32) {
        let mut state = self.lock();
        let mut stack = vec![unit];
        while let Some(u) = stack.pop() {
            match std::mem::replace(&mut state.units[u as usize].life, Life::Released) {
                Life::Dormant(frame) => stack.extend(frame.buf.lent_to.iter().map(|l| l.unit)),
                Life::Active => unreachable!("goweave: a unit of the search released while it runs"),
                Life::Released => {}
            }
        }
    }

    /// The messages for unit `unit`, in the order they were sent.
    pub(super) fn take_inbox(&self, unit: u32, into: &mut Vec<Msg>) {
        if self.mail.load(Ordering::Acquire) == 0 {
            return;
        }
        let mut state = self.lock();
        let inbox = &mut state.units[unit as usize].inbox;
        self.mail.fetch_sub(inbox.len(), Ordering::Relaxed);
        into.append(inbox);
    }

    /// The root unit explored the whole tree.
    pub(super) fn complete(&self) {
        self.lock().complete = true;
        self.wake.notify_all();
    }

    /// Stops every worker (a failure, the budget, the time limit).
    pub(crate) fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
        let _state = self.lock();
        self.wake.notify_all();
    }

    /// Waits for messages for unit `unit` (if the worker runs one), or for
    /// work, or for the end.
    pub(super) fn wait(&self, unit: Option<u32>) -> Wait {
        let mut state = self.lock();
        loop {
            if self.stopped.load(Ordering::Acquire) {
                return Wait::Over { complete: false };
            }
            if state.complete {
                return Wait::Over { complete: true };
            }
            if unit.is_some_and(|u| !state.units[u as usize].inbox.is_empty()) {
                return Wait::Messages;
            }
            if let Some(work) = state.work.pop_front() {
                return Wait::Work(work);
            }
            self.hungry.fetch_add(1, Ordering::Relaxed);
            // Timed, as a backstop: every change notifies.
            state =
                self.wake.wait_timeout(state, Duration::from_millis(50)).unwrap_or_else(|p| p.into_inner()).0;
            self.hungry.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pool past its sequential start, with a worker waiting for work.
    fn hungry_pool(split_after: u64) -> Pool {
        let pool = Pool::new(1_000_000, split_after);
        let mut claimed = 0..0;
        for _ in 0..split_after {
            pool.start_execution(&mut claimed);
        }
        pool.hungry.store(1, Ordering::Relaxed);
        pool
    }

    #[test]
    fn a_late_sequence_stops_the_split_but_not_a_split_at_once() {
        // Explored part tiny: the estimated size is far above SPLIT_WORTH.
        let pool = hungry_pool(1_000);
        assert!(pool.wants_offer(|| 1e-9));
        pool.note_late();
        assert!(!pool.wants_offer(|| 1e-9));
        let at_once = hungry_pool(0);
        at_once.note_late();
        assert!(at_once.wants_offer(|| 1.0));
    }
}
