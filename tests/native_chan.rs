//! Native channels: Go's semantics on real threads.

use std::collections::HashSet;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use goweave::chan::{self, Receiver, Sender};
use goweave::{FailureKind, TryRecvError, TrySendError};

use super::{joined_panic, panics, within, PAUSE};

#[test]
fn an_unbuffered_send_waits_for_its_receiver() {
    within(60, || {
        let (tx, rx) = goweave::chan::<i32>(0);
        let sent = Arc::new(AtomicBool::new(false));
        let sender = {
            let sent = sent.clone();
            thread::spawn(move || {
                tx.send(1);
                sent.store(true, Ordering::SeqCst);
                tx.send(2);
            })
        };
        thread::sleep(PAUSE);
        assert!(!sent.load(Ordering::SeqCst), "a send on an unbuffered channel completed with no receiver");
        assert_eq!(rx.recv(), Some(1));
        assert_eq!(rx.recv(), Some(2));
        sender.join().unwrap();
        assert!(sent.load(Ordering::SeqCst));
    });
}

#[test]
fn a_receive_waits_for_a_sender() {
    within(60, || {
        let (tx, rx) = goweave::chan::<i32>(0);
        let got = Arc::new(AtomicBool::new(false));
        let receiver = {
            let got = got.clone();
            thread::spawn(move || {
                let v = rx.recv();
                got.store(true, Ordering::SeqCst);
                v
            })
        };
        thread::sleep(PAUSE);
        assert!(!got.load(Ordering::SeqCst));
        tx.send(5);
        assert_eq!(receiver.join().unwrap(), Some(5));
    });
}

#[test]
fn a_buffered_channel_is_a_fifo_of_its_capacity() {
    let (tx, rx) = goweave::chan::<i32>(3);
    assert_eq!((tx.cap(), rx.cap(), tx.len(), rx.is_empty()), (3, 3, 0, true));
    for i in 0..3 {
        tx.send(i);
        assert_eq!(rx.len(), i as usize + 1);
    }
    assert_eq!(tx.try_send(9), Err(TrySendError::Full(9)), "full: the value comes back");
    for i in 0..3 {
        assert_eq!(rx.recv(), Some(i));
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    // Round and round the ring.
    for i in 0..100 {
        tx.send(i);
        tx.send(i + 1000);
        assert_eq!((rx.recv(), rx.recv()), (Some(i), Some(i + 1000)));
    }
}

#[test]
fn a_full_buffer_blocks_the_sender_until_a_receive() {
    within(60, || {
        let (tx, rx) = goweave::chan::<i32>(1);
        tx.send(1);
        let sent = Arc::new(AtomicBool::new(false));
        let sender = {
            let sent = sent.clone();
            thread::spawn(move || {
                tx.send(2);
                sent.store(true, Ordering::SeqCst);
            })
        };
        thread::sleep(PAUSE);
        assert!(!sent.load(Ordering::SeqCst), "a send into a full buffer completed");
        assert_eq!(rx.recv(), Some(1));
        sender.join().unwrap();
        assert_eq!(rx.recv(), Some(2));
    });
}

#[test]
fn unbuffered_and_nil_channels_have_no_length() {
    let (tx, rx) = goweave::chan::<i32>(0);
    assert_eq!((tx.cap(), tx.len(), rx.cap(), rx.len()), (0, 0, 0, 0));
    let nil = chan::never::<i32>();
    assert_eq!((nil.cap(), nil.len()), (0, 0));
    assert_eq!(chan::never_sender::<i32>().cap(), 0);
}

#[test]
fn receivers_drain_a_closed_channel_then_get_none() {
    let (tx, rx) = goweave::chan::<i32>(4);
    tx.send(1);
    tx.send(2);
    tx.close();
    assert_eq!(rx.len(), 2);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.recv(), Some(2));
    assert_eq!(rx.recv(), None);
    assert_eq!(rx.recv(), None, "closed stays closed");
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    let (tx, rx) = goweave::chan::<i32>(0);
    tx.close();
    assert_eq!(rx.recv(), None);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn iterating_receives_until_closed() {
    for cap in [0, 1, 16] {
        let got = within(60, move || {
            let (tx, rx) = goweave::chan::<i32>(cap);
            let producer = thread::spawn(move || {
                for i in 0..1000 {
                    tx.send(i);
                }
                tx.close();
            });
            let got: Vec<i32> = rx.iter().collect();
            producer.join().unwrap();
            got
        });
        assert_eq!(got, (0..1000).collect::<Vec<_>>(), "cap {cap}");
    }
}

#[test]
fn sending_on_a_closed_channel_panics() {
    for cap in [0, 2] {
        let (tx, _rx) = goweave::chan::<i32>(cap);
        tx.close();
        assert_eq!(panics(|| tx.send(1)), "send on closed channel");
        assert_eq!(tx.try_send(7), Err(TrySendError::Closed(7)));
    }
}

#[test]
fn closing_twice_or_a_nil_channel_panics() {
    for cap in [0, 2] {
        let (tx, _rx) = goweave::chan::<i32>(cap);
        tx.close();
        assert_eq!(panics(|| tx.close()), "close of closed channel");
        assert_eq!(panics(|| tx.clone().close()), "close of closed channel");
    }
    assert_eq!(panics(|| chan::never_sender::<i32>().close()), "close of nil channel");
}

/// Starts `n` threads blocked receiving on `rx`.
fn blocked_receivers(n: usize, rx: &Receiver<i32>) -> Vec<thread::JoinHandle<Option<i32>>> {
    (0..n)
        .map(|_| {
            let rx = rx.clone();
            thread::spawn(move || rx.recv())
        })
        .collect()
}

/// Starts `n` threads blocked sending on `tx`.
fn blocked_senders(n: usize, tx: &Sender<i32>) -> Vec<thread::JoinHandle<()>> {
    (0..n as i32)
        .map(|i| {
            let tx = tx.clone();
            thread::spawn(move || tx.send(i))
        })
        .collect()
}

#[test]
fn close_wakes_blocked_receivers_with_none() {
    within(60, || {
        for cap in [0, 3] {
            let (tx, rx) = goweave::chan::<i32>(cap);
            let receivers = blocked_receivers(4, &rx);
            thread::sleep(PAUSE);
            tx.close();
            for r in receivers {
                assert_eq!(r.join().unwrap(), None, "cap {cap}");
            }
        }
    });
}

#[test]
fn close_wakes_blocked_senders_which_panic() {
    within(60, || {
        for cap in [0, 2] {
            let (tx, rx) = goweave::chan::<i32>(cap);
            for i in 0..cap as i32 {
                tx.send(100 + i); // fill the buffer
            }
            let senders = blocked_senders(3, &tx);
            thread::sleep(PAUSE);
            tx.close();
            for s in senders {
                assert_eq!(joined_panic(s), "send on closed channel", "cap {cap}");
            }
            // What was buffered before the close is still delivered.
            let rest: Vec<i32> = rx.iter().collect();
            assert_eq!(rest, (0..cap as i32).map(|i| 100 + i).collect::<Vec<_>>());
        }
    });
}

#[test]
fn close_wakes_senders_and_receivers_blocked_on_several_channels() {
    within(60, || {
        // Receivers blocked on one channel, senders on another (a full
        // buffer), and both kinds on an unbuffered pair; one close each.
        let (empty_tx, empty_rx) = goweave::chan::<i32>(2);
        let (full_tx, _full_rx) = goweave::chan::<i32>(1);
        full_tx.send(0);
        let (rendezvous_tx, _rendezvous_rx) = goweave::chan::<i32>(0);
        let receivers = blocked_receivers(3, &empty_rx);
        let senders = blocked_senders(3, &full_tx);
        let unbuffered = blocked_senders(2, &rendezvous_tx);
        thread::sleep(PAUSE);
        for tx in [&empty_tx, &full_tx, &rendezvous_tx] {
            tx.close();
        }
        for r in receivers {
            assert_eq!(r.join().unwrap(), None);
        }
        for s in senders.into_iter().chain(unbuffered) {
            assert_eq!(joined_panic(s), "send on closed channel");
        }
    });
}

#[test]
fn try_operations_on_an_unbuffered_channel_need_a_waiting_partner() {
    within(60, || {
        let (tx, rx) = goweave::chan::<i32>(0);
        assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)), "nobody receives");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "nobody sends");
        // A blocked receiver takes a try_send, once it waits.
        let receiver = blocked_receivers(1, &rx).pop().unwrap();
        let mut v = 7;
        loop {
            match tx.try_send(v) {
                Ok(()) => break,
                Err(TrySendError::Full(back)) => v = back,
                Err(TrySendError::Closed(_)) => unreachable!(),
            }
            thread::yield_now();
        }
        assert_eq!(receiver.join().unwrap(), Some(7));
        // A blocked sender gives its value to a try_recv.
        let sender = blocked_senders(1, &tx).pop().unwrap();
        let got = loop {
            match rx.try_recv() {
                Ok(v) => break v,
                Err(TryRecvError::Empty) => thread::yield_now(),
                Err(TryRecvError::Closed) => unreachable!(),
            }
        };
        assert_eq!(got, 0);
        sender.join().unwrap();
    });
}

#[test]
fn nil_channels_are_never_ready() {
    let rx = chan::never::<i32>();
    let tx = chan::never_sender::<i32>();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
    // A blocking operation on a nil channel parks for good (the threads
    // are left parked: the process ends without them).
    let done = Arc::new(AtomicUsize::new(0));
    {
        let done = done.clone();
        thread::spawn(move || {
            rx.recv();
            done.fetch_add(1, Ordering::SeqCst);
        });
    }
    {
        let done = done.clone();
        thread::spawn(move || {
            tx.send(1);
            done.fetch_add(1, Ordering::SeqCst);
        });
    }
    thread::sleep(PAUSE * 2);
    assert_eq!(done.load(Ordering::SeqCst), 0, "an operation on a nil channel returned");
}

#[test]
fn dropping_every_sender_does_not_close_a_channel() {
    let (tx, rx) = goweave::chan::<i32>(1);
    let tx2 = tx.clone();
    drop(tx);
    drop(tx2);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "as in Go, only close closes");
}

#[test]
fn values_left_in_a_dropped_channel_are_dropped() {
    let value = Arc::new(());
    {
        let (tx, rx) = goweave::chan::<Arc<()>>(4);
        for _ in 0..3 {
            tx.send(value.clone());
        }
        drop(rx.recv());
        assert_eq!(Arc::strong_count(&value), 3);
    }
    assert_eq!(Arc::strong_count(&value), 1);
}

#[test]
fn handles_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Sender<String>>();
    assert_send_sync::<Receiver<String>>();
}

#[test]
fn handles_print_their_mode() {
    let (tx, rx) = goweave::chan::<i32>(1);
    let (tx, rx) = (format!("{tx:?}"), format!("{rx:?}"));
    assert!(tx.starts_with("Sender(chan made at tests/native_chan.rs:") && tx.ends_with(", native)"), "{tx}");
    assert!(rx.starts_with("Receiver(chan made at ") && rx.ends_with(", native)"), "{rx}");
}

/// `senders` threads send `per` distinct values each, `receivers` threads
/// receive them all; checks that every value arrived exactly once, that
/// each receiver saw each sender's values in order (FIFO), and returns the
/// sum.
fn mpmc(cap: usize, senders: u64, receivers: u64, per: u64) -> u64 {
    let (tx, rx) = goweave::chan::<u64>(cap);
    let producers: Vec<_> = (0..senders)
        .map(|s| {
            let tx = tx.clone();
            thread::spawn(move || {
                for i in 0..per {
                    tx.send(s * per + i);
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..receivers)
        .map(|_| {
            let rx = rx.clone();
            thread::spawn(move || {
                let mut last = vec![None::<u64>; senders as usize];
                let mut got = Vec::new();
                while let Some(v) = rx.recv() {
                    let s = (v / per) as usize;
                    assert!(last[s].is_none_or(|l| l < v), "sender {s}'s values out of order");
                    last[s] = Some(v);
                    got.push(v);
                }
                got
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    tx.close();
    let mut seen = HashSet::new();
    let mut sum = 0;
    for c in consumers {
        for v in c.join().unwrap() {
            assert!(seen.insert(v), "{v} received twice");
            sum += v;
        }
    }
    assert_eq!(seen.len() as u64, senders * per, "values lost");
    sum
}

/// The sum of 0..n.
fn triangle(n: u64) -> u64 {
    n * (n - 1) / 2
}

#[test]
fn stress_unbuffered_mpmc() {
    let sum = within(600, || mpmc(0, 4, 4, 100_000));
    assert_eq!(sum, triangle(400_000));
}

#[test]
fn stress_buffered_mpmc() {
    for cap in [1, 64] {
        let sum = within(600, move || mpmc(cap, 4, 4, 100_000));
        assert_eq!(sum, triangle(400_000), "cap {cap}");
    }
}

#[test]
fn stress_spsc_and_mpsc() {
    for (cap, senders) in [(0, 1), (1, 1), (64, 1), (64, 4)] {
        let sum = within(600, move || mpmc(cap, senders, 1, 100_000));
        assert_eq!(sum, triangle(senders * 100_000), "cap {cap}, {senders} senders");
    }
}

#[test]
fn a_close_racing_with_sends_and_receives_loses_nothing() {
    // Senders send until the close makes their send panic; receivers
    // drain until closed. Every send that returned was received, exactly
    // once, and no receive got a value nobody sent.
    for cap in [0, 1, 8] {
        within(600, move || {
            let (tx, rx) = goweave::chan::<u64>(cap);
            let senders: Vec<_> = (0..3u64)
                .map(|s| {
                    let tx = tx.clone();
                    thread::spawn(move || {
                        let mut sent = 0u64;
                        let closed = std::panic::catch_unwind(AssertUnwindSafe(|| loop {
                            tx.send(s << 32 | sent);
                            sent += 1;
                        }));
                        assert!(closed.is_err());
                        sent
                    })
                })
                .collect();
            let receivers: Vec<_> = (0..3)
                .map(|_| {
                    let rx = rx.clone();
                    thread::spawn(move || rx.iter().collect::<Vec<u64>>())
                })
                .collect();
            thread::sleep(PAUSE);
            tx.close();
            let sent: Vec<u64> = senders.into_iter().map(|s| s.join().unwrap()).collect();
            let mut got: Vec<u64> = receivers.into_iter().flat_map(|r| r.join().unwrap()).collect();
            got.sort_unstable();
            let mut expected: Vec<u64> = sent
                .iter()
                .enumerate()
                .flat_map(|(s, &n)| (0..n).map(move |i| (s as u64) << 32 | i))
                .collect();
            expected.sort_unstable();
            assert_eq!(got.len(), expected.len(), "cap {cap}: sends that returned vs values received");
            assert!(got == expected, "cap {cap}: the values received are not the values sent");
        });
    }
}

/// A pipeline written once, run natively and explored: `spawn` starts a
/// thread or a task.
fn pipeline(spawn: &dyn Fn(Box<dyn FnOnce() + Send>)) -> i32 {
    let (numbers_tx, numbers) = goweave::chan::<i32>(0);
    let (squares_tx, squares) = goweave::chan::<i32>(2);
    spawn(Box::new(move || {
        for i in 1..=4 {
            numbers_tx.send(i);
        }
        numbers_tx.close();
    }));
    spawn(Box::new(move || {
        for n in numbers {
            squares_tx.send(n * n);
        }
        squares_tx.close();
    }));
    squares.iter().sum()
}

#[test]
fn the_same_code_runs_natively_and_explored() {
    let native = within(60, || {
        pipeline(&|f| {
            thread::spawn(f);
        })
    });
    assert_eq!(native, 30);
    let stats = goweave::Config::default()
        .iterations(200)
        .explore(|| {
            let sum = pipeline(&|f| {
                goweave::go(f);
            });
            assert_eq!(sum, 30);
        })
        .unwrap();
    assert!(stats.executions() > 1, "{stats}");
}

#[test]
fn a_native_channel_used_inside_an_exploration_panics_naming_it() {
    let (tx, _rx) = goweave::chan::<i32>(1);
    let failure = goweave::Config::default().iterations(1).explore(move || tx.send(1)).unwrap_err();
    assert_eq!(failure.kind(), FailureKind::Panic);
    let report = failure.to_string();
    assert!(
        report.contains("the chan made at tests/native_chan.rs:")
            && report.contains("made outside any exploration"),
        "{report}"
    );
}

#[test]
fn a_model_channel_used_after_its_exploration_panics_naming_it() {
    let (stash_tx, stash) = std::sync::mpsc::channel();
    goweave::Config::default()
        .iterations(1)
        .explore(move || {
            let _ = stash_tx.send(goweave::chan::<i32>(1));
        })
        .unwrap();
    let (tx, _rx) = stash.recv().unwrap();
    let message = panics(|| tx.send(1));
    assert!(message.contains("the chan made at tests/native_chan.rs:"), "{message}");
}
