use std::panic::Location;
use std::sync::Arc;

use goweave_checkers::EventKind;

use crate::rt::{self, announce, go_panic, with_exec, ObjRef, ObjState, Op, WgState};

/// Waits for a collection of tasks to finish, like Go's `sync.WaitGroup`.
/// Cloning gives another handle to the same group.
///
/// ```
/// goweave::check(|| {
///     let wg = goweave::sync::WaitGroup::new();
///     for _ in 0..3 {
///         wg.add(1);
///         let wg = wg.clone();
///         goweave::go(move || wg.done());
///     }
///     wg.wait();
/// });
/// ```
#[derive(Clone, Debug)]
pub struct WaitGroup {
    obj: Arc<ObjRef>,
}

impl WaitGroup {
    /// A group with counter 0.
    #[track_caller]
    #[allow(clippy::new_without_default)]
    pub fn new() -> WaitGroup {
        WaitGroup {
            obj: Arc::new(ObjRef::new(ObjState::WaitGroup(WgState { counter: 0, waiting: Vec::new() }))),
        }
    }

    fn id(&self) -> usize {
        with_exec(|ex| self.obj.id(ex))
    }

    /// Adds `delta` to the counter; at zero, releases every waiter. Panics
    /// "sync: negative WaitGroup counter" like Go.
    #[track_caller]
    pub fn add(&self, delta: isize) {
        self.add_at(delta, Location::caller());
    }

    /// `add(-1)`.
    #[track_caller]
    pub fn done(&self) {
        self.add_at(-1, Location::caller());
    }

    fn add_at(&self, delta: isize, loc: rt::Loc) {
        let id = self.id();
        announce(if delta == -1 { Op::WgDone(id) } else { Op::WgAdd(id) }, loc);
        let misuse = with_exec(|ex| {
            let me = ex.current;
            ex.record(me, Some(id), EventKind::WaitGroupAdd { delta }, loc);
            let wg = ex.wg_mut(id);
            wg.counter += delta;
            if wg.counter < 0 {
                return Some("sync: negative WaitGroup counter");
            }
            if !wg.waiting.is_empty() && delta > 0 && wg.counter == delta {
                return Some("sync: WaitGroup misuse: Add called concurrently with Wait");
            }
            if wg.counter == 0 {
                for t in std::mem::take(&mut wg.waiting) {
                    let at = ex.tasks[t].loc;
                    ex.record(t, Some(id), EventKind::Woken { by: me }, at);
                    ex.wake_with(t, Op::WgWoken(id));
                }
            }
            None
        });
        if let Some(message) = misuse {
            go_panic(message, loc);
        }
    }

    /// Blocks until the counter is zero.
    #[track_caller]
    pub fn wait(&self) {
        let loc = Location::caller();
        let id = self.id();
        announce(Op::WgWait(id), loc);
        let blocked = with_exec(|ex| {
            let me = ex.current;
            let wg = ex.wg_mut(id);
            let blocked = wg.counter != 0;
            if blocked {
                wg.waiting.push(me);
            }
            ex.record(me, Some(id), EventKind::WaitGroupWait { blocked }, loc);
            blocked
        });
        if !blocked {
            return;
        }
        rt::wait(Op::WgWait(id), loc);
        // Released; as in Go, the group must not have been reused meanwhile.
        let reused = with_exec(|ex| {
            let wg = ex.wg_mut(id);
            wg.counter != 0 || !wg.waiting.is_empty()
        });
        if reused {
            go_panic("sync: WaitGroup is reused before previous Wait has returned", loc);
        }
    }
}
