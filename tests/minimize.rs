//! Schedule minimization: a failure found by random exploration is
//! reported with a schedule of as few preemptive context switches as the
//! search finds, its token replays to the same failure and the same
//! report, and `minimize(false)` leaves the token as exploration found it.
//!
//! The buggy variants of the examples are compiled here as modules, as in
//! `tests/patterns/main.rs`, so these tests run the code the examples show.

use std::sync::Arc;

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

/// `Config::minimize_budget`'s default.
const DEFAULT_BUDGET: u64 = 200;

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
    let panic =
        |f: &Failure| f.tasks().first().map(|t| (t.status().to_string(), t.location().map(str::to_string)));
    a.kind() == b.kind()
        && match a.kind() {
            FailureKind::Panic => panic(a) == panic(b),
            FailureKind::DataRace => sites(a) == sites(b),
            _ => true,
        }
}

/// The fewest preemptions of any execution that fails like `failure`,
/// as bounded exhaustive search finds it: raise the bound until the first
/// failure it finds is the same failure.
fn least_preemptions(failure: &Failure, body: fn()) -> usize {
    (0..10)
        .find(|&k| {
            Config::default()
                .strategy(Strategy::Dfs { preemption_bound: Some(k) })
                .iterations(20_000)
                .minimize(false)
                .explore(body)
                .is_err_and(|g| same_failure(&g, failure))
        })
        .expect("no bound up to 10 finds the failure")
}

/// Every example's failure, found by random walk under three seeds, is
/// minimized to the least number of preemptions bounded search needs, and
/// its token replays to the same report.
#[test]
fn examples_minimize_to_the_least_preemptions() {
    let mut reduced = 0;
    for (name, body) in EXAMPLES {
        for seed in 0..3 {
            let failure = random(seed).explore(body).expect_err(name);
            let least = least_preemptions(&failure, body);
            let to = match failure.minimization() {
                Some(m) => {
                    assert!(m.to() <= m.from(), "{name}, seed {seed}: {m}");
                    assert!(m.replays() <= DEFAULT_BUDGET, "{name}, seed {seed}: {m}");
                    reduced += usize::from(m.to() < m.from());
                    m.to()
                }
                // Found without preemption: nothing to minimize.
                None => 0,
            };
            assert_eq!(to, least, "{name}, seed {seed}:\n{failure}");
            assert!(failure.to_string().contains(&format!("{to} preemption")) || to == 0);
            assert_replays(&failure, body);
        }
    }
    assert!(reduced >= 30, "only {reduced} of 42 failures were reduced");
}

/// A lost update needs exactly one preemption: a task stopped between its
/// load and its store.
#[test]
fn a_lost_update_needs_one_preemption() {
    let failure = random(0).explore(lost_update).expect_err("the lost update");
    assert_eq!(failure.kind(), FailureKind::Panic);
    let m = failure.minimization().expect("minimized");
    assert_eq!((m.from(), m.to()), (3, 1), "{failure}");
    let report = failure.to_string();
    assert!(report.contains(&format!("\n({m})\n")), "{report}");
    assert!(report.contains("an increment was lost"), "{report}");
    assert_replays(&failure, lost_update);
}

/// Two transfers locking in opposite orders deadlock after one preemption:
/// one takes its first lock and is preempted before its second.
#[test]
fn an_abba_deadlock_needs_one_preemption() {
    let failure = random(0).explore(bank_transfer::buggy).expect_err("the deadlock");
    assert_eq!(failure.kind(), FailureKind::Deadlock);
    let m = failure.minimization().expect("minimized");
    assert_eq!((m.from(), m.to()), (2, 1), "{failure}");
    assert_replays(&failure, bank_transfer::buggy);
}

/// With minimization off the token is the one exploration found: the
/// same execution count, no minimization line, and (here) another token.
#[test]
fn minimize_false_reports_the_schedule_as_found() {
    let minimized = random(0).explore(lost_update).expect_err("the lost update");
    let found = random(0).minimize(false).explore(lost_update).expect_err("the lost update");
    assert_eq!(found.minimization(), None);
    assert_eq!(found.executions(), minimized.executions());
    assert_ne!(found.schedule(), minimized.schedule());
    assert!(!found.to_string().contains("minimized from"), "{found}");
    // The token as found still replays to the same failure.
    assert_replays(&found, lost_update);
    // A zero budget is the same as turning it off.
    let zero = random(0).minimize_budget(0).explore(lost_update).expect_err("the lost update");
    assert_eq!(zero.schedule(), found.schedule());
    assert_eq!(zero.minimization(), None);
}

/// The budget caps the replays, and the result is the same on every run.
#[test]
fn the_budget_caps_the_replays_deterministically() {
    let run = |budget| random(0).minimize_budget(budget).explore(ring_buffer::buggy).expect_err("the panic");
    let small = run(3);
    let m = small.minimization().expect("minimized");
    assert_eq!(m.replays(), 3, "{m}");
    assert_eq!(small.to_string(), run(3).to_string());
    let full = run(DEFAULT_BUDGET);
    assert!(full.minimization().unwrap().to() <= m.to());
    assert_eq!(full.to_string(), run(DEFAULT_BUDGET).to_string());
}

/// Minimization runs after threads joined, from the lowest failing
/// execution: the report does not depend on the number of threads.
#[test]
fn threads_do_not_change_the_minimized_report() {
    let one = random(2).explore(semaphore::buggy).expect_err("the panic");
    let two = random(2).threads(2).explore(semaphore::buggy).expect_err("the panic");
    assert_eq!(one.details(), two.details());
    assert_eq!(one.schedule(), two.schedule());
}

/// A lock-order inversion spans several executions and is not minimized;
/// neither is a failure at the step limit.
#[test]
fn potential_deadlocks_and_nontermination_are_reported_as_found() {
    let inversion = Config::default()
        .strategy(Strategy::Dfs { preemption_bound: None })
        .explore(|| {
            let a = Arc::new(goweave::sync::Mutex::new(0));
            let b = Arc::new(goweave::sync::Mutex::new(0));
            let (a2, b2) = (a.clone(), b.clone());
            let (done_tx, done) = goweave::chan::<()>(0);
            goweave::go(move || {
                {
                    let _a = a2.lock();
                    let _b = b2.lock();
                }
                done_tx.send(());
            });
            done.recv();
            let _b = b.lock();
            let _a = a.lock();
        })
        .expect_err("the inversion");
    assert_eq!(inversion.kind(), FailureKind::PotentialDeadlock);
    assert_eq!(inversion.minimization(), None);
    let spin = random(0)
        .max_steps(50)
        .explore(|| {
            let flag = Arc::new(AtomicUsize::new(0));
            let f = flag.clone();
            goweave::go(move || f.store(1, Ordering::SeqCst));
            // The flag never reaches 2: the body spins until max_steps.
            while flag.load(Ordering::SeqCst) < 2 {
                goweave::yield_now();
            }
        })
        .expect_err("the spin");
    assert_eq!(spin.kind(), FailureKind::Nontermination);
    assert_eq!(spin.minimization(), None);
}
