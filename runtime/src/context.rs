//! Go's `context`: cancellation trees, deadlines on the virtual clock,
//! request-scoped values, causes, and functions run when a context is done.
//!
//! A cancellable context owns an unbuffered channel that is closed when it
//! is cancelled; `done()` hands out receivers of it, so a `select!` arm on
//! `ctx.done()` is explored like any channel. Cancelling closes the done
//! channels of the context and of all its descendants in one operation,
//! which happens before any of them is observed closed. A deadline is a
//! timer on the virtual clock: it may fire at any step, so both "work
//! finished first" and "deadline first" are explored. A deadline that is
//! not in the future cancels the context as it is made, as Go's
//! `WithDeadline` does.
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
//!
//! # Causes
//!
//! Go's `context.Cause` is [`Context::cause`], and a cause is a [`Cause`]:
//! an `Arc<dyn Error + Send + Sync>`, so any error type can be one, it is
//! cheap to hand to every descendant and every caller of `cause()`, and a
//! test recognizes it with `downcast_ref` (or `Arc::ptr_eq`). A context
//! cancelled without a cause has its [`ContextError`] as its cause, as in
//! Go.
//!
//! # Why `Context` is a type, not a trait
//!
//! Go's `context.Context` is an interface that user types may implement.
//! goweave has no such trait, by decision. Every function taking a context
//! would take `&dyn Trait` or be generic over it, for the rare user type;
//! and a context of a foreign type can only be followed by a task watching
//! its `done()` channel (Go starts a goroutine per such child), which would
//! add a task and its steps to every execution that uses one, and report it
//! as leaked when nobody cancels. A user type that needs to be a context
//! holds a [`Context`] and hands it out; request-scoped data goes in
//! [`Context::with_value`].

use std::any::Any;
use std::error::Error;
use std::fmt;
use std::panic;
use std::sync::{Arc, Mutex as StdMutex, Weak};
use std::time::Duration;

use crate::chan::{self, Receiver, Sender};
use crate::native::{self, timer};
use crate::rt::{self, announce, in_execution, with_exec, Execution, Location, Op, TimerAction};
use crate::time::{self, Instant};

mod after_func;
mod cancel;

pub use after_func::after_func;
use after_func::AfterFunc;
use cancel::{cancel_from_task, cancel_in, cancel_native, remove_from_parent};

/// Why a context is done, like Go's `context.Canceled` and
/// `context.DeadlineExceeded`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ContextError {
    /// Its cancel function was called (or its parent's).
    Canceled,
    /// Its deadline passed (or its parent's).
    DeadlineExceeded,
}

impl ContextError {
    /// Whether the error is a timeout, like Go's `Timeout()` method of
    /// `DeadlineExceeded` (`net.Error`'s convention): true for
    /// `DeadlineExceeded`, false for `Canceled`.
    ///
    /// ```
    /// use goweave::context::ContextError;
    /// assert!(ContextError::DeadlineExceeded.is_timeout());
    /// assert!(!ContextError::Canceled.is_timeout());
    /// ```
    pub fn is_timeout(self) -> bool {
        self == ContextError::DeadlineExceeded
    }
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

/// Why a context was cancelled, as Go's `context.Cause` returns it: any
/// error, shared (see [Causes](self#causes)).
pub type Cause = Arc<dyn Error + Send + Sync + 'static>;

/// Cancels a context and its descendants; calling it again does nothing.
/// Dropping it does not cancel.
pub type CancelFunc = Arc<dyn Fn() + Send + Sync>;

/// Cancels a context and its descendants with a cause, like Go's
/// `CancelCauseFunc`: `None` is Go's `nil` (the cause is then
/// [`ContextError::Canceled`]). Only the first call has an effect.
pub type CancelCauseFunc = Arc<dyn Fn(Option<Cause>) + Send + Sync>;

/// Stops the association of a context with a function, as returned by
/// [`after_func`]: true if that kept the function from being started.
pub type StopFunc = Arc<dyn Fn() -> bool + Send + Sync>;

/// What a cancellable context knows of itself, under its lock.
#[derive(Default)]
struct State {
    /// Why it is done, once it is.
    err: Option<ContextError>,
    /// Its cause, set with `err`.
    cause: Option<Cause>,
    /// Its cancellable descendants and the functions of `after_func`, to
    /// cancel and start with it, in the order they came.
    children: Vec<Child>,
    /// Its deadline's timer: the execution's or the timer thread's, as the
    /// context's mode says.
    timer: Option<u64>,
}

/// What a cancellation reaches besides the context itself.
enum Child {
    /// A cancellable descendant.
    Context(Weak<Inner>),
    /// A function of [`after_func`].
    Func(Arc<AfterFunc>),
}

struct Done {
    /// Held so the channel has a live sender: it is closed by cancel, never
    /// sent on, and a task waiting on it can still be unblocked.
    _tx: Sender<()>,
    rx: Receiver<()>,
    /// The channel's id in the execution (model contexts).
    id: usize,
}

/// What kind of context it is, for its name (Go's `String()`).
enum Kind {
    Background,
    Todo,
    /// `with_cancel`, or a deadline later than its parent's.
    Cancel,
    /// A deadline of its own.
    Deadline(Instant),
    /// A value under a key, each with how to show it.
    Value {
        key: Box<dyn Any + Send + Sync>,
        val: Box<dyn Any + Send + Sync>,
        show: [Show; 2],
    },
    WithoutCancel,
}

/// Writes a key or a value as Go's `stringify` does: a string as itself,
/// `None` (Go's `nil`) as `<nil>`, anything else by its type's name.
type Show = fn(&(dyn Any + Send + Sync), &mut fmt::Formatter<'_>) -> fmt::Result;

fn show<T: 'static>(v: &(dyn Any + Send + Sync), f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let text = if let Some(s) = v.downcast_ref::<&str>() {
        Some(*s)
    } else if let Some(s) = v.downcast_ref::<String>() {
        Some(s.as_str())
    } else if let Some(s) = v.downcast_ref::<Option<&str>>() {
        Some(s.unwrap_or("<nil>"))
    } else {
        v.downcast_ref::<Option<String>>().map(|s| s.as_deref().unwrap_or("<nil>"))
    };
    f.write_str(text.unwrap_or(std::any::type_name::<T>()))
}

struct Inner {
    parent: Option<Context>,
    kind: Kind,
    /// Present on cancellable contexts; the others use their parent's.
    done: Option<Done>,
    deadline: Option<Instant>,
    state: StdMutex<State>,
    serial: u64,
    /// Made outside an exploration.
    native: bool,
    /// Where it was made.
    created: Location,
}

/// A context, like Go's `context.Context`. Cheap to clone: clones are the
/// same context.
///
/// Its `Display` is Go's `String()`: the chain from the root, such as
/// `context.Background.WithValue(user, ann).WithCancel` or
/// `context.TODO.WithDeadline(t+1s [1s])` (the deadline, then the time
/// left). A key or value shows as itself if it is a string (`None` of an
/// `Option<&str>` or `Option<String>` as Go's `<nil>`) and by its type's
/// name otherwise, as Go shows what is not a `Stringer`.
///
/// ```
/// use goweave::context::{self, Context};
/// goweave::check(|| {
///     let (ctx, _cancel) = Context::background().with_value("user", "ann").with_cancel();
///     assert_eq!(ctx.to_string(), "context.Background.WithValue(user, ann).WithCancel");
///     assert_eq!(context::todo().without_cancel().to_string(), "context.TODO.WithoutCancel");
/// });
/// ```
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

impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(parent) = &self.inner.parent {
            write!(f, "{parent}")?;
        }
        match &self.inner.kind {
            Kind::Background => f.write_str("context.Background"),
            Kind::Todo => f.write_str("context.TODO"),
            Kind::Cancel => f.write_str(".WithCancel"),
            Kind::WithoutCancel => f.write_str(".WithoutCancel"),
            Kind::Value { key, val, show } => {
                f.write_str(".WithValue(")?;
                show[0](&**key, f)?;
                f.write_str(", ")?;
                show[1](&**val, f)?;
                f.write_str(")")
            }
            Kind::Deadline(deadline) => match self.now() {
                Some(now) if now <= deadline.since_start() => {
                    write!(f, ".WithDeadline({deadline} [{:?}])", deadline.since_start() - now)
                }
                Some(now) => write!(f, ".WithDeadline({deadline} [-{:?}])", now - deadline.since_start()),
                // Its clock is not this thread's.
                None => write!(f, ".WithDeadline({deadline})"),
            },
        }
    }
}

/// The root context, like Go's `context.Background()`: never cancelled, no
/// deadline, no values. The same as [`Context::background`].
#[track_caller]
pub fn background() -> Context {
    Context::root(Kind::Background)
}

/// A root context for code that does not yet know which context to use,
/// like Go's `context.TODO()`: the same as [`background`] but for its name
/// (`context.TODO`).
///
/// ```
/// goweave::check(|| {
///     let ctx = goweave::context::todo();
///     assert_eq!(ctx.err(), None);
///     assert_eq!(ctx.to_string(), "context.TODO");
/// });
/// ```
#[track_caller]
pub fn todo() -> Context {
    Context::root(Kind::Todo)
}

impl Context {
    /// The root context: never cancelled, no deadline, no values. Its
    /// `done()` is never ready, like Go's nil Done channel.
    #[track_caller]
    pub fn background() -> Context {
        Context::root(Kind::Background)
    }

    /// [`todo()`], as an associated function like [`Context::background`].
    #[track_caller]
    pub fn todo() -> Context {
        Context::root(Kind::Todo)
    }

    #[track_caller]
    fn root(kind: Kind) -> Context {
        let serial = rt::try_with_exec(|ex| ex.serial).unwrap_or(0);
        Context {
            inner: Arc::new(Inner {
                parent: None,
                kind,
                done: None,
                deadline: None,
                state: StdMutex::new(State::default()),
                serial,
                native: !in_execution(),
                created: panic::Location::caller(),
            }),
        }
    }

    /// The nearest cancellable context at or above this one, up to a
    /// `without_cancel`.
    fn cancellable(&self) -> Option<&Context> {
        let mut ctx = self;
        loop {
            if ctx.inner.done.is_some() {
                return Some(ctx);
            }
            if matches!(ctx.inner.kind, Kind::WithoutCancel) {
                return None;
            }
            ctx = ctx.inner.parent.as_ref()?;
        }
    }

    /// The time on this context's clock, without a scheduling point; `None`
    /// where that clock cannot be read.
    fn now(&self) -> Option<Duration> {
        if self.inner.native {
            return (!in_execution()).then(|| time::now().since_start());
        }
        rt::try_with_exec(|ex| (ex.serial == self.inner.serial).then_some(ex.now)).flatten()
    }

    /// A child context with its own cancel function.
    #[track_caller]
    pub fn with_cancel(&self) -> (Context, CancelFunc) {
        let loc = panic::Location::caller();
        let ctx = self.child(None, loc);
        (ctx.clone(), cancel_func(&ctx, loc))
    }

    /// A child context whose cancel function takes the cause, like Go's
    /// `WithCancelCause`; [`cause`](Context::cause) returns it.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use goweave::context::{Context, ContextError};
    /// #[derive(Debug)]
    /// struct Shutdown;
    /// impl std::fmt::Display for Shutdown {
    ///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    ///         f.write_str("shutting down")
    ///     }
    /// }
    /// impl std::error::Error for Shutdown {}
    /// goweave::check(|| {
    ///     let (ctx, cancel) = Context::background().with_cancel_cause();
    ///     let (child, _c) = ctx.with_cancel();
    ///     cancel(Some(Arc::new(Shutdown)));
    ///     assert_eq!(child.err(), Some(ContextError::Canceled));
    ///     assert!(child.cause().unwrap().downcast_ref::<Shutdown>().is_some());
    /// });
    /// ```
    #[track_caller]
    pub fn with_cancel_cause(&self) -> (Context, CancelCauseFunc) {
        let loc = panic::Location::caller();
        let ctx = self.child(None, loc);
        let weak = Arc::downgrade(&ctx.inner);
        let cancel: CancelCauseFunc = Arc::new(move |cause| {
            if let Some(inner) = weak.upgrade() {
                cancel_from_task(&inner, cause, loc);
            }
        });
        (ctx, cancel)
    }

    /// A child context cancelled `d` from now (of virtual time inside an
    /// exploration; a scheduling point there, as it reads the clock). A
    /// zero `d` makes it done at once, with `DeadlineExceeded`.
    #[track_caller]
    pub fn with_timeout(&self, d: Duration) -> (Context, CancelFunc) {
        let loc = panic::Location::caller();
        let ctx = self.child(Some((time::now() + d, None)), loc);
        (ctx.clone(), cancel_func(&ctx, loc))
    }

    /// [`with_timeout`](Context::with_timeout) whose deadline, when it
    /// passes, cancels with `cause`, like Go's `WithTimeoutCause`; the
    /// returned function cancels without one.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use goweave::context::{Context, ContextError};
    /// goweave::check(|| {
    ///     let slow = Arc::new(std::io::Error::other("backend too slow"));
    ///     let (ctx, _cancel) = Context::background().with_timeout_cause(Duration::from_secs(1), slow.clone());
    ///     ctx.done().recv();
    ///     assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded));
    ///     assert_eq!(ctx.cause().unwrap().to_string(), "backend too slow");
    /// });
    /// ```
    #[track_caller]
    pub fn with_timeout_cause(&self, d: Duration, cause: Cause) -> (Context, CancelFunc) {
        let loc = panic::Location::caller();
        let ctx = self.child(Some((time::now() + d, Some(cause))), loc);
        (ctx.clone(), cancel_func(&ctx, loc))
    }

    /// A child context cancelled when the clock (virtual inside an
    /// exploration) reaches `deadline`: done at once, with
    /// `DeadlineExceeded`, if it already has. A parent's earlier deadline
    /// bounds it instead (it is then a plain `with_cancel` child, as in Go).
    #[track_caller]
    pub fn with_deadline(&self, deadline: Instant) -> (Context, CancelFunc) {
        let loc = panic::Location::caller();
        let ctx = self.child(Some((deadline, None)), loc);
        (ctx.clone(), cancel_func(&ctx, loc))
    }

    /// [`with_deadline`](Context::with_deadline) whose deadline cancels
    /// with `cause`, like Go's `WithDeadlineCause`.
    #[track_caller]
    pub fn with_deadline_cause(&self, deadline: Instant, cause: Cause) -> (Context, CancelFunc) {
        let loc = panic::Location::caller();
        let ctx = self.child(Some((deadline, Some(cause))), loc);
        (ctx.clone(), cancel_func(&ctx, loc))
    }

    /// A child that keeps this context's values but is never cancelled and
    /// has no deadline, like Go's `WithoutCancel`: its `done()` is never
    /// ready, and its `err()` and `cause()` are `None`.
    ///
    /// ```
    /// goweave::check(|| {
    ///     let (ctx, cancel) = goweave::context::background().with_value("id", 7u32).with_cancel();
    ///     let detached = ctx.without_cancel();
    ///     cancel();
    ///     assert_eq!(detached.err(), None);
    ///     assert_eq!(detached.value::<&str, u32>(&"id"), Some(7));
    /// });
    /// ```
    pub fn without_cancel(&self) -> Context {
        self.derived(Kind::WithoutCancel, None)
    }

    /// A child that is not cancellable of its own.
    fn derived(&self, kind: Kind, deadline: Option<Instant>) -> Context {
        Context {
            inner: Arc::new(Inner {
                parent: Some(self.clone()),
                kind,
                done: None,
                deadline,
                state: StdMutex::new(State::default()),
                serial: self.inner.serial,
                native: self.inner.native,
                created: self.inner.created,
            }),
        }
    }

    /// A cancellable child, with a deadline and its cause if given.
    #[track_caller]
    fn child(&self, deadline: Option<(Instant, Option<Cause>)>, loc: Location) -> Context {
        // A parent's earlier deadline already bounds the child.
        let deadline = deadline.filter(|(mine, _)| self.deadline().is_none_or(|theirs| *mine <= theirs));
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
                kind: deadline.as_ref().map_or(Kind::Cancel, |(d, _)| Kind::Deadline(*d)),
                done: Some(Done { _tx: tx, rx, id }),
                deadline: deadline.as_ref().map(|(d, _)| *d).or(self.inner.deadline),
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
                    st.children.push(Child::Context(Arc::downgrade(&ctx.inner)));
                }
                st.err.map(|err| (err, st.cause.clone()))
            }
            None => None,
        };
        let inner = &ctx.inner;
        let exceeded = ContextError::DeadlineExceeded;
        if native {
            if let Some((err, cause)) = inherited {
                cancel_native(inner, err, cause);
            } else if let Some((deadline, cause)) = deadline {
                let now = time::now();
                if deadline <= now {
                    cancel_native(inner, exceeded, cause);
                } else {
                    let weak = Arc::downgrade(inner);
                    let fire = Box::new(move || {
                        if let Some(inner) = weak.upgrade() {
                            cancel_native(&inner, exceeded, cause.clone());
                            remove_from_parent(&inner);
                        }
                    });
                    let timer = timer::start(deadline - now, None, fire);
                    inner.state.lock().expect("context state").timer = Some(timer);
                }
            }
            return ctx;
        }
        with_exec(|ex| {
            let me = ex.current;
            if let Some((err, cause)) = inherited {
                cancel_in(ex, inner, err, cause, Some(me), loc);
            } else if let Some((deadline, cause)) = deadline {
                match deadline.since_start().checked_sub(ex.now).filter(|d| !d.is_zero()) {
                    // Passed already: done as part of this step.
                    None => cancel_in(ex, inner, exceeded, cause, Some(me), loc),
                    Some(after) => {
                        let weak = Arc::downgrade(inner);
                        let call = Box::new(move |ex: &mut Execution| {
                            if let Some(inner) = weak.upgrade() {
                                cancel_in(ex, &inner, exceeded, cause.clone(), None, loc);
                                remove_from_parent(&inner);
                            }
                        });
                        let timer = ex.add_timer(after, None, TimerAction::Call(call));
                        inner.state.lock().expect("context state").timer = Some(timer);
                    }
                }
            }
        });
        ctx
    }

    /// A child context carrying `value` under `key`.
    pub fn with_value<K, V>(&self, key: K, value: V) -> Context
    where
        K: PartialEq + Send + Sync + 'static,
        V: Clone + Send + Sync + 'static,
    {
        let kind = Kind::Value { key: Box::new(key), val: Box::new(value), show: [show::<K>, show::<V>] };
        self.derived(kind, self.inner.deadline)
    }

    /// The value stored under `key` here or in an ancestor, if its type is `V`.
    pub fn value<K, V>(&self, key: &K) -> Option<V>
    where
        K: PartialEq + 'static,
        V: Clone + 'static,
    {
        let mut ctx = self;
        loop {
            if let Kind::Value { key: k, val, .. } = &ctx.inner.kind {
                if k.downcast_ref::<K>() == Some(key) {
                    return val.downcast_ref::<V>().cloned();
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
        self.state(panic::Location::caller(), |st| st.err)
    }

    /// Why the context was cancelled, like Go's `context.Cause(ctx)`: the
    /// cause given to its cancel function or deadline (or an ancestor's),
    /// else its [`err`](Context::err) as a [`Cause`]; `None` while it is
    /// not done (a scheduling point inside an exploration).
    ///
    /// ```
    /// use goweave::context::{Context, ContextError};
    /// goweave::check(|| {
    ///     let (ctx, cancel) = Context::background().with_cancel();
    ///     assert!(ctx.cause().is_none());
    ///     cancel();
    ///     let cause = ctx.cause().unwrap();
    ///     assert_eq!(cause.downcast_ref::<ContextError>(), Some(&ContextError::Canceled));
    /// });
    /// ```
    #[track_caller]
    pub fn cause(&self) -> Option<Cause> {
        self.state(panic::Location::caller(), |st| st.cause.clone())
    }

    /// Reads the nearest cancellable context's state, a scheduling point
    /// inside an exploration.
    fn state<R>(&self, loc: Location, read: impl FnOnce(&State) -> Option<R>) -> Option<R> {
        let ctx = self.cancellable();
        if in_execution() {
            // Ordered with what cancels that context (see the footprint).
            match ctx.filter(|c| !c.inner.native).and_then(|c| c.inner.done.as_ref()) {
                Some(done) => announce(Op::CtxRead(done.id), loc),
                None => announce(Op::Clock, loc),
            };
        }
        let ctx = ctx?;
        if ctx.inner.native {
            native::check("context", ctx.inner.created);
        }
        let st = ctx.inner.state.lock().expect("context state");
        read(&st)
    }

    /// The deadline, if this context or an ancestor has one.
    pub fn deadline(&self) -> Option<Instant> {
        self.inner.deadline
    }
}

/// The cancel function of `ctx`, called at `loc`'s operation.
fn cancel_func(ctx: &Context, loc: Location) -> CancelFunc {
    let weak = Arc::downgrade(&ctx.inner);
    Arc::new(move || {
        if let Some(inner) = weak.upgrade() {
            cancel_from_task(&inner, None, loc);
        }
    })
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
