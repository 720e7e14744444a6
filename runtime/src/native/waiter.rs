//! How a native channel operation waits: the per-thread waiting context
//! ([`Cx`], Go's `g` with its `selectDone`), the entries a blocked
//! operation leaves in a channel's queues ([`Entry`], Go's `sudog`), and
//! the queues ([`Queue`], Go's `waitq`).
//!
//! # The waiter protocol
//!
//! A thread about to block resets its [`Cx`] to `WAITING` and, under the
//! channel's lock, appends an [`Entry`] to the channel's send or receive
//! queue: its `Cx`, the operation's index (`oper`: the select arm, 0 for a
//! plain operation) and, on an unbuffered channel, a pointer to the slot
//! that holds the value to send or will hold the value received. A select
//! leaves one entry per arm, all sharing one `Cx`. Then it unlocks and
//! [waits](Cx::wait): it spins a little, then parks, until its state holds
//! an operation.
//!
//! Whoever completes a waiting operation (a partner, or `close`) does it
//! under that channel's lock: it pops the entry and *claims* the `Cx` with
//! a CAS from `WAITING`. The CAS fails when another channel already
//! completed the same select: that entry is stale, and dropped. A claim
//! is either
//!
//! - a hand-off ([`Queue::claim`]: `WAITING -> CLAIMED`): the claimer
//!   moves the value through the slot, then publishes the operation
//!   ([`Cx::complete`]); the waiter reads its slot only after seeing that
//!   state (Release/Acquire), and the claimer never touches the slot
//!   after publishing; or
//! - a wake-up ([`Queue::select_first`]: `WAITING -> oper`): the waiter is
//!   told which operation became possible (a buffered channel's value or
//!   room, or a close) and retries it.
//!
//! The claimer unparks the thread after unlocking, through its own clone
//! of the `Arc<Cx>` taken from the entry: the waiter may have seen the
//! new state, returned, and moved on by then, which makes that unpark a
//! spurious wake-up of a later wait (every wait loops on its state).
//!
//! A waiter's slot and its `Cx` state stay valid while any entry of its
//! is in a queue: a waiter returns only after its state left `WAITING`
//! (so the one claimer is done with the slot) and, for a select, after
//! removing its other entries under their channels' locks, which also
//! waits out a claimer that popped one of them and is about to fail its
//! CAS.
//!
//! Nothing here allocates per operation: the `Cx` is made once per thread,
//! and the queues keep their capacity.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{self, Thread};

/// Nothing has completed the operation yet.
const WAITING: usize = 0;
/// A hand-off is under way: the claimer is moving the value.
const CLAIMED: usize = 1;
/// States from here on: operation `state - DONE` completed (or became
/// possible).
const DONE: usize = 2;

/// A thread's waiting context: the state that says which of its waiting
/// operations completed, and the thread to unpark.
#[derive(Debug)]
pub(crate) struct Cx {
    state: AtomicUsize,
    /// The thread is parked, or about to: whoever completes its wait
    /// must unpark it. While it spins, completing costs no unpark.
    parked: AtomicBool,
    thread: Thread,
}

/// Spins of one `spin_loop` before a waiting thread yields.
const SPINS: u32 = 100;
/// Yields before it parks.
const YIELDS: u32 = 4;

/// The spin-then-yield budget of a thread about to wait: a partner on
/// another core is usually a few hundred nanoseconds away, much less than
/// a park and unpark (two system calls).
#[derive(Debug)]
pub(crate) struct Spin {
    step: u32,
}

impl Spin {
    /// A full budget.
    pub(crate) fn new() -> Spin {
        Spin { step: 0 }
    }

    /// Waits a moment: a pause at first (the state it waits on stays in
    /// this core's cache until its writer changes it), then a yield (the
    /// partner may be waiting for this core). False once the budget is
    /// spent: time to park.
    #[inline]
    pub(crate) fn spin(&mut self) -> bool {
        if self.step < SPINS {
            std::hint::spin_loop();
        } else if self.step < SPINS + YIELDS {
            thread::yield_now();
        } else {
            return false;
        }
        self.step += 1;
        true
    }
}

thread_local! {
    /// This thread's context, made on its first blocking operation.
    static CX: Arc<Cx> = Arc::new(Cx::new());
}

impl Cx {
    fn new() -> Cx {
        Cx { state: AtomicUsize::new(WAITING), parked: AtomicBool::new(false), thread: thread::current() }
    }

    /// Runs `f` with this thread's context.
    pub(crate) fn with<R>(f: impl FnOnce(&Arc<Cx>) -> R) -> R {
        let mut f = Some(f);
        if let Ok(r) = CX.try_with(|cx| (f.take().expect("runs once"))(cx)) {
            return r;
        }
        // The thread-local is gone (a channel used in a thread-local's
        // destructor): a context of its own.
        let cx = Arc::new(Cx::new());
        (f.take().expect("runs once"))(&cx)
    }

    /// Starts a wait: no operation completed. Called under the lock of
    /// the first channel the wait enqueues on, so the claimer sees it.
    #[inline]
    pub(crate) fn reset(&self) {
        self.state.store(WAITING, Ordering::Relaxed);
    }

    /// Publishes the end of a hand-off on operation `oper`.
    #[inline]
    pub(crate) fn complete(&self, oper: usize) {
        // SeqCst: the store of the Dekker pair with `parked` (see `wait`).
        self.state.store(DONE + oper, Ordering::SeqCst);
    }

    /// Claims this context for operation `oper` with no hand-off: a
    /// wake-up. False if another operation got there first.
    #[inline]
    fn try_select(&self, oper: usize) -> bool {
        self.state.compare_exchange(WAITING, DONE + oper, Ordering::SeqCst, Ordering::Acquire).is_ok()
    }

    /// Claims this context for a hand-off. False if another operation got
    /// there first.
    #[inline]
    fn try_claim(&self) -> bool {
        self.state.compare_exchange(WAITING, CLAIMED, Ordering::AcqRel, Ordering::Acquire).is_ok()
    }

    /// Waits until one of this thread's waiting operations completed, and
    /// returns its index: spins a little ([`Spin`]), then parks; a
    /// wake-up with no state change parks again.
    ///
    /// `parked` and `state` form a Dekker pair, all `SeqCst`: the waiter
    /// raises `parked`, then loads `state`; the claimer stores `state`,
    /// then loads `parked` ([`Wake::wake`]). Either the waiter sees the
    /// new state and does not park, or the claimer sees `parked` and
    /// unparks it.
    pub(crate) fn wait(&self) -> usize {
        let mut spin = Spin::new();
        loop {
            let state = self.state.load(Ordering::Acquire);
            if state >= DONE {
                return state - DONE;
            }
            if !spin.spin() {
                break;
            }
        }
        loop {
            self.parked.store(true, Ordering::SeqCst);
            let state = self.state.load(Ordering::SeqCst);
            if state >= DONE {
                self.parked.store(false, Ordering::Relaxed);
                return state - DONE;
            }
            thread::park();
        }
    }

    /// Wakes the thread if it is parked or about to park.
    #[inline]
    fn unpark(&self) {
        if self.parked.load(Ordering::SeqCst) {
            self.thread.unpark();
        }
    }
}

/// A blocked operation in a channel's queue (Go's `sudog`).
#[derive(Debug)]
pub(crate) struct Entry<T> {
    /// The waiting thread's context.
    pub(crate) cx: Arc<Cx>,
    /// The operation: a select's arm index, 0 for a plain operation.
    pub(crate) oper: usize,
    /// Unbuffered channels: the waiter's value slot (holding the value to
    /// send, or receiving the value); null on a buffered channel, whose
    /// waiters retry when woken.
    pub(crate) slot: *mut Option<T>,
}

impl<T> Entry<T> {
    /// The thread to wake once the entry's channel is unlocked.
    pub(crate) fn into_wake(self) -> Wake {
        Wake(Some(self.cx))
    }
}

/// A thread to unpark, once the claimer has released the channel's lock
/// (so the woken thread does not wake into a held lock).
#[derive(Debug)]
#[must_use]
pub(crate) struct Wake(Option<Arc<Cx>>);

impl Wake {
    /// Nobody to wake.
    pub(crate) const NONE: Wake = Wake(None);

    /// Unparks the thread, if any.
    #[inline]
    pub(crate) fn wake(self) {
        if let Some(cx) = self.0 {
            cx.unpark();
        }
    }
}

/// A FIFO of blocked operations (Go's `waitq`). Guarded by its channel's
/// lock.
#[derive(Debug)]
pub(crate) struct Queue<T> {
    entries: VecDeque<Entry<T>>,
}

impl<T> Queue<T> {
    /// An empty queue.
    pub(crate) const fn new() -> Queue<T> {
        Queue { entries: VecDeque::new() }
    }

    /// Whether nobody waits.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Enqueues `cx`'s operation `oper`, with its slot.
    pub(crate) fn push(&mut self, cx: &Arc<Cx>, oper: usize, slot: *mut Option<T>) {
        self.entries.push_back(Entry { cx: cx.clone(), oper, slot });
    }

    /// Removes `cx`'s entry for operation `oper`, if it is still there.
    pub(crate) fn remove(&mut self, cx: &Cx, oper: usize) {
        // The newest entries are the likeliest (a wait that gave up just
        // after enqueuing), so search from the back.
        if let Some(i) = self.entries.iter().rposition(|e| std::ptr::eq(&*e.cx, cx) && e.oper == oper) {
            self.entries.remove(i);
        }
    }

    /// The first waiter claimed for a hand-off (state `CLAIMED`), stale
    /// entries dropped on the way. The caller moves the value through
    /// `slot`, then calls [`Cx::complete`] with `oper`.
    #[inline]
    pub(crate) fn claim(&mut self) -> Option<Entry<T>> {
        while let Some(e) = self.entries.pop_front() {
            if e.cx.try_claim() {
                return Some(e);
            }
        }
        None
    }

    /// The first waiter, woken for its operation (no hand-off), stale
    /// entries dropped on the way.
    pub(crate) fn select_first(&mut self) -> Option<Entry<T>> {
        while let Some(e) = self.entries.pop_front() {
            if e.cx.try_select(e.oper) {
                return Some(e);
            }
        }
        None
    }

    /// Every waiter, woken for its operation (a close): appended to
    /// `woken`, stale entries dropped.
    pub(crate) fn select_all(&mut self, woken: &mut Vec<Entry<T>>) {
        for e in self.entries.drain(..) {
            if e.cx.try_select(e.oper) {
                woken.push(e);
            }
        }
    }
}
