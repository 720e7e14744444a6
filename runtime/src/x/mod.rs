//! golang.org/x/sync's packages, built on goweave's public API only.

pub mod errgroup;
pub mod semaphore;
pub mod singleflight;
