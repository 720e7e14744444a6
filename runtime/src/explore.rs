//! Explorations: many executions of one body under one strategy.

use std::time::Instant;

use crate::config::{Config, Stats, Strategy};
use crate::exec::{Body, Runner};
use crate::failure::{Failure, FailureKind};
use crate::schedule::Schedule;
use crate::strategy::{self, Chooser};

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

fn build_strategy(config: &Config) -> Box<dyn strategy::Strategy> {
    let (seed, iterations) = (config.seed, config.iterations);
    match config.strategy {
        Strategy::Random => Box::new(strategy::RandomWalk::new(seed, iterations)),
        Strategy::Pct { depth } => Box::new(strategy::Pct::new(depth, seed, iterations)),
        Strategy::Dfs { preemption_bound } => Box::new(strategy::Dfs::new(preemption_bound, iterations)),
        Strategy::Portfolio => Box::new(strategy::Portfolio::new(seed, iterations)),
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

    pub(crate) fn explore_body(self, body: Body) -> Result<Stats, Failure> {
        let start = Instant::now();
        let test_name = self.test_name.clone().or_else(default_test_name);
        let failure = |kind, schedule, executions, replayed, body| Failure {
            kind,
            schedule,
            executions,
            replayed,
            body,
            test_name: test_name.clone(),
        };
        let replay = self.replay_token().map(str::to_string);
        let strategy: Box<dyn strategy::Strategy> = match &replay {
            Some(token) => match token.parse::<Schedule>() {
                Ok(schedule) => Box::new(strategy::Replay::new(&schedule)),
                Err(e) => return Err(failure(FailureKind::Replay, Schedule::default(), 0, true, format!("{e}\n"))),
            },
            None => build_strategy(&self),
        };
        let mut chooser = Chooser::new(strategy);
        let mut runner = Runner::new(self.stack_size, self.max_steps);
        let mut executions = 0;
        while chooser.begin() {
            executions += 1;
            let (back, verdict) = runner.run(&body, chooser);
            chooser = back;
            if let Some(v) = verdict {
                return Err(failure(v.kind, v.schedule, executions, replay.is_some(), v.body));
            }
        }
        Ok(Stats {
            executions,
            exhausted: replay.is_none() && chooser.exhausted(),
            elapsed: start.elapsed(),
            strategy: self.strategy,
            threads: 1,
            replayed: replay.is_some(),
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
        let outcome = config.explore(body);
        let verbose = std::env::var_os("GOWEAVE_STATS").is_some_and(|v| v != "0");
        match (expect, outcome) {
            (None, Ok(stats)) => {
                if verbose {
                    eprintln!("{stats}");
                }
            }
            (None, Err(failure)) => std::panic::panic_any(failure.to_string()),
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
