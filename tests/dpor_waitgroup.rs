//! Exhaustive search with WaitGroups: `done()` calls commute with each
//! other (the one that reaches zero included), so workers finishing in any
//! order are one interleaving, not n!. The reduction must still see every
//! outcome that naive enumeration sees: with the body waiting (first
//! proptest), and with tasks that wait, reuse the group and drive its
//! counter below zero, whose Go panics are outcomes (second proptest).
//!
//! A mutation check builds the engine with one of the WaitGroup rules
//! broken (see `runtime/build.rs`); one of the proptests here must then
//! fail:
//!
//! ```text
//! GOWEAVE_MUTANT=wg-final-reads CARGO_TARGET_DIR=target/mutant \
//!     cargo test --release -p goweave-tests --test search dpor_waitgroup
//! ```

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

/// What a task does in the programs of the second proptest, which waits,
/// reuses the group and drives its counter below zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Act {
    /// `done()`: one of the decrements the body's `add` paid for.
    Done,
    /// `wait()`, logged when it returns (Go's reuse panic ends the task).
    Wait,
    /// `add(1)` then `done()`: a round of the task's own. After a wait has
    /// returned, it reuses the group; it races with the other tasks' waits
    /// (which block, pass, or panic on their return).
    Round,
    /// A `fetch_add` on the atomic.
    Bump,
    /// A load of the atomic, logged.
    Load,
}

/// A task: what it does before its wait (if it waits) and after.
#[derive(Clone, Debug)]
struct Task {
    before: Vec<Act>,
    waits: bool,
    after: Vec<Act>,
}

impl Task {
    fn acts(&self) -> Vec<Act> {
        let mut acts = self.before.clone();
        if self.waits {
            acts.push(Act::Wait);
            acts.extend(&self.after);
        }
        acts
    }

    fn dones(&self) -> usize {
        self.before.iter().filter(|&&a| a == Act::Done).count()
    }
}

fn task() -> impl Strategy<Value = Task> {
    let before = proptest::collection::vec(
        prop_oneof![3 => Just(Act::Done), 1 => Just(Act::Round), 1 => Just(Act::Bump), 1 => Just(Act::Load)],
        0..=2,
    );
    let after = proptest::collection::vec(
        prop_oneof![2 => Just(Act::Round), 1 => Just(Act::Bump), 1 => Just(Act::Load)],
        0..=1,
    );
    (before, any::<bool>(), after).prop_map(|(before, waits, after)| Task { before, waits, after })
}

/// A program of the second proptest: 1-3 tasks, and whether the body adds
/// one less than the `done()` calls (one of them panics with Go's
/// "negative WaitGroup counter").
///
/// It never deadlocks, so that every execution has an outcome: each task
/// calls its `done()`s before it waits and waits inside no round of its
/// own, so the counter gets back to zero once every task waits or has
/// ended. With a negative counter, only tasks that do not wait call
/// `done()`, at most once each (the panicking one is then the last
/// decrement, and the counter ends at -1 plus the open rounds): the body
/// joins them, then adds 1, which releases the waiters.
fn reuse_program() -> impl Strategy<Value = (Vec<Task>, bool)> {
    (proptest::collection::vec(task(), 1..=3), any::<bool>())
        .prop_map(|(tasks, negative)| normalize(tasks, negative))
        .prop_filter("naive enumeration stays small", |(tasks, _)| small(tasks))
}

/// Makes `tasks` a program as [`reuse_program`] describes: nothing after
/// the wait of a task that does not wait, and with a negative counter
/// (if some task calls `done()`) at most one `done()` per task and none
/// in a task that waits.
fn normalize(mut tasks: Vec<Task>, negative: bool) -> (Vec<Task>, bool) {
    for t in &mut tasks {
        if !t.waits {
            t.after.clear();
        }
    }
    if negative {
        for t in &mut tasks {
            let mut seen = t.waits;
            for a in &mut t.before {
                if *a == Act::Done {
                    if seen {
                        *a = Act::Bump;
                    }
                    seen = true;
                }
            }
        }
    }
    let negative = negative && tasks.iter().any(|t| t.dones() > 0);
    (tasks, negative)
}

/// Some task waits, and the tasks take at most 5 steps (a round is two).
fn small(tasks: &[Task]) -> bool {
    let steps: usize = tasks.iter().flat_map(Task::acts).map(|a| if a == Act::Round { 2 } else { 1 }).sum();
    steps <= 5 && tasks.iter().any(|t| t.waits)
}

/// Runs a program of the second proptest: each task's log (loads, and
/// `u64::MAX` for a wait that returned), how it ended (Go's panic message,
/// if any) and the atomic's final value.
fn run_reuse(tasks: &[Task], negative: bool) -> String {
    let x = Arc::new(AtomicUsize::new(0));
    let wg = Arc::new(WaitGroup::new());
    let dones: usize = tasks.iter().map(Task::dones).sum();
    let initial = if negative { dones - 1 } else { dones };
    if initial > 0 {
        wg.add(initial as isize);
    }
    let logs: Vec<Arc<StdMutex<Vec<usize>>>> = tasks.iter().map(|_| Arc::default()).collect();
    let handles: Vec<_> = tasks
        .iter()
        .zip(&logs)
        .map(|(t, log)| {
            let (acts, x, wg, log) = (t.acts(), x.clone(), wg.clone(), log.clone());
            goweave::go(move || {
                for a in acts {
                    match a {
                        Act::Done => wg.done(),
                        Act::Wait => {
                            wg.wait();
                            log.lock().unwrap().push(usize::MAX);
                        }
                        Act::Round => {
                            wg.add(1);
                            wg.done();
                        }
                        Act::Bump => {
                            x.fetch_add(1, Ordering::SeqCst);
                        }
                        Act::Load => {
                            let v = x.load(Ordering::SeqCst);
                            log.lock().unwrap().push(v);
                        }
                    }
                }
            })
        })
        .collect();
    let mut ends = vec![String::new(); tasks.len()];
    let mut handles: Vec<_> = handles.into_iter().map(Some).collect();
    // Those that do not wait first: with a negative counter, their done()
    // calls have all happened then, and an add releases the waiters.
    let (waiting, not): (Vec<usize>, Vec<usize>) = (0..tasks.len()).partition(|&i| tasks[i].waits);
    for (k, i) in not.into_iter().chain(waiting).enumerate() {
        if negative && k == tasks.iter().filter(|t| !t.waits).count() {
            wg.add(1);
        }
        ends[i] = match handles[i].take().unwrap().join() {
            Ok(()) => "ok".to_string(),
            Err(p) => p.message().to_string(),
        };
    }
    let logs: Vec<Vec<usize>> = logs.iter().map(|l| l.lock().unwrap().clone()).collect();
    format!("{logs:?} {ends:?} {}", x.load(Ordering::SeqCst))
}

fn reuse_outcomes(strategy: Search, tasks: &[Task], negative: bool) -> (BTreeSet<String>, u64) {
    let tasks = tasks.to_vec();
    // Reusing a group while a task may still wait on it is a race in Go's
    // model too: the race checker would stop the search at the first.
    let config = Config::default().strategy(strategy).iterations(500_000).threads(1).race_checks(false);
    support::exhaustive_outcomes(config, move || run_reuse(&tasks, negative))
}

proptest! {
    // Small programs, a few milliseconds each: many cases, so that each
    // mutant of the WaitGroup rules (see the module comment) fails without
    // the saved regressions.
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    /// Waits in tasks, rounds that reuse the group (Go's "WaitGroup is
    /// reused before previous Wait has returned" when a woken waiter
    /// returns after the next add), and a negative counter.
    #[test]
    fn dpor_with_waitgroup_reuse_and_misuse_finds_every_outcome_of_naive_enumeration(
        (tasks, negative) in reuse_program()
    ) {
        let (naive, naive_runs) = reuse_outcomes(Search::NaiveDfs, &tasks, negative);
        let (dpor, dpor_runs) = reuse_outcomes(Search::Dfs { preemption_bound: None }, &tasks, negative);
        prop_assert_eq!(&dpor, &naive);
        prop_assert!(dpor_runs <= naive_runs, "dpor {} > naive {}", dpor_runs, naive_runs);
    }
}

/// Every program of the second proptest's kind with two tasks, or three
/// short ones, made of `done()`, rounds and loads (a few thousand, each a
/// fraction of a millisecond):
/// the random programs rarely hit some shapes a wrong rule needs, such as
/// a task that calls `done()` and then waits beside one that calls
/// `done()` and then reuses the group.
#[test]
fn dpor_with_waitgroups_finds_every_outcome_of_naive_enumeration_in_every_small_program() {
    let acts = [Act::Done, Act::Round, Act::Load];
    let mut befores = vec![Vec::new()];
    befores.extend(acts.iter().map(|&a| vec![a]));
    befores.extend(acts.iter().flat_map(|&a| acts.iter().map(move |&b| vec![a, b])));
    let mut tasks = Vec::new();
    for before in &befores {
        tasks.push(Task { before: before.clone(), waits: false, after: Vec::new() });
        for after in [&[][..], &[Act::Round], &[Act::Load]] {
            tasks.push(Task { before: before.clone(), waits: true, after: after.to_vec() });
        }
    }
    let mut programs = Vec::new();
    for a in &tasks {
        for b in &tasks {
            programs.push(vec![a.clone(), b.clone()]);
        }
    }
    // Three tasks of one act (or none) and a wait, or not.
    let short: Vec<&Task> = tasks.iter().filter(|t| t.before.len() <= 1 && t.after.is_empty()).collect();
    for a in &short {
        for b in &short {
            for c in &short {
                programs.push(vec![(*a).clone(), (*b).clone(), (*c).clone()]);
            }
        }
    }
    let mut checked = 0;
    for program in programs {
        for negative in [false, true] {
            let (program, negative) = normalize(program.clone(), negative);
            if !small(&program) {
                continue;
            }
            let (naive, naive_runs) = reuse_outcomes(Search::NaiveDfs, &program, negative);
            let (dpor, dpor_runs) =
                reuse_outcomes(Search::Dfs { preemption_bound: None }, &program, negative);
            assert_eq!(dpor, naive, "{program:?}, negative: {negative}");
            assert!(dpor_runs <= naive_runs, "{program:?}: dpor {dpor_runs} > naive {naive_runs}");
            checked += 1;
        }
    }
    assert!(checked > 1_000, "{checked} programs");
}

/// Executions of an exhaustive search of `workers` tasks that each call
/// `done()` once while the body waits.
fn fan_in_executions(workers: usize) -> u64 {
    dfs_executions(move || {
        let wg = Arc::new(WaitGroup::new());
        wg.add(workers as isize);
        for _ in 0..workers {
            let wg = wg.clone();
            goweave::go(move || wg.done());
        }
        wg.wait();
    })
}

/// Executions of a whole exhaustive search of `body`, on one thread.
fn dfs_executions(body: impl Fn() + Send + Sync + 'static) -> u64 {
    let stats = Config::default()
        .strategy(Search::Dfs { preemption_bound: None })
        .iterations(1_000_000)
        .threads(1)
        .explore(body)
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted());
    stats.executions()
}

#[test]
fn workers_finishing_in_any_order_are_not_each_explored() {
    // done() calls commute with each other, the one that reaches zero
    // included (swapped, the other one reaches zero and wakes the same
    // waiters), and the body's wait, which lets the workers run first,
    // passes after the last one: its race with it is held, as no add
    // reuses the group. 1 execution, where fully dependent done() calls
    // took (n+1)! (2, 6, 24, 120, 720), done() calls ordered with the last
    // one 2n (2, 4, 6, 8, 10), and a wait explored blocked and passing 2.
    let counts: Vec<u64> = (1..=5).map(fan_in_executions).collect();
    assert_eq!(counts, [1, 1, 1, 1, 1]);
}

#[test]
fn four_done_workers_and_a_waiting_body_take_one_execution() {
    // Issue 20's target. A wait that blocks before the last done() differs
    // from one that passes after it only if an add from zero comes before
    // the woken waiter returns (Go's reuse panic): the search holds that
    // race until an add shows up (see `Footprint::passing_wait` and the
    // `wg-held-forever` mutant), and the proptests above find the reuse
    // panics it then explores.
    assert_eq!(fan_in_executions(4), 1);
}

#[test]
fn results_read_after_the_wait_add_no_execution() {
    // Each worker stores its result, then calls done(); the body reads them
    // all after its wait. A wait that returns at zero is ordered after
    // every done() (Access::Collect), so the loads do not race with the
    // stores: the same 1 execution as without data, where ordering it
    // after the last done() only took 2n.
    let counts: Vec<u64> = (1..=4)
        .map(|n| {
            dfs_executions(move || {
                let wg = Arc::new(WaitGroup::new());
                let results: Arc<Vec<AtomicUsize>> = Arc::new((0..n).map(|_| AtomicUsize::new(0)).collect());
                wg.add(n as isize);
                for i in 0..n {
                    let (wg, results) = (wg.clone(), results.clone());
                    goweave::go(move || {
                        results[i].store(i + 1, Ordering::SeqCst);
                        wg.done();
                    });
                }
                wg.wait();
                for (i, r) in results.iter().enumerate() {
                    assert_eq!(r.load(Ordering::SeqCst), i + 1);
                }
            })
        })
        .collect();
    assert_eq!(counts, [1, 1, 1, 1]);
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

/// The programs the second proptest shrank to when a rule was wrong: DPOR
/// must find what naive enumeration finds, Go's reuse panic included.
#[test]
fn the_reuse_panic_is_found_where_a_rule_once_missed_it() {
    let task = |before: &[Act], waits: bool| Task { before: before.to_vec(), waits, after: Vec::new() };
    let reused = "sync: WaitGroup is reused before previous Wait has returned";
    let programs = [
        // A waiter blocked before the last done() (with a blocking wait
        // that commuted with that done(), never explored), and the other
        // done() drives the counter below zero before the waiter returns.
        (vec![task(&[Act::Done], false), task(&[Act::Done], false), task(&[], true)], true),
        // The waiting task's own done() does not reach zero only if it
        // comes before the other task's first done(), which a passing wait
        // that did not race with that done() never explored (nor did the
        // rules before issue 20: the other task's done() was asleep with
        // the footprint of a done() that does not reach zero).
        (vec![task(&[Act::Done, Act::Round], false), task(&[Act::Done], true)], false),
    ];
    for (tasks, negative) in programs {
        let (naive, _) = reuse_outcomes(Search::NaiveDfs, &tasks, negative);
        let (dpor, _) = reuse_outcomes(Search::Dfs { preemption_bound: None }, &tasks, negative);
        assert!(naive.iter().any(|o| o.contains(reused)), "{naive:?}");
        assert_eq!(dpor, naive, "{tasks:?}");
    }
}
