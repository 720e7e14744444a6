use std::panic;

use std::fmt;
use std::sync::Arc;

use crate::native::sync::NativeWaitGroup;
use crate::rt::object::ModelWaitGroup;
use crate::rt::{go_panic, in_execution};

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
#[derive(Clone)]
pub struct WaitGroup {
    inner: Inner,
}

/// A WaitGroup in the mode it was made in.
#[derive(Clone)]
enum Inner {
    Model(ModelWaitGroup),
    Native(Arc<NativeWaitGroup>),
}

impl fmt::Debug for WaitGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            Inner::Model(m) => fmt::Debug::fmt(m, f),
            Inner::Native(_) => f.write_str("WaitGroup(native)"),
        }
    }
}

impl WaitGroup {
    /// A group with counter 0.
    #[track_caller]
    #[allow(clippy::new_without_default)]
    pub fn new() -> WaitGroup {
        let inner = if in_execution() {
            Inner::Model(ModelWaitGroup::new())
        } else {
            Inner::Native(Arc::new(NativeWaitGroup::new(panic::Location::caller())))
        };
        WaitGroup { inner }
    }

    /// Adds `delta` to the counter; at zero, releases every waiter. Panics
    /// "sync: negative WaitGroup counter" like Go.
    #[track_caller]
    pub fn add(&self, delta: isize) {
        self.add_at(delta, panic::Location::caller());
    }

    /// `add(-1)`.
    #[track_caller]
    pub fn done(&self) {
        self.add_at(-1, panic::Location::caller());
    }

    #[track_caller]
    fn add_at(&self, delta: isize, loc: crate::rt::Location) {
        let result = match &self.inner {
            Inner::Model(m) => m.add(delta, loc),
            Inner::Native(n) => n.add(delta),
        };
        if let Err(message) = result {
            go_panic(message, loc);
        }
    }

    /// Blocks until the counter is zero.
    #[track_caller]
    pub fn wait(&self) {
        let loc = panic::Location::caller();
        let result = match &self.inner {
            Inner::Model(m) => m.wait(loc),
            Inner::Native(n) => n.wait(),
        };
        if let Err(message) = result {
            go_panic(message, loc);
        }
    }
}
