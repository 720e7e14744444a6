//! Test binary `robustness`: mistakes that used to kill or hang the test
//! binary with no message (issue 19). A case that ends the process runs in
//! a child process: the test runs this binary again, filtered to itself,
//! with [`CHILD`] set, and checks what the child printed and how it ended.

use std::process::{Command, Output};

mod drop_panics;
mod hang;
mod slow;
mod stack_overflow;

/// Set in a child process to the name of the test it runs.
const CHILD: &str = "GOWEAVE_ROBUSTNESS_CHILD";

/// Runs `scenario` in a child process (this binary, running only the test
/// `name`), and returns how the child ended. In the child itself, runs
/// `scenario` and exits: it is expected to end the process its own way.
pub fn in_child(name: &str, scenario: impl FnOnce()) -> Output {
    if std::env::var(CHILD).as_deref() == Ok(name) {
        scenario();
        std::process::exit(0);
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    Command::new(exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, name)
        .output()
        .expect("run the test binary again")
}

/// The child's stderr, as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
