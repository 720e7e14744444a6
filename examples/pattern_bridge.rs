//! Go pattern: the bridge channel, and the bridge that forwards an inner
//! stream without watching `done`.
//!
//! A bridge (*Concurrency in Go*, ch. 4) turns a channel of channels into
//! one flat channel: it reads each inner channel from `chan_stream`, in
//! order, and forwards its values until that inner channel is closed. The
//! consumer just ranges over the bridge's output, and cancels the whole
//! thing by closing `done`:
//!
//! ```text
//! for {
//!     var stream <-chan interface{}
//!     select {
//!     case s, ok := <-chanStream: if !ok { return }; stream = s
//!     case <-done: return
//!     }
//!     for val := range orDone(done, stream) {
//!         select { case valStream <- val: case <-done: }
//!     }
//! }
//! ```
//!
//! The issue names no bug for this pattern; this example picks the one the
//! book's `orDone` is there to prevent. The buggy bridge (`bridge_buggy`)
//! watches `done` only between inner channels: it forwards each inner
//! stream with a plain `for v := range stream { out <- v }`. The consumer
//! takes the first three values and closes `done`, but the bridge is in
//! the middle of the second inner stream, blocked forever sending its next
//! value on an output nobody reads. The body has returned, so goweave
//! reports the bridge as a `Leak`.
//!
//! The fix (`bridge_fixed`): the book's bridge, which also selects on
//! `done` while reading and forwarding each inner stream.
//!
//! Run it with `cargo run --example pattern_bridge`: it explores the buggy
//! variant with `Config::default()`, prints the report, then checks the
//! fixed one over every interleaving.

use goweave::chan::Receiver;
use goweave::{chan, select, Builder, Config, FailureKind, Strategy};

/// A stream of three channels, each holding two values: [0, 1], [2, 3],
/// [4, 5]. It stops early if `done` is closed.
fn gen_streams(done: Receiver<()>) -> Receiver<Receiver<u32>> {
    let (tx, rx) = chan(0);
    Builder::new().name("gen_streams").go(move || {
        for i in 0..3 {
            let (stream_tx, stream) = chan(2);
            stream_tx.send(2 * i);
            stream_tx.send(2 * i + 1);
            stream_tx.close();
            select! {
                send(tx, stream) => {},
                recv(done) -> _ => break,
            }
        }
        tx.close();
    });
    rx
}

/// The bridge that forwards an inner stream without watching `done`.
fn bridge_buggy(done: Receiver<()>, chan_stream: Receiver<Receiver<u32>>) -> Receiver<u32> {
    let (out, rx) = chan(0);
    Builder::new().name("bridge").go(move || {
        loop {
            let stream = select! {
                recv(done) -> _ => break,
                recv(chan_stream) -> s => match s {
                    Some(s) => s,
                    None => break,
                },
            };
            for v in stream {
                out.send(v); // Bug: blocks forever once the consumer is gone.
            }
        }
        out.close();
    });
    rx
}

/// The book's bridge: `done` is watched at every blocking operation.
fn bridge_fixed(done: Receiver<()>, chan_stream: Receiver<Receiver<u32>>) -> Receiver<u32> {
    let (out, rx) = chan(0);
    Builder::new().name("bridge").go(move || {
        'streams: loop {
            let stream = select! {
                recv(done) -> _ => break,
                recv(chan_stream) -> s => match s {
                    Some(s) => s,
                    None => break,
                },
            };
            loop {
                // orDone(done, stream)
                let v = select! {
                    recv(done) -> _ => break 'streams,
                    recv(stream) -> v => match v {
                        Some(v) => v,
                        None => break,
                    },
                };
                select! {
                    send(out, v) => {},
                    recv(done) -> _ => break 'streams,
                }
            }
        }
        out.close();
    });
    rx
}

/// The consumer: the first three values, then cancel.
fn consume(values: Receiver<u32>, done_tx: goweave::chan::Sender<()>) {
    let mut first = Vec::new();
    for v in values {
        first.push(v);
        if first.len() == 3 {
            break;
        }
    }
    done_tx.close(); // Go: defer close(done)
    assert_eq!(first, vec![0, 1, 2]);
}

pub(crate) fn buggy() {
    let (done_tx, done) = chan::<()>(0);
    let values = bridge_buggy(done.clone(), gen_streams(done));
    consume(values, done_tx);
}

pub(crate) fn fixed() {
    let (done_tx, done) = chan::<()>(0);
    let values = bridge_fixed(done.clone(), gen_streams(done));
    consume(values, done_tx);
}

fn main() {
    let name = "pattern_bridge";
    match Config::default().explore(buggy) {
        Err(failure) if failure.kind() == FailureKind::Leak => {
            println!("{failure}");
            println!(
                "{name}: goweave found the leak, as expected: the bridge forwards without watching done."
            );
            println!("Replay it: GOWEAVE_REPLAY={} cargo run --example {name}", failure.schedule());
        }
        Err(failure) => {
            println!("{failure}");
            println!("{name}: expected a Leak, but goweave found a {:?} failure.", failure.kind());
            std::process::exit(1);
        }
        Ok(stats) => {
            println!("{stats}");
            println!("{name}: no failure found, but this bridge leaks.");
            std::process::exit(1);
        }
    }
    if std::env::var_os("GOWEAVE_REPLAY").is_some() {
        return; // the token replays the buggy variant only
    }
    match Config::default().strategy(Strategy::Dfs { preemption_bound: None }).explore(fixed) {
        Ok(stats) => println!("{name} (fixed, done watched while forwarding): {stats}"),
        Err(failure) => {
            println!("{failure}");
            println!("{name}: the fixed variant failed with a {:?}.", failure.kind());
            std::process::exit(1);
        }
    }
}
