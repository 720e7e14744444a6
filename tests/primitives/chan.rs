//! Channels: rendezvous, capacity, close, ranging, try_*, FIFO order,
//! handles, the nil channel, and Go's channel panics.

use std::sync::Arc;

use goweave::chan;
use goweave::chan::{TryRecvError, TrySendError};
use goweave::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use goweave::{go, select, FailureKind};

use super::{all_pass, fails, outcomes, set, Log};

/// Every interleaving of a sender's marks S0 (before `send`), S1 (after)
/// and a receiver's R0 (before `recv`), R1 (after), on a channel of `cap`.
fn send_recv_orders(cap: usize) -> std::collections::BTreeSet<Vec<&'static str>> {
    outcomes(move || {
        let log = Log::new();
        let (tx, rx) = chan::<i32>(cap);
        let l = log.clone();
        let h = go(move || {
            l.mark("S0");
            tx.send(1);
            l.mark("S1");
        });
        log.mark("R0");
        assert_eq!(rx.recv(), Some(1));
        log.mark("R1");
        h.join().unwrap();
        log.order()
    })
}

#[test]
fn unbuffered_send_completes_only_when_a_receiver_takes_the_value() {
    // Go: both operations start (in either order), then both complete (in
    // either order); neither side gets past its operation alone.
    assert_eq!(
        send_recv_orders(0),
        set([
            vec!["S0", "R0", "S1", "R1"],
            vec!["S0", "R0", "R1", "S1"],
            vec!["R0", "S0", "S1", "R1"],
            vec!["R0", "S0", "R1", "S1"],
        ])
    );
}

#[test]
fn buffered_send_completes_without_a_receiver() {
    // With room in the buffer the send may complete before the receiver
    // even starts; the receive still needs the send to have started.
    assert_eq!(
        send_recv_orders(1),
        set([
            vec!["S0", "S1", "R0", "R1"],
            vec!["S0", "R0", "S1", "R1"],
            vec!["S0", "R0", "R1", "S1"],
            vec!["R0", "S0", "S1", "R1"],
            vec!["R0", "S0", "R1", "S1"],
        ])
    );
}

#[test]
fn unbuffered_sender_never_runs_ahead_of_its_receiver() {
    // The flag set after the send is never seen before the value is taken.
    let seen = outcomes(|| {
        let (tx, rx) = chan::<i32>(0);
        let sent = Arc::new(AtomicBool::new(false));
        let s = sent.clone();
        let h = go(move || {
            tx.send(1);
            s.store(true, SeqCst);
        });
        let before = sent.load(SeqCst);
        assert_eq!(rx.recv(), Some(1));
        h.join().unwrap();
        (before, sent.load(SeqCst))
    });
    assert_eq!(seen, set([(false, true)]));
}

#[test]
fn buffered_capacity_try_send_len_and_cap() {
    all_pass(|| {
        let (tx, rx) = chan::<i32>(2);
        assert_eq!((tx.cap(), rx.cap()), (2, 2));
        assert_eq!((tx.len(), rx.len()), (0, 0));
        assert!(tx.is_empty());
        assert_eq!(tx.try_send(1), Ok(()));
        assert_eq!(tx.try_send(2), Ok(()));
        assert_eq!((tx.len(), rx.len()), (2, 2));
        assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
        assert_eq!(rx.len(), 2);
        assert_eq!(rx.recv(), Some(1));
        assert_eq!(rx.len(), 1);
        assert_eq!(tx.try_send(3), Ok(()));
        assert_eq!(rx.recv(), Some(2));
        assert_eq!(rx.recv(), Some(3));
        assert_eq!(rx.len(), 0);
        let (utx, urx) = chan::<i32>(0);
        assert_eq!((utx.cap(), urx.cap(), urx.len()), (0, 0, 0));
    });
}

#[test]
fn third_send_on_a_capacity_two_channel_blocks_until_a_receive() {
    // (sends completed, buffer length) as seen by the receiver before it
    // receives: never 3 sends, never more than 2 buffered.
    let seen = outcomes(|| {
        let (tx, rx) = chan::<i32>(2);
        let sent = Arc::new(AtomicUsize::new(0));
        let s = sent.clone();
        let h = go(move || {
            for i in 0..3 {
                tx.send(i);
                s.fetch_add(1, SeqCst);
            }
        });
        let before = sent.load(SeqCst);
        let len = rx.len();
        let got: Vec<i32> = (0..3).map(|_| rx.recv().unwrap()).collect();
        assert_eq!(got, vec![0, 1, 2]);
        h.join().unwrap();
        (before, len)
    });
    assert_eq!(seen, set([(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)]));
}

#[test]
fn close_then_drain_then_none() {
    all_pass(|| {
        let (tx, rx) = chan::<i32>(3);
        tx.send(1);
        tx.send(2);
        tx.close();
        assert_eq!(rx.len(), 2);
        assert_eq!(rx.recv(), Some(1));
        assert_eq!(rx.try_recv(), Ok(2));
        assert_eq!(rx.recv(), None);
        assert_eq!(rx.recv(), None);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

#[test]
fn values_sent_before_close_are_received_by_another_task() {
    for cap in [0, 1, 3] {
        let got = outcomes(move || {
            let (tx, rx) = chan::<i32>(cap);
            go(move || {
                tx.send(1);
                tx.send(2);
                tx.close();
            });
            let mut got = Vec::new();
            while let Some(v) = rx.recv() {
                got.push(v);
            }
            assert_eq!(rx.recv(), None);
            got
        });
        assert_eq!(got, set([vec![1, 2]]), "capacity {cap}");
    }
}

#[test]
fn a_receiver_blocked_at_close_gets_none() {
    let seen = outcomes(|| {
        let (tx, rx) = chan::<i32>(0);
        let h = go(move || rx.recv());
        tx.close();
        h.join().unwrap()
    });
    assert_eq!(seen, set([None]));
}

#[test]
fn for_loop_over_a_receiver_ends_at_close() {
    for cap in [0, 2] {
        let got = outcomes(move || {
            let (tx, rx) = chan::<i32>(cap);
            go(move || {
                for i in 0..3 {
                    tx.send(i);
                }
                tx.close();
            });
            let mut got = Vec::new();
            for v in &rx {
                got.push(v);
            }
            assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
            got
        });
        assert_eq!(got, set([vec![0, 1, 2]]), "capacity {cap}");
    }
    // The owning form too.
    let got = outcomes(|| {
        let (tx, rx) = chan::<i32>(1);
        go(move || {
            tx.send(7);
            tx.send(8);
            tx.close();
        });
        rx.into_iter().collect::<Vec<_>>()
    });
    assert_eq!(got, set([vec![7, 8]]));
}

#[test]
fn try_send_full_and_closed_hand_the_value_back() {
    all_pass(|| {
        let (tx, rx) = chan::<String>(1);
        assert_eq!(tx.try_send("a".to_string()), Ok(()));
        match tx.try_send("b".to_string()) {
            Err(TrySendError::Full(v)) => assert_eq!(v, "b"),
            other => panic!("expected Full, got {other:?}"),
        }
        tx.close();
        match tx.try_send("c".to_string()) {
            Err(TrySendError::Closed(v)) => assert_eq!(v, "c"),
            other => panic!("expected Closed, got {other:?}"),
        }
        // Closed wins over Full, and an empty closed channel is Closed too.
        assert_eq!(rx.recv().as_deref(), Some("a"));
        match tx.try_send("d".to_string()) {
            Err(e @ TrySendError::Closed(_)) => assert_eq!(e.into_inner(), "d"),
            other => panic!("expected Closed, got {other:?}"),
        }
    });
}

#[test]
fn try_send_on_unbuffered_with_no_receiver_waiting_is_full() {
    all_pass(|| {
        let (tx, _rx) = chan::<i32>(0);
        assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
    });
}

#[test]
fn try_send_on_unbuffered_succeeds_exactly_when_a_receiver_waits() {
    let seen = outcomes(|| {
        let (tx, rx) = chan::<i32>(0);
        let h = go(move || rx.recv());
        let handed = match tx.try_send(1) {
            Ok(()) => true,
            Err(TrySendError::Full(v)) => {
                tx.send(v);
                false
            }
            Err(e) => panic!("unexpected {e:?}"),
        };
        assert_eq!(h.join().unwrap(), Some(1));
        handed
    });
    assert_eq!(seen, set([false, true]));
}

#[test]
fn try_recv_empty_value_and_closed() {
    all_pass(|| {
        let (tx, rx) = chan::<i32>(1);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        tx.send(4);
        assert_eq!(rx.try_recv(), Ok(4));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        tx.close();
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
        let (_utx, urx) = chan::<i32>(0);
        assert_eq!(urx.try_recv(), Err(TryRecvError::Empty));
    });
}

#[test]
fn try_recv_on_unbuffered_takes_from_a_waiting_sender() {
    let seen = outcomes(|| {
        let (tx, rx) = chan::<i32>(0);
        let h = go(move || tx.send(7));
        let got = match rx.try_recv() {
            Ok(v) => Some(v),
            Err(TryRecvError::Empty) => {
                assert_eq!(rx.recv(), Some(7));
                None
            }
            Err(TryRecvError::Closed) => panic!("not closed"),
        };
        h.join().unwrap();
        got
    });
    assert_eq!(seen, set([None, Some(7)]));
}

#[test]
fn try_recv_can_run_between_a_senders_previous_step_and_its_send() {
    // The sender sets a flag, then sends. In Go the receiver can see the
    // flag and still find no sender waiting (the sender has not reached its
    // send yet): (true, false) must occur, as must the other three.
    let seen = outcomes(|| {
        let (tx, rx) = chan::<i32>(0);
        let flag = Arc::new(AtomicBool::new(false));
        let f = flag.clone();
        let h = go(move || {
            f.store(true, SeqCst);
            tx.send(1);
        });
        let flagged = flag.load(SeqCst);
        let took = match rx.try_recv() {
            Ok(v) => {
                assert_eq!(v, 1);
                true
            }
            Err(_) => {
                assert_eq!(rx.recv(), Some(1));
                false
            }
        };
        h.join().unwrap();
        (flagged, took)
    });
    assert_eq!(seen, set([(false, false), (false, true), (true, false), (true, true)]));
}

#[test]
fn one_sender_is_received_in_fifo_order() {
    for cap in [0, 1, 3] {
        let got = outcomes(move || {
            let (tx, rx) = chan::<i32>(cap);
            go(move || {
                for i in 0..4 {
                    tx.send(i);
                }
            });
            (0..4).map(|_| rx.recv().unwrap()).collect::<Vec<_>>()
        });
        assert_eq!(got, set([vec![0, 1, 2, 3]]), "capacity {cap}");
    }
}

#[test]
fn two_senders_interleave_but_each_keeps_its_order() {
    for cap in [0, 1] {
        let got = outcomes(move || {
            let (tx, rx) = chan::<i32>(cap);
            let tx2 = tx.clone();
            go(move || {
                tx.send(1);
                tx.send(2);
            });
            go(move || {
                tx2.send(10);
                tx2.send(20);
            });
            (0..4).map(|_| rx.recv().unwrap()).collect::<Vec<_>>()
        });
        // Every merge of [1, 2] and [10, 20], and nothing else.
        assert_eq!(
            got,
            set([
                vec![1, 2, 10, 20],
                vec![1, 10, 2, 20],
                vec![1, 10, 20, 2],
                vec![10, 1, 2, 20],
                vec![10, 1, 20, 2],
                vec![10, 20, 1, 2],
            ]),
            "capacity {cap}"
        );
    }
}

#[test]
fn clones_are_handles_to_one_channel() {
    all_pass(|| {
        let (tx, rx) = chan::<i32>(2);
        let tx2 = tx.clone();
        let rx2 = rx.clone();
        tx2.send(1);
        assert_eq!((tx.len(), rx.len(), rx2.len()), (1, 1, 1));
        assert_eq!(rx.recv(), Some(1));
        assert_eq!(rx2.try_recv(), Err(TryRecvError::Empty));
        tx.send(2);
        assert_eq!(rx2.recv(), Some(2));
        tx2.close();
        assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
        assert_eq!(rx.recv(), None);
        assert_eq!(rx2.recv(), None);
    });
    // Across tasks: two clones send, two clones receive.
    let got = outcomes(|| {
        let (tx, rx) = chan::<i32>(0);
        let (tx2, rx2) = (tx.clone(), rx.clone());
        go(move || tx.send(5));
        go(move || tx2.send(6));
        let h = go(move || rx2.recv());
        let mut got = vec![rx.recv().unwrap(), h.join().unwrap().unwrap()];
        got.sort();
        got
    });
    assert_eq!(got, set([vec![5, 6]]));
}

#[test]
fn dropping_every_sender_does_not_close() {
    all_pass(|| {
        let (tx, rx) = chan::<i32>(1);
        tx.send(1);
        let tx2 = tx.clone();
        drop(tx);
        drop(tx2);
        assert_eq!(rx.recv(), Some(1));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    });
}

#[test]
fn never_is_never_ready() {
    all_pass(|| {
        let nil = chan::never::<i32>();
        assert_eq!(nil.try_recv(), Err(TryRecvError::Empty));
        let picked = select! {
            recv(nil) -> _ => "nil",
            default => "default",
        };
        assert_eq!(picked, "default");
    });
    // Beside a ready channel, only the ready arm ever fires.
    let seen = outcomes(|| {
        let nil = chan::never::<i32>();
        let (tx, rx) = chan::<i32>(1);
        go(move || tx.send(3));
        select! {
            recv(nil) -> v => ("nil", v),
            recv(rx) -> v => ("rx", v),
        }
    });
    assert_eq!(seen, set([("rx", Some(3))]));
}

#[test]
fn receiving_from_never_blocks_forever() {
    fails(FailureKind::Deadlock, &[], || {
        let nil = chan::never::<i32>();
        nil.recv();
    });
}

#[test]
fn send_on_closed_channel_panics() {
    fails(FailureKind::Panic, &["send on closed channel"], || {
        let (tx, _rx) = chan::<i32>(1);
        tx.close();
        tx.send(1);
    });
    fails(FailureKind::Panic, &["send on closed channel"], || {
        let (tx, _rx) = chan::<i32>(0);
        tx.close();
        tx.send(1);
    });
}

#[test]
fn close_of_closed_channel_panics() {
    fails(FailureKind::Panic, &["close of closed channel"], || {
        let (tx, _rx) = chan::<i32>(1);
        let tx2 = tx.clone();
        tx.close();
        tx2.close();
    });
}

#[test]
fn a_sender_blocked_when_the_channel_is_closed_panics() {
    // Unjoined: the sender's panic is a failure of the test.
    fails(FailureKind::Panic, &["send on closed channel"], || {
        let (tx, rx) = chan::<i32>(0);
        let tx2 = tx.clone();
        go(move || tx2.send(1));
        goweave::yield_now();
        tx.close();
        drop(rx);
    });
    // Joined, the panic is the join's error in every execution, whether the
    // sender was already blocked in `send` (started) or not yet.
    let seen = outcomes(|| {
        let (tx, _rx) = chan::<i32>(0);
        let started = Arc::new(AtomicBool::new(false));
        let (tx2, s) = (tx.clone(), started.clone());
        let h = go(move || {
            s.store(true, SeqCst);
            tx2.send(1);
        });
        let was_started = started.load(SeqCst);
        tx.close();
        let err = h.join().expect_err("the send on a closed channel returned");
        (was_started, err.message().contains("send on closed channel"))
    });
    assert_eq!(seen, set([(false, true), (true, true)]));
}

#[test]
fn a_sender_blocked_on_a_full_buffer_when_the_channel_is_closed_panics() {
    let seen = outcomes(|| {
        let (tx, rx) = chan::<i32>(1);
        tx.send(0);
        let tx2 = tx.clone();
        let h = go(move || tx2.send(1));
        tx.close();
        let err = h.join().expect_err("the send on a closed channel returned");
        assert!(err.message().contains("send on closed channel"), "{err}");
        // The value buffered before the close is still delivered.
        (rx.recv(), rx.recv())
    });
    assert_eq!(seen, set([(Some(0), None)]));
}
