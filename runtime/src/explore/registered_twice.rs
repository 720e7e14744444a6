//! A `#[concurrency_test]` registered twice runs its exploration once.
//!
//! `#[test]` written *above* `#[goweave::concurrency_test]` is expanded
//! first: rustc registers the function as a test and hands the macro the
//! function without the `#[test]`, so the macro cannot see it, and adds
//! its own: libtest lists the test twice and would explore it twice.
//! (Written below, the macro sees it and drops it.) Both registrations
//! run the test on a thread named after the test, so the first to start
//! explores and every later one waits for its outcome and reports the
//! same: a pass, or the same panic message (so `#[should_panic]` agrees).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// How the exploration of one test ended: `None` if it passed, else the
/// message it panicked with.
type Outcome = Arc<OnceLock<Option<String>>>;

/// A run of a test, as [`register`] sees it.
pub(crate) enum Registration {
    /// Explore, and tell the [`Recorder`] how it ended.
    Explore(Recorder),
    /// Another registration of the same test explores (or explored): wait
    /// for its outcome with [`Registration::outcome`].
    Again(Outcome),
}

/// Records the outcome of the one exploration for the registrations that
/// wait for it. Dropped without [`record`](Recorder::record) (the
/// exploration panicked in goweave), it records a failure, so that no
/// registration waits forever.
pub(crate) struct Recorder(Option<Outcome>);

impl Recorder {
    /// The exploration passed (`None`) or failed with this report.
    pub(crate) fn record(mut self, failure: Option<&str>) {
        if let Some(outcome) = self.0.take() {
            let _ = outcome.set(failure.map(str::to_owned));
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        if let Some(outcome) = self.0.take() {
            let _ = outcome.set(Some("the exploration panicked".to_owned()));
        }
    }
}

/// Registers a run of the test whose libtest name is `test` (its path
/// without the crate's name). A run on another thread (the test function
/// called by another test, or outside libtest) always explores.
pub(crate) fn register(test: &str) -> Registration {
    if std::thread::current().name() != Some(test) {
        return Registration::Explore(Recorder(None));
    }
    static OUTCOMES: Mutex<Option<HashMap<String, Outcome>>> = Mutex::new(None);
    let mut outcomes = OUTCOMES.lock().unwrap_or_else(|e| e.into_inner());
    let outcomes = outcomes.get_or_insert_with(HashMap::new);
    match outcomes.get(test) {
        Some(outcome) => Registration::Again(outcome.clone()),
        None => {
            let outcome = Outcome::default();
            outcomes.insert(test.to_owned(), outcome.clone());
            Registration::Explore(Recorder(Some(outcome)))
        }
    }
}

impl Registration {
    /// For [`Registration::Again`]: says so on stderr, waits for the
    /// exploration and returns `None` if it passed, else the message this
    /// registration fails with.
    pub(crate) fn outcome(outcome: &Outcome, test: &str) -> Option<String> {
        eprintln!(
            "goweave: {test} is registered twice: `#[test]` is written above \
             `#[goweave::concurrency_test]`, which adds `#[test]` itself; remove the `#[test]`. The \
             exploration runs once, and this registration reports its outcome."
        );
        outcome.wait().as_ref().map(|report| {
            format!(
                "goweave: {test} is registered twice (remove the `#[test]` written above \
                 `#[goweave::concurrency_test]`); its exploration, run once, failed:\n{report}"
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Runs a test as libtest would, on a thread named `test`: the result
    /// of each registration, `Err` with the message it fails with.
    fn run_as(test: &'static str, runs: &'static AtomicUsize, fail: bool) -> Result<(), String> {
        std::thread::Builder::new()
            .name(test.to_owned())
            .spawn(move || match register(test) {
                Registration::Explore(recorder) => {
                    runs.fetch_add(1, Ordering::SeqCst);
                    let failure = fail.then_some("the report");
                    recorder.record(failure);
                    failure.map_or(Ok(()), |f| Err(f.to_owned()))
                }
                Registration::Again(outcome) => Registration::outcome(&outcome, test).map_or(Ok(()), Err),
            })
            .unwrap()
            .join()
            .unwrap()
    }

    #[test]
    fn a_second_registration_reports_the_first_ones_pass() {
        static RUNS: AtomicUsize = AtomicUsize::new(0);
        assert_eq!(run_as("registered_twice::passes", &RUNS, false), Ok(()));
        assert_eq!(run_as("registered_twice::passes", &RUNS, false), Ok(()));
        assert_eq!(RUNS.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_second_registration_reports_the_first_ones_failure() {
        static RUNS: AtomicUsize = AtomicUsize::new(0);
        assert_eq!(run_as("registered_twice::fails", &RUNS, true), Err("the report".to_owned()));
        let second = run_as("registered_twice::fails", &RUNS, true).unwrap_err();
        assert!(second.contains("registered twice") && second.ends_with("failed:\nthe report"), "{second}");
        assert_eq!(RUNS.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn an_exploration_that_panics_in_goweave_is_a_failure_for_the_others() {
        let test = "registered_twice::panics";
        std::thread::Builder::new()
            .name(test.to_owned())
            .spawn(move || {
                let Registration::Explore(_recorder) = register(test) else { panic!("explores first") };
            })
            .unwrap()
            .join()
            .unwrap();
        static RUNS: AtomicUsize = AtomicUsize::new(0);
        let second = run_as(test, &RUNS, false).unwrap_err();
        assert!(second.ends_with("failed:\nthe exploration panicked"), "{second}");
        assert_eq!(RUNS.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn a_call_from_another_thread_always_explores() {
        for _ in 0..2 {
            assert!(matches!(register("registered_twice::called"), Registration::Explore(_)));
        }
    }
}
