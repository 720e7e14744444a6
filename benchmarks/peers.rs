//! goweave beside shuttle and loom on the same workloads, in one program.
//!
//! Run with `cargo bench -p goweave-benchmarks --bench peers` (a release
//! build); it prints Markdown tables. Settings, from the environment:
//! - `BENCH_ITERS`: executions per throughput measurement (default 20,000);
//! - `BENCH_TIMEOUT`: seconds allowed to one exhaustive search (default 60);
//! - `BENCH_SEEDS`: seeds per bug-finding median (default 50);
//! - `BENCH_ONLY`: a comma-separated subset of `throughput`, `exhaustive`,
//!   `split`, `bugs`, `parallel` and `memory` (default: all).
//!
//! For profiling, `peers --child profile <goweave|shuttle> <random|pct>
//! <a..e> <executions>` runs one tool on one workload and nothing else.
//!
//! Every workload is written once, in the `workloads!` and `bugs!` macros,
//! over a facade module per framework (`gw`, `sh`, `lo`) that gives the
//! same names to spawning and joining, mutexes, atomics and channels. The
//! channels of shuttle and loom are unbounded; goweave's get a capacity as
//! large as the number of values sent, so that no send ever blocks there
//! either.
//!
//! Workloads:
//! - (a) 2 tasks each increment a mutex-protected counter twice;
//! - (b) 3 tasks each do 3 SeqCst `fetch_add` on one atomic;
//! - (c) 2 producers send 3 values each to one consumer (the body);
//! - (d) a 4-stage pipeline passing 20 values: a source task, two tasks
//!   that transform and forward, and the body as the sink;
//! - (e) 8 tasks each lock one mutex 10 times.
//!
//! The body of every workload joins its tasks (except the producers of (c)
//! and the stages of (d), whose values the body waits for) and asserts the
//! result.
//!
//! Measurements:
//! 1. Throughput: executions per second, one thread each, goweave
//!    `Strategy::Random` against `shuttle::check_random`, goweave
//!    `Strategy::Pct { depth: 3 }` against `shuttle::check_pct(f, n, 3)`.
//!    Each cell is the best of 3 runs (runs alternate between the tools).
//! 2. Exhaustive search: goweave `Strategy::Dfs { preemption_bound: None }`
//!    (DPOR) against loom's `Builder::check` (what `loom::model` runs, with
//!    `max_branches` raised so that (d) is not rejected). Each search runs
//!    in a child process (this program, re-executed with `--child`) that a
//!    watchdog thread ends after `BENCH_TIMEOUT` seconds, printing how many
//!    executions it had run. loom models at most 4 spawned threads, so it
//!    cannot run (e).
//! 3. Bug finding: for each planted bug, the executions until the first
//!    failure (the failing one included) for seeds 0..50; the median and
//!    range. Searches give up after 100,000 executions.
//! 4. Parallel exploration: goweave random with `.threads(2)` against
//!    `.threads(1)`, the same executions (about a second's worth on one
//!    thread), best of 5.
//! 5. Memory: peak RSS (`VmHWM`) of a child process that runs a test with
//!    1,000 tasks, each blocked on its own channel until the body, having
//!    spawned them all, sends to each.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering as StdOrdering};
use std::time::{Duration, Instant};

use goweave::{Config, FailureKind, Strategy};

const DEFAULT_ITERS: u64 = 20_000;
const DEFAULT_TIMEOUT_SECS: u64 = 60;
const DEFAULT_SEEDS: u64 = 50;
/// Bug-finding searches give up after this many executions.
const BUG_CAP: u64 = 100_000;
/// Tasks of the memory test.
const MEMORY_TASKS: usize = 1_000;

// ---------------------------------------------------------------------------
// Facades: one set of names per framework.

/// goweave.
mod gw {
    pub use goweave::sync::atomic::{AtomicUsize, Ordering};
    pub use goweave::sync::Mutex;
    pub type Tx<T> = goweave::chan::Sender<T>;
    pub type Rx<T> = goweave::chan::Receiver<T>;

    pub struct Handle(goweave::JoinHandle<()>);

    impl Handle {
        pub fn join(self) {
            if let Err(panicked) = self.0.join() {
                panic!("{panicked}");
            }
        }
    }

    pub fn spawn(f: impl FnOnce() + Send + 'static) -> Handle {
        Handle(goweave::go(f))
    }

    pub fn lock<T>(m: &Mutex<T>) -> goweave::sync::MutexGuard<'_, T> {
        m.lock()
    }

    /// `capacity`: the number of values that will be sent, so that no send
    /// blocks (the other frameworks' channels are unbounded).
    pub fn channel<T: Send>(capacity: usize) -> (Tx<T>, Rx<T>) {
        goweave::chan(capacity)
    }

    pub fn send<T: Send>(tx: &Tx<T>, value: T) {
        tx.send(value)
    }

    pub fn recv<T: Send>(rx: &Rx<T>) -> T {
        rx.recv().expect("channel closed")
    }
}

/// shuttle.
mod sh {
    pub use shuttle::sync::atomic::{AtomicUsize, Ordering};
    pub use shuttle::sync::Mutex;
    pub type Tx<T> = shuttle::sync::mpsc::Sender<T>;
    pub type Rx<T> = shuttle::sync::mpsc::Receiver<T>;

    pub struct Handle(shuttle::thread::JoinHandle<()>);

    impl Handle {
        pub fn join(self) {
            self.0.join().unwrap()
        }
    }

    pub fn spawn(f: impl FnOnce() + Send + 'static) -> Handle {
        Handle(shuttle::thread::spawn(f))
    }

    pub fn lock<T>(m: &Mutex<T>) -> shuttle::sync::MutexGuard<'_, T> {
        m.lock().unwrap()
    }

    pub fn channel<T>(_capacity: usize) -> (Tx<T>, Rx<T>) {
        shuttle::sync::mpsc::channel()
    }

    pub fn send<T>(tx: &Tx<T>, value: T) {
        tx.send(value).unwrap()
    }

    pub fn recv<T>(rx: &Rx<T>) -> T {
        rx.recv().unwrap()
    }
}

/// loom.
mod lo {
    pub use loom::sync::atomic::{AtomicUsize, Ordering};
    pub use loom::sync::Mutex;
    pub type Tx<T> = loom::sync::mpsc::Sender<T>;
    pub type Rx<T> = loom::sync::mpsc::Receiver<T>;

    pub struct Handle(loom::thread::JoinHandle<()>);

    impl Handle {
        pub fn join(self) {
            self.0.join().unwrap()
        }
    }

    pub fn spawn(f: impl FnOnce() + Send + 'static) -> Handle {
        Handle(loom::thread::spawn(f))
    }

    pub fn lock<T>(m: &Mutex<T>) -> loom::sync::MutexGuard<'_, T> {
        m.lock().unwrap()
    }

    pub fn channel<T>(_capacity: usize) -> (Tx<T>, Rx<T>) {
        loom::sync::mpsc::channel()
    }

    pub fn send<T>(tx: &Tx<T>, value: T) {
        tx.send(value).unwrap()
    }

    pub fn recv<T>(rx: &Rx<T>) -> T {
        rx.recv().unwrap()
    }
}

// ---------------------------------------------------------------------------
// Workloads, written once.

macro_rules! workloads {
    ($module:ident, $rt:ident) => {
        #[allow(dead_code)]
        mod $module {
            use std::sync::Arc;

            use super::$rt::{self as rt, AtomicUsize, Mutex, Ordering};

            /// `tasks` tasks each lock one mutex `times` times.
            fn contend(tasks: usize, times: usize) {
                let counter = Arc::new(Mutex::new(0usize));
                let handles: Vec<_> = (0..tasks)
                    .map(|_| {
                        let counter = counter.clone();
                        rt::spawn(move || {
                            for _ in 0..times {
                                *rt::lock(&counter) += 1;
                            }
                        })
                    })
                    .collect();
                for h in handles {
                    h.join();
                }
                assert_eq!(*rt::lock(&counter), tasks * times);
            }

            /// (a) 2 tasks x 2 increments of a mutex-protected counter.
            pub fn a_mutex() {
                contend(2, 2);
            }

            fn fetch_adds(tasks: usize, times: usize) {
                let n = Arc::new(AtomicUsize::new(0));
                let handles: Vec<_> = (0..tasks)
                    .map(|_| {
                        let n = n.clone();
                        rt::spawn(move || {
                            for _ in 0..times {
                                n.fetch_add(1, Ordering::SeqCst);
                            }
                        })
                    })
                    .collect();
                for h in handles {
                    h.join();
                }
                assert_eq!(n.load(Ordering::SeqCst), tasks * times);
            }

            /// (b) 3 tasks x 3 SeqCst `fetch_add`.
            pub fn b_fetch_add() {
                fetch_adds(3, 3);
            }

            /// 3 tasks x 4 SeqCst `fetch_add`: 34,650 interleavings, a
            /// search long enough to time its split over threads.
            #[allow(dead_code)] // only goweave runs it
            pub fn f_fetch_add_large() {
                fetch_adds(3, 4);
            }

            /// 3 tasks x 5 SeqCst `fetch_add`: 756,756 interleavings,
            /// seconds on one thread.
            #[allow(dead_code)] // only goweave runs it
            pub fn g_fetch_add_larger() {
                fetch_adds(3, 5);
            }

            /// (c) 2 producers x 3 sends to one consumer, the body.
            pub fn c_channel() {
                let (tx, rx) = rt::channel::<usize>(6);
                for p in 0..2 {
                    let tx = tx.clone();
                    rt::spawn(move || {
                        for i in 0..3 {
                            rt::send(&tx, p * 3 + i);
                        }
                    });
                }
                let sum: usize = (0..6).map(|_| rt::recv(&rx)).sum();
                assert_eq!(sum, 15);
            }

            /// (d) a 4-stage pipeline passing 20 values: source, +1, *2,
            /// and the body as the sink.
            pub fn d_pipeline() {
                const N: usize = 20;
                let (tx1, rx1) = rt::channel::<usize>(N);
                let (tx2, rx2) = rt::channel::<usize>(N);
                let (tx3, rx3) = rt::channel::<usize>(N);
                rt::spawn(move || {
                    for i in 0..N {
                        rt::send(&tx1, i);
                    }
                });
                rt::spawn(move || {
                    for _ in 0..N {
                        let v = rt::recv(&rx1);
                        rt::send(&tx2, v + 1);
                    }
                });
                rt::spawn(move || {
                    for _ in 0..N {
                        let v = rt::recv(&rx2);
                        rt::send(&tx3, v * 2);
                    }
                });
                let sum: usize = (0..N).map(|_| rt::recv(&rx3)).sum();
                assert_eq!(sum, N * (N + 1));
            }

            /// (e) 8 tasks x 10 locks of one mutex.
            pub fn e_contention() {
                contend(8, 10);
            }

            /// The memory test: `MEMORY_TASKS` tasks, each blocked on its
            /// own channel until the body, having spawned them all, sends
            /// to each.
            pub fn many_tasks() {
                let mut senders = Vec::with_capacity(super::MEMORY_TASKS);
                let mut handles = Vec::with_capacity(super::MEMORY_TASKS);
                for _ in 0..super::MEMORY_TASKS {
                    let (tx, rx) = rt::channel::<usize>(1);
                    senders.push(tx);
                    handles.push(rt::spawn(move || {
                        let v = rt::recv(&rx);
                        assert_eq!(v, 7);
                    }));
                }
                for tx in &senders {
                    rt::send(tx, 7);
                }
                for h in handles {
                    h.join();
                }
            }

            // Planted bugs.

            /// Lost update: two tasks load, then store the value plus one.
            pub fn bug_lost_update() {
                let n = Arc::new(AtomicUsize::new(0));
                let handles: Vec<_> = (0..2)
                    .map(|_| {
                        let n = n.clone();
                        rt::spawn(move || {
                            let v = n.load(Ordering::SeqCst);
                            n.store(v + 1, Ordering::SeqCst);
                        })
                    })
                    .collect();
                for h in handles {
                    h.join();
                }
                assert_eq!(n.load(Ordering::SeqCst), 2, "lost update");
            }

            /// ABBA deadlock: one task locks A then B, the other B then A.
            pub fn bug_abba() {
                let a = Arc::new(Mutex::new(0u32));
                let b = Arc::new(Mutex::new(0u32));
                let (a1, b1) = (a.clone(), b.clone());
                let t1 = rt::spawn(move || {
                    let mut ga = rt::lock(&a1);
                    let mut gb = rt::lock(&b1);
                    *ga += 1;
                    *gb += 1;
                });
                let t2 = rt::spawn(move || {
                    let mut gb = rt::lock(&b);
                    let mut ga = rt::lock(&a);
                    *ga += 1;
                    *gb += 1;
                });
                t1.join();
                t2.join();
            }

            /// Depth-3 ordering bug. Task A stores x = 1 (a1), then z = 1
            /// (a2); task C, if it reads x == 1 (c1), stores y = 1 (c2);
            /// task B panics if it reads y == 1 (b1) and then z == 0 (b2).
            /// The failure needs three orderings: a1 < c1, c2 < b1 and
            /// b2 < a2, so C and B must both run all their steps between
            /// A's two stores. Spawn order: A, B, C.
            pub fn bug_depth3() {
                let x = Arc::new(AtomicUsize::new(0));
                let y = Arc::new(AtomicUsize::new(0));
                let z = Arc::new(AtomicUsize::new(0));
                let (xa, za) = (x.clone(), z.clone());
                let a = rt::spawn(move || {
                    xa.store(1, Ordering::SeqCst);
                    za.store(1, Ordering::SeqCst);
                });
                let (yb, zb) = (y.clone(), z);
                let b = rt::spawn(move || {
                    if yb.load(Ordering::SeqCst) == 1 && zb.load(Ordering::SeqCst) == 0 {
                        panic!("depth-3 ordering bug");
                    }
                });
                let c = rt::spawn(move || {
                    if x.load(Ordering::SeqCst) == 1 {
                        y.store(1, Ordering::SeqCst);
                    }
                });
                a.join();
                b.join();
                c.join();
            }
        }
    };
}

workloads!(gw_work, gw);
workloads!(sh_work, sh);
workloads!(lo_work, lo);

/// One workload, written for each framework; `loom` is `None` where loom
/// cannot run it.
struct Workload {
    key: &'static str,
    name: &'static str,
    goweave: fn(),
    shuttle: fn(),
    loom: Option<fn()>,
}

fn workloads() -> Vec<Workload> {
    vec![
        Workload {
            key: "a",
            name: "(a) mutex, 2 tasks x 2 increments",
            goweave: gw_work::a_mutex,
            shuttle: sh_work::a_mutex,
            loom: Some(lo_work::a_mutex),
        },
        Workload {
            key: "b",
            name: "(b) 3 tasks x 3 SeqCst fetch_add",
            goweave: gw_work::b_fetch_add,
            shuttle: sh_work::b_fetch_add,
            loom: Some(lo_work::b_fetch_add),
        },
        Workload {
            key: "c",
            name: "(c) channel, 2 producers x 3 sends -> 1",
            goweave: gw_work::c_channel,
            shuttle: sh_work::c_channel,
            loom: Some(lo_work::c_channel),
        },
        Workload {
            key: "d",
            name: "(d) 4-stage pipeline, 20 values",
            goweave: gw_work::d_pipeline,
            shuttle: sh_work::d_pipeline,
            loom: Some(lo_work::d_pipeline),
        },
        Workload {
            key: "e",
            name: "(e) 8 tasks x 10 locks of one mutex",
            goweave: gw_work::e_contention,
            shuttle: sh_work::e_contention,
            loom: None,
        },
    ]
}

/// Searches only for the threads table: long enough (a few tenths of a
/// second) that thread start-up does not decide the speedup.
fn split_searches() -> Vec<Workload> {
    vec![
        Workload {
            key: "f",
            name: "(f) 3 tasks x 4 SeqCst fetch_add (exhaustive only)",
            goweave: gw_work::f_fetch_add_large,
            shuttle: sh_work::f_fetch_add_large,
            loom: None,
        },
        Workload {
            key: "g",
            name: "(g) 3 tasks x 5 SeqCst fetch_add (exhaustive only)",
            goweave: gw_work::g_fetch_add_larger,
            shuttle: sh_work::g_fetch_add_larger,
            loom: None,
        },
    ]
}

/// A workload by its key, among all of them.
fn workload(key: &str) -> Workload {
    workloads().into_iter().chain(split_searches()).find(|w| w.key == key).expect("workload key")
}

struct Bug {
    name: &'static str,
    goweave: fn(),
    shuttle: fn(),
    /// What goweave must report.
    kind: FailureKind,
}

fn bugs() -> Vec<Bug> {
    vec![
        Bug {
            name: "lost update (load, then store)",
            goweave: gw_work::bug_lost_update,
            shuttle: sh_work::bug_lost_update,
            kind: FailureKind::Panic,
        },
        Bug {
            name: "ABBA deadlock",
            goweave: gw_work::bug_abba,
            shuttle: sh_work::bug_abba,
            kind: FailureKind::Deadlock,
        },
        Bug {
            name: "depth-3 ordering bug",
            goweave: gw_work::bug_depth3,
            shuttle: sh_work::bug_depth3,
            kind: FailureKind::Panic,
        },
    ]
}

// ---------------------------------------------------------------------------
// Runners.

#[derive(Clone, Copy)]
enum Mode {
    Random,
    Pct,
}

fn goweave_strategy(mode: Mode) -> Strategy {
    match mode {
        Mode::Random => Strategy::Random,
        Mode::Pct => Strategy::Pct { depth: 3 },
    }
}

fn time_goweave(mode: Mode, iters: u64, threads: usize, body: fn()) -> Duration {
    let start = Instant::now();
    let stats = Config::default()
        .strategy(goweave_strategy(mode))
        .iterations(iters)
        .threads(threads)
        .explore(body)
        .unwrap_or_else(|failure| panic!("goweave found a failure:\n{failure}"));
    let elapsed = start.elapsed();
    assert_eq!(stats.executions(), iters);
    elapsed
}

/// goweave's scheduling steps per execution of `body` under random walk.
fn goweave_steps(body: fn()) -> f64 {
    let stats = Config::default()
        .strategy(Strategy::Random)
        .iterations(1_000)
        .threads(1)
        .explore(body)
        .unwrap_or_else(|failure| panic!("goweave found a failure:\n{failure}"));
    stats.steps() as f64 / stats.executions() as f64
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

/// Executions until goweave's first failure, or `None` within `BUG_CAP`.
fn goweave_until_failure(mode: Mode, seed: u64, bug: &Bug) -> Option<u64> {
    match Config::default()
        .strategy(goweave_strategy(mode))
        .iterations(BUG_CAP)
        .seed(seed)
        .threads(1)
        .explore(bug.goweave)
    {
        Ok(_) => None,
        Err(failure) => {
            assert_eq!(failure.kind(), bug.kind, "goweave reported another failure:\n{failure}");
            Some(failure.executions())
        }
    }
}

/// Executions until shuttle's first failure, or `None` within `BUG_CAP`.
fn shuttle_until_failure(mode: Mode, seed: u64, bug: &Bug) -> Option<u64> {
    static RUNS: AtomicU64 = AtomicU64::new(0);
    RUNS.store(0, StdOrdering::SeqCst);
    let mut config = shuttle::Config::new();
    config.failure_persistence = shuttle::FailurePersistence::None;
    let body = bug.shuttle;
    let counted = move || {
        RUNS.fetch_add(1, StdOrdering::SeqCst);
        body();
    };
    let cap = BUG_CAP as usize;
    let result = std::panic::catch_unwind(|| match mode {
        Mode::Random => {
            let scheduler = shuttle::scheduler::RandomScheduler::new_from_seed(seed, cap);
            shuttle::Runner::new(scheduler, config).run(counted)
        }
        Mode::Pct => {
            let scheduler = shuttle::scheduler::PctScheduler::new_from_seed(seed, 3, cap);
            shuttle::Runner::new(scheduler, config).run(counted)
        }
    });
    match result {
        Ok(_) => None,
        Err(_) => Some(RUNS.load(StdOrdering::SeqCst)),
    }
}

// ---------------------------------------------------------------------------
// Child processes: exhaustive searches under a watchdog, and peak RSS.

/// Body invocations in a child, for the watchdog's report.
static CHILD_RUNS: AtomicU64 = AtomicU64::new(0);

fn child_main(args: &[String]) {
    match args {
        [what, tool, key, timeout] if what == "exhaustive" => {
            let timeout = Duration::from_secs(timeout.parse().expect("timeout in seconds"));
            let w = workload(key);
            let start = Instant::now();
            std::thread::spawn(move || {
                std::thread::sleep(timeout);
                println!(
                    "timeout {} {:.3}",
                    CHILD_RUNS.load(StdOrdering::SeqCst),
                    start.elapsed().as_secs_f64()
                );
                std::io::stdout().flush().unwrap();
                std::process::exit(0);
            });
            let search = || match tool.as_str() {
                // "goweave-n": on n threads.
                t if t == "goweave" || t.starts_with("goweave-") => {
                    let body = w.goweave;
                    let threads =
                        t.strip_prefix("goweave-").map_or(1, |n| n.parse().expect("goweave-<threads>"));
                    let stats = Config::default()
                        .strategy(Strategy::Dfs { preemption_bound: None })
                        .iterations(u64::MAX)
                        .threads(threads)
                        // The default, set here so the rows keep their meaning if it changes.
                        .split_after(1_000)
                        .explore(move || {
                            CHILD_RUNS.fetch_add(1, StdOrdering::Relaxed);
                            body()
                        })
                        .unwrap_or_else(|failure| panic!("goweave found a failure:\n{failure}"));
                    assert!(stats.exhausted(), "goweave's search ended without covering the space");
                    stats.executions()
                }
                "loom" => {
                    let body = w.loom.expect("loom cannot run this workload");
                    // `loom::model` is `Builder::new().check(f)` under a
                    // logging subscriber; (d) needs more than the default
                    // 1,000 branches per execution.
                    let mut builder = loom::model::Builder::new();
                    builder.max_branches = 1_000_000;
                    let before = CHILD_RUNS.load(StdOrdering::SeqCst);
                    builder.check(move || {
                        CHILD_RUNS.fetch_add(1, StdOrdering::Relaxed);
                        body()
                    });
                    CHILD_RUNS.load(StdOrdering::SeqCst) - before
                }
                other => panic!("unknown tool {other}"),
            };
            // A search of a few milliseconds is repeated, so the time is a
            // mean over at least half a second rather than one noisy sample
            // dominated by first-use costs.
            let executions = search();
            let mut searches = 1u32;
            while start.elapsed() < Duration::from_millis(500) && searches < 10_000 {
                let again = search();
                // Split over threads, a branch found late below one given
                // away may be taken again: the count may vary a little.
                assert!(
                    again == executions || tool != "goweave",
                    "a repeated search ran a different number of executions"
                );
                searches += 1;
            }
            let secs = start.elapsed().as_secs_f64() / f64::from(searches);
            println!("done {executions} {secs:.9}");
        }
        [what, tool] if what == "rss" => {
            let executions = 20;
            match tool.as_str() {
                "goweave" => {
                    Config::default()
                        .strategy(Strategy::Random)
                        .iterations(executions)
                        .threads(1)
                        .explore(gw_work::many_tasks)
                        .unwrap_or_else(|failure| panic!("goweave found a failure:\n{failure}"));
                }
                "shuttle" => shuttle::check_random(sh_work::many_tasks, executions as usize),
                "none" => {}
                other => panic!("unknown tool {other}"),
            }
            println!("rss {}", peak_rss_kib());
        }
        [what, seeds] if what == "bugs" => bug_rows(seeds.parse().expect("number of seeds")),
        // One tool's executions of one workload and nothing else, to run
        // under a profiler (`valgrind --tool=callgrind`).
        [what, tool, mode, key, iters] if what == "profile" => {
            let w = workload(key);
            let iters = iters.parse().expect("number of executions");
            if mode == "dfs" {
                // `iters` whole searches, as the exhaustive table times them.
                for _ in 0..iters {
                    Config::default()
                        .strategy(Strategy::Dfs { preemption_bound: None })
                        .iterations(u64::MAX)
                        .threads(1)
                        .explore(w.goweave)
                        .unwrap_or_else(|failure| panic!("goweave found a failure:\n{failure}"));
                }
                return;
            }
            let mode = if mode == "pct" { Mode::Pct } else { Mode::Random };
            match tool.as_str() {
                "goweave" => drop(time_goweave(mode, iters, 1, w.goweave)),
                "shuttle" => drop(time_shuttle(mode, iters, w.shuttle)),
                other => panic!("unknown tool {other}"),
            }
        }
        _ => panic!("unknown child arguments {args:?}"),
    }
}

/// `VmHWM` of this process, KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("VmHWM");
    line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).expect("VmHWM value")
}

/// Runs this program with `--child args`, killed if still running after
/// `limit`; its output, or `None` if it failed or was killed. Its standard
/// error goes to `stderr`.
fn run_child(args: &[&str], limit: Duration, stderr: Stdio) -> Option<String> {
    let exe = std::env::current_exe().expect("current_exe");
    let mut child = Command::new(exe)
        .arg("--child")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("spawn child");
    let start = Instant::now();
    loop {
        match child.try_wait().expect("try_wait") {
            Some(status) => {
                let mut out = String::new();
                std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut out).unwrap();
                return status.success().then_some(out);
            }
            None if start.elapsed() > limit => {
                child.kill().ok();
                child.wait().ok();
                return None;
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// The first line of a child's output.
fn first_line(out: Option<String>) -> Option<String> {
    out.map(|o| o.lines().next().unwrap_or("").to_string())
}

/// An exhaustive search's outcome.
enum Search {
    Done { executions: u64, secs: f64 },
    Timeout { executions: u64 },
    Failed,
}

fn exhaustive(tool: &str, key: &str, timeout: u64) -> Search {
    let limit = Duration::from_secs(timeout + 30);
    match first_line(run_child(&["exhaustive", tool, key, &timeout.to_string()], limit, Stdio::inherit())) {
        None => Search::Failed,
        Some(line) => {
            let parts: Vec<&str> = line.split_whitespace().collect();
            match parts.as_slice() {
                ["done", n, s] => Search::Done { executions: n.parse().unwrap(), secs: s.parse().unwrap() },
                ["timeout", n, _] => Search::Timeout { executions: n.parse().unwrap() },
                _ => Search::Failed,
            }
        }
    }
}

/// Whether a search finished in under a second: then it is timed again.
fn short(search: &Search) -> bool {
    matches!(search, Search::Done { secs, .. } if *secs < 1.0)
}

/// The faster of two runs of one search, which must agree on its size.
fn faster(a: Search, b: Search) -> Search {
    match (a, b) {
        (Search::Done { executions: n, secs: s }, Search::Done { executions: m, secs: t }) => {
            assert_eq!(n, m, "two runs of one exhaustive search ran different numbers of executions");
            Search::Done { executions: n, secs: s.min(t) }
        }
        (a @ Search::Done { .. }, _) | (_, a) => a,
    }
}

fn describe(search: &Search, timeout: u64) -> (String, String) {
    match search {
        Search::Done { executions, secs } => (group(*executions), format_secs(*secs)),
        Search::Timeout { executions } => {
            (format!("did not finish in {timeout} s ({} run)", group(*executions)), format!("> {timeout} s"))
        }
        Search::Failed => ("failed".to_string(), "-".to_string()),
    }
}

// ---------------------------------------------------------------------------
// Formatting.

/// 1234567 -> "1,234,567".
fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn format_secs(s: f64) -> String {
    if s < 0.001 {
        format!("{:.1} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.1} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}

/// Two significant digits below 10, none above.
fn format_ratio(r: f64) -> String {
    if r >= 10.0 {
        format!("{r:.0}")
    } else if r >= 1.0 {
        format!("{r:.1}")
    } else if r >= 0.1 {
        format!("{r:.2}")
    } else {
        format!("{r:.3}")
    }
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "**missed**"
    }
}

fn median(values: &mut [u64]) -> u64 {
    values.sort_unstable();
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]).div_ceil(2)
    }
}

/// "median (min-max)", with the seeds that found nothing within `BUG_CAP`.
fn summarize(found: &[Option<u64>]) -> (u64, String) {
    // A seed that found nothing counts as more than the cap.
    let mut values: Vec<u64> = found.iter().map(|f| f.unwrap_or(BUG_CAP + 1)).collect();
    let m = median(&mut values);
    let missed = found.iter().filter(|f| f.is_none()).count();
    let text = format!(
        "{} ({}-{}){}",
        if m > BUG_CAP { format!("> {}", group(BUG_CAP)) } else { group(m) },
        values[0],
        if values[values.len() - 1] > BUG_CAP {
            format!("> {}", group(BUG_CAP))
        } else {
            values[values.len() - 1].to_string()
        },
        if missed > 0 { format!(", {missed} seeds not found") } else { String::new() }
    );
    (m, text)
}

// ---------------------------------------------------------------------------
// The sections.

fn throughput(iters: u64) {
    println!("## Throughput: executions per second, 1 thread, best of 3, {} executions each\n", group(iters));
    println!(
        "| workload | goweave steps/exec | goweave random | shuttle random | ratio | goweave PCT d=3 | shuttle PCT d=3 | ratio | target >= 3x |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---|");
    for w in &workloads() {
        let mut cells = Vec::new();
        let mut met = true;
        for mode in [Mode::Random, Mode::Pct] {
            let (mut gw, mut sh) = (0f64, 0f64);
            for _ in 0..3 {
                gw = gw.max(rate(iters, time_goweave(mode, iters, 1, w.goweave)));
                sh = sh.max(rate(iters, time_shuttle(mode, iters, w.shuttle)));
            }
            met &= gw / sh >= 3.0;
            cells.push(format!("{gw:.0} | {sh:.0} | {:.2}", gw / sh));
        }
        let steps = goweave_steps(w.goweave);
        println!("| {} | {steps:.1} | {} | {} | {} |", w.name, cells[0], cells[1], verdict(met));
    }
    println!();
}

fn exhaustive_section(timeout: u64) {
    println!("## Exhaustive search: goweave DPOR (`Dfs {{ preemption_bound: None }}`) against loom\n");
    println!(
        "| workload | goweave executions | goweave time | loom executions | loom time | executions loom/goweave | time loom/goweave | target |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---|");
    let mut one_thread = Vec::new();
    for w in &workloads() {
        let mut gw = exhaustive("goweave", w.key, timeout);
        let mut lo = if w.loom.is_some() { Some(exhaustive("loom", w.key, timeout)) } else { None };
        // Short searches are timed best of 3, alternating between the
        // tools as the throughput runs are: one child's time is a mean over
        // half a second, which a moment's noise on a shared machine can
        // still move by a tenth.
        for _ in 1..3 {
            if short(&gw) {
                gw = faster(gw, exhaustive("goweave", w.key, timeout));
            }
            lo = lo.map(|l| if short(&l) { faster(l, exhaustive("loom", w.key, timeout)) } else { l });
        }
        let (gw_n, gw_t) = describe(&gw, timeout);
        let (lo_n, lo_t) = match &lo {
            Some(lo) => describe(lo, timeout),
            None => ("cannot run it (at most 4 spawned threads)".to_string(), "-".to_string()),
        };
        let (n_ratio, t_ratio, target) = match (&gw, &lo) {
            (Search::Done { executions: g, secs: gs }, Some(Search::Done { executions: l, secs: ls })) => (
                format_ratio(*l as f64 / *g as f64),
                format_ratio(ls / gs),
                format!("{} (executions), {} (time)", verdict(g <= l), verdict(ls / gs >= 3.0)),
            ),
            (Search::Done { secs: gs, .. }, Some(Search::Timeout { .. })) => (
                "-".to_string(),
                format!("> {:.0}", timeout as f64 / gs),
                "met (loom did not finish)".to_string(),
            ),
            (Search::Timeout { .. }, Some(Search::Timeout { .. })) => {
                ("-".to_string(), "-".to_string(), "neither finished".to_string())
            }
            (Search::Timeout { .. }, Some(Search::Done { .. })) => {
                ("-".to_string(), "-".to_string(), "**missed** (only loom finished)".to_string())
            }
            (_, None) => ("-".to_string(), "-".to_string(), "no loom result".to_string()),
            _ => ("-".to_string(), "-".to_string(), "failed".to_string()),
        };
        println!("| {} | {gw_n} | {gw_t} | {lo_n} | {lo_t} | {n_ratio} | {t_ratio} | {target} |", w.name);
        if let Search::Done { secs, .. } = gw {
            one_thread.push((w.key, w.name, secs));
        }
    }
    println!();
    println!("### The same searches split over 2 threads (`Config::threads(2)`)\n");
    println!("| workload | executions, 2 threads | time, 2 threads | speedup over 1 thread |");
    println!("|---|---:|---:|---:|");
    for w in split_searches() {
        if let Search::Done { secs, .. } = exhaustive("goweave", w.key, timeout) {
            one_thread.push((w.key, w.name, secs));
        }
    }
    for (key, name, secs) in one_thread {
        let two = exhaustive("goweave-2", key, timeout);
        let (n, t) = describe(&two, timeout);
        let speedup = match two {
            Search::Done { secs: s2, .. } => format_ratio(secs / s2),
            _ => "-".to_string(),
        };
        println!("| {name} | {n} | {t} | {speedup} |");
    }
    println!();
}

/// The classic DPOR benchmarks (goweave only: loom models at most 4
/// spawned threads) for the split table.
mod classic {
    use std::sync::Arc;

    use goweave::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    /// lastzero(n): a reader scans down to the last zero while writer j
    /// sets `array[j] = array[j-1] + 1`.
    pub fn lastzero(n: usize) {
        let array: Arc<Vec<AtomicUsize>> = Arc::new((0..=n).map(|_| AtomicUsize::new(0)).collect());
        let a = array.clone();
        let reader = goweave::go(move || {
            let mut i = n;
            while a[i].load(SeqCst) != 0 {
                i -= 1;
            }
        });
        let writers: Vec<_> = (1..=n)
            .map(|j| {
                let a = array.clone();
                goweave::go(move || a[j].store(a[j - 1].load(SeqCst) + 1, SeqCst))
            })
            .collect();
        reader.join().unwrap();
        writers.into_iter().for_each(|w| w.join().unwrap());
    }

    /// indexer(n): n tasks insert 4 values each into a 128-slot hash
    /// table by compare-and-swap, with linear probing (as in
    /// `tests/dpor_benchmarks.rs`).
    pub fn indexer(n: usize) {
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
        tasks.into_iter().for_each(|t| t.join().unwrap());
    }
}

/// Executions of an exhaustive search of `body` on `threads` threads,
/// split from `split_after`.
fn dfs_executions(threads: usize, split_after: u64, body: impl Fn() + Send + Sync + 'static) -> u64 {
    let stats = Config::default()
        .strategy(Strategy::Dfs { preemption_bound: None })
        .iterations(u64::MAX)
        .threads(threads)
        .split_after(split_after)
        .explore(body)
        .unwrap_or_else(|failure| panic!("goweave found a failure:\n{failure}"));
    assert!(stats.exhausted(), "the search ended without covering the space");
    stats.executions()
}

/// What work stealing costs in executions: the classic benchmarks over 1,
/// 2 and 4 threads, split after the default 1,000 executions and from the
/// first, against the one-threaded (optimal) count.
fn split_section() {
    println!("## Exhaustive search over threads: executions (work stealing)\n");
    println!("| program | 1 thread | 2 threads | 4 threads | 2 threads, split at once | 4 threads, split at once |");
    println!("|---|---:|---:|---:|---:|---:|");
    // indexer(15) is left out: split over 4 threads at once when stolen
    // branches were explored strictly, it grew past this machine's 24 GiB.
    let programs: [(&str, fn()); 2] =
        [("lastzero(10)", || classic::lastzero(10)), ("indexer(13)", || classic::indexer(13))];
    for (name, body) in programs {
        // `Config::split_after`'s default.
        let default = 1_000;
        let cells: Vec<String> = [(1, default), (2, default), (4, default), (2, 0), (4, 0)]
            .into_iter()
            .map(|(threads, split)| dfs_executions(threads, split, body).to_string())
            .collect();
        println!("| {name} | {} |", cells.join(" | "));
    }
    println!();
}

fn bugs_section(seeds: u64) {
    println!(
        "## Bug finding: executions until the first failure, median (range) over seeds 0..{seeds}, 1 thread\n"
    );
    println!(
        "| bug | goweave PCT d=3 | shuttle PCT d=3 | target | goweave random | shuttle random | target |"
    );
    println!("|---|---:|---:|---|---:|---:|---|");
    // In a child process whose standard error goes to a file: shuttle
    // prints a report of every failure to stderr, unconditionally.
    let log = std::env::temp_dir().join("goweave-peers-bugs.stderr");
    let file = std::fs::File::create(&log).expect("create the bug-finding log");
    match run_child(&["bugs", &seeds.to_string()], Duration::from_secs(3600), Stdio::from(file)) {
        Some(rows) => print!("{rows}"),
        None => println!("| failed: see {} | | | | | | |", log.display()),
    }
    println!();
}

/// The rows of the bug-finding table (in a child process).
fn bug_rows(seeds: u64) {
    for bug in &bugs() {
        let mut cells = Vec::new();
        for mode in [Mode::Pct, Mode::Random] {
            let gw: Vec<Option<u64>> = (0..seeds).map(|s| goweave_until_failure(mode, s, bug)).collect();
            let sh: Vec<Option<u64>> = (0..seeds).map(|s| shuttle_until_failure(mode, s, bug)).collect();
            let (gm, gtext) = summarize(&gw);
            let (sm, stext) = summarize(&sh);
            cells.push(format!("{gtext} | {stext} | {}", verdict(gm <= sm)));
        }
        println!("| {} | {} | {} |", bug.name, cells[0], cells[1]);
    }
}

fn parallel_section(iters: u64) {
    println!(
        "## Parallel exploration: goweave random, `.threads(2)` against `.threads(1)`, best of 5, \
         about 1 s of executions each\n"
    );
    println!("| workload | executions | threads(1) exec/s | threads(2) exec/s | speedup | target >= 1.7x |");
    println!("|---|---:|---:|---:|---:|---|");
    for w in &workloads() {
        // Enough executions for about a second on one thread: short runs
        // are dominated by noise.
        let calibration = rate(iters, time_goweave(Mode::Random, iters, 1, w.goweave));
        let n = (calibration as u64).max(iters);
        let (mut one, mut two) = (0f64, 0f64);
        for _ in 0..5 {
            one = one.max(rate(n, time_goweave(Mode::Random, n, 1, w.goweave)));
            two = two.max(rate(n, time_goweave(Mode::Random, n, 2, w.goweave)));
        }
        println!(
            "| {} | {} | {one:.0} | {two:.0} | {:.2} | {} |",
            w.name,
            group(n),
            two / one,
            verdict(two / one >= 1.7)
        );
    }
    println!();
}

fn memory_section() {
    println!(
        "## Memory: peak RSS (VmHWM) of a child process running 20 random executions of a {}-task test\n",
        group(MEMORY_TASKS as u64)
    );
    println!("| process | peak RSS | target < 100 MiB |");
    println!("|---|---:|---|");
    for (tool, name) in
        [("none", "baseline (this program, no test)"), ("goweave", "goweave"), ("shuttle", "shuttle")]
    {
        let rss = first_line(run_child(&["rss", tool], Duration::from_secs(300), Stdio::inherit()))
            .and_then(|line| line.strip_prefix("rss ").and_then(|v| v.parse::<u64>().ok()));
        match rss {
            Some(kib) => {
                let mib = kib as f64 / 1024.0;
                let target = if tool == "goweave" { verdict(mib < 100.0) } else { "" };
                println!("| {name} | {mib:.1} MiB | {target} |");
            }
            None => println!("| {name} | failed | |"),
        }
    }
    println!();
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v.trim().parse().unwrap_or_else(|_| panic!("{name}={v:?} is not a number")),
        Err(_) => default,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        child_main(&args[i + 1..]);
        return;
    }
    let iters = env_number("BENCH_ITERS", DEFAULT_ITERS);
    let timeout = env_number("BENCH_TIMEOUT", DEFAULT_TIMEOUT_SECS);
    let seeds = env_number("BENCH_SEEDS", DEFAULT_SEEDS);
    assert!(
        iters > 0 && timeout > 0 && seeds > 0,
        "BENCH_ITERS, BENCH_TIMEOUT and BENCH_SEEDS must be positive"
    );
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let run = |section: &str| only.is_empty() || only.split(',').any(|s| s.trim() == section);

    // Warm up both engines (stacks, allocator) before measuring.
    for w in &workloads() {
        time_goweave(Mode::Random, 200, 1, w.goweave);
        time_shuttle(Mode::Random, 200, w.shuttle);
    }

    println!("goweave against shuttle 0.9 and loom 0.7, release build\n");
    if run("throughput") {
        throughput(iters);
    }
    if run("exhaustive") {
        exhaustive_section(timeout);
    }
    if run("split") {
        split_section();
    }
    if run("bugs") {
        bugs_section(seeds);
    }
    if run("parallel") {
        parallel_section(iters);
    }
    if run("memory") {
        memory_section();
    }
}
