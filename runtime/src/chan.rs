//! Go channels: buffered and unbuffered, with `close`, `try_*`, ranging
//! and the nil channel.
//!
//! A [`Sender`] and a [`Receiver`] are handles to one channel. Made
//! inside an exploration, it is a channel of the execution that made it
//! (`rt::object::ModelChan`), which the scheduler runs; made anywhere
//! else, it is a native channel on real threads (`native::chan`), with
//! Go's semantics. Every operation dispatches on that mode, one branch;
//! a native channel used inside an exploration panics, naming it.

use std::fmt;
use std::panic;
use std::sync::Arc;

use crate::native::chan::{NativeChan, TryRecv, TrySend};
use crate::native::{self};
use crate::rt::object::{ModelChan, SendOnClosed};
use crate::rt::{self, go_panic, Dir};

/// Makes a channel of capacity `cap` (0: unbuffered, a rendezvous), like
/// Go's `make(chan T, cap)`.
///
/// ```
/// goweave::check(|| {
///     let (tx, rx) = goweave::chan::<i32>(0);
///     goweave::go(move || {
///         for i in 0..3 { tx.send(i); }
///         tx.close();
///     });
///     let got: Vec<i32> = rx.into_iter().collect();
///     assert_eq!(got, vec![0, 1, 2]);
/// });
/// ```
///
/// Made outside any exploration, the channel is native: real threads
/// block on it, with Go's semantics.
///
/// ```
/// let (tx, rx) = goweave::chan::<i32>(1);
/// let t = std::thread::spawn(move || tx.send(7));
/// assert_eq!(rx.recv(), Some(7));
/// t.join().unwrap();
/// ```
#[track_caller]
pub fn chan<T: Send>(cap: usize) -> (Sender<T>, Receiver<T>) {
    chan_at(cap, panic::Location::caller())
}

/// [`chan`] with an explicit creation site.
pub(crate) fn chan_at<T: Send>(cap: usize, loc: rt::Location) -> (Sender<T>, Receiver<T>) {
    let c = if rt::in_execution() {
        Flavor::Model(ModelChan::new(cap, false, loc))
    } else {
        Flavor::Native(NativeChan::new(cap, loc))
    };
    (Sender { chan: c.share() }, Receiver { chan: c })
}

/// A nil channel made at `loc`, in the mode of the calling thread.
fn nil_at<T: Send>(loc: rt::Location) -> Flavor<T> {
    if rt::in_execution() {
        Flavor::Model(ModelChan::new(0, true, loc))
    } else {
        Flavor::Native(NativeChan::nil(loc))
    }
}

/// A receiver that is never ready: Go's nil channel, to disable a
/// `select!` arm. Receiving from it blocks forever.
#[track_caller]
pub fn never<T: Send>() -> Receiver<T> {
    Receiver { chan: nil_at(panic::Location::caller()) }
}

/// A sender that is never ready: Go's nil channel on the sending side, to
/// disable a `select!` send arm (as the tee pattern does once an output is
/// served). Sending on it blocks forever.
#[track_caller]
pub fn never_sender<T: Send>() -> Sender<T> {
    Sender { chan: nil_at(panic::Location::caller()) }
}

/// A handle's channel: a model channel of an execution, or a native one.
pub(crate) enum Flavor<T> {
    /// Made inside an execution.
    Model(Arc<ModelChan<T>>),
    /// Made outside any.
    Native(Arc<NativeChan<T>>),
}

impl<T> Flavor<T> {
    /// Another reference to the same channel, counting no handle (the
    /// pair `chan` returns is counted when the model channel is made).
    fn share(&self) -> Flavor<T> {
        match self {
            Flavor::Model(c) => Flavor::Model(c.clone()),
            Flavor::Native(c) => Flavor::Native(c.clone()),
        }
    }

    /// The model channel, or `None` for a native one.
    #[inline]
    fn model(&self) -> Option<&Arc<ModelChan<T>>> {
        match self {
            Flavor::Model(c) => Some(c),
            Flavor::Native(_) => None,
        }
    }
}

/// The sending side of a channel (`chan<- T`). Clones are handles to the
/// same channel; dropping handles does not close it.
pub struct Sender<T> {
    pub(crate) chan: Flavor<T>,
}

/// The receiving side of a channel (`<-chan T`). Clones are handles to the
/// same channel.
pub struct Receiver<T> {
    pub(crate) chan: Flavor<T>,
}

impl<T> Sender<T> {
    /// The model channel, or `None` if the channel is native.
    #[inline]
    pub(crate) fn model(&self) -> Option<&Arc<ModelChan<T>>> {
        self.chan.model()
    }

    /// The native channel, or `None` if the channel is a model one.
    #[inline]
    pub(crate) fn native(&self) -> Option<&Arc<NativeChan<T>>> {
        match &self.chan {
            Flavor::Native(c) => Some(c),
            Flavor::Model(_) => None,
        }
    }
}

impl<T> Receiver<T> {
    /// The receiving handle of a channel made by the runtime (a timer's).
    pub(crate) fn from_chan(chan: Arc<ModelChan<T>>) -> Receiver<T> {
        Receiver { chan: Flavor::Model(chan) }
    }

    /// The model channel, or `None` if the channel is native.
    #[inline]
    pub(crate) fn model(&self) -> Option<&Arc<ModelChan<T>>> {
        self.chan.model()
    }

    /// The native channel, or `None` if the channel is a model one.
    #[inline]
    pub(crate) fn native(&self) -> Option<&Arc<NativeChan<T>>> {
        match &self.chan {
            Flavor::Native(c) => Some(c),
            Flavor::Model(_) => None,
        }
    }
}

/// What [`native::check`] calls a channel.
const KIND: &str = "chan";

/// Why [`Sender::try_send`] failed; it hands the value back.
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum TrySendError<T> {
    /// The buffer is full, or no receiver waits on an unbuffered channel.
    Full(T),
    /// The channel is closed.
    Closed(T),
}

impl<T> TrySendError<T> {
    /// The value that was not sent.
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(v) | TrySendError::Closed(v) => v,
        }
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("sending on a full channel"),
            TrySendError::Closed(_) => f.write_str("sending on a closed channel"),
        }
    }
}

impl<T> std::error::Error for TrySendError<T> {}

/// Why [`Receiver::try_recv`] failed.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum TryRecvError {
    /// Nothing to receive now.
    Empty,
    /// Closed and drained.
    Closed,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("receiving on an empty channel"),
            TryRecvError::Closed => f.write_str("receiving on a closed and empty channel"),
        }
    }
}

impl std::error::Error for TryRecvError {}

impl<T: Send> Sender<T> {
    /// Sends `value`, blocking while the buffer is full (unbuffered: until a
    /// receiver takes it). Panics "send on closed channel" like Go.
    #[track_caller]
    pub fn send(&self, value: T) {
        let loc = panic::Location::caller();
        match &self.chan {
            Flavor::Model(c) => {
                if let Err(SendOnClosed) = c.send(value, loc) {
                    go_panic("send on closed channel", loc);
                }
            }
            Flavor::Native(c) => {
                native::check(KIND, c.created());
                if c.send(value).is_err() {
                    panic!("send on closed channel");
                }
            }
        }
    }

    /// Sends without blocking: `Full` when it would block, `Closed` on a
    /// closed channel.
    #[track_caller]
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match &self.chan {
            Flavor::Model(c) => match c.try_send(value, panic::Location::caller()) {
                Ok(None) => Ok(()),
                Ok(Some(value)) => Err(TrySendError::Full(value)),
                Err(value) => Err(TrySendError::Closed(value)),
            },
            Flavor::Native(c) => {
                native::check(KIND, c.created());
                c.try_send(value).map_err(|e| match e {
                    TrySend::Full(value) => TrySendError::Full(value),
                    TrySend::Closed(value) => TrySendError::Closed(value),
                })
            }
        }
    }

    /// Closes the channel, like Go's `close(ch)`: receivers drain what is
    /// buffered, then get `None`. Panics "close of closed channel".
    #[track_caller]
    pub fn close(&self) {
        let loc = panic::Location::caller();
        match &self.chan {
            Flavor::Model(c) => {
                if let Err(e) = c.close(loc) {
                    go_panic(e.message(), loc);
                }
            }
            Flavor::Native(c) => {
                native::check(KIND, c.created());
                if let Err(message) = c.close() {
                    panic!("{message}");
                }
            }
        }
    }

    /// The number of buffered values (a scheduling point).
    #[track_caller]
    pub fn len(&self) -> usize {
        match &self.chan {
            Flavor::Model(c) => c.len(panic::Location::caller()),
            Flavor::Native(c) => {
                native::check(KIND, c.created());
                c.len()
            }
        }
    }

    /// True when nothing is buffered (a scheduling point).
    #[track_caller]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The capacity given to [`chan`].
    #[track_caller]
    pub fn cap(&self) -> usize {
        match &self.chan {
            Flavor::Model(c) => c.cap(),
            Flavor::Native(c) => {
                native::check(KIND, c.created());
                c.cap()
            }
        }
    }
}

impl<T: Send> Receiver<T> {
    /// Receives, blocking until a value is there; `None` once the channel
    /// is closed and drained (Go's `v, ok := <-ch` with `ok == false`).
    #[track_caller]
    pub fn recv(&self) -> Option<T> {
        match &self.chan {
            Flavor::Model(c) => c.recv(panic::Location::caller()),
            Flavor::Native(c) => {
                native::check(KIND, c.created());
                c.recv()
            }
        }
    }

    /// [`recv`](Self::recv) for an iterator made at `made`: located at
    /// the caller, or at `made` when the caller is in Rust's own sources.
    #[track_caller]
    fn recv_for_iter(&self, made: rt::Location) -> Option<T> {
        match &self.chan {
            Flavor::Model(c) => c.recv(user_location(panic::Location::caller(), made)),
            Flavor::Native(c) => {
                native::check(KIND, c.created());
                c.recv()
            }
        }
    }

    /// Receives without blocking.
    #[track_caller]
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        match &self.chan {
            Flavor::Model(c) => match c.try_recv(panic::Location::caller()) {
                Ok(Some(value)) => Ok(value),
                Ok(None) => Err(TryRecvError::Closed),
                Err(()) => Err(TryRecvError::Empty),
            },
            Flavor::Native(c) => {
                native::check(KIND, c.created());
                c.try_recv().map_err(|e| match e {
                    TryRecv::Empty => TryRecvError::Empty,
                    TryRecv::Closed => TryRecvError::Closed,
                })
            }
        }
    }

    /// The number of buffered values (a scheduling point).
    #[track_caller]
    pub fn len(&self) -> usize {
        match &self.chan {
            Flavor::Model(c) => c.len(panic::Location::caller()),
            Flavor::Native(c) => {
                native::check(KIND, c.created());
                c.len()
            }
        }
    }

    /// True when nothing is buffered (a scheduling point).
    #[track_caller]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The capacity given to [`chan`].
    #[track_caller]
    pub fn cap(&self) -> usize {
        match &self.chan {
            Flavor::Model(c) => c.cap(),
            Flavor::Native(c) => {
                native::check(KIND, c.created());
                c.cap()
            }
        }
    }

    /// An iterator that receives until the channel is closed and drained.
    #[track_caller]
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { rx: self, made: panic::Location::caller() }
    }
}

/// Where a receive through an iterator made at `made` is reported: at
/// its caller, unless the caller is in Rust's own sources (an adapter
/// such as `collect`, `sum` or `for_each` calling `next`, where a
/// `#[track_caller]` chain ends), then where the iterator was made: the
/// user's `rx.iter()` of `rx.iter().collect()`.
fn user_location(caller: rt::Location, made: rt::Location) -> rt::Location {
    if in_rust_sources(caller) {
        made
    } else {
        caller
    }
}

/// Whether `loc` is in the sources of Rust's standard library: under
/// `/rustc/<commit>/library/` as shipped, `library/` when std is built
/// from source, or a toolchain's `rustlib/` directory.
fn in_rust_sources(loc: rt::Location) -> bool {
    let file = loc.file();
    file.starts_with("/rustc/") || file.starts_with("library/") || file.contains("/rustlib/")
}

/// Receives until the channel is closed and drained (`for v := range ch`).
#[derive(Debug)]
pub struct Iter<'a, T> {
    rx: &'a Receiver<T>,
    /// Where the iterator was made, for receives that std's code makes.
    made: rt::Location,
}

impl<T: Send> Iterator for Iter<'_, T> {
    type Item = T;

    #[track_caller]
    fn next(&mut self) -> Option<T> {
        self.rx.recv_for_iter(self.made)
    }
}

/// Owning form of [`Iter`].
#[derive(Debug)]
pub struct IntoIter<T> {
    rx: Receiver<T>,
    /// Where the iterator was made, for receives that std's code makes.
    made: rt::Location,
}

impl<T: Send> Iterator for IntoIter<T> {
    type Item = T;

    #[track_caller]
    fn next(&mut self) -> Option<T> {
        self.rx.recv_for_iter(self.made)
    }
}

impl<T: Send> IntoIterator for Receiver<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;

    #[track_caller]
    fn into_iter(self) -> IntoIter<T> {
        IntoIter { rx: self, made: panic::Location::caller() }
    }
}

impl<'a, T: Send> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;

    #[track_caller]
    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

// A model channel counts its handles (for the reports' "nothing can ever
// unblock this" notes); a native one needs nothing: as in Go, dropping
// handles never closes a channel.

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        if let Flavor::Model(c) = &self.chan {
            c.adjust_handles(Dir::Send, 1);
        }
        Sender { chan: self.chan.share() }
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        if let Flavor::Model(c) = &self.chan {
            c.adjust_handles(Dir::Recv, 1);
        }
        Receiver { chan: self.chan.share() }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if let Flavor::Model(c) = &self.chan {
            c.adjust_handles(Dir::Send, -1);
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if let Flavor::Model(c) = &self.chan {
            c.adjust_handles(Dir::Recv, -1);
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.chan {
            Flavor::Model(c) => write!(f, "Sender(chan#{})", c.obj.id),
            Flavor::Native(c) => write!(f, "Sender(chan made at {}, native)", c.created()),
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.chan {
            Flavor::Model(c) => write!(f, "Receiver(chan#{})", c.obj.id),
            Flavor::Native(c) => write!(f, "Receiver(chan made at {}, native)", c.created()),
        }
    }
}
