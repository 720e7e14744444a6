//! How a native channel operation waits: the record a blocked operation
//! leaves in a channel's queue ([`Entry`], Go's `sudog`), the queues
//! ([`Queue`], Go's `waitq`), and the two ways a waiter is told it is
//! done: a plain operation's [`Packet`], and a select's per-thread
//! context [`Cx`] (Go's `g` with its `selectDone`).
//!
//! # The waiter protocol
//!
//! A blocked operation appends an entry to its channel's send or receive
//! queue, under the channel's lock, unlocks, and waits: it spins a little
//! ([`Spin`]), then parks. Whoever completes it (a partner, or `close`)
//! does so under that channel's lock: it pops the entry, *claims* it,
//! and completes it. On an unbuffered channel completing is a hand-off:
//! the claimer moves the value through the waiter's slot (it takes the
//! value a sender left there, or writes the value a receiver waits for)
//! before publishing the completion, and never touches the slot after;
//! a close publishes without touching the slot, so a receiver finds it
//! empty and a sender finds its value still there. On a buffered channel
//! completing is a wake-up: the waiter retries its operation.
//!
//! - A plain send or receive waits on a [`Packet`] on its own stack: the
//!   value slot and the state word, in one cache line, which is all the
//!   claimer touches of the waiter, and all the waiter spins on. It has
//!   one entry in one queue, so only one claimer can ever pop it: no CAS.
//! - A select waits on every arm's channel at once, one entry per arm,
//!   all sharing its thread's [`Cx`]; the first claimer to move the `Cx`
//!   from `WAITING` (a CAS) completes the select, and the others find
//!   their entry stale and drop it. The slot of each arm lives in the
//!   arm (see `select.rs`).
//!
//! # Lifetimes
//!
//! A waiter's packet, slot or `Cx` stays valid while a claimer may touch
//! it. A plain waiter returns only once its state says done; the claimer
//! touches nothing after publishing that, unless the waiter had announced
//! it was parking, in which case the waiter also waits for the claimer's
//! acknowledgement that the unpark is done. A select's `Cx` is reference
//! counted by its entries; its slots are read only by the one claimer
//! whose CAS won, before it publishes; and the select returns only after
//! removing its other entries, each under its channel's lock, which waits
//! out a claimer that popped one of them and is about to fail its CAS.
//!
//! Nothing here allocates per operation: a packet is on the stack, the
//! `Cx` is made once per thread, and a queue's deque of younger waiters is
//! made when a second one comes and then kept, with its capacity.

use std::cell::UnsafeCell;
use std::collections::VecDeque;
use std::marker::PhantomData;
use std::num::NonZeroU32;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{self, Thread};

/// Spins of one `spin_loop` before a waiting thread yields.
const SPINS: u32 = 100;
/// Yields before it parks.
const YIELDS: u32 = 16;

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

    /// Whether the budget is still in its pausing part.
    #[inline]
    pub(crate) fn pausing(&self) -> bool {
        self.step <= SPINS
    }

    /// Waits a moment: a pause at first (what the thread polls stays in
    /// its core's cache until its writer changes it), then a yield (the
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

/// A packet's state: nothing yet.
const P_WAITING: usize = 0;
/// Bit: the waiter is parked, or about to park; the claimer unparks it
/// and acknowledges.
const P_PARKED: usize = 1;
/// Done: the value moved (or the close came, or room or a value did).
const P_DONE: usize = 2;
/// Bit: the claimer is done unparking.
const P_ACK: usize = 4;

/// A plain operation's waiting record, on the waiting thread's stack: the
/// value slot and the state the claimer publishes, side by side.
#[derive(Debug)]
pub(crate) struct Packet<'a, T> {
    state: AtomicUsize,
    slot: UnsafeCell<Option<T>>,
    thread: &'a Thread,
}

impl<'a, T> Packet<'a, T> {
    /// A packet holding `value` (a send's; `None` for a receive, or a
    /// buffered channel's waiter), for a thread whose [`Cx`] is `cx`.
    pub(crate) fn new(cx: &'a Cx, value: Option<T>) -> Packet<'a, T> {
        Packet { state: AtomicUsize::new(P_WAITING), slot: UnsafeCell::new(value), thread: &cx.thread }
    }

    /// Waits until a claimer completed the operation; then
    /// [`into_slot`](Packet::into_slot) tells what it did.
    ///
    /// The waiter announces it parks by setting `P_PARKED` with a CAS
    /// from `P_WAITING`; the claimer publishes with a swap. One of the
    /// two sees the other: either the CAS fails (done: no park), or the
    /// swap returns `P_PARKED` and the claimer unparks the thread, then
    /// sets `P_ACK`, which the waiter awaits before it returns and the
    /// packet goes away.
    pub(crate) fn wait(&self) {
        let mut spin = Spin::new();
        while self.state.load(Ordering::Acquire) == P_WAITING {
            if !spin.spin() {
                if self
                    .state
                    .compare_exchange(P_WAITING, P_PARKED, Ordering::Acquire, Ordering::Acquire)
                    .is_ok()
                {
                    self.wait_parked();
                }
                return;
            }
        }
    }

    /// The slot, after [`wait`](Packet::wait): a sender's value is gone
    /// if a receiver took it (still there: the close), a receiver's is
    /// there if a sender handed it over (`None`: the close).
    pub(crate) fn into_slot(self) -> Option<T> {
        self.slot.into_inner()
    }

    /// Parks until the claimer acknowledged.
    #[cold]
    fn wait_parked(&self) {
        loop {
            let state = self.state.load(Ordering::Acquire);
            if state & P_ACK != 0 {
                return;
            }
            if state & P_DONE != 0 {
                // Unparked, or about to be: the acknowledgement follows.
                std::hint::spin_loop();
                continue;
            }
            thread::park();
        }
    }
}

/// A thread's waiting context for selects: the state that says which of
/// its waiting operations completed, and the thread to unpark.
#[derive(Debug)]
pub(crate) struct Cx {
    state: AtomicUsize,
    /// The thread is parked, or about to: whoever completes its wait
    /// must unpark it. While it spins, completing costs no unpark.
    parked: AtomicBool,
    thread: Thread,
}

/// A `Cx` state: nothing has completed the select yet.
const WAITING: usize = 0;
/// A hand-off is under way: the claimer is moving the value.
const CLAIMED: usize = 1;
/// States from here on: operation `state - DONE` completed (or became
/// possible).
const DONE: usize = 2;

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

    /// Claims this context for operation `oper` with no hand-off: a
    /// wake-up. False if another operation got there first.
    #[inline]
    fn try_select(&self, oper: usize) -> bool {
        self.state.compare_exchange(WAITING, DONE + oper, Ordering::SeqCst, Ordering::Acquire).is_ok()
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
}

/// A blocked operation in a channel's queue (Go's `sudog`): a plain
/// operation waiting on its packet, or arm `oper` of a select waiting on
/// its `cx`, with the arm's value slot (null on a buffered channel, whose
/// waiters retry when woken). A struct rather than an enum so that
/// `Option<Entry>` is no larger than `Entry` (the zero `oper1` is its
/// niche), which keeps a channel's first waiters in its lock's cache line
/// (see [`Queue`]).
#[derive(Debug)]
pub(crate) struct Entry<T> {
    /// The select's context; `None` for a plain operation.
    cx: Option<Arc<Cx>>,
    /// The select arm plus one (1 for a plain operation).
    oper1: NonZeroU32,
    /// A plain operation's `*const Packet<'static, T>`, or a select arm's
    /// `*mut Option<T>` slot.
    ptr: *mut (),
    _values: PhantomData<*mut Option<T>>,
}

impl<T> Entry<T> {
    /// A plain operation's entry.
    fn plain(packet: *const Packet<'static, T>) -> Entry<T> {
        Entry { cx: None, oper1: NonZeroU32::MIN, ptr: packet.cast_mut().cast(), _values: PhantomData }
    }

    /// Arm `oper` of a select.
    fn select(cx: &Arc<Cx>, oper: usize, slot: *mut Option<T>) -> Entry<T> {
        let oper1 = u32::try_from(oper + 1).ok().and_then(NonZeroU32::new).expect("a select arm index");
        Entry { cx: Some(cx.clone()), oper1, ptr: slot.cast(), _values: PhantomData }
    }

    /// The select arm.
    fn oper(&self) -> usize {
        self.oper1.get() as usize - 1
    }

    /// The packet of a plain operation.
    fn packet(&self) -> *const Packet<'static, T> {
        self.ptr.cast_const().cast()
    }
}

/// An entry claimed for a hand-off: move the value through
/// [`slot`](Claimed::slot), then [`complete`](Claimed::complete).
#[derive(Debug)]
pub(crate) struct Claimed<T>(Entry<T>);

impl<T> Claimed<T> {
    /// The waiter's value slot.
    pub(crate) fn slot(&self) -> *mut Option<T> {
        match &self.0.cx {
            // SAFETY: a queued packet is alive (see the module docs).
            None => unsafe { (*self.0.packet()).slot.get() },
            Some(_) => self.0.ptr.cast(),
        }
    }

    /// Publishes the completion; the returned [`Wake`] unparks the waiter
    /// once the channel is unlocked.
    pub(crate) fn complete(self) -> Wake {
        let oper = self.0.oper();
        match self.0.cx {
            // SAFETY: a queued packet is alive until this publication.
            None => unsafe { publish(self.0.packet()) },
            Some(cx) => {
                // SeqCst: the store of the Dekker pair with `parked`.
                cx.state.store(DONE + oper, Ordering::SeqCst);
                Wake(Waking::Cx(cx))
            }
        }
    }
}

/// Publishes a plain waiter's completion.
///
/// # Safety
///
/// `packet` is a queued packet, just popped by its one claimer.
unsafe fn publish<T>(packet: *const Packet<'static, T>) -> Wake {
    // SAFETY: the waiter returns only once it sees `P_DONE`, so the
    // packet is alive until this swap; after it, only if the waiter parked
    // (then it also awaits `P_ACK`).
    let packet = unsafe { &*packet };
    if packet.state.swap(P_DONE, Ordering::AcqRel) & P_PARKED != 0 {
        Wake(Waking::Packet { state: &packet.state, thread: packet.thread })
    } else {
        Wake::NONE
    }
}

/// A thread to unpark, once the claimer has released the channel's lock
/// (so the woken thread does not wake into a held lock).
#[derive(Debug)]
#[must_use]
pub(crate) struct Wake(Waking);

/// Whom a [`Wake`] wakes.
#[derive(Debug)]
enum Waking {
    /// Nobody: the waiter spins, or no waiter was found.
    None,
    /// A select's thread, if it parks.
    Cx(Arc<Cx>),
    /// A parked plain waiter, which awaits `P_ACK` in `state`.
    Packet { state: *const AtomicUsize, thread: *const Thread },
}

impl Wake {
    /// Nobody to wake.
    pub(crate) const NONE: Wake = Wake(Waking::None);

    /// Unparks the thread, if it needs it.
    #[inline]
    pub(crate) fn wake(self) {
        match self.0 {
            Waking::None => {}
            Waking::Cx(cx) => {
                if cx.parked.load(Ordering::SeqCst) {
                    cx.thread.unpark();
                }
            }
            Waking::Packet { state, thread } => {
                // SAFETY: the waiter parked, so it waits for `P_ACK`: its
                // packet (`state`) and its thread's `Cx` (`thread`) are
                // alive until the store below, the last access.
                unsafe {
                    (*thread).unpark();
                    (*state).fetch_or(P_ACK, Ordering::Release);
                }
            }
        }
    }
}

/// A FIFO of blocked operations (Go's `waitq`). Guarded by its channel's
/// lock.
///
/// The oldest entry is kept inline, and `chan.rs` lays the lock and both
/// queues' inline entries out in one cache line: with one waiter (the
/// rendezvous of a sender and a receiver), the claimer finds it in the
/// line the lock brought. The younger ones go to a deque allocated when a
/// second waiter comes, and kept.
#[derive(Debug)]
#[repr(C)]
pub(crate) struct Queue<T> {
    /// The oldest entry; `None` only if the queue is empty.
    first: Option<Entry<T>>,
    /// The others, oldest first. Boxed: one word, so that both queues'
    /// first entries fit in the lock's cache line.
    #[allow(clippy::box_collection)]
    rest: Option<Box<VecDeque<Entry<T>>>>,
}

impl<T> Queue<T> {
    /// An empty queue.
    pub(crate) const fn new() -> Queue<T> {
        Queue { first: None, rest: None }
    }

    /// Whether nobody waits.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.first.is_none()
    }

    fn push(&mut self, e: Entry<T>) {
        if self.first.is_none() {
            self.first = Some(e);
        } else {
            self.rest.get_or_insert_with(Box::default).push_back(e);
        }
    }

    fn pop(&mut self) -> Option<Entry<T>> {
        let e = self.first.take()?;
        self.first = self.rest.as_mut().and_then(|rest| rest.pop_front());
        Some(e)
    }

    /// Removes the newest entry `mine` accepts, if any.
    fn remove(&mut self, mine: impl Fn(&Entry<T>) -> bool) {
        // The newest entries are the likeliest (a wait that gave up just
        // after enqueuing): search from the back.
        if let Some(rest) = self.rest.as_mut() {
            if let Some(i) = rest.iter().rposition(&mine) {
                rest.remove(i);
                return;
            }
        }
        if self.first.as_ref().is_some_and(mine) {
            self.pop();
        }
    }

    /// Enqueues a plain operation waiting on `packet`, which must stay
    /// alive until it is claimed (then it waits: [`Packet::wait`]) or
    /// removed ([`Queue::remove_plain`]).
    pub(crate) fn push_plain<'a>(&mut self, packet: &Packet<'a, T>) {
        // The lifetime is erased: the packet outlives its entry (above).
        self.push(Entry::plain((packet as *const Packet<'a, T>).cast()));
    }

    /// Enqueues arm `oper` of a select waiting on `cx`, with its slot.
    pub(crate) fn push_select(&mut self, cx: &Arc<Cx>, oper: usize, slot: *mut Option<T>) {
        self.push(Entry::select(cx, oper, slot));
    }

    /// Removes the plain operation waiting on `packet`, if still there.
    pub(crate) fn remove_plain(&mut self, packet: &Packet<'_, T>) {
        let packet = (packet as *const Packet<'_, T>).cast::<Packet<'static, T>>();
        self.remove(|e| e.cx.is_none() && ptr::eq(e.packet(), packet));
    }

    /// Removes arm `oper` of the select waiting on `cx`, if still there.
    pub(crate) fn remove_select(&mut self, cx: &Cx, oper: usize) {
        self.remove(|e| e.cx.as_deref().is_some_and(|c| ptr::eq(c, cx)) && e.oper() == oper);
    }

    /// The first waiter, claimed for a hand-off; stale select entries
    /// (their select completed elsewhere) are dropped on the way.
    #[inline]
    pub(crate) fn claim(&mut self) -> Option<Claimed<T>> {
        while let Some(e) = self.pop() {
            let won = match &e.cx {
                None => true,
                Some(cx) => {
                    cx.state.compare_exchange(WAITING, CLAIMED, Ordering::SeqCst, Ordering::Acquire).is_ok()
                }
            };
            if won {
                return Some(Claimed(e));
            }
        }
        None
    }

    /// The first waiter, woken for its operation (no hand-off), stale
    /// entries dropped on the way.
    pub(crate) fn wake_first(&mut self) -> Wake {
        while let Some(e) = self.pop() {
            if let Some(wake) = Self::wake_entry(e) {
                return wake;
            }
        }
        Wake::NONE
    }

    /// Every waiter, woken for its operation (a close): appended to
    /// `woken`, stale entries dropped.
    pub(crate) fn wake_all(&mut self, woken: &mut Vec<Wake>) {
        while let Some(e) = self.pop() {
            woken.extend(Self::wake_entry(e));
        }
    }

    /// Completes `e` without a hand-off; `None` if it was stale.
    fn wake_entry(e: Entry<T>) -> Option<Wake> {
        let oper = e.oper();
        match e.cx {
            // SAFETY: a queued packet is alive until it is published, and
            // its entry was just popped by its one claimer.
            None => Some(unsafe { publish(e.packet()) }),
            Some(cx) => cx.try_select(oper).then_some(Wake(Waking::Cx(cx))),
        }
    }
}
