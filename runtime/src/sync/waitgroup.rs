use std::panic;

use crate::rt::go_panic;
use crate::rt::object::ModelWaitGroup;

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
    model: ModelWaitGroup,
}

impl WaitGroup {
    /// A group with counter 0.
    #[track_caller]
    #[allow(clippy::new_without_default)]
    pub fn new() -> WaitGroup {
        WaitGroup { model: ModelWaitGroup::new() }
    }

    /// Adds `delta` to the counter; at zero, releases every waiter. Panics
    /// "sync: negative WaitGroup counter" like Go.
    #[track_caller]
    pub fn add(&self, delta: isize) {
        let loc = panic::Location::caller();
        if let Err(message) = self.model.add(delta, loc) {
            go_panic(message, loc);
        }
    }

    /// `add(-1)`.
    #[track_caller]
    pub fn done(&self) {
        let loc = panic::Location::caller();
        if let Err(message) = self.model.add(-1, loc) {
            go_panic(message, loc);
        }
    }

    /// Blocks until the counter is zero.
    #[track_caller]
    pub fn wait(&self) {
        let loc = panic::Location::caller();
        if let Err(message) = self.model.wait(loc) {
            go_panic(message, loc);
        }
    }
}
