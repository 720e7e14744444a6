//! The real clock natively (sleep, now, after, tick, Timer), context
//! deadlines on it, and golang.org/x/sync's packages on native
//! primitives. Margins are generous: a busy 2-core machine may run a
//! thread late by tens of milliseconds.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use goweave::context::{Context, ContextError};
use goweave::time::{self, Timer};
use goweave::{errgroup, select, semaphore, singleflight};

const SHORT: Duration = Duration::from_millis(30);
/// Far longer than any delay a busy machine adds.
const LONG: Duration = Duration::from_secs(30);

#[test]
fn sleep_and_now_follow_the_real_clock() {
    let start = time::now();
    let real = std::time::Instant::now();
    time::sleep(SHORT);
    assert!(start.elapsed() >= SHORT);
    assert!(real.elapsed() >= SHORT);
}

#[test]
fn after_delivers_the_time_once_the_duration_passed() {
    let start = time::now();
    let fired = time::after(SHORT).recv().expect("after sends the time");
    assert!(fired - start >= SHORT, "{fired} vs {start}");
}

#[test]
fn a_select_times_out_on_after() {
    let (_tx, never_sent) = goweave::chan::<u8>(0);
    let timed_out = select! {
        recv(never_sent) -> _ => false,
        recv(time::after(SHORT)) -> _ => true,
    };
    assert!(timed_out);
}

#[test]
fn a_ticker_ticks_until_stopped() {
    let ticker = time::tick(Duration::from_millis(5));
    let first = ticker.rx().recv().unwrap();
    let second = ticker.rx().recv().unwrap();
    assert!(second > first);
    ticker.stop();
    // A tick already in the channel, or being sent as the ticker stopped,
    // may still arrive: wait for it, then drain it.
    std::thread::sleep(Duration::from_millis(20));
    let _ = ticker.rx().try_recv();
    let after_stop = select! {
        recv(ticker.rx()) -> _ => true,
        recv(time::after(Duration::from_millis(100))) -> _ => false,
    };
    assert!(!after_stop, "a stopped ticker ticked");
}

#[test]
fn a_timer_stops_and_resets() {
    let t = Timer::new(LONG);
    assert!(t.stop(), "a pending timer is stopped");
    assert!(!t.stop(), "a stopped timer is not pending");
    assert!(!t.reset(SHORT), "reset says it was not pending");
    t.rx().recv().expect("the reset timer fires");
    let fired = Timer::new(Duration::ZERO);
    fired.rx().recv().unwrap();
    assert!(!fired.stop(), "a timer that fired is not pending");
}

#[test]
fn a_context_deadline_cancels_it_on_the_real_clock() {
    let (ctx, _cancel) = Context::background().with_timeout(SHORT);
    let (child, _cancel_child) = ctx.with_cancel();
    assert_eq!(child.err(), None);
    assert_eq!(child.done().recv(), None, "done is closed at the deadline");
    assert_eq!(child.err(), Some(ContextError::DeadlineExceeded));
    assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded));
}

#[test]
fn cancelling_a_context_closes_its_descendants_from_any_thread() {
    let (ctx, cancel) = Context::background().with_timeout(LONG);
    let (child, _c) = ctx.with_cancel();
    let waiter = {
        let child = child.clone();
        goweave::go(move || child.done().recv())
    };
    goweave::go(move || cancel()).join().unwrap();
    assert_eq!(waiter.join().unwrap(), None);
    assert_eq!(child.err(), Some(ContextError::Canceled));
    // A child of a cancelled context starts cancelled.
    let (late, _c) = ctx.with_cancel();
    assert_eq!(late.err(), Some(ContextError::Canceled));
}

#[test]
fn errgroup_returns_the_first_error_and_cancels_the_rest() {
    let (group, ctx) = errgroup::Group::<String>::with_context(&Context::background());
    let saw_cancel = Arc::new(AtomicUsize::new(0));
    for i in 0..4 {
        let (ctx, saw_cancel) = (ctx.clone(), saw_cancel.clone());
        group.go(move || {
            if i == 2 {
                return Err(format!("task {i} failed"));
            }
            let _ = ctx.done().recv();
            saw_cancel.fetch_add(1, Ordering::SeqCst);
            Ok(())
        });
    }
    assert_eq!(group.wait(), Err("task 2 failed".to_string()));
    assert_eq!(saw_cancel.load(Ordering::SeqCst), 3);
}

#[test]
fn a_weighted_semaphore_bounds_concurrency() {
    let sem = Arc::new(semaphore::Weighted::new(2));
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (sem, running, most) = (sem.clone(), running.clone(), most.clone());
            goweave::go(move || {
                sem.acquire(&Context::background(), 1).unwrap();
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(2));
                running.fetch_sub(1, Ordering::SeqCst);
                sem.release(1);
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert!(most.load(Ordering::SeqCst) <= 2);
    assert!(sem.try_acquire(2));
}

#[test]
fn singleflight_runs_concurrent_calls_for_a_key_once() {
    let group = singleflight::Group::<u32, u32>::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(goweave::sync::WaitGroup::new());
    gate.add(1);
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (group, calls, gate) = (group.clone(), calls.clone(), gate.clone());
            goweave::go(move || {
                group.call(7, move || {
                    calls.fetch_add(1, Ordering::SeqCst);
                    gate.wait();
                    49
                })
            })
        })
        .collect();
    // Let every caller reach the group before the one call finishes.
    std::thread::sleep(Duration::from_millis(50));
    gate.done();
    let results: Vec<(u32, bool)> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(results.iter().all(|&(v, _)| v == 49));
    // The gate holds the first call open while the others arrive: on a
    // machine that runs them within 50 ms, one call shared by all four. A
    // caller run later starts its own call, and is then not shared.
    let calls = calls.load(Ordering::SeqCst);
    assert!((1..=4).contains(&calls));
    let shared = results.iter().filter(|r| r.1).count();
    assert!(calls > 1 || shared == 4, "one call, not shared by all: {results:?}");
}
