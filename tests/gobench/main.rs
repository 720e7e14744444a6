//! GoKer kernels from GoBench (Yuan et al., CGO 2021), rewritten in goweave's API.
//!
//! Each kernel keeps its upstream id in its name (`kubernetes_10182`) and cites the
//! project and bug. Every buggy kernel is a `#[concurrency_test(expect = "...")]` run with
//! the default strategy and budget; every fixed variant must pass with the same defaults.

mod communication;
#[allow(dead_code)] // read by benchmarks/gobench.rs
pub mod kernel;
mod mixed;
mod nonblocking;
mod resource;
mod shared_atomic;
