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
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let timers =
            self.early_timers.map(|d| format!(", {}", super::early_timers_text(d))).unwrap_or_default();
        if self.replayed {
            return write!(f, "goweave: replayed 1 schedule{timers}, no failure ({:.2?})", self.elapsed);
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
