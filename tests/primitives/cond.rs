//! `sync::Cond`: signal wakes one, broadcast wakes all, wait re-locks, and
//! the lost wake-up.

use std::sync::Arc;

use goweave::sync::{Cond, Mutex};
use goweave::{go, yield_now, FailureKind};

use super::{fails, outcomes, set};

#[derive(Default)]
struct State {
    waiting: usize,
    woken: usize,
}

/// Starts `n` tasks that each wait once on `cond` (no predicate loop: there
/// are no spurious wake-ups, so each wake-up is a signal or broadcast), and
/// returns once all of them are waiting, holding the lock.
#[allow(clippy::type_complexity)]
fn start_waiters(n: usize) -> (Arc<(Mutex<State>, Cond, Cond)>, Vec<goweave::JoinHandle<()>>) {
    // .1: the condition under test; .2: "one more task is waiting".
    let shared = Arc::new((Mutex::new(State::default()), Cond::new(), Cond::new()));
    let handles = (0..n)
        .map(|_| {
            let s = shared.clone();
            go(move || {
                let mut g = s.0.lock();
                g.waiting += 1;
                s.2.signal();
                g = s.1.wait(g);
                g.woken += 1;
            })
        })
        .collect();
    {
        let mut g = shared.0.lock();
        while g.waiting < n {
            g = shared.2.wait(g);
        }
    }
    (shared, handles)
}

#[test]
fn signal_wakes_exactly_one_waiter() {
    let seen = outcomes(|| {
        let (s, handles) = start_waiters(2);
        s.1.signal();
        // Let the woken task (and, wrongly, any other) run to completion.
        yield_now();
        yield_now();
        let woken_by_signal = s.0.lock().woken;
        s.1.broadcast();
        for h in handles {
            h.join().unwrap();
        }
        let woken_in_all = s.0.lock().woken;
        (woken_by_signal, woken_in_all)
    });
    // 0 when the woken task has not run yet, 1 when it has; never 2.
    assert_eq!(seen, set([(0, 2), (1, 2)]));
}

#[test]
fn broadcast_wakes_every_waiter() {
    let seen = outcomes(|| {
        let (s, handles) = start_waiters(3);
        s.1.broadcast();
        for h in handles {
            h.join().unwrap();
        }
        let g = s.0.lock();
        (g.waiting, g.woken)
    });
    assert_eq!(seen, set([(3, 3)]));
}

#[test]
fn signal_and_broadcast_without_waiters_do_nothing() {
    super::all_pass(|| {
        let c = Cond::new();
        c.signal();
        c.broadcast();
    });
}

#[test]
fn wait_reacquires_the_mutex_before_returning() {
    // The waiter, once woken, updates x in two steps with a scheduling
    // point in between; the body, locking meanwhile, never sees x == 1.
    // And the waiter cannot return from wait while the body still holds
    // the lock after signalling: it always sees the body's final write.
    #[derive(Default)]
    struct S {
        ready: bool,
        x: i32,
        seen_by_waiter: i32,
    }
    let seen = outcomes(|| {
        let s = Arc::new((Mutex::new(S::default()), Cond::new()));
        let s2 = s.clone();
        let h = go(move || {
            let mut g = s2.0.lock();
            while !g.ready {
                g = s2.1.wait(g);
            }
            g.seen_by_waiter = g.x;
            g.x = 1;
            yield_now();
            g.x = 2;
        });
        {
            let mut g = s.0.lock();
            g.ready = true;
            s.1.signal();
            g.x = 5;
            yield_now();
            g.x = 10;
        }
        let x_seen_by_body = s.0.lock().x;
        h.join().unwrap();
        let seen_by_waiter = s.0.lock().seen_by_waiter;
        (x_seen_by_body, seen_by_waiter)
    });
    assert_eq!(seen, set([(10, 10), (2, 10)]));
}

#[test]
fn lost_wakeup_without_a_predicate_loop_deadlocks() {
    fails(FailureKind::Deadlock, &[], || {
        let s = Arc::new((Mutex::new(()), Cond::new()));
        let s2 = s.clone();
        let h = go(move || {
            let g = s2.0.lock();
            let _g = s2.1.wait(g); // no predicate: misses an early signal
        });
        s.1.signal();
        h.join().unwrap();
    });
}
