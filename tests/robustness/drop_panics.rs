//! A destructor that panics during unwinding: Rust aborts the process, so
//! goweave must say what happened first; and tearing down a leaked task
//! must not run such a destructor at all.

use goweave::{Builder, Config, FailureKind};

use crate::{in_child, stderr};

/// Panics when dropped, unwinding or not (a careless destructor).
struct Bomb(&'static str);

impl Drop for Bomb {
    fn drop(&mut self) {
        panic!("{} went off in Drop", self.0);
    }
}

#[test]
fn a_leaked_task_with_a_panicking_destructor_is_reported_not_aborted() {
    let output =
        in_child("drop_panics::a_leaked_task_with_a_panicking_destructor_is_reported_not_aborted", || {
            let failure = Config::default()
                .explore(|| {
                    let (_tx, rx) = goweave::chan::<()>(0);
                    Builder::new().name("stuck").go(move || {
                        let _bomb = Bomb("the stuck task's bomb");
                        rx.recv(); // never sent: the task leaks
                    });
                })
                .expect_err("the task leaks");
            assert_eq!(failure.kind(), FailureKind::Leak);
            let report = failure.to_string();
            assert!(report.contains("task 1 \"stuck\""), "{report}");
            // The replay runs the same execution and tears it down the same way.
            let token = failure.schedule().to_string();
            let replayed = Config::default().replay(token).explore(|| {
                let (_tx, rx) = goweave::chan::<()>(0);
                Builder::new().name("stuck").go(move || {
                    let _bomb = Bomb("the stuck task's bomb");
                    rx.recv();
                });
            });
            assert_eq!(replayed.expect_err("the replay leaks too").kind(), FailureKind::Leak);
            eprintln!("REPORTED AND REPLAYED");
        });
    let err = stderr(&output);
    assert!(output.status.success(), "{err}");
    assert!(err.contains("REPORTED AND REPLAYED"), "{err}");
    assert!(!err.contains("went off in Drop"), "the destructor of a leaked task ran: {err}");
}

#[test]
fn a_destructor_panicking_while_a_task_unwinds_names_both_panics_before_the_abort() {
    let output = in_child(
        "drop_panics::a_destructor_panicking_while_a_task_unwinds_names_both_panics_before_the_abort",
        || {
            let _ = Config::default().explore(|| {
                Builder::new()
                    .name("careless")
                    .go(|| {
                        let _bomb = Bomb("the careless task's bomb");
                        panic!("the task's own failure");
                    })
                    .join()
                    .ok();
            });
        },
    );
    let err = stderr(&output);
    assert!(!output.status.success(), "{err}");
    assert!(err.contains("goweave: panic in a destructor during cleanup: a destructor (a Drop implementation) of task 1 \"careless\" panicked while the task unwound from a panic."), "{err}");
    assert!(err.contains("The task panicked first at tests/robustness/drop_panics.rs:"), "{err}");
    assert!(err.contains("the task's own failure"), "{err}");
    assert!(err.contains("Then the destructor panicked at tests/robustness/drop_panics.rs:"), "{err}");
    assert!(err.contains("the careless task's bomb went off in Drop"), "{err}");
    assert!(err.contains("std::thread::panicking()"), "{err}");
}
