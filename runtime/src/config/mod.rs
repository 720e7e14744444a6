//! Exploration settings: [`Config`], the [`Strategy`] it names, and the
//! [`Stats`] an exploration returns. `env` reads every `GOWEAVE_*`
//! variable; nothing else in the crate reads the environment.

mod env;
mod stats;
mod strategy;

pub(crate) use env::stats as env_stats;
pub use stats::Stats;
pub use strategy::Strategy;

use std::path::PathBuf;

/// The default stack of a task's coroutine: 2 MiB, as a std thread's, so
/// ordinary recursion that works on a thread works in a task.
pub const DEFAULT_STACK_SIZE: usize = 2 << 20;

/// Settings of one exploration. Builders take and return `self`.
///
/// `Config::default()` reads `GOWEAVE_SEED`, `GOWEAVE_ITERATIONS`,
/// `GOWEAVE_STRATEGY`, `GOWEAVE_THREADS`, `GOWEAVE_SHARD` and
/// `GOWEAVE_MINIMIZE` as defaults
/// (builder calls win over them) and `GOWEAVE_REPLAY`, which wins over
/// everything and runs only that schedule. A malformed value panics with a
/// message naming the variable. `GOWEAVE_TRACE`, `GOWEAVE_REGRESSIONS` and
/// `GOWEAVE_PROGRESS` set the defaults of [`Config::trace_to`],
/// [`Config::regressions_dir`] and [`Config::progress`]. Switches
/// (`GOWEAVE_MINIMIZE`, `GOWEAVE_PROGRESS`, `GOWEAVE_STATS`) take `on` or
/// `off` (also `1`/`0`, `true`/`false`, `yes`/`no`).
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
    /// The longest time to its deadline at which a timer may fire while
    /// some task can still run.
    pub(crate) early_timers: std::time::Duration,
    /// `Config::step_timeout`: zero is off.
    pub(crate) step_timeout: std::time::Duration,
    /// `Config::max_time`.
    pub(crate) max_time: Option<std::time::Duration>,
    /// When `max_time` runs out: set by `explore` as it starts.
    pub(crate) deadline: Option<std::time::Instant>,
    /// Where to write the Chrome trace of a failure.
    pub(crate) trace_to: Option<std::path::PathBuf>,
    /// Where `#[concurrency_test]` failures are saved and replayed from.
    pub(crate) regressions: Regressions,
    /// Whether a long exploration may show a progress line on a terminal.
    pub(crate) progress: bool,
    /// Schedule minimization after a failure (`report::minimize`).
    pub(crate) minimize: bool,
    pub(crate) minimize_budget: u64,
    /// `Config::split_after`.
    pub(crate) split_after: u64,
}

/// The default number of executions.
pub const DEFAULT_ITERATIONS: u64 = 10_000;
/// The default budget of schedule minimization, in replays: a few
/// milliseconds to a few hundred on the examples in a debug build (see
/// `Config::minimize_budget`).
pub const DEFAULT_MINIMIZE_BUDGET: u64 = 200;
/// How many executions an exhaustive search runs on one thread before it
/// gives work to its other threads (see `Config::split_after`): a search
/// that ends sooner (most tests) never starts them, and keeps the counts
/// and the report of one thread.
pub const DEFAULT_SPLIT_AFTER: u64 = 1_000;
/// The default bound on scheduling steps in one execution.
pub const DEFAULT_MAX_STEPS: u64 = 100_000;
/// The default of [`Config::step_timeout`]: 10 s.
pub const DEFAULT_STEP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The default of [`Config::early_timers`]: 100 ms.
pub const DEFAULT_EARLY_TIMERS: std::time::Duration = std::time::Duration::from_millis(100);

/// How reports and `Stats` state the `early_timers` rule: "early timers up
/// to 100 ms".
pub(crate) fn early_timers_text(longest: std::time::Duration) -> String {
    if longest == std::time::Duration::MAX {
        return "early timers: any".to_string();
    }
    if longest.is_zero() {
        return "early timers: none".to_string();
    }
    let nanos = longest.as_nanos();
    let text = match nanos {
        n if n % 1_000_000_000 == 0 => format!("{} s", n / 1_000_000_000),
        n if n % 1_000_000 == 0 => format!("{} ms", n / 1_000_000),
        n if n % 1_000 == 0 => format!("{} us", n / 1_000),
        n => format!("{n} ns"),
    };
    format!("early timers up to {text}")
}

/// Where regression files go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Regressions {
    /// `goweave-regressions` in the directory of the crate under test
    /// (`CARGO_MANIFEST_DIR`); off when that is unknown.
    Default,
    /// No regression files.
    Off,
    /// This directory.
    At(PathBuf),
}

impl Regressions {
    /// The directory, if regression files are on.
    pub(crate) fn dir(&self) -> Option<PathBuf> {
        match self {
            Regressions::Default => std::env::var_os("CARGO_MANIFEST_DIR")
                .filter(|d| !d.is_empty())
                .map(|d| PathBuf::from(d).join("goweave-regressions")),
            Regressions::Off => None,
            Regressions::At(dir) => Some(dir.clone()),
        }
    }
}

impl Default for Config {
    fn default() -> Config {
        let env = env::read();
        Config {
            strategy: env.strategy.unwrap_or_default(),
            iterations: env.iterations.unwrap_or(DEFAULT_ITERATIONS),
            seed: env.seed.unwrap_or(0),
            max_steps: DEFAULT_MAX_STEPS,
            threads: env.threads.unwrap_or_else(available_parallelism),
            shard: env.shard,
            replay: None,
            env_replay: env.replay,
            stack_size: DEFAULT_STACK_SIZE,
            test_name: None,
            potential_deadlocks: true,
            timer_bound: 3,
            race_checks: true,
            early_timers: env.early_timers.unwrap_or(DEFAULT_EARLY_TIMERS),
            step_timeout: env.step_timeout.unwrap_or(DEFAULT_STEP_TIMEOUT),
            max_time: env.max_time.filter(|d| !d.is_zero() && *d != std::time::Duration::MAX),
            deadline: None,
            trace_to: env.trace,
            regressions: env.regressions.unwrap_or(Regressions::Default),
            progress: env.progress.unwrap_or(true),
            minimize: env.minimize.unwrap_or(true),
            minimize_budget: DEFAULT_MINIMIZE_BUDGET,
            split_after: DEFAULT_SPLIT_AFTER,
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
    #[track_caller]
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
    #[track_caller]
    pub fn max_steps(mut self, max_steps: u64) -> Config {
        assert!(max_steps > 0, "Config::max_steps must be at least 1");
        self.max_steps = max_steps;
        self
    }

    /// Worker threads for parallel exploration (default: the available
    /// parallelism; environment: `GOWEAVE_THREADS`). Executions of random
    /// and PCT exploration are split across threads by seed; exhaustive
    /// search (`Strategy::Dfs`) runs on one thread for its first
    /// [`DEFAULT_SPLIT_AFTER`] executions, and on until its estimated
    /// size reaches 50,000 executions, then shares its unexplored branches
    /// with the others by work stealing, keeping its reduction
    /// (`threads(1)` keeps it on one thread).
    #[track_caller]
    pub fn threads(mut self, threads: usize) -> Config {
        assert!(threads > 0, "Config::threads must be at least 1");
        self.threads = threads;
        self
    }

    /// How many executions an exhaustive search (`Strategy::Dfs`) over
    /// several threads runs on one thread before it gives branches to the
    /// others by work stealing (default [`DEFAULT_SPLIT_AFTER`]; `u64::MAX`:
    /// never), and only once the search looks large enough to be worth it:
    /// executions run over the part of its tree explored (Knuth's estimate)
    /// of at least 50,000; 0 splits at once, whatever the size. A search
    /// that ends sooner runs exactly as on one thread, with its counts. A
    /// stolen branch keeps its sleep set, its wakeup subtree and its place
    /// among its node's branches, so the threads keep the one-threaded
    /// reduction (lastzero(10): 3,328 on any number of threads); branches
    /// taken again where a late sequence needs them repeat executions
    /// (split from the first execution: up to 19% more for the semaphore
    /// pattern, 2.3 to 7 times the tee's 7,273; see BENCHMARKS.md).
    #[doc(hidden)]
    pub fn split_after(mut self, executions: u64) -> Config {
        self.split_after = executions;
        self
    }

    /// Explores only shard `index` of `count` of the space (environment:
    /// `GOWEAVE_SHARD=index/count`), to spread one exploration over machines.
    #[track_caller]
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

    /// The stack size of each task's coroutine (default
    /// [`DEFAULT_STACK_SIZE`], 2 MiB, a std thread's): at least 16 KiB.
    /// Stacks are mapped lazily and pooled, so a large size costs address
    /// space, not memory: only the pages a task touches are resident. A task
    /// that overflows its stack ends the process with a message naming it
    /// and this setting (attribute key `stack_size`; one task's stack:
    /// `Builder::stack_size`).
    ///
    /// ```
    /// let stats = goweave::Config::default().stack_size(8 << 20).iterations(1).explore(|| ()).unwrap();
    /// assert_eq!(stats.executions(), 1);
    /// ```
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

    /// The longest timer that may fire while some task can still run
    /// (default 100 ms; environment: `GOWEAVE_EARLY_TIMERS`, such as `0`,
    /// `250ms`, `2s` or `max`).
    ///
    /// Inside an exploration time is virtual, and firing a timer is one of
    /// the scheduler's moves. A timer whose deadline is at most this far
    /// away may fire early, while some task could still run: the work
    /// before it took longer than the timer. A timer further out fires only
    /// when no task can run, as in Go's `testing/synctest`, where
    /// computation takes no time. `Duration::ZERO` is synctest's rule;
    /// `Duration::MAX` lets every timer fire at any step.
    ///
    /// A failure that needed an early firing says so in its report (which
    /// timer, where it was made, and the tasks that could have run), and a
    /// replay token records a setting other than the default, so that it
    /// replays under it whatever the replaying configuration says.
    ///
    /// So a request deadline of 50 ms still races with the work it guards,
    /// and a watchdog of seconds never fires before the work it watches
    /// could have finished:
    ///
    /// ```
    /// use std::time::Duration;
    /// use goweave::{chan, select, Config};
    /// // A 5-second watchdog does not fire while the worker can still send.
    /// Config::default().check(|| {
    ///     let (tx, rx) = chan::<u32>(0);
    ///     goweave::go(move || tx.send(1));
    ///     select! {
    ///         recv(rx) -> v => assert_eq!(v, Some(1)),
    ///         recv(goweave::time::after(Duration::from_secs(5))) -> _ => panic!("watchdog"),
    ///     }
    /// });
    /// // A 50 ms deadline may: both outcomes are explored.
    /// let failure = Config::default()
    ///     .explore(|| {
    ///         let (tx, rx) = chan::<u32>(1);
    ///         goweave::go(move || tx.send(1));
    ///         select! {
    ///             recv(rx) -> _ => {}
    ///             recv(goweave::time::after(Duration::from_millis(50))) -> _ => panic!("timed out"),
    ///         }
    ///     })
    ///     .unwrap_err();
    /// assert!(failure.to_string().contains("fired early"));
    /// ```
    pub fn early_timers(mut self, longest: std::time::Duration) -> Config {
        self.early_timers = longest;
        self
    }

    /// Stops exploring once this much real time has passed (default: off;
    /// environment `GOWEAVE_MAX_TIME`, attribute key `max_time`; `0` or
    /// `max` is off). The execution under way finishes; the statistics
    /// line then says so: "stopped after 10 s: 2,315 of 10,000
    /// executions". Off by default, so what a test covers never depends
    /// on the machine unless asked; a failure found before is reported as
    /// usual. Replays ignore it.
    ///
    /// ```
    /// use std::time::Duration;
    /// let stats = goweave::Config::default()
    ///     .max_time(Duration::from_millis(1))
    ///     .explore(|| {
    ///         let h = goweave::go(|| std::thread::sleep(Duration::from_millis(2)));
    ///         h.join().unwrap();
    ///     })
    ///     .unwrap();
    /// assert!(stats.stopped_by_max_time());
    /// assert!(stats.to_string().contains("stopped after"));
    /// ```
    pub fn max_time(mut self, longest: std::time::Duration) -> Config {
        self.max_time = (!longest.is_zero() && longest != std::time::Duration::MAX).then_some(longest);
        self
    }

    /// The longest real time one scheduling step may take (default
    /// [`DEFAULT_STEP_TIMEOUT`], 10 s; `Duration::ZERO` turns the watchdog
    /// off; environment `GOWEAVE_STEP_TIMEOUT`, attribute key
    /// `step_timeout`). A step that takes longer is stuck on something
    /// goweave does not control: a std `Mutex` held across a goweave
    /// operation, a real blocking call, a loop that reaches no goweave
    /// operation. The watchdog then prints which task has been running
    /// since which goweave operation, what is likely wrong and what to do,
    /// and ends the test process with status 101, since the stuck thread
    /// cannot be stopped. It stays quiet while a debugger is attached.
    ///
    /// ```
    /// use std::time::Duration;
    /// let stats = goweave::Config::default()
    ///     .step_timeout(Duration::from_secs(60)) // one step may compute for a minute
    ///     .iterations(1)
    ///     .explore(|| ())
    ///     .unwrap();
    /// assert_eq!(stats.executions(), 1);
    /// ```
    pub fn step_timeout(mut self, longest: std::time::Duration) -> Config {
        self.step_timeout = longest;
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
        self.regressions = Regressions::At(dir.into());
        self
    }

    /// Turns regression files off (`false`) or back to their default
    /// directory (`true`); see [`Config::regressions_dir`].
    pub fn regressions(mut self, on: bool) -> Config {
        self.regressions = if on { Regressions::Default } else { Regressions::Off };
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

/// The machine's parallelism, asked once: the standard library reads cgroup
/// files for it on every call, which a test calling `explore` in a loop
/// would pay each time.
fn available_parallelism() -> usize {
    static PARALLELISM: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *PARALLELISM.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}
