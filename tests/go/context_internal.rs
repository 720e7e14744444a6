//! Ports of src/context/context_test.go: its tests of the context tree,
//! through what a context shows from outside (done, err). Their checks of
//! unexported fields (the parent's set of children, `parentCancelCtx`)
//! have no counterpart.
//!
//! Not ported: XTestCancelRemoves (the set of children after a cancel is
//! internal) and XTestCustomContextGoroutines (counts goroutines started
//! for custom `Context` types, which goweave does not have).

use goweave::context::{Context, ContextError};
use goweave::select;

use crate::context_x::{blocks, VERY_LONG_DURATION};

// Ports XTestParentFinishesChild from src/context/context_test.go:
// cancelling a parent finishes its cancel, value and timer children, and a
// child made later starts cancelled. Go's tree also has an AfterFunc child
// (see context_x_go121). The 1000 h timer child must not fire before the
// checks: it is far beyond the early-timer threshold, so it does not.
#[goweave::concurrency_test]
fn parent_finishes_child() {
    // parent -> cancel_child; parent -> value_child -> timer_child
    let (parent, cancel) = Context::background().with_cancel();
    let (cancel_child, stop1) = parent.with_cancel();
    let value_child = parent.with_value("key", "value");
    let (timer_child, stop2) = value_child.with_timeout(VERY_LONG_DURATION);

    select! {
        recv(parent.done()) -> x => panic!("<-parent.Done() == {x:?} want nothing (it should block)"),
        recv(cancel_child.done()) -> x => panic!("<-cancelChild.Done() == {x:?} want nothing (it should block)"),
        recv(timer_child.done()) -> x => panic!("<-timerChild.Done() == {x:?} want nothing (it should block)"),
        recv(value_child.done()) -> x => panic!("<-valueChild.Done() == {x:?} want nothing (it should block)"),
        default => {},
    }

    cancel();

    // parent and children should all be finished.
    let check = |ctx: &Context, name: &str| {
        assert!(!blocks(ctx), "<-{name}.Done() blocked, but shouldn't have");
        assert_eq!(ctx.err(), Some(ContextError::Canceled), "{name}.Err()");
    };
    check(&parent, "parent");
    check(&cancel_child, "cancelChild");
    check(&value_child, "valueChild");
    check(&timer_child, "timerChild");

    // A child of a canceled context starts canceled.
    let precanceled_child = parent.with_value("key", "value");
    assert!(!blocks(&precanceled_child), "<-precanceledChild.Done() blocked, but shouldn't have");
    assert_eq!(precanceled_child.err(), Some(ContextError::Canceled), "precanceledChild.Err()");

    // Go: deferred stops.
    stop2();
    stop1();
}

// Ports XTestChildFinishesFirst from src/context/context_test.go:
// cancelling a child, of the background or of a cancelable context,
// leaves the parent running.
#[goweave::concurrency_test]
fn child_finishes_first() {
    let (cancelable, stop) = Context::background().with_cancel();
    for parent in [Context::background(), cancelable] {
        let (child, cancel) = parent.with_cancel();
        select! {
            recv(parent.done()) -> x => panic!("<-parent.Done() == {x:?} want nothing (it should block)"),
            recv(child.done()) -> x => panic!("<-child.Done() == {x:?} want nothing (it should block)"),
            default => {},
        }

        cancel();

        // child should be finished.
        assert!(!blocks(&child), "<-child.Done() blocked, but shouldn't have");
        assert_eq!(child.err(), Some(ContextError::Canceled), "child.Err()");

        // parent should not be finished.
        assert!(blocks(&parent), "<-parent.Done() want nothing (it should block)");
        assert_eq!(parent.err(), None, "parent.Err() want nil");
    }
    stop();
}
