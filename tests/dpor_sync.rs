//! Exhaustive search with read-write locks, mutexes (with their try
//! forms) and `Once` beside atomics: the reduction must see every outcome
//! naive enumeration sees.

use std::collections::BTreeSet;
use std::sync::Arc;

use goweave::sync::atomic::{AtomicUsize, Ordering};
use goweave::sync::{Mutex, Once, RwMutex};
use goweave::{Config, Strategy as Search};
use proptest::prelude::*;

#[derive(Clone, Copy, Debug)]
enum Step {
    Read,
    Write,
    TryRead,
    TryWrite,
    Once,
    Locked,
    TryLock,
    Add,
    Load,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => Just(Step::Read),
        3 => Just(Step::Write),
        1 => Just(Step::TryRead),
        1 => Just(Step::TryWrite),
        1 => Just(Step::Once),
        1 => Just(Step::Locked),
        1 => Just(Step::TryLock),
        1 => Just(Step::Add),
        1 => Just(Step::Load),
    ]
}

fn run(program: &[Vec<Step>]) -> String {
    let lock = Arc::new(RwMutex::new(0usize));
    let mutex = Arc::new(Mutex::new(0usize));
    let once = Arc::new(Once::new());
    let count = Arc::new(AtomicUsize::new(0));
    let work = |i: usize,
                steps: Vec<Step>,
                lock: Arc<RwMutex<usize>>,
                mutex: Arc<Mutex<usize>>,
                once: Arc<Once>,
                count: Arc<AtomicUsize>| {
        let mut log = Vec::new();
        for s in steps {
            log.push(match s {
                Step::Read => *lock.read(),
                Step::Write => {
                    let mut g = lock.write();
                    *g = *g * 10 + i;
                    *g
                }
                Step::TryRead => lock.try_read().map_or(99, |g| *g),
                Step::TryWrite => lock.try_write().map_or(98, |mut g| {
                    *g += 100;
                    *g
                }),
                Step::Once => {
                    once.call_once(|| {
                        count.fetch_add(i + 1, Ordering::SeqCst);
                    });
                    count.load(Ordering::SeqCst)
                }
                Step::Locked => {
                    let mut g = mutex.lock();
                    *g += 1;
                    *g
                }
                Step::TryLock => mutex.try_lock().map_or(97, |g| *g),
                Step::Add => count.fetch_add(1, Ordering::SeqCst),
                Step::Load => count.load(Ordering::SeqCst),
            });
        }
        log
    };
    let others: Vec<_> = program[1..]
        .iter()
        .enumerate()
        .map(|(i, steps)| {
            let (steps, lock, mutex) = (steps.clone(), lock.clone(), mutex.clone());
            let (once, count) = (once.clone(), count.clone());
            goweave::go(move || work(i + 1, steps, lock, mutex, once, count))
        })
        .collect();
    let mut logs = vec![work(0, program[0].clone(), lock.clone(), mutex, once, count)];
    logs.extend(others.into_iter().map(|t| t.join().unwrap()));
    let last = *lock.read();
    format!("{logs:?} {last}")
}

fn outcomes(strategy: Search, program: &[Vec<Step>]) -> (BTreeSet<String>, u64) {
    outcomes_on(strategy, 1, program)
}

/// The same over `threads`, split from the first execution.
fn outcomes_on(strategy: Search, threads: usize, program: &[Vec<Step>]) -> (BTreeSet<String>, u64) {
    let p = program.to_vec();
    split_outcomes(strategy, threads, move || run(&p))
}

/// The outcomes of `body` explored with `strategy` over `threads`, split
/// from the first execution, and how many executions it took.
fn split_outcomes(
    strategy: Search,
    threads: usize,
    body: impl Fn() -> String + Send + Sync + 'static,
) -> (BTreeSet<String>, u64) {
    let config = Config::default().strategy(strategy).iterations(1_000_000).threads(threads).split_after(0);
    support::exhaustive_outcomes(config, body)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn dpor_finds_every_outcome_of_naive_enumeration_with_locks_and_once(
        program in proptest::collection::vec(proptest::collection::vec(step(), 1..=3), 2..=3)
            .prop_filter("at most 5 steps", |p| p.iter().map(Vec::len).sum::<usize>() <= 5)
    ) {
        let (naive, naive_runs) = outcomes(Search::NaiveDfs, &program);
        let (found, runs) = outcomes(Search::Dfs { preemption_bound: None }, &program);
        prop_assert_eq!(&found, &naive);
        prop_assert!(runs <= naive_runs, "dpor {} > naive {}", runs, naive_runs);
        let (split, _) = outcomes_on(Search::Dfs { preemption_bound: None }, 2, &program);
        prop_assert_eq!(&split, &naive);
    }
}

/// The search's outcomes, checked against naive enumeration's.
fn same_as_naive(program: &[Vec<Step>]) -> u64 {
    let (naive, _) = outcomes(Search::NaiveDfs, program);
    let (found, runs) = outcomes(Search::Dfs { preemption_bound: None }, program);
    let missing: Vec<_> = naive.difference(&found).collect();
    assert!(missing.is_empty(), "{program:?}: the search missed {missing:?}");
    runs
}

#[test]
fn a_reader_goes_before_a_writer_that_locked_first() {
    // The writer's unlock used to race with the reader's lock and hide the
    // race with the writer's lock: the reader never read the old value.
    use Step::*;
    same_as_naive(&[vec![Load], vec![Write], vec![Add, Read]]);
    same_as_naive(&[vec![Read], vec![Write], vec![Once, Read]]);
}

#[test]
fn try_write_finds_the_lock_free_between_two_readers() {
    // One reader unlocks before the other locks: try_write succeeds in
    // between. Readers' locks and unlocks used to commute.
    use Step::*;
    same_as_naive(&[vec![Once, Read], vec![Read, Add], vec![TryWrite, Add]]);
}

/// What a task of the condition-variable programs does: waiters wait
/// (under the mutex) until the count reaches their target; the others
/// raise it and signal or broadcast, and touch an atomic meanwhile.
#[derive(Clone, Copy, Debug)]
enum CondStep {
    /// Waits until the count is at least this, then logs it.
    WaitFor(usize),
    /// Raises the count under the mutex and signals one waiter.
    RaiseSignal,
    /// Raises the count under the mutex and wakes every waiter.
    RaiseBroadcast,
    /// Raises the count under the mutex, unlocks, then signals (Go allows
    /// it: the signal is then ordered with the waits by the `Cond` only).
    RaiseThenSignal,
    Add,
    Load,
}

fn cond_step(waits: bool) -> impl Strategy<Value = CondStep> {
    let sync = if waits {
        (1..=2usize).prop_map(CondStep::WaitFor).boxed()
    } else {
        prop_oneof![
            2 => Just(CondStep::RaiseSignal),
            1 => Just(CondStep::RaiseBroadcast),
            2 => Just(CondStep::RaiseThenSignal),
        ]
        .boxed()
    };
    prop_oneof![3 => sync, 1 => Just(CondStep::Add), 1 => Just(CondStep::Load)]
}

/// Makes a program that never deadlocks: tasks that wait and tasks that
/// raise, waits for at most the number of raises, and every raising
/// task's last raise broadcasts (after the last raise of all, every waiter
/// wakes and finds the final count; a signal before may wake a waiter
/// whose target is not reached, which waits again).
fn cond_program() -> impl Strategy<Value = Vec<Vec<CondStep>>> {
    let tasks = |waits| proptest::collection::vec(proptest::collection::vec(cond_step(waits), 1..=3), 1..=2);
    (tasks(true), tasks(false))
        .prop_map(|(mut waiters, mut raisers)| {
            let raise = |s: &CondStep| {
                matches!(s, CondStep::RaiseSignal | CondStep::RaiseBroadcast | CondStep::RaiseThenSignal)
            };
            let raises = raisers.iter().flatten().filter(|s| raise(s)).count();
            for s in waiters.iter_mut().flatten() {
                if let CondStep::WaitFor(n) = s {
                    *n = (*n).min(raises);
                }
            }
            for steps in &mut raisers {
                if let Some(last) = steps.iter().rposition(raise) {
                    steps[last] = CondStep::RaiseBroadcast;
                }
            }
            waiters.extend(raisers);
            waiters
        })
        .prop_filter("at most 3 tasks and 5 steps, some wait", |p| {
            p.len() <= 3
                && p.iter().map(Vec::len).sum::<usize>() <= 5
                && p.iter().flatten().any(|s| matches!(s, CondStep::WaitFor(n) if *n > 0))
        })
}

fn run_cond(program: &[Vec<CondStep>]) -> String {
    use goweave::sync::Cond;
    let state = Arc::new((Mutex::new(0usize), Cond::new()));
    let atomic = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = program
        .iter()
        .map(|steps| {
            let (steps, state, atomic) = (steps.clone(), state.clone(), atomic.clone());
            goweave::go(move || {
                let (mutex, cond) = &*state;
                let mut log = Vec::new();
                for s in steps {
                    match s {
                        CondStep::WaitFor(n) => {
                            let mut g = mutex.lock();
                            while *g < n {
                                g = cond.wait(g);
                            }
                            log.push(*g);
                        }
                        CondStep::RaiseSignal | CondStep::RaiseBroadcast => {
                            let mut g = mutex.lock();
                            *g += 1;
                            if matches!(s, CondStep::RaiseSignal) {
                                cond.signal();
                            } else {
                                cond.broadcast();
                            }
                        }
                        CondStep::RaiseThenSignal => {
                            *mutex.lock() += 1;
                            cond.signal();
                        }
                        CondStep::Add => {
                            atomic.fetch_add(1, Ordering::SeqCst);
                        }
                        CondStep::Load => log.push(100 + atomic.load(Ordering::SeqCst)),
                    }
                }
                log
            })
        })
        .collect();
    let logs: Vec<_> = handles.into_iter().map(|t| t.join().unwrap()).collect();
    format!("{logs:?}")
}

fn cond_outcomes(strategy: Search, threads: usize, program: &[Vec<CondStep>]) -> (BTreeSet<String>, u64) {
    let p = program.to_vec();
    split_outcomes(strategy, threads, move || run_cond(&p))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// A wait unlocks the mutex and joins the waiters; a signal or
    /// broadcast changes the waiters, also one made after unlocking (see
    /// the lost wake-up test below for what the mutex cannot order).
    #[test]
    fn dpor_finds_every_outcome_of_naive_enumeration_with_condition_variables(program in cond_program()) {
        let (naive, naive_runs) = cond_outcomes(Search::NaiveDfs, 1, &program);
        let (found, runs) = cond_outcomes(Search::Dfs { preemption_bound: None }, 1, &program);
        prop_assert_eq!(&found, &naive);
        prop_assert!(runs <= naive_runs, "dpor {} > naive {}", runs, naive_runs);
        let (split, _) = cond_outcomes(Search::Dfs { preemption_bound: None }, 2, &program);
        prop_assert_eq!(&split, &naive);
    }
}

#[test]
fn a_signal_that_comes_before_the_wait_is_lost_and_the_waiter_deadlocks() {
    // The flag is set outside the mutex, so the signal can come between the
    // waiter's check and its wait, and wakes no one: a lost wake-up. Only
    // the order of the signal and the wait shows it (the
    // `cond-wait-ignores-waiters` mutant, a wait that commutes with
    // signals, never runs it): under a lock discipline the mutex orders
    // them anyway, which is why the proptest above cannot tell.
    use goweave::sync::Cond;
    let failure = support::dfs()
        .threads(1)
        .explore(|| {
            let state = Arc::new((Mutex::new(()), Cond::new(), AtomicUsize::new(0)));
            let s = state.clone();
            let waiter = goweave::go(move || {
                let (mutex, cond, flag) = &*s;
                let g = mutex.lock();
                if flag.load(Ordering::SeqCst) == 0 {
                    drop(cond.wait(g));
                }
            });
            let (_, cond, flag) = &*state;
            flag.store(1, Ordering::SeqCst);
            cond.signal();
            waiter.join().unwrap();
        })
        .expect_err("the lost wake-up");
    assert_eq!(failure.kind(), goweave::FailureKind::Deadlock, "{failure}");
}

#[test]
fn a_branch_given_away_still_covers_the_sequences_it_starts() {
    // The thief took the writer's first branch while the body's ran; the
    // owner, which did not know that branch's footprint, added the once's
    // first steps as a branch of their own, whose leaf then hid the
    // sequence the thief sent back (the once, the body's add, the read
    // before the writer). It missed two outcomes in most searches.
    use Step::*;
    let program = [vec![Add], vec![Write], vec![Once, Read, Write]];
    let (naive, _) = outcomes(Search::NaiveDfs, &program);
    for _ in 0..40 {
        let (split, _) = outcomes_on(Search::Dfs { preemption_bound: None }, 2, &program);
        let missing: Vec<_> = naive.difference(&split).collect();
        assert!(missing.is_empty(), "split over 2 threads, the search missed {missing:?}");
    }
}
