//! Go pattern: a bounded producer-consumer queue with `sync.Cond`, and
//! `Signal` where two conditions share one condition variable.
//!
//! Producers wait while the queue is full, consumers while it is empty.
//! Both conditions are waited for on the same `Cond`, and each operation
//! wakes a waiter after changing the queue:
//!
//! ```text
//! func (q *Queue) Put(v int) {
//!     q.mu.Lock(); defer q.mu.Unlock()
//!     for len(q.items) == cap { q.changed.Wait() }
//!     q.items = append(q.items, v)
//!     q.changed.Signal()             // bug: Broadcast
//! }
//! ```
//!
//! The bug (`buggy`): `Signal` wakes one waiter, whichever waited
//! longest, and it may be waiting for the other condition. A producer's
//! signal meant for a consumer can wake another producer, which finds the
//! queue still full and waits again: the wake-up is lost, and when every
//! task ends up waiting on the `Cond` nobody is left to signal. The test
//! body, joining the consumers, is blocked forever: a `Deadlock` (with
//! each task shown waiting on the condition variable, and no lock cycle).
//!
//! The fix (`fixed`): `Broadcast`, so every waiter re-checks its own
//! condition (the alternative fix is one `Cond` per condition,
//! `notFull` and `notEmpty`, each signalled for its own waiters).
//!
//! One value per task is enough to lose a wake-up: a producer's signal
//! wakes a consumer, the other producer finds the queue full and waits,
//! and the consumer's signal wakes the other consumer instead of it.
//!
//! Run it with `cargo run --example pattern_cond_queue`: it explores the
//! buggy variant with `Config::default()`, prints the report, then checks
//! the fixed one by exhaustive search (80 executions).

use std::collections::VecDeque;
use std::sync::Arc;

use goweave::sync::{Cond, Mutex};
use goweave::{Builder, Config, FailureKind, Strategy};

/// Slots in the queue.
const CAP: usize = 1;

struct Queue {
    items: Mutex<VecDeque<u32>>,
    /// "The queue changed": waited on for not-full and for not-empty.
    changed: Cond,
    /// `false` is the bug: `signal` instead of `broadcast`.
    broadcast: bool,
}

impl Queue {
    fn new(broadcast: bool) -> Queue {
        Queue { items: Mutex::new(VecDeque::new()), changed: Cond::new(), broadcast }
    }

    fn wake(&self) {
        if self.broadcast {
            self.changed.broadcast();
        } else {
            self.changed.signal(); // Bug: may wake a waiter of the other condition
        }
    }

    fn put(&self, v: u32) {
        let mut items = self.items.lock();
        while items.len() == CAP {
            items = self.changed.wait(items);
        }
        items.push_back(v);
        self.wake();
    }

    fn take(&self) -> u32 {
        let mut items = self.items.lock();
        while items.is_empty() {
            items = self.changed.wait(items);
        }
        let v = items.pop_front().unwrap();
        self.wake();
        v
    }
}

/// Two producers put a value each; two consumers take one each.
fn run(broadcast: bool) {
    let queue = Arc::new(Queue::new(broadcast));
    for p in 1..=2 {
        let q = queue.clone();
        Builder::new().name(format!("producer-{p}")).go(move || q.put(p));
    }
    let consumers: Vec<_> = (1..=2)
        .map(|c| {
            let q = queue.clone();
            Builder::new().name(format!("consumer-{c}")).go(move || q.take())
        })
        .collect();
    let sum: u32 = consumers.into_iter().map(|c| c.join().unwrap()).sum();
    assert_eq!(sum, 1 + 2);
}

pub(crate) fn buggy() {
    run(false);
}

pub(crate) fn fixed() {
    run(true);
}

fn main() {
    let name = "pattern_cond_queue";
    match Config::default().explore(buggy) {
        Err(failure) if failure.kind() == FailureKind::Deadlock => {
            println!("{failure}");
            println!("{name}: goweave found the deadlock, as expected: a signal woke the wrong waiter.");
            println!("Replay it: GOWEAVE_REPLAY={} cargo run --example {name}", failure.schedule());
        }
        Err(failure) => {
            println!("{failure}");
            println!("{name}: expected a Deadlock, but goweave found a {:?} failure.", failure.kind());
            std::process::exit(1);
        }
        Ok(stats) => {
            println!("{stats}");
            println!("{name}: no failure found, but this queue loses wake-ups.");
            std::process::exit(1);
        }
    }
    if std::env::var_os("GOWEAVE_REPLAY").is_some() {
        return; // the token replays the buggy variant only
    }
    match Config::default().strategy(Strategy::Dfs { preemption_bound: None }).explore(fixed) {
        Ok(stats) => println!("{name} (fixed, broadcast): {stats}"),
        Err(failure) => {
            println!("{failure}");
            println!("{name}: the fixed variant failed with a {:?}.", failure.kind());
            std::process::exit(1);
        }
    }
}
