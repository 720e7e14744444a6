//! Go pattern: the ring-buffer channel, which drops the oldest value when
//! its consumer falls behind, and a drop that breaks the order.
//!
//! A ring-buffer channel sits between a fast producer and a slow consumer.
//! A task owns a ring of `CAP` slots: it takes every value from `input` at
//! once (the producer never waits), offers the oldest buffered value on
//! `out`, and when the ring is full it overwrites the oldest value. The
//! consumer then sees a subsequence of the input, in order, that always
//! ends with the newest value:
//!
//! ```text
//! for {
//!     var send chan<- int          // nil, so never ready, while the ring is empty
//!     if n > 0 { send = out }
//!     select {
//!     case v, ok := <-in: ...; ring[(head+n)%CAP] = v; if n == CAP { head = (head+1)%CAP } else { n++ }
//!     case send <- ring[head]: head = (head+1)%CAP; n--
//!     }
//! }
//! ```
//!
//! The bug (`buggy`): when the ring is full, the new value overwrites the
//! oldest slot, `ring[head]`, but `head` is not advanced past it. The slot
//! the consumer reads next now holds the newest value, which overtakes the
//! older ones still in the ring. That only happens when the consumer falls
//! behind by more than `CAP` values, which goweave's scheduler arranges;
//! the consumer's order assertion then fails, a `Panic`.
//!
//! The fix (`fixed`): when full, advance `head` as well, so the oldest
//! value is the one dropped and the new one goes to the back.
//!
//! Run it with `cargo run --example pattern_ring_buffer`: it explores the
//! buggy variant with `Config::default()`, prints the report, then checks
//! the fixed one over every interleaving.

use goweave::chan::{never, never_sender, Receiver};
use goweave::{chan, select, Builder, Config, FailureKind, Strategy};

/// Slots in the ring.
const CAP: usize = 2;

/// The ring-buffer task between `input` and the returned channel.
/// `advance_head_when_full` is the fix: `false` is the bug.
fn ring_buffer(input: Receiver<u32>, advance_head_when_full: bool) -> Receiver<u32> {
    let (out, rx) = chan(0);
    Builder::new().name("ring").go(move || {
        let mut ring = [0u32; CAP];
        let (mut head, mut n) = (0, 0);
        let (no_input, no_output) = (never(), never_sender());
        let mut input_open = true;
        while input_open || n > 0 {
            let send_to = if n > 0 { &out } else { &no_output }; // Go's nil channel
            let recv_from = if input_open { &input } else { &no_input };
            select! {
                recv(recv_from) -> v => match v {
                    Some(v) => {
                        ring[(head + n) % CAP] = v;
                        if n < CAP {
                            n += 1;
                        } else if advance_head_when_full {
                            head = (head + 1) % CAP; // the oldest was overwritten: drop it
                        }
                        // Bug (when !advance_head_when_full): `head` still
                        // points at the slot just overwritten, so the newest
                        // value is sent next, before the older ones.
                    }
                    None => input_open = false,
                },
                send(send_to, ring[head]) => {
                    head = (head + 1) % CAP;
                    n -= 1;
                },
            }
        }
        out.close();
    });
    rx
}

/// The producer sends 1..=3 and closes; the consumer checks the order.
fn run(advance_head_when_full: bool) {
    let (input_tx, input) = chan(0);
    Builder::new().name("producer").go(move || {
        for v in 1..=3 {
            input_tx.send(v);
        }
        input_tx.close();
    });
    let mut got = Vec::new();
    for v in ring_buffer(input, advance_head_when_full) {
        got.push(v);
    }
    // Values may be dropped, but what arrives is in order and ends with
    // the newest value.
    assert!(got.windows(2).all(|w| w[0] < w[1]), "out of order: {got:?}");
    assert_eq!(got.last(), Some(&3), "the newest value was dropped: {got:?}");
}

pub(crate) fn buggy() {
    run(false);
}

pub(crate) fn fixed() {
    run(true);
}

fn main() {
    let name = "pattern_ring_buffer";
    match Config::default().explore(buggy) {
        Err(failure) if failure.kind() == FailureKind::Panic => {
            println!("{failure}");
            println!(
                "{name}: goweave found the order violation, as expected: the ring drops the wrong value."
            );
            println!("Replay it: GOWEAVE_REPLAY={} cargo run --example {name}", failure.schedule());
        }
        Err(failure) => {
            println!("{failure}");
            println!("{name}: expected a Panic, but goweave found a {:?} failure.", failure.kind());
            std::process::exit(1);
        }
        Ok(stats) => {
            println!("{stats}");
            println!("{name}: no failure found, but this ring buffer reorders values.");
            std::process::exit(1);
        }
    }
    if std::env::var_os("GOWEAVE_REPLAY").is_some() {
        return; // the token replays the buggy variant only
    }
    match Config::default().strategy(Strategy::Dfs { preemption_bound: None }).explore(fixed) {
        Ok(stats) => println!("{name} (fixed, head advanced when full): {stats}"),
        Err(failure) => {
            println!("{failure}");
            println!("{name}: the fixed variant failed with a {:?}.", failure.kind());
            std::process::exit(1);
        }
    }
}
