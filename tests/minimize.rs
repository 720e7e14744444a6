//! Schedule minimization: a failure found by random exploration is
//! reported with a schedule of as few preemptive context switches as the
//! search finds, its token replays to the same failure and the same
//! report, and `minimize(false)` leaves the token as exploration found it.
//!
//! The buggy variants of the examples are compiled here as modules, as in
//! `tests/patterns/main.rs`, so these tests run the code the examples show.

use std::sync::Arc;
use std::time::{Duration, Instant};

use goweave::sync::atomic::{AtomicUsize, Ordering};
use goweave::{Config, Failure, FailureKind, Strategy};

// The examples' `main`s are not used here.
#[allow(dead_code)]
#[path = "../examples/pattern_bank_transfer.rs"]
mod bank_transfer;
#[allow(dead_code)]
#[path = "../examples/pattern_bridge.rs"]
mod bridge;
#[allow(dead_code)]
#[path = "../examples/pattern_cond_queue.rs"]
mod cond_queue;
#[allow(dead_code)]
#[path = "../examples/pattern_context_timeout.rs"]
mod context_timeout;
#[allow(dead_code)]
#[path = "../examples/pattern_errgroup.rs"]
mod errgroup;
#[allow(dead_code)]
#[path = "../examples/pattern_fan_in.rs"]
mod fan_in;
#[allow(dead_code)]
#[path = "../examples/pattern_generator.rs"]
mod generator;
#[allow(dead_code)]
#[path = "../examples/pattern_pipeline.rs"]
mod pipeline;
#[allow(dead_code)]
#[path = "../examples/pattern_ring_buffer.rs"]
mod ring_buffer;
#[allow(dead_code)]
#[path = "../examples/pattern_rwmutex_cache.rs"]
mod rwmutex_cache;
#[allow(dead_code)]
#[path = "../examples/pattern_semaphore.rs"]
mod semaphore;
#[allow(dead_code)]
#[path = "../examples/pattern_shutdown.rs"]
mod shutdown;
#[allow(dead_code)]
#[path = "../examples/tee_deadlock.rs"]
mod tee_deadlock;
#[allow(dead_code)]
#[path = "../examples/worker_pool_leak.rs"]
mod worker_pool_leak;

/// The buggy variant of every example whose failure has a single failing
/// execution (the select loop's nontermination is not minimized).
const EXAMPLES: [(&str, fn()); 14] = [
    ("bank_transfer", bank_transfer::buggy),
    ("bridge", bridge::buggy),
    ("cond_queue", cond_queue::buggy),
    ("context_timeout", context_timeout::buggy),
    ("errgroup", errgroup::buggy),
    ("fan_in", fan_in::buggy),
    ("generator", generator::buggy),
    ("pipeline", pipeline::buggy),
    ("ring_buffer", ring_buffer::buggy),
    ("rwmutex_cache", rwmutex_cache::buggy),
    ("semaphore", semaphore::buggy),
    ("shutdown", shutdown::buggy),
    ("tee_deadlock", tee_deadlock::body),
    ("worker_pool_leak", worker_pool_leak::body),
];

/// Random exploration with a fixed seed on one thread: the same failure
/// on every run.
fn random(seed: u64) -> Config {
    Config::default().strategy(Strategy::Random).seed(seed).threads(1).iterations(10_000)
}

/// Two tasks increment a counter with a load then a store.
fn lost_update() {
    let n = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..2)
        .map(|i| {
            let n = n.clone();
            goweave::Builder::new().name(format!("incr-{i}")).go(move || {
                let v = n.load(Ordering::SeqCst);
                n.store(v + 1, Ordering::SeqCst);
            })
        })
        .collect();
    for t in tasks {
        t.join().unwrap();
    }
    assert_eq!(n.load(Ordering::SeqCst), 2, "an increment was lost");
}

/// Replays the failure's token: the same kind, the same report below the
/// headline, the same token.
fn assert_replays(failure: &Failure, body: fn()) {
    let token = failure.schedule().to_string();
    let again = Config::default().replay(&token).explore(body).expect_err("the replay passed");
    assert_eq!(again.kind(), failure.kind());
    assert_eq!(again.schedule().to_string(), token);
    assert_eq!(again.details(), failure.details(), "a replay reads differently");
    assert_eq!(again.minimization(), None, "a replay was minimized again");
}

/// What makes two failures the same for minimization: the kind, and a
/// panic's message and location or a race's two access locations.
fn same_failure(a: &Failure, b: &Failure) -> bool {
    let sites = |f: &Failure| -> Vec<String> {
        let mut v: Vec<String> = f
            .details()
            .lines()
            .filter(|l| l.starts_with("    ") && l.contains(" by task ") && l.ends_with(')'))
            .filter_map(|l| l.split(" at ").nth(1)?.split(" (step").next().map(str::to_string))
            .collect();
        v.sort();
        v
    };
    let panic = |f: &Failure| f.tasks().first().map(|t| (t.status().to_string(), t.location().map(str::to_string)));
    a.kind() == b.kind()
        && match a.kind() {
            FailureKind::Panic => panic(a) == panic(b),
            FailureKind::DataRace => sites(a) == sites(b),
            _ => true,
        }
}

#[test]
fn survey() {
    for (name, body) in EXAMPLES {
        for seed in 0..5 {
            let start = Instant::now();
            let f = random(seed).explore(body).expect_err(name);
            let total = start.elapsed();
            let m = f.minimization();
            let least = (0..20)
                .find(|&k| {
                    Config::default()
                        .strategy(Strategy::Dfs { preemption_bound: Some(k) })
                        .iterations(20_000)
                        .minimize(false)
                        .explore(body)
                        .is_err_and(|g| same_failure(&g, &f))
                })
                .unwrap_or(99);
            println!("{name:18} seed {seed} {:?} {m:?} least {least} {total:?} execs {}", f.kind(), f.executions());
            assert_replays(&f, body);
        }
    }
}

#[test]
fn debug_ring() {
    let f = random(0).explore(ring_buffer::buggy).unwrap_err();
    println!("{f}");
    let g = Config::default().strategy(Strategy::Dfs { preemption_bound: Some(1) }).minimize(false).explore(ring_buffer::buggy).unwrap_err();
    println!("{g}");
}
