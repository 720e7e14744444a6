//! Explorations: many executions of one body under one strategy.

use std::time::Instant;

use crate::config::{Config, Stats, Strategy};
use std::sync::atomic::{AtomicU64, Ordering};

use std::collections::BTreeMap;

use goweave_checkers::LockOrder;

use crate::exec::{describe_inversion, Body, Runner, Verdict};
use crate::failure::{Failure, FailureData, FailureKind};
use crate::progress::{Progress, Tick};
use crate::schedule::Schedule;
use crate::strategy::{self, Chooser, Slice};

/// What a test body may return: `()` or `Result<(), E: Debug>`, where an
/// `Err` is a failure.
pub trait BodyResult {
    /// `Err(description)` when the body reported an error.
    fn into_body_result(self) -> Result<(), String>;
}

impl BodyResult for () {
    fn into_body_result(self) -> Result<(), String> {
        Ok(())
    }
}

impl<E: std::fmt::Debug> BodyResult for Result<(), E> {
    fn into_body_result(self) -> Result<(), String> {
        self.map_err(|e| format!("Err({e:?})"))
    }
}

/// Whether executions of this strategy are independent of each other, so
/// they can be split over threads and shards.
fn splittable(strategy: Strategy) -> bool {
    matches!(strategy, Strategy::Random | Strategy::Pct { .. } | Strategy::Portfolio)
}

/// Whether the strategy can run over threads and shards: independent
/// executions, or exhaustive search split at its first branching (see
/// `Dpor::split`).
fn parallel(strategy: Strategy) -> bool {
    splittable(strategy) || matches!(strategy, Strategy::Dfs { .. })
}

fn build_strategy(config: &Config, slice: Slice) -> Chooser {
    let seed = config.seed;
    let boxed: Box<dyn strategy::Strategy> = match config.strategy {
        Strategy::Random => return Chooser::random(strategy::RandomWalk::new(seed, slice)),
        Strategy::Pct { depth } => Box::new(strategy::Pct::new(depth, seed, slice)),
        Strategy::Dfs { preemption_bound } => Box::new(
            strategy::Dpor::new(preemption_bound, config.timer_bound, config.iterations)
                .split(slice.start(), slice.stride()),
        ),
        Strategy::Portfolio => Box::new(strategy::Portfolio::new(seed, slice)),
        Strategy::NaiveDfs => Box::new(strategy::NaiveDfs::new(None, config.timer_bound, config.iterations)),
    };
    Chooser::new(boxed)
}

/// Executions of PCT and random walk the default portfolio runs before its
/// exhaustive phase (at most a quarter of the budget).
const PORTFOLIO_BURST: u64 = 100;

/// How the default portfolio's exhaustive phase went.
#[derive(Clone, Copy)]
struct PortfolioNote {
    exhaustive: u64,
    exhausted: bool,
}

/// What one worker found.
struct WorkerResult {
    executions: u64,
    exhausted: bool,
    exhausted_within_bounds: bool,
    /// The failing execution's global index and verdict.
    failure: Option<(u64, Verdict)>,
    /// The worker's lock-order graph and the schedules that built it.
    lock_order: Option<(LockOrder, BTreeMap<u64, Schedule>)>,
    steps: u64,
    /// The worker's execution indices: `start`, `start + stride`, ... of
    /// phase `phase` (the default portfolio's second phase counts anew).
    start: u64,
    stride: u64,
    phase: u8,
}

/// How many executions a worker (`phase`, `start`, `stride`, `executions`)
/// ran with an index up to `index` of phase `at`: counted this way, the
/// executions before a failure do not depend on the threads' timing.
fn executions_through((phase, start, stride, executions): (u8, u64, u64, u64), at: u8, index: u64) -> u64 {
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
fn run_worker(
    config: &Config,
    body: &Body,
    mut chooser: Chooser,
    best: &AtomicU64,
    progress: &Progress,
) -> WorkerResult {
    let mut tick = Tick::default();
    let mut runner =
        Runner::new(config.stack_size, config.max_steps, config.potential_deadlocks, config.race_checks);
    let mut executions = 0;
    let result = |executions, exhausted: (bool, bool), failure, runner: Runner| WorkerResult {
        executions,
        exhausted: exhausted.0,
        exhausted_within_bounds: exhausted.1,
        failure,
        steps: runner.steps,
        lock_order: runner.lock_order.map(|order| (order, runner.order_schedules)),
        start: 0,
        stride: 1,
        phase: 0,
    };
    while chooser.begin() {
        let index = chooser.execution_index();
        if index > best.load(Ordering::Relaxed) {
            return result(executions, (false, false), None, runner);
        }
        executions += 1;
        let (back, verdict) = runner.run(index, body, chooser);
        chooser = back;
        progress.after_execution(&mut tick, chooser.schedule());
        if let Some(v) = verdict {
            best.fetch_min(index, Ordering::Relaxed);
            return result(executions, (false, false), Some((index, v)), runner);
        }
    }
    result(executions, (chooser.exhausted(), chooser.exhausted_within_bounds()), None, runner)
}

fn default_test_name() -> Option<String> {
    std::thread::current().name().filter(|n| *n != "main").map(str::to_string)
}

impl Config {
    /// Explores `body`'s interleavings; `Err` carries the first failure.
    pub fn explore<F, R>(self, body: F) -> Result<Stats, Failure>
    where
        F: Fn() -> R + Send + Sync + 'static,
        R: BodyResult,
    {
        let body: Body = std::sync::Arc::new(move || body().into_body_result());
        self.explore_body(body)
    }

    /// Explores `body` and panics with the failure report if one is found.
    #[track_caller]
    pub fn check<F, R>(self, body: F) -> Stats
    where
        F: Fn() -> R + Send + Sync + 'static,
        R: BodyResult,
    {
        match self.explore(body) {
            Ok(stats) => stats,
            Err(failure) => std::panic::panic_any(failure.to_string()),
        }
    }

    /// Runs `iterations` executions (random, PCT, their portfolio, or
    /// parts of an exhaustive search) split over this shard's threads.
    fn run_split(
        &self,
        body: &Body,
        best: &AtomicU64,
        progress: &Progress,
        indices: std::ops::Range<u64>,
    ) -> (Vec<WorkerResult>, usize) {
        let (shard, shards) = self.shard.unwrap_or((0, 1));
        let iterations = indices.end - indices.start;
        let executions_in_shard = iterations.div_ceil(shards).max(1);
        let threads = (self.threads as u64).min(executions_in_shard).max(1);
        let slice = |t: u64| Slice::new(indices.start + shard + shards * t, shards * threads, indices.end);
        let results = if threads == 1 {
            vec![run_worker(self, body, build_strategy(self, slice(0)), best, progress)]
        } else {
            std::thread::scope(|scope| {
                let workers: Vec<_> = (0..threads)
                    .map(|t| {
                        std::thread::Builder::new()
                            .name(format!("goweave-worker-{t}"))
                            .spawn_scoped(scope, move || {
                                run_worker(self, body, build_strategy(self, slice(t)), best, progress)
                            })
                            .expect("goweave: could not start a worker thread")
                    })
                    .collect();
                workers
                    .into_iter()
                    .map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                    .collect()
            })
        };
        let mut results: Vec<WorkerResult> = results;
        for (t, r) in results.iter_mut().enumerate() {
            r.start = indices.start + shard + shards * t as u64;
            r.stride = shards * threads;
        }
        (results, threads as usize)
    }

    pub(crate) fn explore_body(self, body: Body) -> Result<Stats, Failure> {
        let start = Instant::now();
        let test_name = self.test_name.clone().or_else(default_test_name);
        let failure = |kind, schedule, executions, replayed, body, tasks| {
            Failure(Box::new(FailureData {
                kind,
                schedule,
                executions,
                replayed,
                body,
                test_name: test_name.clone(),
                tasks,
                strategy: self.strategy,
                seed: self.seed,
                logs: Vec::new(),
                trace_note: None,
                minimized: None,
                threads: 1,
            }))
        };
        let replay = self.replay_token().map(str::to_string);
        let best = AtomicU64::new(u64::MAX);
        // Cleared when dropped, at the end of this exploration.
        let progress = Progress::new(self.progress && replay.is_none());
        let mut portfolio_note = None;
        let (results, threads) = if let Some(token) = &replay {
            let schedule = match token.parse::<Schedule>() {
                Ok(schedule) => schedule,
                Err(e) => {
                    return Err(failure(
                        FailureKind::Replay,
                        Schedule::default(),
                        0,
                        true,
                        format!("{e}\n"),
                        Vec::new(),
                    ))
                }
            };
            (
                vec![run_worker(
                    &self,
                    &body,
                    Chooser::new(Box::new(strategy::Replay::new(&schedule))),
                    &best,
                    &progress,
                )],
                1,
            )
        } else if self.strategy == Strategy::Portfolio {
            // The default: a short burst of PCT and random walk, which find
            // shallow bugs within a few executions wherever they hide; then
            // exhaustive search while it fits half the budget (depth-first,
            // it can spend thousands of executions deep in the tree before
            // it reverses an early choice); if the space is larger, the
            // rest goes to PCT and random walk, with fresh seeds.
            let burst = PORTFOLIO_BURST.min(self.iterations / 4);
            let (mut results, threads) =
                if burst > 0 { self.run_split(&body, &best, &progress, 0..burst) } else { (Vec::new(), 1) };
            if results.iter().any(|r| r.failure.is_some()) {
                portfolio_note = Some(PortfolioNote { exhaustive: 0, exhausted: false });
                (results, threads)
            } else {
                let budget = (self.iterations / 2).max(1);
                let dpor = Chooser::new(Box::new(strategy::Dpor::new(None, self.timer_bound, budget)));
                let mut first = run_worker(&self, &body, dpor, &best, &progress);
                first.phase = 1;
                let done = burst + first.executions;
                let remaining = self.iterations.saturating_sub(done);
                let exhaustive = first.executions;
                if first.failure.is_some() || first.exhausted || remaining == 0 {
                    portfolio_note = Some(PortfolioNote { exhaustive, exhausted: first.exhausted });
                    results.push(first);
                    (results, threads)
                } else {
                    portfolio_note = Some(PortfolioNote { exhaustive, exhausted: false });
                    let (mut rest, threads) =
                        self.run_split(&body, &best, &progress, burst..burst + remaining);
                    for r in &mut rest {
                        r.phase = 2;
                    }
                    results.push(first);
                    results.extend(rest);
                    (results, threads)
                }
            }
        } else if parallel(self.strategy) {
            self.run_split(&body, &best, &progress, 0..self.iterations)
        } else {
            let strategy = build_strategy(&self, Slice::all(self.iterations));
            (vec![run_worker(&self, &body, strategy, &best, &progress)], 1)
        };
        drop(progress);
        let executions = results.iter().map(|r| r.executions).sum();
        let steps = results.iter().map(|r| r.steps).sum();
        let exhausted_all = match portfolio_note {
            Some(note) => note.exhausted,
            None => results.iter().all(|r| r.exhausted),
        };
        let within_bounds = results.iter().all(|r| r.exhausted_within_bounds);
        let mut lock_order: Option<(LockOrder, BTreeMap<u64, Schedule>)> = None;
        let mut first: Option<(u64, u8, Verdict)> = None;
        let mut workers = Vec::with_capacity(results.len());
        for r in results {
            workers.push((r.phase, r.start, r.stride, r.executions));
            if let Some((i, v)) = r.failure {
                if first.as_ref().is_none_or(|(j, _, _)| i < *j) {
                    first = Some((i, r.phase, v));
                }
            }
            if let Some((order, schedules)) = r.lock_order {
                match &mut lock_order {
                    Some((all, all_schedules)) => {
                        all.merge(order);
                        all_schedules.extend(schedules);
                    }
                    None => lock_order = Some((order, schedules)),
                }
            }
        }
        if let Some((index, phase, v)) = first {
            let executions = workers.iter().map(|&w| executions_through(w, phase, index)).sum();
            // A replay is never minimized again: its token is the one to
            // follow, and its report must read as the one that printed it.
            let (v, minimized) = match replay {
                None => crate::minimize::minimize(&self, &body, v),
                Some(_) => (v, None),
            };
            let mut found = failure(v.kind, v.schedule, executions, replay.is_some(), v.body, v.tasks);
            found.0.threads = threads;
            found.0.minimized = minimized;
            return Err(crate::trace_export::enrich(&self, &body, found));
        }
        // Any other failure takes precedence over a lock-order inversion.
        if let Some((order, schedules)) = lock_order {
            if let Some(inversion) = order.inversion() {
                let mut runs: Vec<u64> = inversion.edges.iter().map(|e| e.execution).collect();
                runs.sort_unstable();
                runs.dedup();
                let parts: Vec<&Schedule> = runs.iter().filter_map(|i| schedules.get(i)).collect();
                let schedule = Schedule::sequence(&parts);
                let body = describe_inversion(&inversion);
                let mut found = failure(
                    FailureKind::PotentialDeadlock,
                    schedule,
                    executions,
                    replay.is_some(),
                    body,
                    Vec::new(),
                );
                found.0.threads = threads;
                return Err(found);
            }
        }
        Ok(Stats {
            executions,
            exhausted: replay.is_none()
                && (portfolio_note.is_some() || !splittable(self.strategy))
                && exhausted_all,
            portfolio: portfolio_note.map(|n| (n.exhaustive, n.exhausted)),
            elapsed: start.elapsed(),
            strategy: self.strategy,
            threads,
            replayed: replay.is_some(),
            steps,
            exhausted_within_bounds: replay.is_none() && !splittable(self.strategy) && within_bounds,
        })
    }
}

/// Explores `body` with the default [`Config`] and panics with the failure
/// report (a `String` payload) if one is found.
///
/// ```
/// goweave::check(|| {
///     let m = std::sync::Arc::new(goweave::sync::Mutex::new(0));
///     let m2 = m.clone();
///     let h = goweave::go(move || *m2.lock() += 1);
///     *m.lock() += 1;
///     h.join().unwrap();
///     assert_eq!(*m.lock(), 2);
/// });
/// ```
#[track_caller]
pub fn check<F, R>(body: F) -> Stats
where
    F: Fn() -> R + Send + Sync + 'static,
    R: BodyResult,
{
    Config::default().check(body)
}

/// Runs exactly the schedule of `token` and panics with the report (a
/// `String` payload) if the body fails again.
#[track_caller]
pub fn replay<F, R>(token: &str, body: F) -> Stats
where
    F: Fn() -> R + Send + Sync + 'static,
    R: BodyResult,
{
    Config::default().replay(token).check(body)
}

/// What the `#[concurrency_test]` attribute expands to. Not public API.
#[doc(hidden)]
pub mod __private {
    use super::*;

    /// Runs one `#[concurrency_test]`: explores, then passes or panics with
    /// the report, honouring `expect`.
    #[track_caller]
    pub fn run_test<F, R>(config: Config, name: &'static str, expect: Option<&'static str>, body: F)
    where
        F: Fn() -> R + Send + Sync + 'static,
        R: BodyResult,
    {
        // module_path! starts with the crate's name, which `cargo test`
        // filters do not include.
        let short = name.split_once("::").map_or(name, |(_, rest)| rest);
        let config = config.test_name(short);
        let body: Body = std::sync::Arc::new(move || body().into_body_result());
        // Saved failures replay first; only unexpected failures are saved.
        let regressions =
            expect.is_none().then(|| crate::regressions::File::for_test(&config, name)).flatten();
        if let Some(report) = regressions.as_ref().and_then(|file| file.replay_saved(&config, &body)) {
            std::panic::panic_any(report);
        }
        let outcome = config.explore_body(body);
        let verbose = std::env::var_os("GOWEAVE_STATS").is_some_and(|v| v != "0");
        match (expect, outcome) {
            (None, Ok(stats)) => {
                if verbose {
                    eprintln!("{stats}");
                }
            }
            (None, Err(failure)) => {
                if let Some(file) = &regressions {
                    file.save(&failure);
                }
                std::panic::panic_any(failure.to_string())
            }
            (Some(want), Ok(stats)) => std::panic::panic_any(format!(
                "goweave: expected {} but found no failure ({stats}). Raise `iterations`, try \
                 `strategy = \"dfs\"`, or check that the bug is still there.",
                if want == "any" { "a failure".to_string() } else { format!("a {want} failure") }
            )),
            (Some(want), Err(failure)) => {
                let matches = want == "any" || FailureKind::from_expect_name(want) == Some(failure.kind());
                if !matches {
                    std::panic::panic_any(format!(
                        "goweave: expected a {want} failure, but found a {} failure:\n{failure}",
                        failure.kind()
                    ));
                }
                if verbose {
                    eprintln!("goweave: found the expected {} failure:\n{failure}", failure.kind());
                }
            }
        }
    }
}
