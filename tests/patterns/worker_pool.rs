//! The worker pool of `examples/worker_pool_leak.rs` (buggy) and
//! `examples/worker_pool_fixed.rs` (fixed), copied here because those
//! examples keep their bodies private; see them for the full story.
//!
//! Three workers range over a buffered `jobs` channel. The buggy body
//! never closes `jobs`: it collects the five results and returns, and the
//! workers stay blocked in their loops forever (a `Leak`). The fixed body
//! closes `jobs`, and a `WaitGroup` plus a closer task close `results`
//! once every worker is done.

use goweave::sync::WaitGroup;
use goweave::{chan, Builder};

pub fn buggy() {
    let (jobs_tx, jobs) = chan::<u32>(5);
    let (results_tx, results) = chan::<u32>(5);
    for w in 1..=3 {
        let (jobs, results_tx) = (jobs.clone(), results_tx.clone());
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

pub fn fixed() {
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
    jobs_tx.close();
    let sum: u32 = results.into_iter().sum();
    assert_eq!(sum, 1 + 4 + 9 + 16 + 25);
}
