use std::panic::Location;

use goweave_checkers::EventKind;

use crate::rt::{self, announce, with_exec, ObjRef, ObjState, Op};

/// Runs a function once, like Go's `sync.Once`: every `call_once` returns
/// after the first call's function finished. If the function panics the
/// `Once` still counts as done, as in Go.
///
/// ```
/// use std::sync::Arc;
/// goweave::check(|| {
///     let once = Arc::new(goweave::sync::Once::new());
///     let runs = Arc::new(goweave::sync::atomic::AtomicUsize::new(0));
///     let (o, r) = (once.clone(), runs.clone());
///     let h = goweave::go(move || o.call_once(|| { r.fetch_add(1, goweave::sync::atomic::Ordering::SeqCst); }));
///     once.call_once(|| { runs.fetch_add(1, goweave::sync::atomic::Ordering::SeqCst); });
///     h.join().unwrap();
///     assert_eq!(runs.load(goweave::sync::atomic::Ordering::SeqCst), 1);
/// });
/// ```
#[derive(Debug)]
pub struct Once {
    obj: ObjRef,
}

/// Marks the `Once` done when its body returns or unwinds, as Go's defer.
struct MarkDone {
    id: usize,
    serial: u64,
    loc: rt::Loc,
}

impl Drop for MarkDone {
    fn drop(&mut self) {
        rt::try_with_exec(|ex| {
            if ex.serial == self.serial {
                ex.objects[self.id].state = ObjState::Once { done: true, running: None };
                let me = ex.current;
                ex.record(me, Some(self.id), EventKind::OnceDone, self.loc);
            }
        });
    }
}

impl Once {
    /// A `Once` that has not run.
    #[track_caller]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Once {
        Once { obj: ObjRef::new(ObjState::Once { done: false, running: None }) }
    }

    /// Runs `f` if no call has; otherwise waits until the first call's `f`
    /// finished.
    #[track_caller]
    pub fn call_once(&self, f: impl FnOnce()) {
        let loc = Location::caller();
        let (id, serial) = with_exec(|ex| (self.obj.id(ex), ex.serial));
        announce(Op::OnceDo(id), loc);
        let run = with_exec(|ex| {
            let me = ex.current;
            let ObjState::Once { done, running } = &mut ex.objects[id].state else { unreachable!() };
            let run = !*done;
            if run {
                *running = Some(me);
            }
            ex.record(me, Some(id), EventKind::Once { ran: run }, loc);
            run
        });
        if run {
            let _done = MarkDone { id, serial, loc };
            f();
        }
    }

    /// Whether the function has run (no scheduling point).
    pub fn is_completed(&self) -> bool {
        with_exec(|ex| {
            let id = self.obj.id(ex);
            matches!(ex.objects[id].state, ObjState::Once { done: true, .. })
        })
    }
}
