//! Go pattern: a quit signal and graceful shutdown, and the `WaitGroup`
//! whose `Add` races with `Wait`.
//!
//! A server runs two workers that handle requests until a `quit` channel
//! is closed. Shutting down closes `quit` (a broadcast: every worker's
//! `select` sees it) and then waits on a `WaitGroup` until every worker
//! has returned, so nothing is left running:
//!
//! ```text
//! for i := 0; i < 2; i++ {
//!     go func() {
//!         wg.Add(1)          // bug: must happen before the go statement
//!         defer wg.Done()
//!         for { select { case <-quit: return; case r := <-requests: handle(r) } }
//!     }()
//! }
//! ... close(quit); wg.Wait()
//! ```
//!
//! The bug (`buggy`): each worker calls `wg.Add(1)` itself, once it has
//! started. Nothing orders that `Add` before the server's `Wait`: if a
//! worker starts late, `Wait` may return while it is still running (or
//! before it even counted itself), and the shutdown is not graceful at all.
//! Go's rule is that an `Add` with a positive delta while the counter is
//! zero must happen before `Wait`; its race detector, and goweave, report
//! a violation as a data race (`DataRace`, `expect = "race"`).
//!
//! The fix (`fixed`): the server calls `wg.Add(1)` before starting each
//! worker.
//!
//! Run it with `cargo run --example pattern_shutdown`: it explores the
//! buggy variant with `Config::default()`, prints the report, then checks
//! the fixed one over every interleaving.

use goweave::chan::Receiver;
use goweave::sync::WaitGroup;
use goweave::{chan, select, Builder, Config, FailureKind, Strategy};

/// Handles requests until `quit` is closed.
fn serve(quit: &Receiver<()>, requests: &Receiver<u32>) {
    loop {
        select! {
            recv(quit) -> _ => return,
            recv(requests) -> r => {
                let _reply = r.map(|r| r * 2);
            },
        }
    }
}

pub(crate) fn buggy() {
    let (quit_tx, quit) = chan::<()>(0);
    let (requests_tx, requests) = chan::<u32>(0);
    let wg = WaitGroup::new();
    for w in 1..=2 {
        let (quit, requests, wg) = (quit.clone(), requests.clone(), wg.clone());
        Builder::new().name(format!("worker-{w}")).go(move || {
            wg.add(1); // Bug: counted only once the worker runs, racing with wg.wait()
            serve(&quit, &requests);
            wg.done();
        });
    }
    requests_tx.send(1);
    requests_tx.send(2);

    // Graceful shutdown: tell every worker to stop, wait until they have.
    quit_tx.close();
    wg.wait();
}

pub(crate) fn fixed() {
    let (quit_tx, quit) = chan::<()>(0);
    let (requests_tx, requests) = chan::<u32>(0);
    let wg = WaitGroup::new();
    for w in 1..=2 {
        let (quit, requests, wg) = (quit.clone(), requests.clone(), wg.clone());
        wg.add(1); // counted before the worker starts
        Builder::new().name(format!("worker-{w}")).go(move || {
            serve(&quit, &requests);
            wg.done();
        });
    }
    requests_tx.send(1);
    requests_tx.send(2);

    quit_tx.close();
    wg.wait();
}

fn main() {
    let name = "pattern_shutdown";
    match Config::default().explore(buggy) {
        Err(failure) if failure.kind() == FailureKind::DataRace => {
            println!("{failure}");
            println!(
                "{name}: goweave found the race, as expected: a worker's Add is not ordered before Wait."
            );
            println!("Replay it: GOWEAVE_REPLAY={} cargo run --example {name}", failure.schedule());
        }
        Err(failure) => {
            println!("{failure}");
            println!("{name}: expected a DataRace, but goweave found a {:?} failure.", failure.kind());
            std::process::exit(1);
        }
        Ok(stats) => {
            println!("{stats}");
            println!("{name}: no failure found, but this shutdown's Add races with its Wait.");
            std::process::exit(1);
        }
    }
    if std::env::var_os("GOWEAVE_REPLAY").is_some() {
        return; // the token replays the buggy variant only
    }
    match Config::default().strategy(Strategy::Dfs { preemption_bound: None }).explore(fixed) {
        Ok(stats) => println!("{name} (fixed, Add before go): {stats}"),
        Err(failure) => {
            println!("{failure}");
            println!("{name}: the fixed variant failed with a {:?}.", failure.kind());
            std::process::exit(1);
        }
    }
}
