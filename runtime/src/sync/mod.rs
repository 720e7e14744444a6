//! Go's `sync` package: `Mutex`, `RwMutex`, `Cond`, `WaitGroup`, `Once`,
//! and `sync/atomic`. Every operation is a scheduling point; guards are
//! `Send` (as in Go, a lock may be released by another task) and there is
//! no poisoning.

pub mod atomic;
mod cond;
mod mutex;
mod once;
mod rwmutex;
mod waitgroup;

pub use cond::Cond;
pub use mutex::{Mutex, MutexGuard};
pub use once::Once;
pub use rwmutex::{RwMutex, RwMutexReadGuard, RwMutexWriteGuard};
pub use waitgroup::WaitGroup;
