//! The `#[concurrency_test]` attribute, seen from a user's crate.
//!
//! `ui` checks the diagnostics with trybuild: `tests/ui/pass/*.rs` must
//! compile, `tests/ui/fail/*.rs` must fail with exactly their `.stderr`
//! (regenerate those with
//! `TRYBUILD=overwrite cargo test -p goweave-tests --test tooling macro_ui`).
//! The paths are relative to the `goweave-tests` package (`tests/`), the
//! working directory of its tests.
//! trybuild builds its cases without `--test`, and rustc drops `#[test]`
//! functions then, so the pass cases prove only that the attribute accepts
//! its arguments; the `expansion` module below compiles the expansion
//! against the real `goweave` and runs it.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/pass/*.rs");
    cases.compile_fail("ui/fail/*.rs");
}

mod expansion {
    use std::sync::atomic::{AtomicU64, Ordering};

    static RUNS: AtomicU64 = AtomicU64::new(0);

    #[goweave::concurrency_test(strategy = "random", iterations = 5, seed = 1)]
    fn counts_its_runs() {
        RUNS.fetch_add(1, Ordering::SeqCst);
    }

    /// The generated function is an ordinary function too: calling it runs
    /// the body under the scheduler.
    #[test]
    fn the_body_runs() {
        let before = RUNS.load(Ordering::SeqCst);
        counts_its_runs();
        assert!(RUNS.load(Ordering::SeqCst) > before);
    }

    #[goweave::concurrency_test]
    fn bare() {
        let x = 1;
        assert_eq!(x, 1);
    }

    #[goweave::concurrency_test(
        strategy = "pct",
        depth = 2,
        iterations = 20,
        seed = 7,
        max_steps = 10_000,
        threads = 1
    )]
    fn pct_with_settings() {}

    #[goweave::concurrency_test(strategy = "dfs", preemption_bound = 1, iterations = 20)]
    fn dfs_with_bound() {}

    #[goweave::concurrency_test(strategy = "dfs", iterations = 20)]
    fn dfs_unbounded() {}

    #[goweave::concurrency_test(strategy = "portfolio", iterations = 20, threads = 2)]
    pub(crate) fn portfolio() {}

    /// `?` and `return` in the body work on the declared return type.
    #[goweave::concurrency_test(iterations = 10)]
    fn result_ok() -> Result<(), std::num::ParseIntError> {
        let n: u32 = "4".parse()?;
        if n == 4 {
            return Ok(());
        }
        unreachable!()
    }

    /// An `Err` from the body is a failure.
    #[goweave::concurrency_test(iterations = 10)]
    #[should_panic(expected = "InvalidDigit")]
    fn result_err() -> Result<(), std::num::ParseIntError> {
        let _: u32 = "four".parse()?;
        Ok(())
    }

    #[goweave::concurrency_test(iterations = 10)]
    #[should_panic(expected = "boom")]
    fn a_panic_fails_the_test() {
        panic!("boom");
    }

    /// `minimize = false` reaches the builder; the failure is as found.
    #[goweave::concurrency_test(strategy = "random", iterations = 10, minimize = false, expect = "panic")]
    fn minimization_turned_off() {
        panic!("boom");
    }

    #[goweave::concurrency_test(iterations = 10, expect = "panic")]
    fn an_expected_panic_passes() {
        panic!("boom");
    }

    /// `expect` fails the test when exploration finds nothing.
    #[goweave::concurrency_test(iterations = 10, expect = "deadlock")]
    #[should_panic(expected = "deadlock")]
    fn an_expected_failure_that_never_happens() {}

    /// A body with no choice to make has the empty schedule.
    #[goweave::concurrency_test(replay = "gw1:", max_steps = 100)]
    fn replays_the_empty_schedule() {}

    #[goweave::concurrency_test(replay = "gw1:", expect = "panic")]
    fn replays_an_expected_panic() {
        panic!("boom");
    }

    /// A token that is not a schedule is a `Replay` failure that quotes it.
    #[goweave::concurrency_test(replay = "gw1:%%%", max_steps = 100)]
    #[should_panic(expected = "gw1:%%%")]
    fn a_malformed_replay_token() {}

    #[goweave::concurrency_test(iterations = 1)]
    fn r#match() {}

    static BELOW: AtomicU64 = AtomicU64::new(0);

    /// `#[test]` written below the attribute reaches it and is dropped:
    /// one registration (before, this was a compile error).
    #[goweave::concurrency_test(strategy = "dfs", threads = 1)]
    #[test]
    fn a_test_attribute_below_registers_once() {
        assert_eq!(BELOW.fetch_add(1, Ordering::SeqCst), 0, "explored twice");
    }

    static ABOVE: AtomicU64 = AtomicU64::new(0);

    /// `#[test]` written above the attribute is expanded first, so rustc
    /// registers the function and the attribute, which cannot see that
    /// `#[test]`, registers it again: libtest lists it twice. The one
    /// execution of its exploration (dfs, no choices) must run once in all:
    /// a second exploration would fail here.
    #[test]
    #[goweave::concurrency_test(strategy = "dfs", threads = 1)]
    fn a_test_attribute_above_explores_once() {
        assert_eq!(ABOVE.fetch_add(1, Ordering::SeqCst), 0, "explored twice");
    }
}
