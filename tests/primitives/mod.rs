//! Integration tests of each primitive's semantics, each checked across a
//! whole exploration: the set of outcomes observed over every execution of
//! an exhaustive search is compared with the exact set Go's semantics
//! allows, so a missing interleaving fails a test as surely as a forbidden
//! one.
//!
//! `std::sync::Mutex` appears only in bookkeeping (collecting outcomes and
//! logs) outside the semantics under test.

mod atomic;
mod chan;
mod cond;
mod misuse;
mod mutex;
mod once;
mod panic_locations;
mod rwmutex;
mod select;
mod task;
mod waitgroup;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex as StdMutex};

use goweave::{Config, Failure, FailureKind, Stats, Strategy};

/// Exhaustive depth-first search, with a budget far above what these tiny
/// programs need.
pub fn dfs() -> Config {
    Config::default().strategy(Strategy::Dfs { preemption_bound: None }).iterations(100_000)
}

/// Runs `body` in every execution of an exhaustive exploration, which must
/// find no failure and cover the whole space; returns the set of values the
/// body returned.
pub fn outcomes<T: Ord + Clone + Send + 'static>(
    body: impl Fn() -> T + Send + Sync + 'static,
) -> BTreeSet<T> {
    let seen = Arc::new(StdMutex::new(BTreeSet::new()));
    let s = seen.clone();
    let stats = dfs()
        .explore(move || {
            let v = body();
            s.lock().unwrap().insert(v);
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted(), "the exploration was not exhaustive: {stats}");
    let seen = seen.lock().unwrap();
    seen.clone()
}

/// Explores `body` exhaustively; it must never fail.
pub fn all_pass(body: impl Fn() + Send + Sync + 'static) -> Stats {
    let stats = dfs().explore(body).unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted(), "the exploration was not exhaustive: {stats}");
    stats
}

/// Explores `body` exhaustively and returns the failure it must find, after
/// checking its kind and that its report contains each of `needles`.
pub fn fails(kind: FailureKind, needles: &[&str], body: impl Fn() + Send + Sync + 'static) -> Failure {
    let failure = match dfs().explore(body) {
        Ok(stats) => panic!("expected a {kind} failure, but none was found ({stats})"),
        Err(f) => f,
    };
    assert_eq!(failure.kind(), kind, "wrong kind of failure:\n{failure}");
    let report = failure.to_string();
    for needle in needles {
        assert!(report.contains(needle), "the report does not mention {needle:?}:\n{report}");
    }
    failure
}

/// A set from a list, for comparing with [`outcomes`].
pub fn set<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    items.into_iter().collect()
}

/// An order-of-events log whose every mark is a goweave atomic operation
/// (so a scheduling point the explorer interleaves): the ticket taken by
/// `mark` orders the events as the execution did.
#[derive(Debug)]
pub struct Log {
    seq: goweave::sync::atomic::AtomicUsize,
    marks: StdMutex<Vec<(usize, &'static str)>>,
}

impl Log {
    /// A new empty log; create it inside the body.
    pub fn new() -> Arc<Log> {
        Arc::new(Log { seq: goweave::sync::atomic::AtomicUsize::new(0), marks: StdMutex::new(Vec::new()) })
    }

    /// Records that `what` happened now.
    pub fn mark(&self, what: &'static str) {
        let ticket = self.seq.fetch_add(1, goweave::sync::atomic::Ordering::SeqCst);
        self.marks.lock().unwrap().push((ticket, what));
    }

    /// The events in the order they happened.
    pub fn order(&self) -> Vec<&'static str> {
        let mut marks = self.marks.lock().unwrap().clone();
        marks.sort();
        marks.into_iter().map(|(_, what)| what).collect()
    }
}

/// The message of a caught panic payload (`String` or `&str`).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else {
        "<a payload that is not a string>".to_string()
    }
}
