//! A native `select!`: Go's `selectgo` over native channels.
//!
//! # The algorithm
//!
//! 0. If every arm that is not nil is on a buffered channel, first poll
//!    them (in a random order, as below) and answer `default` without
//!    taking any lock: a ring needs none, and taking every channel's lock
//!    at every select would make the locks' cache lines the select's
//!    cost. Go on only if the select must wait.
//! 1. Order the arms twice, leaving out nil channels (never ready): a
//!    random permutation to poll them in (Go's `pollorder`: taking the
//!    first ready arm in a uniformly random order chooses uniformly among
//!    the ready ones), and by channel address to lock them in (Go's
//!    `lockorder`: every select locks in the same global order, so two
//!    selects cannot deadlock; a channel named by several arms is locked
//!    once). Plain operations take one lock and never wait for another
//!    while holding it.
//! 2. Lock every channel, then poll each arm in the random order; the
//!    first that can proceed does so (a hand-off, a buffer operation, or
//!    a close seen), and the select returns it after unlocking.
//! 3. None can: with a `default` arm, return it, once the snapshot check
//!    below allows. Otherwise enqueue one waiter per arm, all sharing this
//!    thread's waiting context ([`Cx`]), unlock, and wait. The first
//!    channel whose partner (or close) claims the context wins; that CAS
//!    is the select's commitment (Go's `selectDone`), and every later
//!    claimer fails it and drops our entry.
//! 4. Woken on arm `i`: remove the other arms' waiters, each under its
//!    channel's lock. On an unbuffered channel the partner completed the
//!    operation (moved the value through the arm's slot), or a close woke
//!    us (a receive gets `None`, a send panics). On a buffered channel the
//!    wake-up says a value, room, or the close arrived: poll arm `i` first
//!    and, should a faster thread have taken it, start over.
//!
//! # Buffered channels and the held locks
//!
//! Holding a channel's lock freezes its queues (and an unbuffered
//! channel's whole state), but not a buffered channel's ring, which plain
//! sends and receives change without the lock. Two places need care.
//! Before waiting, after enqueuing everywhere (which raises the channels'
//! waiter flags), the select re-checks the buffered arms: a value pushed
//! in between either shows there, or its sender saw the flag and will
//! take the lock to wake us (see `chan.rs`). And before answering
//! `default`, it must know that no arm was ready *at one instant*, as Go's
//! fully locked poll does: it reads every buffered arm's ring stamps
//! twice, each time finding the arm blocked; since stamps never repeat, an
//! arm whose stamps did not change did not change, so at the moment
//! between the two reads every arm was blocked. If any changed, it polls
//! again.

use std::ptr;
use std::sync::Arc;

use parking_lot::lock_api::RawMutex as _;
use parking_lot::RawMutex;

use super::chan::block_forever;
use super::waiter::{Cx, Wake};

/// The most arms a select may have (the macro's limit).
pub(crate) const MAX_ARMS: usize = 32;

/// One arm of a native select, as [`select`] drives it: the API's select
/// arms implement it over their channel handles.
pub(crate) trait NativeArm {
    /// The lock of the arm's channel; `None` for a nil channel, which is
    /// never ready. Panics if the channel is not native.
    fn chan_lock(&self) -> Option<&RawMutex>;

    /// Whether the arm's channel is buffered: its ring needs no lock.
    fn is_buffered(&self) -> bool;

    /// A buffered arm's operation, attempted without the lock.
    fn try_now(&mut self) -> Poll;

    /// Performs the operation if it can proceed now.
    ///
    /// # Safety
    ///
    /// The caller holds the channel's lock.
    unsafe fn poll(&mut self) -> Poll;

    /// Enqueues the arm's waiter, operation `oper`, for context `cx`.
    ///
    /// # Safety
    ///
    /// The caller holds the channel's lock, and neither moves nor touches
    /// the arm until the waiter is claimed or removed.
    unsafe fn register(&mut self, cx: &Arc<Cx>, oper: usize);

    /// Removes the arm's waiter if it is still enqueued.
    ///
    /// # Safety
    ///
    /// The caller holds the channel's lock.
    unsafe fn unregister(&mut self, cx: &Cx, oper: usize);

    /// `Some(snapshot)` if the operation would block now, `None` if not
    /// (see [`NativeChan::quiescent`](super::chan::NativeChan::quiescent)).
    ///
    /// # Safety
    ///
    /// On an unbuffered channel, the caller holds the channel's lock, and
    /// has since it polled the arm.
    unsafe fn quiescent(&self) -> Option<(usize, usize)>;

    /// The wait ended on this arm: what that means.
    fn woken(&mut self) -> Woken;

    /// The select ended on another arm: forget anything `register`
    /// prepared.
    fn abandon(&mut self);
}

/// An arm polled.
#[derive(Debug)]
pub(crate) enum Poll {
    /// It proceeded; wake this thread (a completed partner) once unlocked.
    Ready(Wake),
    /// It would block.
    Pending,
    /// A send on a closed channel.
    SendClosed,
}

/// What ending a wait on an arm means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Woken {
    /// A partner completed the operation, or the close woke a receive.
    Done,
    /// A buffered channel got a value, room or a close: poll again.
    Retry,
    /// The close woke a send.
    SendClosed,
}

/// How a select ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Arm `i` proceeded.
    Arm(usize),
    /// No arm could: the `default` arm.
    Default,
    /// Arm `i` is a send on a closed channel: Go panics.
    SendClosed(usize),
}

/// Runs a select over `arms` (see the module docs). Parks for good if
/// every arm is nil (or there is none) and there is no `default`.
pub(crate) fn select<A: ?Sized + NativeArm>(arms: &mut [&mut A], has_default: bool) -> Outcome {
    assert!(arms.len() <= MAX_ARMS, "select! supports at most {MAX_ARMS} arms");
    let mut polls = [0u8; MAX_ARMS];
    let mut live = 0;
    for (i, arm) in arms.iter().enumerate() {
        if arm.chan_lock().is_some() {
            polls[live] = i as u8;
            live += 1;
        }
    }
    if live == 0 {
        return if has_default { Outcome::Default } else { block_forever() };
    }
    let polls = &mut polls[..live];
    // Fisher-Yates: a uniformly random poll order.
    for k in (1..live).rev() {
        polls.swap(k, fastrand::usize(..=k));
    }
    // Buffered channels only: their rings need no lock, so a first poll
    // (and `default`) goes without (step 0 in the module docs).
    let lock_free = if polls.iter().all(|&i| arms[usize::from(i)].is_buffered()) {
        lock_free(arms, polls, has_default)
    } else {
        None
    };
    let outcome = lock_free.unwrap_or_else(|| {
        let mut locks = [0u8; MAX_ARMS];
        let locks = &mut locks[..live];
        locks.copy_from_slice(polls);
        locks.sort_unstable_by_key(|&i| lock_of(arms, i) as *const RawMutex as usize);
        Cx::with(|cx| run(arms, polls, locks, has_default, cx))
    });
    for (i, arm) in arms.iter_mut().enumerate() {
        if !matches!(outcome, Outcome::Arm(j) | Outcome::SendClosed(j) if j == i) {
            arm.abandon();
        }
    }
    outcome
}

/// Step 0, when every arm is buffered: the poll of step 2 and the
/// `default` of step 3 without taking the locks; `None` if the select
/// must wait.
fn lock_free<A: ?Sized + NativeArm>(arms: &mut [&mut A], polls: &[u8], has_default: bool) -> Option<Outcome> {
    loop {
        for &i in polls {
            let i = usize::from(i);
            match arms[i].try_now() {
                Poll::Ready(wake) => {
                    wake.wake();
                    return Some(Outcome::Arm(i));
                }
                Poll::SendClosed => return Some(Outcome::SendClosed(i)),
                Poll::Pending => {}
            }
        }
        if !has_default {
            return None;
        }
        // SAFETY: every arm is buffered, and a ring needs no lock.
        if unsafe { none_ready_at_once(arms, polls) } {
            return Some(Outcome::Default);
        }
    }
}

/// The lock of arm `i`'s channel (not nil).
fn lock_of<'a, A: ?Sized + NativeArm>(arms: &'a [&mut A], i: u8) -> &'a RawMutex {
    arms[usize::from(i)].chan_lock().expect("a polled arm's channel is not nil")
}

/// Locks every arm's channel, in address order, each once.
fn lock_all<A: ?Sized + NativeArm>(arms: &[&mut A], locks: &[u8]) {
    let mut last: *const RawMutex = ptr::null();
    for &i in locks {
        let lock = lock_of(arms, i);
        if !ptr::eq(lock, last) {
            lock.lock();
            last = lock;
        }
    }
}

/// Unlocks what [`lock_all`] locked.
///
/// # Safety
///
/// The caller holds those locks, taken by `lock_all(arms, locks)`.
unsafe fn unlock_all<A: ?Sized + NativeArm>(arms: &[&mut A], locks: &[u8]) {
    let mut last: *const RawMutex = ptr::null();
    for &i in locks {
        let lock = lock_of(arms, i);
        if !ptr::eq(lock, last) {
            // SAFETY: `lock_all` locked each distinct lock once, in this
            // order; the caller still holds them.
            unsafe { lock.unlock() };
            last = lock;
        }
    }
}

/// The select proper, with this thread's context.
fn run<A: ?Sized + NativeArm>(
    arms: &mut [&mut A],
    polls: &[u8],
    locks: &[u8],
    has_default: bool,
    cx: &Arc<Cx>,
) -> Outcome {
    // An arm a buffered channel woke us for, to poll first.
    let mut first: Option<usize> = None;
    loop {
        lock_all(arms, locks);
        // SAFETY: every arm's channel is locked until `unlock_all` below.
        let done = unsafe { locked(arms, polls, locks, has_default, cx, first.take()) };
        // SAFETY: locked by `lock_all(arms, locks)` above.
        unsafe { unlock_all(arms, locks) };
        if let Some((outcome, wake)) = done {
            wake.wake();
            return outcome;
        }
        // Every arm has a waiter: wait for the first channel to claim us.
        let sel = cx.wait();
        for &i in locks {
            let i = usize::from(i);
            if i != sel {
                lock_of(arms, i as u8).lock();
                // SAFETY: arm i's channel's lock, just taken, then released.
                unsafe {
                    arms[i].unregister(cx, i);
                    lock_of(arms, i as u8).unlock();
                }
            }
        }
        match arms[sel].woken() {
            Woken::Done => return Outcome::Arm(sel),
            Woken::SendClosed => return Outcome::SendClosed(sel),
            Woken::Retry => first = Some(sel),
        }
    }
}

/// Steps 2 and 3 with every channel locked: the outcome and whom to wake
/// if an arm proceeded (or `default`), `None` if the select must wait
/// (its waiters are then enqueued).
///
/// # Safety
///
/// The caller holds every arm's channel's lock.
unsafe fn locked<A: ?Sized + NativeArm>(
    arms: &mut [&mut A],
    polls: &[u8],
    locks: &[u8],
    has_default: bool,
    cx: &Arc<Cx>,
    first: Option<usize>,
) -> Option<(Outcome, Wake)> {
    let polled = |arms: &mut [&mut A], i: usize| {
        // SAFETY: the caller holds every channel's lock.
        match unsafe { arms[i].poll() } {
            Poll::Ready(wake) => Some((Outcome::Arm(i), wake)),
            Poll::SendClosed => Some((Outcome::SendClosed(i), Wake::NONE)),
            Poll::Pending => None,
        }
    };
    if let Some(done) = first.and_then(|i| polled(arms, i)) {
        return Some(done);
    }
    loop {
        for &i in polls {
            if let Some(done) = polled(arms, usize::from(i)) {
                return Some(done);
            }
        }
        if has_default {
            // SAFETY: the caller holds every channel's lock.
            if unsafe { none_ready_at_once(arms, polls) } {
                return Some((Outcome::Default, Wake::NONE));
            }
            continue;
        }
        cx.reset();
        for &i in locks {
            // SAFETY: the caller holds the lock; the arms stay where they
            // are (borrowed by our caller) until the select returns, which
            // it does only after removing every waiter or being claimed.
            unsafe { arms[usize::from(i)].register(cx, usize::from(i)) };
        }
        // The flags are raised (SeqCst): a buffered arm that is not ready
        // now will be woken for (see the module docs).
        // SAFETY: the caller holds every channel's lock.
        if polls.iter().all(|&i| unsafe { arms[usize::from(i)].quiescent() }.is_some()) {
            return None;
        }
        for &i in locks {
            // SAFETY: the caller holds the lock.
            unsafe { arms[usize::from(i)].unregister(cx, usize::from(i)) };
        }
    }
}

/// Whether every arm was blocked at one same instant: two snapshots of
/// every arm, all blocked, the second equal to the first.
///
/// # Safety
///
/// The caller holds the lock of every unbuffered arm's channel, and has
/// since it polled the arm.
unsafe fn none_ready_at_once<A: ?Sized + NativeArm>(arms: &[&mut A], polls: &[u8]) -> bool {
    let mut first = [(0, 0); MAX_ARMS];
    for (k, &i) in polls.iter().enumerate() {
        // SAFETY: the caller holds the lock.
        match unsafe { arms[usize::from(i)].quiescent() } {
            Some(snapshot) => first[k] = snapshot,
            None => return false,
        }
    }
    // SAFETY: the caller holds the lock.
    polls.iter().enumerate().all(|(k, &i)| unsafe { arms[usize::from(i)].quiescent() } == Some(first[k]))
}
