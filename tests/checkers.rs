//! Test binary `checkers`: what goweave finds and how it reports it.
//!
//! - `races`, `deadlocks`, `leaks`: each checker, case by case;
//! - `bugs`: planted bugs found by every strategy and replayed;
//! - `reports`: the reports, snapshotted (`tests/snapshots/`);
//! - `minimize`: schedule minimization.
//!
//! The modules are the files of the same names in `tests/` (each was a test
//! binary of its own). Reports quote the user's `file:line:column`, so these
//! files stay at their paths, line for line: the snapshots and the `// @marker`
//! lookups depend on it.

mod bugs;
mod deadlocks;
mod leaks;
mod minimize;
mod races;
mod reports;
