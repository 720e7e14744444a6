//! Go pattern: a cache behind a `sync.RWMutex`, and the recursive read
//! lock that deadlocks with a pending writer.
//!
//! Readers share the cache under `RLock`; a writer takes `Lock`. Go's
//! `RWMutex` prefers writers: once a writer waits for the lock, new
//! readers wait behind it, so that a stream of readers cannot starve the
//! writer. The Go documentation therefore forbids recursive read locking:
//!
//! ```text
//! func (c *Cache) Summary() (int, int) {
//!     c.mu.RLock(); defer c.mu.RUnlock()
//!     return len(c.m), c.Get("answer")   // Get takes c.mu.RLock() again
//! }
//! ```
//!
//! The bug (`buggy`): `summary` holds the read lock and calls `get`,
//! which read-locks again. If a writer (`set`, in another task) starts
//! waiting between the two, the writer waits for `summary`'s first read
//! lock to be released, and `summary`'s second read lock waits behind the
//! writer: a lock cycle, reported as a `Deadlock` (with the cycle) as
//! soon as it forms.
//!
//! The fix (`fixed`): the locked section calls a helper that expects the
//! lock to be held already (`get_locked`, Go's `getLocked` convention)
//! instead of the public, locking `get`.
//!
//! Run it with `cargo run --example pattern_rwmutex_cache`: it explores
//! the buggy variant with `Config::default()`, prints the report, then
//! checks the fixed one over every interleaving.

use std::collections::BTreeMap;
use std::sync::Arc;

use goweave::sync::RwMutex;
use goweave::{Builder, Config, FailureKind, Strategy};

type Map = BTreeMap<&'static str, u32>;

struct Cache {
    entries: RwMutex<Map>,
}

impl Cache {
    fn new() -> Cache {
        Cache { entries: RwMutex::new(Map::from([("answer", 42)])) }
    }

    fn get(&self, key: &str) -> Option<u32> {
        Cache::get_locked(&self.entries.read(), key)
    }

    /// The lookup itself; the caller holds the lock.
    fn get_locked(entries: &Map, key: &str) -> Option<u32> {
        entries.get(key).copied()
    }

    fn set(&self, key: &'static str, value: u32) {
        self.entries.write().insert(key, value);
    }

    /// The number of entries and the answer, read under one lock.
    fn summary_buggy(&self) -> (usize, Option<u32>) {
        let entries = self.entries.read();
        (entries.len(), self.get("answer")) // Bug: read-locks again while holding the read lock
    }

    fn summary_fixed(&self) -> (usize, Option<u32>) {
        let entries = self.entries.read();
        (entries.len(), Cache::get_locked(&entries, "answer"))
    }
}

/// A writer adds an entry while the body reads a summary.
fn run(summary: fn(&Cache) -> (usize, Option<u32>)) {
    let cache = Arc::new(Cache::new());
    let c = cache.clone();
    let writer = Builder::new().name("writer").go(move || c.set("question", 6 * 7));
    let (len, answer) = summary(&cache);
    assert!(len == 1 || len == 2);
    assert_eq!(answer, Some(42));
    writer.join().unwrap();
}

pub(crate) fn buggy() {
    run(Cache::summary_buggy);
}

pub(crate) fn fixed() {
    run(Cache::summary_fixed);
}

fn main() {
    let name = "pattern_rwmutex_cache";
    match Config::default().explore(buggy) {
        Err(failure) if failure.kind() == FailureKind::Deadlock => {
            println!("{failure}");
            println!(
                "{name}: goweave found the deadlock, as expected: a recursive read lock behind a writer."
            );
            println!("Replay it: GOWEAVE_REPLAY={} cargo run --example {name}", failure.schedule());
        }
        Err(failure) => {
            println!("{failure}");
            println!("{name}: expected a Deadlock, but goweave found a {:?} failure.", failure.kind());
            std::process::exit(1);
        }
        Ok(stats) => {
            println!("{stats}");
            println!("{name}: no failure found, but this cache read-locks recursively.");
            std::process::exit(1);
        }
    }
    if std::env::var_os("GOWEAVE_REPLAY").is_some() {
        return; // the token replays the buggy variant only
    }
    match Config::default().strategy(Strategy::Dfs { preemption_bound: None }).explore(fixed) {
        Ok(stats) => println!("{name} (fixed, one read lock): {stats}"),
        Err(failure) => {
            println!("{failure}");
            println!("{name}: the fixed variant failed with a {:?}.", failure.kind());
            std::process::exit(1);
        }
    }
}
