//! The driver: an exploration runs one body many times under one
//! strategy, over threads and shards, and turns the first failure into a
//! report.
//!
//! The default strategy's phases are in `portfolio`, the workers and how
//! threads and shards split the executions in `workers`, the regression
//! files of `#[concurrency_test]` in `regressions`, the live progress line
//! in `progress`, and what the attribute expands to in `test`.

mod portfolio;
mod progress;
mod registered_twice;
mod regressions;
mod test;
mod workers;

pub use test::run_test;

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

use goweave_checkers::LockOrder;

use self::progress::Progress;
use self::workers::{executions_through, run_worker};
use crate::config::{Config, Stats, Strategy};
use crate::failure::{Failure, FailureData, FailureKind};
use crate::report;
use crate::rt::{Body, Verdict};
use crate::schedule::Schedule;
use crate::strategy::{self, Picker, Slice};

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

    pub(crate) fn explore_body(mut self, body: Body) -> Result<Stats, Failure> {
        // A token states the early_timers setting it was recorded under
        // when that was not the default: a replay offers the same timer
        // moves, whatever this configuration says.
        if let Some(schedule) = self.replay_token().and_then(|t| t.parse::<Schedule>().ok()) {
            self.early_timers = schedule.early_timers().unwrap_or(crate::config::DEFAULT_EARLY_TIMERS);
        }
        let start = Instant::now();
        self.deadline = self.max_time.map(|d| start + d);
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
                early_timers: None,
            }))
        };
        let replay = self.replay_token().map(str::to_string);
        let best = AtomicU64::new(u64::MAX);
        // Cleared when dropped, at the end of this exploration.
        let progress = Progress::new(self.progress && replay.is_none(), self.iterations, self.deadline);
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
                    Picker::new(Box::new(strategy::Replay::new(&schedule))),
                    &best,
                    &progress,
                )],
                1,
            )
        } else if self.strategy == Strategy::Portfolio {
            let (results, threads, note) = portfolio::run(&self, &body, &best, &progress);
            portfolio_note = Some(note);
            (results, threads)
        } else if workers::parallel(self.strategy) {
            workers::run_split(&self, &body, &best, &progress, 0..self.iterations)
        } else {
            let picker = workers::build_picker(&self, Slice::all(self.iterations));
            (vec![run_worker(&self, &body, picker, &best, &progress)], 1)
        };
        drop(progress);
        let executions: u64 = results.iter().map(|r| r.executions).sum();
        let steps = results.iter().map(|r| r.steps).sum();
        let timers_made = results.iter().any(|r| r.timers_made);
        let out_of_time = replay.is_none() && results.iter().any(|r| r.out_of_time);
        let exhausted_all = match portfolio_note {
            Some(note) => note.exhausted,
            None => results.iter().all(|r| r.exhausted),
        };
        let within_bounds = results.iter().all(|r| r.exhausted_within_bounds);
        let mut lock_order: Option<(LockOrder, BTreeMap<u64, Schedule>)> = None;
        let mut first: Option<(u64, u8, Verdict)> = None;
        let mut workers = Vec::with_capacity(results.len());
        let pooled = results.iter().any(|r| r.pooled);
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
            let executions = if pooled {
                // Indices count the executions as they started, over all
                // the workers.
                executions.min(index + 1)
            } else {
                workers.iter().map(|&w| executions_through(w, phase, index)).sum()
            };
            // A replay is never minimized again: its token is the one to
            // follow, and its report must read as the one that printed it.
            let (v, minimized) = match replay {
                None => report::minimize(&self, &body, v),
                Some(_) => (v, None),
            };
            let timers_made = v.timers_made;
            let mut found = failure(v.kind, v.schedule, executions, replay.is_some(), v.body, v.tasks);
            found.0.threads = threads;
            found.0.early_timers = timers_made.then_some(self.early_timers);
            found.0.minimized = minimized;
            return Err(report::enrich(&self, &body, found));
        }
        // Any other failure takes precedence over a lock-order inversion.
        if let Some((order, schedules)) = lock_order {
            if let Some(inversion) = order.inversion() {
                let mut runs: Vec<u64> = inversion.edges.iter().map(|e| e.execution).collect();
                runs.sort_unstable();
                runs.dedup();
                let parts: Vec<&Schedule> = runs.iter().filter_map(|i| schedules.get(i)).collect();
                let schedule = Schedule::sequence(&parts);
                let body = report::describe_inversion(&inversion);
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
                && (portfolio_note.is_some() || !workers::splittable(self.strategy))
                && exhausted_all,
            portfolio: portfolio_note.map(|n| (n.exhaustive, n.exhausted)),
            elapsed: start.elapsed(),
            strategy: self.strategy,
            threads,
            replayed: replay.is_some(),
            steps,
            exhausted_within_bounds: replay.is_none() && !workers::splittable(self.strategy) && within_bounds,
            early_timers: timers_made.then_some(self.early_timers),
            stopped_after: self.max_time.filter(|_| out_of_time).map(|limit| (limit, self.iterations)),
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
