//! Reports of failures: what each task was doing, the interleaving,
//! minimization of the schedule, the forensic replay with its captured
//! logs, and the Chrome trace.

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
