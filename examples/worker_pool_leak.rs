//! A worker pool whose jobs channel is never closed: the workers leak.
//!
//! The test body starts three workers that range over a buffered `jobs`
//! channel (`for job in jobs`, Go's `for job := range jobs`), queues five jobs,
//! collects the five results and returns. It never closes `jobs`, so once
//! the jobs run out every worker stays blocked in its `for` loop, waiting
//! for a job that will never come. The body got its answer, so a test
//! that only checks the answer passes; but in a server each such call
//! strands three goroutines forever.
//!
//! goweave reports a task that can never finish after the body returned
//! as a `Leak`, naming each stranded worker and the line it is blocked on.
//! `examples/worker_pool_fixed.rs` closes `jobs` and waits for the workers.
//!
//! Run it with `cargo run --example worker_pool_leak`; replay the printed
//! token with `GOWEAVE_REPLAY=<token> cargo run --example worker_pool_leak`
//! or `goweave::replay(token, body)`.

use goweave::{chan, Builder, Config, FailureKind};

pub(crate) fn body() {
    // Buffered, as in Go by Example's worker pool: the body can queue every
    // job without waiting for a worker.
    let (jobs_tx, jobs) = chan::<u32>(5);
    let (results_tx, results) = chan::<u32>(5);
    for w in 1..=3 {
        let jobs = jobs.clone();
        let results_tx = results_tx.clone();
        Builder::new().name(format!("worker-{w}")).go(move || {
            for job in jobs {
                results_tx.send(job * job);
            }
        });
    }

    for job in 1..=5 {
        jobs_tx.send(job);
    }
    // Bug: `jobs_tx.close()` is missing, so the workers' loops never end.
    let sum: u32 = (0..5).map(|_| results.recv().unwrap()).sum();
    assert_eq!(sum, 1 + 4 + 9 + 16 + 25);
}

fn main() {
    match Config::default().explore(body) {
        Err(failure) if failure.kind() == FailureKind::Leak => {
            println!("{failure}");
            println!(
                "worker_pool_leak: goweave found a {:?} failure, as expected: `jobs` is never closed.",
                failure.kind()
            );
            println!(
                "To run that exact interleaving again: GOWEAVE_REPLAY={} cargo run --example worker_pool_leak",
                failure.schedule()
            );
        }
        Err(failure) => {
            println!("{failure}");
            println!("worker_pool_leak: expected a Leak, but goweave found a {:?} failure.", failure.kind());
            std::process::exit(1);
        }
        Ok(stats) => {
            println!("{stats}");
            println!("worker_pool_leak: no failure found, but this pool leaks its workers.");
            std::process::exit(1);
        }
    }
}
