//! Tells the progress code whether goweave's engine is optimised: cargo
//! gives a build script its package's opt-level, profile overrides such
//! as `[profile.dev.package.goweave-runtime]` included.
//!
//! Also passes `GOWEAVE_MUTANT` on as `cfg(goweave_mutant = "...")`: a
//! mutation check builds the engine with one of exhaustive search's
//! dependence rules broken on purpose, to see the proptests that compare
//! it with naive enumeration fail (see `MUTANTS` below and the files that
//! test for them). Use a target directory of its own, so that the normal
//! build is not replaced:
//!
//! ```text
//! GOWEAVE_MUTANT=wg-final-reads CARGO_TARGET_DIR=target/mutant \
//!     cargo test --release -p goweave-tests --test search dpor_waitgroup
//! ```

/// The mutants, each named after the rule it breaks.
const MUTANTS: &[&str] = &[
    // WaitGroup (runtime/src/rt/object/waitgroup.rs):
    // the done that reaches zero only reads the group, as other done()s do;
    "wg-final-reads",
    // a wait that blocks reads the group only (commutes with the done that
    // reaches zero);
    "wg-blocked-wait-commutes",
    // a wait that passes reads what a blocking one does (commutes with the
    // done() calls that did not reach zero);
    "wg-passing-wait-reads",
    // a woken waiter's return reads the group only (commutes with a later
    // round's last done());
    "wg-woken-reads-group",
    // waits that return at zero do not collect the decrements' clocks (no
    // rule broken: the search only loses precision, and runs more);
    "wg-no-collect",
    // a done() reads part DONES instead of counting on it (commutes with
    // the other done() calls for sleep sets too);
    "wg-dones-read",
    // an add reads the group (commutes with done() and wait);
    "wg-add-reads",
    // a done that takes the counter below zero reads the group;
    "wg-negative-reads",
    // a passing wait's race with the last decrement is held back and never
    // reversed, not even when an add may reuse the group before a waiter
    // woken in the other order returns.
    "wg-held-forever",
    // Unbuffered channels (runtime/src/rt/object/chan.rs): an arrival that
    // pairs does not read part CLOSED (commutes with a close);
    "chan-pairing-ignores-close",
    // an arrival that joined a queue, carried by a wakeup sequence to an
    // earlier state, is compared as it was (commutes with a close), though
    // it may pair there (runtime/src/footprint.rs, `Footprint::anywhere`).
    "chan-wakeup-ignores-close",
    // a select that joins a queue where another select waits in the same
    // direction does not read the channel (commutes with a try operation
    // or a select's choice there, which would find it);
    "select-arrival-ignores-selects-leaving",
    // (not a broken rule: a select a close ended, which only returns, is
    // compared as choosing among its arms, so the search runs more);
    "ended-select-chooses",
    // a select with one arm ready: its race with its partner's arrival is
    // held and never reversed, not even when an operation on another of
    // its channels could have taken it had it waited there;
    "select-partner-held-forever",
    // Semantics, not a dependence rule: a close leaves the selects waiting
    // at the channel waiting, to choose an arm when they run (a partner on
    // another of their channels may take them first, which Go forbids);
    "close-leaves-selects-waiting",
    // Buffered channels: a receive of the closed, empty state does not read
    // part RECVS (commutes with the receive that took the last value).
    "chan-closed-recv-ignores-recvs",
    // Condition variables (runtime/src/rt/footprints.rs): a wait only
    // unlocks the mutex (commutes with signals and broadcasts).
    "cond-wait-ignores-waiters",
    // Time (runtime/src/rt/footprints.rs): a sleep touches nothing
    // (commutes with the other sleeps, whose timers it is ordered with).
    "sleep-ignores-timers",
    // Contexts: a read of a context's state reads its done channel only
    // (commutes with the close that cancels it).
    "ctx-read-ignores-close",
    // An early timer firing touches the timers only, not the channels of
    // the other pending timers, which advancing the clock lets fire
    // (runtime/src/rt/timers.rs).
    "fire-ignores-timer-channels",
    // Dropping the last receiver of a channel a pending timer fills is no
    // step of its own (commutes with early firings, whose worth it ends).
    "drop-is-no-step",
];

fn main() {
    println!("cargo::rustc-check-cfg=cfg(goweave_unoptimized)");
    println!("cargo::rerun-if-env-changed=OPT_LEVEL");
    if std::env::var("OPT_LEVEL").as_deref() == Ok("0") {
        println!("cargo::rustc-cfg=goweave_unoptimized");
    }
    let values: Vec<String> = MUTANTS.iter().map(|m| format!("\"{m}\"")).collect();
    println!("cargo::rustc-check-cfg=cfg(goweave_mutant, values({}))", values.join(", "));
    println!("cargo::rerun-if-env-changed=GOWEAVE_MUTANT");
    if let Ok(mutant) = std::env::var("GOWEAVE_MUTANT") {
        if !mutant.is_empty() {
            assert!(MUTANTS.contains(&mutant.as_str()), "GOWEAVE_MUTANT={mutant}: not one of {MUTANTS:?}");
            println!(
                "cargo::warning=goweave built with mutant {mutant}: a dependence rule is broken on purpose"
            );
            println!("cargo::rustc-cfg=goweave_mutant=\"{mutant}\"");
        }
    }
}
