//! Plain shared variables and atomics: no state beyond their identity;
//! every access is a recorded step, for the race checker and DPOR.

use goweave_checkers::EventKind;

use super::super::current::ObjRef;
use super::super::ops::Op;
use super::super::protocol::{announce, announce_act_on};
use super::super::{with_exec, Execution, Location, Stop};
use super::ObjState;

/// A `Shared` variable of one execution; the value is the user type's.
#[derive(Debug)]
pub(crate) struct ModelShared {
    pub(crate) obj: ObjRef,
}

impl ModelShared {
    /// A new variable, made at the caller's location.
    #[track_caller]
    pub(crate) fn new() -> ModelShared {
        ModelShared { obj: ObjRef::new(ObjState::Shared) }
    }

    /// One access (a read, or a write if `write`): a scheduling point.
    #[track_caller]
    pub(crate) fn access(&self, write: bool, loc: Location) {
        let id = self.obj.current_id();
        announce(if write { Op::SharedWrite(id) } else { Op::SharedRead(id) }, loc);
        with_exec(|ex| {
            let me = ex.current;
            ex.record(me, Some(id), if write { EventKind::SharedWrite } else { EventKind::SharedRead }, loc);
        });
    }
}

impl ModelShared {
    /// One atomic access (Go's `sync/atomic` on a plain variable): a
    /// scheduling point announced as a read, or a write if `write` (a
    /// compare-and-swap is announced as a write whatever its outcome);
    /// `act` performs it and says how to record it (`SharedAtomicLoad`,
    /// `SharedAtomicStore` or `SharedAtomicRmw`). `act` must call no goweave
    /// operation.
    #[track_caller]
    pub(crate) fn atomic<R>(&self, write: bool, loc: Location, act: impl FnOnce() -> (R, EventKind)) -> R {
        let id = self.obj.current_id();
        // For DPOR an atomic access is the read or write it is: an atomic
        // write is dependent with every access to the variable, reads
        // commute with reads.
        announce(if write { Op::SharedWrite(id) } else { Op::SharedRead(id) }, loc);
        with_exec(|ex| {
            let (result, kind) = act();
            let me = ex.current;
            ex.record(me, Some(id), kind, loc);
            check_races(ex);
            result
        })
    }
}

/// Brings the race checker up to the end of the trace, as
/// `Execution::record` does after a plain access, whose list of race-making
/// event kinds does not hold the atomic ones: an atomic access may complete
/// a race with a plain one.
fn check_races(ex: &mut Execution) {
    if !ex.race_checks || ex.stop.is_some() {
        return;
    }
    let events = ex.trace.events();
    while ex.hb_upto < events.len() {
        let i = ex.hb_upto;
        ex.hb_upto += 1;
        if let Some(race) = ex.hb.observe(i, &events[i]) {
            ex.stop = Some(Stop::Race(race));
            return;
        }
    }
}

/// An atomic of one execution; the value is a real atomic of the user
/// type's, since tasks run one at a time.
#[derive(Debug)]
pub(crate) struct ModelAtomic {
    pub(crate) obj: ObjRef,
}

impl ModelAtomic {
    /// A new atomic, made at the caller's location.
    #[track_caller]
    pub(crate) fn new() -> ModelAtomic {
        ModelAtomic { obj: ObjRef::new(ObjState::Atomic) }
    }

    /// One access recorded as `kind` (a load, store or read-modify-write).
    /// Not `#[inline]`, as `ModelMutex::lock`.
    #[track_caller]
    pub(crate) fn step(&self, kind: EventKind, loc: Location) {
        // Loads commute with loads: exhaustive search need not reorder them.
        let load = matches!(kind, EventKind::AtomicLoad { .. });
        announce_act_on(
            Some(&self.obj),
            loc,
            |ex| {
                let id = self.obj.id(ex);
                (if load { Op::AtomicRead(id) } else { Op::Atomic(id) }, id)
            },
            |ex, _, id| {
                let me = ex.current;
                ex.record(me, Some(id), kind, loc);
            },
        );
    }

    /// A read-modify-write whose kind depends on its outcome (a
    /// compare-exchange that fails only loads): `act` performs it and says
    /// how to record it.
    #[track_caller]
    #[inline]
    pub(crate) fn update<R>(&self, loc: Location, act: impl FnOnce() -> (R, EventKind)) -> R {
        announce_act_on(
            Some(&self.obj),
            loc,
            |ex| {
                let id = self.obj.id(ex);
                (Op::Atomic(id), id)
            },
            |ex, _, id| {
                let (result, kind) = act();
                let me = ex.current;
                ex.record(me, Some(id), kind, loc);
                result
            },
        )
    }
}
