//! Native stress: many tasks at once, results checked exactly.

use std::sync::Arc;

use goweave::sync::{Mutex, WaitGroup};
use goweave::{chan, select};

#[test]
fn ten_thousand_tasks_blocked_at_once_complete_once_released() {
    const TASKS: u64 = 10_000;
    let (tx, rx) = chan::<u64>(0);
    let (done_tx, done) = chan::<u64>(TASKS as usize);
    let started = WaitGroup::new();
    let handles: Vec<_> = (0..TASKS)
        .map(|_| {
            started.add(1);
            let (rx, done_tx, started) = (rx.clone(), done_tx.clone(), started.clone());
            // Small stacks: ten thousand threads, each blocked in a receive.
            goweave::Builder::new().stack_size(64 * 1024).go(move || {
                started.done();
                let v = rx.recv().expect("a value for every task");
                done_tx.send(v);
            })
        })
        .collect();
    started.wait();
    for v in 1..=TASKS {
        tx.send(v);
    }
    for h in handles {
        h.join().unwrap();
    }
    done_tx.close();
    let sum: u64 = done.into_iter().sum();
    assert_eq!(sum, TASKS * (TASKS + 1) / 2);
}

#[test]
fn eight_tasks_pass_a_hundred_thousand_messages_through_channels_select_and_locks() {
    const TASKS: u64 = 8;
    const EACH: u64 = 100_000;
    let (a_tx, a) = chan::<u64>(0);
    let (b_tx, b) = chan::<u64>(16);
    let total = Arc::new(Mutex::new(0u64));
    let producers: Vec<_> = (0..TASKS)
        .map(|p| {
            let (a_tx, b_tx) = (a_tx.clone(), b_tx.clone());
            goweave::go(move || {
                for i in 0..EACH {
                    let v = p * EACH + i;
                    // Alternate: one to the rendezvous, one to the buffer.
                    if i % 2 == 0 {
                        a_tx.send(v);
                    } else {
                        b_tx.send(v);
                    }
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..TASKS)
        .map(|_| {
            let (a, b, total) = (a.clone(), b.clone(), total.clone());
            goweave::go(move || {
                let (mut mine, mut count) = (0u64, 0u64);
                // A closed input is set to a nil channel, as in Go, so the
                // other one drains before the loop ends.
                let never = chan::never::<u64>();
                let (mut a_open, mut b_open) = (true, true);
                while a_open || b_open {
                    let (ra, rb) = (if a_open { &a } else { &never }, if b_open { &b } else { &never });
                    let v = select! {
                        recv(ra) -> v => v.ok_or("a"),
                        recv(rb) -> v => v.ok_or("b"),
                    };
                    match v {
                        Ok(v) => {
                            mine += v;
                            count += 1;
                        }
                        Err("a") => a_open = false,
                        Err(_) => b_open = false,
                    }
                }
                *total.lock() += mine;
                count
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    a_tx.close();
    b_tx.close();
    let received: u64 = consumers.into_iter().map(|c| c.join().unwrap()).sum();
    let n = TASKS * EACH;
    assert_eq!(received, n);
    assert_eq!(*total.lock(), n * (n - 1) / 2);
}
