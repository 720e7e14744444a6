//! Go pattern: an errgroup with cancellation, and the worker that ignores
//! its context.
//!
//! A replicated query: the same question goes to three replicas, each in a
//! task of an `errgroup.Group` made `WithContext`, and the first answer
//! wins. The caller takes it, cancels the parent context, which cancels
//! the group's context, and returns at once; the other replicas are meant
//! to notice `ctx.Done()` and give up:
//!
//! ```text
//! ctx, cancel := context.WithCancel(parent)
//! defer cancel()
//! g, ctx := errgroup.WithContext(ctx)
//! for _, r := range replicas {
//!     g.Go(func() error {
//!         if err := ctx.Err(); err != nil { return err }
//!         answer := r.query()
//!         select { case results <- answer: return nil; case <-ctx.Done(): return ctx.Err() }
//!     })
//! }
//! return <-results
//! ```
//!
//! The bug (`buggy`): the workers look at the context only before the
//! query, and then send with a plain `results <- answer`. Only the first
//! answer is ever received, so the two slower replicas are blocked forever
//! on that send once the caller has returned: goweave reports them as a
//! `Leak` (and the group can never be waited for).
//!
//! The fix (`fixed`): the send selects on `ctx.Done()` too, as above, so
//! the cancellation releases the losers, which return `ctx.Err()`.
//!
//! Run it with `cargo run --example pattern_errgroup`: it explores the
//! buggy variant with `Config::default()`, prints the report, then checks
//! the fixed one with 5,000 PCT executions (its interleavings are too many
//! to enumerate within 10,000 executions).

use goweave::context::{Context, ContextError};
use goweave::errgroup::Group;
use goweave::{chan, select, Config, FailureKind, Strategy};

/// A replica's answer to the query.
fn query(replica: u32) -> u32 {
    goweave::yield_now(); // the round trip: other replicas may answer first
    100 + replica
}

pub(crate) fn buggy() {
    let (parent, cancel) = Context::background().with_cancel();
    let (g, ctx) = Group::<ContextError>::with_context(&parent);
    let (results_tx, results) = chan::<u32>(0);
    for replica in 1..=3 {
        let (ctx, results_tx) = (ctx.clone(), results_tx.clone());
        g.go(move || {
            if let Some(err) = ctx.err() {
                return Err(err);
            }
            let answer = query(replica);
            results_tx.send(answer); // Bug: blocks forever once the caller is gone
            Ok(())
        });
    }
    let first = results.recv().unwrap();
    cancel(); // Go: defer cancel()
    assert!((101..=103).contains(&first));
}

pub(crate) fn fixed() {
    let (parent, cancel) = Context::background().with_cancel();
    let (g, ctx) = Group::<ContextError>::with_context(&parent);
    let (results_tx, results) = chan::<u32>(0);
    for replica in 1..=3 {
        let (ctx, results_tx) = (ctx.clone(), results_tx.clone());
        g.go(move || {
            if let Some(err) = ctx.err() {
                return Err(err);
            }
            let answer = query(replica);
            select! {
                send(results_tx, answer) => Ok(()),
                recv(ctx.done()) -> _ => Err(ctx.err().unwrap()),
            }
        });
    }
    let first = results.recv().unwrap();
    cancel(); // Go: defer cancel()
    assert!((101..=103).contains(&first));
}

fn main() {
    let name = "pattern_errgroup";
    match Config::default().explore(buggy) {
        Err(failure) if failure.kind() == FailureKind::Leak => {
            println!("{failure}");
            println!("{name}: goweave found the leak, as expected: the losing replicas ignore the context.");
            println!("Replay it: GOWEAVE_REPLAY={} cargo run --example {name}", failure.schedule());
        }
        Err(failure) => {
            println!("{failure}");
            println!("{name}: expected a Leak, but goweave found a {:?} failure.", failure.kind());
            std::process::exit(1);
        }
        Ok(stats) => {
            println!("{stats}");
            println!("{name}: no failure found, but these workers ignore cancellation.");
            std::process::exit(1);
        }
    }
    if std::env::var_os("GOWEAVE_REPLAY").is_some() {
        return; // the token replays the buggy variant only
    }
    match Config::default().strategy(Strategy::Pct { depth: 3 }).iterations(5_000).explore(fixed) {
        Ok(stats) => println!("{name} (fixed, the send selects on ctx.done()): {stats}"),
        Err(failure) => {
            println!("{failure}");
            println!("{name}: the fixed variant failed with a {:?}.", failure.kind());
            std::process::exit(1);
        }
    }
}
