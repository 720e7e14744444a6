//! A native `select!`: Go's `select` on real threads.

use std::collections::HashSet;
use std::thread;
use std::time::Duration;

use goweave::chan::{self, Receiver, Sender};
use goweave::{select, FailureKind};

use super::{joined_panic, panics, within, PAUSE};

#[test]
fn a_ready_arm_is_taken_and_default_only_when_none_is() {
    let (tx, rx) = goweave::chan::<i32>(1);
    let (_quiet_tx, quiet) = goweave::chan::<i32>(0);
    let idle = select! {
        recv(rx) -> _ => false,
        recv(quiet) -> _ => false,
        default => true,
    };
    assert!(idle);
    tx.send(7);
    let got = select! {
        recv(quiet) -> _ => None,
        recv(rx) -> v => v,
        default => None,
    };
    assert_eq!(got, Some(7));
}

#[test]
fn send_arms_send() {
    let (tx, rx) = goweave::chan::<i32>(1);
    let (full_tx, _full_rx) = goweave::chan::<i32>(1);
    full_tx.send(0);
    let which = select! {
        send(full_tx, 1) => "full",
        send(tx, 2) => "room",
    };
    assert_eq!(which, "room");
    assert_eq!(rx.try_recv(), Ok(2));
    let which = select! {
        send(full_tx, 1) => "full",
        default => "default",
    };
    assert_eq!(which, "default");
}

#[test]
fn a_send_arm_hands_off_to_a_blocked_receiver() {
    within(60, || {
        let (tx, rx) = goweave::chan::<i32>(0);
        let receiver = thread::spawn(move || rx.recv());
        // Ready once the receiver waits; until then, `default`.
        loop {
            let sent = select! {
                send(tx, 42) => true,
                default => false,
            };
            if sent {
                break;
            }
            thread::yield_now();
        }
        assert_eq!(receiver.join().unwrap(), Some(42));
    });
}

#[test]
fn a_blocked_select_is_woken_by_another_thread() {
    within(60, || {
        for cap in [0, 1] {
            let (a_tx, a) = goweave::chan::<i32>(cap);
            let (_b_tx, b) = goweave::chan::<i32>(cap);
            let sender = thread::spawn(move || {
                thread::sleep(PAUSE);
                a_tx.send(1);
            });
            let got = select! {
                recv(b) -> v => ("b", v),
                recv(a) -> v => ("a", v),
            };
            assert_eq!(got, ("a", Some(1)), "cap {cap}");
            sender.join().unwrap();
        }
    });
}

#[test]
fn a_blocked_select_send_arm_is_taken_by_a_receiver() {
    within(60, || {
        for cap in [0, 1] {
            let (tx, rx) = goweave::chan::<i32>(cap);
            let (other_tx, _other_rx) = goweave::chan::<i32>(0);
            for i in 0..cap as i32 {
                tx.send(i); // fill the buffer
            }
            let receiver = thread::spawn(move || {
                thread::sleep(PAUSE);
                rx.iter().take(cap + 1).collect::<Vec<_>>()
            });
            let which = select! {
                send(other_tx, 10) => "other",
                send(tx, 99) => "tx",
            };
            assert_eq!(which, "tx");
            let mut expect: Vec<i32> = (0..cap as i32).collect();
            expect.push(99);
            assert_eq!(receiver.join().unwrap(), expect, "cap {cap}");
        }
    });
}

#[test]
fn a_timer_like_channel_fires_a_blocked_select() {
    // What `time::after` gives natively: a channel of capacity 1 that
    // another thread fills later.
    fn after(d: Duration) -> Receiver<u32> {
        let (tx, rx) = goweave::chan::<u32>(1);
        thread::spawn(move || {
            thread::sleep(d);
            let _ = tx.try_send(1);
        });
        rx
    }
    within(60, || {
        let (_never_sent_tx, never_sent) = goweave::chan::<i32>(0);
        let timed_out = select! {
            recv(never_sent) -> _ => false,
            recv(after(Duration::from_millis(20))) -> _ => true,
        };
        assert!(timed_out);
    });
}

#[test]
fn nil_arms_are_never_chosen() {
    let nil_rx = chan::never::<i32>();
    let nil_tx = chan::never_sender::<i32>();
    let (tx, rx) = goweave::chan::<i32>(1);
    for _ in 0..100 {
        tx.send(1);
        let got = select! {
            recv(nil_rx) -> _ => "nil recv",
            send(nil_tx, 5) => "nil send",
            recv(rx) -> _ => "rx",
        };
        assert_eq!(got, "rx");
    }
    let idle = select! {
        recv(nil_rx) -> _ => false,
        send(nil_tx, 5) => false,
        default => true,
    };
    assert!(idle);
}

#[test]
fn a_select_of_nil_arms_only_or_of_none_blocks_for_good() {
    // The threads are left parked: the process ends without them.
    let nil_arms = thread::spawn(|| {
        let nil = chan::never::<i32>();
        select! {
            recv(nil) -> _ => {},
        }
    });
    let no_arms = thread::spawn(|| select! {});
    thread::sleep(PAUSE * 2);
    assert!(!nil_arms.is_finished() && !no_arms.is_finished(), "a select with nothing to wait for returned");
}

#[test]
fn the_choice_among_ready_arms_is_uniformly_random() {
    const ROUNDS: usize = 20_000;
    let chans: Vec<(Sender<usize>, Receiver<usize>)> = (0..4).map(|_| goweave::chan(1)).collect();
    let mut counts = [0usize; 4];
    for _ in 0..ROUNDS {
        for (i, (tx, _)) in chans.iter().enumerate() {
            let _ = tx.try_send(i);
        }
        let i = select! {
            recv(chans[0].1) -> v => v.unwrap(),
            recv(chans[1].1) -> v => v.unwrap(),
            recv(chans[2].1) -> v => v.unwrap(),
            recv(chans[3].1) -> v => v.unwrap(),
        };
        counts[i] += 1;
    }
    // Expected 5,000 each, standard deviation about 61: 4,400..5,600 is
    // nearly ten deviations either way, and a fixed or biased order fails.
    for (i, &n) in counts.iter().enumerate() {
        assert!((4_400..=5_600).contains(&n), "arm {i} chosen {n} times of {ROUNDS}: {counts:?}");
    }
    // And between a ready receive and a ready send.
    let (tx, rx) = goweave::chan::<i32>(1);
    let (out_tx, out_rx) = goweave::chan::<i32>(1);
    let mut recvs = 0;
    for _ in 0..ROUNDS {
        let _ = tx.try_send(1);
        let _ = out_rx.try_recv();
        select! {
            recv(rx) -> _ => recvs += 1,
            send(out_tx, 2) => {},
        }
    }
    assert!((9_000..=11_000).contains(&recvs), "the receive was chosen {recvs} times of {ROUNDS}");
}

#[test]
fn a_closed_channel_is_ready() {
    let (tx, rx) = goweave::chan::<i32>(0);
    tx.close();
    let got = select! {
        recv(rx) -> v => v,
        default => Some(-1),
    };
    assert_eq!(got, None, "a receive from a closed channel proceeds with None");
    assert_eq!(
        panics(|| {
            select! {
                send(tx, 1) => {},
                default => {},
            }
        }),
        "send on closed channel"
    );
}

#[test]
fn close_wakes_blocked_selects() {
    within(60, || {
        for cap in [0, 2] {
            let (tx, rx) = goweave::chan::<i32>(cap);
            let (_other_tx, other) = goweave::chan::<i32>(0);
            let receiver = thread::spawn(move || {
                select! {
                    recv(other) -> _ => "other",
                    recv(rx) -> v => if v.is_none() { "closed" } else { "value" },
                }
            });
            let (full_tx, _full_rx) = goweave::chan::<i32>(cap);
            for i in 0..cap as i32 {
                full_tx.send(i);
            }
            let sender = {
                let full_tx = full_tx.clone();
                thread::spawn(move || {
                    let (_other_tx, other) = goweave::chan::<i32>(0);
                    select! {
                        recv(other) -> _ => {},
                        send(full_tx, 9) => {},
                    }
                })
            };
            thread::sleep(PAUSE);
            tx.close();
            full_tx.close();
            assert_eq!(receiver.join().unwrap(), "closed", "cap {cap}");
            assert_eq!(joined_panic(sender), "send on closed channel", "cap {cap}");
        }
    });
}

#[test]
fn send_and_receive_arms_on_one_channel() {
    let (tx, rx) = goweave::chan::<i32>(1);
    for round in 0..100 {
        // Empty: only the send can proceed; full: only the receive.
        let sent = select! {
            send(tx, round) => true,
            recv(rx) -> _ => false,
        };
        assert!(sent);
        let got = select! {
            send(tx, -1) => None,
            recv(rx) -> v => v,
        };
        assert_eq!(got, Some(round));
    }
}

/// Producers send `per` values each through select send arms over an
/// unbuffered and a buffered channel; consumers receive through a select
/// over both (and a `quit` channel closed at the end). Checks that every
/// value arrived exactly once, and returns the sum.
fn select_mpmc(producers: u64, consumers: usize, per: u64) -> u64 {
    let (a_tx, a_rx) = goweave::chan::<u64>(0);
    let (b_tx, b_rx) = goweave::chan::<u64>(16);
    let (quit_tx, quit) = goweave::chan::<()>(0);
    let senders: Vec<_> = (0..producers)
        .map(|p| {
            let (a_tx, b_tx) = (a_tx.clone(), b_tx.clone());
            thread::spawn(move || {
                for i in 0..per {
                    let v = p * per + i;
                    select! {
                        send(a_tx, v) => {},
                        send(b_tx, v) => {},
                    }
                }
            })
        })
        .collect();
    let receivers: Vec<_> = (0..consumers)
        .map(|_| {
            let (a_rx, b_rx, quit) = (a_rx.clone(), b_rx.clone(), quit.clone());
            thread::spawn(move || {
                let mut got = Vec::new();
                loop {
                    select! {
                        recv(a_rx) -> v => got.push(v.unwrap()),
                        recv(b_rx) -> v => got.push(v.unwrap()),
                        recv(quit) -> _ => break,
                    }
                }
                // Quit is closed once every value was sent; some may still
                // be buffered.
                got.extend(std::iter::from_fn(|| b_rx.try_recv().ok()));
                got
            })
        })
        .collect();
    for s in senders {
        s.join().unwrap();
    }
    quit_tx.close();
    let mut seen = HashSet::new();
    let mut sum = 0;
    for r in receivers {
        for v in r.join().unwrap() {
            assert!(seen.insert(v), "{v} received twice");
            sum += v;
        }
    }
    assert_eq!(seen.len() as u64, producers * per, "values lost");
    sum
}

#[test]
fn stress_select_mpmc() {
    let sum = within(600, || select_mpmc(4, 4, 100_000));
    assert_eq!(sum, 400_000 * 399_999 / 2);
}

/// Producers send through select send arms over two buffered channels;
/// consumers receive through a select over both, turning an arm nil once
/// its channel is closed and drained (Go's idiom), spinning on `default`
/// if `spin`. Checks that every value arrived exactly once.
fn select_buffered_only(spin: bool) {
    const PER: u64 = 50_000;
    let (a_tx, a_rx) = goweave::chan::<u64>(4);
    let (b_tx, b_rx) = goweave::chan::<u64>(1);
    let senders: Vec<_> = (0..3u64)
        .map(|p| {
            let (a_tx, b_tx) = (a_tx.clone(), b_tx.clone());
            thread::spawn(move || {
                for i in 0..PER {
                    let v = p * PER + i;
                    select! {
                        send(a_tx, v) => {},
                        send(b_tx, v) => {},
                    }
                }
            })
        })
        .collect();
    let receivers: Vec<_> = (0..3)
        .map(|_| {
            let (a_rx, b_rx) = (a_rx.clone(), b_rx.clone());
            thread::spawn(move || {
                let nil = chan::never::<u64>();
                let (mut a_done, mut b_done) = (false, false);
                let mut got = Vec::new();
                while !(a_done && b_done) {
                    let a = if a_done { &nil } else { &a_rx };
                    let b = if b_done { &nil } else { &b_rx };
                    if spin {
                        select! {
                            recv(a) -> v => match v { Some(v) => got.push(v), None => a_done = true },
                            recv(b) -> v => match v { Some(v) => got.push(v), None => b_done = true },
                            default => thread::yield_now(),
                        }
                    } else {
                        select! {
                            recv(a) -> v => match v { Some(v) => got.push(v), None => a_done = true },
                            recv(b) -> v => match v { Some(v) => got.push(v), None => b_done = true },
                        }
                    }
                }
                got
            })
        })
        .collect();
    for s in senders {
        s.join().unwrap();
    }
    a_tx.close();
    b_tx.close();
    let mut seen = HashSet::new();
    for r in receivers {
        for v in r.join().unwrap() {
            assert!(seen.insert(v), "{v} received twice");
        }
    }
    assert_eq!(seen.len() as u64, 3 * PER, "values lost");
}

#[test]
fn stress_select_over_buffered_channels_only() {
    within(600, || select_buffered_only(false));
    within(600, || select_buffered_only(true));
}

#[test]
fn stress_select_ping_pong() {
    // Two threads answer each other through selects with both a send and
    // a receive arm each round: the hand-off path of a select, both ways.
    within(600, || {
        let (ping_tx, ping_rx) = goweave::chan::<u64>(0);
        let (pong_tx, pong_rx) = goweave::chan::<u64>(0);
        const N: u64 = 50_000;
        let other = thread::spawn(move || {
            let mut sum = 0;
            for _ in 0..N {
                let (_never_tx, never) = (0, chan::never::<u64>());
                let v = select! {
                    recv(ping_rx) -> v => v.unwrap(),
                    recv(never) -> _ => unreachable!(),
                };
                sum += v;
                select! {
                    send(pong_tx, v + 1) => {},
                    send(chan::never_sender(), 0) => unreachable!(),
                }
            }
            sum
        });
        let mut sum = 0;
        for i in 0..N {
            select! {
                send(ping_tx, i) => {},
            }
            sum += select! {
                recv(pong_rx) -> v => v.unwrap(),
            };
        }
        assert_eq!(other.join().unwrap(), N * (N - 1) / 2);
        assert_eq!(sum, N * (N + 1) / 2);
    });
}

#[test]
fn a_native_channel_in_a_select_inside_an_exploration_panics_naming_it() {
    let (_tx, rx) = goweave::chan::<i32>(1);
    let failure = goweave::Config::default()
        .iterations(1)
        .explore(move || {
            let (_model_tx, model_rx) = goweave::chan::<i32>(1);
            select! {
                recv(model_rx) -> _ => {},
                recv(rx) -> _ => {},
                default => {},
            }
        })
        .unwrap_err();
    assert_eq!(failure.kind(), FailureKind::Panic);
    let report = failure.to_string();
    assert!(report.contains("the chan made at tests/native_select.rs:"), "{report}");
    assert!(report.contains("made outside any exploration"), "{report}");
}

#[test]
fn a_model_channel_in_a_native_select_panics_naming_it() {
    let (stash_tx, stash) = std::sync::mpsc::channel();
    goweave::Config::default()
        .iterations(1)
        .explore(move || {
            let _ = stash_tx.send(goweave::chan::<i32>(1));
        })
        .unwrap();
    let (_model_tx, model_rx) = stash.recv().unwrap();
    let (_tx, rx) = goweave::chan::<i32>(1);
    let message = panics(|| {
        select! {
            recv(rx) -> _ => {},
            recv(model_rx) -> _ => {},
            default => {},
        }
    });
    assert!(
        message.contains("the chan made at tests/native_select.rs:")
            && message.contains("belongs to an exploration"),
        "{message}"
    );
}
