//! Go's `golang.org/x/sync/errgroup`: a group of tasks working on parts of
//! one job, whose [`wait`](Group::wait) returns the first error.
//!
//! Built only on goweave's own primitives (a [`WaitGroup`], a
//! [`Mutex`], a buffered channel as the limit's token bucket, a
//! [`Shared`] for the limit and a [`Context`]), so every step of the group
//! is a scheduling point that goweave explores and checks for races,
//! deadlocks and leaks.
//!
//! ```
//! use goweave::errgroup::Group;
//! goweave::check(|| {
//!     let g = Group::<String>::new();
//!     for i in 0..3 {
//!         g.go(move || if i == 1 { Err(format!("part {i} failed")) } else { Ok(()) });
//!     }
//!     assert_eq!(g.wait(), Err("part 1 failed".to_string()));
//! });
//! ```

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use crate::chan::{chan, Receiver, Sender};
use crate::context::{CancelCauseFunc, Cause, Context};
use crate::sync::{Mutex, WaitGroup};
use crate::Shared;

/// A group of tasks, like Go's `errgroup.Group`: [`go`](Group::go) starts
/// a task returning `Result<(), E>`, [`wait`](Group::wait) waits for all of
/// them and returns the first error (in completion order). Every `wait`
/// returns that error, as in Go, so it is a clone: `wait` needs
/// `E: Clone` (put an error type that is not `Clone` in an `Arc`).
///
/// Cheap to clone: clones are handles to the same group, so tasks can start
/// more tasks in it. Like every goweave object it must be created inside
/// the test body.
///
/// ```
/// use std::sync::Arc;
/// use goweave::errgroup::Group;
/// use goweave::sync::atomic::{AtomicUsize, Ordering};
/// goweave::check(|| {
///     let g = Group::<&'static str>::new();
///     let sum = Arc::new(AtomicUsize::new(0));
///     for i in 1..=3 {
///         let sum = sum.clone();
///         g.go(move || {
///             sum.fetch_add(i, Ordering::SeqCst);
///             Ok(())
///         });
///     }
///     assert_eq!(g.wait(), Ok(()));
///     assert_eq!(sum.load(Ordering::SeqCst), 6);
/// });
/// ```
pub struct Group<E> {
    inner: Arc<Inner<E>>,
}

/// The limit's token bucket: `go` sends a token, a finished task takes one.
struct Limit {
    tx: Sender<()>,
    rx: Receiver<()>,
}

impl Clone for Limit {
    fn clone(&self) -> Self {
        Limit { tx: self.tx.clone(), rx: self.rx.clone() }
    }
}

/// The first error, kept once set (Go's `errOnce` and `err`): later errors
/// are dropped, and every `wait` returns it.
struct ErrSlot<E> {
    err: Option<E>,
}

struct Inner<E> {
    cancel: Option<CancelCauseFunc>,
    wg: WaitGroup,
    /// A plain variable, as in Go: `set_limit` concurrent with `go` is a
    /// data race and is reported as one.
    sem: Shared<Option<Limit>>,
    err: Mutex<ErrSlot<E>>,
}

impl<E> Clone for Group<E> {
    fn clone(&self) -> Self {
        Group { inner: self.inner.clone() }
    }
}

impl<E> fmt::Debug for Group<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Group")
            .field("wait_group", &self.inner.wg)
            .field("with_context", &self.inner.cancel.is_some())
            .finish_non_exhaustive()
    }
}

impl<E: Send + 'static> Default for Group<E> {
    #[track_caller]
    fn default() -> Self {
        Group::new()
    }
}

impl<E: Send + 'static> Group<E> {
    /// An empty group without a context and without a limit.
    ///
    /// ```
    /// use std::sync::Arc;
    /// goweave::check(|| {
    ///     let g = goweave::errgroup::Group::<Arc<std::io::Error>>::new();
    ///     assert!(g.wait().is_ok());
    /// });
    /// ```
    #[track_caller]
    pub fn new() -> Group<E> {
        Group::build(None)
    }

    #[track_caller]
    fn build(cancel: Option<CancelCauseFunc>) -> Group<E> {
        Group {
            inner: Arc::new(Inner {
                cancel,
                wg: WaitGroup::new(),
                sem: Shared::new(None),
                err: Mutex::new(ErrSlot { err: None }),
            }),
        }
    }

    /// A group and a context derived from `ctx`, like Go's
    /// `errgroup.WithContext`: the context is cancelled when the first task
    /// returns an error, or when [`wait`](Group::wait) returns, whichever
    /// comes first.
    ///
    /// As in Go, the first error is the context's
    /// [`cause`](Context::cause): the error itself when `E` is
    /// [`context::Cause`](crate::context::Cause) (Go's `error`), otherwise a
    /// [`TaskError`] carrying a `&str` or `String` error's text, or naming
    /// the error's type. `wait` cancels it with no cause
    /// ([`ContextError::Canceled`](crate::context::ContextError)).
    ///
    /// ```
    /// use goweave::context::{Context, ContextError};
    /// use goweave::errgroup::Group;
    /// goweave::check(|| {
    ///     let (g, ctx) = Group::<&'static str>::with_context(&Context::background());
    ///     g.go(|| Err("boom"));
    ///     let c = ctx.clone();
    ///     g.go(move || {
    ///         // Ends only because the failure cancels the context.
    ///         c.done().recv();
    ///         Ok(())
    ///     });
    ///     assert_eq!(g.wait(), Err("boom"));
    ///     assert_eq!(ctx.err(), Some(ContextError::Canceled));
    /// });
    /// ```
    #[track_caller]
    pub fn with_context(ctx: &Context) -> (Group<E>, Context) {
        let (ctx, cancel) = ctx.with_cancel_cause();
        (Group::build(Some(cancel)), ctx)
    }

    /// Limits the group to `n` active tasks, like Go's `SetLimit`: while
    /// `n` are active, [`go`](Group::go) blocks until one finishes and
    /// [`try_go`](Group::try_go) fails. A negative `n` removes the limit;
    /// `0` makes every later `go` block forever, as in Go.
    ///
    /// Panics "errgroup: modify limit while N goroutines in the group are
    /// still active" if tasks started under a limit are still active. Like
    /// Go, the limit is a plain variable: calling `set_limit` concurrently
    /// with `go` is a data race, and goweave reports it as one.
    ///
    /// ```
    /// use goweave::errgroup::Group;
    /// goweave::check(|| {
    ///     let g = Group::<()>::new();
    ///     g.set_limit(1);
    ///     let (tx, rx) = goweave::chan::<()>(0);
    ///     g.go(move || {
    ///         rx.recv();
    ///         Ok(())
    ///     });
    ///     assert!(!g.try_go(|| Ok(())), "the one slot is taken");
    ///     tx.send(());
    ///     assert_eq!(g.wait(), Ok(()));
    ///     assert!(g.try_go(|| Ok(())));
    ///     assert_eq!(g.wait(), Ok(()));
    /// });
    /// ```
    #[track_caller]
    pub fn set_limit(&self, n: isize) {
        if n < 0 {
            self.inner.sem.set(None);
            return;
        }
        if let Some(old) = self.limit() {
            let active = old.tx.len();
            if active != 0 {
                panic!("errgroup: modify limit while {active} goroutines in the group are still active");
            }
        }
        let (tx, rx) = chan::<()>(n as usize);
        self.inner.sem.set(Some(Limit { tx, rx }));
    }

    /// Starts `f` in a new task, like Go's `Group.Go`. Under a limit, first
    /// blocks until fewer than the limit are active. The first `Err` a task
    /// returns is kept for [`wait`](Group::wait) (and cancels the context
    /// of [`with_context`](Group::with_context)); later ones are dropped.
    ///
    /// ```
    /// goweave::check(|| {
    ///     let g = goweave::errgroup::Group::new();
    ///     g.go(|| Err(7));
    ///     g.go(|| Ok(()));
    ///     assert_eq!(g.wait(), Err(7));
    /// });
    /// ```
    #[track_caller]
    pub fn go<F>(&self, f: F)
    where
        F: FnOnce() -> Result<(), E> + Send + 'static,
    {
        let sem = self.limit();
        if let Some(limit) = &sem {
            limit.tx.send(());
        }
        self.spawn(sem, f);
    }

    /// Starts `f` in a new task only if the limit allows it now, like Go's
    /// `Group.TryGo`; false (and `f` is dropped) otherwise. Without a limit
    /// it always starts the task.
    ///
    /// ```
    /// goweave::check(|| {
    ///     let g = goweave::errgroup::Group::<()>::new();
    ///     g.set_limit(0);
    ///     assert!(!g.try_go(|| Ok(())));
    ///     g.set_limit(-1);
    ///     assert!(g.try_go(|| Ok(())));
    ///     assert_eq!(g.wait(), Ok(()));
    /// });
    /// ```
    #[track_caller]
    pub fn try_go<F>(&self, f: F) -> bool
    where
        F: FnOnce() -> Result<(), E> + Send + 'static,
    {
        let sem = self.limit();
        if let Some(limit) = &sem {
            if limit.tx.try_send(()).is_err() {
                return false;
            }
        }
        self.spawn(sem, f);
        true
    }

    /// The current limit (one read of the shared variable).
    #[track_caller]
    fn limit(&self) -> Option<Limit> {
        self.inner.sem.with(|sem| sem.clone())
    }

    /// `wg.Add(1)` and the task; `sem` is the limit its token was taken from.
    #[track_caller]
    fn spawn<F>(&self, sem: Option<Limit>, f: F)
    where
        F: FnOnce() -> Result<(), E> + Send + 'static,
    {
        self.inner.wg.add(1);
        let inner = self.inner.clone();
        crate::task::go(move || {
            if let Err(e) = f() {
                inner.record(e);
            }
            // Go's `defer g.done()`. A task that panics is a goweave
            // failure of its own (Go's program would crash), so there is no
            // unwinding path to cover.
            if let Some(limit) = sem {
                limit.rx.recv();
            }
            inner.wg.done();
        });
    }
}

impl<E: Clone + Send + 'static> Group<E> {
    /// Waits until every task started so far has returned, then cancels the
    /// context of [`with_context`](Group::with_context) and returns the
    /// first error, like Go's `Group.Wait`.
    ///
    /// Every `wait` (on this group or a clone) returns the first error, as
    /// Go's does: it is kept, and errors after it are never kept.
    ///
    /// ```
    /// goweave::check(|| {
    ///     let g = goweave::errgroup::Group::new();
    ///     g.go(|| Err("first"));
    ///     assert_eq!(g.wait(), Err("first"));
    ///     g.go(|| Err("second"));
    ///     assert_eq!(g.wait(), Err("first"));
    /// });
    /// ```
    #[track_caller]
    pub fn wait(&self) -> Result<(), E> {
        self.inner.wg.wait();
        if let Some(cancel) = &self.inner.cancel {
            cancel(None);
        }
        let err = self.inner.err.lock().err.clone();
        match err {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl<E: 'static> Inner<E> {
    /// Keeps `e` if it is the first error, and cancels the context with it
    /// as the cause.
    fn record(&self, e: E) {
        let mut slot = self.err.lock();
        if slot.err.is_some() {
            return;
        }
        if let Some(cancel) = &self.cancel {
            cancel(Some(cause_of(&e)));
        }
        slot.err = Some(e);
    }
}

/// The cause a group's context is cancelled with when a task returns `e`.
fn cause_of<E: 'static>(e: &E) -> Cause {
    let any: &dyn Any = e;
    if let Some(cause) = any.downcast_ref::<Cause>() {
        return cause.clone();
    }
    let text = match (any.downcast_ref::<&'static str>(), any.downcast_ref::<String>()) {
        (Some(s), _) => s.to_string(),
        (_, Some(s)) => s.clone(),
        _ => format!("errgroup: a task returned an error of type {}", std::any::type_name::<E>()),
    };
    Arc::new(TaskError(text))
}

/// The cause of a [`with_context`](Group::with_context) group's context
/// when its first error is not a [`Cause`]: the text of a `&str` or
/// `String` error, or a sentence naming the error's type.
///
/// ```
/// use goweave::context::Context;
/// use goweave::errgroup::{Group, TaskError};
/// goweave::check(|| {
///     let (g, ctx) = Group::<&'static str>::with_context(&Context::background());
///     g.go(|| Err("disk full"));
///     assert_eq!(g.wait(), Err("disk full"));
///     let cause = ctx.cause().expect("the context is done");
///     assert_eq!(cause.downcast_ref::<TaskError>().map(ToString::to_string).as_deref(), Some("disk full"));
/// });
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskError(String);

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TaskError {}
