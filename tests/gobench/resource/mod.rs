//! GoKer blocking kernels, resource deadlocks: double locking, AB-BA lock
//! inversions and recursive read locks behind a waiting writer (RWR). All 23
//! of GoKer's are here, one module per subcategory.
//!
//! Each kernel is a pair of plain functions, `<id>_bug` and (where the
//! upstream fix is known) `<id>_fix`, run by the tests `<id>` and
//! `<id>_fixed` and listed in [`KERNELS`] for the detection table.
//!
//! Go's "missing Unlock" is `std::mem::forget` of the guard: the lock stays
//! held and nobody can release it. Go's `rand` is [`coin`], a choice the
//! scheduler explores. Loop counts of hundreds or thousands are scaled down
//! (noted at each kernel): the bug needs only the first iterations.
//!
//! Go's `time.AfterFunc` (grpc_3017) is a task waiting on a `Timer`, as Go
//! runs the function on a goroutine of its own.
//!
//! Not expressible: none of the kernels in this file.
//!
//! No fixed variant where GoBench does not describe the upstream fix:
//! moby_17176, kubernetes_13135, kubernetes_58107, hugo_5379,
//! cockroach_7504, kubernetes_30872.
//!
//! Not detected with default settings: none. (`kubernetes_13135` and the
//! fixed `etcd_5509` spin; they pass since exhaustive search switches away
//! after `yield_now` or a long run, as Go's scheduler does.)

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use goweave::chan::Sender;
use goweave::context::{CancelFunc, Context};
use goweave::sync::{Mutex, Once, RwMutex, WaitGroup};
use goweave::time::Timer;
use goweave::{FailureKind, Shared};

use super::kernel::{coin, Kernel};

/// Every kernel of this file, for the detection table. A task that locks
/// a mutex it holds, after the body returned, is a `Deadlock` (a cycle of
/// one task), not a leak.
pub const KERNELS: &[Kernel] = &[
    k("grpc_795", DOUBLE, FailureKind::Deadlock, grpc_795_bug, Some(grpc_795_fix)),
    k("etcd_10492", DOUBLE, FailureKind::Deadlock, etcd_10492_bug, Some(etcd_10492_fix)),
    k("etcd_6708", DOUBLE, FailureKind::Deadlock, etcd_6708_bug, Some(etcd_6708_fix)),
    k("etcd_5509", DOUBLE, FailureKind::Deadlock, etcd_5509_bug, Some(etcd_5509_fix)),
    k("cockroach_9935", DOUBLE, FailureKind::Deadlock, cockroach_9935_bug, Some(cockroach_9935_fix)),
    k("cockroach_584", DOUBLE, FailureKind::Deadlock, cockroach_584_bug, Some(cockroach_584_fix)),
    k("syncthing_4829", DOUBLE, FailureKind::Deadlock, syncthing_4829_bug, Some(syncthing_4829_fix)),
    k("moby_36114", DOUBLE, FailureKind::Deadlock, moby_36114_bug, Some(moby_36114_fix)),
    k("moby_17176", DOUBLE, FailureKind::Leak, moby_17176_bug, None),
    k("moby_7559", DOUBLE, FailureKind::Deadlock, moby_7559_bug, Some(moby_7559_fix)),
    k("hugo_5379", DOUBLE, FailureKind::Deadlock, hugo_5379_bug, None),
    k("grpc_3017", DOUBLE, FailureKind::Deadlock, grpc_3017_bug, Some(grpc_3017_fix)),
    k("cockroach_10214", ABBA, FailureKind::Deadlock, cockroach_10214_bug, Some(cockroach_10214_fix)),
    k("moby_4951", ABBA, FailureKind::Deadlock, moby_4951_bug, Some(moby_4951_fix)),
    k("hugo_3251", ABBA, FailureKind::Deadlock, hugo_3251_bug, Some(hugo_3251_fix)),
    k("kubernetes_13135", ABBA, FailureKind::Deadlock, kubernetes_13135_bug, None),
    k("cockroach_7504", ABBA, FailureKind::Deadlock, cockroach_7504_bug, None),
    k("kubernetes_30872", ABBA, FailureKind::Deadlock, kubernetes_30872_bug, None),
    k("cockroach_6181", RWR, FailureKind::Deadlock, cockroach_6181_bug, Some(cockroach_6181_fix)),
    k("cockroach_16167", RWR, FailureKind::Deadlock, cockroach_16167_bug, Some(cockroach_16167_fix)),
    k("cockroach_3710", RWR, FailureKind::Deadlock, cockroach_3710_bug, Some(cockroach_3710_fix)),
    k("kubernetes_62464", RWR, FailureKind::Deadlock, kubernetes_62464_bug, Some(kubernetes_62464_fix)),
    k("kubernetes_58107", RWR, FailureKind::Leak, kubernetes_58107_bug, None),
];

const DOUBLE: &str = "double locking";
const ABBA: &str = "AB-BA";
const RWR: &str = "RWR";

const fn k(
    id: &'static str,
    sub: &'static str,
    expect: FailureKind,
    bug: fn(),
    fixed: Option<fn()>,
) -> Kernel {
    Kernel { id, category: "resource", subcategory: sub, expect, bug, fixed }
}

mod abba;
mod double_locking;
mod rwr;

use abba::*;
use double_locking::*;
use rwr::*;

// -------------------------------------------------------------------- tests

#[goweave::concurrency_test(expect = "deadlock")]
fn grpc_795() {
    grpc_795_bug()
}

#[goweave::concurrency_test]
fn grpc_795_fixed() {
    grpc_795_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn etcd_10492() {
    etcd_10492_bug()
}

#[goweave::concurrency_test]
fn etcd_10492_fixed() {
    etcd_10492_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn etcd_6708() {
    etcd_6708_bug()
}

#[goweave::concurrency_test]
fn etcd_6708_fixed() {
    etcd_6708_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn etcd_5509() {
    etcd_5509_bug()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn cockroach_9935() {
    cockroach_9935_bug()
}

#[goweave::concurrency_test]
fn cockroach_9935_fixed() {
    cockroach_9935_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn cockroach_584() {
    cockroach_584_bug()
}

#[goweave::concurrency_test]
fn cockroach_584_fixed() {
    cockroach_584_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn syncthing_4829() {
    syncthing_4829_bug()
}

#[goweave::concurrency_test]
fn syncthing_4829_fixed() {
    syncthing_4829_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn moby_36114() {
    moby_36114_bug()
}

#[goweave::concurrency_test]
fn moby_36114_fixed() {
    moby_36114_fix()
}

#[goweave::concurrency_test(expect = "leak")]
fn moby_17176() {
    moby_17176_bug()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn moby_7559() {
    moby_7559_bug()
}

#[goweave::concurrency_test]
fn moby_7559_fixed() {
    moby_7559_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn cockroach_10214() {
    cockroach_10214_bug()
}

#[goweave::concurrency_test]
fn cockroach_10214_fixed() {
    cockroach_10214_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn moby_4951() {
    moby_4951_bug()
}

#[goweave::concurrency_test]
fn moby_4951_fixed() {
    moby_4951_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn hugo_3251() {
    hugo_3251_bug()
}

#[goweave::concurrency_test]
fn hugo_3251_fixed() {
    hugo_3251_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn cockroach_6181() {
    cockroach_6181_bug()
}

#[goweave::concurrency_test]
fn cockroach_6181_fixed() {
    cockroach_6181_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn cockroach_16167() {
    cockroach_16167_bug()
}

#[goweave::concurrency_test]
fn cockroach_16167_fixed() {
    cockroach_16167_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn cockroach_3710() {
    cockroach_3710_bug()
}

#[goweave::concurrency_test]
fn cockroach_3710_fixed() {
    cockroach_3710_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn kubernetes_62464() {
    kubernetes_62464_bug()
}

#[goweave::concurrency_test]
fn kubernetes_62464_fixed() {
    kubernetes_62464_fix()
}

#[goweave::concurrency_test(expect = "leak")]
fn kubernetes_58107() {
    kubernetes_58107_bug()
}

#[goweave::concurrency_test]
fn etcd_5509_fixed() {
    etcd_5509_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn kubernetes_13135() {
    kubernetes_13135_bug()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn hugo_5379() {
    hugo_5379_bug()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn grpc_3017() {
    grpc_3017_bug()
}

#[goweave::concurrency_test]
fn grpc_3017_fixed() {
    grpc_3017_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn cockroach_7504() {
    cockroach_7504_bug()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn kubernetes_30872() {
    kubernetes_30872_bug()
}
