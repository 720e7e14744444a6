//! The worker pool of `worker_pool_leak.rs`, fixed: the body closes
//! `jobs` once every job is queued, so each worker's `for job in jobs`
//! loop ends when the queue is drained; a `WaitGroup` counts the workers,
//! and a closer task closes `results` once they are all done, so the body
//! can simply range over `results` (Go's `wg.Wait(); close(results)`
//! idiom).
//!
//! `main` explores the pool twice: depth-first over every interleaving
//! (2,955 executions), then with 10,000 PCT executions. It
//! prints each statistics line, and exits with status 1 if goweave finds
//! a failure (a leak, a deadlock, a panic).

use goweave::sync::WaitGroup;
use goweave::{chan, Builder, Config, Strategy};

pub(crate) fn body() {
    let (jobs_tx, jobs) = chan::<u32>(5);
    let (results_tx, results) = chan::<u32>(5);
    let wg = WaitGroup::new();
    for w in 1..=3 {
        let (jobs, results_tx, wg) = (jobs.clone(), results_tx.clone(), wg.clone());
        wg.add(1);
        Builder::new().name(format!("worker-{w}")).go(move || {
            for job in jobs {
                results_tx.send(job * job);
            }
            wg.done();
        });
    }
    Builder::new().name("closer").go(move || {
        wg.wait();
        results_tx.close();
    });

    for job in 1..=5 {
        jobs_tx.send(job);
    }
    jobs_tx.close(); // the fix: the workers' loops end once the queue is drained

    let sum: u32 = results.into_iter().sum();
    assert_eq!(sum, 1 + 4 + 9 + 16 + 25);
}

fn main() {
    // Every interleaving (2,955 executions), then 10,000 PCT executions
    // with bug depth 3.
    let runs = [(Strategy::Dfs { preemption_bound: None }, 10_000), (Strategy::Pct { depth: 3 }, 10_000)];
    for (strategy, iterations) in runs {
        match Config::default().strategy(strategy).iterations(iterations).explore(body) {
            Ok(stats) => println!("{stats}"),
            Err(failure) => {
                println!("{failure}");
                println!("worker_pool_fixed: goweave found a {:?} failure.", failure.kind());
                std::process::exit(1);
            }
        }
    }
    println!("worker_pool_fixed: no leak, deadlock or panic found.");
}
