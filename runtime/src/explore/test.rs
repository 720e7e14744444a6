//! What `#[concurrency_test]` expands to: explore, then pass or panic
//! with the report, honouring `expect` and the regression file.

use super::regressions;
use super::BodyResult;
use crate::config::Config;
use crate::failure::FailureKind;
use crate::rt::Body;

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
    let regressions = expect.is_none().then(|| regressions::File::for_test(&config, name)).flatten();
    if let Some(report) = regressions.as_ref().and_then(|file| file.replay_saved(&config, &body)) {
        std::panic::panic_any(report);
    }
    let outcome = config.explore_body(body);
    let verbose = crate::config::env_stats();
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
