//! Native channels: Go's channel semantics on real threads.
//!
//! # Layout
//!
//! A [`NativeChan`] is Go's `hchan` with a lock-free buffer. One lock per
//! channel (a `parking_lot` raw mutex) guards its two FIFO queues of
//! blocked operations, `recvq` and `sendq` (see `waiter.rs` for the
//! waiter protocol), and, on an unbuffered channel, its `closed` flag. A
//! buffered channel's values live in a [`Ring`], a bounded lock-free FIFO
//! that holds its own closed mark, so a send or receive that does not
//! block takes no lock: one CAS on the ring, then one load of the other
//! side's "someone waits" flag.
//!
//! # Unbuffered channels: direct hand-off
//!
//! Every operation takes the lock. A sender that finds a receiver waiting
//! claims it, writes the value into the receiver's slot and publishes the
//! completion; otherwise it enqueues itself with its value in a slot on
//! its own stack and waits. A receiver does the mirror image. The value
//! so moves once, from one thread's stack to the other's, and the
//! rendezvous completes inside the one critical section in which the
//! second party arrives, as in Go. An arrival pairs with the oldest
//! waiting partner (skipping stale entries of selects that completed
//! elsewhere), so blocked senders, and blocked receivers, are served in
//! the order they came.
//!
//! # Buffered channels: the ring, and waking waiters
//!
//! A send pushes into the ring; a receive pops from it. When the ring is
//! full (a send) or empty (a receive) the operation spins a little,
//! watching the stamp of the slot it needs (not the other side's index,
//! whose cache line would then cross between the cores at every poll),
//! then enqueues itself (no slot: the value stays with it), raises its
//! side's flag (`send_waiting` / `recv_waiting`), re-checks the ring, and
//! waits. A successful push loads `recv_waiting` and, if set,
//! takes the lock and wakes the first waiting receiver, which retries its
//! receive; a pop does the same for senders. Values go through the ring
//! only, never around it, so the buffer stays FIFO even while receivers
//! race woken ones.
//!
//! No wake-up is lost: the waiter stores its flag, then loads the ring's
//! stamps; the other side changes the ring (a `SeqCst` CAS), then loads
//! the flag; all four are `SeqCst`, so in their single total order either
//! the waiter sees the change (and does not wait) or the other side sees
//! the flag (and wakes someone). A woken waiter that loses its value to a
//! faster thread simply waits again: that thread took the value, so
//! nothing is stranded.
//!
//! # Close
//!
//! `close` marks the channel closed (the ring's mark, or the flag under
//! the lock), then, under the lock, wakes every waiter of both queues: a
//! blocked receiver of an unbuffered channel finds its slot still empty
//! and returns `None`; a blocked sender finds its value still in its slot
//! and panics "send on closed channel"; a buffered channel's waiters
//! retry and see the mark (receivers first drain what is buffered). An
//! operation that arrives later sees the mark itself.
//!
//! # Nil channels
//!
//! [`NativeChan::nil`] (Go's nil channel, `chan::never`) is never ready:
//! blocking operations on it park the thread for good, `try_*` fail, a
//! select never chooses it, and closing it panics.

use std::cell::UnsafeCell;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crossbeam_utils::CachePadded;
use parking_lot::lock_api::RawMutex as _;
use parking_lot::RawMutex;

use super::ring::{PopError, PushError, Ring};
use super::waiter::{Cx, Packet, Queue, Spin, Wake};
use crate::rt::Location;

mod select;

/// Why a native `try_send` failed; the value is handed back.
#[derive(Debug)]
pub(crate) enum TrySend<T> {
    /// It would block.
    Full(T),
    /// The channel is closed.
    Closed(T),
}

/// Why a native `try_recv` failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TryRecv {
    /// It would block.
    Empty,
    /// Closed and drained.
    Closed,
}

/// The outcome of a send arm polled by a select.
#[derive(Debug)]
pub(crate) enum SendPoll {
    /// Sent; wake this thread once the channel is unlocked.
    Sent(Wake),
    /// It would block.
    Pending,
    /// The channel is closed: the select panics.
    Closed,
}

/// Go's three kinds of channel.
// The ring's padded head and tail make it large, but a channel lives in
// one `Arc`, and boxing the ring would add a load to every operation.
#[allow(clippy::large_enum_variant)]
enum Kind<T> {
    /// Capacity 0: a rendezvous, by hand-off.
    Unbuffered,
    /// Capacity > 0: the ring.
    Buffered(Ring<T>),
    /// Never ready.
    Nil,
}

/// What the lock guards.
#[repr(C)]
struct Queues<T> {
    recvq: Queue<T>,
    sendq: Queue<T>,
    /// Unbuffered channels only (a buffered one's is the ring's mark).
    closed: bool,
}

/// The lock, what it guards, and the waiter flags, on cache lines of
/// their own, apart from the ring's head and tail. Laid out in order
/// (`repr(C)`) so that the lock and the queues' inline first entries
/// (see [`Queue`]) share the first line: a claimer that takes the lock
/// has the oldest waiter too.
#[repr(C)]
struct Waiters<T> {
    lock: RawMutex,
    /// Buffered channels: `recvq` is not empty (see the module docs).
    recv_waiting: AtomicBool,
    /// Buffered channels: `sendq` is not empty.
    send_waiting: AtomicBool,
    queues: UnsafeCell<Queues<T>>,
}

/// A native channel (see the module docs).
pub(crate) struct NativeChan<T> {
    waiters: CachePadded<Waiters<T>>,
    kind: Kind<T>,
    created: Location,
}

// SAFETY: values cross threads (`T: Send`); the queues, which hold raw
// pointers to blocked threads' slots, are only touched under the lock,
// and a slot only by the one thread that claimed its waiter (see
// `waiter.rs`); the ring is `Sync` for `T: Send`.
unsafe impl<T: Send> Send for NativeChan<T> {}
// SAFETY: as for `Send`.
unsafe impl<T: Send> Sync for NativeChan<T> {}

/// The lock held, with the queues it guards.
struct Guard<'a, T> {
    chan: &'a NativeChan<T>,
}

impl<T> Deref for Guard<'_, T> {
    type Target = Queues<T>;
    fn deref(&self) -> &Queues<T> {
        // SAFETY: the guard holds the lock, which guards the queues.
        unsafe { &*self.chan.waiters.queues.get() }
    }
}

impl<T> DerefMut for Guard<'_, T> {
    fn deref_mut(&mut self) -> &mut Queues<T> {
        // SAFETY: the guard holds the lock, and `&mut self` makes this the
        // only reference through it.
        unsafe { &mut *self.chan.waiters.queues.get() }
    }
}

impl<T> Drop for Guard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: the guard was made by locking, and unlocks once.
        unsafe { self.chan.waiters.lock.unlock() }
    }
}

/// Parks the thread for good: a blocking operation on a nil channel.
pub(crate) fn block_forever() -> ! {
    loop {
        std::thread::park();
    }
}

impl<T> NativeChan<T> {
    /// A channel of capacity `cap` (0: unbuffered) made at `created`.
    pub(crate) fn new(cap: usize, created: Location) -> Arc<NativeChan<T>> {
        let kind = if cap == 0 { Kind::Unbuffered } else { Kind::Buffered(Ring::new(cap)) };
        Self::with_kind(kind, created)
    }

    /// A nil channel made at `created`.
    pub(crate) fn nil(created: Location) -> Arc<NativeChan<T>> {
        Self::with_kind(Kind::Nil, created)
    }

    fn with_kind(kind: Kind<T>, created: Location) -> Arc<NativeChan<T>> {
        Arc::new(NativeChan {
            waiters: CachePadded::new(Waiters {
                lock: RawMutex::INIT,
                queues: UnsafeCell::new(Queues { recvq: Queue::new(), sendq: Queue::new(), closed: false }),
                recv_waiting: AtomicBool::new(false),
                send_waiting: AtomicBool::new(false),
            }),
            kind,
            created,
        })
    }

    /// Where the channel was made.
    pub(crate) fn created(&self) -> Location {
        self.created
    }

    /// Whether this is a nil channel.
    pub(crate) fn is_nil(&self) -> bool {
        matches!(self.kind, Kind::Nil)
    }

    fn lock(&self) -> Guard<'_, T> {
        self.waiters.lock.lock();
        Guard { chan: self }
    }

    /// The queues, to a caller that holds the lock.
    ///
    /// # Safety
    ///
    /// The caller holds `self.waiters.lock` (taken through
    /// [`NativeChan::raw_lock`]) and keeps no other reference to the
    /// queues.
    #[allow(clippy::mut_from_ref)]
    unsafe fn queues(&self) -> &mut Queues<T> {
        // SAFETY: the caller holds the lock (this function's contract).
        unsafe { &mut *self.waiters.queues.get() }
    }

    /// Sends `value`, blocking while it cannot be sent; `Err(value)` if
    /// the channel is closed (or closes while the send waits).
    #[inline]
    pub(crate) fn send(&self, value: T) -> Result<(), T> {
        match &self.kind {
            // The hint first: a push into a full ring would read the
            // receivers' `head` (see `Ring::send_hint`).
            Kind::Buffered(ring) if ring.send_hint() => match ring.try_push(value) {
                Ok(()) => {
                    self.wake_receiver();
                    Ok(())
                }
                Err(PushError::Full(value)) => self.send_buffered_slow(ring, value),
                Err(PushError::Closed(value)) => Err(value),
            },
            Kind::Buffered(ring) => self.send_buffered_slow(ring, value),
            Kind::Unbuffered => self.send_unbuffered(value),
            Kind::Nil => block_forever(),
        }
    }

    /// Receives, blocking until a value is there; `None` once the channel
    /// is closed and drained.
    #[inline]
    pub(crate) fn recv(&self) -> Option<T> {
        match &self.kind {
            Kind::Buffered(ring) if ring.recv_hint() => match ring.try_pop() {
                Ok(value) => {
                    self.wake_sender();
                    Some(value)
                }
                Err(PopError::Empty) => self.recv_buffered_slow(ring),
                Err(PopError::Closed) => None,
            },
            Kind::Buffered(ring) => self.recv_buffered_slow(ring),
            Kind::Unbuffered => self.recv_unbuffered(),
            Kind::Nil => block_forever(),
        }
    }

    /// Sends without blocking.
    pub(crate) fn try_send(&self, value: T) -> Result<(), TrySend<T>> {
        match &self.kind {
            Kind::Buffered(ring) => match ring.try_push(value) {
                Ok(()) => {
                    self.wake_receiver();
                    Ok(())
                }
                Err(PushError::Full(value)) => Err(TrySend::Full(value)),
                Err(PushError::Closed(value)) => Err(TrySend::Closed(value)),
            },
            Kind::Unbuffered => {
                let mut q = self.lock();
                if q.closed {
                    return Err(TrySend::Closed(value));
                }
                match q.recvq.claim() {
                    Some(receiver) => {
                        // SAFETY: the claim makes this thread the only one
                        // to touch the receiver's slot until `complete`.
                        unsafe { *receiver.slot() = Some(value) };
                        let wake = receiver.complete();
                        drop(q);
                        wake.wake();
                        Ok(())
                    }
                    None => Err(TrySend::Full(value)),
                }
            }
            Kind::Nil => Err(TrySend::Full(value)),
        }
    }

    /// Receives without blocking.
    pub(crate) fn try_recv(&self) -> Result<T, TryRecv> {
        match &self.kind {
            Kind::Buffered(ring) => match ring.try_pop() {
                Ok(value) => {
                    self.wake_sender();
                    Ok(value)
                }
                Err(PopError::Empty) => Err(TryRecv::Empty),
                Err(PopError::Closed) => Err(TryRecv::Closed),
            },
            Kind::Unbuffered => {
                let mut q = self.lock();
                match Self::take_from_sender(&mut q) {
                    Some((value, wake)) => {
                        drop(q);
                        wake.wake();
                        Ok(value)
                    }
                    None if q.closed => Err(TryRecv::Closed),
                    None => Err(TryRecv::Empty),
                }
            }
            Kind::Nil => Err(TryRecv::Empty),
        }
    }

    /// Closes the channel, waking every blocked operation; `Err` with Go's
    /// panic message on a nil or closed channel.
    pub(crate) fn close(&self) -> Result<(), &'static str> {
        let mut woken: Vec<Wake> = Vec::new();
        {
            let mut q = match &self.kind {
                Kind::Nil => return Err("close of nil channel"),
                Kind::Buffered(ring) => {
                    if !ring.close() {
                        return Err("close of closed channel");
                    }
                    self.lock()
                }
                Kind::Unbuffered => {
                    let mut q = self.lock();
                    if q.closed {
                        return Err("close of closed channel");
                    }
                    q.closed = true;
                    q
                }
            };
            // Unbuffered waiters find their slots untouched: a receiver's
            // empty (it gets `None`), a sender's still full (it panics).
            // Buffered ones retry and see the mark.
            q.recvq.wake_all(&mut woken);
            q.sendq.wake_all(&mut woken);
            self.waiters.recv_waiting.store(false, Ordering::SeqCst);
            self.waiters.send_waiting.store(false, Ordering::SeqCst);
        }
        for wake in woken {
            wake.wake();
        }
        Ok(())
    }

    /// The number of buffered values.
    pub(crate) fn len(&self) -> usize {
        match &self.kind {
            Kind::Buffered(ring) => ring.len(),
            Kind::Unbuffered | Kind::Nil => 0,
        }
    }

    /// The capacity.
    pub(crate) fn cap(&self) -> usize {
        match &self.kind {
            Kind::Buffered(ring) => ring.cap(),
            Kind::Unbuffered | Kind::Nil => 0,
        }
    }

    /// Wakes a receiver waiting for a value, if any (after a push).
    #[inline]
    fn wake_receiver(&self) {
        // SeqCst: the load of the Dekker pair described in the module docs.
        if self.waiters.recv_waiting.load(Ordering::SeqCst) {
            self.wake_first(false);
        }
    }

    /// Wakes a sender waiting for room, if any (after a pop).
    #[inline]
    fn wake_sender(&self) {
        if self.waiters.send_waiting.load(Ordering::SeqCst) {
            self.wake_first(true);
        }
    }

    /// Wakes the first waiting sender (`send`) or receiver.
    #[cold]
    #[inline(never)]
    fn wake_first(&self, send: bool) {
        let wake = {
            let mut q = self.lock();
            // SAFETY: `q` holds the lock.
            unsafe { self.wake_first_locked(&mut q, send) }
        };
        wake.wake();
    }

    /// [`wake_first`](Self::wake_first) with the lock held: the thread to
    /// unpark once it is released.
    ///
    /// # Safety
    ///
    /// The caller holds the lock and `q` is the queues it guards.
    unsafe fn wake_first_locked(&self, q: &mut Queues<T>, send: bool) -> Wake {
        let (queue, flag) = if send {
            (&mut q.sendq, &self.waiters.send_waiting)
        } else {
            (&mut q.recvq, &self.waiters.recv_waiting)
        };
        let wake = queue.wake_first();
        flag.store(!queue.is_empty(), Ordering::SeqCst);
        wake
    }

    /// A send that found the ring full: spin, then wait for room.
    #[inline(never)]
    fn send_buffered_slow(&self, ring: &Ring<T>, mut value: T) -> Result<(), T> {
        loop {
            let mut spin = Spin::new();
            while spin.spin() {
                if !ring.send_hint() {
                    continue;
                }
                match ring.try_push(value) {
                    Ok(()) => {
                        self.wake_receiver();
                        return Ok(());
                    }
                    Err(PushError::Full(v)) => value = v,
                    Err(PushError::Closed(v)) => return Err(v),
                }
            }
            Cx::with(|cx| {
                let packet = Packet::new(cx, None);
                let mut q = self.lock();
                q.sendq.push_plain(&packet);
                self.waiters.send_waiting.store(true, Ordering::SeqCst);
                if ring.send_ready() {
                    // Room (or the close) came while we enqueued: retry.
                    q.sendq.remove_plain(&packet);
                    self.waiters.send_waiting.store(!q.sendq.is_empty(), Ordering::SeqCst);
                    return;
                }
                drop(q);
                // Woken by a receive (which dequeued us) or the close.
                packet.wait();
            });
            match ring.try_push(value) {
                Ok(()) => {
                    self.wake_receiver();
                    return Ok(());
                }
                Err(PushError::Full(v)) => value = v,
                Err(PushError::Closed(v)) => return Err(v),
            }
        }
    }

    /// A receive that found the ring empty: spin, then wait for a value.
    #[inline(never)]
    fn recv_buffered_slow(&self, ring: &Ring<T>) -> Option<T> {
        loop {
            let mut spin = Spin::new();
            while spin.spin() {
                // The hint cannot see a close: once the spinning turns to
                // yielding, a full attempt each time.
                if !ring.recv_hint() && spin.pausing() {
                    continue;
                }
                match ring.try_pop() {
                    Ok(value) => {
                        self.wake_sender();
                        return Some(value);
                    }
                    Err(PopError::Empty) => {}
                    Err(PopError::Closed) => return None,
                }
            }
            Cx::with(|cx| {
                let packet = Packet::new(cx, None);
                let mut q = self.lock();
                q.recvq.push_plain(&packet);
                self.waiters.recv_waiting.store(true, Ordering::SeqCst);
                if ring.recv_ready() {
                    q.recvq.remove_plain(&packet);
                    self.waiters.recv_waiting.store(!q.recvq.is_empty(), Ordering::SeqCst);
                    return;
                }
                drop(q);
                packet.wait();
            });
            match ring.try_pop() {
                Ok(value) => {
                    self.wake_sender();
                    return Some(value);
                }
                Err(PopError::Empty) => {}
                Err(PopError::Closed) => return None,
            }
        }
    }

    /// A send on an unbuffered channel.
    fn send_unbuffered(&self, value: T) -> Result<(), T> {
        let mut q = self.lock();
        if q.closed {
            return Err(value);
        }
        if let Some(receiver) = q.recvq.claim() {
            // SAFETY: the claim makes this thread the only one to touch
            // the receiver's slot until `complete`.
            unsafe { *receiver.slot() = Some(value) };
            let wake = receiver.complete();
            drop(q);
            wake.wake();
            return Ok(());
        }
        Cx::with(|cx| {
            // The value waits here, on this thread's stack, for a receiver
            // to take it; still here after the wait means a close.
            let packet = Packet::new(cx, Some(value));
            q.sendq.push_plain(&packet);
            drop(q);
            packet.wait();
            match packet.into_slot() {
                None => Ok(()),
                Some(value) => Err(value),
            }
        })
    }

    /// A receive on an unbuffered channel.
    fn recv_unbuffered(&self) -> Option<T> {
        let mut q = self.lock();
        if let Some((value, wake)) = Self::take_from_sender(&mut q) {
            drop(q);
            wake.wake();
            return Some(value);
        }
        if q.closed {
            return None;
        }
        Cx::with(|cx| {
            let packet = Packet::new(cx, None);
            q.recvq.push_plain(&packet);
            drop(q);
            packet.wait();
            // A sender's value, or `None` from the close.
            packet.into_slot()
        })
    }

    /// Takes the value of the first waiting sender of an unbuffered
    /// channel, completing its send, with the thread to wake.
    fn take_from_sender(q: &mut Queues<T>) -> Option<(T, Wake)> {
        let sender = q.sendq.claim()?;
        // SAFETY: the claim makes this thread the only one to touch the
        // sender's slot until `complete`; a waiting sender's slot holds
        // its value.
        let value = unsafe { (*sender.slot()).take() }.expect("a waiting sender has its value");
        Some((value, sender.complete()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::native::waiter::Entry;

    #[test]
    fn the_lock_and_the_first_waiters_share_a_cache_line() {
        let chan = NativeChan::<u64>::new(0, std::panic::Location::caller());
        let lock = &chan.waiters.lock as *const RawMutex as usize;
        let queues = chan.waiters.queues.get() as usize;
        // `Queues` and `Queue` are `repr(C)`: the receive queue's first
        // entry, then its rest, then the send queue's first entry.
        assert_eq!(size_of::<Option<Entry<u64>>>(), size_of::<Entry<u64>>());
        let end = queues + size_of::<Queue<u64>>() + size_of::<Option<Entry<u64>>>();
        assert_eq!(lock % 64, 0);
        assert!(end - lock <= 64, "{} bytes", end - lock);
    }
}
