//! Natively: contexts whose deadline has passed, causes, `without_cancel`,
//! `context::after_func` and `time::after_func` on the real clock, and
//! x/sync's panicking calls, `do_chan` and repeated `wait`.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use goweave::context::{self, Cause, Context, ContextError};
use goweave::singleflight::{Group, Outcome};
use goweave::{errgroup, time};

use crate::{joined_panic, within, PAUSE};

const SHORT: Duration = Duration::from_millis(20);
const LONG: Duration = Duration::from_secs(30);

fn cause_is(cause: Option<Cause>, err: ContextError) -> bool {
    cause.as_ref().and_then(|c| c.downcast_ref::<ContextError>()) == Some(&err)
}

// Issue 18, bug 1, natively.
#[test]
fn a_deadline_that_has_passed_makes_the_context_done_at_creation() {
    let (ctx, cancel) = Context::background().with_timeout(Duration::ZERO);
    assert_eq!(ctx.done().try_recv(), Err(goweave::TryRecvError::Closed), "done at creation");
    cancel();
    assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded), "the cancel came after");
    let (now, _cancel) = Context::background().with_deadline(time::now());
    assert_eq!(now.err(), Some(ContextError::DeadlineExceeded));
}

#[test]
fn causes_reach_descendants_and_deadlines_carry_theirs_even_when_passed() {
    let (now, _cancel) = Context::background().with_deadline(time::now());
    assert!(cause_is(now.cause(), ContextError::DeadlineExceeded));
    let late: Cause = Arc::new(std::io::Error::other("late"));
    let (past, _cancel) = Context::background().with_deadline_cause(time::now(), late.clone());
    assert!(Arc::ptr_eq(&past.cause().unwrap(), &late));

    let (ctx, cancel) = Context::background().with_cancel_cause();
    let (child, _c) = ctx.with_cancel();
    let why: Cause = Arc::new(std::io::Error::other("shutting down"));
    goweave::go({
        let why = why.clone();
        move || cancel(Some(why))
    })
    .join()
    .unwrap();
    assert_eq!(child.err(), Some(ContextError::Canceled));
    assert!(Arc::ptr_eq(&child.cause().unwrap(), &why));

    let slow: Cause = Arc::new(std::io::Error::other("too slow"));
    let (ctx, _cancel) = Context::background().with_timeout_cause(SHORT, slow.clone());
    assert!(ctx.cause().is_none());
    assert_eq!(ctx.done().recv(), None);
    assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded));
    assert!(Arc::ptr_eq(&ctx.cause().unwrap(), &slow));
}

#[test]
fn without_cancel_is_not_cancelled_by_its_parent() {
    let (parent, cancel) = context::todo().with_value("k", 1u8).with_timeout(LONG);
    let detached = parent.without_cancel();
    let (child, _c) = detached.with_cancel();
    cancel();
    assert_eq!(parent.err(), Some(ContextError::Canceled));
    assert_eq!((detached.err(), child.err(), detached.deadline()), (None, None, None));
    assert_eq!(child.value::<&str, u8>(&"k"), Some(1));
    assert!(parent.to_string().starts_with("context.TODO.WithValue(k, u8).WithDeadline(t+"), "{parent}");
    assert!(parent.to_string().ends_with("s])"), "{parent}");
    let name = child.to_string();
    assert!(name.starts_with("context.TODO.WithValue(k, u8).WithDeadline(t+"), "{name}");
    assert!(name.ends_with("s]).WithoutCancel.WithCancel"), "{name}");
}

#[test]
fn context_after_func_runs_on_a_new_task_once_cancelled_unless_stopped() {
    within(30, || {
        let (ctx, cancel) = Context::background().with_timeout(LONG);
        let (tx, rx) = goweave::chan::<usize>(1);
        let stop = context::after_func(&ctx, move || tx.send(goweave::current().id()));
        let ran = Arc::new(AtomicBool::new(false));
        let r = ran.clone();
        let stopped = context::after_func(&ctx, move || r.store(true, Ordering::SeqCst));
        assert!(stopped());
        std::thread::sleep(PAUSE);
        assert!(rx.try_recv().is_err(), "not before the context is done");
        cancel();
        let task = rx.recv().unwrap();
        assert_ne!(task, goweave::current().id(), "a task of its own");
        assert!(!stop());
        assert!(!stopped());
        std::thread::sleep(PAUSE);
        assert!(!ran.load(Ordering::SeqCst), "a stopped function never runs");
        // On a context that is done already, at once; on a deadline, then.
        let (tx, rx) = goweave::chan::<()>(2);
        let tx2 = tx.clone();
        let _ = context::after_func(&ctx, move || tx.send(()));
        let (timed, _c) = Context::background().with_timeout(SHORT);
        let _ = context::after_func(&timed, move || tx2.send(()));
        rx.recv().unwrap();
        rx.recv().unwrap();
    });
}

#[test]
fn time_after_func_fires_stops_and_resets() {
    within(30, || {
        let (tx, rx) = goweave::chan::<usize>(4);
        let start = time::now();
        let timer = time::after_func(SHORT, move || tx.send(goweave::current().id()));
        let task = rx.recv().unwrap();
        assert!(start.elapsed() >= SHORT);
        assert_ne!(task, goweave::current().id());
        assert!(!timer.stop(), "it fired");
        assert!(!timer.reset(SHORT), "it was not pending");
        rx.recv().unwrap();
        assert!(!timer.reset(LONG));
        assert!(timer.stop(), "pending: stopped");
        std::thread::sleep(PAUSE);
        assert!(rx.try_recv().is_err());
        assert!(timer.rx().try_recv().is_err(), "no channel");
        let runs = Arc::new(AtomicUsize::new(0));
        let r = runs.clone();
        let never = time::after_func(LONG, move || {
            r.fetch_add(1, Ordering::SeqCst);
        });
        assert!(never.stop());
        assert_eq!(runs.load(Ordering::SeqCst), 0);
    });
}

// Issue 18, bug 2, natively.
#[test]
fn a_panicking_singleflight_call_frees_its_key_and_panics_in_every_caller() {
    within(30, || {
        let g = Group::<u8, u8>::new();
        let gate = Arc::new(goweave::sync::WaitGroup::new());
        gate.add(1);
        let runner = {
            let (g, gate) = (g.clone(), gate.clone());
            std::thread::spawn(move || {
                g.call(1, move || {
                    gate.wait();
                    panic!("boom")
                })
            })
        };
        std::thread::sleep(PAUSE); // the runner is in the function, usually
        let joiner = {
            let g = g.clone();
            std::thread::spawn(move || g.call(1, || 9))
        };
        std::thread::sleep(PAUSE);
        gate.done();
        assert_eq!(joined_panic(runner), "boom");
        // The joiner joined the call (and panics) or came after it (and ran).
        match joiner.join() {
            Ok(v) => assert_eq!(v, (9, false)),
            Err(payload) => assert_eq!(crate::panic_message(&*payload), "boom"),
        }
        assert_eq!(g.call(1, || 2), (2, false));
    });
}

#[test]
fn do_chan_delivers_the_outcome_natively() {
    within(30, || {
        let g = Group::<&'static str, u32>::new();
        let rx = g.do_chan("k", || 5);
        assert_eq!(rx.recv(), Some(Outcome { val: 5, shared: false }));
        let panicked = g.do_chan("k", || panic!("no value"));
        assert_eq!(panicked.recv(), None, "closed when the function panics");
        assert_eq!(g.call("k", || 6), (6, false));
    });
}

// Issue 18, bug 3, natively.
#[test]
fn errgroup_wait_returns_the_first_error_every_time() {
    let g = errgroup::Group::<String>::new();
    g.go(|| Err("first".to_string()));
    assert_eq!(g.wait(), Err("first".to_string()));
    assert_eq!(g.wait(), Err("first".to_string()));
}

#[test]
fn errgroup_cancels_its_context_with_the_first_error_as_the_cause() {
    let (g, ctx) = errgroup::Group::<String>::with_context(&Context::background());
    g.go(|| Err("disk full".to_string()));
    assert_eq!(g.wait(), Err("disk full".to_string()));
    let cause = ctx.cause().expect("the group's context is done");
    assert_eq!(
        cause.downcast_ref::<errgroup::TaskError>().map(ToString::to_string).as_deref(),
        Some("disk full")
    );

    let (g, ctx) = errgroup::Group::<Cause>::with_context(&Context::background());
    g.go(|| Ok(()));
    assert!(g.wait().is_ok());
    assert!(cause_is(ctx.cause(), ContextError::Canceled), "wait cancels with no cause");
}
