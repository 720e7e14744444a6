//! Go's `golang.org/x/sync/semaphore`: a weighted semaphore whose waiters
//! are served in FIFO order.
//!
//! It follows x/sync's code step for step, on goweave's primitives: a
//! [`Mutex`] around the count and the queue, and per waiter an unbuffered
//! `ready` channel that is closed when the waiter is granted its weight and
//! that the waiter `select!`s on against its context's `done()` channel.
//! Every step is a scheduling point explored by goweave, so a waiter can be
//! granted concurrently with its context being cancelled, and both orders
//! are checked.
//!
//! ```
//! use std::sync::Arc;
//! use goweave::context::Context;
//! use goweave::semaphore::Weighted;
//! use goweave::sync::atomic::{AtomicI64, Ordering};
//! goweave::check(|| {
//!     let sem = Weighted::new(2);
//!     let held = Arc::new(AtomicI64::new(0));
//!     let workers: Vec<_> = (0..3)
//!         .map(|_| {
//!             let (sem, held) = (sem.clone(), held.clone());
//!             goweave::go(move || {
//!                 sem.acquire(&Context::background(), 1).unwrap();
//!                 assert!(held.fetch_add(1, Ordering::SeqCst) < 2, "at most 2 at once");
//!                 held.fetch_sub(1, Ordering::SeqCst);
//!                 sem.release(1);
//!             })
//!         })
//!         .collect();
//!     for w in workers {
//!         w.join().unwrap();
//!     }
//! });
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

use crate::chan::{chan, Sender};
use crate::context::{Context, ContextError};
use crate::sync::{Mutex, MutexGuard};

/// A weighted semaphore, like Go's `semaphore.Weighted`: callers acquire
/// and release weights; at most `size` is held at once, and waiters are
/// served first come, first served (a large request at the head of the
/// queue holds back later small ones, so it cannot starve).
///
/// Cheap to clone: clones are handles to the same semaphore. Like every
/// goweave object it must be created inside the test body.
///
/// ```
/// use goweave::context::Context;
/// goweave::check(|| {
///     let sem = goweave::semaphore::Weighted::new(3);
///     sem.acquire(&Context::background(), 2).unwrap();
///     assert!(sem.try_acquire(1));
///     assert!(!sem.try_acquire(1), "all 3 are held");
///     sem.release(3);
/// });
/// ```
#[derive(Clone)]
pub struct Weighted {
    inner: Arc<Inner>,
}

struct Inner {
    size: i64,
    state: Mutex<State>,
}

struct State {
    cur: i64,
    waiters: VecDeque<Waiter>,
    /// Identifies waiters, as Go's list elements do.
    next_id: u64,
}

struct Waiter {
    id: u64,
    n: i64,
    /// Closed when the semaphore is acquired for this waiter.
    ready: Sender<()>,
}

impl fmt::Debug for Weighted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Weighted").field("size", &self.inner.size).finish_non_exhaustive()
    }
}

/// Why `ctx` is done: it is, since its `done()` channel was closed.
#[track_caller]
fn cause(ctx: &Context) -> ContextError {
    ctx.err().expect("a context whose done channel is closed has an error")
}

impl Weighted {
    /// A semaphore with combined weight `n` for concurrent access, like
    /// Go's `semaphore.NewWeighted`.
    ///
    /// ```
    /// goweave::check(|| {
    ///     let sem = goweave::semaphore::Weighted::new(1);
    ///     assert!(sem.try_acquire(1));
    ///     sem.release(1);
    /// });
    /// ```
    #[track_caller]
    pub fn new(n: i64) -> Weighted {
        Weighted {
            inner: Arc::new(Inner {
                size: n,
                state: Mutex::new(State { cur: 0, waiters: VecDeque::new(), next_id: 0 }),
            }),
        }
    }

    /// Acquires weight `n`, blocking until it is available and every
    /// earlier waiter was served, or until `ctx` is done, like Go's
    /// `Weighted.Acquire`. On failure returns `ctx.err()` and leaves the
    /// semaphore unchanged.
    ///
    /// As in x/sync: a context already done makes it fail even if the
    /// weight is free; a request larger than the size does not queue (it
    /// would block everyone behind it) but waits for `ctx` to be done; and
    /// a waiter granted its weight concurrently with `ctx` becoming done
    /// puts the weight back and fails.
    ///
    /// ```
    /// use std::time::Duration;
    /// use goweave::context::{Context, ContextError};
    /// goweave::check(|| {
    ///     let sem = goweave::semaphore::Weighted::new(2);
    ///     sem.acquire(&Context::background(), 2).unwrap();
    ///     let (ctx, _cancel) = Context::background().with_timeout(Duration::from_secs(1));
    ///     // Nobody releases: the deadline ends the wait.
    ///     assert_eq!(sem.acquire(&ctx, 1), Err(ContextError::DeadlineExceeded));
    ///     sem.release(2);
    ///     assert!(sem.try_acquire(2), "the failed waiter left the queue");
    /// });
    /// ```
    #[track_caller]
    pub fn acquire(&self, ctx: &Context, n: i64) -> Result<(), ContextError> {
        let size = self.inner.size;
        let done = ctx.done();
        let mut st = self.inner.state.lock();
        // ctx being done happened before acquiring: fail, even if the
        // weight is free.
        crate::select! {
            recv(done) -> _ => {
                drop(st);
                return Err(cause(ctx));
            },
            default => {},
        }
        if size - st.cur >= n && st.waiters.is_empty() {
            st.cur += n;
            return Ok(());
        }
        if n > size {
            // Don't make other acquires block on one that is doomed to fail.
            drop(st);
            done.recv();
            return Err(cause(ctx));
        }

        let (tx, ready) = chan::<()>(0);
        let id = st.next_id;
        st.next_id += 1;
        st.waiters.push_back(Waiter { id, n, ready: tx });
        drop(st);

        crate::select! {
            recv(done) -> _ => {
                let mut st = self.inner.state.lock();
                crate::select! {
                    recv(ready) -> _ => {
                        // Granted after ctx was done: pretend it was not,
                        // and put the weight back.
                        st.cur -= n;
                        self.notify_waiters(&mut st);
                    },
                    default => {
                        let is_front = st.waiters.front().map(|w| w.id) == Some(id);
                        st.waiters.retain(|w| w.id != id);
                        // At the front with weight left over: the next ones
                        // may fit now.
                        if is_front && size > st.cur {
                            self.notify_waiters(&mut st);
                        }
                    },
                }
                drop(st);
                Err(cause(ctx))
            },
            recv(ready) -> _ => {
                // Granted; fail anyway if ctx is done by now.
                crate::select! {
                    recv(done) -> _ => {
                        self.release(n);
                        Err(cause(ctx))
                    },
                    default => Ok(()),
                }
            },
        }
    }

    /// Acquires weight `n` without blocking, like Go's
    /// `Weighted.TryAcquire`: false, leaving the semaphore unchanged, if it
    /// is not available or if any waiter is queued (the queue is FIFO).
    ///
    /// ```
    /// goweave::check(|| {
    ///     let sem = goweave::semaphore::Weighted::new(2);
    ///     assert!(sem.try_acquire(2));
    ///     assert!(!sem.try_acquire(1));
    ///     sem.release(2);
    /// });
    /// ```
    #[track_caller]
    pub fn try_acquire(&self, n: i64) -> bool {
        let mut st = self.inner.state.lock();
        let success = self.inner.size - st.cur >= n && st.waiters.is_empty();
        if success {
            st.cur += n;
        }
        success
    }

    /// Releases weight `n` and serves the waiters it lets through, in
    /// order, like Go's `Weighted.Release`. Panics "semaphore: released
    /// more than held" when more is released than is held.
    ///
    /// ```
    /// use goweave::context::Context;
    /// goweave::check(|| {
    ///     let sem = goweave::semaphore::Weighted::new(1);
    ///     sem.acquire(&Context::background(), 1).unwrap();
    ///     let s = sem.clone();
    ///     let waiter = goweave::go(move || s.acquire(&Context::background(), 1));
    ///     sem.release(1);
    ///     assert_eq!(waiter.join().unwrap(), Ok(()));
    /// });
    /// ```
    #[track_caller]
    pub fn release(&self, n: i64) {
        let mut st = self.inner.state.lock();
        st.cur -= n;
        if st.cur < 0 {
            drop(st);
            panic!("semaphore: released more than held");
        }
        self.notify_waiters(&mut st);
    }

    /// Grants waiters from the front while their weight fits. Stops at the
    /// first that does not fit, rather than looking further for a smaller
    /// one: under load that would starve large requests.
    #[track_caller]
    fn notify_waiters(&self, st: &mut MutexGuard<'_, State>) {
        while let Some(w) = st.waiters.front() {
            if self.inner.size - st.cur < w.n {
                break;
            }
            st.cur += w.n;
            let w = st.waiters.pop_front().expect("a front waiter");
            w.ready.close();
        }
    }
}
