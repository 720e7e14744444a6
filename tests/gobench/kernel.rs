//! The registry shared by the kernel tests and `benchmarks/gobench.rs` (the detection table).

use goweave::FailureKind;

/// One GoKer kernel: the buggy program and, where the upstream fix is known, the fixed one.
#[derive(Clone, Copy, Debug)]
pub struct Kernel {
    /// Upstream id, `project_issue` (for example `kubernetes_10182`).
    pub id: &'static str,
    /// GoBench category: `resource`, `communication`, `mixed` or `nonblocking`.
    pub category: &'static str,
    /// GoBench subcategory, for example `double locking`, `AB-BA`, `channel & context`.
    pub subcategory: &'static str,
    /// The failure the bug produces.
    pub expect: FailureKind,
    /// The buggy kernel's body.
    pub bug: fn(),
    /// The fixed variant's body, where the upstream fix is known.
    pub fixed: Option<fn()>,
}

/// Go's `rand.Intn(..) > x` in a kernel: both outcomes are explored, as a
/// `select!` between two ready channels is a scheduling choice.
pub fn coin() -> bool {
    let (a_tx, a) = goweave::chan::<()>(1);
    let (b_tx, b) = goweave::chan::<()>(1);
    a_tx.send(());
    b_tx.send(());
    goweave::select! {
        recv(a) -> _ => true,
        recv(b) -> _ => false,
    }
}
