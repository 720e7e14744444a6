//! The strategies a user can choose.

use std::fmt;

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
    /// Exhaustive search with optimal dynamic partial-order reduction:
    /// every distinct behaviour once, optionally bounded to
    /// `preemption_bound` preemptive context switches per execution. It
    /// runs on one thread whatever `Config::threads` says.
    Dfs {
        /// `None`: fully exhaustive.
        preemption_bound: Option<usize>,
    },
    /// The default: first a burst of min(100, `iterations` / 4) executions
    /// alternating PCT (depth 3) and random walk, which finds shallow bugs
    /// within a few executions; then exhaustive search (DPOR) while it fits
    /// half of `iterations`, so a small space is covered completely and the
    /// exploration stops there; if the space is larger, the rest of the
    /// budget goes to PCT with depth 3 interleaved with random walk.
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
