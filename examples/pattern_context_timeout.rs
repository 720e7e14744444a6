//! Go pattern: a context with a timeout, and the result sent on an
//! unbuffered channel after the caller gave up.
//!
//! The caller starts a query in a task and waits for its result or for
//! its context's deadline, whichever comes first:
//!
//! ```text
//! ctx, cancel := context.WithTimeout(parent, 100*time.Millisecond)
//! defer cancel()
//! result := make(chan int)        // bug: unbuffered; fix: make(chan int, 1)
//! go func() { result <- query() }()
//! select {
//! case v := <-result: return v, nil
//! case <-ctx.Done(): return 0, ctx.Err()
//! }
//! ```
//!
//! The bug (`buggy`): when the deadline wins, the caller returns and
//! nobody will ever receive from `result`; the query task finishes its
//! work and then blocks forever on the send. That is the classic goroutine
//! leak of Go timeouts: after the body returned, a task that can never
//! finish is a `Leak`. goweave explores the timeout firing at any point of
//! the query (virtual time: a timer's firing is a scheduling choice), so
//! it finds the interleaving where the deadline wins.
//!
//! The fix (`fixed`): a buffered channel of capacity 1. The send always
//! completes, whether or not anyone still waits, and the task returns.
//!
//! Run it with `cargo run --example pattern_context_timeout`: it explores
//! the buggy variant with `Config::default()`, prints the report, then
//! checks the fixed one over every interleaving.

use std::time::Duration;

use goweave::context::{Context, ContextError};
use goweave::{chan, select, Builder, Config, FailureKind, Strategy};

/// The query: a few steps of work, however long they take.
fn query() -> u32 {
    goweave::yield_now();
    goweave::yield_now();
    42
}

/// Runs `query` in a task, with a 100 ms deadline; `result_cap` is the
/// capacity of the channel the task answers on.
fn query_with_timeout(result_cap: usize) -> Result<u32, ContextError> {
    let (ctx, cancel) = Context::background().with_timeout(Duration::from_millis(100));
    let (result_tx, result) = chan::<u32>(result_cap);
    Builder::new().name("query").go(move || {
        result_tx.send(query());
    });
    let outcome = select! {
        recv(result) -> v => Ok(v.unwrap()),
        recv(ctx.done()) -> _ => Err(ctx.err().unwrap()),
    };
    cancel(); // Go: defer cancel()
    outcome
}

pub(crate) fn buggy() {
    let outcome = query_with_timeout(0); // Bug: unbuffered
    assert!(matches!(outcome, Ok(42) | Err(ContextError::DeadlineExceeded)), "{outcome:?}");
}

pub(crate) fn fixed() {
    let outcome = query_with_timeout(1); // room for the one result
    assert!(matches!(outcome, Ok(42) | Err(ContextError::DeadlineExceeded)), "{outcome:?}");
}

fn main() {
    let (output, as_expected) = explore_both(Config::default());
    print!("{output}");
    if !as_expected {
        std::process::exit(1);
    }
}

/// Explores the buggy variant, then the fixed one (unless a replay token is
/// in force), each with `config`: what `main` prints, and whether goweave
/// found the leak in the first and nothing in the second. The README's end
/// to end section quotes this output, and `tests/patterns` checks that it
/// still does.
pub(crate) fn explore_both(config: Config) -> (String, bool) {
    use std::fmt::Write as _;
    let name = "pattern_context_timeout";
    let mut out = String::new();
    match config.clone().explore(buggy) {
        Err(failure) if failure.kind() == FailureKind::Leak => {
            let _ = writeln!(out, "{failure}");
            let _ = writeln!(
                out,
                "{name}: goweave found the leak, as expected: nobody receives the late result."
            );
            let _ =
                writeln!(out, "Replay it: GOWEAVE_REPLAY={} cargo run --example {name}", failure.schedule());
        }
        Err(failure) => {
            let _ = writeln!(out, "{failure}");
            let _ =
                writeln!(out, "{name}: expected a Leak, but goweave found a {:?} failure.", failure.kind());
            return (out, false);
        }
        Ok(stats) => {
            let _ = writeln!(out, "{stats}");
            let _ = writeln!(out, "{name}: no failure found, but this query task leaks after a timeout.");
            return (out, false);
        }
    }
    if std::env::var_os("GOWEAVE_REPLAY").is_some() {
        return (out, true); // the token replays the buggy variant only
    }
    match config.strategy(Strategy::Dfs { preemption_bound: None }).explore(fixed) {
        Ok(stats) => {
            let _ = writeln!(out, "{name} (fixed, a buffered result channel): {stats}");
            (out, true)
        }
        Err(failure) => {
            let _ = writeln!(out, "{failure}");
            let _ = writeln!(out, "{name}: the fixed variant failed with a {:?}.", failure.kind());
            (out, false)
        }
    }
}
