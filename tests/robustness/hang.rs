//! A step that never returns to goweave (a std lock held across a goweave
//! operation, a loop that reaches no goweave operation, a real blocking
//! call): the watchdog names the task and its last goweave operation and
//! ends the process, instead of a silent hang.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use goweave::{Builder, Config};

use crate::{in_child, stderr};

/// A watchdog short enough for a test.
fn config() -> Config {
    Config::default().step_timeout(Duration::from_secs(1))
}

/// The child was ended by the watchdog with its message.
fn assert_stuck(output: &std::process::Output) -> String {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(101), "{err}");
    assert!(err.contains("is stuck: no scheduling step for 1 s"), "{err}");
    assert!(err.contains("goweave does not control"), "{err}");
    assert!(err.contains("GOWEAVE_STEP_TIMEOUT"), "{err}");
    err
}

#[test]
fn a_std_mutex_held_across_a_goweave_operation_is_reported_not_hung() {
    let output = in_child("hang::a_std_mutex_held_across_a_goweave_operation_is_reported_not_hung", || {
        let lock = Arc::new(Mutex::new(()));
        let _ = config().test_name("std_mutex_test").explore(move || {
            let held = lock.clone();
            Builder::new().name("holder").go(move || {
                let _guard = held.lock().unwrap();
                goweave::yield_now(); // the scheduler may switch away while the std lock is held
            });
            let _guard = lock.lock().unwrap();
            goweave::yield_now();
        });
    });
    let err = assert_stuck(&output);
    assert!(err.contains("test `std_mutex_test` is stuck"), "{err}");
    // Whichever task blocked on the std lock: it is named with the line of
    // its last goweave operation (or of its spawn).
    assert!(err.contains("has been running since"), "{err}");
    assert!(err.contains(" at tests/robustness/hang.rs:"), "{err}");
}

#[test]
fn a_loop_that_reaches_no_goweave_operation_is_reported_not_hung() {
    let output = in_child("hang::a_loop_that_reaches_no_goweave_operation_is_reported_not_hung", || {
        let _ = config().explore(|| {
            let flag = Arc::new(AtomicBool::new(false));
            let set = flag.clone();
            let spinner = Builder::new().name("spinner").go(move || {
                // Waits for the body without a goweave operation: the body
                // never runs again.
                while !flag.load(Ordering::SeqCst) {
                    std::hint::spin_loop();
                }
            });
            goweave::yield_now();
            set.store(true, Ordering::SeqCst);
            spinner.join().unwrap();
        });
    });
    let err = assert_stuck(&output);
    assert!(
        err.contains("task 1 \"spinner\" has been running since it was spawned at tests/robustness/hang.rs:"),
        "{err}"
    );
}

#[test]
fn a_slow_step_is_fine_with_the_watchdog_off() {
    let output = in_child("hang::a_slow_step_is_fine_with_the_watchdog_off", || {
        let slow_step = || std::thread::sleep(Duration::from_millis(1500));
        config().step_timeout(Duration::ZERO).iterations(1).explore(slow_step).unwrap();
        eprintln!("explored with the watchdog off");
        config().iterations(1).explore(slow_step).unwrap();
        eprintln!("explored with the watchdog on");
    });
    let err = stderr(&output);
    assert!(err.contains("explored with the watchdog off"), "{err}");
    assert!(!err.contains("explored with the watchdog on"), "{err}");
    assert!(err.contains("task 0 (test body) has been running since it started"), "{err}");
    assert_eq!(output.status.code(), Some(101), "{err}");
}
