//! The model state of each kind of object, one file per primitive: what
//! the engine knows of a channel, a lock, a WaitGroup, ... to decide
//! enabledness and footprints, and the model operations that change it.
//!
//! Each file pairs the untyped state the engine reads (`ChanState`,
//! `MutexState`, ...) with the handle a public type holds (`ModelChan`,
//! `ModelMutex`, ...), whose methods are the primitive's operations as
//! the engine runs them: announce, then act. The public types in `chan`,
//! `sync`, `shared` and `time` add the user's values and Go's panics.

mod chan;
mod cond;
mod mutex;
mod once;
mod rwmutex;
mod shared;
mod waitgroup;

pub(crate) use chan::{ChanOp, ChanState, ModelChan, SendOnClosed, CLOSED, RECVS, SENDS};
pub(crate) use cond::{CondState, ModelCond};
pub(crate) use mutex::{ModelMutex, MutexState};
pub(crate) use once::{ModelOnce, OnceState};
pub(crate) use rwmutex::{ModelRwMutex, RwState};
pub(crate) use shared::{ModelAtomic, ModelShared};
pub(crate) use waitgroup::{ModelWaitGroup, WgState};

use goweave_checkers::{EventKind, ObjectKind};

use super::current::ObjRef;
use super::{Execution, Location};

/// The model state of an object, by kind.
///
/// An explicit tag (rather than a niche in a channel's waiter list) makes
/// the check that an object is a channel, at every enabledness test, one
/// byte comparison.
#[repr(u8)]
pub(crate) enum ObjState {
    /// A channel.
    Chan(ChanState),
    /// A mutex.
    Mutex(MutexState),
    /// A read-write mutex.
    RwMutex(RwState),
    /// A condition variable.
    Cond(CondState),
    /// A WaitGroup.
    WaitGroup(WgState),
    /// A `Once`.
    Once(OnceState),
    /// An atomic: no state the engine needs.
    Atomic,
    /// A `Shared` variable: no state the engine needs.
    Shared,
}

/// One object of an execution.
pub(crate) struct Object {
    /// Where in the user's code it was made.
    pub created: Location,
    /// Its model state.
    pub state: ObjState,
}

impl ObjState {
    fn kind(&self) -> ObjectKind {
        match self {
            ObjState::Chan(c) => ObjectKind::Chan { cap: c.cap },
            ObjState::Mutex(_) => ObjectKind::Mutex,
            ObjState::RwMutex(_) => ObjectKind::RwMutex,
            ObjState::Cond(_) => ObjectKind::Cond,
            ObjState::WaitGroup(_) => ObjectKind::WaitGroup,
            ObjState::Once(_) => ObjectKind::Once,
            ObjState::Atomic => ObjectKind::Atomic,
            ObjState::Shared => ObjectKind::Shared,
        }
    }
}

impl Object {
    /// The kind's name in reports (`chan`, `Mutex`, ...).
    pub(crate) fn kind_name(&self) -> &'static str {
        self.state.name()
    }
}

impl ObjState {
    /// The kind's name in reports (`chan`, `Mutex`, ...).
    fn name(&self) -> &'static str {
        match self {
            ObjState::Chan(c) if c.never => "nil chan",
            ObjState::Chan(_) => "chan",
            ObjState::Mutex(_) => "Mutex",
            ObjState::RwMutex(_) => "RwMutex",
            ObjState::Cond(_) => "Cond",
            ObjState::WaitGroup(_) => "WaitGroup",
            ObjState::Once(_) => "Once",
            ObjState::Atomic => "atomic",
            ObjState::Shared => "Shared",
        }
    }
}

impl Execution {
    /// Adds an object and records its creation.
    pub(crate) fn add_object(&mut self, state: ObjState, created: Location) -> ObjRef {
        let id = self.objects.len();
        let what = state.kind();
        let kind = state.name();
        if matches!(what, ObjectKind::Mutex | ObjectKind::RwMutex) {
            self.locks_created += 1;
        }
        self.objects.push(Object { created, state });
        let me = self.current;
        self.record(me, Some(id), EventKind::Create { what }, created);
        ObjRef { serial: self.serial, id, kind, created }
    }
}
