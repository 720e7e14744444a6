//! Exploration settings, their environment defaults, and the entry points.

use std::fmt;
use std::time::Duration;

/// How the interleavings of a test are explored.
///
/// ```
/// use goweave::{Config, Strategy};
/// let stats = Config::default()
///     .strategy(Strategy::Dfs { preemption_bound: None })
///     .explore(|| {
///         let h = goweave::go(|| 1 + 1);
///         assert_eq!(h.join().unwrap(), 2);
///     })
///     .unwrap();
/// assert!(stats.exhausted());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Strategy {
    /// Uniform random walk: every enabled task (and ready select arm) is
    /// equally likely at every step.
    Random,
    /// Probabilistic Concurrency Testing with bug depth `depth` (the number
    /// of ordering constraints a bug needs; 3 finds most real bugs).
    Pct {
        /// The bug depth d: PCT uses d - 1 priority change points.
        depth: usize,
    },
    /// Depth-first enumeration of every interleaving, optionally bounded
    /// to `preemption_bound` preemptive context switches per execution.
    Dfs {
        /// `None`: fully exhaustive.
        preemption_bound: Option<usize>,
    },
    /// The default: exhaustive search (DPOR) while it fits half of
    /// `iterations`; if the space is larger, the rest of the budget goes to
    /// PCT with depth 3 interleaved with random walk.
    #[default]
    Portfolio,
    /// Exhaustive enumeration without partial-order reduction: the
    /// reference DPOR is tested against. Not for users.
    #[doc(hidden)]
    NaiveDfs,
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Strategy::Random => f.write_str("random"),
            Strategy::Pct { depth } => write!(f, "pct (depth {depth})"),
            Strategy::Dfs { preemption_bound: None } => f.write_str("dfs"),
            Strategy::Dfs { preemption_bound: Some(b) } => write!(f, "dfs (preemption bound {b})"),
            Strategy::Portfolio => f.write_str("portfolio (dfs, then pct depth 3 + random)"),
            Strategy::NaiveDfs => f.write_str("naive dfs"),
        }
    }
}

impl std::str::FromStr for Strategy {
    type Err = String;

    /// `random`, `pct`, `pct:D`, `dfs`, `dfs:B` (preemption bound) or `portfolio`.
    fn from_str(s: &str) -> Result<Strategy, String> {
        let (name, arg) = match s.split_once(':') {
            Some((n, a)) => (n, Some(a)),
            None => (s, None),
        };
        let number = |a: &str| a.parse::<usize>().map_err(|_| format!("{a:?} is not a number"));
        match (name, arg) {
            ("random", None) => Ok(Strategy::Random),
            ("portfolio", None) => Ok(Strategy::Portfolio),
            ("pct", None) => Ok(Strategy::Pct { depth: 3 }),
            ("pct", Some(a)) => match number(a)? {
                0 => Err("the PCT depth must be at least 1".into()),
                depth => Ok(Strategy::Pct { depth }),
            },
            ("dfs", None) => Ok(Strategy::Dfs { preemption_bound: None }),
            ("dfs", Some(a)) => Ok(Strategy::Dfs { preemption_bound: Some(number(a)?) }),
            _ => Err(format!(
                "unknown strategy {s:?}: use random, pct, pct:DEPTH, dfs, dfs:PREEMPTION_BOUND or portfolio"
            )),
        }
    }
}

/// Settings of one exploration. Builders take and return `self`.
///
/// `Config::default()` reads `GOWEAVE_SEED`, `GOWEAVE_ITERATIONS`,
/// `GOWEAVE_STRATEGY`, `GOWEAVE_THREADS`, `GOWEAVE_SHARD` and
/// `GOWEAVE_MINIMIZE` as defaults
/// (builder calls win over them) and `GOWEAVE_REPLAY`, which wins over
/// everything and runs only that schedule. A malformed value panics with a
/// message naming the variable. `GOWEAVE_TRACE`, `GOWEAVE_REGRESSIONS` and
/// `GOWEAVE_PROGRESS` set the defaults of [`Config::trace_to`],
/// [`Config::regressions_dir`] and [`Config::progress`].
///
/// ```
/// let stats = goweave::Config::default()
///     .strategy(goweave::Strategy::Pct { depth: 2 })
///     .iterations(50)
///     .seed(7)
///     .check(|| {
///         let (tx, rx) = goweave::chan::<u8>(1);
///         goweave::go(move || tx.send(1));
///         assert_eq!(rx.recv(), Some(1));
///     });
/// assert_eq!(stats.executions(), 50);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Config {
    pub(crate) strategy: Strategy,
    pub(crate) iterations: u64,
    pub(crate) seed: u64,
    pub(crate) max_steps: u64,
    pub(crate) threads: usize,
    pub(crate) shard: Option<(u64, u64)>,
    pub(crate) replay: Option<String>,
    pub(crate) env_replay: Option<String>,
    pub(crate) stack_size: usize,
    pub(crate) test_name: Option<String>,
    pub(crate) potential_deadlocks: bool,
    pub(crate) timer_bound: usize,
    pub(crate) race_checks: bool,
    /// Where to write the Chrome trace of a failure.
    pub(crate) trace_to: Option<std::path::PathBuf>,
    /// Where `#[concurrency_test]` failures are saved and replayed from.
    pub(crate) regressions: crate::regressions::Setting,
    /// Whether a long exploration may show a progress line on a terminal.
    pub(crate) progress: bool,
    /// Schedule minimization after a failure (`crate::minimize`).
    pub(crate) minimize: bool,
    pub(crate) minimize_budget: u64,
}

/// The default number of executions.
pub const DEFAULT_ITERATIONS: u64 = 10_000;
/// The default budget of schedule minimization, in replays: a few
/// milliseconds to a few hundred on the examples in a debug build (see
/// `Config::minimize_budget`).
pub const DEFAULT_MINIMIZE_BUDGET: u64 = 200;
/// The default bound on scheduling steps in one execution.
pub const DEFAULT_MAX_STEPS: u64 = 100_000;

fn env_var(name: &str) -> Option<String> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => Some(v.trim().to_string()),
        Ok(_) => None,
        Err(std::env::VarError::NotPresent) => None,
        Err(std::env::VarError::NotUnicode(_)) => panic!("{name} is not valid UTF-8"),
    }
}

fn env_parse<T: std::str::FromStr>(name: &str, what: &str) -> Option<T> {
    env_var(name).map(|v| v.parse().unwrap_or_else(|_| panic!("{name}={v:?} is not valid: expected {what}")))
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

/// `GOWEAVE_MINIMIZE`: `off`/`0`/`false` or `on`/`1`/`true`.
fn env_minimize() -> Option<bool> {
    env_var("GOWEAVE_MINIMIZE").map(|v| match v.to_ascii_lowercase().as_str() {
        "off" | "0" | "false" | "no" => false,
        "on" | "1" | "true" | "yes" => true,
        _ => panic!("GOWEAVE_MINIMIZE={v:?} is not valid: expected off or on"),
    })
}

impl Default for Config {
    fn default() -> Config {
        let strategy = env_var("GOWEAVE_STRATEGY").map(|v| {
            v.parse::<Strategy>().unwrap_or_else(|e| panic!("GOWEAVE_STRATEGY={v:?} is not valid: {e}"))
        });
        let shard = env_var("GOWEAVE_SHARD")
            .map(|v| parse_shard(&v).unwrap_or_else(|e| panic!("GOWEAVE_SHARD is not valid: {e}")));
        let threads = env_parse::<usize>("GOWEAVE_THREADS", "a number of threads, at least 1");
        if threads == Some(0) {
            panic!("GOWEAVE_THREADS=0 is not valid: expected at least 1 thread");
        }
        let iterations = env_parse::<u64>("GOWEAVE_ITERATIONS", "a number of executions");
        if iterations == Some(0) {
            panic!("GOWEAVE_ITERATIONS=0 is not valid: expected at least 1 execution");
        }
        Config {
            strategy: strategy.unwrap_or_default(),
            iterations: iterations.unwrap_or(DEFAULT_ITERATIONS),
            seed: env_parse("GOWEAVE_SEED", "an unsigned 64-bit integer").unwrap_or(0),
            max_steps: DEFAULT_MAX_STEPS,
            threads: threads.unwrap_or_else(available_parallelism),
            shard,
            replay: None,
            env_replay: env_var("GOWEAVE_REPLAY"),
            stack_size: 128 * 1024,
            test_name: None,
            potential_deadlocks: true,
            timer_bound: 3,
            race_checks: true,
            trace_to: crate::trace_export::env_trace_path(),
            regressions: crate::regressions::Setting::from_env(),
            progress: env_var("GOWEAVE_PROGRESS")
                .is_none_or(|v| !matches!(v.as_str(), "0" | "off" | "false")),
            minimize: env_minimize().unwrap_or(true),
            minimize_budget: DEFAULT_MINIMIZE_BUDGET,
        }
    }
}

impl Config {
    /// The exploration strategy (default: [`Strategy::Portfolio`];
    /// environment: `GOWEAVE_STRATEGY`, e.g. `pct:3` or `dfs`).
    pub fn strategy(mut self, strategy: Strategy) -> Config {
        self.strategy = strategy;
        self
    }

    /// The maximum number of executions, for every strategy, exhaustive
    /// search included (default 10,000; environment: `GOWEAVE_ITERATIONS`).
    pub fn iterations(mut self, iterations: u64) -> Config {
        assert!(iterations > 0, "Config::iterations must be at least 1");
        self.iterations = iterations;
        self
    }

    /// The seed of random and PCT exploration (default 0, so runs are
    /// reproducible; environment: `GOWEAVE_SEED`).
    pub fn seed(mut self, seed: u64) -> Config {
        self.seed = seed;
        self
    }

    /// The bound on scheduling steps in one execution (default 100,000).
    /// A body that runs longer is a `Nontermination` failure; a task still
    /// running after the body returned is a `Leak`.
    pub fn max_steps(mut self, max_steps: u64) -> Config {
        assert!(max_steps > 0, "Config::max_steps must be at least 1");
        self.max_steps = max_steps;
        self
    }

    /// Worker threads for parallel exploration (default: the available
    /// parallelism; environment: `GOWEAVE_THREADS`). Executions of random
    /// and PCT exploration are split across threads by seed.
    pub fn threads(mut self, threads: usize) -> Config {
        assert!(threads > 0, "Config::threads must be at least 1");
        self.threads = threads;
        self
    }

    /// Explores only shard `index` of `count` of the space (environment:
    /// `GOWEAVE_SHARD=index/count`), to spread one exploration over machines.
    pub fn shard(mut self, index: u64, count: u64) -> Config {
        assert!(count > 0 && index < count, "Config::shard needs index < count");
        self.shard = Some((index, count));
        self
    }

    /// Runs exactly the schedule of a replay token (`gw1:...`) instead of
    /// exploring. `GOWEAVE_REPLAY`, when set, wins even over this.
    pub fn replay(mut self, token: impl Into<String>) -> Config {
        self.replay = Some(token.into());
        self
    }

    /// The stack size of each task's coroutine (default 128 KiB).
    pub fn stack_size(mut self, bytes: usize) -> Config {
        self.stack_size = bytes.max(16 * 1024);
        self
    }

    /// Whether to report lock-order inversions as `PotentialDeadlock`
    /// (default: on). Locks taken in opposite orders by different tasks in
    /// any executions of the exploration are reported when the exploration
    /// ends without another failure, even if none of them deadlocked.
    pub fn potential_deadlocks(mut self, check: bool) -> Config {
        self.potential_deadlocks = check;
        self
    }

    /// Whether to check `Shared` accesses and WaitGroup use for data races
    /// (default: on). The check runs only in executions that touch a
    /// `Shared` variable or a WaitGroup, so it costs nothing elsewhere.
    pub fn race_checks(mut self, check: bool) -> Config {
        self.race_checks = check;
        self
    }

    /// Under exhaustive search, how many times per execution a timer may
    /// fire early, while some task could still run (default 3). Firings
    /// when every task is blocked are not choices and do not count.
    pub fn timer_bound(mut self, bound: usize) -> Config {
        self.timer_bound = bound;
        self
    }

    /// Writes the failing execution, if any, as a Chrome trace-event JSON
    /// file at `path` (environment: `GOWEAVE_TRACE=path.json`): one track
    /// per task, its blocked intervals, its events, and arrows from channel
    /// sends to their receives. Open it in <https://ui.perfetto.dev> or
    /// chrome://tracing.
    pub fn trace_to(mut self, path: impl Into<std::path::PathBuf>) -> Config {
        self.trace_to = Some(path.into());
        self
    }

    /// The directory of regression files for `#[concurrency_test]` (default:
    /// `goweave-regressions` in the crate's directory; environment:
    /// `GOWEAVE_REGRESSIONS=<dir>`, or `off`). An unexpected failure's
    /// token is saved in `<dir>/<test path>.txt`, and every later run of
    /// the test replays the saved tokens before it explores.
    pub fn regressions_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Config {
        self.regressions = crate::regressions::Setting::At(dir.into());
        self
    }

    /// Turns regression files off (`false`) or back to their default
    /// directory (`true`); see [`Config::regressions_dir`].
    pub fn regressions(mut self, on: bool) -> Config {
        self.regressions =
            if on { crate::regressions::Setting::Default } else { crate::regressions::Setting::Off };
        self
    }

    /// Whether an exploration that runs longer than two seconds shows a
    /// live progress line on stderr when stderr is a terminal (default: on;
    /// environment: `GOWEAVE_PROGRESS=off`).
    pub fn progress(mut self, on: bool) -> Config {
        self.progress = on;
        self
    }

    /// Whether to minimize a failure's schedule (default: on; environment:
    /// `GOWEAVE_MINIMIZE=off` turns it off). After a failure, goweave
    /// replays variations of the failing execution and reports the one
    /// that fails the same way with the fewest preemptive context switches;
    /// the report says "minimized from N to M context switches in K
    /// replays" and its token is the minimized schedule. Replays are never
    /// minimized again.
    pub fn minimize(mut self, minimize: bool) -> Config {
        self.minimize = minimize;
        self
    }

    /// The most replays schedule minimization may run (default 200). A
    /// count rather than a time, so the minimized schedule is the same on
    /// every machine; 0 turns minimization off.
    pub fn minimize_budget(mut self, replays: u64) -> Config {
        self.minimize_budget = replays;
        self
    }

    /// The test's name, shown in the replay instructions of reports.
    #[doc(hidden)]
    pub fn test_name(mut self, name: impl Into<String>) -> Config {
        self.test_name = Some(name.into());
        self
    }

    /// The replay token in force, if any: the environment's first.
    pub(crate) fn replay_token(&self) -> Option<&str> {
        self.env_replay.as_deref().or(self.replay.as_deref())
    }
}

/// What an exploration did when it found no failure.
#[derive(Clone, Debug)]
pub struct Stats {
    pub(crate) executions: u64,
    pub(crate) exhausted: bool,
    pub(crate) elapsed: Duration,
    pub(crate) strategy: Strategy,
    pub(crate) threads: usize,
    pub(crate) replayed: bool,
    pub(crate) steps: u64,
    pub(crate) exhausted_within_bounds: bool,
    /// Default portfolio: executions of its exhaustive phase, and whether
    /// that phase covered the whole space.
    pub(crate) portfolio: Option<(u64, bool)>,
}

impl Stats {
    /// Every run of the body, summed over threads.
    pub fn executions(&self) -> u64 {
        self.executions
    }

    /// True only when an exhaustive search covered the whole space.
    pub fn exhausted(&self) -> bool {
        self.exhausted
    }

    /// True when an exhaustive search covered its whole space up to its
    /// bounds (`preemption_bound`, `timer_bound`): `exhausted()` is then
    /// false if a bound cut something off.
    pub fn exhausted_within_bounds(&self) -> bool {
        self.exhausted_within_bounds
    }

    /// Scheduling steps taken, summed over every execution and thread.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Wall-clock time of the exploration.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// For the default portfolio: `Some(true)` if its exhaustive phase
    /// covered the whole space, `Some(false)` if the space was larger and
    /// the rest of the budget went to PCT and random walk.
    pub fn portfolio_exhausted(&self) -> Option<bool> {
        self.portfolio.map(|p| p.1)
    }

    /// The strategy that ran.
    pub fn strategy(&self) -> Strategy {
        self.strategy
    }

    /// The number of OS threads that ran executions.
    pub fn threads(&self) -> usize {
        self.threads
    }
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.replayed {
            return write!(f, "goweave: replayed 1 schedule, no failure ({:.2?})", self.elapsed);
        }
        if let Some((exhaustive, exhausted)) = self.portfolio {
            return if exhausted {
                write!(
                    f,
                    "goweave: {} executions, space exhausted by dfs, {:.2?}, no failure",
                    self.executions, self.elapsed
                )
            } else {
                write!(
                    f,
                    "goweave: {} executions: the space is larger than {exhaustive} exhaustive executions, \
                     then {} with pct + random on {} thread{}, {:.2?}, no failure",
                    self.executions,
                    self.executions - exhaustive,
                    self.threads,
                    if self.threads == 1 { "" } else { "s" },
                    self.elapsed
                )
            };
        }
        write!(
            f,
            "goweave: {} executions, {}strategy {}, {} thread{}, {:.2?}, no failure",
            self.executions,
            if self.exhausted {
                "space exhausted, "
            } else if self.exhausted_within_bounds {
                "space exhausted up to the bounds, "
            } else {
                ""
            },
            self.strategy,
            self.threads,
            if self.threads == 1 { "" } else { "s" },
            self.elapsed
        )
    }
}

/// The machine's parallelism, asked once: the standard library reads cgroup
/// files for it on every call, which a test calling `explore` in a loop
/// would pay each time.
fn available_parallelism() -> usize {
    static PARALLELISM: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *PARALLELISM.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}
