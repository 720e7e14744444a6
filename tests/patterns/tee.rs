//! The tee channel of `examples/tee_deadlock.rs` (buggy) and
//! `examples/tee_fixed.rs` (fixed), copied here because those examples
//! keep their bodies private; see them for the full story.
//!
//! The naive tee writes each value to `out1` then `out2` and never looks
//! at `done`: once the searcher (reading `out1`) has found its value and
//! closed `done`, the tee can block forever on `out1`, so it never closes
//! `out2`, and the body ranging over `out2` is blocked forever (a
//! `Deadlock`). The book's tee offers each value to both outputs and to
//! `done` in one `select!`.

use goweave::chan::{never_sender, Receiver};
use goweave::{chan, select, Builder};

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

/// The naive tee: `out1`, then `out2`, ignoring `done`.
fn tee_buggy(input: Receiver<u32>) -> (Receiver<u32>, Receiver<u32>) {
    let (out1_tx, out1) = chan(0);
    let (out2_tx, out2) = chan(0);
    Builder::new().name("tee").go(move || {
        for v in input {
            out1_tx.send(v); // Bug: blocks forever once the searcher has returned
            out2_tx.send(v);
        }
        out1_tx.close();
        out2_tx.close();
    });
    (out1, out2)
}

/// The book's tee: reads `input` with a `done` check, and offers each value
/// to both outputs and to `done` at once, disabling an output once served.
fn tee_fixed(done: Receiver<()>, input: Receiver<u32>) -> (Receiver<u32>, Receiver<u32>) {
    let (out1_tx, out1) = chan(0);
    let (out2_tx, out2) = chan(0);
    Builder::new().name("tee").go(move || {
        let nil = never_sender();
        loop {
            let v = select! {
                recv(done) -> _ => break,
                recv(input) -> v => match v {
                    Some(v) => v,
                    None => break,
                },
            };
            let (mut o1, mut o2) = (&out1_tx, &out2_tx);
            for _ in 0..2 {
                select! {
                    recv(done) -> _ => {},
                    send(o1, v) => o1 = &nil,
                    send(o2, v) => o2 = &nil,
                }
            }
        }
        out1_tx.close();
        out2_tx.close();
    });
    (out1, out2)
}

/// The searcher reads `out1` until the first even number, then closes
/// `done`; the body logs `out2` until the tee closes it.
fn search_and_log(done_tx: goweave::chan::Sender<()>, out1: Receiver<u32>, out2: Receiver<u32>) {
    let searcher = Builder::new().name("searcher").go(move || {
        for v in out1 {
            if v % 2 == 0 {
                done_tx.close();
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
    assert_eq!(logged.first(), Some(&1), "logged {logged:?}");
    assert!(logged.windows(2).all(|w| w[0] < w[1]), "logged {logged:?}");
}

pub fn buggy() {
    let (done_tx, done) = chan::<()>(0);
    let (out1, out2) = tee_buggy(generator(done, vec![1, 2, 3]));
    search_and_log(done_tx, out1, out2);
}

pub fn fixed() {
    let (done_tx, done) = chan::<()>(0);
    let (out1, out2) = tee_fixed(done.clone(), generator(done, vec![1, 2, 3]));
    search_and_log(done_tx, out1, out2);
}
