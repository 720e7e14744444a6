//! Exhaustive search with virtual time: sleeps, timeouts in selects and
//! clock reads beside atomics and channels. Within `timer_bound` early
//! firings, and whatever `early_timers` allows to fire early, the reduction
//! must see every outcome naive enumeration sees.

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
fn outcomes(strategy: Search, early: Duration, cap: usize, tasks: &[Vec<Op>]) -> Option<BTreeSet<String>> {
    outcomes_on(strategy, 1, early, cap, tasks)
}

/// The same over `threads`, split from the first execution.
fn outcomes_on(
    strategy: Search,
    threads: usize,
    early: Duration,
    cap: usize,
    tasks: &[Vec<Op>],
) -> Option<BTreeSet<String>> {
    let tasks = tasks.to_vec();
    // No bound on early firings (a program has at most five timers): naive
    // enumeration has none, and a search cut by one is not exhausted.
    let config = Config::default()
        .strategy(strategy)
        .iterations(100_000)
        .threads(threads)
        .split_after(0)
        .early_timers(early)
        .timer_bound(8);
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
        // None, the 1 ms timers only, or every timer (durations are 1-2 ms).
        early in prop_oneof![Just(0u64), Just(1), Just(u64::MAX)].prop_map(|ms| match ms {
            u64::MAX => Duration::MAX,
            ms => Duration::from_millis(ms),
        }),
        tasks in proptest::collection::vec(proptest::collection::vec(op(), 1..=3), 2..=3)
            .prop_filter("at most 5 operations", |t| t.iter().map(Vec::len).sum::<usize>() <= 5)
    ) {
        let naive = outcomes(Search::NaiveDfs, early, cap, &tasks);
        prop_assume!(naive.is_some());
        let found = outcomes(Search::Dfs { preemption_bound: None }, early, cap, &tasks);
        prop_assert_eq!(&found, &naive);
        let split = outcomes_on(Search::Dfs { preemption_bound: None }, 2, early, cap, &tasks);
        prop_assert_eq!(&split, &naive);
    }
}

fn same_as_naive(cap: usize, tasks: &[Vec<Op>]) {
    for early in [Duration::ZERO, Duration::from_millis(1), Duration::MAX] {
        let naive = outcomes(Search::NaiveDfs, early, cap, tasks).expect("naive enumeration finishes");
        let found =
            outcomes(Search::Dfs { preemption_bound: None }, early, cap, tasks).expect("the search finishes");
        let missing: Vec<_> = naive.difference(&found).collect();
        assert!(missing.is_empty(), "{tasks:?}, early_timers {early:?}: the search missed {missing:?}");
    }
}

#[test]
fn early_timers_change_what_a_timeout_can_race_with() {
    // A 2 ms timeout against a task that can always send: it can win only
    // when it may fire early.
    let tasks = [vec![Op::RecvOrTimeout(2)], vec![Op::TrySend]];
    let timed_out = |early| {
        let seen = outcomes(Search::NaiveDfs, early, 1, &tasks).expect("naive enumeration finishes");
        seen.iter().any(|s| s.starts_with("[[88]"))
    };
    assert!(!timed_out(Duration::ZERO));
    assert!(!timed_out(Duration::from_millis(1)));
    assert!(timed_out(Duration::from_millis(2)));
    assert!(timed_out(Duration::MAX));
    same_as_naive(1, &tasks);
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

#[test]
fn timeouts_due_at_one_instant_can_both_fire_before_either_task_runs() {
    // Both selects time out at 2 ms. When the first timeout has woken its
    // task, the second can fire before that task's try_send, which then
    // finds no partner. Firing after it instead lets the try_send pair with
    // the select still waiting, taking away that select's own move (to
    // the timer's value): no step of it ever runs to show the race.
    same_as_naive(0, &[vec![Op::RecvOrTimeout(2), Op::TrySend], vec![Op::RecvOrTimeout(2), Op::TrySend]]);
}

#[test]
fn an_early_firing_lets_other_timers_fire_early() {
    // Firing the sleep's timer advances the clock, after which the
    // select's 2 ms timeout may fire early, before the select takes the
    // value sent: the firing touches the timeout's channel, so it races
    // with the select (mutant `fire-ignores-timer-channels`).
    same_as_naive(1, &[vec![Op::TrySend, Op::Sleep(1)], vec![Op::RecvOrTimeout(2), Op::Sleep(1)]]);
}

#[test]
fn an_early_firing_carried_to_an_earlier_state_may_fire_another_timer() {
    // Firing early touches the timers and what the earliest one wakes or
    // fills. Moved earlier by a wakeup sequence, the firing may fire
    // another timer there: compared as it ran, the search missed time
    // passing twice between the second task's two clock reads.
    same_as_naive(0, &[vec![Op::RecvOrTimeout(1)], vec![Op::Sleep(1), Op::Elapsed], vec![Op::Sleep(1)]]);
}

#[test]
fn a_timer_left_behind_by_a_select_can_fire_before_a_later_sleep_starts() {
    // The select takes the value sent, leaving its 1 ms timer behind. That
    // timer may fire before the sender's sleep starts, which then ends at
    // 2 ms, and the body's clock read sees both firings.
    same_as_naive(0, &[vec![Op::Elapsed], vec![Op::TrySend, Op::Sleep(1)], vec![Op::RecvOrTimeout(1)]]);
}
