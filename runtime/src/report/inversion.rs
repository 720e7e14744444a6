//! The report of a lock-order inversion (a potential deadlock).

use std::fmt::Write as _;

use goweave_checkers::{Inversion, LockKey};

/// The report of a lock-order inversion.
pub(crate) fn describe_inversion(inversion: &Inversion) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nTasks take the same locks in opposite orders. No explored execution deadlocked, but an\n\
         interleaving where each task holds its first lock and waits for the next one does:\n"
    );
    let mut names: Vec<LockKey> = Vec::new();
    let mut name = |key: LockKey| {
        let i = names.iter().position(|&k| k == key).unwrap_or_else(|| {
            names.push(key);
            names.len() - 1
        });
        char::from(b'A' + (i % 26) as u8)
    };
    for edge in &inversion.edges {
        let mode = |write: bool| if write { "locks" } else { "read-locks" };
        let (from, to) = (name(edge.from), name(edge.to));
        let _ = writeln!(out, "  task {} (in execution {}):", edge.task, edge.execution + 1);
        let _ = writeln!(out, "      {:<10} {from}  at {}", mode(edge.from_write), edge.from_location);
        let _ = writeln!(
            out,
            "      then {:<5} {to}  at {}",
            mode(edge.to_write).trim_end_matches('s'),
            edge.to_location
        );
    }
    for (i, key) in names.iter().enumerate() {
        let nth = if key.nth > 0 { format!(" (lock #{} made there)", key.nth + 1) } else { String::new() };
        let _ = writeln!(
            out,
            "  {} {} = the lock created at {}{nth}",
            if i == 0 { "where" } else { "     " },
            char::from(b'A' + (i % 26) as u8),
            key.location
        );
    }
    let _ = writeln!(
        out,
        "\n  Take these locks in one global order everywhere, or guard both orders with one common lock.\n  \
         The replay token runs the executions that showed each order."
    );
    out
}
