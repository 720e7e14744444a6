//! Every `GOWEAVE_*` environment variable, read here and nowhere else.
//!
//! Each variable is parsed one way: empty or unset means "not set"; a
//! switch takes `on`/`off` (or `1`/`0`, `true`/`false`, `yes`/`no`); a
//! malformed value panics with a message naming the variable and what it
//! expects, so a typo in CI never silently changes what is tested.

use std::path::PathBuf;
use std::time::Duration;

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
    /// `GOWEAVE_EARLY_TIMERS`: a duration (`0`, `250ms`, `2s`) or `max`.
    pub early_timers: Option<Duration>,
    /// `GOWEAVE_STEP_TIMEOUT`: a duration; `0` turns the watchdog off.
    pub step_timeout: Option<Duration>,
    /// `GOWEAVE_MAX_TIME`: a duration; `0` or `max` is off.
    pub max_time: Option<Duration>,
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
        early_timers: var("GOWEAVE_EARLY_TIMERS").map(|v| {
            parse_duration(&v).unwrap_or_else(|e| panic!("GOWEAVE_EARLY_TIMERS={v:?} is not valid: {e}"))
        }),
        step_timeout: var("GOWEAVE_STEP_TIMEOUT").map(|v| {
            parse_duration(&v).unwrap_or_else(|e| panic!("GOWEAVE_STEP_TIMEOUT={v:?} is not valid: {e}"))
        }),
        max_time: var("GOWEAVE_MAX_TIME").map(|v| {
            parse_duration(&v).unwrap_or_else(|e| panic!("GOWEAVE_MAX_TIME={v:?} is not valid: {e}"))
        }),
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

/// Parses a duration: `max`, `0`, or a number with a unit (`ns`, `us`,
/// `ms`, `s`, `m`, `h`), such as `250ms`, `1.5s` or `2m`.
pub(crate) fn parse_duration(v: &str) -> Result<Duration, String> {
    let v = v.trim();
    if v == "max" {
        return Ok(Duration::MAX);
    }
    if v == "0" {
        return Ok(Duration::ZERO);
    }
    let bad = || {
        format!(
            "{v:?} is not a duration: expected max, 0, or a number and a unit (ns, us, ms, s, m, h), \
             such as 250ms, 1.5s or 2s"
        )
    };
    let split = v.find(|c: char| !(c.is_ascii_digit() || c == '.')).ok_or_else(bad)?;
    let (number, unit) = v.split_at(split);
    let nanos_per_unit: u128 = match unit.trim() {
        "ns" => 1,
        "us" | "µs" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => return Err(bad()),
    };
    // Exact decimal arithmetic: 0.1s is 100 ms, not a float's neighbour.
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() || fraction.contains('.') || fraction.len() > 18 {
        return Err(bad());
    }
    let digits = |d: &str| if d.is_empty() { Ok(0) } else { d.parse::<u128>().map_err(|_| bad()) };
    let scale = 10u128.pow(fraction.len() as u32);
    let nanos = digits(whole)?
        .checked_mul(nanos_per_unit)
        .and_then(|n| n.checked_add(digits(fraction).ok()? * nanos_per_unit / scale))
        .ok_or_else(bad)?;
    let secs = u64::try_from(nanos / 1_000_000_000).map_err(|_| bad())?;
    Ok(Duration::new(secs, (nanos % 1_000_000_000) as u32))
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
    fn durations_take_a_unit_or_max() {
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("3m"), Ok(Duration::from_secs(180)));
        assert_eq!(parse_duration("0.1s"), Ok(Duration::from_millis(100)));
        assert_eq!(parse_duration(".5ms"), Ok(Duration::from_micros(500)));
        assert_eq!(parse_duration("max"), Ok(Duration::MAX));
        let huge = "9".repeat(40) + "h";
        for bad in ["", "100", "ms", "10 parsecs", "-1s", "1e3s", ".s", "1.2.3s", &huge] {
            assert!(parse_duration(bad).unwrap_err().contains("is not a duration"), "{bad}");
        }
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
