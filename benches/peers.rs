//! goweave beside shuttle: executions per second on the same small
//! workloads, in one process, one thread each.
//!
//! Run with `cargo bench --bench peers` (a release build). The number of
//! executions per measurement is 20,000, or `BENCH_ITERS`. Output is a
//! Markdown table per strategy: random walk (goweave `Strategy::Random`,
//! `shuttle::check_random`) and PCT with depth 3 (goweave
//! `Strategy::Pct { depth: 3 }`, `shuttle::check_pct`). The ratio is
//! goweave's rate over shuttle's: above 1, goweave is faster.
//!
//! Workloads:
//! - `mutex`: 2 tasks each increment a mutex-protected counter twice; the
//!   body joins them and asserts the total is 4.
//! - `chan-unbuffered`: 3 producers each send 3 values to one consumer
//!   (the body), which receives 9. goweave uses an unbuffered channel
//!   (capacity 0, a rendezvous); shuttle's `mpsc::channel` is unbounded.
//! - `chan-buffered`: the same with a goweave channel of capacity 9, so
//!   that no send ever blocks, as with shuttle's unbounded channel.

use std::sync::Arc;
use std::time::{Duration, Instant};

use goweave::{Config, Strategy};

const DEFAULT_ITERS: u64 = 20_000;

fn goweave_mutex() {
    let counter = Arc::new(goweave::sync::Mutex::new(0u32));
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let counter = counter.clone();
            goweave::go(move || {
                for _ in 0..2 {
                    *counter.lock() += 1;
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(*counter.lock(), 4);
}

fn shuttle_mutex() {
    let counter = Arc::new(shuttle::sync::Mutex::new(0u32));
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let counter = counter.clone();
            shuttle::thread::spawn(move || {
                for _ in 0..2 {
                    *counter.lock().unwrap() += 1;
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(*counter.lock().unwrap(), 4);
}

fn goweave_chan(capacity: usize) {
    let (tx, rx) = goweave::chan::<u32>(capacity);
    for p in 0..3 {
        let tx = tx.clone();
        goweave::go(move || {
            for i in 0..3 {
                tx.send(p * 3 + i);
            }
        });
    }
    let sum: u32 = (0..9).map(|_| rx.recv().unwrap()).sum();
    assert_eq!(sum, (0..9).sum());
}

fn goweave_chan_unbuffered() {
    goweave_chan(0);
}

fn goweave_chan_buffered() {
    goweave_chan(9);
}

fn shuttle_chan() {
    let (tx, rx) = shuttle::sync::mpsc::channel::<u32>();
    for p in 0..3 {
        let tx = tx.clone();
        shuttle::thread::spawn(move || {
            for i in 0..3 {
                tx.send(p * 3 + i).unwrap();
            }
        });
    }
    let sum: u32 = (0..9).map(|_| rx.recv().unwrap()).sum();
    assert_eq!(sum, (0..9).sum());
}

/// One workload, written for each framework.
struct Workload {
    name: &'static str,
    goweave: fn(),
    shuttle: fn(),
}

#[derive(Clone, Copy)]
enum Mode {
    Random,
    Pct,
}

fn time_goweave(mode: Mode, iters: u64, body: fn()) -> Duration {
    let strategy = match mode {
        Mode::Random => Strategy::Random,
        Mode::Pct => Strategy::Pct { depth: 3 },
    };
    let start = Instant::now();
    let stats = Config::default()
        .strategy(strategy)
        .iterations(iters)
        .threads(1)
        .explore(body)
        .unwrap_or_else(|failure| panic!("goweave found a failure:\n{failure}"));
    let elapsed = start.elapsed();
    assert_eq!(stats.executions(), iters);
    elapsed
}

fn time_shuttle(mode: Mode, iters: u64, body: fn()) -> Duration {
    let start = Instant::now();
    match mode {
        Mode::Random => shuttle::check_random(body, iters as usize),
        Mode::Pct => shuttle::check_pct(body, iters as usize, 3),
    }
    start.elapsed()
}

fn rate(iters: u64, d: Duration) -> f64 {
    iters as f64 / d.as_secs_f64()
}

fn main() {
    let iters = match std::env::var("BENCH_ITERS") {
        Ok(v) => {
            v.trim().parse().unwrap_or_else(|_| panic!("BENCH_ITERS={v:?} is not a number of executions"))
        }
        Err(_) => DEFAULT_ITERS,
    };
    assert!(iters > 0, "BENCH_ITERS must be at least 1");

    let workloads = [
        Workload { name: "mutex (2 tasks x 2 increments)", goweave: goweave_mutex, shuttle: shuttle_mutex },
        Workload {
            name: "chan 3x3 -> 1, goweave unbuffered",
            goweave: goweave_chan_unbuffered,
            shuttle: shuttle_chan,
        },
        Workload {
            name: "chan 3x3 -> 1, goweave capacity 9",
            goweave: goweave_chan_buffered,
            shuttle: shuttle_chan,
        },
    ];

    // Warm up both engines (stacks, allocator) before measuring.
    for w in &workloads {
        time_goweave(Mode::Random, 200, w.goweave);
        time_shuttle(Mode::Random, 200, w.shuttle);
    }

    println!("{iters} executions per measurement, 1 thread, release build\n");
    for (mode, name) in [(Mode::Random, "random"), (Mode::Pct, "PCT depth 3")] {
        println!("| workload | goweave {name} exec/s | shuttle {name} exec/s | ratio |");
        println!("|---|---:|---:|---:|");
        for w in &workloads {
            let gw = rate(iters, time_goweave(mode, iters, w.goweave));
            let sh = rate(iters, time_shuttle(mode, iters, w.shuttle));
            println!("| {} | {gw:.0} | {sh:.0} | {:.2} |", w.name, gw / sh);
        }
        println!();
    }
}
