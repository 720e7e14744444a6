//! The default strategy: a burst of PCT and random walk, then exhaustive
//! search while it fits half the budget, then PCT and random walk again.

use std::sync::atomic::AtomicU64;

use super::progress::Progress;
use super::workers::{run_split, run_worker, WorkerResult};
use crate::config::Config;
use crate::rt::Body;
use crate::strategy::{Dpor, Picker};

/// Executions of PCT and random walk the default portfolio runs before its
/// exhaustive phase (at most a quarter of the budget).
pub(super) const PORTFOLIO_BURST: u64 = 100;

/// How the default portfolio's exhaustive phase went.
#[derive(Clone, Copy)]
pub(super) struct PortfolioNote {
    /// Executions of the exhaustive phase.
    pub exhaustive: u64,
    /// Whether that phase covered the whole space.
    pub exhausted: bool,
}

/// Runs the default portfolio: its workers' results, the threads of its
/// parallel phases, and how its exhaustive phase went.
pub(super) fn run(
    config: &Config,
    body: &Body,
    best: &AtomicU64,
    progress: &Progress,
) -> (Vec<WorkerResult>, usize, PortfolioNote) {
    // The default: a short burst of PCT and random walk, which find
    // shallow bugs within a few executions wherever they hide; then
    // exhaustive search while it fits half the budget (depth-first,
    // it can spend thousands of executions deep in the tree before
    // it reverses an early choice); if the space is larger, the
    // rest goes to PCT and random walk, with fresh seeds.
    let burst = PORTFOLIO_BURST.min(config.iterations / 4);
    let (mut results, threads) =
        if burst > 0 { run_split(config, body, best, progress, 0..burst) } else { (Vec::new(), 1) };
    if results.iter().any(|r| r.failure.is_some() || r.out_of_time) {
        return (results, threads, PortfolioNote { exhaustive: 0, exhausted: false });
    }
    let budget = (config.iterations / 2).max(1);
    let dpor = Picker::new(Box::new(Dpor::new(None, config.timer_bound, budget)));
    let mut first = run_worker(config, body, dpor, best, progress);
    first.phase = 1;
    let done = burst + first.executions;
    let remaining = config.iterations.saturating_sub(done);
    let exhaustive = first.executions;
    if first.failure.is_some() || first.exhausted || first.out_of_time || remaining == 0 {
        let exhausted = first.exhausted;
        results.push(first);
        return (results, threads, PortfolioNote { exhaustive, exhausted });
    }
    let (mut rest, threads) = run_split(config, body, best, progress, burst..burst + remaining);
    for r in &mut rest {
        r.phase = 2;
    }
    results.push(first);
    results.extend(rest);
    (results, threads, PortfolioNote { exhaustive, exhausted: false })
}
