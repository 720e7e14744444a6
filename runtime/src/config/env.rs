//! Every `GOWEAVE_*` environment variable, read here and nowhere else.
//!
//! Each variable is parsed one way: empty or unset means "not set"; a
//! switch takes `on`/`off` (or `1`/`0`, `true`/`false`, `yes`/`no`); a
//! malformed value panics with a message naming the variable and what it
//! expects, so a typo in CI never silently changes what is tested.

use std::path::PathBuf;

use super::{Regressions, Strategy};

/// The settings the environment gives `Config::default()`.
#[derive(Debug, Default)]
pub(crate) struct Env {
    /// `GOWEAVE_STRATEGY`: `random`, `pct`, `pct:D`, `dfs`, `dfs:B`, `portfolio`.
    pub strategy: Option<Strategy>,
    /// `GOWEAVE_ITERATIONS`: executions, at least 1.
    pub iterations: Option<u64>,
    /// `GOWEAVE_SEED`: the seed of random and PCT exploration.
    pub seed: Option<u64>,
    /// `GOWEAVE_THREADS`: exploration threads, at least 1.
    pub threads: Option<usize>,
    /// `GOWEAVE_SHARD`: `i/n`, this machine's part of the space.
    pub shard: Option<(u64, u64)>,
    /// `GOWEAVE_REPLAY`: a token to run instead of exploring.
    pub replay: Option<String>,
    /// `GOWEAVE_MINIMIZE`: a switch.
    pub minimize: Option<bool>,
    /// `GOWEAVE_PROGRESS`: a switch.
    pub progress: Option<bool>,
    /// `GOWEAVE_TRACE`: where to write a failure's Chrome trace.
    pub trace: Option<PathBuf>,
    /// `GOWEAVE_REGRESSIONS`: a directory, or a switch (`off`; `on` is the
    /// default directory).
    pub regressions: Option<Regressions>,
}

/// Reads every variable that sets a default of `Config`.
pub(crate) fn read() -> Env {
    let strategy = var("GOWEAVE_STRATEGY").map(|v| {
        v.parse::<Strategy>().unwrap_or_else(|e| panic!("GOWEAVE_STRATEGY={v:?} is not valid: {e}"))
    });
    let shard = var("GOWEAVE_SHARD")
        .map(|v| parse_shard(&v).unwrap_or_else(|e| panic!("GOWEAVE_SHARD is not valid: {e}")));
    let threads = parse::<usize>("GOWEAVE_THREADS", "a number of threads, at least 1");
    if threads == Some(0) {
        panic!("GOWEAVE_THREADS=0 is not valid: expected at least 1 thread");
    }
    let iterations = parse::<u64>("GOWEAVE_ITERATIONS", "a number of executions");
    if iterations == Some(0) {
        panic!("GOWEAVE_ITERATIONS=0 is not valid: expected at least 1 execution");
    }
    let regressions = var("GOWEAVE_REGRESSIONS").map(|v| match switch_value(&v) {
        Some(false) => Regressions::Off,
        Some(true) => Regressions::Default,
        None => Regressions::At(PathBuf::from(v)),
    });
    Env {
        strategy,
        iterations,
        seed: parse("GOWEAVE_SEED", "an unsigned 64-bit integer"),
        threads,
        shard,
        replay: var("GOWEAVE_REPLAY"),
        minimize: switch("GOWEAVE_MINIMIZE"),
        progress: switch("GOWEAVE_PROGRESS"),
        trace: var("GOWEAVE_TRACE").map(PathBuf::from),
        regressions,
    }
}

/// `GOWEAVE_STATS`: whether `#[concurrency_test]` prints its statistics
/// line (and the report of an expected failure) on success.
pub(crate) fn stats() -> bool {
    switch("GOWEAVE_STATS").unwrap_or(false)
}

/// The variable's value, trimmed; `None` when unset or empty.
fn var(name: &str) -> Option<String> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => Some(v.trim().to_string()),
        Ok(_) => None,
        Err(std::env::VarError::NotPresent) => None,
        Err(std::env::VarError::NotUnicode(_)) => panic!("{name} is not valid UTF-8"),
    }
}

/// The variable parsed as a `T`, described as `what` if it does not parse.
fn parse<T: std::str::FromStr>(name: &str, what: &str) -> Option<T> {
    var(name).map(|v| v.parse().unwrap_or_else(|_| panic!("{name}={v:?} is not valid: expected {what}")))
}

/// The variable as a switch.
fn switch(name: &str) -> Option<bool> {
    var(name)
        .map(|v| switch_value(&v).unwrap_or_else(|| panic!("{name}={v:?} is not valid: expected on or off")))
}

/// `on`/`1`/`true`/`yes` or `off`/`0`/`false`/`no`, in any case.
fn switch_value(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "on" | "1" | "true" | "yes" => Some(true),
        "off" | "0" | "false" | "no" => Some(false),
        _ => None,
    }
}

/// Parses `i/n` with `0 <= i < n`.
pub(crate) fn parse_shard(v: &str) -> Result<(u64, u64), String> {
    let bad = || format!("{v:?} is not a shard: expected i/n with 0 <= i < n, such as 0/4");
    let (i, n) = v.split_once('/').ok_or_else(bad)?;
    let (i, n): (u64, u64) = (i.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
    if n == 0 || i >= n {
        return Err(bad());
    }
    Ok((i, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switches_read_one_way() {
        for on in ["on", "1", "true", "YES"] {
            assert_eq!(switch_value(on), Some(true), "{on}");
        }
        for off in ["off", "0", "False", "no"] {
            assert_eq!(switch_value(off), Some(false), "{off}");
        }
        assert_eq!(switch_value("maybe"), None);
    }

    #[test]
    fn shards_are_i_of_n() {
        assert_eq!(parse_shard("1/4"), Ok((1, 4)));
        assert_eq!(parse_shard(" 0 / 2 "), Ok((0, 2)));
        for bad in ["4/4", "1", "a/b", "0/0"] {
            assert!(parse_shard(bad).unwrap_err().contains("is not a shard"), "{bad}");
        }
    }
}
