//! Native `sync`, atomics and `Shared` on real threads: exact results
//! under contention, Go's semantics and misuse panics, and objects used in
//! the wrong mode.

use std::sync::Arc;
use std::time::Duration;

use goweave::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use goweave::sync::{Cond, Mutex, Once, RwMutex, WaitGroup};
use goweave::{Config, FailureKind, Shared};

/// The message of a panic `f` must raise.
fn panic_message(f: impl FnOnce()) -> String {
    let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).expect_err("expected a panic");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn a_mutex_counts_exactly_under_contention() {
    let m = Arc::new(Mutex::new(0u64));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let m = m.clone();
            goweave::go(move || {
                for _ in 0..100_000 {
                    *m.lock() += 1;
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(*m.lock(), 800_000);
    assert_eq!(format!("{m:?}"), "Mutex(native)");
}

#[test]
fn a_guard_may_be_released_by_another_task_as_in_go() {
    let m = Arc::new(Mutex::new(1));
    let guard = m.lock();
    assert!(m.try_lock().is_none());
    // Go lets another goroutine unlock: the guard is Send.
    std::thread::scope(|s| {
        s.spawn(move || drop(guard));
    });
    assert!(m.try_lock().is_some());
}

#[test]
fn a_read_write_mutex_shares_reads_and_prefers_a_waiting_writer() {
    let rw = Arc::new(RwMutex::new(0));
    let first = rw.read();
    let second = rw.try_read().expect("readers share the lock");
    drop(second);
    let writer = {
        let rw = rw.clone();
        goweave::go(move || *rw.write() += 1)
    };
    // Once the writer waits, new readers wait behind it (Go's rule).
    let mut blocked = false;
    for _ in 0..2000 {
        match rw.try_read() {
            Some(g) => drop(g),
            None => {
                blocked = true;
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(blocked, "a waiting writer should block new readers");
    drop(first);
    writer.join().unwrap();
    assert_eq!(*rw.read(), 1);
}

#[test]
fn cond_signal_wakes_one_and_broadcast_wakes_all() {
    let state = Arc::new((Mutex::new(0usize), Cond::new()));
    let woken = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (state, woken) = (state.clone(), woken.clone());
            goweave::go(move || {
                let mut turn = state.0.lock();
                while *turn == 0 {
                    turn = state.1.wait(turn);
                }
                *turn -= 1;
                woken.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    // Every waiter is queued once it released the mutex: give it time.
    std::thread::sleep(Duration::from_millis(50));
    *state.0.lock() = 1;
    state.1.signal();
    while woken.load(Ordering::SeqCst) < 1 {
        std::thread::yield_now();
    }
    *state.0.lock() = 3;
    state.1.broadcast();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(woken.load(Ordering::SeqCst), 4);
    assert_eq!(*state.0.lock(), 0);
}

#[test]
fn a_wait_group_waits_for_every_done() {
    let wg = WaitGroup::new();
    let done = Arc::new(AtomicUsize::new(0));
    for _ in 0..8 {
        wg.add(1);
        let (wg, done) = (wg.clone(), done.clone());
        goweave::go(move || {
            std::thread::sleep(Duration::from_millis(5));
            done.fetch_add(1, Ordering::SeqCst);
            wg.done();
        });
    }
    wg.wait();
    assert_eq!(done.load(Ordering::SeqCst), 8);
    // Reusable once the wait returned; a zero counter does not block.
    wg.wait();
    wg.add(2);
    wg.done();
    wg.done();
    wg.wait();
}

#[test]
fn a_negative_wait_group_counter_panics_with_gos_message() {
    let wg = WaitGroup::new();
    assert_eq!(panic_message(|| wg.done()), "sync: negative WaitGroup counter");
}

#[test]
fn once_runs_once_and_counts_a_panic_as_done() {
    let once = Arc::new(Once::new());
    let runs = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (once, runs) = (once.clone(), runs.clone());
            goweave::go(move || {
                once.call_once(|| {
                    runs.fetch_add(1, Ordering::SeqCst);
                })
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert!(once.is_completed());
    let panicky = Once::new();
    assert_eq!(panic_message(|| panicky.call_once(|| panic!("first"))), "first");
    assert!(panicky.is_completed(), "as in Go, a panicking function still completes the Once");
    panicky.call_once(|| unreachable!("runs once"));
}

#[test]
fn atomics_are_std_atomics_natively() {
    let n = Arc::new(AtomicU64::new(0));
    let flag = Arc::new(AtomicBool::new(false));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (n, flag) = (n.clone(), flag.clone());
            goweave::go(move || {
                for _ in 0..50_000 {
                    n.fetch_add(1, Ordering::Relaxed);
                }
                let _ = flag.compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst);
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(n.load(Ordering::SeqCst), 200_000);
    assert!(flag.load(Ordering::SeqCst));
}

#[test]
fn shared_is_memory_safe_natively() {
    let counter = Arc::new(Shared::new(0u64));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let counter = counter.clone();
            goweave::go(move || {
                for _ in 0..25_000 {
                    counter.with_mut(|v| *v += 1);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(counter.get(), 100_000);
}

#[test]
fn a_native_object_used_inside_an_exploration_panics_naming_it() {
    let native = Arc::new(Mutex::new(0));
    let failure = Config::default()
        .explore(move || {
            *native.lock() += 1;
        })
        .unwrap_err();
    assert_eq!(failure.kind(), FailureKind::Panic);
    let report = failure.to_string();
    assert!(
        report.contains("the Mutex made at tests/native_sync.rs:")
            && report.contains("outside any exploration")
            && report.contains("inside the test body"),
        "{report}"
    );
}

/// A bank transfer: the same code runs on threads and is explored.
fn transfer_twice(from: &Arc<Mutex<i64>>, to: &Arc<Mutex<i64>>) {
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let (from, to) = (from.clone(), to.clone());
            goweave::go(move || {
                *from.lock() -= 10;
                *to.lock() += 10;
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn the_same_function_runs_natively_and_under_exploration() {
    let (a, b) = (Arc::new(Mutex::new(100)), Arc::new(Mutex::new(0)));
    transfer_twice(&a, &b);
    assert_eq!((*a.lock(), *b.lock()), (80, 20));
    let stats = Config::default()
        .explore(|| {
            let (a, b) = (Arc::new(Mutex::new(100)), Arc::new(Mutex::new(0)));
            transfer_twice(&a, &b);
            assert_eq!((*a.lock(), *b.lock()), (80, 20));
        })
        .unwrap();
    assert!(stats.executions() >= 1);
}

#[test]
fn a_model_object_used_on_a_std_thread_inside_an_exploration_says_so() {
    let message = Arc::new(std::sync::Mutex::new(String::new()));
    let seen = message.clone();
    Config::default()
        .iterations(1)
        .explore(move || {
            let m = Arc::new(Mutex::new(0));
            // A std::thread is no task of the execution: it cannot use the
            // execution's objects, and says why.
            let m2 = m.clone();
            let text = std::thread::spawn(move || panic_message(|| *m2.lock() += 1)).join().unwrap();
            *seen.lock().unwrap() = text;
            *m.lock() += 1;
        })
        .unwrap();
    let message = message.lock().unwrap().clone();
    assert!(
        message.contains("the Mutex made at tests/native_sync.rs:")
            && message.contains("a thread that runs no execution")
            && message.contains("a std::thread spawned inside it")
            && message.contains("goweave::go"),
        "{message}"
    );
}
