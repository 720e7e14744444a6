//! Ports of test/chan/select.go, select2.go, select4.go, select6.go,
//! select7.go and doubleselect.go.

use std::cell::Cell;
use std::collections::BTreeSet;

use goweave::chan::{never_sender, Receiver, Sender};
use goweave::{chan, go, select, yield_now};

/// The value select.go's `GetValue` returns: `1 << shift`, counting calls.
struct Values {
    counter: Cell<u32>,
    shift: Cell<u32>,
}

impl Values {
    fn get(&self) -> u32 {
        self.counter.set(self.counter.get() + 1);
        1 << self.shift.get()
    }
}

/// select.go's `Send`: sends on `a` and `b` until neither is ready, each at
/// most once (a channel used is set to nil); the number of sends.
fn send_all(v: &Values, mut a: Sender<u32>, mut b: Sender<u32>) -> usize {
    let mut i = 0;
    loop {
        // Both values are computed on entering the select, nil channel or
        // not, as in Go.
        let sent = select! {
            send(a, v.get()) => 'a',
            send(b, v.get()) => 'b',
            default => break,
        };
        i += 1;
        match sent {
            'a' => a = never_sender(),
            _ => b = never_sender(),
        }
        v.shift.set(v.shift.get() + 1);
    }
    i
}

// Ports test/chan/select.go (its main).
#[goweave::concurrency_test]
fn select_send_evaluates_every_arm_and_skips_nil_channels() {
    let v = Values { counter: Cell::new(0), shift: Cell::new(0) };
    let (a, a_rx) = chan::<u32>(1);
    let (b, b_rx) = chan::<u32>(1);
    assert_eq!(send_all(&v, a.clone(), b), 2, "Send returned != 2");
    let (av, bv) = (a_rx.recv().unwrap(), b_rx.recv().unwrap());
    assert_eq!(av | bv, 3, "bad values {av} {bv}");
    assert_eq!(send_all(&v, a, never_sender()), 1, "Send returned != 1");
    assert_eq!(v.counter.get(), 10, "counter is not 10");
}

fn select2_sender(c: Sender<i32>, n: usize) {
    for _ in 0..n {
        c.send(1);
    }
}

fn select2_receiver(c: &Receiver<i32>, dummy: &Receiver<i32>, n: usize) {
    for _ in 0..n {
        select! {
            recv(c) -> _ => {},
            recv(dummy) -> _ => panic!("dummy"),
        }
    }
}

// Ports test/chan/select2.go (its selects; the memory measure has no
// counterpart). 100,000 selects shrunk to 20, twice.
#[goweave::concurrency_test]
fn select2_selects_never_take_the_dummy_arm() {
    let (c_tx, c) = chan::<i32>(0);
    let (_dummy_tx, dummy) = chan::<i32>(0);
    let tx = c_tx.clone();
    go(move || select2_sender(tx, 20));
    select2_receiver(&c, &dummy, 20);
    go(move || select2_sender(c_tx, 20));
    select2_receiver(&c, &dummy, 20);
}

// Ports test/chan/select4.go: an arm not chosen does not run its
// assignment (there `*f() = <-c1` must not call f).
#[goweave::concurrency_test]
fn select4_only_the_chosen_arm_assigns() {
    let called = Cell::new(false);
    let f = || called.set(true);
    let mut x = 0;
    let (c_tx, c) = chan::<i32>(1);
    let (_c1_tx, c1) = chan::<i32>(0);
    c_tx.send(42);
    select! {
        recv(c1) -> v => {
            f();
            let _ = v;
        },
        recv(c) -> v => {
            x = v.unwrap();
            assert_eq!(x, 42, "BUG: {x}");
        },
    }
    assert!(!called.get(), "BUG: called f");
    assert_eq!(x, 42);
}

// Ports test/chan/select6.go (issue 2075: a select that loses must leave
// the queues of the channels it waited on intact).
#[goweave::concurrency_test]
fn select6_losing_arm_leaves_the_channel_queue_intact() {
    let (c1_tx, c1) = chan::<bool>(0);
    let (c2_tx, c2) = chan::<bool>(0);
    let (c3_tx, c3) = chan::<bool>(0);
    let r = c1.clone();
    go(move || {
        r.recv();
    });
    go(move || {
        select! {
            recv(c1) -> _ => panic!("dummy"),
            recv(c2) -> _ => c3_tx.send(true),
        }
        c1.recv();
    });
    go(move || c2_tx.send(true));
    c3.recv();
    c1_tx.send(true);
    c1_tx.send(true);
}

fn recv1(c: Receiver<i32>) {
    c.recv();
}

fn recv2(c: Receiver<i32>) {
    select! {
        recv(c) -> _ => {},
    }
}

fn recv3(c: Receiver<i32>) {
    let (_c2_tx, c2) = chan::<i32>(0);
    select! {
        recv(c) -> _ => {},
        recv(c2) -> _ => {},
    }
}

fn send1(recv: fn(Receiver<i32>)) {
    let (c, rx) = chan::<i32>(0);
    go(move || recv(rx));
    yield_now();
    c.send(1);
}

fn send2(recv: fn(Receiver<i32>)) {
    let (c, rx) = chan::<i32>(0);
    go(move || recv(rx));
    yield_now();
    select! {
        send(c, 1) => {},
    }
}

fn send3(recv: fn(Receiver<i32>)) {
    let (c, rx) = chan::<i32>(0);
    go(move || recv(rx));
    yield_now();
    let (c2, _c2_rx) = chan::<i32>(0);
    select! {
        send(c, 1) => {},
        send(c2, 1) => {},
    }
}

// Ports test/chan/select7.go (send1 with recv1, recv2 and recv3).
#[goweave::concurrency_test]
fn select7_plain_send_to_each_kind_of_receive() {
    send1(recv1);
    send1(recv2);
    send1(recv3);
}

// Ports test/chan/select7.go (send2 with recv1, recv2 and recv3).
#[goweave::concurrency_test]
fn select7_one_arm_select_send_to_each_kind_of_receive() {
    send2(recv1);
    send2(recv2);
    send2(recv3);
}

// Ports test/chan/select7.go (send3 with recv1, recv2 and recv3).
#[goweave::concurrency_test]
fn select7_two_arm_select_send_to_each_kind_of_receive() {
    send3(recv1);
    send3(recv2);
    send3(recv3);
}

/// doubleselect.go's `sender`: each value to one of four channels.
fn ds_sender(n: i32, c: [Sender<i32>; 4]) {
    for i in 0..n {
        select! {
            send(c[0], i) => {},
            send(c[1], i) => {},
            send(c[2], i) => {},
            send(c[3], i) => {},
        }
    }
    // Go's deferred closes, last deferred first.
    for c in c.iter().rev() {
        c.close();
    }
}

fn ds_mux(out: Sender<i32>, input: Receiver<i32>, done: Sender<bool>) {
    for v in input {
        out.send(v);
    }
    done.send(true);
}

fn ds_recver(input: Receiver<i32>) {
    let mut seen = BTreeSet::new();
    for v in input {
        assert!(seen.insert(v), "got duplicate value: {v}");
    }
}

// Ports test/chan/doubleselect.go: no two arms of one select both run.
// 100,000 iterations shrunk to 6.
#[goweave::concurrency_test]
fn doubleselect_runs_one_arm_per_select() {
    let (txs, rxs): (Vec<_>, Vec<_>) = (0..4).map(|_| chan::<i32>(0)).unzip();
    let (done_tx, done) = chan::<bool>(0);
    let (cmux_tx, cmux) = chan::<i32>(0);
    let senders: [Sender<i32>; 4] = txs.try_into().expect("four channels");
    go(move || ds_sender(6, senders));
    for rx in rxs {
        let (out, done_tx) = (cmux_tx.clone(), done_tx.clone());
        go(move || ds_mux(out, rx, done_tx));
    }
    go(move || {
        for _ in 0..4 {
            done.recv();
        }
        cmux_tx.close();
    });
    ds_recver(cmux);
}
