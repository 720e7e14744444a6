//! The live progress line of a long exploration.
//!
//! Shown only when stderr is a terminal and the exploration has run for
//! two seconds: executions so far (summed over worker threads) of the
//! budget, their rate, the number of distinct schedules (the coverage
//! measure that every strategy shares: random and PCT walks repeat
//! schedules; exhaustive search never does) and an estimate of the time
//! left (at most: exhaustive search may finish early). An exhaustive
//! search also shows about how much of its tree it has explored, estimated
//! from its current path (see `Buffers::path_explored_part`), and the time
//! left at that pace.
//!
//! Whatever the terminal, an exploration that has run for [`SLOW`] with
//! goweave's engine unoptimised says once per process, on stderr, how to
//! make it faster. Off a terminal an execution costs one branch; on
//! one, a schedule hash, and workers report in batches. The line is drawn
//! by `indicatif`, behind the default-on feature `progress`; without it
//! there is no line.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use self::line::{Line, Target};
use crate::schedule::Schedule;

/// How long an exploration runs before the advice for slow debug builds.
const SLOW: Duration = Duration::from_secs(10);
/// How long an exploration runs before the line appears.
const DELAY: Duration = Duration::from_secs(2);
/// Executions between a worker's reports.
const BATCH: u64 = 16;
/// `Progress::part` when no estimate was given.
const NO_PART: u64 = u64::MAX;
/// The least time between two redraws of the message.
const REDRAW: Duration = Duration::from_millis(100);

/// Progress shared by the workers of one exploration.
pub(crate) struct Progress {
    enabled: bool,
    delay: Duration,
    start: Instant,
    /// The most executions the exploration may run.
    budget: u64,
    /// When `Config::max_time` stops it, if set.
    deadline: Option<Instant>,
    executions: AtomicU64,
    /// The part of an exhaustive search's tree explored, as `f64` bits
    /// (`NO_PART` when not known).
    part: AtomicU64,
    shown: Mutex<Shown>,
    target: Target,
}

#[derive(Default)]
struct Shown {
    bar: Option<Line>,
    distinct: HashSet<u64>,
    drawn: Option<Instant>,
}

/// One worker's unreported executions.
#[derive(Default)]
pub(crate) struct Tick {
    executions: u64,
    hashes: Vec<u64>,
}

/// Asked once per process: a test calling `explore` in a loop would
/// otherwise make a system call per exploration.
fn stderr_is_terminal() -> bool {
    static TERMINAL: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *TERMINAL.get_or_init(|| std::io::stderr().is_terminal())
}

impl Progress {
    /// Progress for an exploration of at most `budget` executions, ending
    /// at `deadline` at the latest: live only if `on` and stderr is a
    /// terminal.
    pub(crate) fn new(on: bool, budget: u64, deadline: Option<Instant>) -> Progress {
        let mut progress = Progress::with(on && line::AVAILABLE && stderr_is_terminal(), DELAY, line::stderr);
        (progress.budget, progress.deadline) = (budget, deadline);
        progress
    }

    fn with(enabled: bool, delay: Duration, target: Target) -> Progress {
        Progress {
            enabled,
            delay,
            start: Instant::now(),
            budget: 0,
            deadline: None,
            executions: AtomicU64::new(0),
            part: AtomicU64::new(NO_PART),
            shown: Mutex::new(Shown::default()),
            target,
        }
    }

    /// Counts one finished execution whose choices were `schedule`;
    /// `explored_part` estimates the part of an exhaustive search's tree
    /// explored (asked only when the line may be redrawn).
    #[inline]
    pub(crate) fn after_execution(
        &self,
        tick: &mut Tick,
        schedule: &Schedule,
        explored_part: impl FnOnce() -> Option<f64>,
    ) {
        if !self.enabled {
            if UNOPTIMIZED {
                tick.executions += 1;
                if tick.executions.is_multiple_of(BATCH) {
                    self.advise_if_slow();
                }
            }
            return;
        }
        tick.executions += 1;
        let mut h = DefaultHasher::new();
        schedule.hash(&mut h);
        tick.hashes.push(h.finish());
        if tick.executions >= BATCH {
            if let Some(part) = explored_part() {
                self.part.store(part.to_bits(), Ordering::Relaxed);
            }
            self.report(tick);
        }
    }

    /// Adds a worker's batch and redraws if the line is due.
    #[cold]
    pub(crate) fn report(&self, tick: &mut Tick) {
        if !self.enabled {
            return;
        }
        let total = self.executions.fetch_add(tick.executions, Ordering::Relaxed) + tick.executions;
        tick.executions = 0;
        let mut shown = self.shown.lock().unwrap_or_else(|e| e.into_inner());
        shown.distinct.extend(tick.hashes.drain(..));
        let elapsed = self.start.elapsed();
        if elapsed < self.delay {
            return;
        }
        if shown.drawn.is_some_and(|d| d.elapsed() < REDRAW) {
            return;
        }
        shown.drawn = Some(Instant::now());
        drop(shown);
        self.advise_if_slow();
        let mut shown = self.shown.lock().unwrap_or_else(|e| e.into_inner());
        let part = Some(self.part.load(Ordering::Relaxed)).filter(|&b| b != NO_PART).map(f64::from_bits);
        let mut left = time_left(
            total,
            self.budget,
            elapsed,
            self.deadline.map(|d| d.saturating_duration_since(Instant::now())),
        );
        if let Some(part) = part.filter(|&p| p > 0.0) {
            // The rest of the tree at the rate it was explored so far.
            let rest = Duration::from_secs_f64(elapsed.as_secs_f64() * (1.0 - part) / part);
            left = Some(left.map_or(rest, |l| l.min(rest)));
        }
        let message = message(total, self.budget, elapsed, shown.distinct.len(), left, part);
        shown.bar.get_or_insert_with(|| Line::new(self.target)).show(message);
    }

    /// Once per process, when goweave's engine is unoptimised and this
    /// exploration has run for [`SLOW`]: how to make it faster, on stderr
    /// (written directly, so the test harness does not capture it).
    #[cold]
    fn advise_if_slow(&self) {
        static ADVISED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        if !UNOPTIMIZED || self.start.elapsed() < SLOW || ADVISED.swap(true, Ordering::Relaxed) {
            return;
        }
        let mut line = self.shown.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(bar) = line.bar.take() {
            bar.clear();
        }
        drop(line);
        use std::io::Write;
        let _ = std::io::stderr().write_all(SLOW_ADVICE.as_bytes());
    }

    /// Clears the line, if it was shown.
    pub(crate) fn finish(&self) {
        let mut shown = self.shown.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(bar) = shown.bar.take() {
            bar.clear();
        }
    }

    /// Executions and distinct schedules reported so far, and whether the
    /// line is up.
    #[cfg(test)]
    fn counts(&self) -> (u64, usize, bool) {
        let shown = self.shown.lock().unwrap();
        (self.executions.load(Ordering::Relaxed), shown.distinct.len(), shown.bar.is_some())
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// The terminal line, drawn by `indicatif`.
#[cfg(feature = "progress")]
mod line {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

    /// The line can be shown.
    pub(super) const AVAILABLE: bool = true;

    /// Where the line is drawn.
    pub(super) type Target = fn() -> ProgressDrawTarget;

    /// Standard error.
    pub(super) fn stderr() -> ProgressDrawTarget {
        ProgressDrawTarget::stderr()
    }

    /// Nowhere (for tests).
    #[cfg(test)]
    pub(super) fn hidden() -> ProgressDrawTarget {
        ProgressDrawTarget::hidden()
    }

    /// The line on its target.
    pub(super) struct Line(ProgressBar);

    impl Line {
        pub(super) fn new(target: Target) -> Line {
            let bar = ProgressBar::with_draw_target(None, target());
            bar.set_style(
                ProgressStyle::with_template("{spinner} goweave: {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            Line(bar)
        }

        pub(super) fn show(&self, message: String) {
            self.0.set_message(message);
            self.0.tick();
        }

        pub(super) fn clear(self) {
            self.0.finish_and_clear();
        }
    }
}

/// No terminal line: the `progress` feature is off.
#[cfg(not(feature = "progress"))]
mod line {
    /// The line cannot be shown.
    pub(super) const AVAILABLE: bool = false;

    /// Where the line would be drawn.
    pub(super) type Target = fn();

    /// Standard error.
    pub(super) fn stderr() {}

    /// Nowhere (for tests).
    #[cfg(test)]
    pub(super) fn hidden() {}

    /// A line that is never drawn.
    pub(super) struct Line;

    impl Line {
        pub(super) fn new(_target: Target) -> Line {
            Line
        }

        pub(super) fn show(&self, _message: String) {}

        pub(super) fn clear(self) {}
    }
}

/// Whether goweave's engine was built without optimisation (its build
/// script reads the package's opt-level).
const UNOPTIMIZED: bool = cfg!(goweave_unoptimized);

/// What [`Progress::advise_if_slow`] says.
const SLOW_ADVICE: &str =
    "\ngoweave: this exploration has run for 10 s with goweave built without optimisation \
(a debug build). goweave explores several times faster optimised, while your code stays debuggable: add to \
your workspace's Cargo.toml\n\n    [profile.dev.package.goweave-runtime]\n    opt-level = 3\n    \
[profile.dev.package.goweave-checkers]\n    opt-level = 3\n\n\
or run `cargo test --release`; Config::max_time (GOWEAVE_MAX_TIME) or fewer iterations also bound the time. \
(Said once per process.)\n\n";

/// How long the rest of the budget should take at the rate so far, and no
/// longer than `until_deadline`; `None` before the rate is known.
fn time_left(
    executions: u64,
    budget: u64,
    elapsed: Duration,
    until_deadline: Option<Duration>,
) -> Option<Duration> {
    if executions == 0 || budget <= executions {
        return until_deadline.or(Some(Duration::ZERO)).filter(|_| executions > 0);
    }
    let per_execution = elapsed.as_secs_f64() / executions as f64;
    let estimate = Duration::from_secs_f64(per_execution * (budget - executions) as f64);
    Some(until_deadline.map_or(estimate, |d| d.min(estimate)))
}

fn message(
    executions: u64,
    budget: u64,
    elapsed: Duration,
    distinct: usize,
    left: Option<Duration>,
    part: Option<f64>,
) -> String {
    let rate = executions as f64 / elapsed.as_secs_f64().max(1e-9);
    let of_budget = if budget > 0 { format!(" of {budget}") } else { String::new() };
    let left =
        left.map(|d| format!(", at most {:.0?} left", Duration::from_secs(d.as_secs()))).unwrap_or_default();
    // Exhaustive search: about how much of its tree is behind it.
    let part = part.map(|p| format!(", ~{:.1}% of the search tree", p * 100.0)).unwrap_or_default();
    format!(
        "{executions}{of_budget} executions, {rate:.0}/s, {distinct} distinct schedules{part}, {:.0?}{left}",
        Duration::from_secs(elapsed.as_secs())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::Choice;

    fn schedule(task: usize) -> Schedule {
        let mut s = Schedule::default();
        s.push(Choice::Task(task));
        s
    }

    #[test]
    fn disabled_progress_counts_nothing_and_shows_nothing() {
        let p = Progress::with(false, Duration::ZERO, line::hidden);
        let mut tick = Tick::default();
        for i in 0..100 {
            p.after_execution(&mut tick, &schedule(i), || None);
        }
        p.report(&mut tick);
        assert_eq!(p.counts(), (0, 0, false));
    }

    #[test]
    fn batches_add_up_over_workers_and_distinct_schedules_are_counted() {
        let p = Progress::with(true, Duration::ZERO, line::hidden);
        let (mut a, mut b) = (Tick::default(), Tick::default());
        // The first batch puts the line up.
        for _ in 0..BATCH {
            p.after_execution(&mut a, &schedule(0), || None);
        }
        assert_eq!(p.counts(), (BATCH, 1, true));
        for i in 0..10 {
            p.after_execution(&mut a, &schedule(i % 3), || None);
            p.after_execution(&mut b, &schedule(i % 5), || None);
        }
        p.report(&mut a);
        p.report(&mut b);
        assert_eq!(p.counts(), (BATCH + 20, 5, true));
        p.finish();
        assert!(!p.counts().2);
    }

    #[test]
    fn nothing_shows_before_the_delay() {
        let p = Progress::with(true, Duration::from_secs(3600), line::hidden);
        let mut tick = Tick::default();
        for i in 0..BATCH * 4 {
            p.after_execution(&mut tick, &schedule(i as usize), || None);
        }
        assert_eq!(p.counts(), (BATCH * 4, (BATCH * 4) as usize, false));
    }

    #[test]
    fn the_message_has_count_budget_rate_coverage_and_time_left() {
        let left = time_left(5000, 10_000, Duration::from_millis(2500), None);
        assert_eq!(left, Some(Duration::from_millis(2500)));
        assert_eq!(
            message(5000, 10_000, Duration::from_millis(2500), 1234, left, None),
            "5000 of 10000 executions, 2000/s, 1234 distinct schedules, 2s, at most 2s left"
        );
    }

    #[test]
    fn an_exhaustive_search_shows_the_part_of_its_tree_explored() {
        let p = Progress::with(true, Duration::ZERO, line::hidden);
        let mut tick = Tick::default();
        for i in 0..BATCH {
            p.after_execution(&mut tick, &schedule(i as usize), || Some(0.25));
        }
        assert_eq!(f64::from_bits(p.part.load(Ordering::Relaxed)), 0.25);
        assert_eq!(
            message(5000, 10_000, Duration::from_millis(2500), 5000, None, Some(0.25)),
            "5000 of 10000 executions, 2000/s, 5000 distinct schedules, ~25.0% of the search tree, 2s"
        );
    }

    #[test]
    fn the_time_left_is_bounded_by_max_time() {
        let left = time_left(100, 10_000, Duration::from_secs(10), Some(Duration::from_secs(3)));
        assert_eq!(left, Some(Duration::from_secs(3)));
        assert_eq!(time_left(0, 10_000, Duration::from_secs(1), None), None);
    }
}
