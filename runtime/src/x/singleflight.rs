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

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::sync::{Mutex, WaitGroup};
use crate::Shared;

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
    /// Done when the function returned and `val` is set.
    wg: WaitGroup,
    val: Shared<Option<V>>,
    /// How many callers joined this call; changed under the group's lock.
    dups: Shared<usize>,
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
            let v = c.val.with(|v| v.clone()).expect("a finished call has its value");
            return (v, true);
        }
        let c = Arc::new(Call { wg: WaitGroup::new(), val: Shared::new(None), dups: Shared::new(0) });
        c.wg.add(1);
        calls.insert(key.clone(), c.clone());
        drop(calls);

        let v = f();
        c.val.set(Some(v.clone()));

        let mut calls = self.calls.lock();
        c.wg.done();
        // Unless it was forgotten (and maybe replaced), the call is over.
        if calls.get(&key).is_some_and(|cur| Arc::ptr_eq(cur, &c)) {
            calls.remove(&key);
        }
        let dups = c.dups.get();
        drop(calls);
        (v, dups > 0)
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
