//! Go pattern: a pipeline of three stages, and the stage that forgets to
//! close its output.
//!
//! Each stage is a task that ranges over its input channel, sends its
//! results on its own output channel, and closes that output when its
//! input is exhausted, so the end of the stream travels down the pipeline:
//!
//! ```text
//! gen(1, 2, 3) -> square -> add_one -> caller
//! func square(in <-chan int) <-chan int {
//!     out := make(chan int)
//!     go func() { for n := range in { out <- n * n }; close(out) }()
//!     return out
//! }
//! ```
//!
//! The bug (`buggy`): the middle stage forgets `close(out)`. The caller
//! takes the three results it expects and returns, but the last stage is
//! still ranging over the middle stage's output, waiting for a value or a
//! close that never comes: after the body returned, a task that can never
//! finish is a `Leak`.
//!
//! The fix (`fixed`): the middle stage closes its output; the last stage's
//! loop ends, and it closes its own output in turn.
//!
//! Run it with `cargo run --example pattern_pipeline`: it explores the
//! buggy variant with `Config::default()`, prints the report, then checks
//! the fixed one over every interleaving.

use goweave::chan::Receiver;
use goweave::{chan, Builder, Config, FailureKind, Strategy};

/// Stage 1: sends `nums`, then closes its output.
fn gen(nums: Vec<u32>) -> Receiver<u32> {
    let (out, rx) = chan(0);
    Builder::new().name("gen").go(move || {
        for n in nums {
            out.send(n);
        }
        out.close();
    });
    rx
}

/// Stage 2, buggy: squares every value but never closes its output.
fn square_buggy(input: Receiver<u32>) -> Receiver<u32> {
    let (out, rx) = chan(0);
    Builder::new().name("square").go(move || {
        for n in input {
            out.send(n * n);
        }
        // Bug: `out.close()` is missing.
    });
    rx
}

/// Stage 2, fixed: closes its output once its input is exhausted.
fn square_fixed(input: Receiver<u32>) -> Receiver<u32> {
    let (out, rx) = chan(0);
    Builder::new().name("square").go(move || {
        for n in input {
            out.send(n * n);
        }
        out.close();
    });
    rx
}

/// Stage 3: adds one to every value, and closes its output when its input
/// is closed.
fn add_one(input: Receiver<u32>) -> Receiver<u32> {
    let (out, rx) = chan(0);
    Builder::new().name("add_one").go(move || {
        for n in input {
            out.send(n + 1);
        }
        out.close();
    });
    rx
}

pub(crate) fn buggy() {
    let results = add_one(square_buggy(gen(vec![1, 2, 3])));
    let got: Vec<u32> = (0..3).map(|_| results.recv().unwrap()).collect();
    assert_eq!(got, vec![2, 5, 10]);
}

pub(crate) fn fixed() {
    let results = add_one(square_fixed(gen(vec![1, 2, 3])));
    let got: Vec<u32> = (0..3).map(|_| results.recv().unwrap()).collect();
    assert_eq!(got, vec![2, 5, 10]);
}

fn main() {
    let name = "pattern_pipeline";
    match Config::default().explore(buggy) {
        Err(failure) if failure.kind() == FailureKind::Leak => {
            println!("{failure}");
            println!(
                "{name}: goweave found the leak, as expected: the square stage never closes its output."
            );
            println!("Replay it: GOWEAVE_REPLAY={} cargo run --example {name}", failure.schedule());
        }
        Err(failure) => {
            println!("{failure}");
            println!("{name}: expected a Leak, but goweave found a {:?} failure.", failure.kind());
            std::process::exit(1);
        }
        Ok(stats) => {
            println!("{stats}");
            println!("{name}: no failure found, but this pipeline leaks its last stage.");
            std::process::exit(1);
        }
    }
    if std::env::var_os("GOWEAVE_REPLAY").is_some() {
        return; // the token replays the buggy variant only
    }
    match Config::default().strategy(Strategy::Dfs { preemption_bound: None }).explore(fixed) {
        Ok(stats) => println!("{name} (fixed, every stage closes its output): {stats}"),
        Err(failure) => {
            println!("{failure}");
            println!("{name}: the fixed variant failed with a {:?}.", failure.kind());
            std::process::exit(1);
        }
    }
}
