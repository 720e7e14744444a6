//! Helpers shared by the checker test binaries (races, deadlocks, leaks).

use goweave::{Config, Failure, FailureKind, Strategy};

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
#[allow(dead_code)] // not every binary expects a whole failure this way
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
