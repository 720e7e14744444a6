//! What an exploration did when it found no failure.

use std::fmt;
use std::time::Duration;

use super::Strategy;

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
    /// `Config::early_timers`, when some execution made a timer.
    pub(crate) early_timers: Option<Duration>,
    /// `Config::max_time` and the budget, when the time ran out first.
    pub(crate) stopped_after: Option<(Duration, u64)>,
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

    /// The longest timer that could fire early ([`Config::early_timers`](
    /// crate::Config::early_timers)), if the body made any timer; `Display`
    /// states it then ("early timers up to 100 ms").
    pub fn early_timers(&self) -> Option<Duration> {
        self.early_timers
    }

    /// Whether the exploration stopped because [`Config::max_time`](
    /// crate::Config::max_time) ran out before its budget; `Display` then
    /// starts "stopped after 10 s: 2,315 of 10,000 executions".
    pub fn stopped_by_max_time(&self) -> bool {
        self.stopped_after.is_some()
    }
}

/// `12,345`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `10 s`, `1.5 s`, `250 ms`.
fn seconds(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{} s", d.as_secs())
    } else if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let timers =
            self.early_timers.map(|d| format!(", {}", super::early_timers_text(d))).unwrap_or_default();
        if self.replayed {
            return write!(f, "goweave: replayed 1 schedule{timers}, no failure ({:.2?})", self.elapsed);
        }
        if let Some((limit, budget)) = self.stopped_after {
            return write!(
                f,
                "goweave: stopped after {}: {} of {} executions (Config::max_time), strategy {}, {} thread{}, \
                 {:.2?}{timers}, no failure",
                seconds(limit),
                thousands(self.executions),
                thousands(budget),
                self.strategy,
                self.threads,
                if self.threads == 1 { "" } else { "s" },
                self.elapsed
            );
        }
        if let Some((exhaustive, exhausted)) = self.portfolio {
            return if exhausted {
                write!(
                    f,
                    "goweave: {} executions, space exhausted by dfs, {:.2?}{timers}, no failure",
                    self.executions, self.elapsed
                )
            } else {
                write!(
                    f,
                    "goweave: {} executions: the space is larger than {exhaustive} exhaustive executions, \
                     then {} with pct + random on {} thread{}, {:.2?}{timers}, no failure",
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
            "goweave: {} executions, {}strategy {}, {} thread{}, {:.2?}{timers}, no failure",
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
