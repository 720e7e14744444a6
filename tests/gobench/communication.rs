//! Kernels of this category; see main.rs.

use super::kernel::Kernel;

/// Every kernel of this file, for the detection table (none yet in this worktree).
#[allow(dead_code)] // read by benches/gobench.rs
pub const KERNELS: &[Kernel] = &[];
