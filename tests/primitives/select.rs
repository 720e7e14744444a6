//! `select!`: default, choice among ready arms, send arms, operand
//! evaluation, control flow in arm bodies, fairness, closed channels.

use std::sync::{Arc, Mutex as StdMutex};

use goweave::sync::atomic::{AtomicBool, Ordering::SeqCst};
use goweave::{chan, go, select, Config, FailureKind, Strategy};

use super::{all_pass, fails, outcomes, set};

#[test]
fn default_runs_only_when_nothing_is_ready() {
    all_pass(|| {
        let (tx, rx) = chan::<i32>(1);
        let idle = select! {
            recv(rx) -> _ => false,
            default => true,
        };
        assert!(idle, "default must run on an empty channel");
        tx.send(1);
        let got = select! {
            recv(rx) -> v => v,
            default => None,
        };
        assert_eq!(got, Some(1), "a ready arm must win over default");
    });
}

#[test]
fn default_never_runs_once_a_value_is_buffered() {
    // (value was buffered before the select, arm that fired)
    let seen = outcomes(|| {
        let (tx, rx) = chan::<i32>(1);
        let sent = Arc::new(AtomicBool::new(false));
        let s = sent.clone();
        go(move || {
            tx.send(1);
            s.store(true, SeqCst);
        });
        let before = sent.load(SeqCst);
        let arm = select! {
            recv(rx) -> v => { assert_eq!(v, Some(1)); "recv" },
            default => "default",
        };
        if arm == "default" {
            assert_eq!(rx.recv(), Some(1));
        }
        (before, arm)
    });
    assert_eq!(seen, set([(false, "default"), (false, "recv"), (true, "recv")]));
}

#[test]
fn every_ready_arm_fires_in_some_execution() {
    let seen = outcomes(|| {
        let (tx1, rx1) = chan::<i32>(1);
        let (tx2, rx2) = chan::<i32>(1);
        let (tx3, rx3) = chan::<i32>(1);
        tx1.send(1);
        tx2.send(2);
        select! {
            recv(rx1) -> v => v.unwrap(),
            recv(rx2) -> v => v.unwrap(),
            send(tx3, 3) => { assert_eq!(rx3.try_recv(), Ok(3)); 3 },
            default => 0,
        }
    });
    assert_eq!(seen, set([1, 2, 3]));
}

#[test]
fn select_blocks_until_an_arm_is_ready() {
    let seen = outcomes(|| {
        let (tx1, rx1) = chan::<i32>(0);
        let (tx2, rx2) = chan::<i32>(0);
        go(move || tx1.send(1));
        let h = go(move || tx2.send(2));
        let first = select! {
            recv(rx1) -> v => v.unwrap(),
            recv(rx2) -> v => v.unwrap(),
        };
        // Unblock the other sender.
        let second = if first == 1 { rx2.recv() } else { rx1.recv() };
        h.join().unwrap();
        (first, second.unwrap())
    });
    assert_eq!(seen, set([(1, 2), (2, 1)]));
}

#[test]
fn send_arms_fire_when_there_is_room() {
    all_pass(|| {
        let (tx, rx) = chan::<i32>(1);
        let first = select! {
            send(tx, 5) => "sent",
            default => "full",
        };
        let second = select! {
            send(tx, 6) => "sent",
            default => "full",
        };
        assert_eq!((first, second), ("sent", "full"));
        assert_eq!(rx.try_recv(), Ok(5));
        assert_eq!(rx.try_recv(), Err(goweave::TryRecvError::Empty));
    });
}

#[test]
fn unbuffered_send_arm_fires_exactly_when_a_receiver_waits() {
    let seen = outcomes(|| {
        let (tx, rx) = chan::<i32>(0);
        let h = go(move || rx.recv());
        let handed = select! {
            send(tx, 1) => true,
            default => false,
        };
        if !handed {
            tx.send(1);
        }
        assert_eq!(h.join().unwrap(), Some(1));
        handed
    });
    assert_eq!(seen, set([false, true]));
}

#[test]
fn a_send_select_meets_a_receive_select() {
    let seen = outcomes(|| {
        let (tx, rx) = chan::<i32>(0);
        let (_qtx, quit) = chan::<i32>(0);
        let h = go(move || {
            select! {
                send(tx, 9) => "sent",
            }
        });
        let got = select! {
            recv(rx) -> v => v,
            recv(quit) -> _ => None,
        };
        (got, h.join().unwrap())
    });
    assert_eq!(seen, set([(Some(9), "sent")]));
}

#[test]
fn send_arm_on_a_closed_channel_panics() {
    fails(FailureKind::Panic, &["send on closed channel"], || {
        let (tx, _rx) = chan::<i32>(1);
        tx.close();
        select! {
            send(tx, 1) => {},
            default => {},
        }
    });
}

#[test]
fn recv_arm_on_a_closed_channel_yields_none() {
    all_pass(|| {
        let (tx, rx) = chan::<i32>(0);
        tx.close();
        let got = select! {
            recv(rx) -> v => Some(v),
            default => None,
        };
        assert_eq!(got, Some(None), "a closed channel is ready, with None");
    });
    // A closed channel competes with a ready one like any ready arm.
    let seen = outcomes(|| {
        let (tx, rx) = chan::<i32>(0);
        let (tx2, rx2) = chan::<i32>(1);
        tx.close();
        tx2.send(4);
        select! {
            recv(rx) -> v => v,
            recv(rx2) -> v => v,
        }
    });
    assert_eq!(seen, set([None, Some(4)]));
}

#[test]
fn operands_are_evaluated_once_in_order() {
    let seen = outcomes(|| {
        let log = StdMutex::new(Vec::new());
        let note = |what: &'static str| log.lock().unwrap().push(what);
        let (_atx, arx) = chan::<i32>(0);
        let (ctx_, _crx) = chan::<i32>(0);
        let (btx, brx) = chan::<i32>(0);
        let h = go(move || btx.send(7));
        // Nothing is ready at first: the select blocks until the task
        // sends, and still evaluates each operand exactly once.
        let got = select! {
            recv({ note("recv a"); &arx }) -> v => v,
            send({ note("send c"); &ctx_ }, { note("value"); 5 }) => None,
            recv({ note("recv b"); &brx }) -> v => v,
        };
        h.join().unwrap();
        let log = log.lock().unwrap().clone();
        (got, log)
    });
    assert_eq!(seen, set([(Some(7), vec!["recv a", "send c", "value", "recv b"])]));
}

#[test]
fn select_is_an_expression_with_break_continue_return_and_question_mark() {
    fn first_doubled(rx: &goweave::chan::Receiver<i32>) -> Option<i32> {
        select! {
            recv(rx) -> v => return v.map(|x| x * 2),
            default => {},
        }
        None
    }
    fn checked(rx: &goweave::chan::Receiver<i32>) -> Result<i32, String> {
        let v = select! {
            recv(rx) -> v => v.ok_or_else(|| "closed".to_string())?,
        };
        Ok(v + 1)
    }
    all_pass(|| {
        let (tx, rx) = chan::<i32>(4);
        assert_eq!(first_doubled(&rx), None);
        tx.send(21);
        assert_eq!(first_doubled(&rx), Some(42));
        tx.send(1);
        assert_eq!(checked(&rx), Ok(2));

        for i in 0..3 {
            tx.send(i);
        }
        tx.close();
        let mut sum = 0;
        let mut skipped = 0;
        loop {
            select! {
                recv(rx) -> v => match v {
                    Some(1) => { skipped += 1; continue; }
                    Some(x) => sum += x,
                    None => break,
                },
            }
        }
        assert_eq!((sum, skipped), (2, 1));
        assert_eq!(checked(&rx), Err("closed".to_string()));
    });
}

#[test]
fn random_mode_picks_ready_arms_uniformly() {
    let counts = Arc::new(StdMutex::new([0u32; 2]));
    let c = counts.clone();
    let stats = Config::default()
        .strategy(Strategy::Random)
        .seed(7)
        .iterations(2000)
        .explore(move || {
            let (tx1, rx1) = chan::<()>(1);
            let (tx2, rx2) = chan::<()>(1);
            tx1.send(());
            tx2.send(());
            let arm = select! {
                recv(rx1) -> _ => 0,
                recv(rx2) -> _ => 1,
            };
            c.lock().unwrap()[arm] += 1;
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert_eq!(stats.executions(), 2000);
    let counts = *counts.lock().unwrap();
    assert_eq!(counts[0] + counts[1], 2000);
    for (arm, n) in counts.iter().enumerate() {
        assert!((800..=1200).contains(n), "arm {arm} fired {n} times out of 2000: {counts:?}");
    }
}
