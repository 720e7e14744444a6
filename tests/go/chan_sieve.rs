//! Ports of test/chan/sieve1.go and sieve2.go: prime sieves built of tasks
//! and channels.
//!
//! Both Go programs return from `main` with their generators and filters
//! still running, blocked on sends nobody will receive. goweave reports
//! tasks blocked when the body returns as leaked (README, "What it does";
//! docs/API.md, `Leak`), so these tests expect `leak`: it is reported once
//! the body has checked every prime, so a wrong prime would be a `panic`
//! instead and fail the test.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use goweave::chan::{never_sender, Receiver, Sender};
use goweave::{chan, go, select};

const PRIMES: [i32; 25] =
    [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97];

/// Sends 2, 3, 4, ... on `ch`.
fn generate(ch: Sender<i32>) {
    for i in 2.. {
        ch.send(i);
    }
}

/// Copies `input` to `out`, dropping the multiples of `prime`.
fn filter(input: Receiver<i32>, out: Sender<i32>, prime: i32) {
    for i in input {
        if i % prime != 0 {
            out.send(i);
        }
    }
}

/// The daisy chain of filters.
fn sieve(primes: Sender<i32>) {
    let (tx, mut ch) = chan::<i32>(0);
    go(move || generate(tx));
    loop {
        let prime = ch.recv().unwrap();
        primes.send(prime);
        let (ch1_tx, ch1) = chan::<i32>(0);
        go(move || filter(ch, ch1_tx, prime));
        ch = ch1;
    }
}

// Ports test/chan/sieve1.go: the classical concurrent sieve finds the
// primes below 100.
#[goweave::concurrency_test(expect = "leak")]
fn sieve1_primes_below_100() {
    let (tx, primes) = chan::<i32>(0);
    go(move || sieve(tx));
    for want in PRIMES {
        let x = primes.recv().unwrap();
        assert_eq!(x, want, "{x} != {want}");
    }
}

/// The odd numbers from 5.
fn odds() -> Receiver<i32> {
    let (out, rx) = chan::<i32>(50);
    go(move || {
        let mut n = 5;
        loop {
            out.send(n);
            n += 2;
        }
    });
    rx
}

/// The odd multiples of `p`, from `p * p`.
fn multiples(p: i32) -> Receiver<i32> {
    let (out, rx) = chan::<i32>(10);
    go(move || {
        let mut n = p * p;
        loop {
            out.send(n);
            n += 2 * p;
        }
    });
    rx
}

/// A channel of multiples and the value it last gave, ordered by it.
struct PeekCh {
    head: i32,
    ch: Receiver<i32>,
}

impl PartialEq for PeekCh {
    fn eq(&self, other: &Self) -> bool {
        self.head == other.head
    }
}

impl Eq for PeekCh {}

impl PartialOrd for PeekCh {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PeekCh {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.head.cmp(&other.head)
    }
}

/// A sending proxy for `out` that never blocks its sender: a task keeps
/// what `out` does not take yet in a growing buffer.
fn sendproxy(out: Sender<i32>) -> Sender<i32> {
    let (proxy, proxy_rx) = chan::<i32>(10);
    go(move || {
        let mut buf = VecDeque::with_capacity(16);
        loop {
            // An empty buffer disables the output (Go's nil channel).
            let (c, e) = match buf.front() {
                Some(&e) => (out.clone(), e),
                None => (never_sender(), 0),
            };
            select! {
                recv(proxy_rx) -> e => buf.push_back(e.unwrap()),
                send(c, e) => {
                    buf.pop_front();
                },
            }
        }
    });
    proxy
}

/// The primes, from an Eratosthenes-like sieve over the odd numbers.
fn sieve2() -> Receiver<i32> {
    let (out, out_rx) = chan::<i32>(10);
    out.send(2);
    out.send(3);

    // The composites to eliminate, in increasing order.
    let (composites, composites_rx) = chan::<i32>(50);

    // The feedback loop.
    let (primes, primes_rx) = chan::<i32>(10);
    primes.send(3);

    // Merge the channels of multiples of `primes` into `composites`.
    go(move || {
        let mut h: BinaryHeap<Reverse<PeekCh>> = BinaryHeap::new();
        let mut min = 15;
        loop {
            let m = multiples(primes_rx.recv().unwrap());
            let head = m.recv().unwrap();
            while min < head {
                composites.send(min);
                let Reverse(mut minchan) = h.pop().expect("a channel of multiples");
                min = minchan.head;
                minchan.head = minchan.ch.recv().unwrap();
                h.push(Reverse(minchan));
            }
            while min == head {
                let Reverse(mut minchan) = h.pop().expect("a channel of multiples");
                min = minchan.head;
                minchan.head = minchan.ch.recv().unwrap();
                h.push(Reverse(minchan));
            }
            composites.send(head);
            h.push(Reverse(PeekCh { head: m.recv().unwrap(), ch: m }));
        }
    });

    // Sieve the composites out of the candidates.
    go(move || {
        // The merging task reads primes much slower than this one sends
        // them; a proxy buffers them so that this one never blocks.
        let primes = sendproxy(primes);
        let candidates = odds();
        let mut p = candidates.recv().unwrap();
        loop {
            let c = composites_rx.recv().unwrap();
            while p < c {
                primes.send(p);
                out.send(p);
                p = candidates.recv().unwrap();
            }
            if p == c {
                p = candidates.recv().unwrap();
            }
        }
    });

    out_rx
}

// Ports test/chan/sieve2.go: the Eratosthenes-like sieve finds the primes
// below 100.
#[goweave::concurrency_test(expect = "leak")]
fn sieve2_primes_below_100() {
    let primes = sieve2();
    for want in PRIMES {
        let x = primes.recv().unwrap();
        assert_eq!(x, want, "{x} != {want}");
    }
}
