//! The code you test is the code you ship: `parallel_sum` runs on real
//! threads here in `main`, and the same function, unchanged, is explored by
//! `tests/patterns` (`ship_it_sums_every_value_in_every_interleaving`).
//!
//! Run it with `cargo run --example ship_it`.

use goweave::chan;
use goweave::sync::WaitGroup;

/// Sums `values` with `workers` tasks: a channel of jobs, one of results,
/// and a WaitGroup that closes the results once every worker is done.
pub(crate) fn parallel_sum(values: Vec<u64>, workers: usize) -> u64 {
    let (jobs_tx, jobs) = chan::<u64>(values.len());
    let (results_tx, results) = chan::<u64>(workers);
    let wg = WaitGroup::new();
    for _ in 0..workers {
        wg.add(1);
        let (jobs, results_tx, wg) = (jobs.clone(), results_tx.clone(), wg.clone());
        goweave::go(move || {
            let mut sum = 0;
            for v in &jobs {
                sum += v;
            }
            results_tx.send(sum);
            wg.done();
        });
    }
    goweave::go(move || {
        wg.wait();
        results_tx.close();
    });
    for v in values {
        jobs_tx.send(v);
    }
    jobs_tx.close();
    results.into_iter().sum()
}

fn main() {
    // Outside an exploration: OS threads, blocking channels.
    let total = parallel_sum((1..=1_000_000).collect(), 4);
    println!("sum of 1..=1,000,000 on 4 native tasks: {total}");
    assert_eq!(total, 500_000_500_000);
}
