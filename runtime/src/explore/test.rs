//! What `#[concurrency_test]` expands to: explore, then pass or panic
//! with the report, honouring `expect` and the regression file.

use super::registered_twice::{self, Registration};
use super::regressions;
use super::BodyResult;
use crate::config::Config;
use crate::failure::FailureKind;
use crate::rt::Body;

/// Runs one `#[concurrency_test]`: explores, then passes or panics with
/// the report, honouring `expect`. A test registered twice (`#[test]`
/// written above the attribute) explores once: see `registered_twice`.
#[track_caller]
pub fn run_test<F, R>(config: Config, name: &'static str, expect: Option<&'static str>, body: F)
where
    F: Fn() -> R + Send + Sync + 'static,
    R: BodyResult,
{
    // module_path! starts with the crate's name, which `cargo test`
    // filters do not include.
    let short = name.split_once("::").map_or(name, |(_, rest)| rest);
    // The panics are here, not in a callee, so that they are located at
    // the test (this function is `#[track_caller]`).
    match registered_twice::register(short) {
        Registration::Explore(recorder) => {
            let outcome = explore_test(config.test_name(short), name, expect, body);
            recorder.record(outcome.as_ref().err().map(String::as_str));
            if let Err(report) = outcome {
                std::panic::panic_any(report)
            }
        }
        Registration::Again(outcome) => {
            if let Some(report) = Registration::outcome(&outcome, short) {
                std::panic::panic_any(report)
            }
        }
    }
}

/// Explores the test `name` (with `config` named for it): `Err` with the
/// report it fails with.
fn explore_test<F, R>(
    config: Config,
    name: &'static str,
    expect: Option<&'static str>,
    body: F,
) -> Result<(), String>
where
    F: Fn() -> R + Send + Sync + 'static,
    R: BodyResult,
{
    let body: Body = std::sync::Arc::new(move || body().into_body_result());
    // Saved failures replay first; only unexpected failures are saved.
    let regressions = expect.is_none().then(|| regressions::File::for_test(&config, name)).flatten();
    if let Some(report) = regressions.as_ref().and_then(|file| file.replay_saved(&config, &body)) {
        return Err(report);
    }
    let outcome = config.explore_body(body);
    let verbose = crate::config::env_stats();
    match (expect, outcome) {
        (None, Ok(stats)) => {
            if verbose {
                eprintln!("{stats}");
            }
            Ok(())
        }
        (None, Err(failure)) => {
            if let Some(file) = &regressions {
                file.save(&failure);
            }
            Err(failure.to_string())
        }
        (Some(want), Ok(stats)) => Err(format!(
            "goweave: expected {} but found no failure ({stats}). Raise `iterations`, try \
             `strategy = \"dfs\"`, or check that the bug is still there.",
            if want == "any" { "a failure".to_string() } else { format!("a {want} failure") }
        )),
        (Some(want), Err(failure)) => {
            let matches = want == "any" || FailureKind::from_expect_name(want) == Some(failure.kind());
            if !matches {
                return Err(format!(
                    "goweave: expected a {want} failure, but found a {} failure:\n{failure}",
                    failure.kind()
                ));
            }
            if verbose {
                eprintln!("goweave: found the expected {} failure:\n{failure}", failure.kind());
            }
            Ok(())
        }
    }
}
