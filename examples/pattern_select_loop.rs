//! Go pattern: `select` with `time.After` in a loop, and the timeout that
//! is reset on every iteration.
//!
//! A collector gathers what a producer sends for one second, then stops
//! and tells the producer to stop. The producer sends a value every 400
//! ms, forever, until `done` is closed.
//!
//! The issue names no bug for this pattern; this example picks the classic
//! one. The buggy collector (`buggy`) writes the timeout inside the loop:
//!
//! ```text
//! for {
//!     select {
//!     case v := <-values: got = append(got, v)
//!     case <-time.After(time.Second): return got   // a new timer every iteration
//!     }
//! }
//! ```
//!
//! `time.After` makes a new one-second timer each time the `select`
//! starts, so the deadline moves one second past the latest value. A
//! producer that sends more often than once a second keeps the loop
//! running forever: the body never finishes, which goweave reports as
//! `Nontermination` once the body has run for `max_steps` scheduling
//! steps (virtual time passes instantly, so that takes milliseconds). The
//! same mistake in a heartbeat or idle-timeout loop never fires.
//!
//! That is the execution where every timer fires on time, the first one a
//! depth-first search explores, so this example and its test use
//! `Strategy::Dfs`. goweave can also fire a timer early, at any scheduling
//! point (a timeout can win against any amount of work): in executions
//! where the producer is held up for more than 600 ms after waking, the
//! timeout wins and the loop ends, as it could in Go on an overloaded
//! machine. A random walk, which makes such early firings at arbitrary
//! points, finds almost only those executions.
//!
//! The fix (`fixed`): make the timer once, before the loop, and select on
//! that one channel each iteration (`timeout := time.After(time.Second)`).
//!
//! Run it with `cargo run --example pattern_select_loop`: it explores the
//! buggy variant depth-first with `max_steps(5_000)`, prints the report,
//! then checks the fixed one over every interleaving (up to goweave's
//! bound of 3 early timer firings per execution).

use std::time::Duration;

use goweave::chan::Receiver;
use goweave::time::{after, sleep};
use goweave::{chan, select, Builder, Config, FailureKind, Strategy};

/// Sends 0, 1, 2, ... every 400 ms until `done` is closed.
fn producer(done: Receiver<()>) -> Receiver<u32> {
    let (tx, rx) = chan(0);
    Builder::new().name("producer").go(move || {
        for i in 0.. {
            sleep(Duration::from_millis(400));
            select! {
                send(tx, i) => {},
                recv(done) -> _ => return,
            }
        }
    });
    rx
}

pub(crate) fn buggy() {
    let (done_tx, done) = chan::<()>(0);
    let values = producer(done);
    let mut got = Vec::new();
    loop {
        select! {
            recv(values) -> v => got.push(v.unwrap()),
            recv(after(Duration::from_secs(1))) -> _ => break, // Bug: a new timer each time
        }
    }
    done_tx.close();
    assert!(got.iter().zip(0..).all(|(&v, i)| v == i), "lost or reordered: {got:?}");
}

pub(crate) fn fixed() {
    let (done_tx, done) = chan::<()>(0);
    let values = producer(done);
    let mut got = Vec::new();
    let timeout = after(Duration::from_secs(1)); // one deadline for the whole loop
    loop {
        select! {
            recv(values) -> v => got.push(v.unwrap()),
            recv(timeout) -> _ => break,
        }
    }
    done_tx.close();
    assert!(got.iter().zip(0..).all(|(&v, i)| v == i), "lost or reordered: {got:?}");
}

fn main() {
    let name = "pattern_select_loop";
    // Depth-first: its first execution fires every timer on time. A shorter
    // step budget than the default 100,000: the buggy loop never ends, and
    // 5,000 steps show that as well, faster.
    let config = Config::default().strategy(Strategy::Dfs { preemption_bound: None }).max_steps(5_000);
    match config.explore(buggy) {
        Err(failure) if failure.kind() == FailureKind::Nontermination => {
            println!("{failure}");
            println!("{name}: goweave found the nontermination, as expected: the timeout never fires.");
            println!("Replay it: GOWEAVE_REPLAY={} cargo run --example {name}", failure.schedule());
        }
        Err(failure) => {
            println!("{failure}");
            println!("{name}: expected a Nontermination, but goweave found a {:?} failure.", failure.kind());
            std::process::exit(1);
        }
        Ok(stats) => {
            println!("{stats}");
            println!("{name}: no failure found, but this loop never times out.");
            std::process::exit(1);
        }
    }
    if std::env::var_os("GOWEAVE_REPLAY").is_some() {
        return; // the token replays the buggy variant only
    }
    match Config::default().strategy(Strategy::Dfs { preemption_bound: None }).explore(fixed) {
        Ok(stats) => println!("{name} (fixed, one timer before the loop): {stats}"),
        Err(failure) => {
            println!("{failure}");
            println!("{name}: the fixed variant failed with a {:?}.", failure.kind());
            std::process::exit(1);
        }
    }
}
