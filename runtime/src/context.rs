//! Go's `context`: cancellation trees, deadlines on the virtual clock, and
//! request-scoped values.
//!
//! A cancellable context owns an unbuffered channel that is closed when it
//! is cancelled; `done()` hands out receivers of it, so a `select!` arm on
//! `ctx.done()` is explored like any channel. Cancelling closes the done
//! channels of the context and of all its descendants in one operation,
//! which happens before any of them is observed closed. A deadline is a
//! timer on the virtual clock: it may fire at any step, so both "work
//! finished first" and "deadline first" are explored.
//!
//! A context made outside an exploration is native: its done channel is a
//! native channel, its deadline a timer of the real clock's timer thread,
//! and a cancel closes the channels at once. A cancellable context's
//! children are made in its mode.
//!
//! ```
//! use std::time::Duration;
//! use goweave::context::{Context, ContextError};
//! goweave::check(|| {
//!     let (ctx, cancel) = Context::background().with_timeout(Duration::from_millis(10));
//!     let (child, _cancel_child) = ctx.with_cancel();
//!     let (tx, rx) = goweave::chan::<u32>(1);
//!     goweave::go(move || tx.send(42));
//!     goweave::select! {
//!         recv(rx) -> v => assert_eq!(v, Some(42)),
//!         recv(child.done()) -> _ => assert_eq!(child.err(), Some(ContextError::DeadlineExceeded)),
//!     }
//!     cancel();
//!     assert!(child.err().is_some());
//! });
//! ```

use std::any::Any;
use std::fmt;
use std::panic;
use std::sync::{Arc, Mutex as StdMutex, Weak};
use std::time::Duration;

use crate::chan::{self, Receiver, Sender};
use crate::native::{self, timer};
use crate::rt::{self, announce, in_execution, with_exec, Execution, Location, Op, TimerAction};
use crate::time::{self, Instant};

/// Why a context is done, like Go's `context.Canceled` and
/// `context.DeadlineExceeded`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ContextError {
    /// Its cancel function was called (or its parent's).
    Canceled,
    /// Its deadline passed (or its parent's).
    DeadlineExceeded,
}

impl fmt::Display for ContextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ContextError::Canceled => "context canceled",
            ContextError::DeadlineExceeded => "context deadline exceeded",
        })
    }
}

impl std::error::Error for ContextError {}

/// Cancels a context and its descendants; calling it again does nothing.
/// Dropping it does not cancel.
pub type CancelFunc = Arc<dyn Fn() + Send + Sync>;

/// What a cancellable context knows of itself, under its lock.
#[derive(Default)]
struct State {
    /// Why it is done, once it is.
    err: Option<ContextError>,
    /// Its cancellable descendants, to cancel with it.
    children: Vec<Weak<Inner>>,
    /// Its deadline's timer: the execution's or the timer thread's, as the
    /// context's mode says.
    timer: Option<u64>,
}

struct Done {
    /// Held so the channel has a live sender: it is closed by cancel, never
    /// sent on, and a task waiting on it can still be unblocked.
    _tx: Sender<()>,
    rx: Receiver<()>,
    /// The channel's id in the execution (model contexts).
    id: usize,
}

struct Inner {
    parent: Option<Context>,
    /// Present on cancellable contexts; value contexts use their parent's.
    done: Option<Done>,
    deadline: Option<Instant>,
    value: Option<(Box<dyn Any + Send + Sync>, Box<dyn Any + Send + Sync>)>,
    state: StdMutex<State>,
    serial: u64,
    /// Made outside an exploration.
    native: bool,
    /// Where it was made.
    created: Location,
}

/// A context, like Go's `context.Context`. Cheap to clone: clones are the
/// same context.
#[derive(Clone)]
pub struct Context {
    inner: Arc<Inner>,
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("deadline", &self.inner.deadline)
            .field("cancellable", &self.inner.done.is_some())
            .finish()
    }
}

impl Context {
    /// The root context: never cancelled, no deadline, no values. Its
    /// `done()` is never ready, like Go's nil Done channel.
    #[track_caller]
    pub fn background() -> Context {
        let serial = rt::try_with_exec(|ex| ex.serial).unwrap_or(0);
        Context {
            inner: Arc::new(Inner {
                parent: None,
                done: None,
                deadline: None,
                value: None,
                state: StdMutex::new(State::default()),
                serial,
                native: !in_execution(),
                created: panic::Location::caller(),
            }),
        }
    }

    /// The nearest cancellable context at or above this one.
    fn cancellable(&self) -> Option<&Context> {
        let mut ctx = self;
        loop {
            if ctx.inner.done.is_some() {
                return Some(ctx);
            }
            ctx = ctx.inner.parent.as_ref()?;
        }
    }

    /// A child context with its own cancel function.
    #[track_caller]
    pub fn with_cancel(&self) -> (Context, CancelFunc) {
        self.child(None, panic::Location::caller())
    }

    /// A child context cancelled `d` from now (of virtual time inside an
    /// exploration).
    #[track_caller]
    pub fn with_timeout(&self, d: Duration) -> (Context, CancelFunc) {
        let loc = panic::Location::caller();
        let now = time::now();
        self.child(Some(now + d), loc)
    }

    /// A child context cancelled when the clock (virtual inside an
    /// exploration) reaches `deadline`.
    #[track_caller]
    pub fn with_deadline(&self, deadline: Instant) -> (Context, CancelFunc) {
        self.child(Some(deadline), panic::Location::caller())
    }

    fn child(&self, deadline: Option<Instant>, loc: Location) -> (Context, CancelFunc) {
        // A parent's earlier deadline already bounds the child.
        let deadline = match (deadline, self.deadline()) {
            (Some(mine), Some(theirs)) if theirs <= mine => None,
            (d, _) => d,
        };
        let native = !in_execution();
        if let Some(parent) = self.cancellable().filter(|p| p.inner.native != native) {
            mixed_modes(parent.inner.created, native);
        }
        let (tx, rx) = chan::chan_at::<()>(0, loc);
        let (id, serial) = match tx.model() {
            Some(model) => with_exec(|ex| (model.obj.id(ex), ex.serial)),
            None => (0, 0),
        };
        let ctx = Context {
            inner: Arc::new(Inner {
                parent: Some(self.clone()),
                done: Some(Done { _tx: tx, rx, id }),
                deadline: deadline.or(self.inner.deadline),
                value: None,
                state: StdMutex::new(State::default()),
                serial,
                native,
                created: loc,
            }),
        };
        // Join the cancellation tree, or start cancelled.
        let inherited = match self.cancellable() {
            Some(parent) => {
                let mut st = parent.inner.state.lock().expect("context state");
                if st.err.is_none() {
                    st.children.push(Arc::downgrade(&ctx.inner));
                }
                st.err
            }
            None => None,
        };
        if native {
            if let Some(err) = inherited {
                cancel_native(&ctx.inner, err);
            } else if let Some(deadline) = deadline {
                let weak = Arc::downgrade(&ctx.inner);
                let after = deadline.since_start().saturating_sub(time::now().since_start());
                let timer = timer::start(
                    after,
                    None,
                    Box::new(move || {
                        if let Some(inner) = weak.upgrade() {
                            cancel_native(&inner, ContextError::DeadlineExceeded);
                        }
                    }),
                );
                ctx.inner.state.lock().expect("context state").timer = Some(timer);
            }
        } else if let Some(err) = inherited {
            with_exec(|ex| {
                let me = ex.current;
                cancel_in(ex, &ctx.inner, err, Some(me), loc);
            });
        } else if let Some(deadline) = deadline {
            let weak = Arc::downgrade(&ctx.inner);
            with_exec(|ex| {
                let after = deadline.since_start().saturating_sub(ex.now);
                let call = Box::new(move |ex: &mut Execution| {
                    if let Some(inner) = weak.upgrade() {
                        cancel_in(ex, &inner, ContextError::DeadlineExceeded, None, loc);
                    }
                });
                let timer = ex.add_timer(after, None, TimerAction::Call(call));
                ctx.inner.state.lock().expect("context state").timer = Some(timer);
            });
        }
        let weak = Arc::downgrade(&ctx.inner);
        let cancel: CancelFunc = Arc::new(move || {
            if let Some(inner) = weak.upgrade() {
                cancel_from_task(&inner, loc);
            }
        });
        (ctx, cancel)
    }

    /// A child context carrying `value` under `key`.
    pub fn with_value<K, V>(&self, key: K, value: V) -> Context
    where
        K: PartialEq + Send + Sync + 'static,
        V: Clone + Send + Sync + 'static,
    {
        Context {
            inner: Arc::new(Inner {
                parent: Some(self.clone()),
                done: None,
                deadline: self.inner.deadline,
                value: Some((Box::new(key), Box::new(value))),
                state: StdMutex::new(State::default()),
                serial: self.inner.serial,
                native: self.inner.native,
                created: self.inner.created,
            }),
        }
    }

    /// The value stored under `key` here or in an ancestor, if its type is `V`.
    pub fn value<K, V>(&self, key: &K) -> Option<V>
    where
        K: PartialEq + 'static,
        V: Clone + 'static,
    {
        let mut ctx = self;
        loop {
            if let Some((k, v)) = &ctx.inner.value {
                if k.downcast_ref::<K>() == Some(key) {
                    return v.downcast_ref::<V>().cloned();
                }
            }
            ctx = ctx.inner.parent.as_ref()?;
        }
    }

    /// A channel closed when this context is done; never ready for
    /// `background()`.
    #[track_caller]
    pub fn done(&self) -> Receiver<()> {
        match self.cancellable() {
            Some(ctx) => ctx.inner.done.as_ref().expect("cancellable").rx.clone(),
            None => chan::never(),
        }
    }

    /// Why the context is done, or `None` while it is not (a scheduling
    /// point inside an exploration).
    #[track_caller]
    pub fn err(&self) -> Option<ContextError> {
        if in_execution() {
            announce(Op::Clock, panic::Location::caller());
        }
        let ctx = self.cancellable()?;
        if ctx.inner.native {
            native::check("context", ctx.inner.created);
        }
        let err = ctx.inner.state.lock().expect("context state").err;
        err
    }

    /// The deadline, if this context or an ancestor has one.
    pub fn deadline(&self) -> Option<Instant> {
        self.inner.deadline
    }
}

/// A task calls a cancel function: one scheduling point, then the context
/// and its descendants are cancelled, each close ordered after the call.
#[track_caller]
fn cancel_from_task(inner: &Arc<Inner>, loc: Location) {
    let Some(done) = &inner.done else { return };
    if inner.native {
        native::check("context", inner.created);
        cancel_native(inner, ContextError::Canceled);
        return;
    }
    let serial = with_exec(|ex| ex.serial);
    if serial != inner.serial {
        panic!("a CancelFunc from another execution was called: create contexts inside the test body");
    }
    announce(Op::Close(done.id), loc);
    with_exec(|ex| {
        let me = ex.current;
        cancel_in(ex, inner, ContextError::Canceled, Some(me), loc);
    });
}

/// Cancels `inner` and its descendants with `err` (keeping an earlier
/// error), closing their done channels.
fn cancel_in(ex: &mut Execution, inner: &Arc<Inner>, err: ContextError, by: Option<usize>, loc: Location) {
    let (children, timer) = {
        let mut st = inner.state.lock().expect("context state");
        if st.err.is_some() {
            return;
        }
        st.err = Some(err);
        (std::mem::take(&mut st.children), st.timer.take())
    };
    if let Some(timer) = timer {
        ex.cancel_timer(timer);
    }
    if let Some(done) = &inner.done {
        ex.close_chan_in(done.id, by, loc);
    }
    for child in children.iter().filter_map(Weak::upgrade) {
        cancel_in(ex, &child, err, by, loc);
    }
}

/// Cancels native context `inner` and its descendants with `err` (keeping
/// an earlier error), closing their done channels.
fn cancel_native(inner: &Arc<Inner>, err: ContextError) {
    let (children, timer) = {
        let mut st = inner.state.lock().expect("context state");
        if st.err.is_some() {
            return;
        }
        st.err = Some(err);
        (std::mem::take(&mut st.children), st.timer.take())
    };
    if let Some(timer) = timer {
        timer::stop(timer);
    }
    if let Some(done) = &inner.done {
        // Closed once: only here, the first time an error is set.
        done._tx.close();
    }
    for child in children.iter().filter_map(Weak::upgrade) {
        cancel_native(&child, err);
    }
}

/// A child of a context of the other mode.
#[cold]
#[track_caller]
fn mixed_modes(parent: Location, child_native: bool) -> ! {
    let (parent_mode, here) = if child_native {
        ("inside an exploration", "outside it")
    } else {
        ("outside any exploration", "inside one")
    };
    panic!(
        "goweave: a child of the context made at {parent}, {parent_mode}, was made {here}: a context and its \
         children share one mode; make the parent where the child is made"
    )
}
