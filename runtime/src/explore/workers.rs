//! The workers of an exploration: one per thread, each running its slice
//! of the executions, and how threads and shards split them.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use goweave_checkers::LockOrder;

use super::progress::{Progress, Tick};
use crate::config::{Config, Strategy};
use crate::report;
use crate::rt::{Body, Runner, Verdict};
use crate::schedule::Schedule;
use crate::strategy::{self, Picker, Slice};

/// Whether executions of this strategy are independent of each other, so
/// they can be split over threads and shards.
pub(super) fn splittable(strategy: Strategy) -> bool {
    matches!(strategy, Strategy::Random | Strategy::Pct { .. } | Strategy::Portfolio)
}

/// Whether the strategy can run over threads and shards: independent
/// executions, or exhaustive search split at its first branching (see
/// `Dpor::split`).
pub(super) fn parallel(strategy: Strategy) -> bool {
    splittable(strategy) || matches!(strategy, Strategy::Dfs { .. })
}

/// The picker of one worker: the configured strategy, over the slice of
/// the exploration's executions the worker runs.
pub(super) fn build_picker(config: &Config, slice: Slice) -> Picker {
    let seed = config.seed;
    let boxed: Box<dyn strategy::Scheduler> = match config.strategy {
        Strategy::Random => return Picker::random(strategy::RandomWalk::new(seed, slice)),
        Strategy::Pct { depth } => Box::new(strategy::Pct::new(depth, seed, slice)),
        Strategy::Dfs { preemption_bound } => Box::new(
            strategy::Dpor::new(preemption_bound, config.timer_bound, config.iterations)
                .split(slice.start(), slice.stride()),
        ),
        Strategy::Portfolio => Box::new(strategy::Portfolio::new(seed, slice)),
        Strategy::NaiveDfs => Box::new(strategy::NaiveDfs::new(None, config.timer_bound, config.iterations)),
    };
    Picker::new(boxed)
}

/// What one worker found.
pub(super) struct WorkerResult {
    /// Executions it ran.
    pub executions: u64,
    /// Whether its (exhaustive) strategy covered its whole space.
    pub exhausted: bool,
    /// Whether it covered its space up to its bounds.
    pub exhausted_within_bounds: bool,
    /// The failing execution's global index and verdict.
    pub failure: Option<(u64, Verdict)>,
    /// The worker's lock-order graph and the schedules that built it.
    pub lock_order: Option<(LockOrder, BTreeMap<u64, Schedule>)>,
    /// Scheduling steps over all its executions.
    pub steps: u64,
    /// Whether any of its executions made a timer.
    pub timers_made: bool,
    /// Whether it stopped because `Config::max_time` ran out.
    pub out_of_time: bool,
    /// The worker's execution indices: `start`, `start + stride`, ... of
    /// phase `phase` (the default portfolio's second phase counts anew).
    pub start: u64,
    /// See `start`.
    pub stride: u64,
    /// See `start`.
    pub phase: u8,
    /// Whether it was one worker of a pooled exhaustive search, whose
    /// execution indices are counted over the pool in the order they
    /// started.
    pub pooled: bool,
}

/// How many executions a worker (`phase`, `start`, `stride`, `executions`)
/// ran with an index up to `index` of phase `at`: counted this way, the
/// executions before a failure do not depend on the threads' timing.
pub(super) fn executions_through(
    (phase, start, stride, executions): (u8, u64, u64, u64),
    at: u8,
    index: u64,
) -> u64 {
    if phase < at {
        return executions;
    }
    if phase > at || index < start {
        return 0;
    }
    executions.min((index - start) / stride + 1)
}

/// Runs executions until the strategy is done or a failure is found (by
/// this worker, or by another at a lower global index: the lowest failing
/// index wins, so the reported failure does not depend on timing).
pub(super) fn run_worker(
    config: &Config,
    body: &Body,
    picker: Picker,
    best: &AtomicU64,
    progress: &Progress,
) -> WorkerResult {
    run_worker_then(config, body, picker, best, progress, &mut |_| {})
}

/// [`run_worker`], calling `after` with the number of executions run
/// after each one.
fn run_worker_then(
    config: &Config,
    body: &Body,
    mut picker: Picker,
    best: &AtomicU64,
    progress: &Progress,
    after: &mut dyn FnMut(u64),
) -> WorkerResult {
    let mut tick = Tick::default();
    let mut runner = Runner::new(config, config.max_steps, config.potential_deadlocks, report::describe);
    let mut executions = 0;
    let result = |executions, exhausted: (bool, bool), failure, runner: Runner| WorkerResult {
        out_of_time: false,
        executions,
        exhausted: exhausted.0,
        exhausted_within_bounds: exhausted.1,
        failure,
        steps: runner.steps,
        timers_made: runner.timers_made,
        lock_order: runner.lock_order.map(|order| (order, runner.order_schedules)),
        start: 0,
        stride: 1,
        phase: 0,
        pooled: false,
    };
    while picker.begin() {
        if config.deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            picker.stop();
            let mut stopped = result(executions, (false, false), None, runner);
            stopped.out_of_time = true;
            return stopped;
        }
        let index = picker.execution_index();
        if index > best.load(Ordering::Relaxed) {
            picker.stop();
            return result(executions, (false, false), None, runner);
        }
        executions += 1;
        let (back, verdict) = runner.run(index, body, picker);
        picker = back;
        progress.after_execution(&mut tick, picker.schedule(), || picker.explored_part());
        after(executions);
        if let Some(v) = verdict {
            best.fetch_min(index, Ordering::Relaxed);
            picker.stop();
            return result(executions, (false, false), Some((index, v)), runner);
        }
    }
    result(executions, (picker.exhausted(), picker.exhausted_within_bounds()), None, runner)
}

/// An exhaustive search over this shard's threads, sharing one pool of
/// work (see `Dpor::pooled`). The first worker runs on this thread; the
/// others start only once it ran `Config::split_after` executions, so a
/// search that ends sooner starts no thread (and says it ran on one).
fn run_pooled(
    config: &Config,
    body: &Body,
    best: &AtomicU64,
    progress: &Progress,
) -> (Vec<WorkerResult>, usize) {
    let Strategy::Dfs { preemption_bound } = config.strategy else {
        unreachable!("a pooled search is exhaustive")
    };
    let (shard, shards) = config.shard.unwrap_or((0, 1));
    let pool = Arc::new(strategy::Pool::new(config.iterations.div_ceil(shards).max(1), config.split_after));
    let threads = config.threads.max(1);
    let picker = |t: usize, pool: Arc<strategy::Pool>| {
        Picker::new(Box::new(
            strategy::Dpor::new(preemption_bound, config.timer_bound, config.iterations)
                .split(shard, shards)
                .pooled(pool, t == 0),
        ))
    };
    let mut results: Vec<WorkerResult> = std::thread::scope(|scope| {
        let mut helpers = Vec::new();
        let mut started = threads == 1;
        let mut start_helpers = |executions: u64| {
            if !started && executions >= config.split_after {
                started = true;
                helpers = (1..threads)
                    .map(|t| {
                        let pool = pool.clone();
                        std::thread::Builder::new()
                            .name(format!("goweave-worker-{t}"))
                            .spawn_scoped(scope, move || {
                                run_worker(config, body, picker(t, pool), best, progress)
                            })
                            .expect("goweave: could not start a worker thread")
                    })
                    .collect();
            }
        };
        let first =
            run_worker_then(config, body, picker(0, pool.clone()), best, progress, &mut start_helpers);
        let mut results = vec![first];
        results
            .extend(helpers.into_iter().map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p))));
        results
    });
    for r in &mut results {
        r.pooled = true;
    }
    let used = results.len();
    (results, used)
}

/// Runs `iterations` executions (random, PCT, their portfolio, or
/// parts of an exhaustive search) split over this shard's threads.
pub(super) fn run_split(
    config: &Config,
    body: &Body,
    best: &AtomicU64,
    progress: &Progress,
    indices: std::ops::Range<u64>,
) -> (Vec<WorkerResult>, usize) {
    let dfs = matches!(config.strategy, Strategy::Dfs { .. });
    if dfs && config.threads > 1 && config.split_after != u64::MAX {
        return run_pooled(config, body, best, progress);
    }
    let (shard, shards) = config.shard.unwrap_or((0, 1));
    let iterations = indices.end - indices.start;
    let executions_in_shard = iterations.div_ceil(shards).max(1);
    // An exhaustive search that never splits runs on this thread: other
    // workers would only wait (see `Config::split_after`).
    let threads = if dfs { 1 } else { (config.threads as u64).min(executions_in_shard).max(1) };
    let slice = |t: u64| Slice::new(indices.start + shard + shards * t, shards * threads, indices.end);
    let results = if threads == 1 {
        vec![run_worker(config, body, build_picker(config, slice(0)), best, progress)]
    } else {
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|t| {
                    std::thread::Builder::new()
                        .name(format!("goweave-worker-{t}"))
                        .spawn_scoped(scope, move || {
                            run_worker(config, body, build_picker(config, slice(t)), best, progress)
                        })
                        .expect("goweave: could not start a worker thread")
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
        })
    };
    let mut results: Vec<WorkerResult> = results;
    for (t, r) in results.iter_mut().enumerate() {
        r.start = indices.start + shard + shards * t as u64;
        r.stride = shards * threads;
    }
    (results, threads as usize)
}
