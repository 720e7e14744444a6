//! Tasks: join, panics (joined and not), names, yield_now, stable ids.

use std::sync::Arc;

use goweave::sync::atomic::{AtomicBool, Ordering::SeqCst};
use goweave::{current, go, yield_now, Builder, FailureKind};

use super::{all_pass, fails, outcomes, set};

#[test]
fn join_returns_the_value() {
    all_pass(|| {
        assert_eq!(go(|| 40 + 2).join(), Ok(42));
        let h = go(|| vec!["a".to_string(), "b".to_string()]);
        assert_eq!(h.join().unwrap(), vec!["a", "b"]);
        let h = Builder::new().name("x").go(|| ());
        assert_eq!(h.join(), Ok(()));
    });
}

#[test]
fn joining_a_panicking_task_returns_its_panic_and_the_test_passes() {
    let seen = outcomes(|| {
        let h = go(|| -> i32 { panic!("boom {}", 7) });
        let p = h.join().expect_err("the task panicked");
        let location_ok = p.location().is_some_and(|l| l.contains("task.rs") || l.contains("primitives"));
        (p.message().to_string(), location_ok)
    });
    assert_eq!(seen, set([("boom 7".to_string(), true)]));
}

#[test]
fn an_unjoined_panicking_task_is_a_failure() {
    fails(FailureKind::Panic, &["kaboom"], || {
        go(|| panic!("kaboom"));
    });
    // Also when the handle is kept but never joined, and when the task
    // panics after the body returned.
    fails(FailureKind::Panic, &["late kaboom"], || {
        let (tx, rx) = goweave::chan::<()>(1);
        let _h = go(move || {
            rx.recv();
            panic!("late kaboom");
        });
        tx.send(());
    });
}

#[test]
fn a_panic_in_the_body_is_a_failure() {
    fails(FailureKind::Panic, &["body says no"], || {
        let h = go(|| 1);
        h.join().unwrap();
        panic!("body says no");
    });
}

#[test]
fn builder_names_show_in_current_and_in_reports() {
    let seen = outcomes(|| {
        let named = Builder::new().name("worker-1").go(|| current().name().map(String::from));
        let unnamed = go(|| current().name().map(String::from));
        let from_handle = named.task().name().map(String::from);
        (named.join().unwrap(), from_handle, unnamed.join().unwrap())
    });
    assert_eq!(seen, set([(Some("worker-1".to_string()), Some("worker-1".to_string()), None)]));
    fails(FailureKind::Panic, &["worker-7", "oops"], || {
        Builder::new().name("worker-7").go(|| panic!("oops"));
    });
    fails(FailureKind::Deadlock, &["waiter-3"], || {
        let (_tx, rx) = goweave::chan::<()>(0);
        let h = Builder::new().name(String::from("waiter-3")).go(move || {
            rx.recv();
        });
        h.join().unwrap();
    });
}

#[test]
fn yield_now_lets_other_tasks_run() {
    let seen = outcomes(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let f = flag.clone();
        let h = go(move || f.store(true, SeqCst));
        yield_now();
        let seen = flag.load(SeqCst);
        h.join().unwrap();
        seen
    });
    assert_eq!(seen, set([false, true]));
    all_pass(|| {
        for _ in 0..3 {
            yield_now();
        }
    });
}

#[test]
fn ids_are_stable_in_every_execution() {
    let seen = outcomes(|| {
        let body = current().id();
        let a = go(|| current().id());
        let b = go(|| {
            yield_now();
            current().id()
        });
        let ids_from_handles = (a.task().id(), b.task().id());
        let ids_inside = (a.join().unwrap(), b.join().unwrap());
        (body, ids_from_handles, ids_inside)
    });
    assert_eq!(seen, set([(0, (1, 2), (1, 2))]));
}

#[test]
fn the_body_keeps_running_while_tasks_run_and_tasks_outlive_it() {
    // A task the body never joins still runs to completion: no leak.
    let stats = all_pass(|| {
        let (tx, rx) = goweave::chan::<i32>(1);
        go(move || tx.send(1));
        go(move || {
            rx.recv();
        });
    });
    // The send always precedes the receive it unblocks: with partial-order
    // reduction one execution covers every interleaving.
    assert!(stats.exhausted(), "{stats}");
}
