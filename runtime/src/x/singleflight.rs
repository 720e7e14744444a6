//! Go's `golang.org/x/sync/singleflight`: duplicate suppression of
//! concurrent calls for the same key.
//!
//! Built only on goweave's primitives, as x/sync is on Go's: a [`Mutex`]
//! around the map of calls in flight, a [`WaitGroup`] per call that the
//! duplicate callers wait on, and [`Shared`] variables for the call's value
//! and its count of duplicates, so the race checker verifies that the value
//! is published before it is read. The map is a `BTreeMap`, so nothing
//! depends on hash order and every execution replays exactly.
//!
//! A function that panics still finishes its call, as in x/sync since
//! go.dev/issue/41133: the key is free again, the caller that ran it
//! panics on with the original panic, and every caller that joined the
//! call panics with its message. When a `do_chan` waits on the call, the
//! panic cannot be recovered: it crashes a Go program, and here it is a
//! `Panic` failure.
//!
//! ```
//! use std::sync::Arc;
//! use goweave::singleflight::Group;
//! goweave::check(|| {
//!     let g = Arc::new(Group::<&'static str, u32>::new());
//!     let g2 = g.clone();
//!     let other = goweave::go(move || g2.call("answer", || 42));
//!     let (v, _shared) = g.call("answer", || 42);
//!     assert_eq!(v, 42);
//!     assert_eq!(other.join().unwrap().0, 42);
//! });
//! ```

use std::any::Any;
use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

use crate::chan::{chan, Receiver, Sender};
use crate::sync::{Mutex, WaitGroup};
use crate::Shared;

/// Who runs a call's function: the caller of [`Group::call`], or the task
/// [`Group::do_chan`] started for it (whose panic nobody can recover anyway).
#[derive(Clone, Copy, PartialEq, Eq)]
enum RunBy {
    Caller,
    DoChanTask,
}

/// A namespace of calls with duplicate suppression, like Go's
/// `singleflight.Group`: while a call for a key is in flight, later calls
/// for the same key wait for it and get its value instead of running their
/// own function.
///
/// Cheap to clone: clones are handles to the same group. Like every
/// goweave object it must be created inside the test body.
///
/// ```
/// use std::sync::Arc;
/// use goweave::singleflight::Group;
/// use goweave::sync::atomic::{AtomicUsize, Ordering};
/// goweave::check(|| {
///     let g = Group::<u8, usize>::new();
///     let runs = Arc::new(AtomicUsize::new(0));
///     let callers: Vec<_> = (0..2)
///         .map(|_| {
///             let (g, runs) = (g.clone(), runs.clone());
///             goweave::go(move || g.call(1, || runs.fetch_add(1, Ordering::SeqCst) + 1))
///         })
///         .collect();
///     let results: Vec<(usize, bool)> = callers.into_iter().map(|h| h.join().unwrap()).collect();
///     // Overlapping calls ran the function once and shared its value;
///     // calls one after the other each ran it.
///     let runs = runs.load(Ordering::SeqCst);
///     if runs == 1 {
///         assert_eq!(results, vec![(1, true), (1, true)]);
///     } else {
///         assert!(results.iter().all(|&(_, shared)| !shared));
///     }
/// });
/// ```
pub struct Group<K, V> {
    calls: Arc<Mutex<BTreeMap<K, Arc<Call<V>>>>>,
}

/// A call in flight or finished.
struct Call<V> {
    /// Done when the function returned (or panicked) and `val` is set.
    wg: WaitGroup,
    /// The function's value, or the message of its panic.
    val: Shared<Option<Result<V, String>>>,
    /// How many callers joined this call; changed under the group's lock.
    dups: Shared<usize>,
    /// The channels of the callers of [`Group::do_chan`]; changed under the
    /// group's lock.
    chans: Shared<Vec<Sender<Outcome<V>>>>,
}

impl<V> Call<V> {
    #[track_caller]
    fn new(chans: Vec<Sender<Outcome<V>>>) -> Call<V> {
        let c = Call {
            wg: WaitGroup::new(),
            val: Shared::new(None),
            dups: Shared::new(0),
            chans: Shared::new(chans),
        };
        c.wg.add(1);
        c
    }
}

/// What a caller of [`Group::do_chan`] receives, like Go's
/// `singleflight.Result` (with the error folded into `V`, as in
/// [`Group::call`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Outcome<V> {
    /// The function's value.
    pub val: V,
    /// Whether the value was given to more than one caller (Go's `Shared`).
    pub shared: bool,
}

/// The message of a panic's payload, for the callers that joined the call.
fn message(payload: &(dyn Any + Send)) -> String {
    match (payload.downcast_ref::<&str>(), payload.downcast_ref::<String>()) {
        (Some(s), _) => s.to_string(),
        (_, Some(s)) => s.clone(),
        _ => "singleflight: the function of the call this caller joined panicked".to_string(),
    }
}

impl<K, V> Clone for Group<K, V> {
    fn clone(&self) -> Self {
        Group { calls: self.calls.clone() }
    }
}

impl<K, V> fmt::Debug for Group<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Group").field("calls", &self.calls).finish()
    }
}

impl<K, V> Default for Group<K, V>
where
    K: Ord + Clone + Send + 'static,
    V: Clone + Send + 'static,
{
    #[track_caller]
    fn default() -> Self {
        Group::new()
    }
}

impl<K, V> Group<K, V>
where
    K: Ord + Clone + Send + 'static,
    V: Clone + Send + 'static,
{
    /// An empty group.
    ///
    /// ```
    /// goweave::check(|| {
    ///     let g = goweave::singleflight::Group::<String, i32>::new();
    ///     assert_eq!(g.call("k".to_string(), || 5), (5, false));
    /// });
    /// ```
    #[track_caller]
    pub fn new() -> Group<K, V> {
        Group { calls: Arc::new(Mutex::new(BTreeMap::new())) }
    }

    /// Runs `f` and returns its value, unless a call for `key` is already
    /// in flight: then waits for that call and returns its value. Like Go's
    /// `Group.Do` (with the error folded into `V`; use a `Result` for it).
    ///
    /// The `bool` is Go's `shared`: whether the value was given to more
    /// than one caller. It is true for every caller that joined a call, and
    /// for the caller that ran `f` if anyone joined it.
    ///
    /// If `f` panics, the call is finished all the same (the key is free
    /// for the next call), the panic goes on in this caller, and every
    /// caller that joined the call panics with its message, as x/sync does
    /// since go.dev/issue/41133. If a [`do_chan`](Group::do_chan) joined the
    /// call, the panic cannot be recovered, as in x/sync: it also goes on in
    /// a new task nobody joins, which is a `Panic` failure.
    ///
    /// ```
    /// goweave::check(|| {
    ///     let g = goweave::singleflight::Group::new();
    ///     let (v, shared) = g.call("config", || Ok::<_, String>("loaded"));
    ///     assert_eq!(v, Ok("loaded"));
    ///     assert!(!shared, "no one else asked");
    /// });
    /// ```
    #[track_caller]
    pub fn call<F>(&self, key: K, f: F) -> (V, bool)
    where
        F: FnOnce() -> V,
    {
        let mut calls = self.calls.lock();
        if let Some(c) = calls.get(&key) {
            let c = c.clone();
            c.dups.with_mut(|dups| *dups += 1);
            drop(calls);
            c.wg.wait();
            match c.val.with(|v| v.clone()).expect("a finished call has its value") {
                Ok(v) => return (v, true),
                Err(message) => panic!("{message}"),
            }
        }
        let c = Arc::new(Call::new(Vec::new()));
        calls.insert(key.clone(), c.clone());
        drop(calls);
        self.do_call(&c, key, f, RunBy::Caller)
    }

    /// Runs `f` for the call `c` of `key` and finishes the call, even if
    /// `f` panics (then panics on, once the call is finished), like
    /// x/sync's `doCall`: publishes the outcome to the callers that joined
    /// and frees the key. Returns the value and whether it was shared.
    #[track_caller]
    fn do_call<F>(&self, c: &Call<V>, key: K, f: F, run_by: RunBy) -> (V, bool)
    where
        F: FnOnce() -> V,
    {
        let (val, payload) = match panic::catch_unwind(AssertUnwindSafe(f)) {
            Ok(v) => (Ok(v), None),
            Err(payload) => (Err(message(&*payload)), Some(payload)),
        };
        c.val.set(Some(val.clone()));

        let mut calls = self.calls.lock();
        c.wg.done();
        // Unless it was forgotten (and maybe replaced), the call is over.
        if calls.get(&key).is_some_and(|cur| std::ptr::eq(&**cur, c)) {
            calls.remove(&key);
        }
        let shared = c.dups.get() > 0;
        let chans = c.chans.with_mut(std::mem::take);
        let chans_waited = !chans.is_empty();
        for ch in chans {
            match &val {
                // Capacity 1 and one send each: it never blocks.
                Ok(v) => ch.send(Outcome { val: v.clone(), shared }),
                // Closed without a value: the receiver sees `None`.
                Err(_) => ch.close(),
            }
        }
        drop(calls);
        match (val, payload) {
            (Ok(v), _) => (v, shared),
            // A panic that a `do_chan` waits on cannot be recovered, as in
            // x/sync (`go panic(e)`): nobody could hand it to that
            // receiver, so it goes on in a new task nobody joins (a `Panic`
            // failure), and this caller panics with its message.
            (Err(message), Some(payload)) if chans_waited && run_by == RunBy::Caller => {
                crate::go(move || panic::resume_unwind(payload));
                panic!("{message}")
            }
            (Err(_), Some(payload)) => panic::resume_unwind(payload),
            (Err(_), None) => unreachable!("a panic has its payload"),
        }
    }

    /// Like [`call`](Group::call), but runs `f` in a new task and returns
    /// at once a channel that receives the outcome, like Go's
    /// `Group.DoChan`: a caller can `select!` on it against a timeout or
    /// its context. The channel has capacity 1 and receives one
    /// [`Outcome`]; it is closed without one if `f` panics (and the panic,
    /// in a task nobody joins, is a failure, as it crashes a Go program).
    ///
    /// ```
    /// use std::time::Duration;
    /// use goweave::singleflight::{Group, Outcome};
    /// goweave::check(|| {
    ///     let g = Group::<&'static str, u32>::new();
    ///     let rx = g.do_chan("answer", || 42);
    ///     goweave::select! {
    ///         recv(rx) -> outcome => assert_eq!(outcome, Some(Outcome { val: 42, shared: false })),
    ///         recv(goweave::time::after(Duration::from_secs(1))) -> _ => {
    ///             // Timed out; the call goes on, and its value is still sent.
    ///             assert_eq!(rx.recv().unwrap().val, 42);
    ///         }
    ///     }
    /// });
    /// ```
    #[track_caller]
    pub fn do_chan<F>(&self, key: K, f: F) -> Receiver<Outcome<V>>
    where
        F: FnOnce() -> V + Send + 'static,
    {
        let (tx, rx) = chan::<Outcome<V>>(1);
        let mut calls = self.calls.lock();
        if let Some(c) = calls.get(&key) {
            c.dups.with_mut(|dups| *dups += 1);
            c.chans.with_mut(|chans| chans.push(tx));
            return rx;
        }
        let c = Arc::new(Call::new(vec![tx]));
        calls.insert(key.clone(), c.clone());
        drop(calls);
        let g = self.clone();
        crate::go(move || {
            g.do_call(&c, key, f, RunBy::DoChanTask);
        });
        rx
    }

    /// [`call`](Group::call) under Go's name (`do` is a reserved word).
    ///
    /// ```
    /// goweave::check(|| {
    ///     let g = goweave::singleflight::Group::new();
    ///     assert_eq!(g.r#do(1u8, || "one"), ("one", false));
    /// });
    /// ```
    #[track_caller]
    pub fn r#do<F>(&self, key: K, f: F) -> (V, bool)
    where
        F: FnOnce() -> V,
    {
        self.call(key, f)
    }

    /// Forgets `key`, like Go's `Group.Forget`: later calls for it run
    /// their function instead of waiting for a call in flight. Callers that
    /// already joined that call still get its value.
    ///
    /// ```
    /// goweave::check(|| {
    ///     let g = goweave::singleflight::Group::<&str, u8>::new();
    ///     g.forget("never called");
    ///     assert_eq!(g.call("k", || 1), (1, false));
    /// });
    /// ```
    #[track_caller]
    pub fn forget<Q>(&self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.calls.lock().remove(key);
    }
}
