use std::panic;

use crate::rt::object::ModelOnce;

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
    model: ModelOnce,
}

impl Once {
    /// A `Once` that has not run.
    #[track_caller]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Once {
        Once { model: ModelOnce::new() }
    }

    /// Runs `f` if no call has; otherwise waits until the first call's `f`
    /// finished.
    #[track_caller]
    pub fn call_once(&self, f: impl FnOnce()) {
        self.model.call_once(f, panic::Location::caller());
    }

    /// Whether the function has run (no scheduling point).
    pub fn is_completed(&self) -> bool {
        self.model.is_completed()
    }
}
