//! Go pattern: the generator, and the goroutine it leaks when its consumer
//! stops early.
//!
//! A generator is a function that starts a task producing values on a
//! channel and returns the receiving end:
//!
//! ```text
//! func count(n int) <-chan int {
//!     out := make(chan int)
//!     go func() { for i := 1; i <= n; i++ { out <- i }; close(out) }()
//!     return out
//! }
//! ```
//!
//! The bug (`buggy`): the consumer only wants the first even number, so it
//! stops reading after 2. The generator is then blocked forever sending 3
//! on a channel nobody will ever read: the body returned, and a task that
//! can never finish is a `Leak`.
//!
//! The fix (`fixed`, the `done` channel of *Concurrency in Go*, ch. 4):
//! the generator also selects on a `done` channel, and the consumer closes
//! `done` when it stops (Go's `defer close(done)`), so a pending send gives
//! way and the generator returns.
//!
//! Run it with `cargo run --example pattern_generator`: it explores the
//! buggy variant with `Config::default()`, prints the report, then checks
//! the fixed one over every interleaving. `tests/patterns` holds both as
//! `#[concurrency_test]`s.

use goweave::chan::Receiver;
use goweave::{chan, select, Builder, Config, FailureKind, Strategy};

/// The generator without a way to stop it.
fn count(n: u32) -> Receiver<u32> {
    let (tx, rx) = chan(0);
    Builder::new().name("generator").go(move || {
        for i in 1..=n {
            tx.send(i);
        }
        tx.close();
    });
    rx
}

/// The consumer stops early, and nothing tells the generator.
pub(crate) fn buggy() {
    let mut first_even = None;
    for v in count(10) {
        if v % 2 == 0 {
            first_even = Some(v);
            break; // Bug: we return while the generator still wants to send 3.
        }
    }
    assert_eq!(first_even, Some(2));
}

/// The generator with a `done` channel: it stops as soon as `done` is
/// closed, even in the middle of a send.
fn count_until(done: Receiver<()>, n: u32) -> Receiver<u32> {
    let (tx, rx) = chan(0);
    Builder::new().name("generator").go(move || {
        for i in 1..=n {
            select! {
                send(tx, i) => {},
                recv(done) -> _ => break,
            }
        }
        tx.close();
    });
    rx
}

/// The consumer closes `done` when it stops reading.
pub(crate) fn fixed() {
    let (done_tx, done) = chan::<()>(0);
    let mut first_even = None;
    for v in count_until(done, 10) {
        if v % 2 == 0 {
            first_even = Some(v);
            break;
        }
    }
    done_tx.close(); // Go: defer close(done)
    assert_eq!(first_even, Some(2));
}

fn main() {
    let name = "pattern_generator";
    match Config::default().explore(buggy) {
        Err(failure) if failure.kind() == FailureKind::Leak => {
            println!("{failure}");
            println!("{name}: goweave found the leak, as expected: the consumer stopped reading early.");
            println!("Replay it: GOWEAVE_REPLAY={} cargo run --example {name}", failure.schedule());
        }
        Err(failure) => {
            println!("{failure}");
            println!("{name}: expected a Leak, but goweave found a {:?} failure.", failure.kind());
            std::process::exit(1);
        }
        Ok(stats) => {
            println!("{stats}");
            println!("{name}: no failure found, but this generator leaks.");
            std::process::exit(1);
        }
    }
    if std::env::var_os("GOWEAVE_REPLAY").is_some() {
        return; // the token replays the buggy variant only
    }
    match Config::default().strategy(Strategy::Dfs { preemption_bound: None }).explore(fixed) {
        Ok(stats) => println!("{name} (fixed, with a done channel): {stats}"),
        Err(failure) => {
            println!("{failure}");
            println!("{name}: the fixed variant failed with a {:?}.", failure.kind());
            std::process::exit(1);
        }
    }
}
