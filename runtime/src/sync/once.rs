use std::panic;

use crate::native::sync::NativeOnce;
use crate::rt::in_execution;
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
pub struct Once {
    inner: Inner,
}

/// A `Once` in the mode it was made in.
enum Inner {
    Model(ModelOnce),
    Native(NativeOnce),
}

impl std::fmt::Debug for Once {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.inner {
            Inner::Model(m) => std::fmt::Debug::fmt(m, f),
            Inner::Native(_) => f.write_str("Once(native)"),
        }
    }
}

impl Once {
    /// A `Once` that has not run.
    #[track_caller]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Once {
        let inner = if in_execution() {
            Inner::Model(ModelOnce::new())
        } else {
            Inner::Native(NativeOnce::new(panic::Location::caller()))
        };
        Once { inner }
    }

    /// Runs `f` if no call has; otherwise waits until the first call's `f`
    /// finished.
    #[track_caller]
    pub fn call_once(&self, f: impl FnOnce()) {
        match &self.inner {
            Inner::Model(m) => m.call_once(f, panic::Location::caller()),
            Inner::Native(n) => n.call_once(f),
        }
    }

    /// Whether the function has run (no scheduling point).
    #[track_caller]
    pub fn is_completed(&self) -> bool {
        match &self.inner {
            Inner::Model(m) => m.is_completed(),
            Inner::Native(n) => n.is_completed(),
        }
    }
}
