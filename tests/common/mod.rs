//! Shared by the tests that compare what explorations reach.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use goweave::{Config, Failure, Stats};

/// Explores `body` with `config` and collects the distinct values it
/// returned: every outcome the exploration reached, with its statistics.
pub fn outcome_set<T: Ord + Send + 'static>(
    config: Config,
    body: impl Fn() -> T + Send + Sync + 'static,
) -> Result<(BTreeSet<T>, Stats), Failure> {
    let seen = Arc::new(Mutex::new(BTreeSet::new()));
    let s = seen.clone();
    let stats = config.explore(move || {
        let outcome = body();
        s.lock().unwrap().insert(outcome);
    })?;
    let seen = std::mem::take(&mut *seen.lock().unwrap());
    Ok((seen, stats))
}

/// [`outcome_set`] for a search that must find no failure and cover its
/// whole space: the outcomes and how many executions it took.
#[allow(dead_code)] // each test file compiles this module and uses part of it
pub fn exhaustive_outcomes<T: Ord + Send + 'static>(
    config: Config,
    body: impl Fn() -> T + Send + Sync + 'static,
) -> (BTreeSet<T>, u64) {
    let (seen, stats) = outcome_set(config, body).unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted(), "{}: not exhausted in {} executions", stats.strategy(), stats.executions());
    (seen, stats.executions())
}
