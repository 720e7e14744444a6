//! `goweave::singleflight`: x/sync/singleflight semantics, explored
//! exhaustively.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use goweave::singleflight::Group;
use goweave::sync::atomic::{AtomicUsize, Ordering};
use goweave::{Config, Strategy};

fn exhaustive() -> Config {
    Config::default().strategy(Strategy::Dfs { preemption_bound: None }).iterations(1_000_000)
}

/// Exhaustive, and timers never fire early: a sleep returns only once every
/// other task is blocked (like `synctest.Wait`).
fn settled() -> Config {
    exhaustive().timer_bound(0)
}

fn settle() {
    goweave::time::sleep(Duration::from_millis(1));
}

#[test]
fn overlapping_calls_for_one_key_run_the_function_once() {
    let stats = settled()
        .explore(|| {
            let g = Group::<&'static str, usize>::new();
            let runs = Arc::new(AtomicUsize::new(0));
            let (gate_tx, gate_rx) = goweave::chan::<()>(0);
            let callers: Vec<_> = (0..3)
                .map(|_| {
                    let (g, runs, gate) = (g.clone(), runs.clone(), gate_rx.clone());
                    goweave::go(move || {
                        g.call("k", move || {
                            gate.recv();
                            100 + runs.fetch_add(1, Ordering::SeqCst)
                        })
                    })
                })
                .collect();
            settle(); // one caller is in the function, two wait for it
            assert_eq!(runs.load(Ordering::SeqCst), 0);
            gate_tx.close();
            let results: Vec<(usize, bool)> = callers.into_iter().map(|h| h.join().unwrap()).collect();
            assert_eq!(runs.load(Ordering::SeqCst), 1, "the function ran more than once");
            assert_eq!(results, [(100, true); 3], "every caller gets the one value, shared");
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted_within_bounds(), "{stats}");
}

#[test]
fn callers_share_exactly_when_their_calls_overlap() {
    let runs_seen = Arc::new(StdMutex::new(BTreeSet::new()));
    let seen = runs_seen.clone();
    let stats = exhaustive()
        .explore(move || {
            let g = Group::<u8, usize>::new();
            let runs = Arc::new(AtomicUsize::new(0));
            let call = {
                let (g, runs) = (g.clone(), runs.clone());
                move || g.call(7, || runs.fetch_add(1, Ordering::SeqCst) + 1)
            };
            let others: Vec<_> = (0..2).map(|_| goweave::go(call.clone())).collect();
            let mut results = vec![call()];
            results.extend(others.into_iter().map(|h| h.join().unwrap()));
            let runs = runs.load(Ordering::SeqCst);
            // Each run produced one value; a value given to several callers
            // is shared for all of them, one given to a single caller is not.
            let mut by_value: BTreeMap<usize, Vec<bool>> = BTreeMap::new();
            for (v, shared) in results {
                assert!((1..=runs).contains(&v), "value {v} from no run");
                by_value.entry(v).or_default().push(shared);
            }
            assert_eq!(by_value.len(), runs, "a run's value reached nobody: {by_value:?}");
            for (v, shared) in &by_value {
                let together = shared.len() > 1;
                assert!(shared.iter().all(|&s| s == together), "value {v}: {shared:?}");
            }
            seen.lock().unwrap().insert(runs);
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted(), "{stats}");
    // All overlapping, some overlapping, one after the other.
    assert_eq!(*runs_seen.lock().unwrap(), BTreeSet::from([1, 2, 3]));
}

#[test]
fn forget_lets_the_next_call_run_the_function_again() {
    let stats = settled()
        .explore(|| {
            let g = Group::<String, usize>::new();
            let runs = Arc::new(AtomicUsize::new(0));
            let (gate_tx, gate_rx) = goweave::chan::<()>(0);
            let spawn_gated = || {
                let (g, runs, gate) = (g.clone(), runs.clone(), gate_rx.clone());
                goweave::go(move || {
                    g.call("k".to_string(), move || {
                        gate.recv();
                        100 + runs.fetch_add(1, Ordering::SeqCst)
                    })
                })
            };
            let leader = spawn_gated();
            settle(); // the leader is in its function
            let joined = spawn_gated();
            settle(); // a second caller waits for the leader's call
            g.forget("k");
            // A new call no longer finds the call in flight: it runs its own.
            let r = runs.clone();
            let fresh = g.call("k".to_string(), move || 200 + r.fetch_add(1, Ordering::SeqCst));
            assert_eq!(fresh, (200, false));
            gate_tx.close();
            assert_eq!(leader.join().unwrap(), (101, true), "the leader's call was joined");
            assert_eq!(joined.join().unwrap(), (101, true), "a caller that joined keeps the old call");
            assert_eq!(runs.load(Ordering::SeqCst), 2);
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted_within_bounds(), "{stats}");
}

#[test]
fn a_forgotten_call_finishing_leaves_its_successor_in_place() {
    let stats = settled()
        .explore(|| {
            let g = Group::<&'static str, usize>::new();
            let runs = Arc::new(AtomicUsize::new(0));
            let spawn_gated = |base: usize| {
                let (gate_tx, gate_rx) = goweave::chan::<()>(0);
                let (g, runs) = (g.clone(), runs.clone());
                let h = goweave::go(move || {
                    g.call("k", move || {
                        gate_rx.recv();
                        base + runs.fetch_add(1, Ordering::SeqCst)
                    })
                });
                (h, gate_tx)
            };
            let (old, old_gate) = spawn_gated(100);
            settle();
            g.forget(&"k");
            let (new, new_gate) = spawn_gated(200);
            settle(); // two calls in flight: the forgotten one and its successor
            old_gate.close();
            assert_eq!(old.join().unwrap(), (100, false));
            // The old call ended without removing the new one from the map.
            let (late, late_gate) = spawn_gated(300);
            settle();
            new_gate.close();
            late_gate.close();
            assert_eq!(new.join().unwrap(), (201, true));
            assert_eq!(late.join().unwrap(), (201, true), "the late caller ran its own call");
            assert_eq!(runs.load(Ordering::SeqCst), 2);
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted_within_bounds(), "{stats}");
}

#[test]
fn without_forget_the_next_call_joins_the_one_in_flight() {
    let stats = settled()
        .explore(|| {
            let g = Group::<&'static str, usize>::new();
            let runs = Arc::new(AtomicUsize::new(0));
            let (gate_tx, gate_rx) = goweave::chan::<()>(0);
            let (g2, r) = (g.clone(), runs.clone());
            let leader = goweave::go(move || {
                g2.call("k", move || {
                    gate_rx.recv();
                    100 + r.fetch_add(1, Ordering::SeqCst)
                })
            });
            settle();
            let (g3, r) = (g.clone(), runs.clone());
            let late = goweave::go(move || g3.call("k", move || 200 + r.fetch_add(1, Ordering::SeqCst)));
            settle();
            gate_tx.close();
            assert_eq!(late.join().unwrap(), (100, true));
            assert_eq!(leader.join().unwrap(), (100, true));
            assert_eq!(runs.load(Ordering::SeqCst), 1);
            // Once it finished, the key is free again.
            assert_eq!(g.call("k", || 300), (300, false));
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted_within_bounds(), "{stats}");
}

#[test]
fn different_keys_run_independently() {
    let stats = settled()
        .explore(|| {
            let g = Group::<&'static str, &'static str>::new();
            let active = Arc::new(AtomicUsize::new(0));
            let (gate_tx, gate_rx) = goweave::chan::<()>(0);
            let callers: Vec<_> = ["a", "b"]
                .into_iter()
                .map(|key| {
                    let (g, active, gate) = (g.clone(), active.clone(), gate_rx.clone());
                    goweave::go(move || {
                        g.call(key, move || {
                            active.fetch_add(1, Ordering::SeqCst);
                            gate.recv();
                            active.fetch_sub(1, Ordering::SeqCst);
                            key
                        })
                    })
                })
                .collect();
            settle();
            assert_eq!(active.load(Ordering::SeqCst), 2, "one key's call waited for the other's");
            gate_tx.close();
            let results: Vec<_> = callers.into_iter().map(|h| h.join().unwrap()).collect();
            assert_eq!(results, [("a", false), ("b", false)]);
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted_within_bounds(), "{stats}");
}
