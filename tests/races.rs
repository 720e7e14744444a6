//! Happens-before, edge by edge: for every synchronization of the Go memory
//! model that goweave models, the correctly synchronized pattern is explored
//! exhaustively and found clean, and the same pattern with that edge removed
//! is a `DataRace` whose report names both accesses and whose token replays
//! it exactly.
//!
//! Accesses a race report must name carry a `// @marker` comment at the end
//! of their line; the tests look the line up in this file's source.

use std::sync::Arc;

use goweave::sync::atomic::{AtomicUsize, Ordering};
use goweave::sync::{Cond, Mutex, Once, RwMutex, WaitGroup};
use goweave::{Failure, FailureKind, Shared};

// The helpers shared by the test binaries: `tests/support/lib.rs`.
use support::*;

const SOURCE: &str = include_str!("races.rs");
const FILE: &str = "tests/races.rs";

/// The line (1-based) that ends with `// @marker`.
fn line_of(marker: &str) -> usize {
    marker_line(SOURCE, marker)
}

/// The correctly synchronized pattern: no failure, whole space explored.
fn assert_clean<F>(body: F)
where
    F: Fn() + Send + Sync + 'static,
{
    match dfs().explore(body) {
        Ok(stats) => assert!(stats.exhausted(), "the search did not exhaust the space: {stats}"),
        Err(failure) => panic!("false positive on a correctly synchronized pattern:\n{failure}"),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Acc {
    Read,
    Write,
}

/// The lines of the race report that describe an access: `write by ...` or
/// `read  by ...` (the verb is padded to align the two lines).
fn access_lines(report: &str) -> Vec<(Acc, &str)> {
    report
        .lines()
        .filter_map(|l| {
            let t = l.trim_start();
            let (verb, rest) = t.split_once(' ')?;
            let acc = match verb {
                "read" => Acc::Read,
                "write" => Acc::Write,
                _ => return None,
            };
            rest.trim_start().starts_with("by task ").then_some((acc, t))
        })
        .collect()
}

/// The racy pattern: a `DataRace` naming exactly the two marked accesses
/// (in either order), reproduced by its token.
fn assert_race<F>(body: F, a: (Acc, &str), b: (Acc, &str)) -> Failure
where
    F: Fn() + Send + Sync + Copy + 'static,
{
    let failure = match dfs().explore(body) {
        Ok(stats) => panic!("missed race: {stats}"),
        Err(failure) => failure,
    };
    assert_eq!(failure.kind(), FailureKind::DataRace, "{failure}");
    let report = failure.to_string();
    let lines = access_lines(&report);
    assert_eq!(lines.len(), 2, "the report names two accesses:\n{report}");
    for (acc, marker) in [a, b] {
        let at = format!("{FILE}:{}:", line_of(marker));
        assert!(
            lines.iter().any(|&(k, l)| k == acc && l.contains(&at)),
            "the report names the {acc:?} at {at}:\n{report}"
        );
    }
    assert_replays(dfs(), &failure, body);
    failure
}

fn shared() -> (Arc<Shared<i32>>, Arc<Shared<i32>>) {
    let data = Arc::new(Shared::new(0));
    (data.clone(), data)
}

// ---------------------------------------------------------------- spawn

fn spawn_ordered() {
    let (data, d) = shared();
    data.set(1);
    goweave::go(move || assert_eq!(d.get(), 1)).join().unwrap();
}

fn spawn_racy() {
    let (data, d) = shared();
    let h = goweave::go(move || {
        let _ = d.get(); // @spawn-r
    });
    data.set(1); // @spawn-w
    h.join().unwrap();
}

#[test]
fn spawn_orders_the_parent_before_the_child() {
    assert_clean(spawn_ordered);
}

#[test]
fn a_write_after_spawn_races_with_the_child() {
    assert_race(spawn_racy, (Acc::Read, "spawn-r"), (Acc::Write, "spawn-w"));
}

// ---------------------------------------------------------------- join

fn join_ordered() {
    let (data, d) = shared();
    let h = goweave::go(move || d.set(1));
    h.join().unwrap();
    assert_eq!(data.get(), 1);
}

fn join_racy() {
    let (data, d) = shared();
    let h = goweave::go(move || d.set(1)); // @join-w
    let _ = data.get(); // @join-r
    h.join().unwrap();
}

#[test]
fn join_orders_the_child_before_the_joiner() {
    assert_clean(join_ordered);
}

#[test]
fn a_read_before_join_races_with_the_child() {
    assert_race(join_racy, (Acc::Write, "join-w"), (Acc::Read, "join-r"));
}

// ------------------------------------------ send before the receive completes

fn send_then_receive<const CAP: usize>() {
    let (data, d) = shared();
    let (tx, rx) = goweave::chan::<()>(CAP);
    let h = goweave::go(move || {
        d.set(1);
        tx.send(());
    });
    rx.recv().unwrap();
    assert_eq!(data.get(), 1);
    h.join().unwrap();
}

fn write_after_send<const CAP: usize>() {
    let (data, d) = shared();
    let (tx, rx) = goweave::chan::<()>(CAP);
    let h = goweave::go(move || {
        tx.send(());
        d.set(1); // @after-send-w
    });
    rx.recv().unwrap();
    let _ = data.get(); // @after-send-r
    h.join().unwrap();
}

#[test]
fn unbuffered_send_happens_before_the_receive_completes() {
    assert_clean(send_then_receive::<0>);
}

#[test]
fn buffered_send_happens_before_the_receive_completes() {
    assert_clean(send_then_receive::<1>);
    assert_clean(send_then_receive::<2>);
}

#[test]
fn a_write_after_the_send_races_with_the_receiver() {
    // Unbuffered: the receive is ordered before the completion of the
    // send, but nothing orders what follows the send with what follows
    // the receive.
    assert_race(write_after_send::<0>, (Acc::Write, "after-send-w"), (Acc::Read, "after-send-r"));
    assert_race(write_after_send::<1>, (Acc::Write, "after-send-w"), (Acc::Read, "after-send-r"));
}

// ------------------- unbuffered: the receive before the send completes

/// The receiver writes before receiving; the sender reads once its send
/// completed. Ordered on an unbuffered channel (k-th receive before the
/// k-th send completes), racy on a buffered one.
fn receive_then_send_completes<const CAP: usize>() {
    let (data, d) = shared();
    let (tx, rx) = goweave::chan::<()>(CAP);
    let h = goweave::go(move || {
        d.set(1); // @recv-first-w
        rx.recv().unwrap();
    });
    tx.send(());
    let _ = data.get(); // @recv-first-r
    h.join().unwrap();
}

#[test]
fn unbuffered_receive_happens_before_the_send_completes() {
    assert_clean(receive_then_send_completes::<0>);
}

#[test]
fn a_buffered_send_does_not_wait_for_the_receive() {
    assert_race(receive_then_send_completes::<1>, (Acc::Write, "recv-first-w"), (Acc::Read, "recv-first-r"));
}

// ------------- capacity C: the k-th receive before the (k+C)-th send completes

/// The receiver writes, then receives once; the sender sends three times,
/// then reads. With capacity 2 the third send waits for the first receive;
/// with capacity 3 nothing orders the write with the read.
fn third_send_waits_for_first_receive<const CAP: usize>() {
    let (data, d) = shared();
    let (tx, rx) = goweave::chan::<u8>(CAP);
    let h = goweave::go(move || {
        d.set(1); // @k-plus-c-w
        rx.recv().unwrap();
    });
    for i in 0..3 {
        tx.send(i);
    }
    let _ = data.get(); // @k-plus-c-r
    h.join().unwrap();
}

#[test]
fn the_kth_receive_happens_before_the_k_plus_cap_th_send_completes() {
    assert_clean(third_send_waits_for_first_receive::<2>);
}

#[test]
fn a_send_within_capacity_does_not_wait_for_a_receive() {
    assert_race(
        third_send_waits_for_first_receive::<3>,
        (Acc::Write, "k-plus-c-w"),
        (Acc::Read, "k-plus-c-r"),
    );
}

/// A buffered channel of capacity `CAP` as a counting semaphore: send to
/// acquire, receive to release. With one slot the critical sections are
/// ordered; with two they race.
fn semaphore<const CAP: usize>() {
    let (data, d) = shared();
    let (tx, rx) = goweave::chan::<()>(CAP);
    let (tx2, rx2) = (tx.clone(), rx.clone());
    let h = goweave::go(move || {
        tx2.send(());
        d.set(d.get() + 1); // @sem-child
        rx2.recv().unwrap();
    });
    tx.send(());
    data.set(data.get() + 1); // @sem-parent
    rx.recv().unwrap();
    h.join().unwrap();
}

#[test]
fn a_buffered_channel_of_capacity_one_is_a_mutex() {
    assert_clean(semaphore::<1>);
}

#[test]
fn a_semaphore_with_two_slots_lets_the_sections_race() {
    let failure = dfs().explore(semaphore::<2>).expect_err("missed race");
    assert_eq!(failure.kind(), FailureKind::DataRace, "{failure}");
    let report = failure.to_string();
    let lines = access_lines(&report);
    assert_eq!(lines.len(), 2, "{report}");
    assert!(lines.iter().any(|(k, _)| *k == Acc::Write), "{report}");
    for marker in ["sem-child", "sem-parent"] {
        let at = format!("{FILE}:{}:", line_of(marker));
        assert!(lines.iter().any(|(_, l)| l.contains(&at)), "{at} in\n{report}");
    }
    assert_replays(dfs(), &failure, semaphore::<2>);
}

// ---------------------------------------------------------------- close

fn close_ordered() {
    let (data, d) = shared();
    let (tx, rx) = goweave::chan::<()>(0);
    let h = goweave::go(move || {
        d.set(1);
        tx.close();
    });
    assert_eq!(rx.recv(), None);
    assert_eq!(data.get(), 1);
    h.join().unwrap();
}

fn close_ranged() {
    let (data, d) = shared();
    let (tx, rx) = goweave::chan::<i32>(1);
    let h = goweave::go(move || {
        tx.send(1);
        d.set(1);
        tx.close();
    });
    let got: Vec<i32> = rx.into_iter().collect();
    assert_eq!(got, vec![1]);
    assert_eq!(data.get(), 1);
    h.join().unwrap();
}

fn close_racy() {
    let (data, d) = shared();
    let (tx, rx) = goweave::chan::<()>(0);
    let h = goweave::go(move || {
        tx.close();
        d.set(1); // @close-w
    });
    assert_eq!(rx.recv(), None);
    let _ = data.get(); // @close-r
    h.join().unwrap();
}

#[test]
fn close_happens_before_a_receive_that_sees_it() {
    assert_clean(close_ordered);
    assert_clean(close_ranged);
}

#[test]
fn a_write_after_close_races_with_the_receiver() {
    assert_race(close_racy, (Acc::Write, "close-w"), (Acc::Read, "close-r"));
}

// ---------------------------------------------------------------- Mutex

fn mutex_ordered() {
    let (data, d) = shared();
    let m = Arc::new(Mutex::new(()));
    let m2 = m.clone();
    let h = goweave::go(move || {
        let _g = m2.lock();
        d.set(d.get() + 1);
    });
    {
        let _g = m.lock();
        data.set(data.get() + 1);
    }
    h.join().unwrap();
    assert_eq!(data.get(), 2);
}

fn mutex_racy() {
    let (data, d) = shared();
    let m = Arc::new(Mutex::new(()));
    let m2 = m.clone();
    let h = goweave::go(move || {
        let _g = m2.lock();
        d.set(1); // @mutex-w
    });
    let _ = data.get(); // @mutex-r
    h.join().unwrap();
    drop(m);
}

/// A guard released by another task than the one that locked it still
/// orders the sections (Go allows it).
fn mutex_handed_over() {
    let (data, d) = shared();
    // Leaked so that the guard can outlive the task that took it.
    let m: &'static Mutex<()> = Box::leak(Box::new(Mutex::new(())));
    let (tx, rx) = goweave::chan(1);
    let h = goweave::go(move || {
        let g = m.lock();
        d.set(1);
        tx.send(g);
    });
    let g = rx.recv().unwrap();
    drop(g);
    let again = m.lock();
    assert_eq!(data.get(), 1);
    drop(again);
    h.join().unwrap();
}

#[test]
fn mutex_unlock_happens_before_the_next_lock() {
    assert_clean(mutex_ordered);
    assert_clean(mutex_handed_over);
}

#[test]
fn an_unlocked_access_races_with_a_locked_one() {
    assert_race(mutex_racy, (Acc::Write, "mutex-w"), (Acc::Read, "mutex-r"));
}

// -------------------------------------------------------------- RwMutex

/// One writer and one reader: whichever goes first, its unlock orders it
/// before the other's lock (write-unlock before read-lock, read-unlock
/// before write-lock).
fn rw_writer_and_reader() {
    let (data, d) = shared();
    let rw = Arc::new(RwMutex::new(()));
    let rw2 = rw.clone();
    let h = goweave::go(move || {
        let _w = rw2.write();
        d.set(1);
    });
    {
        let _r = rw.read();
        let v = data.get();
        assert!(v == 0 || v == 1);
    }
    h.join().unwrap();
}

fn rw_reader_without_lock() {
    let (data, d) = shared();
    let rw = Arc::new(RwMutex::new(()));
    let rw2 = rw.clone();
    let h = goweave::go(move || {
        let _w = rw2.write();
        d.set(1); // @rw-nolock-w
    });
    let _ = data.get(); // @rw-nolock-r
    h.join().unwrap();
    drop(rw);
}

/// Two readers read at once (no race between reads), then a writer: the
/// write lock comes after both read-unlocks, whatever the order.
fn rw_two_readers_then_writer() {
    let (data, d1) = shared();
    let d2 = data.clone();
    let rw = Arc::new(RwMutex::new(()));
    let (rw1, rw2) = (rw.clone(), rw.clone());
    let r1 = goweave::go(move || {
        let _r = rw1.read();
        let _ = d1.get();
    });
    let r2 = goweave::go(move || {
        let _r = rw2.read();
        let _ = d2.get();
    });
    {
        let _w = rw.write();
        data.set(1);
    }
    r1.join().unwrap();
    r2.join().unwrap();
}

/// A write under a read lock: read locks do not order each other.
fn rw_write_under_read_lock() {
    let (data, d) = shared();
    let rw = Arc::new(RwMutex::new(()));
    let rw2 = rw.clone();
    let h = goweave::go(move || {
        let _r = rw2.read();
        let _ = d.get(); // @rw-rr-r
    });
    {
        let _r = rw.read();
        data.set(1); // @rw-rr-w
    }
    h.join().unwrap();
}

fn rw_two_writers() {
    let (data, d) = shared();
    let rw = Arc::new(RwMutex::new(()));
    let rw2 = rw.clone();
    let h = goweave::go(move || {
        let _w = rw2.write();
        d.set(d.get() + 1);
    });
    {
        let _w = rw.write();
        data.set(data.get() + 1);
    }
    h.join().unwrap();
    assert_eq!(data.get(), 2);
}

#[test]
fn rwmutex_write_unlock_happens_before_later_read_and_write_locks() {
    assert_clean(rw_writer_and_reader);
    assert_clean(rw_two_writers);
}

#[test]
fn rwmutex_read_unlock_happens_before_the_next_write_lock() {
    assert_clean(rw_two_readers_then_writer);
}

#[test]
fn an_unlocked_read_races_with_a_write_locked_write() {
    assert_race(rw_reader_without_lock, (Acc::Write, "rw-nolock-w"), (Acc::Read, "rw-nolock-r"));
}

#[test]
fn read_locks_do_not_order_each_other() {
    assert_race(rw_write_under_read_lock, (Acc::Read, "rw-rr-r"), (Acc::Write, "rw-rr-w"));
}

// ----------------------------------------------------------------- Cond

/// The waiter holds the mutex from before it tells the signaller (over an
/// unbuffered channel) until `wait` releases it, so once the signaller got
/// the mutex the waiter is waiting. The signaller releases the mutex
/// *before* writing, so only signal -> woken orders the write before the
/// waiter's read. With `SIGNAL_FIRST` the write follows the signal: racy.
fn cond_signal<const SIGNAL_FIRST: bool>() {
    let (data, d) = shared();
    let state = Arc::new((Mutex::new(()), Cond::new()));
    let s = state.clone();
    let (tx, rx) = goweave::chan::<()>(0);
    let h = goweave::go(move || {
        rx.recv().unwrap();
        drop(s.0.lock());
        if SIGNAL_FIRST {
            s.1.signal();
            d.set(1); // @cond-w
        } else {
            d.set(1);
            s.1.signal();
        }
    });
    let g = state.0.lock();
    tx.send(());
    let g = state.1.wait(g);
    drop(g);
    let v = data.get(); // @cond-r
    if !SIGNAL_FIRST {
        assert_eq!(v, 1);
    }
    h.join().unwrap();
}

/// The same with two waiters and a broadcast.
fn cond_broadcast<const BROADCAST_FIRST: bool>() {
    let (data, d) = shared();
    let state = Arc::new((Mutex::new(()), Cond::new()));
    let (tx, rx) = goweave::chan::<()>(0);
    let waiters: Vec<_> = (0..2)
        .map(|_| {
            let (s, tx, data) = (state.clone(), tx.clone(), data.clone());
            goweave::go(move || {
                let g = s.0.lock();
                tx.send(());
                let g = s.1.wait(g);
                drop(g);
                let _ = data.get(); // @bcast-r
            })
        })
        .collect();
    drop(tx);
    rx.recv().unwrap();
    rx.recv().unwrap();
    drop(state.0.lock());
    if BROADCAST_FIRST {
        state.1.broadcast();
        d.set(1); // @bcast-w
    } else {
        d.set(1);
        state.1.broadcast();
    }
    for w in waiters {
        w.join().unwrap();
    }
}

/// The signaller writes after signalling; the woken waiter reads only once
/// it saw, through a Relaxed flag (which orders nothing), that the write is
/// done. So the only racy executions are those where the write comes first,
/// and the signal -> woken edge must not cover what the signaller does after
/// signalling.
fn cond_write_after_signal_seen_through_relaxed_flag() {
    let (data, d) = shared();
    let state = Arc::new((Mutex::new(()), Cond::new()));
    let s = state.clone();
    let flag = Arc::new(AtomicUsize::new(0));
    let f = flag.clone();
    let (tx, rx) = goweave::chan::<()>(0);
    let h = goweave::go(move || {
        rx.recv().unwrap();
        drop(s.0.lock());
        s.1.signal();
        d.set(1); // @cond-late-w
        f.store(1, Ordering::Relaxed);
    });
    let g = state.0.lock();
    tx.send(());
    let g = state.1.wait(g);
    drop(g);
    for _ in 0..2 {
        if flag.load(Ordering::Relaxed) == 1 {
            let _ = data.get(); // @cond-late-r
            break;
        }
        goweave::yield_now();
    }
    h.join().unwrap();
}

#[test]
fn cond_signal_happens_before_the_woken_wait_returns() {
    assert_clean(cond_signal::<false>);
}

#[test]
fn cond_broadcast_happens_before_every_woken_wait_returns() {
    assert_clean(cond_broadcast::<false>);
}

#[test]
fn a_write_after_the_signal_races_with_the_woken_waiter() {
    assert_race(cond_signal::<true>, (Acc::Write, "cond-w"), (Acc::Read, "cond-r"));
}

#[test]
fn a_write_after_the_signal_races_even_when_it_comes_first() {
    assert_race(
        cond_write_after_signal_seen_through_relaxed_flag,
        (Acc::Write, "cond-late-w"),
        (Acc::Read, "cond-late-r"),
    );
}

#[test]
fn a_write_after_the_broadcast_races_with_the_woken_waiters() {
    assert_race(cond_broadcast::<true>, (Acc::Write, "bcast-w"), (Acc::Read, "bcast-r"));
}

// ------------------------------------------------------------ WaitGroup

fn waitgroup_ordered() {
    let (data, d) = shared();
    let wg = WaitGroup::new();
    wg.add(1);
    let wg2 = wg.clone();
    goweave::go(move || {
        d.set(1);
        wg2.done();
    });
    wg.wait();
    assert_eq!(data.get(), 1);
}

fn waitgroup_two_workers() {
    let data = Arc::new([Shared::new(0), Shared::new(0)]);
    let wg = WaitGroup::new();
    for i in 0..2 {
        wg.add(1);
        let (wg, data) = (wg.clone(), data.clone());
        goweave::go(move || {
            data[i].set(1);
            wg.done();
        });
    }
    wg.wait();
    assert_eq!(data[0].get() + data[1].get(), 2);
}

fn waitgroup_racy() {
    let (data, d) = shared();
    let wg = WaitGroup::new();
    wg.add(1);
    let wg2 = wg.clone();
    goweave::go(move || {
        wg2.done();
        d.set(1); // @wg-done-w
    });
    wg.wait();
    let _ = data.get(); // @wg-done-r
}

/// Go's rule: the Add that raises the counter from zero must happen before
/// the Wait. Here the task adds for itself, unordered with the Wait.
fn waitgroup_add_in_task() {
    let wg = WaitGroup::new();
    let wg2 = wg.clone();
    goweave::go(move || {
        wg2.add(1);
        wg2.done();
    });
    wg.wait();
}

/// The fix: Add before starting the task.
fn waitgroup_add_before_spawn() {
    let wg = WaitGroup::new();
    wg.add(1);
    let wg2 = wg.clone();
    goweave::go(move || wg2.done());
    wg.wait();
}

#[test]
fn waitgroup_done_happens_before_the_wait_it_releases() {
    assert_clean(waitgroup_ordered);
    assert_clean(waitgroup_two_workers);
}

#[test]
fn a_write_after_done_races_with_the_waiter() {
    assert_race(waitgroup_racy, (Acc::Write, "wg-done-w"), (Acc::Read, "wg-done-r"));
}

#[test]
fn waitgroup_add_before_spawn_is_fine() {
    assert_clean(waitgroup_add_before_spawn);
}

#[test]
fn waitgroup_add_in_the_task_races_with_wait() {
    let failure = dfs().explore(waitgroup_add_in_task).expect_err("missed the Add/Wait race");
    assert_eq!(failure.kind(), FailureKind::DataRace, "{failure}");
    let report = failure.to_string();
    assert!(report.contains("WaitGroup"), "{report}");
    assert!(report.contains("from zero"), "{report}");
    assert!(report.contains(&format!("{FILE}:")), "{report}");
    assert_replays(dfs(), &failure, waitgroup_add_in_task);
}

// ----------------------------------------------------------------- Once

fn once_ordered() {
    let (data, d) = shared();
    let once = Arc::new(Once::new());
    let (o2, d2) = (once.clone(), d.clone());
    let h = goweave::go(move || {
        o2.call_once(|| d2.set(42));
        assert_eq!(d.get(), 42);
    });
    let d3 = data.clone();
    once.call_once(|| d3.set(42));
    assert_eq!(data.get(), 42);
    h.join().unwrap();
}

fn once_racy() {
    let (data, d) = shared();
    let once = Arc::new(Once::new());
    let o2 = once.clone();
    let h = goweave::go(move || {
        let d2 = d.clone();
        o2.call_once(|| d2.set(42)); // @once-w
    });
    // Reads without going through the Once.
    let _ = data.get(); // @once-r
    h.join().unwrap();
    drop(once);
}

#[test]
fn once_body_happens_before_every_call_once_return() {
    assert_clean(once_ordered);
}

#[test]
fn reading_without_call_once_races_with_the_body() {
    assert_race(once_racy, (Acc::Write, "once-w"), (Acc::Read, "once-r"));
}

// -------------------------------------------------------------- atomics

/// Message passing: write the data, then set a flag; the other task spins
/// (a bounded number of times) on the flag, then reads the data.
fn message_passing(store: Ordering, load: Ordering) {
    let (data, d) = shared();
    let flag = Arc::new(AtomicUsize::new(0));
    let f = flag.clone();
    let h = goweave::go(move || {
        d.set(42); // @mp-w
        f.store(1, store);
    });
    for _ in 0..2 {
        if flag.load(load) == 1 {
            let _ = data.get(); // @mp-r
            break;
        }
        goweave::yield_now();
    }
    h.join().unwrap();
}

/// The same with read-modify-writes on both sides.
fn message_passing_rmw(rmw: Ordering, cas: Ordering) {
    let (data, d) = shared();
    let flag = Arc::new(AtomicUsize::new(0));
    let f = flag.clone();
    let h = goweave::go(move || {
        d.set(42); // @mp-rmw-w
        f.fetch_add(1, rmw);
    });
    for _ in 0..2 {
        if flag.compare_exchange(1, 2, cas, cas).is_ok() {
            let _ = data.get(); // @mp-rmw-r
            break;
        }
        goweave::yield_now();
    }
    h.join().unwrap();
}

#[test]
fn release_store_happens_before_an_acquire_load_that_reads_it() {
    assert_clean(|| message_passing(Ordering::Release, Ordering::Acquire));
    assert_clean(|| message_passing(Ordering::SeqCst, Ordering::Acquire));
    assert_clean(|| message_passing(Ordering::Release, Ordering::SeqCst));
}

#[test]
fn seqcst_atomics_synchronize_like_go_sync_atomic() {
    assert_clean(|| message_passing(Ordering::SeqCst, Ordering::SeqCst));
}

#[test]
fn release_rmw_happens_before_an_acquire_rmw_that_reads_it() {
    assert_clean(|| message_passing_rmw(Ordering::Release, Ordering::Acquire));
    assert_clean(|| message_passing_rmw(Ordering::AcqRel, Ordering::AcqRel));
    assert_clean(|| message_passing_rmw(Ordering::SeqCst, Ordering::SeqCst));
}

#[test]
fn a_relaxed_store_gives_no_edge() {
    let f = assert_race(
        || message_passing(Ordering::Relaxed, Ordering::Acquire),
        (Acc::Write, "mp-w"),
        (Acc::Read, "mp-r"),
    );
    let report = f.to_string();
    assert!(report.contains("write by task 1"), "{report}");
    assert!(report.contains("by task 0 (test body)"), "{report}");
}

#[test]
fn a_relaxed_load_gives_no_edge() {
    assert_race(
        || message_passing(Ordering::Release, Ordering::Relaxed),
        (Acc::Write, "mp-w"),
        (Acc::Read, "mp-r"),
    );
    assert_race(
        || message_passing(Ordering::Relaxed, Ordering::Relaxed),
        (Acc::Write, "mp-w"),
        (Acc::Read, "mp-r"),
    );
}

#[test]
fn relaxed_rmws_give_no_edge() {
    assert_race(
        || message_passing_rmw(Ordering::Relaxed, Ordering::Acquire),
        (Acc::Write, "mp-rmw-w"),
        (Acc::Read, "mp-rmw-r"),
    );
    assert_race(
        || message_passing_rmw(Ordering::Release, Ordering::Relaxed),
        (Acc::Write, "mp-rmw-w"),
        (Acc::Read, "mp-rmw-r"),
    );
}

// ---------------------------------------------------- report and attribute

#[test]
fn the_race_report_names_both_tasks_and_their_last_synchronization() {
    let failure = dfs().explore(join_racy).expect_err("missed race");
    let report = failure.to_string();
    assert!(report.contains("without synchronization"), "{report}");
    assert!(report.contains("Shared#"), "{report}");
    assert!(report.contains("write by task 1"), "{report}");
    assert!(report.contains("by task 0 (test body)"), "{report}");
    assert!(report.contains("replay: gw1:"), "{report}");
    assert!(report.contains("GOWEAVE_REPLAY="), "{report}");
}

#[goweave::concurrency_test(strategy = "dfs", expect = "race")]
fn the_attribute_expects_a_race() {
    write_after_send::<1>();
}

#[goweave::concurrency_test(strategy = "dfs")]
fn the_attribute_passes_a_synchronized_pattern() {
    send_then_receive::<0>();
}
