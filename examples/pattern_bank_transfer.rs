//! Go pattern: a bank transfer between two accounts, each with its own
//! mutex, and the lock-order inversion.
//!
//! A transfer must hold both accounts' locks, so that no one sees the
//! money in neither or in both accounts:
//!
//! ```text
//! func transfer(from, to *Account, amount int) {
//!     from.mu.Lock(); defer from.mu.Unlock()
//!     to.mu.Lock(); defer to.mu.Unlock()     // bug: the order depends on the arguments
//!     from.balance -= amount; to.balance += amount
//! }
//! go transfer(alice, bob, 10); go transfer(bob, alice, 20)
//! ```
//!
//! The bug (`buggy`): each transfer locks its source account first. Alice
//! paying Bob locks alice then bob; Bob paying Alice locks bob then alice.
//! When each has taken its first lock, each waits for the other's: a lock
//! cycle. goweave explores that interleaving and reports a `Deadlock` with
//! the wait-for cycle. (Had no explored interleaving closed the cycle, the
//! two opposite lock orders alone would have been reported as a
//! `PotentialDeadlock`.)
//!
//! The fix (`fixed`): every transfer takes the two locks in one global
//! order, by account id, whichever way the money goes.
//!
//! Run it with `cargo run --example pattern_bank_transfer`: it explores
//! the buggy variant with `Config::default()`, prints the report, then
//! checks the fixed one over every interleaving.

use std::sync::Arc;

use goweave::sync::Mutex;
use goweave::{Builder, Config, FailureKind, Strategy};

struct Account {
    id: u32,
    balance: Mutex<i64>,
}

/// Locks `from`, then `to`.
fn transfer_buggy(from: &Account, to: &Account, amount: i64) {
    let mut from_balance = from.balance.lock();
    let mut to_balance = to.balance.lock(); // Bug: opposite orders for opposite transfers
    *from_balance -= amount;
    *to_balance += amount;
}

/// Locks the account with the lower id first.
fn transfer_fixed(from: &Account, to: &Account, amount: i64) {
    let (first, second) = if from.id < to.id { (from, to) } else { (to, from) };
    let mut first_balance = first.balance.lock();
    let mut second_balance = second.balance.lock();
    let (from_balance, to_balance) = if from.id < to.id {
        (&mut *first_balance, &mut *second_balance)
    } else {
        (&mut *second_balance, &mut *first_balance)
    };
    *from_balance -= amount;
    *to_balance += amount;
}

/// Alice pays Bob 10 while Bob pays Alice 20.
fn run(transfer: fn(&Account, &Account, i64)) {
    let alice = Arc::new(Account { id: 1, balance: Mutex::new(100) });
    let bob = Arc::new(Account { id: 2, balance: Mutex::new(100) });
    let (a, b) = (alice.clone(), bob.clone());
    let t1 = Builder::new().name("alice-pays-bob").go(move || transfer(&a, &b, 10));
    let (a, b) = (alice.clone(), bob.clone());
    let t2 = Builder::new().name("bob-pays-alice").go(move || transfer(&b, &a, 20));
    t1.join().unwrap();
    t2.join().unwrap();
    assert_eq!((*alice.balance.lock(), *bob.balance.lock()), (110, 90));
}

pub(crate) fn buggy() {
    run(transfer_buggy);
}

pub(crate) fn fixed() {
    run(transfer_fixed);
}

fn main() {
    let name = "pattern_bank_transfer";
    match Config::default().explore(buggy) {
        Err(failure) if failure.kind() == FailureKind::Deadlock => {
            println!("{failure}");
            println!(
                "{name}: goweave found the deadlock, as expected: the two transfers lock in opposite orders."
            );
            println!("Replay it: GOWEAVE_REPLAY={} cargo run --example {name}", failure.schedule());
        }
        Err(failure) => {
            println!("{failure}");
            println!("{name}: expected a Deadlock, but goweave found a {:?} failure.", failure.kind());
            std::process::exit(1);
        }
        Ok(stats) => {
            println!("{stats}");
            println!("{name}: no failure found, but these transfers can deadlock.");
            std::process::exit(1);
        }
    }
    if std::env::var_os("GOWEAVE_REPLAY").is_some() {
        return; // the token replays the buggy variant only
    }
    match Config::default().strategy(Strategy::Dfs { preemption_bound: None }).explore(fixed) {
        Ok(stats) => println!("{name} (fixed, locks in account order): {stats}"),
        Err(failure) => {
            println!("{failure}");
            println!("{name}: the fixed variant failed with a {:?}.", failure.kind());
            std::process::exit(1);
        }
    }
}
