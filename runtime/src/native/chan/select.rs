//! What a select needs of a native channel (see `native/select.rs`): its
//! lock, and each step of the algorithm on one arm, under that lock or,
//! on a buffered channel, without it.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use parking_lot::RawMutex;

use super::{Kind, NativeChan, SendPoll};
use crate::native::ring::{PopError, PushError};
use crate::native::waiter::{Cx, Wake};

/// What a select needs of a channel. The methods that need the lock held
/// are `unsafe`.
impl<T> NativeChan<T> {
    /// The channel's lock, which a select takes itself (in address
    /// order); `None` for a nil channel, which a select ignores.
    pub(crate) fn raw_lock(&self) -> Option<&RawMutex> {
        (!self.is_nil()).then_some(&self.waiters.lock)
    }

    /// Whether waiters are woken to retry (buffered) rather than
    /// completed by hand-off (unbuffered).
    pub(crate) fn is_buffered(&self) -> bool {
        matches!(self.kind, Kind::Buffered(_))
    }

    /// A select's receive on a buffered channel, without the lock (the
    /// ring needs none; waking a sender takes it if someone waits):
    /// `Some(value)` if it completed now, `value` being `None` on a closed
    /// and drained channel.
    pub(crate) fn try_recv_buffered(&self) -> Option<Option<T>> {
        let Kind::Buffered(ring) = &self.kind else {
            return None;
        };
        match ring.try_pop() {
            Ok(value) => {
                self.wake_sender();
                Some(Some(value))
            }
            Err(PopError::Closed) => Some(None),
            Err(PopError::Empty) => None,
        }
    }

    /// A select's send of `*value` (taken if sent) on a buffered channel,
    /// without the lock (see [`try_recv_buffered`](Self::try_recv_buffered)).
    pub(crate) fn try_send_buffered(&self, value: &mut Option<T>) -> SendPoll {
        let Kind::Buffered(ring) = &self.kind else {
            return SendPoll::Pending;
        };
        match ring.try_push(value.take().expect("a send arm's value")) {
            Ok(()) => {
                self.wake_receiver();
                SendPoll::Sent(Wake::NONE)
            }
            Err(PushError::Full(v)) => {
                *value = Some(v);
                SendPoll::Pending
            }
            Err(PushError::Closed(v)) => {
                *value = Some(v);
                SendPoll::Closed
            }
        }
    }

    /// A select's receive: `Some((value, wake))` if it completed now
    /// (`value` is `None` on a closed and drained channel).
    ///
    /// # Safety
    ///
    /// The caller holds the lock ([`raw_lock`](Self::raw_lock)).
    pub(crate) unsafe fn poll_recv(&self) -> Option<(Option<T>, Wake)> {
        // SAFETY: the caller holds the lock.
        let q = unsafe { self.queues() };
        match &self.kind {
            Kind::Buffered(ring) => match ring.try_pop() {
                // SAFETY: the caller holds the lock.
                Ok(value) => Some((Some(value), unsafe { self.wake_first_locked(q, true) })),
                Err(PopError::Closed) => Some((None, Wake::NONE)),
                Err(PopError::Empty) => None,
            },
            Kind::Unbuffered => match Self::take_from_sender(q) {
                Some((value, wake)) => Some((Some(value), wake)),
                None if q.closed => Some((None, Wake::NONE)),
                None => None,
            },
            Kind::Nil => None,
        }
    }

    /// A select's send of `*value` (taken if sent).
    ///
    /// # Safety
    ///
    /// The caller holds the lock, and `value` is `Some`.
    pub(crate) unsafe fn poll_send(&self, value: &mut Option<T>) -> SendPoll {
        // SAFETY: the caller holds the lock.
        let q = unsafe { self.queues() };
        match &self.kind {
            Kind::Buffered(ring) => match ring.try_push(value.take().expect("a send arm's value")) {
                // SAFETY: the caller holds the lock.
                Ok(()) => SendPoll::Sent(unsafe { self.wake_first_locked(q, false) }),
                Err(PushError::Full(v)) => {
                    *value = Some(v);
                    SendPoll::Pending
                }
                Err(PushError::Closed(v)) => {
                    *value = Some(v);
                    SendPoll::Closed
                }
            },
            Kind::Unbuffered if q.closed => SendPoll::Closed,
            Kind::Unbuffered => match q.recvq.claim() {
                Some(receiver) => {
                    // SAFETY: the claim makes this thread the only one to
                    // touch the receiver's slot until `complete`.
                    unsafe { *receiver.slot() = value.take() };
                    SendPoll::Sent(receiver.complete())
                }
                None => SendPoll::Pending,
            },
            Kind::Nil => SendPoll::Pending,
        }
    }

    /// Enqueues a select's arm `oper` (a send if `send`), with its value
    /// slot on an unbuffered channel (null on a buffered one).
    ///
    /// # Safety
    ///
    /// The caller holds the lock, and `slot` stays valid, and untouched
    /// by the caller, until the entry is removed or claimed (see
    /// `waiter.rs`).
    pub(crate) unsafe fn register(&self, send: bool, cx: &Arc<Cx>, oper: usize, slot: *mut Option<T>) {
        // SAFETY: the caller holds the lock.
        let q = unsafe { self.queues() };
        if send {
            q.sendq.push_select(cx, oper, slot);
            self.waiters.send_waiting.store(true, Ordering::SeqCst);
        } else {
            q.recvq.push_select(cx, oper, slot);
            self.waiters.recv_waiting.store(true, Ordering::SeqCst);
        }
    }

    /// Removes a select's arm `oper`, if no one claimed it.
    ///
    /// # Safety
    ///
    /// The caller holds the lock.
    pub(crate) unsafe fn unregister(&self, send: bool, cx: &Cx, oper: usize) {
        // SAFETY: the caller holds the lock.
        let q = unsafe { self.queues() };
        let (queue, flag) = if send {
            (&mut q.sendq, &self.waiters.send_waiting)
        } else {
            (&mut q.recvq, &self.waiters.recv_waiting)
        };
        queue.remove_select(cx, oper);
        flag.store(!queue.is_empty(), Ordering::SeqCst);
    }

    /// `Some(snapshot)` if an operation in direction `send` would block
    /// now, `None` if it would not, for a select whose poll of this arm
    /// just found it blocked. On a buffered channel the snapshot is the
    /// ring's stamps, which change with every operation. An unbuffered
    /// channel's state is frozen by the lock the select has held since
    /// that poll (its queues may since hold the select's own waiters,
    /// which must not count as partners): still blocked, constant.
    ///
    /// # Safety
    ///
    /// On an unbuffered channel, the caller holds the lock, and has since
    /// the arm was polled (a buffered channel's ring needs no lock).
    pub(crate) unsafe fn quiescent(&self, send: bool) -> Option<(usize, usize)> {
        match &self.kind {
            Kind::Buffered(ring) => ring.quiescent(send),
            Kind::Unbuffered | Kind::Nil => Some((0, 0)),
        }
    }
}
