//! Two workloads timed per execution (`N` executions each, default 300):
//! many small tasks sending on one channel, and one task locking a mutex
//! 10,000 times. `run.sh` builds them in four profiles.

use std::time::Instant;
use goweave::{Config, Strategy};

/// Executions per workload: `N`, default 300.
fn iters() -> u64 { std::env::var("N").ok().and_then(|v| v.parse().ok()).unwrap_or(300) }

#[test]
fn many_small_tasks() {
    let t = Instant::now();
    let n = iters();
    Config::default().strategy(Strategy::Random).threads(1).iterations(n).check(|| {
        let (tx, rx) = goweave::chan::<u32>(0);
        for i in 0..200 {
            let tx = tx.clone();
            goweave::go(move || tx.send(i));
        }
        let mut sum = 0;
        for _ in 0..200 { sum += rx.recv().unwrap(); }
        assert_eq!(sum, 199 * 200 / 2);
    });
    eprintln!("RESULT many_small_tasks {n} executions {:.3} ms/execution", t.elapsed().as_secs_f64() * 1000.0 / n as f64);
}

#[test]
fn one_long_loop() {
    let t = Instant::now();
    let n = iters();
    Config::default().strategy(Strategy::Random).threads(1).iterations(n).check(|| {
        let m = std::sync::Arc::new(goweave::sync::Mutex::new(0u64));
        let m2 = m.clone();
        let h = goweave::go(move || { for _ in 0..10_000 { *m2.lock() += 1; } });
        h.join().unwrap();
        assert_eq!(*m.lock(), 10_000);
    });
    eprintln!("RESULT one_long_loop {n} executions {:.3} ms/execution", t.elapsed().as_secs_f64() * 1000.0 / n as f64);
}
