//! The buffer of a native buffered channel: a bounded lock-free FIFO.
//!
//! This is Dmitry Vyukov's bounded MPMC queue as crossbeam-channel's
//! `array` flavor lays it out, with Go's close folded into it. `head` and
//! `tail` are *stamps*: an index into the slots plus a lap count above it
//! (`one_lap` is the smallest power of two above the capacity, times two,
//! so the bit just above the index, `mark`, is free in the tail: it says
//! "closed"). Every slot carries a stamp too, which says whose turn it is:
//!
//! - `stamp == tail`: the slot is empty and the sender holding that tail
//!   may fill it; it claims it by moving `tail` on (a CAS), writes the
//!   value, then publishes `stamp = tail + 1`;
//! - `stamp == head + 1`: the slot is full and the receiver holding that
//!   head may take it; it claims it by moving `head` on (a CAS), reads the
//!   value, then frees the slot for the next lap, `stamp = head + one_lap`.
//!
//! A sender or receiver that finds a slot of the previous lap is looking
//! at a full or an empty buffer; one that finds a slot claimed but not yet
//! published waits for its owner (a few instructions away).
//!
//! Close sets `mark` in `tail` with one `fetch_or`, so a send linearizes
//! before the close (its CAS on `tail` won) or after it (the CAS fails
//! and the retry sees the mark). Receivers drain what is buffered: they
//! report "closed" only when `head` has caught up with the marked tail.
//!
//! `head` and `tail` are changed with `SeqCst` CASes, and the readiness
//! checks ([`Ring::recv_ready`], [`Ring::send_ready`]) load them with
//! `SeqCst`: the channel pairs those with its waiter flags (a store and a
//! load, in the other order) so that a value pushed while a receiver
//! registers is seen by one of the two (see `chan.rs`).

use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::sync::atomic::{self, AtomicUsize, Ordering};

use crossbeam_utils::{Backoff, CachePadded};

/// One slot of the buffer.
struct Slot<T> {
    /// Whose turn it is (see the module docs).
    stamp: AtomicUsize,
    /// The value, initialized between a sender's publication and a
    /// receiver's claim.
    value: UnsafeCell<MaybeUninit<T>>,
}

/// Why a push failed; the value is handed back.
pub(crate) enum PushError<T> {
    /// The buffer is full.
    Full(T),
    /// The channel is closed.
    Closed(T),
}

/// Why a pop failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PopError {
    /// Nothing buffered.
    Empty,
    /// Closed and drained.
    Closed,
}

/// A bounded lock-free FIFO of capacity `cap > 0` that can be closed.
pub(crate) struct Ring<T> {
    /// The next slot to receive from (never marked).
    head: CachePadded<AtomicUsize>,
    /// The next slot to send into, with `mark` set once closed.
    tail: CachePadded<AtomicUsize>,
    slots: Box<[Slot<T>]>,
    cap: usize,
    /// The stamp of the same slot one lap later is `stamp + one_lap`.
    one_lap: usize,
    /// The "closed" bit of `tail`; `mark - 1` masks a stamp's index.
    mark: usize,
}

// SAFETY: values move between threads through the slots (so `T: Send`),
// and a slot's value is only touched by the one thread whose CAS claimed
// it, as the stamps order (see the module docs).
unsafe impl<T: Send> Send for Ring<T> {}
// SAFETY: as for `Send`: all shared state is atomics, and each value is
// accessed by one thread at a time.
unsafe impl<T: Send> Sync for Ring<T> {}

impl<T> Ring<T> {
    /// An empty ring of capacity `cap` (positive).
    pub(crate) fn new(cap: usize) -> Ring<T> {
        assert!(cap > 0, "a ring has a positive capacity");
        // Go refuses sizes past what memory can address the same way.
        let mark = cap
            .checked_add(1)
            .and_then(usize::checked_next_power_of_two)
            .filter(|&m| m <= usize::MAX / 4 && cap.checked_mul(size_of::<Slot<T>>()).is_some())
            .unwrap_or_else(|| panic!("makechan: size out of range"));
        let slots = (0..cap)
            .map(|i| Slot { stamp: AtomicUsize::new(i), value: UnsafeCell::new(MaybeUninit::uninit()) });
        Ring {
            head: CachePadded::new(AtomicUsize::new(0)),
            tail: CachePadded::new(AtomicUsize::new(0)),
            slots: slots.collect(),
            cap,
            one_lap: mark * 2,
            mark,
        }
    }

    /// The capacity.
    pub(crate) fn cap(&self) -> usize {
        self.cap
    }

    /// The stamp after `stamp` (index + 1, or index 0 of the next lap).
    #[inline]
    fn next(&self, stamp: usize) -> usize {
        let index = stamp & (self.mark - 1);
        if index + 1 < self.cap {
            stamp + 1
        } else {
            (stamp & !(self.one_lap - 1)).wrapping_add(self.one_lap)
        }
    }

    /// The slot a (head or unmarked tail) stamp names.
    #[inline]
    fn slot(&self, stamp: usize) -> &Slot<T> {
        let index = stamp & (self.mark - 1);
        // SAFETY: every stamp's index is below `cap`: `next` wraps to 0 at
        // `cap`, and the mark bit is masked off.
        unsafe { self.slots.get_unchecked(index) }
    }

    /// Appends `value` unless the ring is full or closed.
    #[inline]
    pub(crate) fn try_push(&self, value: T) -> Result<(), PushError<T>> {
        let backoff = Backoff::new();
        let mut tail = self.tail.load(Ordering::Relaxed);
        loop {
            if tail & self.mark != 0 {
                return Err(PushError::Closed(value));
            }
            let slot = self.slot(tail);
            let stamp = slot.stamp.load(Ordering::Acquire);
            if stamp == tail {
                // The slot is free on this lap: claim it.
                match self.tail.compare_exchange_weak(
                    tail,
                    self.next(tail),
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: the CAS made this thread the slot's only
                        // writer until it publishes the new stamp, and the
                        // slot is empty (its value was read, or never set).
                        unsafe { slot.value.get().write(MaybeUninit::new(value)) };
                        slot.stamp.store(tail + 1, Ordering::Release);
                        return Ok(());
                    }
                    Err(current) => {
                        tail = current;
                        backoff.spin();
                    }
                }
            } else if stamp.wrapping_add(self.one_lap) == tail + 1 {
                // The slot still holds the previous lap's value: full,
                // unless a receiver has just moved head past it.
                atomic::fence(Ordering::SeqCst);
                let head = self.head.load(Ordering::Relaxed);
                if head.wrapping_add(self.one_lap) == tail {
                    return Err(PushError::Full(value));
                }
                backoff.spin();
                tail = self.tail.load(Ordering::Relaxed);
            } else {
                // Another sender claimed it and has not published yet.
                backoff.snooze();
                tail = self.tail.load(Ordering::Relaxed);
            }
        }
    }

    /// Takes the oldest value unless the ring is empty (or closed and
    /// drained).
    #[inline]
    pub(crate) fn try_pop(&self) -> Result<T, PopError> {
        let backoff = Backoff::new();
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            let slot = self.slot(head);
            let stamp = slot.stamp.load(Ordering::Acquire);
            if stamp == head + 1 {
                // A published value: claim it.
                let lap_later = head.wrapping_add(self.one_lap);
                match self.head.compare_exchange_weak(
                    head,
                    self.next(head),
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: the stamp says a sender wrote the value
                        // and published it (Acquire above pairs with its
                        // Release); the CAS made this thread its only
                        // reader, and the new stamp frees the slot after.
                        let value = unsafe { slot.value.get().read().assume_init() };
                        slot.stamp.store(lap_later, Ordering::Release);
                        return Ok(value);
                    }
                    Err(current) => {
                        head = current;
                        backoff.spin();
                    }
                }
            } else if stamp == head {
                // Not written on this lap: empty, unless a sender has just
                // claimed it.
                atomic::fence(Ordering::SeqCst);
                let tail = self.tail.load(Ordering::Relaxed);
                if tail & !self.mark == head {
                    return Err(if tail & self.mark != 0 { PopError::Closed } else { PopError::Empty });
                }
                backoff.spin();
                head = self.head.load(Ordering::Relaxed);
            } else {
                // Another receiver claimed it and has not freed it yet.
                backoff.snooze();
                head = self.head.load(Ordering::Relaxed);
            }
        }
    }

    /// Whether a receive would not block now: something is buffered (or
    /// claimed by a sender about to publish it), or the ring is closed.
    #[inline]
    pub(crate) fn recv_ready(&self) -> bool {
        // Head first: if it moved on before tail is read, tail moved too,
        // so "empty" can only be reported for a moment when it was.
        let head = self.head.load(Ordering::SeqCst);
        let tail = self.tail.load(Ordering::SeqCst);
        Self::recv_ready_at(self.mark, head, tail)
    }

    /// Whether a send would not block now: there is room, or the ring is
    /// closed (the send panics).
    #[inline]
    pub(crate) fn send_ready(&self) -> bool {
        // Tail first, for the same reason as in `recv_ready`.
        let tail = self.tail.load(Ordering::SeqCst);
        let head = self.head.load(Ordering::SeqCst);
        self.send_ready_at(head, tail)
    }

    /// Whether a push might succeed now, from the next slot's stamp
    /// only: what a spinning sender polls. Unlike [`send_ready`], it
    /// leaves alone the receivers' `head`, whose cache line would
    /// otherwise travel between the cores at every poll.
    ///
    /// [`send_ready`]: Ring::send_ready
    #[inline]
    pub(crate) fn send_hint(&self) -> bool {
        let tail = self.tail.load(Ordering::Relaxed);
        // Full is "the slot still holds the previous lap's value".
        tail & self.mark != 0
            || self.slot(tail).stamp.load(Ordering::Relaxed).wrapping_add(self.one_lap) != tail + 1
    }

    /// Whether a pop might succeed now, from the next slot's stamp only
    /// (see [`send_hint`](Ring::send_hint)); a closed and empty ring
    /// reads as "not yet".
    #[inline]
    pub(crate) fn recv_hint(&self) -> bool {
        let head = self.head.load(Ordering::Relaxed);
        // Empty is "the slot was not written on this lap".
        self.slot(head).stamp.load(Ordering::Relaxed) != head
    }

    fn recv_ready_at(mark: usize, head: usize, tail: usize) -> bool {
        tail & !mark != head || tail & mark != 0
    }

    fn send_ready_at(&self, head: usize, tail: usize) -> bool {
        tail & self.mark != 0 || head.wrapping_add(self.one_lap) != tail
    }

    /// `(head, tail)` if the operation in direction `send` would block now,
    /// `None` if it would not. Stamps never repeat, so two equal snapshots
    /// mean nothing happened in between (see `select.rs`).
    pub(crate) fn quiescent(&self, send: bool) -> Option<(usize, usize)> {
        let head = self.head.load(Ordering::SeqCst);
        let tail = self.tail.load(Ordering::SeqCst);
        let ready =
            if send { self.send_ready_at(head, tail) } else { Self::recv_ready_at(self.mark, head, tail) };
        (!ready).then_some((head, tail))
    }

    /// Marks the ring closed; false if it already was.
    pub(crate) fn close(&self) -> bool {
        self.tail.fetch_or(self.mark, Ordering::SeqCst) & self.mark == 0
    }

    /// The number of values buffered.
    pub(crate) fn len(&self) -> usize {
        loop {
            // A consistent pair: tail unchanged around the head load.
            let tail = self.tail.load(Ordering::SeqCst);
            let head = self.head.load(Ordering::SeqCst);
            if self.tail.load(Ordering::SeqCst) == tail {
                return self.len_at(head, tail);
            }
        }
    }

    fn len_at(&self, head: usize, tail: usize) -> usize {
        let hix = head & (self.mark - 1);
        let tix = tail & (self.mark - 1);
        if hix < tix {
            tix - hix
        } else if hix > tix {
            self.cap - hix + tix
        } else if tail & !self.mark == head {
            0
        } else {
            self.cap
        }
    }
}

impl<T> Drop for Ring<T> {
    fn drop(&mut self) {
        let head = *self.head.get_mut();
        let tail = *self.tail.get_mut();
        let hix = head & (self.mark - 1);
        for i in 0..self.len_at(head, tail) {
            let index = if hix + i < self.cap { hix + i } else { hix + i - self.cap };
            // SAFETY: with `&mut self` no operation is under way, so the
            // `len` slots from head on hold published values, each dropped
            // once.
            unsafe { self.slots[index].value.get_mut().assume_init_drop() };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_full_empty_and_wraparound() {
        let r = Ring::new(3);
        for lap in 0..5 {
            for i in 0..3 {
                assert!(r.try_push(lap * 10 + i).is_ok());
            }
            assert!(matches!(r.try_push(99), Err(PushError::Full(99))));
            assert_eq!(r.len(), 3);
            assert!(!r.send_ready() && r.recv_ready());
            for i in 0..3 {
                assert_eq!(r.try_pop(), Ok(lap * 10 + i));
            }
            assert_eq!(r.try_pop(), Err(PopError::Empty));
            assert!(r.send_ready() && !r.recv_ready());
        }
    }

    #[test]
    fn close_drains_then_reports_closed() {
        let r = Ring::new(2);
        r.try_push(1).ok().unwrap();
        assert!(r.close());
        assert!(!r.close(), "a second close reports it was closed");
        assert!(matches!(r.try_push(2), Err(PushError::Closed(2))));
        assert_eq!(r.len(), 1);
        assert_eq!(r.try_pop(), Ok(1));
        assert_eq!(r.try_pop(), Err(PopError::Closed));
        assert!(r.recv_ready() && r.send_ready());
    }

    #[test]
    fn dropping_a_ring_drops_what_it_buffers() {
        let value = std::sync::Arc::new(());
        let r = Ring::new(4);
        for _ in 0..3 {
            r.try_push(value.clone()).ok().unwrap();
        }
        drop(r.try_pop());
        r.try_push(value.clone()).ok().unwrap();
        r.try_push(value.clone()).ok().unwrap();
        assert_eq!(std::sync::Arc::strong_count(&value), 5);
        drop(r);
        assert_eq!(std::sync::Arc::strong_count(&value), 1);
    }

    #[test]
    fn quiescent_snapshots() {
        let r = Ring::new(1);
        let empty = r.quiescent(false).expect("empty: a receive blocks");
        assert!(r.quiescent(true).is_none(), "room: a send does not block");
        r.try_push(7).ok().unwrap();
        assert!(r.quiescent(false).is_none());
        let full = r.quiescent(true).expect("full: a send blocks");
        assert_ne!(empty, full);
        r.try_pop().unwrap();
        assert_ne!(r.quiescent(false), Some(empty), "a later empty state has other stamps");
    }
}
