//! The `#[concurrency_test]` attribute of [goweave].
//!
//! Use it through the facade crate, as `#[goweave::concurrency_test]`; the
//! expansion names items of `goweave` by absolute path, so this crate is not
//! useful on its own.
//!
//! [goweave]: https://docs.rs/goweave

mod codegen;
mod errors;
mod expand;
mod parse;
mod validate;

use proc_macro::TokenStream;

/// Turns a function into a test whose body runs under goweave's
/// deterministic scheduler, once per explored schedule.
///
/// ```text
/// #[goweave::concurrency_test]
/// fn transfer_is_atomic() {
///     // the body is rebuilt and run once per execution
/// }
/// ```
///
/// The attribute adds `#[test]` itself, so there is no need to write it. A
/// `#[test]` written below the attribute is dropped; one written above is
/// expanded by rustc first, which registers the function a second time
/// (libtest lists it twice), and goweave then explores it once for both
/// registrations and says so on stderr. Other attributes
/// (`#[should_panic]`, the ignore attribute, doc comments) are kept. The
/// function takes no parameters, is neither `async` nor generic, and returns
/// either `()` or a `Result<(), E>` with `E: Debug`, where an `Err` is a
/// failure, so `?` works in the body:
///
/// ```text
/// #[goweave::concurrency_test]
/// fn parses() -> Result<(), std::num::ParseIntError> {
///     let n: u32 = "42".parse()?;
///     assert_eq!(n, 42);
///     Ok(())
/// }
/// ```
///
/// # Arguments
///
/// Every argument is optional and written `key = literal`, separated by
/// commas. An argument that is not given keeps the default of
/// `goweave::Config::default()`, which reads the `GOWEAVE_*` environment
/// variables; a given argument wins over them, and `GOWEAVE_REPLAY` wins over
/// everything.
///
/// - `strategy = "random" | "pct" | "dfs" | "portfolio"`: how schedules are
///   chosen. `"random"` picks uniformly at every scheduling point, `"pct"` is
///   probabilistic concurrency testing, `"dfs"` searches exhaustively (DPOR).
///   `"portfolio"`, the default, combines them: first a burst of
///   min(100, `iterations` / 4) executions alternating PCT (depth 3) and
///   random walk; then exhaustive search while it fits half of `iterations`,
///   so a small space is covered completely and the test stops there; if
///   the space is larger, the rest of the budget goes to PCT (depth 3)
///   interleaved with random walk.
///
///   ```text
///   #[goweave::concurrency_test(strategy = "random", iterations = 1000)]
///   ```
///
/// - `depth = <int>`: the bug depth PCT targets, at least 1 (default 3).
///   Only with `strategy = "pct"`.
///
///   ```text
///   #[goweave::concurrency_test(strategy = "pct", depth = 3, iterations = 5000, seed = 7)]
///   ```
///
/// - `preemption_bound = <int>`: the most preemptions per execution that
///   exhaustive search explores (default: unbounded). Only with
///   `strategy = "dfs"`.
///
///   ```text
///   #[goweave::concurrency_test(strategy = "dfs", preemption_bound = 2)]
///   ```
///
/// - `iterations = <int>`: the most executions to run; it caps every
///   strategy, exhaustive search included.
///
///   ```text
///   #[goweave::concurrency_test(iterations = 10_000)]
///   ```
///
/// - `seed = <int>`: the seed of the random choices, for a reproducible
///   exploration.
///
///   ```text
///   #[goweave::concurrency_test(seed = 42)]
///   ```
///
/// - `max_steps = <int>`: the most scheduling steps in one execution; beyond
///   it the body is reported as `Nontermination` (or still-running tasks as
///   a `Leak`).
///
///   ```text
///   #[goweave::concurrency_test(max_steps = 100_000)]
///   ```
///
/// - `threads = <int>`: how many OS threads explore in parallel, at least 1
///   (default: the available parallelism).
///
///   ```text
///   #[goweave::concurrency_test(threads = 1)]
///   ```
///
/// - `replay = "gw1:..."`: run exactly the one schedule of a replay token,
///   copied from a failure report. It cannot be combined with `strategy`,
///   `depth`, `preemption_bound`, `iterations`, `seed`, `threads`,
///   `minimize`, `early_timers` or `max_time`; it can with `max_steps`,
///   `expect`, `step_timeout` and `stack_size`.
///
///   ```text
///   #[goweave::concurrency_test(replay = "gw1:...")]
///   ```
///
/// - `early_timers = "100ms"`: the longest timer that may fire while some
///   task can still run (default 100 ms): `"0"` fires timers only when no
///   task can run, as Go's `testing/synctest` does; `"max"` lets any timer
///   fire at any step. A number and a unit: `ns`, `us`, `ms`, `s`, `m`, `h`
///   (`"250ms"`, `"1.5s"`). A replay token carries the setting it was
///   recorded with, so this cannot be combined with `replay`. See
///   `Config::early_timers`.
///
///   ```text
///   #[goweave::concurrency_test(early_timers = "0")]
///   ```
///
/// - `max_time = "10s"`: stop exploring after that much real time (default:
///   no limit, so what a test covers does not depend on the machine); the
///   statistics line then says how many executions ran. A duration as for
///   `early_timers`. See `Config::max_time`.
///
///   ```text
///   #[goweave::concurrency_test(max_time = "10s")]
///   ```
///
/// - `step_timeout = "10s"`: the longest real time one scheduling step may
///   take (default 10 s; `"0"` turns the watchdog off). Longer, the step is
///   stuck on something goweave does not control, and the watchdog says
///   which task and ends the test process. See `Config::step_timeout`.
///
///   ```text
///   #[goweave::concurrency_test(step_timeout = "60s")]
///   ```
///
/// - `stack_size = <int>`: each task's stack, in bytes (default 2 MiB, at
///   least 16 KiB). See `Config::stack_size`.
///
///   ```text
///   #[goweave::concurrency_test(stack_size = 8_388_608)]
///   ```
///
/// - `minimize = true | false`: whether a failure's schedule is minimized
///   (replayed with fewer preemptions) before it is reported (default
///   `true`); `false` reports it as found. See `Config::minimize`.
///
///   ```text
///   #[goweave::concurrency_test(minimize = false)]
///   ```
///
/// - `expect = "deadlock" | "potential_deadlock" | "leak" | "race" | "panic"
///   | "nontermination" | "any"`: the test passes only if exploration finds a
///   failure of that kind (`"any"`: of any kind), and fails if it finds none
///   or a different kind. Use it to keep a known bug as a regression test of
///   the checker.
///
///   ```text
///   #[goweave::concurrency_test(expect = "deadlock")]
///   ```
///
/// Integers are unsuffixed literals (`1000`, `10_000`, `0x2a`) or carry the
/// type of their setting (`u64` for `iterations`, `seed` and `max_steps`,
/// `usize` for the others). An unknown key, a repeated key, a literal of the
/// wrong type, a value outside the lists above or a combination ruled out
/// above is a compile error pointing at the argument.
///
/// # Expansion
///
/// ```text
/// #[goweave::concurrency_test(strategy = "pct", iterations = 5000, expect = "deadlock")]
/// fn name() { /* body */ }
/// ```
///
/// becomes
///
/// ```text
/// #[::core::prelude::v1::test]
/// fn name() {
///     ::goweave::__private::run_test(
///         ::goweave::Config::default()
///             .strategy(::goweave::Strategy::Pct { depth: 3 })
///             .iterations(5000u64),
///         ::core::concat!(::core::module_path!(), "::", "name"),
///         ::core::option::Option::Some("deadlock"),
///         move || -> () { /* body */ },
///     )
/// }
/// ```
#[proc_macro_attribute]
pub fn concurrency_test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(args.into(), item.into()).into()
}
