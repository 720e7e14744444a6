//! Exhaustive search with virtual time: sleeps, timeouts in selects and
//! clock reads beside atomics and channels. Within `timer_bound` early
//! firings, the reduction must see every outcome naive enumeration sees.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use goweave::chan::{Receiver, Sender};
use goweave::sync::atomic::{AtomicUsize, Ordering};
use goweave::{Config, Strategy as Search};
use proptest::prelude::*;

#[derive(Clone, Copy, Debug)]
enum Op {
    Sleep(u64),
    Add,
    Load,
    TrySend,
    /// A select: a value from the channel, or a timeout after so long.
    RecvOrTimeout(u64),
    /// Two clock reads: time can pass between them.
    Elapsed,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1..3u64).prop_map(Op::Sleep),
        Just(Op::Add),
        Just(Op::Load),
        Just(Op::TrySend),
        (1..3u64).prop_map(Op::RecvOrTimeout),
        Just(Op::Elapsed),
    ]
}

fn work(me: usize, ops: &[Op], tx: &Sender<usize>, rx: &Receiver<usize>, count: &AtomicUsize) -> Vec<usize> {
    let ms = Duration::from_millis;
    ops.iter()
        .map(|&op| match op {
            Op::Sleep(d) => {
                goweave::time::sleep(ms(d));
                0
            }
            Op::Add => count.fetch_add(1, Ordering::SeqCst),
            Op::Load => count.load(Ordering::SeqCst),
            Op::TrySend => usize::from(tx.try_send(me).is_ok()),
            Op::RecvOrTimeout(d) => goweave::select! {
                recv(rx) -> v => v.unwrap_or(77),
                recv(goweave::time::after(ms(d))) -> _ => 88,
            },
            Op::Elapsed => goweave::time::now().elapsed().as_millis() as usize,
        })
        .collect()
}

/// Every outcome, `None` if the search did not finish in its budget.
fn outcomes(strategy: Search, cap: usize, tasks: &[Vec<Op>]) -> Option<BTreeSet<String>> {
    let tasks = tasks.to_vec();
    let config = Config::default().strategy(strategy).iterations(100_000).threads(1);
    let (seen, stats) = support::outcome_set(config, move || {
        let (tx, rx) = goweave::chan::<usize>(cap);
        let count = Arc::new(AtomicUsize::new(0));
        let others: Vec<_> = tasks[1..]
            .iter()
            .enumerate()
            .map(|(i, ops)| {
                let (ops, tx, rx, count) = (ops.clone(), tx.clone(), rx.clone(), count.clone());
                goweave::go(move || work(i + 1, &ops, &tx, &rx, &count))
            })
            .collect();
        let mut logs = vec![work(0, &tasks[0], &tx, &rx, &count)];
        logs.extend(others.into_iter().map(|t| t.join().unwrap()));
        format!("{logs:?}")
    })
    .unwrap_or_else(|f| panic!("{f}"));
    stats.exhausted().then_some(seen)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn dpor_finds_every_outcome_of_naive_enumeration_with_timers(
        cap in 0..=1usize,
        tasks in proptest::collection::vec(proptest::collection::vec(op(), 1..=3), 2..=3)
            .prop_filter("at most 5 operations", |t| t.iter().map(Vec::len).sum::<usize>() <= 5)
    ) {
        let naive = outcomes(Search::NaiveDfs, cap, &tasks);
        prop_assume!(naive.is_some());
        let found = outcomes(Search::Dfs { preemption_bound: None }, cap, &tasks);
        prop_assert_eq!(found, naive);
    }
}

fn same_as_naive(cap: usize, tasks: &[Vec<Op>]) {
    let naive = outcomes(Search::NaiveDfs, cap, tasks).expect("naive enumeration finishes");
    let found = outcomes(Search::Dfs { preemption_bound: None }, cap, tasks).expect("the search finishes");
    let missing: Vec<_> = naive.difference(&found).collect();
    assert!(missing.is_empty(), "{tasks:?}: the search missed {missing:?}");
}

#[test]
fn a_timeout_can_fire_before_a_ready_value_is_taken() {
    // The select takes the buffered value at once, which stops its timer:
    // firing the timer first was never tried, as no step races with a
    // firing that does not happen.
    same_as_naive(1, &[vec![Op::TrySend, Op::RecvOrTimeout(1)], vec![Op::Add]]);
}

#[test]
fn a_forced_firing_races_with_the_sleep_before_it() {
    // Both tasks sleep; time passes when both wait. Firing the first timer
    // before the second task sleeps starts its sleep later, and the second
    // clock read can then see time pass.
    same_as_naive(0, &[vec![Op::Sleep(1), Op::Elapsed], vec![Op::Sleep(1)]]);
}
