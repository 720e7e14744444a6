//! Leaked tasks: the test body returned while a task can never finish
//! (blocked forever, no lock cycle) or is still running at `max_steps`.
//! Each is a `Leak` whose report names the task, what it is blocked on and
//! where, and replays exactly; the fixed version of each passes.

use std::sync::Arc;

use goweave::sync::atomic::{AtomicBool, Ordering};
use goweave::sync::{Cond, Mutex, WaitGroup};
use goweave::{Config, FailureKind, Strategy};

// The helpers shared by the test binaries: `tests/support/lib.rs`.
use support::*;

const SOURCE: &str = include_str!("leaks.rs");
const FILE: &str = "tests/leaks.rs";

/// `tests/leaks.rs:LINE:` of the line that ends with `// @marker`.
fn at(marker: &str) -> String {
    format!("{FILE}:{}:", marker_line(SOURCE, marker))
}

/// Expects a leak, checks the replay, returns the report.
fn leak<F>(config: Config, body: F) -> String
where
    F: Fn() + Send + Sync + Copy + 'static,
{
    expect_failure(config, FailureKind::Leak, body)
}

/// The report line describing the task named `name`, and the `at` line
/// that follows it.
fn task_entry<'a>(report: &'a str, name: &str) -> (&'a str, &'a str) {
    let lines: Vec<&str> = report.lines().collect();
    let i = lines
        .iter()
        .position(|l| l.trim_start().starts_with("task ") && l.contains(&format!("\"{name}\":")))
        .unwrap_or_else(|| panic!("the report names task {name:?}:\n{report}"));
    (lines[i], lines.get(i + 1).copied().unwrap_or(""))
}

// ------------------------------------------------- abandoned generator

/// A generator sends 0, 1, 2, ... on an unbuffered channel; the consumer
/// takes three values and returns. The generator blocks forever on its
/// next send.
fn abandoned_generator() {
    let (tx, rx) = goweave::chan::<u32>(0);
    goweave::Builder::new().name("generator").go(move || {
        for i in 0.. {
            tx.send(i); // @gen-send
        }
    });
    for want in 0..3 {
        assert_eq!(rx.recv(), Some(want));
    }
}

/// The fix: the consumer closes a `done` channel; the generator selects on
/// it and returns.
fn generator_with_done() {
    let (tx, rx) = goweave::chan::<u32>(0);
    let (done_tx, done_rx) = goweave::chan::<()>(0);
    goweave::Builder::new().name("generator").go(move || {
        for i in 0.. {
            goweave::select! {
                send(tx, i) => {},
                recv(done_rx) -> _ => return,
            }
        }
    });
    for want in 0..3 {
        assert_eq!(rx.recv(), Some(want));
    }
    done_tx.close();
}

#[test]
fn an_abandoned_generator_leaks() {
    let report = leak(dfs(), abandoned_generator);
    assert!(report.contains("The test body returned"), "{report}");
    let (what, where_) = task_entry(&report, "generator");
    assert!(what.contains("blocked sending on chan#"), "{report}");
    assert!(where_.contains(&at("gen-send")), "{report}");
    // The consumer's Receiver is gone with the body.
    assert!(report.contains("nothing can ever unblock this send"), "{report}");
}

#[test]
fn a_generator_told_to_stop_does_not_leak() {
    let stats = dfs().explore(generator_with_done).unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted(), "{stats}");
}

// ------------------------------------- worker on a channel nobody closes

/// A worker ranges over a job channel; the body sends two jobs and returns
/// without closing it.
fn unclosed_jobs<const CLOSE: bool>() {
    let (tx, rx) = goweave::chan::<u32>(1);
    let done = Arc::new(goweave::Shared::new(0));
    let d = done.clone();
    goweave::Builder::new().name("worker").go(move || {
        for job in rx {
            // @worker-range
            d.set(d.get() + job);
        }
    });
    for job in 1..=2 {
        tx.send(job);
    }
    if CLOSE {
        tx.close();
    }
}

/// The fix, Go style: close the channel and wait for the worker.
fn closed_jobs_waited() {
    let (tx, rx) = goweave::chan::<u32>(1);
    let wg = WaitGroup::new();
    wg.add(1);
    let wg2 = wg.clone();
    let total = Arc::new(goweave::Shared::new(0));
    let t = total.clone();
    goweave::Builder::new().name("worker").go(move || {
        for job in rx {
            t.set(t.get() + job);
        }
        wg2.done();
    });
    for job in 1..=2 {
        tx.send(job);
    }
    tx.close();
    wg.wait();
    assert_eq!(total.get(), 3);
}

#[test]
fn a_worker_on_a_channel_nobody_closes_leaks() {
    let report = leak(dfs(), unclosed_jobs::<false>);
    let (what, where_) = task_entry(&report, "worker");
    assert!(what.contains("blocked receiving from chan#"), "{report}");
    assert!(where_.contains(&at("worker-range")), "{report}");
    assert!(report.contains("nothing can ever unblock this receive"), "{report}");
}

#[test]
fn a_worker_whose_channel_is_closed_does_not_leak() {
    let stats = dfs().explore(unclosed_jobs::<true>).unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted(), "{stats}");
    let stats = dfs().explore(closed_jobs_waited).unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted(), "{stats}");
}

// ------------------------------------------ a task still running at the end

/// A task polls a stop flag nobody sets; the body returns.
fn spinner<const STOP: bool>() {
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    goweave::Builder::new().name("poller").go(move || {
        loop {
            let stop = s.load(Ordering::SeqCst); // @poll-load
            if stop {
                break;
            }
            goweave::yield_now(); // @poll-yield
        }
    });
    if STOP {
        stop.store(true, Ordering::SeqCst);
    }
}

#[test]
fn a_task_still_running_at_max_steps_after_the_body_returned_leaks() {
    let report = leak(dfs().max_steps(200), spinner::<false>);
    assert!(report.contains("still running after max_steps = 200"), "{report}");
    let (what, where_) = task_entry(&report, "poller");
    assert!(what.contains("runn") && !what.contains("blocked"), "{report}");
    assert!(where_.contains(&at("poll-yield")) || where_.contains(&at("poll-load")), "{report}");
}

#[test]
fn a_task_told_to_stop_does_not_leak() {
    // Depth-first search would let the poller spin before the body stores
    // the flag, up to max_steps (Nontermination); PCT lowers a yielding
    // task's priority.
    Config::default()
        .strategy(Strategy::Pct { depth: 3 })
        .iterations(500)
        .max_steps(2_000)
        .explore(spinner::<true>)
        .unwrap_or_else(|f| panic!("{f}"));
}

// ------------------------------------------------- other blocked leftovers

/// A task waits on a condition nobody signals after the body returned.
fn forgotten_cond_waiter() {
    let state = Arc::new((Mutex::new(false), Cond::new()));
    let s = state.clone();
    goweave::Builder::new().name("sleeper").go(move || {
        let mut ready = s.0.lock();
        while !*ready {
            ready = s.1.wait(ready); // @sleeper-wait
        }
    });
}

#[test]
fn a_cond_waiter_nobody_signals_leaks() {
    let report = leak(dfs(), forgotten_cond_waiter);
    let (what, where_) = task_entry(&report, "sleeper");
    assert!(what.contains("waiting on Cond#"), "{report}");
    assert!(where_.contains(&at("sleeper-wait")), "{report}");
}

/// A task waits on a WaitGroup that never reaches zero.
fn forgotten_waitgroup_waiter() {
    let wg = WaitGroup::new();
    wg.add(1);
    let wg2 = wg.clone();
    goweave::Builder::new().name("collector").go(move || wg2.wait()); // @collector-wait
}

#[test]
fn a_waitgroup_waiter_that_is_never_released_leaks() {
    let report = leak(dfs(), forgotten_waitgroup_waiter);
    let (what, where_) = task_entry(&report, "collector");
    assert!(what.contains("waiting on WaitGroup#"), "{report}");
    assert!(where_.contains(&at("collector-wait")), "{report}");
}

// ------------------------------------------------------------ attribute

#[goweave::concurrency_test(strategy = "dfs", expect = "leak")]
fn the_attribute_expects_a_leak() {
    abandoned_generator();
}

#[goweave::concurrency_test(strategy = "dfs")]
fn the_attribute_passes_the_fixed_generator() {
    generator_with_done();
}
