//! `context::after_func`: a function started in a task of its own once a
//! context is done.

use std::panic;
use std::sync::{Arc, Mutex as StdMutex};

use super::{mixed_modes, Child, Context, StopFunc};
use crate::native;
use crate::native::task::{self as native_task, Spec};
use crate::rt::{self, announce, in_execution, with_exec, Execution, Op};
use crate::time::Launcher;

/// A function of [`after_func`], waiting for its context.
pub(super) struct AfterFunc {
    /// Taken by whichever comes first: the context's cancellation, which
    /// starts it, or the stop function (Go's `once`).
    f: StdMutex<Option<Box<dyn FnOnce() + Send>>>,
    /// Inside an exploration: how its task is started.
    launcher: Option<Launcher>,
}

impl AfterFunc {
    fn take(&self) -> Option<Box<dyn FnOnce() + Send>> {
        self.f.lock().expect("after_func state").take()
    }

    pub(super) fn pending(&self) -> bool {
        self.f.lock().expect("after_func state").is_some()
    }

    /// Starts the function in a task of the execution, unless it was
    /// stopped or started; `by` is the task whose step does it.
    pub(super) fn start_in(&self, ex: &mut Execution, by: Option<usize>) {
        if let Some(f) = self.take() {
            self.launcher.expect("a model function has a launcher").start(ex, by, f);
        }
    }

    /// Starts the function on a new native task, unless it was stopped or
    /// started.
    pub(super) fn start_native(&self) {
        if let Some(f) = self.take() {
            // Detached, as Go's goroutine: its panic is printed, not joined.
            drop(native_task::spawn(&Spec::default(), f));
        }
    }
}

/// Runs `f` in a task of its own once `ctx` is done, like Go's
/// `context.AfterFunc`: at once if it is done already. Returns the
/// function that stops the association: true if that kept `f` from being
/// started, false if `f` was started (it does not wait for `f`) or the
/// association was stopped before. Several functions on one context run
/// independently. A context that is never done (`background()`, a
/// `without_cancel` child) never starts `f`.
///
/// Inside an exploration registering and stopping are scheduling points,
/// the cancellation (or deadline) that makes `ctx` done starts `f` as a
/// new task of the execution in that same step, and what was done before
/// `after_func` was called (and before the cancel, by the task that
/// cancels) happens before `f` runs. Natively the cancelling thread (or
/// the timer thread) starts `f` on a new task.
///
/// ```
/// use goweave::context::{self, Context};
/// goweave::check(|| {
///     let (ctx, cancel) = Context::background().with_cancel();
///     let (tx, rx) = goweave::chan::<&'static str>(1);
///     let _stop = context::after_func(&ctx, move || tx.send("cleaned up"));
///     let stop_other = context::after_func(&ctx, || unreachable!("stopped first"));
///     assert!(stop_other());
///     cancel();
///     assert_eq!(rx.recv(), Some("cleaned up"));
///     assert!(!stop_other(), "stopped already");
/// });
/// ```
#[track_caller]
pub fn after_func<F>(ctx: &Context, f: F) -> StopFunc
where
    F: FnOnce() + Send + 'static,
{
    let loc = panic::Location::caller();
    let native = !in_execution();
    let parent = ctx.cancellable().cloned();
    if let Some(p) = parent.as_ref().filter(|p| p.inner.native != native) {
        mixed_modes(p.inner.created, native);
    }
    let f: Box<dyn FnOnce() + Send> = Box::new(f);
    let register = |entry: &Arc<AfterFunc>| match &parent {
        Some(p) => {
            let mut st = p.inner.state.lock().expect("context state");
            if st.err.is_none() {
                st.children.push(Child::Func(entry.clone()));
            }
            st.err.is_some()
        }
        None => false,
    };
    let (entry, serial) = if native {
        let entry = Arc::new(AfterFunc { f: StdMutex::new(Some(f)), launcher: None });
        if register(&entry) {
            entry.start_native();
        }
        (entry, 0)
    } else {
        announce(Op::Clock, loc);
        with_exec(|ex| {
            if parent.as_ref().is_some_and(|p| p.inner.serial != ex.serial) {
                panic!(
                    "goweave: context::after_func was called at {loc} on a context of another execution: \
                     make contexts inside the test body"
                );
            }
            let me = ex.current;
            let launcher = Launcher::new(ex, loc);
            launcher.arm(ex, me);
            let entry = Arc::new(AfterFunc { f: StdMutex::new(Some(f)), launcher: Some(launcher) });
            if register(&entry) {
                entry.start_in(ex, Some(me));
            }
            (entry, ex.serial)
        })
    };
    Arc::new(move || {
        if entry.launcher.is_none() {
            native::check("context::after_func stop function", loc);
        } else {
            if rt::try_with_exec(|ex| ex.serial) != Some(serial) {
                panic!(
                    "goweave: the stop function of context::after_func called at {loc} was called outside \
                     the execution that made it: call it inside the test body"
                );
            }
            announce(Op::Clock, loc);
        }
        let stopped = entry.take().is_some();
        if let (true, Some(p)) = (stopped, &parent) {
            let mut st = p.inner.state.lock().expect("context state");
            st.children.retain(|c| !matches!(c, Child::Func(a) if Arc::ptr_eq(a, &entry)));
        }
        stopped
    })
}
