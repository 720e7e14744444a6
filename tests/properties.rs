//! Properties of the scheduler on random small programs built from the
//! API: replaying any execution's schedule reproduces its outcome, and the
//! same seed gives the same exploration.

use std::sync::{Arc, Mutex as StdMutex};

use goweave::sync::atomic::{AtomicUsize, Ordering};
use goweave::sync::Mutex;
use goweave::{Config, FailureKind, Strategy as Search};
use proptest::prelude::*;

#[derive(Clone, Copy, Debug)]
enum Step {
    Add(usize),
    Load(usize),
    Locked(usize),
    Send(usize),
    Recv(usize),
    TryRecv(usize),
    SelectRecv,
    Yield,
}

type Program = Vec<Vec<Step>>;

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0..2usize).prop_map(Step::Add),
        (0..2usize).prop_map(Step::Load),
        (0..2usize).prop_map(Step::Locked),
        (0..2usize).prop_map(Step::Send),
        (0..2usize).prop_map(Step::Recv),
        (0..2usize).prop_map(Step::TryRecv),
        Just(Step::SelectRecv),
        Just(Step::Yield),
    ]
}

fn program() -> impl Strategy<Value = Program> {
    proptest::collection::vec(proptest::collection::vec(step(), 1..=4), 2..=4)
}

/// Runs `program`: task i runs `program[i]`; every observation goes into
/// the returned outcome.
fn run(program: &Program) -> String {
    let atomics: Arc<Vec<AtomicUsize>> = Arc::new((0..2).map(|_| AtomicUsize::new(0)).collect());
    let locks: Arc<Vec<Mutex<usize>>> = Arc::new((0..2).map(|_| Mutex::new(0)).collect());
    let chans: Vec<_> = (0..2).map(|_| goweave::chan::<usize>(1)).collect();
    let tasks: Vec<_> = program
        .iter()
        .enumerate()
        .map(|(i, steps)| {
            let (steps, atomics, locks) = (steps.clone(), atomics.clone(), locks.clone());
            let chans: Vec<_> = chans.iter().map(|(tx, rx)| (tx.clone(), rx.clone())).collect();
            goweave::go(move || {
                let mut log = Vec::new();
                for s in steps {
                    match s {
                        Step::Add(a) => {
                            atomics[a].fetch_add(1, Ordering::SeqCst);
                        }
                        Step::Load(a) => log.push(atomics[a].load(Ordering::SeqCst)),
                        Step::Locked(m) => {
                            let mut g = locks[m].lock();
                            *g += 1;
                            log.push(*g);
                        }
                        Step::Send(c) => chans[c].0.send(i),
                        Step::Recv(c) => log.push(chans[c].1.recv().unwrap_or(99)),
                        Step::TryRecv(c) => log.push(chans[c].1.try_recv().unwrap_or(98)),
                        Step::SelectRecv => log.push(goweave::select! {
                            recv(chans[0].1) -> v => v.unwrap_or(97),
                            recv(chans[1].1) -> v => v.unwrap_or(96) + 10,
                            default => 95,
                        }),
                        Step::Yield => goweave::yield_now(),
                    }
                }
                log
            })
        })
        .collect();
    let logs: Vec<Vec<usize>> = tasks.into_iter().map(|t| t.join().unwrap()).collect();
    let finals: Vec<usize> = atomics.iter().map(|a| a.load(Ordering::SeqCst)).collect();
    format!("{logs:?} {finals:?}")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Each execution ends in a failure carrying its outcome (a panic with
    /// the outcome, or a deadlock); replaying its token gives the same
    /// failure and the same report.
    #[test]
    fn replay_reproduces_the_outcome(program in program(), seed in 0u64..1_000, pct in any::<bool>()) {
        let p = Arc::new(program);
        let body = {
            let p = p.clone();
            move || {
                let outcome = run(&p);
                assert!(outcome.is_empty(), "outcome {outcome}");
            }
        };
        let strategy = if pct { Search::Pct { depth: 2 } } else { Search::Random };
        let failure = Config::default().strategy(strategy).seed(seed).iterations(1).explore(body.clone()).unwrap_err();
        prop_assert!(matches!(failure.kind(), FailureKind::Panic | FailureKind::Deadlock), "{}", failure);
        let again = Config::default().replay(failure.schedule().to_string()).explore(body).unwrap_err();
        prop_assert_eq!(again.kind(), failure.kind());
        prop_assert_eq!(again.details(), failure.details());
    }

    /// Two explorations with the same seed run the same executions.
    #[test]
    fn same_seed_same_exploration(program in program(), seed in 0u64..1_000) {
        let explore = |strategy| {
            let seen = Arc::new(StdMutex::new(Vec::new()));
            let (s, p) = (seen.clone(), Arc::new(program.clone()));
            let result = Config::default()
                .strategy(strategy)
                .seed(seed)
                .iterations(30)
                .threads(1)
                .explore(move || {
                    let outcome = run(&p);
                    s.lock().unwrap().push(outcome);
                });
            let summary = match result {
                Ok(stats) => format!("ok {}", stats.executions()),
                Err(f) => format!("{:?} {} {}", f.kind(), f.schedule(), f.details()),
            };
            let outcomes = seen.lock().unwrap().clone();
            (summary, outcomes)
        };
        for strategy in [Search::Random, Search::Pct { depth: 3 }, Search::Portfolio] {
            prop_assert_eq!(explore(strategy), explore(strategy));
        }
    }
}
