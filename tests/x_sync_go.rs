//! golang.org/x/sync beyond the basics: a panicking singleflight call,
//! `do_chan`, and errgroup's `wait` returning its error every time,
//! explored exhaustively.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering as StdOrdering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use goweave::errgroup;
use goweave::singleflight::{Group, Outcome};
use goweave::{Config, FailureKind, Strategy};

fn exhaustive() -> Config {
    Config::default().strategy(Strategy::Dfs { preemption_bound: None }).iterations(100_000)
}

/// Exhaustive, and timers never fire early: a sleep returns only once every
/// other task is blocked.
fn settled() -> Config {
    exhaustive().timer_bound(0)
}

fn settle() {
    goweave::time::sleep(Duration::from_millis(1));
}

// Issue 18, bug 2: a function that panics finishes its call (x/sync,
// go.dev/issue/41133): the key is free again.
#[test]
fn a_panicking_call_frees_its_key() {
    let stats = exhaustive()
        .explore(|| {
            let g = Group::<u8, u8>::new();
            let g2 = g.clone();
            let h = goweave::go(move || g2.call(1, || panic!("boom")));
            let panicked = h.join().expect_err("the caller panics on");
            assert_eq!(panicked.message(), "boom");
            assert_eq!(g.call(1, || 2), (2, false), "the next call runs its function");
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted());
}

#[test]
fn callers_that_joined_a_panicking_call_panic_with_its_message() {
    let stats = settled()
        .explore(|| {
            let g = Group::<&'static str, u8>::new();
            let (gate_tx, gate_rx) = goweave::chan::<()>(0);
            let callers: Vec<_> = (0..2)
                .map(|_| {
                    let (g, gate) = (g.clone(), gate_rx.clone());
                    goweave::go(move || {
                        g.call("k", move || {
                            gate.recv();
                            panic!("backend exploded")
                        })
                    })
                })
                .collect();
            settle(); // one runs the function, the other joined it
            gate_tx.close();
            for caller in callers {
                let panicked = caller.join().expect_err("every caller panics");
                assert_eq!(panicked.message(), "backend exploded");
            }
            assert_eq!(g.call("k", || 3), (3, false));
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted_within_bounds(), "{stats}");
}

#[test]
fn do_chan_delivers_the_outcome_on_a_channel() {
    let stats = settled()
        .explore(|| {
            let g = Group::<u8, u32>::new();
            let runs = Arc::new(AtomicUsize::new(0));
            let (gate_tx, gate_rx) = goweave::chan::<()>(0);
            let r = runs.clone();
            let first = g.do_chan(1, move || {
                gate_rx.recv();
                r.fetch_add(1, StdOrdering::SeqCst);
                42
            });
            let second = g.do_chan(1, || unreachable!("joined the call in flight"));
            let g2 = g.clone();
            let caller = goweave::go(move || g2.call(1, || unreachable!("joined the call in flight")));
            settle(); // the caller joined too
            gate_tx.close();
            assert_eq!(first.recv(), Some(Outcome { val: 42, shared: true }));
            assert_eq!(second.recv(), Some(Outcome { val: 42, shared: true }));
            assert_eq!(caller.join().unwrap(), (42, true));
            assert_eq!(runs.load(StdOrdering::SeqCst), 1);
            let alone = g.do_chan(1, || 7);
            assert_eq!(alone.recv(), Some(Outcome { val: 7, shared: false }));
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted_within_bounds(), "{stats}");
}

#[test]
fn do_chan_of_a_panicking_function_closes_the_channel_and_fails() {
    let seen = Arc::new(StdMutex::new(BTreeSet::new()));
    let s = seen.clone();
    let failure = exhaustive()
        .explore(move || {
            let g = Group::<u8, u8>::new();
            let rx = g.do_chan(1, || panic!("no value"));
            s.lock().unwrap().insert(rx.recv());
        })
        .unwrap_err();
    assert_eq!(failure.kind(), FailureKind::Panic, "{failure}");
    assert!(failure.to_string().contains("no value"), "{failure}");
    assert_eq!(*seen.lock().unwrap(), BTreeSet::from([None]), "closed without a value");
}

// Issue 18, bug 3: Go's Wait returns the first error every time.
#[test]
fn every_wait_returns_the_first_error() {
    exhaustive()
        .explore(|| {
            let g = errgroup::Group::<&'static str>::new();
            g.go(|| Err("first"));
            assert_eq!(g.wait(), Err("first"));
            assert_eq!(g.wait(), Err("first"));
            let clone = g.clone();
            clone.go(|| Err("second"));
            assert_eq!(clone.wait(), Err("first"), "later errors are not kept");
        })
        .unwrap_or_else(|f| panic!("{f}"));
}
