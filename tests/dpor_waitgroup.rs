//! Exhaustive search with WaitGroups: `done()` calls that leave the counter
//! above zero commute with each other, so workers finishing in any order
//! are one interleaving, not n!. The reduction must still see every
//! outcome that naive enumeration sees.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex as StdMutex};

use goweave::sync::atomic::{AtomicUsize, Ordering};
use goweave::sync::{Mutex, WaitGroup};
use goweave::{Config, Strategy as Search};
use proptest::prelude::*;

#[derive(Clone, Copy, Debug)]
enum Step {
    Done,
    Add(usize),
    Load(usize),
    Locked,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => Just(Step::Done),
        1 => (0..2usize).prop_map(Step::Add),
        1 => (0..2usize).prop_map(Step::Load),
        1 => Just(Step::Locked),
    ]
}

/// 1-2 workers and 0-1 waiting tasks besides the body, which waits too;
/// at most 3 worker operations (naive enumeration of some 4-operation
/// programs needs more than 500,000 executions). The
/// body adds the number of `done()` calls up front, so the counter never
/// goes below zero and every waiter is released.
fn program() -> impl Strategy<Value = (Vec<Vec<Step>>, usize)> {
    (proptest::collection::vec(proptest::collection::vec(step(), 1..=3), 1..=2), 0..=1usize)
        .prop_filter("at most 3 operations", |(w, _)| w.iter().map(Vec::len).sum::<usize>() <= 3)
}

fn run(workers: &[Vec<Step>], waiters: usize) -> String {
    let atomics: Arc<Vec<AtomicUsize>> = Arc::new((0..2).map(|_| AtomicUsize::new(0)).collect());
    let lock = Arc::new(Mutex::new(0usize));
    let wg = Arc::new(WaitGroup::new());
    let dones = workers.iter().flatten().filter(|s| matches!(s, Step::Done)).count();
    wg.add(dones as isize);
    let mut handles = Vec::new();
    for steps in workers {
        let (steps, atomics, lock, wg) = (steps.clone(), atomics.clone(), lock.clone(), wg.clone());
        handles.push(goweave::go(move || {
            let mut log = Vec::new();
            for s in steps {
                match s {
                    Step::Done => wg.done(),
                    Step::Add(a) => {
                        atomics[a].fetch_add(1, Ordering::SeqCst);
                    }
                    Step::Load(a) => log.push(atomics[a].load(Ordering::SeqCst)),
                    Step::Locked => {
                        let mut g = lock.lock();
                        *g += 1;
                        log.push(*g);
                    }
                }
            }
            log
        }));
    }
    for _ in 0..waiters {
        let (atomics, wg) = (atomics.clone(), wg.clone());
        handles.push(goweave::go(move || {
            wg.wait();
            atomics.iter().map(|a| a.load(Ordering::SeqCst)).collect()
        }));
    }
    wg.wait();
    let seen: Vec<usize> = atomics.iter().map(|a| a.load(Ordering::SeqCst)).collect();
    let logs: Vec<Vec<usize>> = handles.into_iter().map(|t| t.join().unwrap()).collect();
    format!("{seen:?} {logs:?}")
}

fn outcomes(strategy: Search, workers: &[Vec<Step>], waiters: usize) -> (BTreeSet<String>, u64) {
    let w = workers.to_vec();
    let config = Config::default().strategy(strategy).iterations(500_000).threads(1);
    support::exhaustive_outcomes(config, move || run(&w, waiters))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn dpor_with_waitgroups_finds_every_outcome_of_naive_enumeration((workers, waiters) in program()) {
        let (naive, naive_runs) = outcomes(Search::NaiveDfs, &workers, waiters);
        let (dpor, dpor_runs) = outcomes(Search::Dfs { preemption_bound: None }, &workers, waiters);
        prop_assert_eq!(&dpor, &naive);
        prop_assert!(dpor_runs <= naive_runs, "dpor {} > naive {}", dpor_runs, naive_runs);
    }
}

/// Executions of an exhaustive search of `workers` tasks that each call
/// `done()` once while the body waits.
fn fan_in_executions(workers: usize) -> u64 {
    let stats = Config::default()
        .strategy(Search::Dfs { preemption_bound: None })
        .iterations(1_000_000)
        .threads(1)
        .explore(move || {
            let wg = Arc::new(WaitGroup::new());
            wg.add(workers as isize);
            for _ in 0..workers {
                let wg = wg.clone();
                goweave::go(move || wg.done());
            }
            wg.wait();
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted());
    stats.executions()
}

#[test]
fn workers_finishing_in_any_order_are_not_each_explored() {
    // done() calls commute with each other, the one that reaches zero
    // included (swapped, the other one reaches zero and wakes the same
    // waiters), and a wait that blocks commutes with them all (woken where
    // it would have passed, it returns the same): one execution, where
    // fully dependent done() calls took (n+1)! (2, 6, 24, 120, 720) and
    // done() calls ordered with the last one took 2n.
    let counts: Vec<u64> = (1..=5).map(fan_in_executions).collect();
    assert_eq!(counts, [1, 1, 1, 1, 1]);
}

#[test]
fn four_done_workers_and_a_waiting_body_take_one_execution() {
    // Issue 20's target: four workers that each call done() once while the
    // body waits.
    assert_eq!(fan_in_executions(4), 1);
}

#[test]
fn a_decrement_that_would_go_negative_is_explored_in_both_orders() {
    // Two done() on a counter of 1: whichever runs second panics, as in
    // Go, so the search must see each task panic.
    let panicked = Arc::new(StdMutex::new(BTreeSet::new()));
    let seen = panicked.clone();
    let stats = Config::default()
        .strategy(Search::Dfs { preemption_bound: None })
        .iterations(1_000)
        .threads(1)
        .explore(move || {
            let wg = Arc::new(WaitGroup::new());
            wg.add(1);
            let tasks: Vec<_> = (0..2)
                .map(|_| {
                    let wg = wg.clone();
                    goweave::go(move || wg.done())
                })
                .collect();
            let failed: Vec<usize> =
                tasks.into_iter().enumerate().filter_map(|(i, t)| t.join().is_err().then_some(i)).collect();
            assert_eq!(failed.len(), 1, "exactly one done() panics");
            seen.lock().unwrap().insert(failed[0]);
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted());
    assert_eq!(*panicked.lock().unwrap(), BTreeSet::from([0, 1]));
}
