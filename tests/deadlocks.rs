//! Deadlocks, shape by shape: each is found as `FailureKind::Deadlock`,
//! its report names the blocked tasks and where they block, and its token
//! replays it exactly. Lock cycles are reported the moment they close.
//! Lock-order inversions that never deadlock in the explored executions are
//! `PotentialDeadlock`, unless a common gate lock guards them or the check
//! is turned off.

use std::sync::Arc;

use goweave::sync::atomic::{AtomicBool, Ordering};
use goweave::sync::{Cond, Mutex, RwMutex, WaitGroup};
use goweave::{Config, FailureKind, Strategy};

// The helpers shared by the test binaries: `tests/support/lib.rs`.
use support::*;

const SOURCE: &str = include_str!("deadlocks.rs");
const FILE: &str = "tests/deadlocks.rs";

/// `tests/deadlocks.rs:LINE:` of the line that ends with `// @marker`.
fn at(marker: &str) -> String {
    format!("{FILE}:{}:", marker_line(SOURCE, marker))
}

/// Explores with `config`, expects a deadlock, checks the replay, and
/// returns the report.
fn deadlock<F>(config: Config, body: F) -> String
where
    F: Fn() + Send + Sync + Copy + 'static,
{
    expect_failure(config, FailureKind::Deadlock, body)
}

fn assert_clean<F>(config: Config, body: F) -> goweave::Stats
where
    F: Fn() + Send + Sync + 'static,
{
    config.explore(body).unwrap_or_else(|failure| panic!("unexpected failure:\n{failure}"))
}

// ------------------------------------------------------------------ ABBA

fn abba() {
    let a = Arc::new(Mutex::new(()));
    let b = Arc::new(Mutex::new(()));
    let (a2, b2) = (a.clone(), b.clone());
    let t = goweave::Builder::new().name("b-then-a").go(move || {
        let _b = b2.lock();
        let _a = a2.lock(); // @abba-t
    });
    {
        let _a = a.lock();
        let _b = b.lock(); // @abba-main
    }
    t.join().unwrap();
}

#[test]
fn abba_is_a_deadlock_with_a_cycle() {
    let report = deadlock(dfs(), abba);
    assert!(report.contains("in a cycle"), "{report}");
    assert!(report.contains("\"b-then-a\""), "{report}");
    assert!(report.contains("task 0 (test body)"), "{report}");
    assert!(report.contains("blocked locking Mutex#"), "{report}");
    assert!(report.contains("held by"), "{report}");
    assert!(report.contains(&at("abba-t")), "{report}");
    assert!(report.contains(&at("abba-main")), "{report}");
}

/// The body does not join: the cycle still is a deadlock (not a leak),
/// reported when it closes.
fn abba_detached() {
    let a = Arc::new(Mutex::new(()));
    let b = Arc::new(Mutex::new(()));
    for flip in [false, true] {
        let (a, b) = (a.clone(), b.clone());
        goweave::go(move || {
            let (first, second) = if flip { (&b, &a) } else { (&a, &b) };
            let _f = first.lock();
            let _s = second.lock();
        });
    }
}

#[test]
fn a_lock_cycle_after_the_body_returned_is_a_deadlock() {
    let report = deadlock(dfs(), abba_detached);
    assert!(report.contains("in a cycle"), "{report}");
}

/// A task waits on its own lock: a cycle of one.
fn relock() {
    let m = Mutex::new(0);
    let _g = m.lock();
    let _again = m.lock(); // @relock
}

#[test]
fn locking_a_held_mutex_again_deadlocks() {
    let report = deadlock(dfs(), relock);
    assert!(report.contains("not reentrant"), "{report}");
    assert!(report.contains(&at("relock")), "{report}");
}

/// A task locks its own lock again after the body returned (issue 18: it
/// was a leak showing the cycle "task 1 -> task 1").
fn relock_detached() {
    let m = Arc::new(Mutex::new(0));
    goweave::Builder::new().name("relocker").go(move || {
        let _g = m.lock();
        let _again = m.lock(); // @relock-detached
    });
}

#[test]
fn locking_a_held_mutex_again_after_the_body_returned_is_a_deadlock() {
    let report = deadlock(dfs(), relock_detached);
    assert!(
        report.contains("task 1 \"relocker\" waits on a lock it holds itself, in a cycle of one task"),
        "{report}"
    );
    assert!(!report.contains("wait-for cycle:"), "told once: {report}");
    assert!(report.contains("task 1 \"relocker\" -> task 1 \"relocker\""), "{report}");
    assert!(report.contains(&at("relock-detached")), "{report}");
}

/// The same, while another task runs until the step limit.
fn relock_beside_a_spinner() {
    let m = Arc::new(Mutex::new(0));
    goweave::go(move || {
        let _g = m.lock();
        let _again = m.lock();
    });
    goweave::go(|| loop {
        goweave::yield_now();
    });
}

#[test]
fn a_self_deadlock_beside_a_task_that_never_ends_is_a_deadlock_not_a_leak() {
    let report = deadlock(dfs().max_steps(200), relock_beside_a_spinner);
    assert!(report.contains("waits on a lock it holds itself"), "{report}");
}

// ---------------------------------------------------- a cycle closes early

/// A and B deadlock while a third task keeps running: it spins until the
/// body, after joining A and B, tells it to stop, so whenever A and B
/// deadlock it is still running. Only a cycle reported the moment it
/// closes is a `Deadlock` here; waiting for every task to block would run
/// into `max_steps` instead.
fn abba_with_a_spinner() {
    let a = Arc::new(Mutex::new(()));
    let b = Arc::new(Mutex::new(()));
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    let spinner = goweave::Builder::new().name("spinner").go(move || {
        while !s.load(Ordering::SeqCst) {
            goweave::yield_now(); // @spin
        }
    });
    let workers: Vec<_> = [false, true]
        .into_iter()
        .map(|flip| {
            let (a, b) = (a.clone(), b.clone());
            goweave::go(move || {
                let (first, second) = if flip { (&b, &a) } else { (&a, &b) };
                let _f = first.lock();
                let _s = second.lock();
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    stop.store(true, Ordering::SeqCst);
    spinner.join().unwrap();
}

#[test]
fn a_lock_cycle_is_reported_while_other_tasks_still_run() {
    let config =
        Config::default().strategy(Strategy::Pct { depth: 3 }).iterations(2_000).max_steps(5_000).seed(1);
    let report = deadlock(config, abba_with_a_spinner);
    assert!(report.contains("in a cycle"), "{report}");
    // The spinner was not part of it and was still running.
    let spinner_line = report
        .lines()
        .find(|l| l.contains("\"spinner\":"))
        .unwrap_or_else(|| panic!("the report shows the spinner still running:\n{report}"));
    assert!(!spinner_line.contains("finished"), "{report}");
    assert!(!report.contains("max_steps"), "{report}");
}

// ------------------------------------------------------ dining philosophers

/// `n` philosophers, fork `i` on the left of philosopher `i`. Naive: each
/// takes the left fork, then the right one. Ordered: each takes the
/// lower-numbered fork first, which breaks the cycle.
fn philosophers(n: usize, ordered: bool) {
    let forks: Arc<Vec<Mutex<()>>> = Arc::new((0..n).map(|_| Mutex::new(())).collect());
    let diners: Vec<_> = (0..n)
        .map(|i| {
            let forks = forks.clone();
            goweave::Builder::new().name(format!("philosopher-{i}")).go(move || {
                let (left, right) = (i, (i + 1) % n);
                let (first, second) =
                    if ordered { (left.min(right), left.max(right)) } else { (left, right) };
                let _f = forks[first].lock();
                let _s = forks[second].lock(); // @second-fork
            })
        })
        .collect();
    for d in diners {
        d.join().unwrap();
    }
}

fn pct(iterations: u64) -> Config {
    Config::default().strategy(Strategy::Pct { depth: 3 }).iterations(iterations).seed(7)
}

#[test]
fn three_naive_philosophers_deadlock() {
    let report = deadlock(dfs(), || philosophers(3, false));
    assert!(report.contains("in a cycle"), "{report}");
    for i in 0..3 {
        assert!(report.contains(&format!("\"philosopher-{i}\"")), "{report}");
    }
    assert!(report.contains(&at("second-fork")), "{report}");
}

#[test]
fn five_naive_philosophers_deadlock() {
    let report = deadlock(pct(20_000), || philosophers(5, false));
    assert!(report.contains("in a cycle"), "{report}");
    for i in 0..5 {
        assert!(report.contains(&format!("\"philosopher-{i}\"")), "{report}");
    }
}

#[test]
fn three_ordered_philosophers_never_deadlock() {
    let stats = assert_clean(dfs(), || philosophers(3, true));
    assert!(stats.exhausted(), "{stats}");
}

#[test]
fn five_ordered_philosophers_never_deadlock() {
    assert_clean(pct(5_000), || philosophers(5, true));
}

// ------------------------------------- RwMutex: recursive read, pending writer

/// The reader takes the read lock twice; a writer that arrives in between
/// blocks the second read (writers are preferred, as in Go) and waits for
/// the first one: a cycle.
fn recursive_read() {
    let rw = Arc::new(RwMutex::new(0));
    let rw2 = rw.clone();
    let writer = goweave::Builder::new().name("writer").go(move || {
        *rw2.write() += 1; // @rw-writer
    });
    let first = rw.read();
    let second = rw.read(); // @rw-second-read
    drop(second);
    drop(first);
    writer.join().unwrap();
}

#[test]
fn a_recursive_read_lock_with_a_pending_writer_deadlocks() {
    let report = deadlock(dfs(), recursive_read);
    // Every task is blocked here, so the cycle may be told either way.
    assert!(report.contains("in a cycle") || report.contains("wait-for cycle"), "{report}");
    assert!(report.contains("blocked read-locking RwMutex#"), "{report}");
    assert!(report.contains("\"writer\""), "{report}");
    assert!(report.contains("waits to write"), "{report}");
    assert!(report.contains(&at("rw-second-read")), "{report}");
    assert!(report.contains(&at("rw-writer")), "{report}");
}

/// The same cycle between two tasks while a third keeps running (as in
/// `abba_with_a_spinner`): it must be reported when it closes. The cycle
/// closes when the writer, finding a reader, starts waiting for it while
/// the reader's second read waits behind the pending writer.
fn recursive_read_with_a_spinner() {
    let rw = Arc::new(RwMutex::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    let spinner = goweave::Builder::new().name("spinner").go(move || {
        while !s.load(Ordering::SeqCst) {
            goweave::yield_now();
        }
    });
    let rw2 = rw.clone();
    let writer = goweave::Builder::new().name("writer").go(move || {
        *rw2.write() += 1;
    });
    let reader = goweave::Builder::new().name("reader").go(move || {
        let first = rw.read();
        let second = rw.read();
        drop(second);
        drop(first);
    });
    reader.join().unwrap();
    writer.join().unwrap();
    stop.store(true, Ordering::SeqCst);
    spinner.join().unwrap();
}

#[test]
fn a_reader_writer_cycle_is_reported_while_other_tasks_still_run() {
    let config =
        Config::default().strategy(Strategy::Pct { depth: 3 }).iterations(2_000).max_steps(5_000).seed(1);
    let report = deadlock(config, recursive_read_with_a_spinner);
    assert!(report.contains("in a cycle"), "{report}");
    assert!(report.contains("\"reader\""), "{report}");
    assert!(report.contains("\"writer\""), "{report}");
}

// ---------------------------------------------------------------- Cond

fn cond_without_signal() {
    let m = Mutex::new(false);
    let c = Cond::new();
    let mut ready = m.lock();
    while !*ready {
        ready = c.wait(ready); // @cond-wait
    }
}

#[test]
fn a_cond_wait_nobody_signals_deadlocks() {
    let report = deadlock(dfs(), cond_without_signal);
    assert!(report.contains("waiting on Cond#"), "{report}");
    assert!(report.contains(&at("cond-wait")), "{report}");
}

/// A signal sent before anyone waits is lost, as in Go; the waiter that
/// does not check a condition first sleeps forever in some interleavings.
fn cond_lost_signal() {
    let state = Arc::new((Mutex::new(()), Cond::new()));
    let s = state.clone();
    let h = goweave::go(move || s.1.signal());
    let g = state.0.lock();
    let _g = state.1.wait(g); // @lost-signal
    h.join().unwrap();
}

#[test]
fn a_lost_signal_deadlocks_in_some_interleaving() {
    let report = deadlock(dfs(), cond_lost_signal);
    assert!(report.contains(&at("lost-signal")), "{report}");
}

// ----------------------------------------------------------- WaitGroup

fn waitgroup_too_high() {
    let wg = WaitGroup::new();
    wg.add(2);
    let wg2 = wg.clone();
    goweave::go(move || wg2.done());
    wg.wait(); // @wg-wait
}

#[test]
fn a_waitgroup_count_too_high_deadlocks() {
    let report = deadlock(dfs(), waitgroup_too_high);
    assert!(report.contains("waiting on WaitGroup#"), "{report}");
    assert!(report.contains("(counter 1)"), "{report}");
    assert!(report.contains(&at("wg-wait")), "{report}");
}

// ------------------------------------------------------------- channels

fn send_without_receiver() {
    let (tx, rx) = goweave::chan::<i32>(0);
    tx.send(1); // @lonely-send
    drop(rx);
}

#[test]
fn an_unbuffered_send_without_receiver_deadlocks() {
    let report = deadlock(dfs(), send_without_receiver);
    assert!(report.contains("blocked sending on chan#"), "{report}");
    assert!(report.contains("unbuffered"), "{report}");
    assert!(report.contains(&at("lonely-send")), "{report}");
    // A Receiver handle is still alive: no claim that nothing can unblock.
    assert!(!report.contains("nothing can ever unblock"), "{report}");
}

fn send_with_receiver_dropped() {
    let (tx, rx) = goweave::chan::<i32>(0);
    drop(rx);
    tx.send(1); // @dropped-rx-send
}

#[test]
fn a_send_whose_receivers_were_dropped_says_nothing_can_unblock_it() {
    let report = deadlock(dfs(), send_with_receiver_dropped);
    assert!(report.contains("no Receiver of chan#"), "{report}");
    assert!(report.contains("nothing can ever unblock this send"), "{report}");
    assert!(report.contains(&at("dropped-rx-send")), "{report}");
}

/// The only sender belongs to a task that returns without sending.
fn receive_from_dropped_senders() {
    let (tx, rx) = goweave::chan::<i32>(0);
    goweave::Builder::new().name("quitter").go(move || drop(tx));
    let _ = rx.recv(); // @orphan-recv
}

#[test]
fn a_receive_whose_senders_were_all_dropped_says_nothing_can_unblock_it() {
    let report = deadlock(dfs(), receive_from_dropped_senders);
    assert!(report.contains("blocked receiving from chan#"), "{report}");
    assert!(report.contains("no Sender of chan#"), "{report}");
    assert!(report.contains("nothing can ever unblock this receive"), "{report}");
    assert!(report.contains(&at("orphan-recv")), "{report}");
}

fn receive_with_sender_alive() {
    let (tx, rx) = goweave::chan::<i32>(1);
    let _ = rx.recv(); // @recv-alive
    drop(tx);
}

#[test]
fn a_receive_with_a_live_sender_does_not_claim_it_is_hopeless() {
    let report = deadlock(dfs(), receive_with_sender_alive);
    assert!(report.contains("blocked receiving from chan#"), "{report}");
    assert!(report.contains("buffer 0/1"), "{report}");
    assert!(!report.contains("nothing can ever unblock"), "{report}");
    assert!(report.contains(&at("recv-alive")), "{report}");
}

// ---------------------------------------------- lock-order inversion (potential)

/// Two tasks take A and B in opposite orders, but the second starts only
/// after the first handed over on a channel: no execution deadlocks, yet
/// the same code without the handoff would.
fn inversion<const GATED: bool>() {
    let a = Arc::new(Mutex::new(()));
    let b = Arc::new(Mutex::new(()));
    let gate = Arc::new(Mutex::new(()));
    let (tx, rx) = goweave::chan::<()>(0);
    let (a1, b1, g1) = (a.clone(), b.clone(), gate.clone());
    let first = goweave::go(move || {
        {
            let _g = GATED.then(|| g1.lock());
            let _a = a1.lock(); // @inv-a-first
            let _b = b1.lock(); // @inv-b-second
        }
        tx.send(());
    });
    let second = goweave::go(move || {
        rx.recv().unwrap();
        let _g = GATED.then(|| gate.lock());
        let _b = b.lock(); // @inv-b-first
        let _a = a.lock(); // @inv-a-second
    });
    first.join().unwrap();
    second.join().unwrap();
}

#[test]
fn a_lock_order_inversion_separated_by_a_handoff_is_a_potential_deadlock() {
    let failure = dfs().explore(inversion::<false>).expect_err("missed the inversion");
    assert_eq!(failure.kind(), FailureKind::PotentialDeadlock, "{failure}");
    let report = failure.to_string();
    assert!(report.contains("opposite orders"), "{report}");
    for marker in ["inv-a-first", "inv-b-second", "inv-b-first", "inv-a-second"] {
        assert!(report.contains(&at(marker)), "{marker} in\n{report}");
    }
    assert_replays(dfs(), &failure, inversion::<false>);
}

#[test]
fn a_common_gate_lock_prevents_the_potential_deadlock() {
    let stats = assert_clean(dfs(), inversion::<true>);
    assert!(stats.exhausted(), "{stats}");
}

#[test]
fn potential_deadlocks_can_be_turned_off() {
    let stats = assert_clean(dfs().potential_deadlocks(false), inversion::<false>);
    assert!(stats.exhausted(), "{stats}");
}

#[test]
fn turning_potential_deadlocks_off_still_reports_real_ones() {
    let report = deadlock(dfs().potential_deadlocks(false), abba);
    assert!(report.contains("in a cycle"), "{report}");
}

/// One task taking two locks in both orders cannot deadlock with itself.
fn one_task_both_orders() {
    let a = Mutex::new(());
    let b = Mutex::new(());
    {
        let _a = a.lock();
        let _b = b.lock();
    }
    let _b = b.lock();
    let _a = a.lock();
}

#[test]
fn one_task_in_both_orders_is_no_potential_deadlock() {
    assert_clean(dfs(), one_task_both_orders);
}

/// Opposite orders of read locks: readers do not wait for readers.
fn read_locks_in_opposite_orders() {
    let a = Arc::new(RwMutex::new(()));
    let b = Arc::new(RwMutex::new(()));
    let (a2, b2) = (a.clone(), b.clone());
    let h = goweave::go(move || {
        let _b = b2.read();
        let _a = a2.read();
    });
    {
        let _a = a.read();
        let _b = b.read();
    }
    h.join().unwrap();
}

#[test]
fn read_locks_in_opposite_orders_are_no_potential_deadlock() {
    let stats = assert_clean(dfs(), read_locks_in_opposite_orders);
    assert!(stats.exhausted(), "{stats}");
}

/// A real deadlock wins over the potential one (same locks, no handoff).
#[test]
fn an_actual_deadlock_takes_precedence_over_the_inversion() {
    let failure = dfs().explore(abba).expect_err("missed");
    assert_eq!(failure.kind(), FailureKind::Deadlock, "{failure}");
}

// ------------------------------------------------------------ attribute

#[goweave::concurrency_test(strategy = "dfs", expect = "deadlock")]
fn the_attribute_expects_a_deadlock() {
    abba();
}

#[goweave::concurrency_test(strategy = "dfs", expect = "potential_deadlock")]
fn the_attribute_expects_a_potential_deadlock() {
    inversion::<false>();
}
