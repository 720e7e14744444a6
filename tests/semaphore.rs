//! `goweave::semaphore::Weighted`: x/sync/semaphore semantics, explored
//! exhaustively.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use goweave::context::{Context, ContextError};
use goweave::semaphore::Weighted;
use goweave::sync::atomic::{AtomicI64, Ordering};
use goweave::sync::Mutex;
use goweave::{Config, FailureKind, Strategy};

const SOURCE: &str = include_str!("semaphore.rs");

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

/// `tests/semaphore.rs:LINE` of the line ending with `// @marker`.
fn at(marker: &str) -> String {
    let tag = format!("// @{marker}");
    let lines: Vec<usize> = SOURCE
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim_end().ends_with(&tag))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(lines.len(), 1, "marker {tag} must be on exactly one line");
    format!("tests/semaphore.rs:{}", lines[0])
}

/// Tasks acquiring weights 1, 2 and 2 of a semaphore of size 3 and
/// asserting that at most `bound` is held; returns the most ever held.
fn most_held(bound: i64) -> Result<i64, goweave::Failure> {
    let most = Arc::new(std::sync::atomic::AtomicI64::new(0));
    let m = most.clone();
    exhaustive()
        .explore(move || {
            let sem = Weighted::new(3);
            let held = Arc::new(AtomicI64::new(0));
            let workers: Vec<_> = [1, 2, 2]
                .into_iter()
                .map(|w| {
                    let (sem, held, m) = (sem.clone(), held.clone(), m.clone());
                    goweave::go(move || {
                        sem.acquire(&Context::background(), w).unwrap();
                        let now = held.fetch_add(w, Ordering::SeqCst) + w;
                        m.fetch_max(now, std::sync::atomic::Ordering::SeqCst);
                        assert!(now <= bound, "{now} held at once");
                        held.fetch_sub(w, Ordering::SeqCst);
                        sem.release(w);
                    })
                })
                .collect();
            for w in workers {
                w.join().unwrap();
            }
            assert!(sem.try_acquire(3), "everything was released");
        })
        .map(|stats| {
            assert!(stats.exhausted(), "{stats}");
            most.load(std::sync::atomic::Ordering::SeqCst)
        })
}

#[test]
fn never_more_than_the_size_is_held() {
    let most = most_held(3).unwrap_or_else(|f| panic!("{f}"));
    assert_eq!(most, 3, "the size is reached in some execution");
}

#[test]
fn the_held_counter_can_catch_an_excess() {
    // The same check with a bound below the size fails: 1 + 2 are held.
    let failure = most_held(2).expect_err("3 was never held");
    assert_eq!(failure.kind(), FailureKind::Panic, "{failure}");
    assert!(failure.to_string().contains("3 held at once"), "{failure}");
}

#[test]
fn a_big_waiter_at_the_head_holds_back_later_small_ones() {
    let stats = settled()
        .explore(|| {
            let sem = Weighted::new(2);
            let bg = Context::background();
            let order = Arc::new(Mutex::new(Vec::new()));
            sem.acquire(&bg, 1).unwrap();
            let spawn = |name: &'static str, n: i64| {
                let (sem, order) = (sem.clone(), order.clone());
                goweave::go(move || {
                    sem.acquire(&Context::background(), n).unwrap();
                    order.lock().push(name);
                    sem.release(n);
                })
            };
            let big = spawn("big", 2);
            settle(); // big is queued: it needs 2, 1 is free
            assert!(!sem.try_acquire(1), "try_acquire jumped the queue");
            let small = spawn("small", 1);
            settle(); // small is queued behind big though 1 is free
            assert!(order.lock().is_empty());
            sem.release(1);
            big.join().unwrap();
            small.join().unwrap();
            assert_eq!(*order.lock(), ["big", "small"]);
            assert!(sem.try_acquire(2));
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted_within_bounds(), "{stats}");
}

#[test]
fn a_release_too_small_for_the_head_serves_nobody_behind_it() {
    let stats = settled()
        .explore(|| {
            let sem = Weighted::new(4);
            sem.acquire(&Context::background(), 3).unwrap();
            let order = Arc::new(Mutex::new(Vec::new()));
            let spawn = |name: &'static str, n: i64| {
                let (sem, order) = (sem.clone(), order.clone());
                goweave::go(move || {
                    sem.acquire(&Context::background(), n).unwrap();
                    order.lock().push(name);
                    sem.release(n);
                })
            };
            let big = spawn("big", 3);
            settle();
            let small = spawn("small", 1);
            settle(); // queued: big (needs 3), then small (needs 1)
            sem.release(1); // 2 free: not enough for big
            settle();
            assert!(order.lock().is_empty(), "{:?} was served past the head of the queue", order.lock());
            sem.release(2);
            big.join().unwrap();
            small.join().unwrap();
            assert_eq!(order.lock().len(), 2);
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted_within_bounds(), "{stats}");
}

#[test]
fn a_cancelled_head_waiter_lets_the_next_one_through() {
    let stats = settled()
        .explore(|| {
            let sem = Weighted::new(2);
            sem.acquire(&Context::background(), 1).unwrap(); // held to the end
            let (ctx, cancel) = Context::background().with_cancel();
            let s = sem.clone();
            let big = goweave::go(move || s.acquire(&ctx, 2));
            settle();
            let s = sem.clone();
            let small = goweave::go(move || s.acquire(&Context::background(), 1));
            settle(); // queued: big (needs 2), then small (needs 1); 1 is free
            cancel();
            assert_eq!(big.join().unwrap(), Err(ContextError::Canceled));
            // Only big's leaving the queue can serve small: nobody releases.
            assert_eq!(small.join().unwrap(), Ok(()));
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted_within_bounds(), "{stats}");
}

#[test]
fn a_request_larger_than_the_size_does_not_queue() {
    let stats = settled()
        .explore(|| {
            let sem = Weighted::new(2);
            let (ctx, _cancel) = Context::background().with_timeout(Duration::from_secs(3600));
            let s = sem.clone();
            let doomed = goweave::go(move || s.acquire(&ctx, 3));
            settle(); // the doomed request waits for its context
            assert!(sem.try_acquire(2), "the doomed request blocks the others");
            sem.release(2);
            assert_eq!(doomed.join().unwrap(), Err(ContextError::DeadlineExceeded));
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted_within_bounds(), "{stats}");
}

#[test]
fn acquire_fails_when_the_context_is_cancelled_while_waiting() {
    let stats = exhaustive()
        .explore(|| {
            let sem = Weighted::new(1);
            sem.acquire(&Context::background(), 1).unwrap();
            let (ctx, cancel) = Context::background().with_cancel();
            let s = sem.clone();
            // Cancelled before it queues, while queued, or before it runs.
            let waiter = goweave::go(move || s.acquire(&ctx, 1));
            cancel();
            assert_eq!(waiter.join().unwrap(), Err(ContextError::Canceled));
            // The waiter left the queue: the semaphore works as before.
            sem.release(1);
            assert!(sem.try_acquire(1), "a cancelled waiter is still queued");
            sem.release(1);
            sem.acquire(&Context::background(), 1).unwrap();
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted(), "{stats}");
}

#[test]
fn an_already_cancelled_context_fails_even_if_the_weight_is_free() {
    let stats = exhaustive()
        .explore(|| {
            let sem = Weighted::new(1);
            let (ctx, cancel) = Context::background().with_cancel();
            cancel();
            assert_eq!(sem.acquire(&ctx, 1), Err(ContextError::Canceled));
            assert!(sem.try_acquire(1), "the failed acquire took nothing");
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted(), "{stats}");
}

#[test]
fn a_grant_racing_a_cancellation_never_loses_weight_or_strands_a_waiter() {
    let outcomes = Arc::new(StdMutex::new(BTreeSet::new()));
    let o = outcomes.clone();
    let stats = exhaustive()
        .explore(move || {
            let sem = Weighted::new(1);
            let bg = Context::background();
            sem.acquire(&bg, 1).unwrap();
            let (ctx, cancel) = Context::background().with_cancel();
            let s = sem.clone();
            let first = goweave::go(move || {
                let r = s.acquire(&ctx, 1);
                if r.is_ok() {
                    s.release(1);
                }
                r
            });
            let s = sem.clone();
            // Queued before or after `first`; must get through either way.
            let second = goweave::go(move || {
                s.acquire(&Context::background(), 1).unwrap();
                s.release(1);
            });
            let canceller = goweave::go(move || cancel());
            sem.release(1);
            canceller.join().unwrap();
            let r = first.join().unwrap();
            second.join().unwrap();
            assert!(sem.try_acquire(1), "weight was lost");
            o.lock().unwrap().insert(format!("{r:?}"));
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted(), "{stats}");
    assert_eq!(
        *outcomes.lock().unwrap(),
        BTreeSet::from(["Err(Canceled)".to_string(), "Ok(())".to_string()])
    );
}

#[test]
fn releasing_more_than_held_panics_like_go() {
    let failure = exhaustive()
        .explore(|| {
            let sem = Weighted::new(2);
            sem.acquire(&Context::background(), 1).unwrap();
            sem.release(2); // @over-release
        })
        .expect_err("the over-release was not caught");
    assert_eq!(failure.kind(), FailureKind::Panic, "{failure}");
    let report = failure.to_string();
    assert!(report.contains("semaphore: released more than held"), "{report}");
    assert!(report.contains(&at("over-release")), "{report}");
}

#[test]
fn a_waiter_blocked_forever_is_a_deadlock() {
    // Nobody releases: the body waits on its ready channel forever.
    let failure = exhaustive()
        .explore(|| {
            let sem = Weighted::new(1);
            sem.acquire(&Context::background(), 1).unwrap();
            let _ = sem.acquire(&Context::background(), 1); // @second-acquire
        })
        .expect_err("the stuck acquire was missed");
    assert_eq!(failure.kind(), FailureKind::Deadlock, "{failure}");
    assert!(failure.to_string().contains(&at("second-acquire")), "{failure}");
}
