//! Go pattern: fan-out and fan-in, and the deadlock of a merged channel
//! that is never closed.
//!
//! Fan-out: several `square` workers read the same `jobs` channel, so the
//! jobs are spread over them. Fan-in: `merge` starts one forwarder per
//! worker output and funnels every value into a single channel, which the
//! caller ranges over (the Go blog's "Pipelines and cancellation"):
//!
//! ```text
//! func merge(cs ...<-chan int) <-chan int {
//!     out := make(chan int)
//!     for _, c := range cs { go func(c <-chan int) { for n := range c { out <- n } }(c) }
//!     return out            // bug: nobody closes out
//! }
//! for n := range merge(sq(jobs), sq(jobs)) { sum += n }
//! ```
//!
//! The bug (`buggy`): nobody closes the merged channel once every
//! forwarder is done, so after the last value the caller's `for` loop
//! waits forever. Every other task has finished: the test body is blocked
//! forever with nothing left to unblock it, a `Deadlock`.
//!
//! The fix (`fixed`): the forwarders count themselves on a `WaitGroup`,
//! and one more task closes the merged channel once they are all done
//! (Go's `go func() { wg.Wait(); close(out) }()`).
//!
//! Run it with `cargo run --example pattern_fan_in`: it explores the buggy
//! variant with `Config::default()`, prints the report, then checks the
//! fixed one with 5,000 PCT executions (its interleavings are too many to
//! enumerate within 10,000 executions).

use goweave::chan::Receiver;
use goweave::sync::WaitGroup;
use goweave::{chan, Builder, Config, FailureKind, Strategy};

/// Sends `nums` on a new channel, then closes it.
fn gen(nums: Vec<u32>) -> Receiver<u32> {
    let (tx, rx) = chan(0);
    Builder::new().name("gen").go(move || {
        for n in nums {
            tx.send(n);
        }
        tx.close();
    });
    rx
}

/// A fan-out worker: squares what it reads from the shared `jobs`.
fn square(worker: u32, jobs: Receiver<u32>) -> Receiver<u32> {
    let (tx, rx) = chan(0);
    Builder::new().name(format!("square-{worker}")).go(move || {
        for n in jobs {
            tx.send(n * n);
        }
        tx.close();
    });
    rx
}

/// Fan-in without closing: the merged channel stays open forever.
fn merge_buggy(inputs: Vec<Receiver<u32>>) -> Receiver<u32> {
    let (tx, rx) = chan(0);
    for (i, input) in inputs.into_iter().enumerate() {
        let tx = tx.clone();
        Builder::new().name(format!("forward-{}", i + 1)).go(move || {
            for v in input {
                tx.send(v);
            }
        });
    }
    // Bug: nothing closes `tx` once every forwarder is done.
    rx
}

/// Fan-in that closes the merged channel when the last forwarder is done.
fn merge_fixed(inputs: Vec<Receiver<u32>>) -> Receiver<u32> {
    let (tx, rx) = chan(0);
    let wg = WaitGroup::new();
    for (i, input) in inputs.into_iter().enumerate() {
        let (tx, wg) = (tx.clone(), wg.clone());
        wg.add(1);
        Builder::new().name(format!("forward-{}", i + 1)).go(move || {
            for v in input {
                tx.send(v);
            }
            wg.done();
        });
    }
    Builder::new().name("closer").go(move || {
        wg.wait();
        tx.close();
    });
    rx
}

pub(crate) fn buggy() {
    let jobs = gen(vec![1, 2, 3]);
    let workers = vec![square(1, jobs.clone()), square(2, jobs)];
    let mut sum = 0;
    for v in merge_buggy(workers) {
        sum += v;
    }
    assert_eq!(sum, 1 + 4 + 9);
}

pub(crate) fn fixed() {
    let jobs = gen(vec![1, 2, 3]);
    let workers = vec![square(1, jobs.clone()), square(2, jobs)];
    let mut sum = 0;
    for v in merge_fixed(workers) {
        sum += v;
    }
    assert_eq!(sum, 1 + 4 + 9);
}

fn main() {
    let name = "pattern_fan_in";
    match Config::default().explore(buggy) {
        Err(failure) if failure.kind() == FailureKind::Deadlock => {
            println!("{failure}");
            println!("{name}: goweave found the deadlock, as expected: the merged channel is never closed.");
            println!("Replay it: GOWEAVE_REPLAY={} cargo run --example {name}", failure.schedule());
        }
        Err(failure) => {
            println!("{failure}");
            println!("{name}: expected a Deadlock, but goweave found a {:?} failure.", failure.kind());
            std::process::exit(1);
        }
        Ok(stats) => {
            println!("{stats}");
            println!("{name}: no failure found, but this fan-in never closes its output.");
            std::process::exit(1);
        }
    }
    if std::env::var_os("GOWEAVE_REPLAY").is_some() {
        return; // the token replays the buggy variant only
    }
    match Config::default().strategy(Strategy::Pct { depth: 3 }).iterations(5_000).explore(fixed) {
        Ok(stats) => println!("{name} (fixed, closed after a WaitGroup): {stats}"),
        Err(failure) => {
            println!("{failure}");
            println!("{name}: the fixed variant failed with a {:?}.", failure.kind());
            std::process::exit(1);
        }
    }
}
