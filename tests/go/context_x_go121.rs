//! Ports of the tests in Go's src/context/x_test.go of the APIs Go 1.20
//! and 1.21 added (causes, `WithoutCancel`, `AfterFunc`), of the `String`
//! checks of x_test.go, and of the AfterFunc child of context_test.go's
//! XTestParentFinishesChild. The older APIs' tests are in `context_x`.
//!
//! Go's `String()` is goweave's `Display`, which writes the same text
//! (docs/API.md, "Context"); Go's `Cause(ctx)` is `Context::cause`.

use std::error::Error;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use goweave::context::{self, Context, ContextError};
use goweave::sync::WaitGroup;
use goweave::{chan, go, select, time, yield_now};

use crate::context_x::{
    blocks, cancel_tree, layers, Key1, Key2, QUIESCENT, SHORT_DURATION, VERY_LONG_DURATION,
};

/// Go's `error` values in causes.
type Cause = Arc<dyn Error + Send + Sync>;

/// An error with a message, like `errors.New` or `fmt.Errorf`.
#[derive(Debug)]
struct Msg(&'static str);

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Error for Msg {}

fn cause(msg: &'static str) -> Cause {
    Arc::new(Msg(msg))
}

/// What Go's `Cause(ctx)` should return.
#[derive(Clone, Copy, Debug)]
enum Want {
    Nil,
    Ctx(ContextError),
    Custom(&'static str),
}

/// `ctx.cause()` is `want`.
fn assert_cause(ctx: &Context, want: Want, what: &str) {
    let got = ctx.cause();
    let ok = match (&got, want) {
        (None, Want::Nil) => true,
        (Some(c), Want::Ctx(e)) => c.downcast_ref::<ContextError>() == Some(&e),
        (Some(c), Want::Custom(m)) => c.downcast_ref::<ContextError>().is_none() && c.to_string() == m,
        _ => false,
    };
    assert!(ok, "{what}: Cause(ctx) = {:?} want {want:?}", got.map(|c| c.to_string()));
}

// Ports TestBackground from src/context/x_test.go (its String check).
#[goweave::concurrency_test]
fn background_string() {
    assert_eq!(Context::background().to_string(), "context.Background");
}

// Ports TestTODO from src/context/x_test.go.
#[goweave::concurrency_test]
fn todo() {
    let c = context::todo();
    assert!(blocks(&c), "<-c.Done() want nothing (it should block)");
    assert_eq!(c.to_string(), "context.TODO");
}

// Ports TestWithCancel from src/context/x_test.go (its String check).
#[goweave::concurrency_test]
fn with_cancel_string() {
    let (c1, _cancel) = Context::background().with_cancel();
    assert_eq!(c1.to_string(), "context.Background.WithCancel");
}

// Ports TestDeadline and TestTimeout from src/context/x_test.go (their
// String checks).
#[goweave::concurrency_test]
fn deadline_and_timeout_strings() {
    let prefix = "context.Background.WithDeadline(";
    let (c, _) = Context::background().with_deadline(time::now() + SHORT_DURATION);
    assert!(c.to_string().starts_with(prefix), "c.String() = {:?} want prefix {prefix:?}", c.to_string());
    let (c, _) = Context::background().with_timeout(SHORT_DURATION);
    assert!(c.to_string().starts_with(prefix), "c.String() = {:?} want prefix {prefix:?}", c.to_string());
}

// Ports TestValues from src/context/x_test.go (its String checks). Go
// prints a key by its type name (or its String method) and a value by
// String, or "<nil>"; Rust type names differ, so only the shape is
// checked here.
#[goweave::concurrency_test]
fn values_strings() {
    let c1 = Context::background().with_value(Key1(1), Some("c1k1"));
    let s1 = c1.to_string();
    assert!(s1.starts_with("context.Background.WithValue(") && s1.ends_with("c1k1)"), "c.String() = {s1:?}");
    let c2 = c1.with_value(Key2(1), Some("c2k2"));
    let s2 = c2.to_string();
    assert!(
        s2.starts_with(&s1) && s2.contains(".WithValue(") && s2.ends_with("c2k2)"),
        "c.String() = {s2:?}"
    );
    let c4 = c2.with_value(Key2(3), Some("c3k3")).with_value(Key1(1), None::<&str>);
    let s4 = c4.to_string();
    assert!(s4.starts_with(&s2) && s4.ends_with("<nil>)"), "c.String() = {s4:?}");
}

// Ports TestLayersCancel and TestLayersTimeout from src/context/x_test.go
// (their String check).
#[goweave::concurrency_test]
fn layers_string() {
    for test_timeout in [false, true] {
        let (ctx, _, _) = layers(0x1234_5678, test_timeout);
        let s = ctx.to_string();
        assert!(s.starts_with("context.Background."), "ctx.String() = {s:?} want prefix context.Background.");
    }
}

// Ports TestWithCancelCanceledParent from src/context/x_test.go: a child of
// a cancelled context is done at once, with the parent's cause.
#[goweave::concurrency_test]
fn with_cancel_canceled_parent() {
    let (parent, pcancel) = Context::background().with_cancel_cause();
    pcancel(Some(cause("Because!")));
    let (c, _) = parent.with_cancel();
    assert!(!blocks(&c), "child not done immediately upon construction");
    assert_eq!(c.err(), Some(ContextError::Canceled), "child not canceled");
    assert_cause(&c, Want::Custom("Because!"), "child has wrong cause");
}

// Ports TestWithCancelSimultaneouslyCanceledParent from src/context/x_test.go.
// A child made while its parent is being cancelled ends cancelled, with
// the parent's cause. 100 rounds shrunk to 2.
#[goweave::concurrency_test]
fn with_cancel_simultaneously_canceled_parent() {
    for _ in 0..2 {
        let (parent, pcancel) = Context::background().with_cancel_cause();
        go(move || pcancel(Some(cause("Because!"))));
        let (c, _) = parent.with_cancel();
        c.done().recv();
        assert_eq!(c.err(), Some(ContextError::Canceled), "child not canceled");
        assert_cause(&c, Want::Custom("Because!"), "child has wrong cause");
    }
}

// Ports TestDeadlineExceededSupportsTimeout from src/context/x_test.go.
#[goweave::concurrency_test]
fn deadline_exceeded_supports_timeout() {
    assert!(ContextError::DeadlineExceeded.is_timeout(), "wrong value for timeout");
}

/// One case of x_test.go's TestCause.
struct CauseCase {
    name: &'static str,
    ctx: fn() -> Context,
    err: Option<ContextError>,
    cause: Want,
}

const FOREVER: Duration = Duration::from_secs(1_000_000);

fn cause_cases() -> Vec<CauseCase> {
    use ContextError::{Canceled, DeadlineExceeded};
    let bg = Context::background;
    vec![
        CauseCase { name: "Background", ctx: bg, err: None, cause: Want::Nil },
        CauseCase { name: "TODO", ctx: context::todo, err: None, cause: Want::Nil },
        CauseCase {
            name: "WithCancel",
            ctx: || {
                let (ctx, cancel) = Context::background().with_cancel();
                cancel();
                ctx
            },
            err: Some(Canceled),
            cause: Want::Ctx(Canceled),
        },
        CauseCase {
            name: "WithCancelCause",
            ctx: || {
                let (ctx, cancel) = Context::background().with_cancel_cause();
                cancel(Some(cause("parentCause")));
                ctx
            },
            err: Some(Canceled),
            cause: Want::Custom("parentCause"),
        },
        CauseCase {
            name: "WithCancelCause nil",
            ctx: || {
                let (ctx, cancel) = Context::background().with_cancel_cause();
                cancel(None);
                ctx
            },
            err: Some(Canceled),
            cause: Want::Ctx(Canceled),
        },
        CauseCase {
            name: "WithCancelCause: parent cause before child",
            ctx: || {
                let (ctx, cancel_parent) = Context::background().with_cancel_cause();
                let (ctx, cancel_child) = ctx.with_cancel_cause();
                cancel_parent(Some(cause("parentCause")));
                cancel_child(Some(cause("childCause")));
                ctx
            },
            err: Some(Canceled),
            cause: Want::Custom("parentCause"),
        },
        CauseCase {
            name: "WithCancelCause: parent cause after child",
            ctx: || {
                let (ctx, cancel_parent) = Context::background().with_cancel_cause();
                let (ctx, cancel_child) = ctx.with_cancel_cause();
                cancel_child(Some(cause("childCause")));
                cancel_parent(Some(cause("parentCause")));
                ctx
            },
            err: Some(Canceled),
            cause: Want::Custom("childCause"),
        },
        CauseCase {
            name: "WithCancelCause: parent cause before nil",
            ctx: || {
                let (ctx, cancel_parent) = Context::background().with_cancel_cause();
                let (ctx, cancel_child) = ctx.with_cancel();
                cancel_parent(Some(cause("parentCause")));
                cancel_child();
                ctx
            },
            err: Some(Canceled),
            cause: Want::Custom("parentCause"),
        },
        CauseCase {
            name: "WithCancelCause: parent cause after nil",
            ctx: || {
                let (ctx, cancel_parent) = Context::background().with_cancel_cause();
                let (ctx, cancel_child) = ctx.with_cancel();
                cancel_child();
                cancel_parent(Some(cause("parentCause")));
                ctx
            },
            err: Some(Canceled),
            cause: Want::Ctx(Canceled),
        },
        CauseCase {
            name: "WithCancelCause: child cause after nil",
            ctx: || {
                let (ctx, cancel_parent) = Context::background().with_cancel();
                let (ctx, cancel_child) = ctx.with_cancel_cause();
                cancel_parent();
                cancel_child(Some(cause("childCause")));
                ctx
            },
            err: Some(Canceled),
            cause: Want::Ctx(Canceled),
        },
        CauseCase {
            name: "WithCancelCause: child cause before nil",
            ctx: || {
                let (ctx, cancel_parent) = Context::background().with_cancel();
                let (ctx, cancel_child) = ctx.with_cancel_cause();
                cancel_child(Some(cause("childCause")));
                cancel_parent();
                ctx
            },
            err: Some(Canceled),
            cause: Want::Custom("childCause"),
        },
        CauseCase {
            name: "WithTimeout",
            ctx: || {
                let (ctx, cancel) = Context::background().with_timeout(Duration::ZERO);
                cancel();
                ctx
            },
            err: Some(DeadlineExceeded),
            cause: Want::Ctx(DeadlineExceeded),
        },
        CauseCase {
            name: "WithTimeout canceled",
            ctx: || {
                let (ctx, cancel) = Context::background().with_timeout(FOREVER);
                cancel();
                ctx
            },
            err: Some(Canceled),
            cause: Want::Ctx(Canceled),
        },
        CauseCase {
            name: "WithTimeoutCause",
            ctx: || {
                let (ctx, cancel) =
                    Context::background().with_timeout_cause(Duration::ZERO, cause("tooSlow"));
                cancel();
                ctx
            },
            err: Some(DeadlineExceeded),
            cause: Want::Custom("tooSlow"),
        },
        CauseCase {
            name: "WithTimeoutCause canceled",
            ctx: || {
                let (ctx, cancel) = Context::background().with_timeout_cause(FOREVER, cause("tooSlow"));
                cancel();
                ctx
            },
            err: Some(Canceled),
            cause: Want::Ctx(Canceled),
        },
        CauseCase {
            name: "WithTimeoutCause stacked",
            ctx: || {
                let (ctx, cancel) = Context::background().with_cancel_cause();
                let (ctx, _) = ctx.with_timeout_cause(Duration::ZERO, cause("tooSlow"));
                cancel(Some(cause("finishedEarly")));
                ctx
            },
            err: Some(DeadlineExceeded),
            cause: Want::Custom("tooSlow"),
        },
        CauseCase {
            name: "WithTimeoutCause stacked canceled",
            ctx: || {
                let (ctx, cancel) = Context::background().with_cancel_cause();
                let (ctx, _) = ctx.with_timeout_cause(FOREVER, cause("tooSlow"));
                cancel(Some(cause("finishedEarly")));
                ctx
            },
            err: Some(Canceled),
            cause: Want::Custom("finishedEarly"),
        },
        CauseCase {
            name: "WithoutCancel",
            ctx: || Context::background().without_cancel(),
            err: None,
            cause: Want::Nil,
        },
        CauseCase {
            name: "WithoutCancel canceled",
            ctx: || {
                let (ctx, cancel) = Context::background().with_cancel_cause();
                let ctx = ctx.without_cancel();
                cancel(Some(cause("finishedEarly")));
                ctx
            },
            err: None,
            cause: Want::Nil,
        },
        CauseCase {
            name: "WithoutCancel timeout",
            ctx: || {
                let (ctx, cancel) =
                    Context::background().with_timeout_cause(Duration::ZERO, cause("tooSlow"));
                let ctx = ctx.without_cancel();
                cancel();
                ctx
            },
            err: None,
            cause: Want::Nil,
        },
    ]
}

// Ports TestCause from src/context/x_test.go: err and cause of contexts
// cancelled, timed out, with and without causes, in either order (the
// "forever" timeouts, which must not fire, are beyond the early-timer
// threshold).
#[goweave::concurrency_test]
fn cause_of_each_kind_of_context() {
    for case in cause_cases() {
        let ctx = (case.ctx)();
        assert_eq!(ctx.err(), case.err, "{}: ctx.Err()", case.name);
        assert_cause(&ctx, case.cause, case.name);
    }
}

// Ports TestCauseRace from src/context/x_test.go: polling the cause while
// another task cancels sees either nothing or the whole cause.
#[goweave::concurrency_test]
fn cause_race() {
    let (ctx, cancel) = Context::background().with_cancel_cause();
    go(move || cancel(Some(cause("TestCauseRace"))));
    loop {
        // Poll the cause, rather than waiting for done, to test that it is
        // published properly.
        if ctx.cause().is_some() {
            assert_cause(&ctx, Want::Custom("TestCauseRace"), "Cause returned");
            break;
        }
        yield_now();
    }
}

// Ports TestWithoutCancel from src/context/x_test.go: no deadline, no done
// channel, no error, but the values.
#[goweave::concurrency_test]
fn without_cancel() {
    let (key, value) = ("key", "value");
    let ctx = Context::background().with_value(key, value).without_cancel();
    assert_eq!(ctx.deadline(), None, "ctx.Deadline()");
    assert!(blocks(&ctx), "ctx.Done() want nil");
    assert_eq!(ctx.err(), None, "ctx.Err()");
    assert_eq!(ctx.value::<&str, &str>(&key), Some(value), "ctx.Value({key:?})");
}

// Ports TestAfterFuncCalledAfterCancel from src/context/x_test.go.
#[goweave::concurrency_test]
fn after_func_called_after_cancel() {
    let (ctx, cancel) = Context::background().with_cancel();
    let (donec_tx, donec) = chan::<()>(0);
    let stop = context::after_func(&ctx, move || donec_tx.close());
    select! {
        recv(donec) -> _ => panic!("AfterFunc called before context is done"),
        recv(time::after(SHORT_DURATION)) -> _ => {},
    }
    cancel();
    select! {
        recv(donec) -> _ => {},
        recv(time::after(VERY_LONG_DURATION)) -> _ => panic!("AfterFunc not called after context is canceled"),
    }
    assert!(!stop(), "stop() = true, want false");
}

// Ports TestAfterFuncCalledAfterTimeout from src/context/x_test.go.
#[goweave::concurrency_test]
fn after_func_called_after_timeout() {
    let (ctx, cancel) = Context::background().with_timeout(SHORT_DURATION);
    let (donec_tx, donec) = chan::<()>(0);
    let _stop = context::after_func(&ctx, move || donec_tx.close());
    select! {
        recv(donec) -> _ => {},
        recv(time::after(VERY_LONG_DURATION)) -> _ => panic!("AfterFunc not called after context is canceled"),
    }
    cancel(); // Go: defer cancel()
}

// Ports TestAfterFuncCalledImmediately from src/context/x_test.go.
#[goweave::concurrency_test]
fn after_func_called_immediately() {
    let (ctx, cancel) = Context::background().with_cancel();
    cancel();
    let (donec_tx, donec) = chan::<()>(0);
    let _stop = context::after_func(&ctx, move || donec_tx.close());
    select! {
        recv(donec) -> _ => {},
        recv(time::after(VERY_LONG_DURATION)) -> _ => panic!("AfterFunc not called for already-canceled context"),
    }
}

// Ports TestAfterFuncNotCalledAfterStop from src/context/x_test.go.
#[goweave::concurrency_test]
fn after_func_not_called_after_stop() {
    let (ctx, cancel) = Context::background().with_cancel();
    let (donec_tx, donec) = chan::<()>(0);
    let stop = context::after_func(&ctx, move || donec_tx.close());
    assert!(stop(), "stop() = false, want true");
    cancel();
    select! {
        recv(donec) -> _ => panic!("AfterFunc called for already-canceled context"),
        recv(time::after(SHORT_DURATION)) -> _ => {},
    }
    assert!(!stop(), "stop() = true, want false");
}

// Ports TestAfterFuncCalledAsynchronously from src/context/x_test.go:
// cancelling does not wait for the AfterFuncs to finish.
#[goweave::concurrency_test]
fn after_func_called_asynchronously() {
    let (ctx, cancel) = Context::background().with_cancel();
    let (donec_tx, donec) = chan::<()>(0);
    let stop = context::after_func(&ctx, move || {
        // The send blocks until donec is read from.
        donec_tx.send(());
    });
    cancel();
    // After cancel returns, read from donec and unblock the AfterFunc.
    select! {
        recv(donec) -> _ => {},
        recv(time::after(VERY_LONG_DURATION)) -> _ => panic!("AfterFunc not called after context is canceled"),
    }
    stop(); // Go: defer stop()
}

// Ports XTestParentFinishesChild from src/context/context_test.go (its
// AfterFunc child, which context_internal leaves out): cancelling the
// parent starts it, so stopping it then fails.
#[goweave::concurrency_test]
fn parent_finishes_after_func_child() {
    let (parent, cancel) = Context::background().with_cancel();
    let after_stop = context::after_func(&parent, || {});
    cancel();
    // The cancel started the AfterFunc: too late to stop it.
    assert!(!after_stop(), "stop() = true after the parent was canceled");
}

// Ports TestSimultaneousCancels from src/context/x_test.go with its own
// watchdog, a `time.AfterFunc` closing `stuck` (context_x ports it with a
// timer's channel). 100 contexts shrunk to 9.
#[goweave::concurrency_test]
fn simultaneous_cancels_after_func_watchdog() {
    let m = cancel_tree(8);
    let wg = WaitGroup::new();
    wg.add(m.len() as isize);
    for (_, cancel) in &m {
        let (cancel, wg) = (cancel.clone(), wg.clone());
        go(move || {
            cancel();
            wg.done();
        });
    }
    let (stuck_tx, stuck) = chan::<()>(0);
    let timer = time::after_func(QUIESCENT, move || stuck_tx.close());
    for (ctx, _) in &m {
        select! {
            recv(ctx.done()) -> _ => {},
            recv(stuck) -> _ => panic!("timed out after {QUIESCENT:?} waiting for <-ctx.Done()"),
        }
    }
    let (done_tx, done) = chan::<()>(0);
    go(move || {
        wg.wait();
        done_tx.close();
    });
    select! {
        recv(done) -> _ => {},
        recv(stuck) -> _ => panic!("timed out after {QUIESCENT:?} waiting for cancel functions"),
    }
    timer.stop(); // Go: defer timer.Stop()
}
