//! A Go "tee channel" that deadlocks in some interleavings, and goweave
//! finding it.
//!
//! The tee (Katherine Cox-Buday, *Concurrency in Go*, ch. 4) splits one
//! stream into two: it reads each value from `input` and writes it to two
//! unbuffered outputs, `out1` then `out2`. This version is the naive one:
//!
//! ```text
//! for v := range in { out1 <- v; out2 <- v }; close(out1); close(out2)
//! ```
//!
//! Two consumers read the copies: a `searcher` reads `out1` until it finds
//! the first even number, then cancels the pipeline by closing `done` and
//! returns; the test body logs every value of `out2` until the tee closes
//! it. The generator stops when `done` is closed, so the pipeline should
//! wind down: the generator closes `input`, the tee's loop ends, the tee
//! closes both outputs and the logger's loop ends.
//!
//! The bug: the tee never looks at `done`. If the generator hands it one
//! more value after the searcher found its match (it may have sent it
//! before `done` was closed, or pick the send arm of its `select!` when
//! both arms are ready), the tee blocks forever sending that value on
//! `out1`, whose only reader has returned. So it never closes `out2`, and
//! the test body blocks forever in its `for` loop: a deadlock. Whether
//! that happens depends on the interleaving; goweave explores them and
//! reports the first one that deadlocks.
//!
//! Run it with `cargo run --example tee_deadlock`. The report names the
//! blocked tasks, the line each one is blocked on, the interleaving that led there,
//! and a replay token (`gw1:...`). To replay exactly that execution, pass
//! the token to `goweave::replay(token, body)` or
//! `goweave::Config::default().replay(token).explore(body)`, or set
//! `GOWEAVE_REPLAY=<token>` (for this example:
//! `GOWEAVE_REPLAY=<token> cargo run --example tee_deadlock`; for a test:
//! `GOWEAVE_REPLAY=<token> cargo test <name> -- --exact`).
//!
//! `examples/tee_fixed.rs` is the book's tee, which selects on `done` and
//! on whichever output is ready.

use goweave::chan::Receiver;
use goweave::{chan, select, Builder, Config, FailureKind};

/// Sends `values` on a new channel until `done` is closed, then closes it.
fn generator(done: Receiver<()>, values: Vec<u32>) -> Receiver<u32> {
    let (tx, rx) = chan(0);
    Builder::new().name("generator").go(move || {
        for v in values {
            select! {
                send(tx, v) => {},
                recv(done) -> _ => break,
            }
        }
        tx.close();
    });
    rx
}

/// The naive tee: each value goes to `out1`, then to `out2`. It ignores
/// cancellation, and a send blocks until someone receives.
fn tee(input: Receiver<u32>) -> (Receiver<u32>, Receiver<u32>) {
    let (out1_tx, out1) = chan(0);
    let (out2_tx, out2) = chan(0);
    Builder::new().name("tee").go(move || {
        for v in input {
            out1_tx.send(v);
            out2_tx.send(v);
        }
        out1_tx.close();
        out2_tx.close();
    });
    (out1, out2)
}

/// One run of the pipeline; goweave runs it once per explored interleaving.
pub(crate) fn body() {
    let (done_tx, done) = chan::<()>(0);
    let input = generator(done, vec![1, 2, 3]);
    let (out1, out2) = tee(input);

    let searcher = Builder::new().name("searcher").go(move || {
        for v in out1 {
            if v % 2 == 0 {
                done_tx.close(); // found it: cancel the rest of the pipeline
                return Some(v);
            }
        }
        None
    });

    let mut logged = Vec::new();
    for v in out2 {
        logged.push(v);
    }
    assert_eq!(searcher.join().unwrap(), Some(2));
    // Nothing is cancelled before 2 is found, so 1 is always logged; after
    // that the log may miss values, but stays in order.
    assert_eq!(logged.first(), Some(&1), "logged {logged:?}");
    assert!(logged.windows(2).all(|w| w[0] < w[1]), "logged {logged:?}");
}

fn main() {
    match Config::default().explore(body) {
        Err(failure) if failure.kind() == FailureKind::Deadlock => {
            println!("{failure}");
            println!(
                "tee_deadlock: goweave found a {:?} failure, as expected: the tee ignores `done`.",
                failure.kind()
            );
            println!(
                "What happened: the searcher found 2, closed `done` and returned, so nobody reads out1\n\
                 any more; but the generator had handed the tee one more value, and the tee, which never\n\
                 looks at `done`, blocks forever sending it on out1. It never closes out2, so the test\n\
                 body waits forever in `for v in out2`."
            );
            println!(
                "To run that exact interleaving again: GOWEAVE_REPLAY={} cargo run --example tee_deadlock",
                failure.schedule()
            );
        }
        Err(failure) => {
            println!("{failure}");
            println!("tee_deadlock: expected a Deadlock, but goweave found a {:?} failure.", failure.kind());
            std::process::exit(1);
        }
        Ok(stats) => {
            println!("{stats}");
            println!("tee_deadlock: no failure found, but this tee has a deadlock.");
            std::process::exit(1);
        }
    }
}
