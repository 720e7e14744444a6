//! Ports of golang.org/x/sync's semaphore/semaphore_test.go and
//! semaphore_example_test.go.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Duration;

use goweave::context::{Context, ContextError};
use goweave::errgroup::Group;
use goweave::semaphore::Weighted;
use goweave::sync::WaitGroup;
use goweave::{chan, go, time, yield_now, Shared};

const MAX_SLEEP: Duration = Duration::from_millis(1);

fn hammer_weighted(sem: &Weighted, n: i64, loops: usize) {
    for i in 0..loops {
        sem.acquire(&Context::background(), n).unwrap();
        // Go sleeps a random time below 1 ms; a fixed spread stands in.
        time::sleep(MAX_SLEEP * (i as u32 + n as u32) / 4);
        sem.release(n);
    }
}

// Ports TestWeighted from semaphore/semaphore_test.go: tasks acquiring
// weights 0 to n-1 of a semaphore of n. GOMAXPROCS tasks of 10,000 /
// GOMAXPROCS loops shrunk to 3 tasks of 2.
#[goweave::concurrency_test]
fn weighted() {
    let n = 3;
    let loops = 2;
    let sem = Weighted::new(n);
    let wg = WaitGroup::new();
    wg.add(n as isize);
    for i in 0..n {
        let (sem, wg) = (sem.clone(), wg.clone());
        go(move || {
            hammer_weighted(&sem, i, loops);
            wg.done();
        });
    }
    wg.wait();
}

// Ports TestWeightedPanic from semaphore/semaphore_test.go: releasing what
// was not acquired panics.
#[goweave::concurrency_test]
fn weighted_panic() {
    let w = Weighted::new(1);
    let r = catch_unwind(AssertUnwindSafe(|| w.release(1)));
    assert!(r.is_err(), "release of an unacquired weighted semaphore did not panic");
}

// Ports TestWeightedTryAcquire from semaphore/semaphore_test.go.
#[goweave::concurrency_test]
fn weighted_try_acquire() {
    let ctx = Context::background();
    let sem = Weighted::new(2);
    let mut tries = vec![];
    sem.acquire(&ctx, 1).unwrap();
    tries.push(sem.try_acquire(1));
    tries.push(sem.try_acquire(1));
    sem.release(2);
    tries.push(sem.try_acquire(1));
    sem.acquire(&ctx, 1).unwrap();
    tries.push(sem.try_acquire(1));
    assert_eq!(tries, [true, false, true, false]);
}

// Ports TestWeightedAcquire from semaphore/semaphore_test.go: acquire with
// a 10 ms timeout gets a free weight and times out on a taken one. Go
// trusts the acquire of a free weight to take less than 10 ms; that is
// `early_timers = "0"`, testing/synctest's rule (docs/API.md, "Time").
// Under the default a 10 ms deadline may fire early; see the next test.
#[goweave::concurrency_test(early_timers = "0")]
fn weighted_acquire() {
    assert_eq!(weighted_acquire_tries(), [true, false, true, false]);
}

// The deliberate difference from Go in TestWeightedAcquire: under the
// default settings a 10 ms deadline is short enough to fire before the
// acquire of a free weight looks at the semaphore (docs/API.md, "Time"),
// and the report says that an early firing was needed.
#[test]
fn weighted_acquire_may_time_out_early_under_the_default() {
    let failure = goweave::Config::default()
        .explore(|| assert_eq!(weighted_acquire_tries(), [true, false, true, false]))
        .expect_err("a 10 ms deadline may fire before the acquire");
    assert_eq!(failure.kind(), goweave::FailureKind::Panic);
    let report = failure.to_string();
    assert!(report.contains("A timer fired early, while tasks could still run"), "{report}");
    assert!(report.contains("the 10ms timer made at tests/go/semaphore.rs"), "{report}");
}

/// TestWeightedAcquire's body: whether each of four acquires with a
/// 10 ms timeout succeeded.
fn weighted_acquire_tries() -> Vec<bool> {
    let ctx = Context::background();
    let sem = Weighted::new(2);
    let try_acquire = |n: i64| {
        let (ctx, cancel) = ctx.with_timeout(Duration::from_millis(10));
        let ok = sem.acquire(&ctx, n).is_ok();
        cancel();
        ok
    };
    let mut tries = vec![];
    sem.acquire(&ctx, 1).unwrap();
    tries.push(try_acquire(1));
    tries.push(try_acquire(1));
    sem.release(2);
    tries.push(try_acquire(1));
    sem.acquire(&ctx, 1).unwrap();
    tries.push(try_acquire(1));
    tries
}

// Ports TestWeightedDoesntBlockIfTooBig from semaphore/semaphore_test.go:
// an acquire larger than the semaphore does not hold up smaller ones.
#[goweave::concurrency_test]
fn weighted_doesnt_block_if_too_big() {
    const N: i64 = 2;
    let sem = Weighted::new(N);
    let (ctx, cancel) = Context::background().with_cancel();
    let s = sem.clone();
    go(move || s.acquire(&ctx, N + 1));

    let (g, ctx) = Group::<ContextError>::with_context(&Context::background());
    for _ in 0..N * 3 {
        let (sem, ctx) = (sem.clone(), ctx.clone());
        g.go(move || {
            sem.acquire(&ctx, 1)?;
            time::sleep(Duration::from_millis(1));
            sem.release(1);
            Ok(())
        });
    }
    assert_eq!(g.wait(), Ok(()), "failed to acquire 1 with an acquire of {} pending", N + 1);
    cancel(); // Go: defer cancel()
}

// Ports TestLargeAcquireDoesntStarve from semaphore/semaphore_test.go: an
// acquire of the whole semaphore gets it although tasks keep releasing
// and re-acquiring their part. GOMAXPROCS tasks shrunk to 2. `running` is
// a plain variable, as in Go: the semaphore orders its accesses.
#[goweave::concurrency_test]
fn large_acquire_doesnt_starve() {
    let ctx = Context::background();
    let n = 2;
    let sem = Weighted::new(n);
    let running = Arc::new(Shared::new(true));
    let wg = WaitGroup::new();
    wg.add(n as isize);
    for _ in 0..n {
        sem.acquire(&ctx, 1).unwrap();
        let (sem, running, wg, ctx) = (sem.clone(), running.clone(), wg.clone(), ctx.clone());
        go(move || {
            while running.get() {
                time::sleep(Duration::from_millis(1));
                sem.release(1);
                sem.acquire(&ctx, 1).unwrap();
            }
            // Go's deferred release and done.
            sem.release(1);
            wg.done();
        });
    }
    sem.acquire(&ctx, n).unwrap();
    running.set(false);
    sem.release(n);
    wg.wait();
}

// Ports TestAllocCancelDoesntStarve from semaphore/semaphore_test.go: a
// small acquire and the cancellation of a large waiter, at once, both
// return.
#[goweave::concurrency_test]
fn alloc_cancel_doesnt_starve() {
    let sem = Weighted::new(10);
    // Block off a portion of the semaphore so that acquire(10) can
    // eventually succeed.
    sem.acquire(&Context::background(), 1).unwrap();

    // In the background, acquire(10).
    let (ctx, cancel) = Context::background().with_cancel();
    let s = sem.clone();
    go(move || s.acquire(&ctx, 10));

    // Wait until the acquire(10) blocks.
    while sem.try_acquire(1) {
        sem.release(1);
        yield_now();
    }

    // Take a weight of 1 and, at the same time, unblock acquire(10): both
    // return, in either order.
    let c = cancel.clone();
    go(move || c());
    if let Err(err) = sem.acquire(&Context::background(), 1) {
        panic!("Acquire(_, 1) failed unexpectedly: {err}");
    }
    sem.release(1);
    cancel(); // Go: defer cancel()
}

// Ports TestWeightedAcquireCanceled from semaphore/semaphore_test.go (go.dev
// issue 63615): a context cancelled before enough weight is free fails the
// acquire and leaves the semaphore whole; a done context fails an acquire
// even when the weight is free.
#[goweave::concurrency_test]
fn weighted_acquire_canceled() {
    let sem = Weighted::new(2);
    let (ctx, cancel) = Context::background().with_cancel();
    sem.acquire(&Context::background(), 1).unwrap();
    let (ch, ch_rx) = chan::<()>(0);
    let s = sem.clone();
    go(move || {
        // Synchronize with the acquire(2) below.
        while s.try_acquire(1) {
            s.release(1);
        }
        // Now cancel ctx, and then release the token.
        cancel();
        s.release(1);
        ch.close();
    });
    // The context is done before enough tokens are free: this acquire must
    // fail.
    assert_eq!(sem.acquire(&ctx, 2), Err(ContextError::Canceled), "Acquire with canceled context");
    // There must be two tokens once the other task released ours.
    ch_rx.recv();
    assert!(sem.try_acquire(2), "TryAcquire after canceled Acquire failed");
    // Nor acquire with a done context even when we need not block.
    sem.release(2);
    assert_eq!(sem.acquire(&ctx, 1), Err(ContextError::Canceled), "Acquire with canceled context");
}

/// Steps to reach 1 under the Collatz map.
fn collatz_steps(mut n: u64) -> u64 {
    assert!(n > 0, "nonpositive input");
    let mut steps = 0;
    while n > 1 {
        n = if n.is_multiple_of(2) { n / 2 } else { 3 * n + 1 };
        steps += 1;
    }
    steps
}

// Ports Example_workerPool from semaphore/semaphore_example_test.go (its
// output): a semaphore bounds the workers, and acquiring all of it waits
// for the last ones. GOMAXPROCS workers over 32 outputs shrunk to 2 over
// 8. Go's context.TODO() is the background context.
#[goweave::concurrency_test]
fn example_worker_pool() {
    let ctx = Context::background();
    let max_workers = 2;
    let sem = Weighted::new(max_workers);
    let out: Arc<Vec<Shared<u64>>> = Arc::new((0..8).map(|_| Shared::new(0)).collect());
    for i in 0..out.len() {
        sem.acquire(&ctx, 1).expect("Failed to acquire semaphore");
        let (sem, out) = (sem.clone(), out.clone());
        go(move || {
            out[i].set(collatz_steps(i as u64 + 1));
            sem.release(1);
        });
    }
    // Acquire all of the tokens to wait for any remaining workers.
    sem.acquire(&ctx, max_workers).expect("Failed to acquire semaphore");
    let out: Vec<u64> = out.iter().map(Shared::get).collect();
    assert_eq!(out, [0, 1, 7, 2, 5, 8, 16, 3]);
}
