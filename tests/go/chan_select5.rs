//! Ports of a handful of the cases test/chan/select5.go generates: one
//! real send or receive at a time, phrased as selects with extra arms
//! (dummy channels nobody uses, nil channels, a default before or after),
//! checking the value and the order in which operands are evaluated.
//!
//! As in the generated program the channel is buffered, so each case runs
//! on one task: the point is which arm runs, not the interleavings. The
//! Go forms that differ only in how the received value is stored (`x =`,
//! `*f(&x) =`, `y :=`, an interface, a map element) become arm bodies
//! storing it in the same places.

use std::any::Any;
use std::cell::Cell;
use std::collections::BTreeMap;

use goweave::chan::{never, never_sender, Receiver, Sender};
use goweave::{chan, select};

/// The generated program's `f`: the pointer it is given.
fn f(p: &mut i32) -> &mut i32 {
    p
}

/// The generated program's globals.
struct G {
    c: Sender<i32>,
    c_rx: Receiver<i32>,
    nil_tx: Sender<i32>,
    nil_rx: Receiver<i32>,
    dummy: Sender<i32>,
    dummy_rx: Receiver<i32>,
    n: Cell<i32>,
    order: Cell<i32>,
}

impl G {
    fn new() -> G {
        let (c, c_rx) = chan::<i32>(1);
        let (dummy, dummy_rx) = chan::<i32>(0);
        G {
            c,
            c_rx,
            nil_tx: never_sender(),
            nil_rx: never(),
            dummy,
            dummy_rx,
            n: Cell::new(1),
            order: Cell::new(0),
        }
    }

    /// Successive calls must have increasing `o`.
    fn checkorder(&self, o: i32) {
        assert!(o > self.order.get(), "invalid order {o} after {}", self.order.get());
        self.order.set(o);
    }

    fn fc<'a, C>(&self, c: &'a C, o: i32) -> &'a C {
        self.checkorder(o);
        c
    }

    fn fp<'a>(&self, p: &'a mut i32, o: i32) -> &'a mut i32 {
        self.checkorder(o);
        p
    }

    fn fn_(&self, n: i32, o: i32) -> i32 {
        self.checkorder(o);
        n
    }

    /// The end of every case: the value moved is `n`, and `n` moves on.
    fn check(&self, x: i32) {
        assert_eq!(x, self.n.get(), "have {x} want {}", self.n.get());
        self.n.set(self.n.get() + 1);
    }
}

// Ports test/chan/select5.go (template recv): a blocking select receives
// the value beside dummy and nil arms, for each way of storing it.
#[goweave::concurrency_test]
fn recv_beside_dummy_and_nil_arms_in_every_form() {
    let g = G::new();
    let mut m = BTreeMap::new();
    for form in 0..5 {
        g.c.send(g.n.get());
        let mut x = 0;
        select! {
            recv(g.c_rx) -> v => match form {
                0 => x = v.unwrap(),
                1 => *f(&mut x) = v.unwrap(),
                2 => {
                    let y = v.unwrap();
                    x = y;
                }
                3 => {
                    let i: Box<dyn Any> = Box::new(v.unwrap());
                    x = *i.downcast_ref::<i32>().expect("an int");
                }
                _ => {
                    m.insert(13, v.unwrap());
                    x = m[&13];
                }
            },
            send(g.dummy, 1) => panic!("dummy send"),
            recv(g.dummy_rx) -> _ => panic!("dummy receive"),
            send(g.nil_tx, 1) => panic!("nilch send"),
            recv(g.nil_rx) -> _ => panic!("nilch recv"),
        }
        g.check(x);
    }
}

// Ports test/chan/select5.go (template recv with MaybeDefault): a ready
// receive wins over a default placed before or after it.
#[goweave::concurrency_test]
fn recv_wins_over_a_default_before_or_after_it() {
    let g = G::new();
    g.c.send(g.n.get());
    let x = select! {
        default => panic!("nonblock"),
        recv(g.c_rx) -> v => v.unwrap(),
        recv(g.dummy_rx) -> _ => panic!("dummy receive"),
    };
    g.check(x);
    g.c.send(g.n.get());
    let x = select! {
        recv(g.c_rx) -> v => v.unwrap(),
        default => panic!("nonblock"),
        send(g.nil_tx, 1) => panic!("nilch send"),
    };
    g.check(x);
}

// Ports test/chan/select5.go (template send): a send arm beside dummy and
// nil arms, blocking or with a default before or after it.
#[goweave::concurrency_test]
fn send_beside_dummy_and_nil_arms_with_or_without_default() {
    let g = G::new();
    select! {
        send(g.c, g.n.get()) => {},
        send(g.dummy, 1) => panic!("dummy send"),
        recv(g.dummy_rx) -> _ => panic!("dummy receive"),
        send(g.nil_tx, 1) => panic!("nilch send"),
        recv(g.nil_rx) -> _ => panic!("nilch recv"),
    }
    g.check(g.c_rx.recv().unwrap());
    select! {
        default => panic!("nonblock"),
        send(g.c, g.n.get()) => {},
        recv(g.nil_rx) -> _ => panic!("nilch recv"),
    }
    g.check(g.c_rx.recv().unwrap());
    select! {
        send(g.c, g.n.get()) => {},
        send(g.dummy, 1) => panic!("dummy send"),
        default => panic!("nonblock"),
    }
    g.check(g.c_rx.recv().unwrap());
}

// Ports test/chan/select5.go (template recvOrder): every channel operand
// and send value is evaluated on entering the select, in source order;
// the receive's destination only after its arm is chosen.
#[goweave::concurrency_test]
fn recv_select_evaluates_operands_in_order() {
    let g = G::new();
    g.order.set(0);
    g.c.send(g.n.get());
    let mut x = 0;
    select! {
        recv(g.fc(&g.c_rx, 1)) -> v => *g.fp(&mut x, 100) = v.unwrap(),
        send(g.fc(&g.dummy, 2), g.fn_(1, 3)) => panic!("dummy send"),
        recv(g.fc(&g.dummy_rx, 4)) -> _ => panic!("dummy receive"),
        send(g.fc(&g.nil_tx, 5), g.fn_(1, 6)) => panic!("nilch send"),
        recv(g.fc(&g.nil_rx, 7)) -> _ => panic!("nilch recv"),
    }
    g.check(x);
    // With a default, and the value stored in a map.
    g.order.set(0);
    g.c.send(g.n.get());
    let mut m = BTreeMap::new();
    select! {
        recv(g.fc(&g.c_rx, 1)) -> v => {
            m.insert(g.fn_(13, 100), v.unwrap());
        },
        default => panic!("nonblock"),
        recv(g.fc(&g.dummy_rx, 4)) -> _ => panic!("dummy receive"),
    }
    g.check(m[&13]);
}

// Ports test/chan/select5.go (template sendOrder): a send arm's channel,
// then its value, then the next arms' operands, in source order.
#[goweave::concurrency_test]
fn send_select_evaluates_operands_in_order() {
    let g = G::new();
    g.order.set(0);
    select! {
        send(g.fc(&g.c, 1), g.fn_(g.n.get(), 2)) => {},
        send(g.fc(&g.dummy, 3), g.fn_(1, 4)) => panic!("dummy send"),
        recv(g.fc(&g.dummy_rx, 5)) -> _ => panic!("dummy receive"),
        send(g.fc(&g.nil_tx, 6), g.fn_(1, 7)) => panic!("nilch send"),
        recv(g.fc(&g.nil_rx, 8)) -> _ => panic!("nilch recv"),
    }
    g.check(g.c_rx.recv().unwrap());
    g.order.set(0);
    select! {
        default => panic!("nonblock"),
        send(g.fc(&g.c, 1), g.fn_(g.n.get(), 2)) => {},
        send(g.fc(&g.nil_tx, 6), g.fn_(1, 7)) => panic!("nilch send"),
    }
    g.check(g.c_rx.recv().unwrap());
}

// Ports test/chan/select5.go (template nonblock): with nothing ready the
// default runs and no receive touches its destination.
#[goweave::concurrency_test]
fn nonblocking_select_with_nothing_ready_takes_the_default() {
    let g = G::new();
    for default_first in [true, false] {
        // Go stores into x here; the arms that would must not run.
        let x = g.n.get();
        if default_first {
            select! {
                default => {},
                send(g.dummy, 1) => panic!("dummy <- 1"),
                send(g.nil_tx, 1) => panic!("nilch <- 1"),
                recv(g.dummy_rx) -> _ => panic!("<-dummy"),
                recv(g.dummy_rx) -> v => panic!("<-dummy x: {v:?}"),
                recv(g.nil_rx) -> _ => panic!("<-nilch"),
            }
        } else {
            select! {
                recv(g.nil_rx) -> v => panic!("<-nilch x: {v:?}"),
                recv(g.dummy_rx) -> _ => panic!("<-dummy"),
                default => {},
            }
        }
        g.check(x);
    }
}
