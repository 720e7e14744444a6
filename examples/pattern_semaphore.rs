//! Go pattern: bounded parallelism with a buffered channel as a
//! semaphore, and the acquire placed after the `go` statement.
//!
//! A buffered channel of capacity `LIMIT` holds one token per running
//! job: sending a token acquires a slot (it blocks while `LIMIT` jobs
//! hold one), receiving one releases it. The loop that starts the jobs
//! acquires before starting each one, so at most `LIMIT` run at once:
//!
//! ```text
//! sem := make(chan struct{}, LIMIT)
//! for _, job := range jobs {
//!     sem <- struct{}{}                               // acquire, then start
//!     go func(job int) { defer func() { <-sem }(); work(job) }(job)
//! }
//! ```
//!
//! The bug (`buggy`): the acquire is misplaced after the `go` statement.
//! The loop starts a job and only then waits for a token, so when the
//! `LIMIT` tokens are taken it has already started one job more: up to
//! `LIMIT + 1` jobs run at once. Each job counts the jobs running with it
//! and records the peak; the body asserts that the peak stayed within
//! `LIMIT`, and that assertion fails in the interleavings where the extra
//! job overlaps the others: a `Panic`.
//!
//! The fix (`fixed`): acquire before `go`.
//!
//! Run it with `cargo run --example pattern_semaphore`: it explores the
//! buggy variant with `Config::default()`, prints the report, then checks
//! the fixed one by exhaustive search (5,219 executions).

use std::sync::Arc;
use std::time::Duration;

use goweave::chan::Receiver;
use goweave::sync::atomic::{AtomicUsize, Ordering};
use goweave::sync::WaitGroup;
use goweave::{chan, Builder, Config, FailureKind, Strategy};

/// Jobs allowed to run at once.
const LIMIT: usize = 2;

/// What every job does: count itself in `running` while it works, and
/// record the most jobs seen running at once in `peak`.
#[derive(Clone)]
struct Counters {
    running: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

impl Counters {
    fn new() -> Counters {
        Counters { running: Arc::new(AtomicUsize::new(0)), peak: Arc::new(AtomicUsize::new(0)) }
    }

    fn work(&self) {
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        goweave::time::sleep(Duration::from_millis(10)); // the job's work
        self.running.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Starts a job that releases its token (receives from `sem`) when done.
fn start(job: u32, counters: &Counters, sem: &Receiver<()>, wg: &WaitGroup) {
    let (counters, sem, wg) = (counters.clone(), sem.clone(), wg.clone());
    wg.add(1);
    Builder::new().name(format!("job-{job}")).go(move || {
        counters.work();
        sem.recv(); // release
        wg.done();
    });
}

pub(crate) fn buggy() {
    let (acquire, sem) = chan::<()>(LIMIT);
    let (counters, wg) = (Counters::new(), WaitGroup::new());
    for job in 1..=3 {
        start(job, &counters, &sem, &wg);
        acquire.send(()); // Bug: acquired after the job started
    }
    wg.wait();
    let peak = counters.peak.load(Ordering::SeqCst);
    assert!(peak <= LIMIT, "{peak} jobs ran at once, limit {LIMIT}");
}

pub(crate) fn fixed() {
    let (acquire, sem) = chan::<()>(LIMIT);
    let (counters, wg) = (Counters::new(), WaitGroup::new());
    for job in 1..=3 {
        acquire.send(()); // acquire, then start
        start(job, &counters, &sem, &wg);
    }
    wg.wait();
    let peak = counters.peak.load(Ordering::SeqCst);
    assert!(peak <= LIMIT, "{peak} jobs ran at once, limit {LIMIT}");
}

fn main() {
    let name = "pattern_semaphore";
    match Config::default().explore(buggy) {
        Err(failure) if failure.kind() == FailureKind::Panic => {
            println!("{failure}");
            println!("{name}: goweave found the panic, as expected: more than {LIMIT} jobs ran at once.");
            println!("Replay it: GOWEAVE_REPLAY={} cargo run --example {name}", failure.schedule());
        }
        Err(failure) => {
            println!("{failure}");
            println!("{name}: expected a Panic, but goweave found a {:?} failure.", failure.kind());
            std::process::exit(1);
        }
        Ok(stats) => {
            println!("{stats}");
            println!("{name}: no failure found, but this loop exceeds its bound.");
            std::process::exit(1);
        }
    }
    if std::env::var_os("GOWEAVE_REPLAY").is_some() {
        return; // the token replays the buggy variant only
    }
    match Config::default().strategy(Strategy::Dfs { preemption_bound: None }).explore(fixed) {
        Ok(stats) => println!("{name} (fixed, acquire before go): {stats}"),
        Err(failure) => {
            println!("{failure}");
            println!("{name}: the fixed variant failed with a {:?}.", failure.kind());
            std::process::exit(1);
        }
    }
}
