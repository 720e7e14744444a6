//! `goweave::time::after_func` on the virtual clock: the firing is a
//! scheduler choice, and it starts the function in a new task of the
//! execution.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering as StdOrdering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use goweave::time::{self, Instant};
use goweave::{Config, FailureKind, Strategy};

fn exhaustive() -> Config {
    Config::default().strategy(Strategy::Dfs { preemption_bound: None }).iterations(100_000)
}

#[test]
fn the_function_runs_in_a_new_task_once_the_time_has_passed() {
    let stats = exhaustive()
        .explore(|| {
            let (tx, rx) = goweave::chan::<(usize, Instant)>(1);
            let timer = time::after_func(Duration::from_secs(5), move || {
                tx.send((goweave::current().id(), time::now()));
            });
            let (task, at) = rx.recv().unwrap();
            assert_ne!(task, 0, "f runs in a task of its own");
            assert_eq!(at.since_start(), Duration::from_secs(5));
            assert!(!timer.stop(), "it fired");
            let idle = goweave::select! {
                recv(timer.rx()) -> _ => false,
                default => true,
            };
            assert!(idle, "the channel of an after_func timer is never ready");
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted());
}

#[test]
fn stop_and_the_firing_race_and_exactly_one_wins() {
    let seen = Arc::new(StdMutex::new(BTreeSet::new()));
    let s = seen.clone();
    let stats = exhaustive()
        .explore(move || {
            let stopped_it = Arc::new(AtomicBool::new(false));
            let flag = stopped_it.clone();
            let (tx, rx) = goweave::chan::<()>(1);
            let timer = time::after_func(Duration::from_secs(1), move || {
                assert!(!flag.load(StdOrdering::SeqCst), "started after stop said it kept it from starting");
                tx.send(());
            });
            goweave::yield_now();
            let stopped = timer.stop();
            if stopped {
                stopped_it.store(true, StdOrdering::SeqCst);
            } else {
                rx.recv().unwrap();
            }
            s.lock().unwrap().insert(stopped);
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted());
    assert_eq!(*seen.lock().unwrap(), BTreeSet::from([false, true]));
}

#[test]
fn reset_runs_the_function_again_even_after_it_fired() {
    exhaustive()
        .timer_bound(0)
        .explore(|| {
            let (tx, rx) = goweave::chan::<Instant>(2);
            let timer = time::after_func(Duration::from_secs(1), move || tx.send(time::now()));
            assert!(timer.reset(Duration::from_secs(3)), "pending: reset says so");
            assert_eq!(rx.recv().unwrap().since_start(), Duration::from_secs(3), "once, at the new time");
            assert!(!timer.reset(Duration::from_secs(1)), "it fired");
            assert_eq!(rx.recv().unwrap().since_start(), Duration::from_secs(4));
            assert!(rx.try_recv().is_err(), "no third run");
        })
        .unwrap_or_else(|f| panic!("{f}"));
}

#[test]
fn what_came_before_after_func_happens_before_the_function() {
    exhaustive()
        .explore(|| {
            let shared = Arc::new(goweave::Shared::new(0));
            shared.set(1);
            let (tx, rx) = goweave::chan::<i32>(1);
            let s = shared.clone();
            let _t = time::after_func(Duration::from_millis(1), move || tx.send(s.get()));
            assert_eq!(rx.recv(), Some(1));
            shared.set(2); // after the receive: ordered
        })
        .unwrap_or_else(|f| panic!("{f}"));
}

#[test]
fn a_write_after_after_func_races_with_the_function() {
    let failure = exhaustive()
        .explore(|| {
            let shared = Arc::new(goweave::Shared::new(0));
            let s = shared.clone();
            let _t = time::after_func(Duration::from_millis(1), move || {
                let _ = s.get();
            });
            shared.set(1);
            time::sleep(Duration::from_millis(2));
        })
        .unwrap_err();
    assert_eq!(failure.kind(), FailureKind::DataRace, "{failure}");
}

#[test]
fn a_panic_in_the_function_is_a_failure() {
    let failure = exhaustive()
        .explore(|| {
            let _t = time::after_func(Duration::from_secs(1), || panic!("timer callback failed"));
            time::sleep(Duration::from_secs(2));
        })
        .unwrap_err();
    assert_eq!(failure.kind(), FailureKind::Panic, "{failure}");
    assert!(failure.to_string().contains("timer callback failed"), "{failure}");
}

/// Tasks started by firings and by `go` are numbered in the order they
/// start; exhaustive search keeps every order consistent.
#[test]
fn firings_and_spawns_interleave_under_exhaustive_search() {
    let seen = Arc::new(StdMutex::new(BTreeSet::new()));
    let s = seen.clone();
    let stats = exhaustive()
        .explore(move || {
            let (tx, rx) = goweave::chan::<&'static str>(2);
            let tx2 = tx.clone();
            let _t = time::after_func(Duration::ZERO, move || tx.send("timer"));
            goweave::go(move || tx2.send("go"));
            let order = [rx.recv().unwrap(), rx.recv().unwrap()];
            s.lock().unwrap().insert(order);
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted());
    assert_eq!(seen.lock().unwrap().len(), 2, "both orders");
}
