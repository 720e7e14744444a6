//! goweave's native backends (its primitives made outside any exploration,
//! on real threads) against crossbeam-channel, std and Go, in one program.
//!
//! Run with `cargo bench -p goweave-benchmarks --bench native` (a release
//! build); it prints Markdown tables. Settings, from the environment:
//! - `BENCH_MSGS`: messages (or operations) per run, N (default 200,000);
//! - `BENCH_RUNS`: runs per cell, of which the best is kept (default 5);
//! - `BENCH_TIMEOUT`: seconds allowed to one run (default 120);
//! - `BENCH_ONLY`: a comma-separated subset of `spsc`, `mpsc`, `mpmc`,
//!   `select`, `mutex` and `waitgroup` (default: all);
//! - `BENCH_TOOLS`: a comma-separated subset of `goweave`, `crossbeam`,
//!   `std`, `parking_lot` and `go` (default: all).
//!
//! Every run is a child process, timed inside: this program re-executed as
//! `native --child <tool> <workload> <capacity> <n>`, or the Go program of
//! `benchmarks/go/` (built once per bench run into a temporary directory
//! with `go build`, run with `GOMAXPROCS` set to this machine's cores; the
//! Go column is skipped, with a note, when no `go` is on the `PATH`). A
//! child runs its workload once on N/20 (at least 1,000) to warm up, then
//! once on N, and prints the time per operation; one that does not finish
//! within `BENCH_TIMEOUT` is killed. The runs of one table row alternate
//! between the tools, the first tool rotating from run to run, and each
//! cell keeps the best.
//!
//! Workloads, the same in every tool (Rust and Go):
//! - spsc: one producer sends N values to the consumer on one channel;
//! - mpsc 4 -> 1: 4 producers send N/4 values each to one consumer;
//! - mpmc 4 -> 4: 4 producers send N/4 each, 4 consumers receive N/4 each;
//!
//!   each at capacity 0 (a rendezvous), 1 and 64 (`goweave::chan(c)`,
//!   `crossbeam_channel::bounded(c)`, `std::sync::mpsc::sync_channel(c)`,
//!   `make(chan uint64, c)`). std's receiver has one consumer only: its
//!   mpmc consumers share it behind a `std::sync::Mutex`;
//! - select 2 -> 1: two producers send N/2 each on their own channel, the
//!   consumer receives all N through a select over both (`goweave::select!`,
//!   `crossbeam_channel::select!`, Go's `select`; std has none);
//! - Mutex, uncontended: one thread increments a counter under a mutex N
//!   times (`goweave::sync::Mutex`, `std::sync::Mutex`,
//!   `parking_lot::Mutex`, `sync.Mutex`);
//! - Mutex, contended: 4 threads increment it N/4 times each;
//! - WaitGroup: N/4 rounds; in each the main thread adds 4 to a group,
//!   releases the 4 threads through a second group (`add(1)` beforehand,
//!   `done()` to open it; two such gates alternate, so that one is re-armed
//!   only after every wait on it returned), each thread calls `done()`, and
//!   the main thread waits (`goweave::sync::WaitGroup`, a
//!   `std::sync::Mutex` + `Condvar` group, `sync.WaitGroup`);
//! - the mode check: 100 N SeqCst loads of one atomic, goweave's (which
//!   checks that no exploration runs on this thread, then loads) against
//!   std's: the difference is what a native operation pays for having two
//!   backends.
//!
//! The channel workloads report nanoseconds per message, the mutex ones per
//! lock/unlock, WaitGroup per round. Threads are spawned before the clock
//! starts and released together through a `std::sync::Barrier` (Go: a
//! closed channel); the clock stops when every thread has been joined.
//! Received values are summed and checked.
//!
//! Until the native backends are merged, goweave's primitives panic
//! outside an exploration: a goweave child first probes the primitives its
//! workload uses and reports them unavailable, and the goweave column reads
//! "pending". All tools' threads are `std::thread::spawn` threads;
//! [`GOWEAVE_THREADS_ARE_GO`] switches goweave's to `goweave::go` (a native
//! OS thread once native mode lands).

use std::hint::black_box;
use std::io::Read;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Condvar};
use std::time::{Duration, Instant};

const DEFAULT_MSGS: u64 = 200_000;
const DEFAULT_RUNS: u64 = 5;
const DEFAULT_TIMEOUT_SECS: u64 = 120;
/// Producers and consumers of the many-to-one and many-to-many workloads,
/// and the threads of the contended mutex and WaitGroup workloads.
const FANOUT: usize = 4;
/// The channel capacities measured.
const CAPACITIES: [usize; 3] = [0, 1, 64];
/// The smallest N accepted: every thread gets at least a few operations.
const MIN_MSGS: u64 = 64;

/// Whether goweave's side spawns its threads with `goweave::go` (a named
/// native OS thread once native mode lands) rather than
/// `std::thread::spawn`, which every other tool uses. `false` until
/// `goweave::go` works outside an exploration; the table's header says
/// which.
const GOWEAVE_THREADS_ARE_GO: bool = true;

// ---------------------------------------------------------------------------
// Threads.

/// A spawned thread of any tool.
enum Handle {
    Std(std::thread::JoinHandle<()>),
    Goweave(goweave::JoinHandle<()>),
}

impl Handle {
    fn join(self) {
        match self {
            Handle::Std(h) => {
                if let Err(payload) = h.join() {
                    panic::resume_unwind(payload)
                }
            }
            Handle::Goweave(h) => {
                if let Err(panicked) = h.join() {
                    panic!("{panicked}")
                }
            }
        }
    }
}

/// One tool's primitives; spawning is `std::thread::spawn` unless a tool
/// says otherwise.
trait Tool: 'static {
    fn spawn(f: impl FnOnce() + Send + 'static) -> Handle {
        Handle::Std(std::thread::spawn(f))
    }
}

/// Channels of `u64`.
trait Channels: Tool {
    type Tx: Clone + Send + 'static;
    type Rx: Send + 'static;
    /// A receiving end that several consumers share.
    type SharedRx: Clone + Send + 'static;
    fn make(cap: usize) -> (Self::Tx, Self::Rx);
    fn send(tx: &Self::Tx, v: u64);
    fn recv(rx: &Self::Rx) -> u64;
    fn share(rx: Self::Rx) -> Self::SharedRx;
    fn recv_shared(rx: &Self::SharedRx) -> u64;
}

/// A select receiving from whichever of two channels is ready.
trait Select: Channels {
    fn select2(a: &Self::Rx, b: &Self::Rx) -> u64;
}

/// A mutex around a `u64` counter.
trait Lock: Tool {
    type M: Send + Sync + 'static;
    fn new() -> Self::M;
    fn incr(m: &Self::M);
    fn get(m: &Self::M) -> u64;
}

/// A Go-style wait group; clones are handles to one group.
trait Group: Tool {
    type G: Clone + Send + 'static;
    fn new() -> Self::G;
    fn add(g: &Self::G, delta: isize);
    fn done(g: &Self::G);
    fn wait(g: &Self::G);
}

/// goweave's primitives made outside an exploration: native.
struct Goweave;

impl Tool for Goweave {
    fn spawn(f: impl FnOnce() + Send + 'static) -> Handle {
        if GOWEAVE_THREADS_ARE_GO {
            Handle::Goweave(goweave::go(f))
        } else {
            Handle::Std(std::thread::spawn(f))
        }
    }
}

impl Channels for Goweave {
    type Tx = goweave::chan::Sender<u64>;
    type Rx = goweave::chan::Receiver<u64>;
    type SharedRx = goweave::chan::Receiver<u64>;
    fn make(cap: usize) -> (Self::Tx, Self::Rx) {
        goweave::chan(cap)
    }
    fn send(tx: &Self::Tx, v: u64) {
        tx.send(v)
    }
    fn recv(rx: &Self::Rx) -> u64 {
        rx.recv().expect("closed")
    }
    fn share(rx: Self::Rx) -> Self::SharedRx {
        rx
    }
    fn recv_shared(rx: &Self::SharedRx) -> u64 {
        rx.recv().expect("closed")
    }
}

impl Select for Goweave {
    fn select2(a: &Self::Rx, b: &Self::Rx) -> u64 {
        goweave::select! {
            recv(*a) -> v => v.expect("closed"),
            recv(*b) -> v => v.expect("closed"),
        }
    }
}

impl Lock for Goweave {
    type M = goweave::sync::Mutex<u64>;
    fn new() -> Self::M {
        goweave::sync::Mutex::new(0)
    }
    fn incr(m: &Self::M) {
        *m.lock() += 1;
    }
    fn get(m: &Self::M) -> u64 {
        *m.lock()
    }
}

impl Group for Goweave {
    type G = goweave::sync::WaitGroup;
    fn new() -> Self::G {
        goweave::sync::WaitGroup::new()
    }
    fn add(g: &Self::G, delta: isize) {
        g.add(delta)
    }
    fn done(g: &Self::G) {
        g.done()
    }
    fn wait(g: &Self::G) {
        g.wait()
    }
}

/// crossbeam-channel.
struct Crossbeam;

impl Tool for Crossbeam {}

impl Channels for Crossbeam {
    type Tx = crossbeam_channel::Sender<u64>;
    type Rx = crossbeam_channel::Receiver<u64>;
    type SharedRx = crossbeam_channel::Receiver<u64>;
    fn make(cap: usize) -> (Self::Tx, Self::Rx) {
        crossbeam_channel::bounded(cap)
    }
    fn send(tx: &Self::Tx, v: u64) {
        tx.send(v).expect("disconnected")
    }
    fn recv(rx: &Self::Rx) -> u64 {
        rx.recv().expect("disconnected")
    }
    fn share(rx: Self::Rx) -> Self::SharedRx {
        rx
    }
    fn recv_shared(rx: &Self::SharedRx) -> u64 {
        rx.recv().expect("disconnected")
    }
}

impl Select for Crossbeam {
    fn select2(a: &Self::Rx, b: &Self::Rx) -> u64 {
        crossbeam_channel::select! {
            recv(a) -> v => v.expect("disconnected"),
            recv(b) -> v => v.expect("disconnected"),
        }
    }
}

/// The standard library: `sync_channel`, `Mutex`, and a wait group of a
/// `Mutex` and a `Condvar`.
struct Std;

impl Tool for Std {}

impl Channels for Std {
    type Tx = std::sync::mpsc::SyncSender<u64>;
    type Rx = std::sync::mpsc::Receiver<u64>;
    /// std's receiver has a single consumer: shared behind a mutex.
    type SharedRx = Arc<std::sync::Mutex<std::sync::mpsc::Receiver<u64>>>;
    fn make(cap: usize) -> (Self::Tx, Self::Rx) {
        std::sync::mpsc::sync_channel(cap)
    }
    fn send(tx: &Self::Tx, v: u64) {
        tx.send(v).expect("disconnected")
    }
    fn recv(rx: &Self::Rx) -> u64 {
        rx.recv().expect("disconnected")
    }
    fn share(rx: Self::Rx) -> Self::SharedRx {
        Arc::new(std::sync::Mutex::new(rx))
    }
    fn recv_shared(rx: &Self::SharedRx) -> u64 {
        rx.lock().unwrap().recv().expect("disconnected")
    }
}

impl Lock for Std {
    type M = std::sync::Mutex<u64>;
    fn new() -> Self::M {
        std::sync::Mutex::new(0)
    }
    fn incr(m: &Self::M) {
        *m.lock().unwrap() += 1;
    }
    fn get(m: &Self::M) -> u64 {
        *m.lock().unwrap()
    }
}

/// A Go-style wait group on a std `Mutex` and `Condvar`.
struct StdWaitGroup {
    count: std::sync::Mutex<isize>,
    zero: Condvar,
}

impl Group for Std {
    type G = Arc<StdWaitGroup>;
    fn new() -> Self::G {
        Arc::new(StdWaitGroup { count: std::sync::Mutex::new(0), zero: Condvar::new() })
    }
    fn add(g: &Self::G, delta: isize) {
        let mut count = g.count.lock().unwrap();
        *count += delta;
        assert!(*count >= 0, "negative WaitGroup counter");
        if *count == 0 {
            g.zero.notify_all();
        }
    }
    fn done(g: &Self::G) {
        Self::add(g, -1)
    }
    fn wait(g: &Self::G) {
        let mut count = g.count.lock().unwrap();
        while *count > 0 {
            count = g.zero.wait(count).unwrap();
        }
    }
}

/// parking_lot's `Mutex` (what goweave's native mutex is built on).
struct ParkingLot;

impl Tool for ParkingLot {}

impl Lock for ParkingLot {
    type M = parking_lot::Mutex<u64>;
    fn new() -> Self::M {
        parking_lot::Mutex::new(0)
    }
    fn incr(m: &Self::M) {
        *m.lock() += 1;
    }
    fn get(m: &Self::M) -> u64 {
        *m.lock()
    }
}

// ---------------------------------------------------------------------------
// Workloads, written once over the traits. Each returns the operations it
// timed and the time.

/// 0 + 1 + ... + (n - 1).
fn sum_to(n: usize) -> u64 {
    let n = n as u64;
    n * n.saturating_sub(1) / 2
}

/// The time of a workload's threads, from the first that starts work to
/// the last that ends it: every thread reads the clock after the start
/// barrier and after its last operation. (Timing from the main thread's
/// release alone can miss work: on 2 cores, the released threads can run
/// most of it before the main thread is scheduled again.)
struct Clock {
    base: Instant,
    /// Nanoseconds after `base`.
    first_start: AtomicU64,
    last_end: AtomicU64,
}

impl Clock {
    fn new() -> Arc<Clock> {
        Arc::new(Clock {
            base: Instant::now(),
            first_start: AtomicU64::new(u64::MAX),
            last_end: AtomicU64::new(0),
        })
    }

    fn now(&self) -> u64 {
        self.base.elapsed().as_nanos() as u64
    }

    /// A thread starts work.
    fn start(&self) {
        self.first_start.fetch_min(self.now(), Ordering::Relaxed);
    }

    /// A thread has done its last operation.
    fn end(&self) {
        self.last_end.fetch_max(self.now(), Ordering::Relaxed);
    }

    /// Once every thread has ended.
    fn elapsed(&self) -> Duration {
        let (start, end) = (self.first_start.load(Ordering::Relaxed), self.last_end.load(Ordering::Relaxed));
        assert!(start <= end, "the clock was not started and stopped");
        Duration::from_nanos(end - start)
    }
}

/// `threads` threads spawned with `T`, each running `body(i)` for its
/// index `i` between the start barrier and the clock: the main thread's
/// [`Barrier::wait`] releases them.
fn spawn_timed<T: Tool>(
    threads: usize,
    gate: &Arc<Barrier>,
    clock: &Arc<Clock>,
    body: impl Fn(usize) + Clone + Send + 'static,
) -> Vec<Handle> {
    (0..threads)
        .map(|i| {
            let (gate, clock, body) = (gate.clone(), clock.clone(), body.clone());
            T::spawn(move || {
                gate.wait();
                clock.start();
                body(i);
                clock.end();
            })
        })
        .collect()
}

/// `producers` threads send `n / producers` values each on one channel of
/// capacity `cap`; with one consumer the main thread receives them all,
/// with several each receives its share.
fn channels<C: Channels>(producers: usize, consumers: usize, cap: usize, n: usize) -> (usize, Duration) {
    let per = n / producers;
    let total = per * producers;
    let (tx, rx) = C::make(cap);
    let spawned = producers + if consumers > 1 { consumers } else { 0 };
    let (gate, clock) = (Arc::new(Barrier::new(spawned + 1)), Clock::new());
    let mut handles = spawn_timed::<C>(producers, &gate, &clock, move |_| {
        for v in 0..per as u64 {
            C::send(&tx, v);
        }
    });
    let received = Arc::new(AtomicU64::new(0));
    if consumers == 1 {
        gate.wait();
        clock.start();
        let mut sum = 0u64;
        for _ in 0..total {
            sum += C::recv(&rx);
        }
        clock.end();
        received.store(sum, Ordering::Relaxed);
    } else {
        let (rx, each, received) = (C::share(rx), total / consumers, received.clone());
        handles.extend(spawn_timed::<C>(consumers, &gate, &clock, move |_| {
            let mut sum = 0u64;
            for _ in 0..each {
                sum += C::recv_shared(&rx);
            }
            received.fetch_add(sum, Ordering::Relaxed);
        }));
        gate.wait();
    }
    for h in handles {
        h.join();
    }
    assert_eq!(received.load(Ordering::Relaxed), producers as u64 * sum_to(per), "wrong sum received");
    (total, clock.elapsed())
}

/// Two producers send `n / 2` values each on their own channel of capacity
/// `cap`; the main thread receives them all through a select over both.
fn selects<C: Select>(cap: usize, n: usize) -> (usize, Duration) {
    let per = n / 2;
    let (ta, ra) = C::make(cap);
    let (tb, rb) = C::make(cap);
    let (gate, clock) = (Arc::new(Barrier::new(3)), Clock::new());
    // The main thread keeps a sender of each channel until it has received
    // everything: a producer that finishes first must not disconnect its
    // channel, which crossbeam's select would report as ready (Go's channel
    // stays open, as goweave's does when its senders are dropped).
    let senders = [ta.clone(), tb.clone()];
    let handles = spawn_timed::<C>(2, &gate, &clock, move |i| {
        for v in 0..per as u64 {
            C::send(&senders[i], v);
        }
    });
    gate.wait();
    clock.start();
    let mut sum = 0u64;
    for _ in 0..2 * per {
        sum += C::select2(&ra, &rb);
    }
    clock.end();
    for h in handles {
        h.join();
    }
    drop((ta, tb));
    assert_eq!(sum, 2 * sum_to(per), "wrong sum received");
    (2 * per, clock.elapsed())
}

/// `threads` threads (the main thread alone when 1) increment a counter
/// under one mutex `n / threads` times each.
fn mutexes<L: Lock>(threads: usize, n: usize) -> (usize, Duration) {
    let per = n / threads;
    let m = Arc::new(L::new());
    let elapsed = if threads == 1 {
        let m = black_box(&*m);
        let start = Instant::now();
        for _ in 0..per {
            L::incr(m);
        }
        start.elapsed()
    } else {
        let (gate, clock) = (Arc::new(Barrier::new(threads + 1)), Clock::new());
        let shared = m.clone();
        let handles = spawn_timed::<L>(threads, &gate, &clock, move |_| {
            for _ in 0..per {
                L::incr(&shared);
            }
        });
        gate.wait();
        for h in handles {
            h.join();
        }
        clock.elapsed()
    };
    assert_eq!(L::get(&m), (per * threads) as u64, "lost increments");
    (per * threads, elapsed)
}

/// `n / 4` rounds of: the main thread adds 4 to `finished`, arms the next
/// round's gate (`add(1)`) and opens this round's (`done`); 4 threads wait
/// on the gate and call `finished.done()`; the main thread waits on
/// `finished`.
fn waitgroups<G: Group>(n: usize) -> (usize, Duration) {
    let rounds = n / FANOUT;
    let finished = G::new();
    let gates = [G::new(), G::new()];
    G::add(&gates[0], 1);
    let (start_gate, clock) = (Arc::new(Barrier::new(FANOUT + 1)), Clock::new());
    let (fin, gs) = (finished.clone(), gates.clone());
    let handles = spawn_timed::<G>(FANOUT, &start_gate, &clock, move |_| {
        for r in 0..rounds {
            G::wait(&gs[r % 2]);
            G::done(&fin);
        }
    });
    start_gate.wait();
    clock.start();
    for r in 0..rounds {
        G::add(&finished, FANOUT as isize);
        G::add(&gates[(r + 1) % 2], 1);
        G::done(&gates[r % 2]);
        G::wait(&finished);
    }
    clock.end();
    for h in handles {
        h.join();
    }
    (rounds, clock.elapsed())
}

/// Atomic loads per message of the `atomic` row: enough for a load's few
/// nanoseconds to show over the timer's resolution.
const ATOMIC_LOADS: usize = 100;

/// `n * ATOMIC_LOADS` SeqCst loads of one atomic, goweave's (native: the
/// mode check, then std's load) or std's, so the difference is the check.
fn atomic_loads(goweave: bool, n: usize) -> (usize, Duration) {
    let loads = n * ATOMIC_LOADS;
    let start = Instant::now();
    if goweave {
        let a = goweave::sync::atomic::AtomicU64::new(1);
        for _ in 0..loads {
            std::hint::black_box(a.load(goweave::sync::atomic::Ordering::SeqCst));
        }
    } else {
        let a = std::sync::atomic::AtomicU64::new(1);
        for _ in 0..loads {
            std::hint::black_box(a.load(std::sync::atomic::Ordering::SeqCst));
        }
    }
    (loads, start.elapsed())
}

// ---------------------------------------------------------------------------
// Tools and workloads by name.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ToolId {
    Goweave,
    Crossbeam,
    Std,
    ParkingLot,
    Go,
}

impl ToolId {
    const ALL: [ToolId; 5] =
        [ToolId::Goweave, ToolId::Crossbeam, ToolId::Std, ToolId::ParkingLot, ToolId::Go];

    fn key(self) -> &'static str {
        match self {
            ToolId::Goweave => "goweave",
            ToolId::Crossbeam => "crossbeam",
            ToolId::Std => "std",
            ToolId::ParkingLot => "parking_lot",
            ToolId::Go => "go",
        }
    }

    fn from_key(key: &str) -> ToolId {
        *ToolId::ALL.iter().find(|t| t.key() == key).unwrap_or_else(|| panic!("unknown tool {key:?}"))
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Work {
    Spsc,
    Mpsc,
    Mpmc,
    Select,
    Mutex1,
    Mutex4,
    WaitGroup,
    /// The mode check of a native operation: atomic loads, goweave's
    /// against std's.
    Atomic,
}

impl Work {
    const ALL: [Work; 8] = [
        Work::Spsc,
        Work::Mpsc,
        Work::Mpmc,
        Work::Select,
        Work::Mutex1,
        Work::Mutex4,
        Work::WaitGroup,
        Work::Atomic,
    ];

    /// The name on the command line, the Go program's too.
    fn key(self) -> &'static str {
        match self {
            Work::Spsc => "spsc",
            Work::Mpsc => "mpsc",
            Work::Mpmc => "mpmc",
            Work::Select => "select",
            Work::Mutex1 => "mutex1",
            Work::Mutex4 => "mutex4",
            Work::WaitGroup => "waitgroup",
            Work::Atomic => "atomic",
        }
    }

    fn from_key(key: &str) -> Work {
        *Work::ALL.iter().find(|w| w.key() == key).unwrap_or_else(|| panic!("unknown workload {key:?}"))
    }

    /// The `BENCH_ONLY` name of its group of rows.
    fn group(self) -> &'static str {
        match self {
            Work::Mutex1 | Work::Mutex4 => "mutex",
            other => other.key(),
        }
    }

    fn is_channel(self) -> bool {
        matches!(self, Work::Spsc | Work::Mpsc | Work::Mpmc | Work::Select)
    }

    /// The tools that run it, in table order.
    fn tools(self) -> &'static [ToolId] {
        match self {
            Work::Spsc | Work::Mpsc | Work::Mpmc => {
                &[ToolId::Goweave, ToolId::Crossbeam, ToolId::Std, ToolId::Go]
            }
            Work::Select => &[ToolId::Goweave, ToolId::Crossbeam, ToolId::Go],
            Work::Mutex1 | Work::Mutex4 => &[ToolId::Goweave, ToolId::Std, ToolId::ParkingLot, ToolId::Go],
            Work::WaitGroup => &[ToolId::Goweave, ToolId::Std, ToolId::Go],
            Work::Atomic => &[ToolId::Goweave, ToolId::Std],
        }
    }

    fn name(self, cap: usize) -> String {
        match self {
            Work::Spsc => format!("spsc, cap {cap}"),
            Work::Mpsc => format!("mpsc {FANOUT} -> 1, cap {cap}"),
            Work::Mpmc => format!("mpmc {FANOUT} -> {FANOUT}, cap {cap}"),
            Work::Select => format!("select over 2 channels, 2 -> 1, cap {cap}"),
            Work::Mutex1 => "Mutex, uncontended lock/unlock (1 thread), ns per lock".to_string(),
            Work::Mutex4 => format!("Mutex, {FANOUT} threads incrementing, ns per lock"),
            Work::WaitGroup => format!("WaitGroup, add({FANOUT}) + {FANOUT} done + wait, ns per round"),
            Work::Atomic => format!("atomic load (1 thread, {ATOMIC_LOADS} per message), ns per load"),
        }
    }
}

/// One run of `work` with one Rust tool.
fn run_rust(tool: ToolId, work: Work, cap: usize, n: usize) -> (usize, Duration) {
    match (work, tool) {
        (Work::Spsc, ToolId::Goweave) => channels::<Goweave>(1, 1, cap, n),
        (Work::Spsc, ToolId::Crossbeam) => channels::<Crossbeam>(1, 1, cap, n),
        (Work::Spsc, ToolId::Std) => channels::<Std>(1, 1, cap, n),
        (Work::Mpsc, ToolId::Goweave) => channels::<Goweave>(FANOUT, 1, cap, n),
        (Work::Mpsc, ToolId::Crossbeam) => channels::<Crossbeam>(FANOUT, 1, cap, n),
        (Work::Mpsc, ToolId::Std) => channels::<Std>(FANOUT, 1, cap, n),
        (Work::Mpmc, ToolId::Goweave) => channels::<Goweave>(FANOUT, FANOUT, cap, n),
        (Work::Mpmc, ToolId::Crossbeam) => channels::<Crossbeam>(FANOUT, FANOUT, cap, n),
        (Work::Mpmc, ToolId::Std) => channels::<Std>(FANOUT, FANOUT, cap, n),
        (Work::Select, ToolId::Goweave) => selects::<Goweave>(cap, n),
        (Work::Select, ToolId::Crossbeam) => selects::<Crossbeam>(cap, n),
        (Work::Mutex1, ToolId::Goweave) => mutexes::<Goweave>(1, n),
        (Work::Mutex1, ToolId::Std) => mutexes::<Std>(1, n),
        (Work::Mutex1, ToolId::ParkingLot) => mutexes::<ParkingLot>(1, n),
        (Work::Mutex4, ToolId::Goweave) => mutexes::<Goweave>(FANOUT, n),
        (Work::Mutex4, ToolId::Std) => mutexes::<Std>(FANOUT, n),
        (Work::Mutex4, ToolId::ParkingLot) => mutexes::<ParkingLot>(FANOUT, n),
        (Work::WaitGroup, ToolId::Goweave) => waitgroups::<Goweave>(n),
        (Work::WaitGroup, ToolId::Std) => waitgroups::<Std>(n),
        (Work::Atomic, ToolId::Goweave) => atomic_loads(true, n),
        (Work::Atomic, ToolId::Std) => atomic_loads(false, n),
        (work, tool) => panic!("{} does not run {}", tool.key(), work.key()),
    }
}

/// Uses, on this thread, the goweave primitives that `work` needs: an error
/// (the panic's message) if they are not usable outside an exploration
/// (the native backends not merged yet). Panics are kept off stderr.
fn probe_goweave(work: Work) -> Result<(), String> {
    let hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        match work {
            Work::Spsc | Work::Mpsc | Work::Mpmc | Work::Select => {
                let (tx, rx) = Goweave::make(1);
                Goweave::send(&tx, 7);
                let (_tx2, rx2) = Goweave::make(1);
                let v = if work == Work::Select { Goweave::select2(&rx2, &rx) } else { Goweave::recv(&rx) };
                assert_eq!(v, 7);
            }
            Work::Mutex1 | Work::Mutex4 => {
                let m = <Goweave as Lock>::new();
                Goweave::incr(&m);
                assert_eq!(Goweave::get(&m), 1);
            }
            Work::WaitGroup => {
                let g = <Goweave as Group>::new();
                Goweave::add(&g, 1);
                Goweave::done(&g);
                Goweave::wait(&g);
            }
            Work::Atomic => {
                let a = goweave::sync::atomic::AtomicU64::new(7);
                assert_eq!(a.load(goweave::sync::atomic::Ordering::SeqCst), 7);
            }
        }
        if GOWEAVE_THREADS_ARE_GO {
            Goweave::spawn(|| ()).join();
        }
    }));
    panic::set_hook(hook);
    outcome.map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "a panic".to_string())
    })
}

/// The child: one warm-up and one timed run; prints `ns <per operation>`,
/// or `unavailable <why>` for goweave primitives that do not run natively.
fn child_main(args: &[String]) {
    let [tool, work, cap, n] = args else { panic!("unknown child arguments {args:?}") };
    let (tool, work) = (ToolId::from_key(tool), Work::from_key(work));
    let cap: usize = cap.parse().expect("capacity");
    let n: usize = n.parse().expect("number of messages");
    if tool == ToolId::Goweave {
        if let Err(why) = probe_goweave(work) {
            println!("unavailable {}", why.lines().next().unwrap_or(""));
            return;
        }
    }
    run_rust(tool, work, cap, (n / 20).max(1_000));
    let (ops, elapsed) = run_rust(tool, work, cap, n);
    println!("ns {:.3}", elapsed.as_nanos() as f64 / ops as f64);
}

// ---------------------------------------------------------------------------
// The parent: children, Go, cells.

/// One run's outcome, or a cell's.
#[derive(Clone, Debug)]
enum Outcome {
    Ns(f64),
    Unavailable(String),
    Timeout,
    Failed,
}

/// Runs `cmd`, killed if still running after `limit`; its standard output,
/// `Err(true)` if it was killed, `Err(false)` if it failed. Its standard
/// error goes to ours.
fn run_with_limit(mut cmd: Command, limit: Duration) -> Result<String, bool> {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().map_err(|_| false)?;
    let start = Instant::now();
    loop {
        match child.try_wait().expect("try_wait") {
            Some(status) => {
                let mut out = String::new();
                child.stdout.as_mut().unwrap().read_to_string(&mut out).ok();
                return if status.success() { Ok(out) } else { Err(false) };
            }
            None if start.elapsed() > limit => {
                child.kill().ok();
                child.wait().ok();
                return Err(true);
            }
            None => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// Settings of one bench run.
struct Setup {
    msgs: u64,
    runs: u64,
    timeout: Duration,
    cores: usize,
    /// The built Go program, if any.
    go: Option<PathBuf>,
}

/// One run of `work` with `tool`, in a child process.
fn measure(setup: &Setup, tool: ToolId, work: Work, cap: usize) -> Outcome {
    let args = [work.key().to_string(), cap.to_string(), setup.msgs.to_string()];
    let cmd = if tool == ToolId::Go {
        let mut cmd = Command::new(setup.go.as_ref().expect("the Go program"));
        cmd.args(&args).env("GOMAXPROCS", setup.cores.to_string());
        cmd
    } else {
        let mut cmd = Command::new(std::env::current_exe().expect("current_exe"));
        cmd.arg("--child").arg(tool.key()).args(&args);
        cmd
    };
    match run_with_limit(cmd, setup.timeout) {
        Err(true) => Outcome::Timeout,
        Err(false) => Outcome::Failed,
        Ok(out) => {
            let line = out.lines().next().unwrap_or("").trim();
            let line = line.strip_prefix("ns ").unwrap_or(line);
            if let Some(why) = line.strip_prefix("unavailable") {
                Outcome::Unavailable(why.trim().to_string())
            } else {
                line.parse().map(Outcome::Ns).unwrap_or(Outcome::Failed)
            }
        }
    }
}

/// One table row: every tool's cell, best of `setup.runs` runs, the runs
/// alternating between the tools (the first tool rotating). A tool that
/// times out, fails or is unavailable is not run again.
fn row(setup: &Setup, tools: &[ToolId], work: Work, cap: usize) -> Vec<(ToolId, Outcome)> {
    let mut cells: Vec<(ToolId, Option<Outcome>)> = tools.iter().map(|&t| (t, None)).collect();
    for run in 0..setup.runs as usize {
        for k in 0..cells.len() {
            let i = (run + k) % cells.len();
            let (tool, cell) = &cells[i];
            if matches!(cell, Some(Outcome::Unavailable(_) | Outcome::Timeout | Outcome::Failed)) {
                continue;
            }
            let outcome = measure(setup, *tool, work, cap);
            let best = match (cell, outcome) {
                (Some(Outcome::Ns(a)), Outcome::Ns(b)) => Outcome::Ns(a.min(b)),
                (_, outcome) => outcome,
            };
            cells[i].1 = Some(best);
        }
    }
    cells.into_iter().map(|(t, c)| (t, c.unwrap_or(Outcome::Failed))).collect()
}

/// `go version`'s answer, if a `go` is on the PATH.
fn go_version() -> Option<String> {
    let out = Command::new("go").arg("version").stderr(Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Builds `benchmarks/go/` into `dir`; the program's path, or why not.
fn build_go(dir: &Path) -> Result<PathBuf, String> {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("go");
    let exe = dir.join("native-go");
    let mut cmd = Command::new("go");
    cmd.arg("build").arg("-o").arg(&exe).arg(".").current_dir(&source);
    // No dependencies to download, and no toolchain either.
    cmd.env("GOPROXY", "off").env("GOTOOLCHAIN", "local").env("GOFLAGS", "");
    if std::env::var_os("GOCACHE").is_none() && std::env::var_os("HOME").is_none() {
        cmd.env("GOCACHE", dir.join("gocache"));
    }
    let out = cmd.output().map_err(|e| format!("could not run `go build`: {e}"))?;
    if out.status.success() {
        Ok(exe)
    } else {
        Err(format!(
            "`go build` in {} failed: {}",
            source.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
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

/// Nanoseconds: one decimal under 100, whole (grouped) above.
fn format_ns(ns: f64) -> String {
    if ns < 100.0 {
        format!("{ns:.1}")
    } else {
        group(ns.round() as u64)
    }
}

/// Two decimals below 10 (a ratio is read against 1.2 and 1.5), none
/// above.
fn format_ratio(r: f64) -> String {
    if r >= 10.0 {
        format!("{r:.0}")
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

fn format_cell(outcome: Option<&Outcome>, timeout: Duration) -> String {
    match outcome {
        None => "-".to_string(),
        Some(Outcome::Ns(ns)) => format_ns(*ns),
        Some(Outcome::Unavailable(_)) => "pending".to_string(),
        Some(Outcome::Timeout) => format!("> {} s", timeout.as_secs()),
        Some(Outcome::Failed) => "failed".to_string(),
    }
}

/// The nanoseconds of `tool`'s cell, if it has them.
fn ns_of(cells: &[(ToolId, Outcome)], tool: ToolId) -> Option<f64> {
    cells.iter().find(|(t, _)| *t == tool).and_then(|(_, o)| match o {
        Outcome::Ns(ns) => Some(*ns),
        _ => None,
    })
}

/// goweave's time over `tool`'s, formatted.
fn ratio(cells: &[(ToolId, Outcome)], tool: ToolId) -> String {
    match (ns_of(cells, ToolId::Goweave), ns_of(cells, tool)) {
        (Some(g), Some(t)) => format_ratio(g / t),
        _ => "-".to_string(),
    }
}

/// A target: "met", "**missed**", or why it cannot be judged.
fn judge(cells: &[(ToolId, Outcome)], against: ToolId, limit: f64) -> String {
    let gw = cells.iter().find(|(t, _)| *t == ToolId::Goweave).map(|(_, o)| o);
    match (gw, ns_of(cells, ToolId::Goweave), ns_of(cells, against)) {
        (_, Some(g), Some(t)) => verdict(g <= limit * t).to_string(),
        (Some(Outcome::Unavailable(_)), _, _) => "pending".to_string(),
        (None, _, _) => "not run".to_string(),
        (_, None, _) => "no goweave time".to_string(),
        (_, _, None) => format!("no {} time", against.key()),
    }
}

// ---------------------------------------------------------------------------
// The tables.

/// The rows of one table: the workloads (with their capacities) selected.
fn rows(works: &[Work], only: &dyn Fn(&str) -> bool) -> Vec<(Work, usize)> {
    let mut rows = Vec::new();
    for &w in works.iter().filter(|w| only(w.group())) {
        if w.is_channel() {
            rows.extend(CAPACITIES.iter().map(|&c| (w, c)));
        } else {
            rows.push((w, 0));
        }
    }
    rows
}

/// The tools of a row that this bench run measures.
fn tools_of(setup: &Setup, work: Work, use_tool: &dyn Fn(ToolId) -> bool) -> Vec<ToolId> {
    work.tools().iter().copied().filter(|&t| use_tool(t) && (t != ToolId::Go || setup.go.is_some())).collect()
}

fn channel_table(setup: &Setup, rows: &[(Work, usize)], use_tool: &dyn Fn(ToolId) -> bool) -> Vec<String> {
    println!("## Channels: ns per message, best of {}\n", setup.runs);
    println!(
        "| workload | goweave | crossbeam-channel | std `sync_channel` | Go | goweave/crossbeam | goweave/Go | \
         target: <= 1.5x crossbeam | target: buffered <= Go |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---|---|");
    let mut unavailable = Vec::new();
    for &(work, cap) in rows {
        let tools = tools_of(setup, work, use_tool);
        let cells = row(setup, &tools, work, cap);
        let cell =
            |t: ToolId| format_cell(cells.iter().find(|(x, _)| *x == t).map(|(_, o)| o), setup.timeout);
        let std_cell = match (work, cell(ToolId::Std)) {
            (Work::Mpmc, s) if s != "-" => format!("{s} (a)"),
            (_, s) => s,
        };
        let vs_go = if cap == 0 {
            "-".to_string()
        } else if setup.go.is_none() || !use_tool(ToolId::Go) {
            "no Go".to_string()
        } else {
            judge(&cells, ToolId::Go, 1.0)
        };
        println!(
            "| {} | {} | {} | {std_cell} | {} | {} | {} | {} | {vs_go} |",
            work.name(cap),
            cell(ToolId::Goweave),
            cell(ToolId::Crossbeam),
            cell(ToolId::Go),
            ratio(&cells, ToolId::Crossbeam),
            ratio(&cells, ToolId::Go),
            judge(&cells, ToolId::Crossbeam, 1.5),
        );
        for (_, o) in &cells {
            if let Outcome::Unavailable(why) = o {
                unavailable.push(why.clone());
            }
        }
    }
    println!();
    if rows.iter().any(|(w, _)| *w == Work::Mpmc) && use_tool(ToolId::Std) {
        println!(
            "(a) std's `Receiver` has a single consumer: the 4 consumers share it behind a `std::sync::Mutex`.\n"
        );
    }
    unavailable
}

fn sync_table(setup: &Setup, rows: &[(Work, usize)], use_tool: &dyn Fn(ToolId) -> bool) -> Vec<String> {
    println!("## Mutex, WaitGroup and the mode check, best of {}\n", setup.runs);
    println!(
        "| workload | goweave | std | parking_lot | Go | goweave/std | goweave/Go | target: uncontended <= 1.2x std |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---|");
    let mut unavailable = Vec::new();
    for &(work, cap) in rows {
        let tools = tools_of(setup, work, use_tool);
        let cells = row(setup, &tools, work, cap);
        let cell =
            |t: ToolId| format_cell(cells.iter().find(|(x, _)| *x == t).map(|(_, o)| o), setup.timeout);
        let std_cell = match (work, cell(ToolId::Std)) {
            (Work::WaitGroup, s) if s != "-" => format!("{s} (b)"),
            (_, s) => s,
        };
        let target = if work == Work::Mutex1 { judge(&cells, ToolId::Std, 1.2) } else { "-".to_string() };
        println!(
            "| {} | {} | {std_cell} | {} | {} | {} | {} | {target} |",
            work.name(cap),
            cell(ToolId::Goweave),
            cell(ToolId::ParkingLot),
            cell(ToolId::Go),
            ratio(&cells, ToolId::Std),
            ratio(&cells, ToolId::Go),
        );
        for (_, o) in &cells {
            if let Outcome::Unavailable(why) = o {
                unavailable.push(why.clone());
            }
        }
    }
    println!();
    if rows.iter().any(|(w, _)| *w == Work::WaitGroup) && use_tool(ToolId::Std) {
        println!("(b) std has no wait group: a counter under a `std::sync::Mutex` with a `Condvar`.\n");
    }
    unavailable
}

/// CPU time, in clock ticks: the whole machine's busy time
/// (`/proc/stat`) and this process's with its reaped children's
/// (`/proc/self/stat`), to tell how much of the machine other processes
/// took during the runs: these times move a lot with other work on 2
/// cores.
fn cpu_ticks() -> Option<(u64, u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let cpu: Vec<u64> =
        stat.lines().next()?.split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal
    let (busy, total) = match cpu.as_slice() {
        [user, nice, system, idle, iowait, irq, softirq, steal, ..] => {
            let busy = user + nice + system + irq + softirq + steal;
            (busy, busy + idle + iowait)
        }
        _ => return None,
    };
    let own = std::fs::read_to_string("/proc/self/stat").ok()?;
    // After the command's closing parenthesis: utime, stime, cutime and
    // cstime are fields 14 to 17, the 12th to 15th here.
    let fields: Vec<u64> =
        own.rsplit_once(')')?.1.split_whitespace().skip(11).take(4).filter_map(|v| v.parse().ok()).collect();
    (fields.len() == 4).then(|| (busy, total, fields.iter().sum()))
}

/// The share of the machine's CPU time that other processes used between
/// two [`cpu_ticks`] readings.
fn others_share(before: Option<(u64, u64, u64)>, after: Option<(u64, u64, u64)>) -> Option<f64> {
    let ((b0, t0, o0), (b1, t1, o1)) = (before?, after?);
    let total = t1.checked_sub(t0).filter(|&t| t > 0)? as f64;
    Some(((b1 - b0) as f64 - (o1 - o0) as f64).max(0.0) / total)
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .replace(['_', ','], "")
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a number")),
        Err(_) => default,
    }
}

/// A comma-separated list from the environment: whether it names `key`
/// (everything when the variable is unset or empty).
fn listed(var: &str) -> impl Fn(&str) -> bool {
    let list: Vec<String> = std::env::var(var)
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    move |key: &str| list.is_empty() || list.iter().any(|s| s == key)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        child_main(&args[i + 1..]);
        return;
    }
    let msgs = env_number("BENCH_MSGS", DEFAULT_MSGS);
    let runs = env_number("BENCH_RUNS", DEFAULT_RUNS);
    let timeout = env_number("BENCH_TIMEOUT", DEFAULT_TIMEOUT_SECS);
    assert!(msgs >= MIN_MSGS, "BENCH_MSGS must be at least {MIN_MSGS}");
    assert!(runs > 0 && timeout > 0, "BENCH_RUNS and BENCH_TIMEOUT must be positive");
    let only = listed("BENCH_ONLY");
    let tools = listed("BENCH_TOOLS");
    let use_tool = |t: ToolId| tools(t.key());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);

    let dir = std::env::temp_dir().join(format!("goweave-native-bench-{}", std::process::id()));
    let mut notes = Vec::new();
    let mut go = None;
    let mut go_name = "Go".to_string();
    if use_tool(ToolId::Go) {
        match go_version() {
            None => notes.push("Go: no `go` on the PATH, so no Go column.".to_string()),
            Some(version) => {
                std::fs::create_dir_all(&dir).expect("create the temporary directory");
                match build_go(&dir) {
                    Ok(exe) => {
                        go_name = version.strip_prefix("go version ").unwrap_or(&version).to_string();
                        go = Some(exe);
                    }
                    Err(why) => notes.push(format!("Go: no Go column: {why}")),
                }
            }
        }
    }
    let setup = Setup { msgs, runs, timeout: Duration::from_secs(timeout), cores, go };

    println!("goweave native against crossbeam-channel 0.5, std and Go, release build\n");
    println!(
        "{} messages (operations) per run, best of {} alternating between the tools, {} cores; \
         Go: {}; goweave's threads: {}.\n",
        group(msgs),
        if runs == 1 { "1 run".to_string() } else { format!("{runs} runs") },
        cores,
        if setup.go.is_some() { format!("{go_name}, GOMAXPROCS={cores}") } else { "none".to_string() },
        if GOWEAVE_THREADS_ARE_GO {
            "`goweave::go`"
        } else {
            "`std::thread::spawn`, as every tool's (`GOWEAVE_THREADS_ARE_GO` switches them to `goweave::go`)"
        },
    );
    for note in &notes {
        println!("{note}\n");
    }
    let ticks_before = cpu_ticks();

    let channel_rows = rows(&[Work::Spsc, Work::Mpsc, Work::Mpmc, Work::Select], &only);
    let sync_rows = rows(&[Work::Mutex1, Work::Mutex4, Work::WaitGroup, Work::Atomic], &only);
    let mut unavailable = Vec::new();
    if !channel_rows.is_empty() {
        unavailable.extend(channel_table(&setup, &channel_rows, &use_tool));
    }
    if !sync_rows.is_empty() {
        unavailable.extend(sync_table(&setup, &sync_rows, &use_tool));
    }
    match others_share(ticks_before, cpu_ticks()) {
        Some(share) => println!(
            "Other processes used {:.0}% of the machine's CPU time during the runs (from `/proc/stat`, less \
             this bench's and its children's own time): above a few percent, expect the times to read high.\n",
            share * 100.0
        ),
        None => println!("(No `/proc/stat`: how busy the machine was is unknown.)\n"),
    }
    unavailable.sort();
    unavailable.dedup();
    for why in unavailable {
        println!("goweave pending (its primitives do not run outside an exploration in this build): {why}\n");
    }
    std::fs::remove_dir_all(&dir).ok();
}
