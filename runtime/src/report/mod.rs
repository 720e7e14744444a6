//! Reports of failures: what each task was doing, the interleaving,
//! minimization of the schedule, the forensic replay with its captured
//! logs, and the Chrome trace.

#[cfg(feature = "chrome-trace")]
mod chrome_trace;
mod describe;
mod forensics;
mod inversion;
mod logs;
mod minimize;
mod timeline;

pub(crate) use describe::describe;
pub(crate) use forensics::enrich;
pub(crate) use inversion::describe_inversion;
pub(crate) use minimize::minimize;

/// Without the `chrome-trace` feature, a trace asked for is not written,
/// and the report says why.
#[cfg(not(feature = "chrome-trace"))]
mod chrome_trace {
    use std::path::Path;

    use super::forensics::Recorded;
    use crate::failure::Failure;

    /// The line the report shows instead of the trace.
    pub(super) fn write(path: &Path, _recorded: &Recorded, _failure: &Failure) -> String {
        format!(
            "no Chrome trace written to {}: goweave was built without its `chrome-trace` feature (on by \
             default)",
            path.display()
        )
    }
}
