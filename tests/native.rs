//! goweave's primitives made outside any exploration: native, on real
//! threads and the real clock. Each test also checks what happens where
//! the two modes meet.

mod native_sync;
mod native_task;
