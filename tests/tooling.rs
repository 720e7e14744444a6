//! Test binary `tooling`: what surrounds an exploration.
//!
//! - `macro_ui`: the `#[concurrency_test]` attribute (trybuild cases in
//!   `tests/ui/`, and the expansion run);
//! - `regressions`: regression files of failing tests;
//! - `trace_export`: the Chrome trace of a failure;
//! - `logs`: `tracing` events in reports;
//! - `nondeterminism`: a program that is not deterministic is reported;
//! - `front_pages`: the README and the rustdoc front page start with the
//!   set-up and the attribute.
//!
//! The modules are the files of the same names in `tests/` (each was a test
//! binary of its own).

mod front_pages;
mod logs;
mod macro_ui;
mod nondeterminism;
mod regressions;
mod trace_export;
