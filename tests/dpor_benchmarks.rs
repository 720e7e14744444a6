//! The classic DPOR benchmarks (Abdulla, Aronis, Jonsson, Sagonas, POPL
//! 2014; counts from Nidhugg's SWSC experiment summary), written with
//! goweave atomics, and hand-derived counts for small programs.

use std::sync::Arc;

use goweave::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use goweave::sync::Mutex;
use goweave::{Config, Strategy};

fn executions(body: impl Fn() + Send + Sync + 'static) -> u64 {
    executions_on(1, body)
}

/// The executions of an exhaustive search of `body` over `threads` threads.
fn executions_on(threads: usize, body: impl Fn() + Send + Sync + 'static) -> u64 {
    let stats = Config::default()
        .strategy(Strategy::Dfs { preemption_bound: None })
        .iterations(1_000_000)
        .threads(threads)
        .explore(body)
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted());
    stats.executions()
}

/// The same, split over the threads from the first execution (see
/// `Config::split_after`).
fn executions_split_on(threads: usize, body: impl Fn() + Send + Sync + 'static) -> u64 {
    let stats = Config::default()
        .strategy(Strategy::Dfs { preemption_bound: None })
        .iterations(1_000_000)
        .threads(threads)
        .split_after(0)
        .explore(body)
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted());
    stats.executions()
}

/// lastzero(N): a reader scans `array` down from N to the last zero while
/// writers j = 1..N each set `array[j] = array[j-1] + 1`.
fn lastzero(n: usize) -> u64 {
    lastzero_on(1, n)
}

fn lastzero_on(threads: usize, n: usize) -> u64 {
    executions_on(threads, move || lastzero_body(n))
}

fn lastzero_body(n: usize) {
    lastzero_reads(n);
}

/// readers(N): N readers each load `x` once; one writer stores `x` once.
/// Each reader reads before or after the store: 2^N traces.
fn readers(n: usize) -> u64 {
    readers_on(1, n)
}

fn readers_on(threads: usize, n: usize) -> u64 {
    executions_on(threads, move || readers_body(n))
}

fn readers_body(n: usize) {
    let x = Arc::new(AtomicUsize::new(0));
    let w = x.clone();
    let writer = goweave::go(move || w.store(1, SeqCst));
    let readers: Vec<_> = (0..n)
        .map(|_| {
            let x = x.clone();
            goweave::go(move || x.load(SeqCst))
        })
        .collect();
    writer.join().unwrap();
    for r in readers {
        r.join().unwrap();
    }
}

#[test]
fn readers_take_two_to_the_n_executions_as_optimal_dpor() {
    // Nidhugg (optimal DPOR): readers(2, 4, 6, 8) = 4, 16, 64, 256.
    let counts: Vec<u64> = [2, 4, 6, 8].iter().map(|&n| readers(n)).collect();
    assert_eq!(counts, [4, 16, 64, 256]);
}

#[test]
fn lastzero_takes_the_optimal_count() {
    // Nidhugg (optimal DPOR): lastzero(2, 4, 6, 8) = 5, 28, 144, 704. A
    // count below would be a missed trace; above, an execution run for
    // nothing (before wakeup trees: 5, 30, 217).
    let counts: Vec<u64> = [2, 4, 6, 8].iter().map(|&n| lastzero(n)).collect();
    assert_eq!(counts, [5, 28, 144, 704]);
}

#[test]
fn a_two_by_two_mutex_counter_takes_six_executions() {
    // Two tasks each lock, increment, unlock twice. The Mazurkiewicz traces
    // are the orders of the four critical sections with each task's two in
    // program order: C(4, 2) = 6.
    let n = executions(|| {
        let m = Arc::new(Mutex::new(0));
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                let m = m.clone();
                goweave::go(move || {
                    for _ in 0..2 {
                        *m.lock() += 1;
                    }
                })
            })
            .collect();
        for t in tasks {
            t.join().unwrap();
        }
    });
    assert_eq!(n, 6);
}

#[test]
fn three_by_three_fetch_adds_take_1680_executions() {
    // Every fetch_add conflicts with every other: the traces are the
    // interleavings of three sequences of three, 9! / (3! 3! 3!) = 1680.
    let n = executions(|| {
        let a = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..3)
            .map(|_| {
                let a = a.clone();
                goweave::go(move || {
                    for _ in 0..3 {
                        a.fetch_add(1, SeqCst);
                    }
                })
            })
            .collect();
        for t in tasks {
            t.join().unwrap();
        }
    });
    assert_eq!(n, 1680);
}

#[test]
fn loads_commute() {
    // Three tasks only load one atomic: one trace.
    let n = executions(|| {
        let a = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..3)
            .map(|_| {
                let a = a.clone();
                goweave::go(move || a.load(SeqCst) + a.load(SeqCst))
            })
            .collect();
        for t in tasks {
            t.join().unwrap();
        }
    });
    assert_eq!(n, 1);
}

#[test]
fn preemption_bound_zero_runs_without_preemptions() {
    let stats = Config::default()
        .strategy(Strategy::Dfs { preemption_bound: Some(0) })
        .iterations(100_000)
        .explore(|| {
            let a = Arc::new(AtomicUsize::new(0));
            let b = a.clone();
            let t = goweave::go(move || b.fetch_add(1, SeqCst));
            a.fetch_add(1, SeqCst);
            t.join().unwrap();
        })
        .unwrap();
    assert!(!stats.exhausted(), "a bound cut the space");
    assert!(stats.exhausted_within_bounds());
    assert!(stats.executions() <= 2);
}

/// indexer(N) (Flanagan & Godefroid, POPL 2005): N tasks each insert four
/// values into a 128-slot hash table with compare-and-swap and linear
/// probing; only from 12 tasks on do two probes collide.
fn indexer(n: usize) -> u64 {
    indexer_on(1, n)
}

fn indexer_on(threads: usize, n: usize) -> u64 {
    executions_on(threads, move || {
        let table: Arc<Vec<AtomicUsize>> = Arc::new((0..128).map(|_| AtomicUsize::new(0)).collect());
        let tasks: Vec<_> = (0..n)
            .map(|tid| {
                let table = table.clone();
                goweave::go(move || {
                    for m in 1..=4 {
                        let w = m * 11 + tid;
                        let mut h = (w * 7) % 128;
                        while table[h].compare_exchange(0, w, SeqCst, SeqCst).is_err() {
                            h = (h + 1) % 128;
                        }
                    }
                })
            })
            .collect();
        for t in tasks {
            t.join().unwrap();
        }
    })
}

/// filesystem(N) (Flanagan & Godefroid): N tasks each allocate a block for
/// their inode under per-inode and per-block locks.
fn filesystem(n: usize) -> u64 {
    filesystem_on(1, n)
}

fn filesystem_on(threads: usize, n: usize) -> u64 {
    const INODES: usize = 32;
    const BLOCKS: usize = 26;
    executions_on(threads, move || {
        let inode_locks: Arc<Vec<Mutex<usize>>> = Arc::new((0..INODES).map(|_| Mutex::new(0)).collect());
        let block_locks: Arc<Vec<Mutex<bool>>> = Arc::new((0..BLOCKS).map(|_| Mutex::new(false)).collect());
        let tasks: Vec<_> = (0..n)
            .map(|tid| {
                let (inodes, blocks) = (inode_locks.clone(), block_locks.clone());
                goweave::go(move || {
                    let i = tid % INODES;
                    let mut inode = inodes[i].lock();
                    if *inode == 0 {
                        let mut b = (i * 2) % BLOCKS;
                        loop {
                            let mut busy = blocks[b].lock();
                            if !*busy {
                                *busy = true;
                                *inode = b + 1;
                                break;
                            }
                            drop(busy);
                            b = (b + 1) % BLOCKS;
                        }
                    }
                })
            })
            .collect();
        for t in tasks {
            t.join().unwrap();
        }
    })
}

#[test]
fn indexer_and_filesystem_take_the_optimal_counts() {
    // Nidhugg (optimal DPOR): indexer(11..14) = 1, 8, 64, 512;
    // filesystem(12, 14, 16, 18) = 1, 2, 8, 32.
    let idx: Vec<u64> = [11, 12, 13, 14].iter().map(|&n| indexer(n)).collect();
    let fs: Vec<u64> = [12, 14, 16, 18].iter().map(|&n| filesystem(n)).collect();
    assert_eq!(idx, [1, 8, 64, 512]);
    assert_eq!(fs, [1, 2, 8, 32]);
}

/// `producers` tasks each send `per` values over one channel of capacity
/// `cap` to the body, which receives them all: the distinct outcomes are
/// the interleavings of the producers' sequences, and sends commute with
/// receives, so optimal DPOR runs exactly that many executions.
fn fan_in(producers: usize, per: usize, cap: usize) -> u64 {
    fan_in_on(1, producers, per, cap)
}

/// Starts `producers` tasks that each send `per` values on `tx`.
fn start_producers(tx: &goweave::chan::Sender<usize>, producers: usize, per: usize) {
    for p in 0..producers {
        let tx = tx.clone();
        goweave::go(move || {
            for i in 0..per {
                tx.send(p * 100 + i);
            }
        });
    }
}

fn fan_in_on(threads: usize, producers: usize, per: usize, cap: usize) -> u64 {
    executions_on(threads, move || {
        let (tx, rx) = goweave::chan::<usize>(cap);
        start_producers(&tx, producers, per);
        for _ in 0..producers * per {
            rx.recv().unwrap();
        }
    })
}

#[test]
fn buffered_fan_in_takes_one_execution_per_order_of_the_values() {
    // 2 x 3 values: C(6,3) = 20 orders, whatever the capacity.
    assert_eq!(fan_in(2, 3, 6), 20);
    assert_eq!(fan_in(2, 3, 1), 20);
    // 3 producers x 2 values: 6! / (2! 2! 2!) = 90 orders. It took 117,
    // 27 of them cut short by sleep sets, while wakeup sequences compared
    // a send by the slot it had filled where it ran, not where they carried
    // it (2 x 2 took 8 for its 6).
    assert_eq!(fan_in(3, 2, 2), 90);
    assert_eq!(fan_in(2, 2, 2), 6);
}

#[test]
fn a_buffered_pipeline_takes_one_execution() {
    // Each stage receives from one channel and sends to the next: every
    // step commutes with the others' or is ordered by the data.
    let runs = executions(|| {
        let (first, mut rx) = goweave::chan::<usize>(2);
        for _ in 0..3 {
            let (tx, next) = goweave::chan::<usize>(2);
            goweave::go(move || {
                while let Some(v) = rx.recv() {
                    tx.send(v + 1);
                }
                tx.close();
            });
            rx = next;
        }
        goweave::go(move || {
            for v in 0..6 {
                first.send(v);
            }
            first.close();
        });
        let got: Vec<usize> = std::iter::from_fn(|| rx.recv()).collect();
        assert_eq!(got, (3..9).collect::<Vec<_>>());
    });
    assert_eq!(runs, 1);
}

/// The receive orders fan-in (`producers` x `per` values, capacity `cap`)
/// shows over `threads`, split from the first execution, and the
/// executions it took.
fn fan_in_orders_on(threads: usize, producers: usize, per: usize, cap: usize) -> (usize, u64) {
    let config = Config::default()
        .strategy(Strategy::Dfs { preemption_bound: None })
        .iterations(1_000_000)
        .threads(threads)
        .split_after(0);
    let (orders, runs) = support::exhaustive_outcomes(config, move || {
        let (tx, rx) = goweave::chan::<usize>(cap);
        start_producers(&tx, producers, per);
        (0..producers * per).map(|_| rx.recv().unwrap()).collect::<Vec<_>>()
    });
    (orders.len(), runs)
}

#[test]
fn a_search_split_over_threads_from_the_start_sees_every_receive_order() {
    // 6! / (2! 2! 2!) = 90 orders, buffered or not; stealing may repeat
    // an execution. Two threads: with three or more, work stealing is
    // not yet trusted (see `Config::split_after`).
    for cap in [0, 2] {
        let (orders, runs) = fan_in_orders_on(2, 3, 2, cap);
        assert_eq!(orders, 90, "capacity {cap}");
        assert!(runs >= 90);
    }
}

#[test]
fn independent_tasks_take_one_execution_on_any_number_of_threads() {
    // Four tasks on their own objects, joined by the body: one trace. The
    // threads split the search only when it has branches to give, so the
    // count is the one-threaded search's, split from the start or not.
    let four_independent = || {
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                goweave::go(|| {
                    let a = AtomicUsize::new(0);
                    let m = Mutex::new(0);
                    a.fetch_add(1, SeqCst);
                    *m.lock() += a.load(SeqCst);
                })
            })
            .collect();
        for t in tasks {
            t.join().unwrap();
        }
    };
    for threads in [1, 2, 4, 16] {
        assert_eq!(executions_on(threads, four_independent), 1, "{threads} threads");
        assert_eq!(executions_split_on(threads, four_independent), 1, "{threads} threads, split at once");
    }
}

#[test]
fn the_published_counts_hold_on_any_number_of_threads() {
    // An exhaustive search runs on one thread whatever the thread count
    // unless `Config::split_after` says otherwise: its counts are the
    // optimal ones.
    for threads in [2, 4, 16] {
        assert_eq!(lastzero_on(threads, 4), 28, "lastzero(4), {threads} threads");
        assert_eq!(readers_on(threads, 4), 16, "readers(4), {threads} threads");
        assert_eq!(indexer_on(threads, 13), 64, "indexer(13), {threads} threads");
        assert_eq!(filesystem_on(threads, 16), 8, "filesystem(16), {threads} threads");
    }
}

#[test]
fn a_search_split_from_the_start_finds_every_trace_of_the_benchmarks() {
    // Split from the first execution, stealing must lose no trace: at
    // least the optimal counts (a branch found late below one given away
    // may repeat a few executions).
    assert!(executions_split_on(2, || lastzero_body(4)) >= 28);
    assert!(executions_split_on(2, || readers_body(4)) >= 16);
}

/// lastzero(n), returning what every task read: the reader's loads, then
/// each writer's (collecting them adds no step).
fn lastzero_reads(n: usize) -> Vec<usize> {
    let array: Arc<Vec<AtomicUsize>> = Arc::new((0..=n).map(|_| AtomicUsize::new(0)).collect());
    let a = array.clone();
    let reader = goweave::go(move || {
        let mut seen = Vec::new();
        let mut i = n;
        loop {
            let v = a[i].load(SeqCst);
            seen.push(v);
            if v == 0 {
                return seen;
            }
            i -= 1;
        }
    });
    let writers: Vec<_> = (1..=n)
        .map(|j| {
            let a = array.clone();
            goweave::go(move || {
                let v = a[j - 1].load(SeqCst);
                a[j].store(v + 1, SeqCst);
                v
            })
        })
        .collect();
    let mut reads = reader.join().unwrap();
    reads.extend(writers.into_iter().map(|w| w.join().unwrap()));
    reads
}

#[test]
fn a_search_split_over_four_threads_finds_every_outcome_of_lastzero() {
    // Split from the first execution over more threads than cores, so
    // units are stolen, forwarded to and woken in every order. Lost before
    // (each in some searches): a branch taken again with the branches
    // after it in the one-threaded order asleep below it, a sequence
    // forwarded to a thief that no branch there started added after the
    // branches explored there rather than before them, and an order of a
    // node's branches forgotten once a new one was taken.
    let dfs = || Config::default().strategy(Strategy::Dfs { preemption_bound: None }).iterations(1_000_000);
    for (n, outcomes) in [(4, 28), (5, 64), (6, 144)] {
        let (want, _) = support::exhaustive_outcomes(dfs().threads(1), move || lastzero_reads(n));
        assert_eq!(want.len(), outcomes);
        for threads in [3, 4] {
            // A loss shows in about one search in a hundred where the
            // units meet in an unlucky order.
            for _ in 0..if n == 6 { 60 } else { 20 } {
                let (got, _) =
                    support::exhaustive_outcomes(dfs().threads(threads).split_after(0), move || {
                        lastzero_reads(n)
                    });
                let missing: Vec<_> = want.difference(&got).collect();
                assert!(missing.is_empty(), "lastzero({n}) over {threads} threads missed {missing:?}");
            }
        }
    }
}

#[test]
fn a_search_split_at_once_keeps_the_optimal_count_of_lastzero() {
    // Every execution the one-threaded search runs, and no other: a
    // stolen branch keeps its sleep set, its wakeup subtree and the
    // one-threaded pruning, and sequences found elsewhere reach it.
    for threads in [2, 4, 16] {
        let runs = executions_split_on(threads, || lastzero_body(6));
        assert!((144..=144 + threads as u64).contains(&runs), "lastzero(6) over {threads} threads: {runs}");
    }
}
