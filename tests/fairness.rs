//! Exploration is fair like Go's scheduler: a task that stays enabled gets
//! to run, so a program that terminates under every fair schedule is never
//! reported as `Nontermination`.

use std::sync::Arc;
use std::time::Duration;

use goweave::sync::atomic::{AtomicBool, Ordering};
use goweave::sync::{Mutex, WaitGroup};
use goweave::{chan, go, select, time, Config, Strategy};

/// Two tasks hand values back and forth, never blocking for long, until
/// the body closes `stop`: under strict PCT priorities the body could be
/// starved until `max_steps` (found by the GoBench kernel cockroach_1462's
/// fixed variant).
fn ping_pong_until_stopped() {
    let (stop_tx, stop_rx) = chan::<()>(0);
    let (tx, rx) = chan::<i32>(0);
    let stop = stop_rx.clone();
    go(move || loop {
        select! {
            recv(stop) -> _ => return,
            send(tx, 0) => {},
        }
    });
    go(move || loop {
        select! {
            recv(rx) -> _ => {},
            recv(stop_rx) -> _ => return,
        }
    });
    stop_tx.close();
}

#[test]
fn pct_does_not_starve_the_body() {
    for depth in [1, 2, 3] {
        let stats = Config::default()
            .strategy(Strategy::Pct { depth })
            .iterations(1_000)
            .threads(1)
            .explore(ping_pong_until_stopped)
            .unwrap_or_else(|f| panic!("PCT depth {depth}: {f}"));
        assert_eq!(stats.executions(), 1_000);
    }
}

#[test]
fn the_default_portfolio_does_not_starve_the_body() {
    // Past the exhaustive half of the budget, into PCT and random walk.
    let stats = Config::default()
        .iterations(4_000)
        .explore(ping_pong_until_stopped)
        .unwrap_or_else(|f| panic!("{f}"));
    assert_eq!(stats.executions(), 4_000);
}

/// Explores `body` with the default strategy and a smaller budget, half of
/// it exhaustive and half PCT + random, and expects no failure.
fn terminates(body: fn()) {
    let stats = Config::default().iterations(1_000).explore(body).unwrap_or_else(|f| panic!("{f}"));
    assert_eq!(stats.executions(), 1_000);
}

#[test]
fn a_task_polling_with_select_default_lets_the_closer_run() {
    // Exhaustive search continues the current task by default; a loop
    // that never blocks must not keep the closer out until `max_steps`.
    terminates(|| {
        let (tx, rx) = chan::<()>(0);
        let m = Arc::new(Mutex::new(()));
        go(move || loop {
            select! {
                recv(rx) -> _ => return,
                default => drop(m.lock()),
            }
        });
        go(move || tx.close());
    });
}

#[test]
fn yield_now_lets_the_others_run() {
    terminates(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let f = flag.clone();
        go(move || f.store(true, Ordering::SeqCst));
        while !flag.load(Ordering::SeqCst) {
            goweave::yield_now();
        }
    });
}

#[test]
fn a_ready_timer_arm_does_not_starve_the_sender() {
    terminates(|| {
        let (stop_tx, stop) = chan::<()>(0);
        go(move || stop_tx.send(()));
        loop {
            select! {
                recv(stop) -> _ => break,
                recv(time::after(Duration::from_nanos(1))) -> _ => {},
            }
        }
    });
}

#[test]
fn a_task_re_taking_a_lock_does_not_starve_its_waiters() {
    // The waiters can run only at the moments the lock is free: PCT counts
    // those passes too.
    terminates(|| {
        let m = Arc::new(Mutex::new(()));
        let (stop_tx, stop_rx) = chan::<()>(0);
        let m2 = m.clone();
        let ticking = go(move || {
            let t = time::tick(Duration::from_nanos(1));
            loop {
                select! {
                    recv(t.rx()) -> _ => drop(m2.lock()),
                    recv(stop_rx) -> _ => {
                        t.stop();
                        return;
                    }
                }
            }
        });
        let wg = WaitGroup::new();
        wg.add(3);
        for _ in 0..3 {
            let (m, wg) = (m.clone(), wg.clone());
            go(move || {
                drop(m.lock());
                wg.done();
            });
        }
        wg.wait();
        stop_tx.close();
        ticking.join().unwrap();
    });
}

#[test]
fn time_passes_while_a_task_spins() {
    // The body sleeps while a task polls with select's default: in Go,
    // real time passes and the sleep ends; the timer must fire here too.
    terminates(|| {
        let (stop_tx, stop_rx) = chan::<()>(0);
        go(move || loop {
            select! {
                recv(stop_rx) -> _ => return,
                default => {},
            }
        });
        time::sleep(Duration::from_millis(1));
        stop_tx.close();
    });
}
