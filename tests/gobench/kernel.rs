//! The registry shared by the kernel tests and `benches/gobench.rs` (the detection table).

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
