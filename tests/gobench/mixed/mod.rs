//! Mixed deadlocks: a channel operation and a lock (or a WaitGroup) that wait on each other.
//!
//! Each kernel is rewritten from the structure of the GoKer kernel of the same id
//! (timmyyuan/gobench, `gobench/goker/blocking/<project>/<id>`). GoKer tests start their
//! goroutines and return; goweave keeps running tasks after the body returns, so a kernel
//! whose goroutines block forever after that is a `Leak`, and one whose body itself blocks
//! is a `Deadlock`.
//!
//! False positives on fixed variants: none. Not detected with default settings: none.
//!
//! Not expressible: none of the kernels ported here needed a feature goweave lacks.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use goweave::chan::{Receiver, Sender};
use goweave::sync::atomic::{AtomicI32, Ordering};
use goweave::sync::{Cond, Mutex, RwMutex, WaitGroup};
use goweave::{chan, go, select, time, FailureKind, Shared};

use super::kernel::Kernel;

/// Every kernel of this file, for the detection table.
pub const KERNELS: &[Kernel] = &[
    Kernel {
        id: "grpc_1460",
        category: "mixed",
        subcategory: "channel & lock",
        expect: FailureKind::Leak,
        bug: grpc_1460_bug,
        fixed: Some(grpc_1460_fixed_body),
    },
    Kernel {
        id: "kubernetes_10182",
        category: "mixed",
        subcategory: "channel & lock",
        expect: FailureKind::Leak,
        bug: kubernetes_10182_bug,
        fixed: Some(kubernetes_10182_fixed_body),
    },
    Kernel {
        id: "kubernetes_6632",
        category: "mixed",
        subcategory: "channel & lock",
        expect: FailureKind::Leak,
        bug: kubernetes_6632_bug,
        fixed: Some(kubernetes_6632_fixed_body),
    },
    Kernel {
        id: "etcd_6873",
        category: "mixed",
        subcategory: "channel & lock",
        expect: FailureKind::Leak,
        bug: etcd_6873_bug,
        fixed: Some(etcd_6873_fixed_body),
    },
    Kernel {
        id: "kubernetes_1321",
        category: "mixed",
        subcategory: "channel & lock",
        expect: FailureKind::Leak,
        bug: kubernetes_1321_bug,
        fixed: Some(kubernetes_1321_fixed_body),
    },
    Kernel {
        id: "etcd_7902",
        category: "mixed",
        subcategory: "channel & lock",
        expect: FailureKind::Leak,
        bug: etcd_7902_bug,
        fixed: None,
    },
    Kernel {
        id: "istio_16224",
        category: "mixed",
        subcategory: "channel & lock",
        expect: FailureKind::Leak,
        bug: istio_16224_bug,
        fixed: None,
    },
    Kernel {
        id: "cockroach_1462",
        category: "mixed",
        subcategory: "channel & WaitGroup",
        expect: FailureKind::Deadlock,
        bug: cockroach_1462_bug,
        fixed: Some(cockroach_1462_fixed_body),
    },
    Kernel {
        id: "cockroach_1055",
        category: "mixed",
        subcategory: "channel & WaitGroup",
        expect: FailureKind::Deadlock,
        bug: cockroach_1055_bug,
        fixed: None,
    },
    Kernel {
        id: "moby_25384",
        category: "mixed",
        subcategory: "WaitGroup misuse",
        expect: FailureKind::Leak,
        bug: moby_25384_bug,
        fixed: Some(moby_25384_fixed_body),
    },
    Kernel {
        id: "grpc_1353",
        category: "mixed",
        subcategory: "channel & lock",
        expect: FailureKind::Leak,
        bug: grpc_1353_bug,
        fixed: Some(grpc_1353_fixed_body),
    },
    Kernel {
        id: "etcd_7492",
        category: "mixed",
        subcategory: "channel & lock",
        expect: FailureKind::Deadlock,
        bug: etcd_7492_bug,
        fixed: Some(etcd_7492_fixed_body),
    },
    Kernel {
        id: "etcd_7443",
        category: "mixed",
        subcategory: "channel & lock",
        expect: FailureKind::Deadlock,
        bug: etcd_7443_bug,
        fixed: None,
    },
    Kernel {
        id: "serving_2137",
        category: "mixed",
        subcategory: "channel & lock",
        expect: FailureKind::Deadlock,
        bug: serving_2137_bug,
        fixed: Some(serving_2137_fixed_body),
    },
    Kernel {
        id: "kubernetes_26980",
        category: "mixed",
        subcategory: "channel & lock",
        expect: FailureKind::Deadlock,
        bug: kubernetes_26980_bug,
        fixed: Some(kubernetes_26980_fixed_body),
    },
    Kernel {
        id: "moby_28462",
        category: "mixed",
        subcategory: "channel & lock",
        expect: FailureKind::Leak,
        bug: moby_28462_bug,
        fixed: Some(moby_28462_fixed_body),
    },
];

mod first;
mod later;

use first::*;
use later::*;

// ---------------------------------------------------------------------------------------

#[goweave::concurrency_test(expect = "leak")]
fn grpc_1460() {
    grpc_1460_bug()
}

#[goweave::concurrency_test]
fn grpc_1460_fixed() {
    grpc_1460_fixed_body()
}

#[goweave::concurrency_test(expect = "leak")]
fn kubernetes_10182() {
    kubernetes_10182_bug()
}

#[goweave::concurrency_test]
fn kubernetes_10182_fixed() {
    kubernetes_10182_fixed_body()
}

#[goweave::concurrency_test(expect = "leak")]
fn kubernetes_6632() {
    kubernetes_6632_bug()
}

#[goweave::concurrency_test]
fn kubernetes_6632_fixed() {
    kubernetes_6632_fixed_body()
}

#[goweave::concurrency_test(expect = "leak")]
fn etcd_6873() {
    etcd_6873_bug()
}

#[goweave::concurrency_test]
fn etcd_6873_fixed() {
    etcd_6873_fixed_body()
}

#[goweave::concurrency_test(expect = "leak")]
fn kubernetes_1321() {
    kubernetes_1321_bug()
}

#[goweave::concurrency_test]
fn kubernetes_1321_fixed() {
    kubernetes_1321_fixed_body()
}

#[goweave::concurrency_test(expect = "leak")]
fn etcd_7902() {
    etcd_7902_bug()
}

#[goweave::concurrency_test(expect = "leak")]
fn istio_16224() {
    istio_16224_bug()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn cockroach_1462() {
    cockroach_1462_bug()
}

#[goweave::concurrency_test]
fn cockroach_1462_fixed() {
    cockroach_1462_fixed_body()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn cockroach_1055() {
    cockroach_1055_bug()
}

#[goweave::concurrency_test(expect = "leak")]
fn moby_25384() {
    moby_25384_bug()
}

#[goweave::concurrency_test]
fn moby_25384_fixed() {
    moby_25384_fixed_body()
}

#[goweave::concurrency_test(expect = "leak")]
fn grpc_1353() {
    grpc_1353_bug()
}

#[goweave::concurrency_test]
fn grpc_1353_fixed() {
    grpc_1353_fixed_body()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn etcd_7492() {
    etcd_7492_bug()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn etcd_7443() {
    etcd_7443_bug()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn serving_2137() {
    serving_2137_bug()
}

#[goweave::concurrency_test]
fn serving_2137_fixed() {
    serving_2137_fixed_body()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn kubernetes_26980() {
    kubernetes_26980_bug()
}

#[goweave::concurrency_test]
fn kubernetes_26980_fixed() {
    kubernetes_26980_fixed_body()
}

#[goweave::concurrency_test]
fn etcd_7492_fixed() {
    etcd_7492_fixed_body()
}

#[goweave::concurrency_test(expect = "leak")]
fn moby_28462() {
    moby_28462_bug()
}

#[goweave::concurrency_test]
fn moby_28462_fixed() {
    moby_28462_fixed_body()
}
