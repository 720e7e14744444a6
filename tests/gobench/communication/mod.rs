//! GoKer blocking kernels, communication deadlocks: channels, channels with
//! contexts, condition variables, channels with condition variables. All 29
//! of GoKer's are here: channels in [`channel`], with contexts in
//! [`context`], with condition variables in [`cond`].
//!
//! Each kernel is a pair of plain functions, `<id>_bug` and (where the
//! upstream fix is known) `<id>_fix`, run by the tests `<id>` and
//! `<id>_fixed` and listed in [`KERNELS`] for the detection table. A
//! goroutine left blocked after the test returns is a `Leak`; the test
//! itself blocked for good is a `Deadlock`.
//!
//! Go's `rand` is [`coin`], a choice the scheduler explores; Go's timers and
//! `context.WithTimeout` are goweave's virtual time.
//!
//! A goroutine that keeps running after the test returns (cockroach_2448's
//! two loops, grpc_862's retry loop) is a `Leak` once the execution reaches
//! `max_steps`; such a kernel has no fixed variant unless the fix stops it.
//!
//! Not expressible: none of the kernels in this file.
//!
//! Not detected with default settings: none of the kernels in this file.
//!
//! No fixed variant where GoBench does not describe the upstream fix:
//! cockroach_25456, kubernetes_38669, moby_33293, moby_30408, moby_29733,
//! cockroach_2448, cockroach_35931, istio_17860, cockroach_10790,
//! istio_18454, kubernetes_11298, moby_27782.
//!
//! Fixed variants in the registry but not run as tests:
//! - `grpc_660`: its loop spawns a task per iteration until `stop` arrives,
//!   and exhaustive search explores every iteration count, so the default
//!   budget takes minutes; it passes (`cargo bench -p goweave-benchmarks --bench gobench`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use goweave::chan::{Receiver, Sender};
use goweave::context::{CancelFunc, Context};
use goweave::sync::{Cond, Mutex, Once, WaitGroup};
use goweave::time::Timer;
use goweave::{FailureKind, Shared};

use super::kernel::{coin, Kernel};

/// Every kernel of this file, for the detection table.
pub const KERNELS: &[Kernel] = &[
    k("grpc_660", CHAN, FailureKind::Leak, grpc_660_bug, Some(grpc_660_fix)),
    k("etcd_6857", CHAN, FailureKind::Leak, etcd_6857_bug, Some(etcd_6857_fix)),
    k("cockroach_24808", CHAN, FailureKind::Deadlock, cockroach_24808_bug, Some(cockroach_24808_fix)),
    k("cockroach_25456", CHAN, FailureKind::Deadlock, cockroach_25456_bug, None),
    k("kubernetes_38669", CHAN, FailureKind::Leak, kubernetes_38669_bug, None),
    k("kubernetes_5316", CHAN, FailureKind::Leak, kubernetes_5316_bug, Some(kubernetes_5316_fix)),
    k("kubernetes_70277", CHAN, FailureKind::Deadlock, kubernetes_70277_bug, Some(kubernetes_70277_fix)),
    k("moby_33293", CHAN, FailureKind::Leak, moby_33293_bug, None),
    k("moby_4395", CHAN, FailureKind::Leak, moby_4395_bug, Some(moby_4395_fix)),
    k("cockroach_2448", CHAN, FailureKind::Leak, cockroach_2448_bug, None),
    k("cockroach_35073", CHAN, FailureKind::Deadlock, cockroach_35073_bug, Some(cockroach_35073_fix)),
    k("cockroach_35931", CHAN, FailureKind::Deadlock, cockroach_35931_bug, None),
    k("grpc_1275", CHAN, FailureKind::Leak, grpc_1275_bug, Some(grpc_1275_fix)),
    k("grpc_1424", CHAN, FailureKind::Leak, grpc_1424_bug, Some(grpc_1424_fix)),
    k("istio_17860", CHAN, FailureKind::Leak, istio_17860_bug, None),
    k("moby_21233", CHAN, FailureKind::Leak, moby_21233_bug, Some(moby_21233_fix)),
    k("syncthing_5795", CHAN, FailureKind::Deadlock, syncthing_5795_bug, Some(syncthing_5795_fix)),
    k("cockroach_18101", CTX, FailureKind::Leak, cockroach_18101_bug, Some(cockroach_18101_fix)),
    k("cockroach_13755", CTX, FailureKind::Leak, cockroach_13755_bug, Some(cockroach_13755_fix)),
    k("cockroach_13197", CTX, FailureKind::Leak, cockroach_13197_bug, Some(cockroach_13197_fix)),
    k("kubernetes_25331", CTX, FailureKind::Leak, kubernetes_25331_bug, Some(kubernetes_25331_fix)),
    k("moby_33781", CTX, FailureKind::Leak, moby_33781_bug, Some(moby_33781_fix)),
    k("cockroach_10790", CTX, FailureKind::Leak, cockroach_10790_bug, None),
    k("grpc_862", CTX, FailureKind::Leak, grpc_862_bug, Some(grpc_862_fix)),
    k("istio_18454", CTX, FailureKind::Leak, istio_18454_bug, None),
    k("moby_30408", COND, FailureKind::Deadlock, moby_30408_bug, None),
    k("moby_29733", COND, FailureKind::Deadlock, moby_29733_bug, None),
    k("kubernetes_11298", CHAN_COND, FailureKind::Deadlock, kubernetes_11298_bug, None),
    k("moby_27782", CHAN_COND, FailureKind::Leak, moby_27782_bug, None),
];

const CHAN: &str = "channel";
const CTX: &str = "channel & context";
const COND: &str = "condition variable";
const CHAN_COND: &str = "channel & condition variable";

const fn k(
    id: &'static str,
    sub: &'static str,
    expect: FailureKind,
    bug: fn(),
    fixed: Option<fn()>,
) -> Kernel {
    Kernel { id, category: "communication", subcategory: sub, expect, bug, fixed }
}

mod channel;
mod cond;
mod context;

use channel::*;
use cond::*;
use context::*;

// -------------------------------------------------------------------- tests

#[goweave::concurrency_test(expect = "leak")]
fn grpc_660() {
    grpc_660_bug()
}

#[goweave::concurrency_test(expect = "leak")]
fn etcd_6857() {
    etcd_6857_bug()
}

#[goweave::concurrency_test]
fn etcd_6857_fixed() {
    etcd_6857_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn cockroach_24808() {
    cockroach_24808_bug()
}

#[goweave::concurrency_test]
fn cockroach_24808_fixed() {
    cockroach_24808_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn cockroach_25456() {
    cockroach_25456_bug()
}

#[goweave::concurrency_test(expect = "leak")]
fn kubernetes_38669() {
    kubernetes_38669_bug()
}

#[goweave::concurrency_test(expect = "leak")]
fn kubernetes_5316() {
    kubernetes_5316_bug()
}

#[goweave::concurrency_test]
fn kubernetes_5316_fixed() {
    kubernetes_5316_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn kubernetes_70277() {
    kubernetes_70277_bug()
}

#[goweave::concurrency_test]
fn kubernetes_70277_fixed() {
    kubernetes_70277_fix()
}

#[goweave::concurrency_test(expect = "leak")]
fn moby_33293() {
    moby_33293_bug()
}

#[goweave::concurrency_test(expect = "leak")]
fn moby_4395() {
    moby_4395_bug()
}

#[goweave::concurrency_test]
fn moby_4395_fixed() {
    moby_4395_fix()
}

#[goweave::concurrency_test(expect = "leak")]
fn cockroach_18101() {
    cockroach_18101_bug()
}

#[goweave::concurrency_test]
fn cockroach_18101_fixed() {
    cockroach_18101_fix()
}

#[goweave::concurrency_test(expect = "leak")]
fn cockroach_13755() {
    cockroach_13755_bug()
}

#[goweave::concurrency_test]
fn cockroach_13755_fixed() {
    cockroach_13755_fix()
}

#[goweave::concurrency_test(expect = "leak")]
fn cockroach_13197() {
    cockroach_13197_bug()
}

#[goweave::concurrency_test]
fn cockroach_13197_fixed() {
    cockroach_13197_fix()
}

#[goweave::concurrency_test(expect = "leak")]
fn kubernetes_25331() {
    kubernetes_25331_bug()
}

#[goweave::concurrency_test]
fn kubernetes_25331_fixed() {
    kubernetes_25331_fix()
}

#[goweave::concurrency_test(expect = "leak")]
fn moby_33781() {
    moby_33781_bug()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn moby_30408() {
    moby_30408_bug()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn moby_29733() {
    moby_29733_bug()
}

#[goweave::concurrency_test]
fn moby_33781_fixed() {
    moby_33781_fix()
}

#[goweave::concurrency_test(expect = "leak")]
fn cockroach_2448() {
    cockroach_2448_bug()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn cockroach_35073() {
    cockroach_35073_bug()
}

#[goweave::concurrency_test]
fn cockroach_35073_fixed() {
    cockroach_35073_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn cockroach_35931() {
    cockroach_35931_bug()
}

#[goweave::concurrency_test(expect = "leak")]
fn grpc_1275() {
    grpc_1275_bug()
}

#[goweave::concurrency_test]
fn grpc_1275_fixed() {
    grpc_1275_fix()
}

#[goweave::concurrency_test(expect = "leak")]
fn grpc_1424() {
    grpc_1424_bug()
}

#[goweave::concurrency_test]
fn grpc_1424_fixed() {
    grpc_1424_fix()
}

#[goweave::concurrency_test(expect = "leak")]
fn istio_17860() {
    istio_17860_bug()
}

#[goweave::concurrency_test(expect = "leak")]
fn moby_21233() {
    moby_21233_bug()
}

#[goweave::concurrency_test]
fn moby_21233_fixed() {
    moby_21233_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn syncthing_5795() {
    syncthing_5795_bug()
}

#[goweave::concurrency_test]
fn syncthing_5795_fixed() {
    syncthing_5795_fix()
}

#[goweave::concurrency_test(expect = "leak")]
fn cockroach_10790() {
    cockroach_10790_bug()
}

#[goweave::concurrency_test(expect = "leak")]
fn grpc_862() {
    grpc_862_bug()
}

#[goweave::concurrency_test]
fn grpc_862_fixed() {
    grpc_862_fix()
}

#[goweave::concurrency_test(expect = "leak")]
fn istio_18454() {
    istio_18454_bug()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn kubernetes_11298() {
    kubernetes_11298_bug()
}

#[goweave::concurrency_test(expect = "leak")]
fn moby_27782() {
    moby_27782_bug()
}
