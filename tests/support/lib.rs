//! The helpers shared by goweave's test binaries: the library of the
//! `goweave-tests` package, so every binary of `tests/` links the same copy
//! (`use support::...`).
//!
//! - For the checkers (races, deadlocks, leaks): [`dfs`], [`marker_line`],
//!   [`assert_replays`], [`expect_failure`].
//! - For the tests that compare what explorations reach (`dpor*`):
//!   [`outcome_set`], [`exhaustive_outcomes`].

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use goweave::{Config, Failure, FailureKind, Stats, Strategy};

/// Exhaustive depth-first search, with room to finish.
pub fn dfs() -> Config {
    Config::default().strategy(Strategy::Dfs { preemption_bound: None }).iterations(1_000_000)
}

/// The line (1-based) of `source` that ends with `// @marker`; a marker
/// alone on its line (where rustfmt puts a comment after an opening brace)
/// names the line above.
pub fn marker_line(source: &str, marker: &str) -> usize {
    let tag = format!("// @{marker}");
    let lines: Vec<usize> = source
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim_end().ends_with(&tag))
        .map(|(i, l)| if l.trim_start().starts_with("//") { i } else { i + 1 })
        .collect();
    assert_eq!(lines.len(), 1, "marker {tag} must be on exactly one line");
    lines[0]
}

/// Replaying the token under the same settings (as `GOWEAVE_REPLAY` or
/// `replay = "..."` on the same test would) gives the same kind, report and
/// token.
pub fn assert_replays<F>(config: Config, failure: &Failure, body: F)
where
    F: Fn() + Send + Sync + 'static,
{
    let token = failure.schedule().to_string();
    assert!(token.starts_with("gw1:") && !token.contains(char::is_whitespace), "{token}");
    let again = config.replay(token.clone()).explore(body).expect_err("the replay passed");
    assert_eq!(again.kind(), failure.kind(), "{again}");
    assert_eq!(again.details(), failure.details(), "the replayed report differs");
    assert_eq!(again.schedule().to_string(), token);
}

/// Explores with `config`, expects a failure of `kind`, checks its replay,
/// and returns the report.
pub fn expect_failure<F>(config: Config, kind: FailureKind, body: F) -> String
where
    F: Fn() + Send + Sync + Copy + 'static,
{
    let failure = match config.clone().explore(body) {
        Ok(stats) => panic!("missed the {kind} failure: {stats}"),
        Err(failure) => failure,
    };
    assert_eq!(failure.kind(), kind, "{failure}");
    assert_replays(config, &failure, body);
    failure.to_string()
}

/// Explores `body` with `config` and collects the distinct values it
/// returned: every outcome the exploration reached, with its statistics.
pub fn outcome_set<T: Ord + Send + 'static>(
    config: Config,
    body: impl Fn() -> T + Send + Sync + 'static,
) -> Result<(BTreeSet<T>, Stats), Failure> {
    let seen = Arc::new(Mutex::new(BTreeSet::new()));
    let s = seen.clone();
    let stats = config.explore(move || {
        let outcome = body();
        s.lock().unwrap().insert(outcome);
    })?;
    let seen = std::mem::take(&mut *seen.lock().unwrap());
    Ok((seen, stats))
}

/// [`outcome_set`] for a search that must find no failure and cover its
/// whole space: the outcomes and how many executions it took.
pub fn exhaustive_outcomes<T: Ord + Send + 'static>(
    config: Config,
    body: impl Fn() -> T + Send + Sync + 'static,
) -> (BTreeSet<T>, u64) {
    let (seen, stats) = outcome_set(config, body).unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted(), "{}: not exhausted in {} executions", stats.strategy(), stats.executions());
    (seen, stats.executions())
}
