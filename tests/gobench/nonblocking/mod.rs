//! Non-blocking bugs: data races, an order violation, channel misuse, anonymous functions
//! that capture a loop variable, and WaitGroup misuse.
//!
//! Each kernel is rewritten from the structure of the GoKer kernel of the same id
//! (timmyyuan/gobench, `gobench/goker/nonblocking/<project>/<id>`). Go's plain variables,
//! struct fields and maps are `goweave::Shared` values, so that unordered accesses are
//! races; Go's loop variables, shared by every iteration before Go 1.22, are one `Shared`
//! written by the loop.
//!
//! Fixed variants apply the fix the race calls for (a lock, an atomic, an argument instead
//! of a captured variable, a wait before the read); they follow the upstream pull requests
//! where those are described in GoBench, and are otherwise not checked line by line
//! against the upstream patch.
//!
//! Not detected with default settings: none. (kubernetes_82239's loop never blocks while the
//! test body sleeps; it is found since virtual time passes while a task spins.)
//!
//! Go's `sync/atomic` on a plain variable (istio_8214, serving_6472) is `Shared`'s atomic
//! accesses (`atomic_add`, `atomic_load`, ...): they never race with one another, and a
//! plain access unordered with one is a race, as for Go's race detector.
//!
//! Not expressible: none.
//!
//! No fixed variant: serving_3068's upstream fix still raises the pool's WaitGroup from zero
//! unordered with its `Wait` (goweave reports the race; a test checks it). For serving_6171,
//! serving_4908 and the data races ported last (etcd_8194, grpc_3090, istio_16742, grpc_1748,
//! kubernetes_88331, kubernetes_79631, kubernetes_81148, kubernetes_82239, kubernetes_49404,
//! serving_3148, serving_6472) the fix is not written here: GoBench does not describe it (and in
//! kubernetes_88331 and kubernetes_79631 the queue's task never stops, so adding the missing
//! lock alone would leave a leak).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use goweave::chan::{Receiver, Sender};
use goweave::context::Context;
use goweave::sync::atomic::{AtomicI32, Ordering};
use goweave::sync::{Mutex, Once, RwMutex, WaitGroup};
use goweave::{chan, go, select, time, FailureKind, Shared};

use super::kernel::Kernel;

/// Every kernel of this file, for the detection table.
pub const KERNELS: &[Kernel] = &[
    Kernel {
        id: "kubernetes_82550",
        category: "nonblocking",
        subcategory: "data race",
        expect: FailureKind::DataRace,
        bug: kubernetes_82550_bug,
        fixed: None,
    },
    Kernel {
        id: "kubernetes_80284",
        category: "nonblocking",
        subcategory: "data race",
        expect: FailureKind::DataRace,
        bug: kubernetes_80284_bug,
        fixed: Some(kubernetes_80284_fixed_body),
    },
    Kernel {
        id: "kubernetes_77796",
        category: "nonblocking",
        subcategory: "data race",
        expect: FailureKind::DataRace,
        bug: kubernetes_77796_bug,
        fixed: Some(kubernetes_77796_fixed_body),
    },
    Kernel {
        id: "kubernetes_89164",
        category: "nonblocking",
        subcategory: "data race",
        expect: FailureKind::DataRace,
        bug: kubernetes_89164_bug,
        fixed: Some(kubernetes_89164_fixed_body),
    },
    Kernel {
        id: "etcd_9446",
        category: "nonblocking",
        subcategory: "data race",
        expect: FailureKind::DataRace,
        bug: etcd_9446_bug,
        fixed: Some(etcd_9446_fixed_body),
    },
    Kernel {
        id: "istio_8144",
        category: "nonblocking",
        subcategory: "data race",
        expect: FailureKind::DataRace,
        bug: istio_8144_bug,
        fixed: Some(istio_8144_fixed_body),
    },
    Kernel {
        id: "etcd_4876",
        category: "nonblocking",
        subcategory: "data race",
        expect: FailureKind::DataRace,
        bug: etcd_4876_bug,
        fixed: None,
    },
    Kernel {
        id: "etcd_8194",
        category: "nonblocking",
        subcategory: "data race",
        expect: FailureKind::DataRace,
        bug: etcd_8194_bug,
        fixed: None,
    },
    Kernel {
        id: "grpc_3090",
        category: "nonblocking",
        subcategory: "data race",
        expect: FailureKind::DataRace,
        bug: grpc_3090_bug,
        fixed: None,
    },
    Kernel {
        id: "kubernetes_81091",
        category: "nonblocking",
        subcategory: "data race",
        expect: FailureKind::DataRace,
        bug: kubernetes_81091_bug,
        fixed: Some(kubernetes_81091_fixed_body),
    },
    Kernel {
        id: "istio_16742",
        category: "nonblocking",
        subcategory: "data race",
        expect: FailureKind::DataRace,
        bug: istio_16742_bug,
        fixed: None,
    },
    Kernel {
        id: "grpc_1748",
        category: "nonblocking",
        subcategory: "data race",
        expect: FailureKind::DataRace,
        bug: grpc_1748_bug,
        fixed: None,
    },
    Kernel {
        id: "kubernetes_88331",
        category: "nonblocking",
        subcategory: "data race",
        expect: FailureKind::DataRace,
        bug: kubernetes_88331_bug,
        fixed: None,
    },
    Kernel {
        id: "kubernetes_79631",
        category: "nonblocking",
        subcategory: "data race",
        expect: FailureKind::DataRace,
        bug: kubernetes_79631_bug,
        fixed: None,
    },
    Kernel {
        id: "kubernetes_81148",
        category: "nonblocking",
        subcategory: "data race",
        expect: FailureKind::DataRace,
        bug: kubernetes_81148_bug,
        fixed: None,
    },
    Kernel {
        id: "kubernetes_82239",
        category: "nonblocking",
        subcategory: "data race",
        expect: FailureKind::DataRace,
        bug: kubernetes_82239_bug,
        fixed: None,
    },
    Kernel {
        id: "kubernetes_49404",
        category: "nonblocking",
        subcategory: "data race",
        expect: FailureKind::DataRace,
        bug: kubernetes_49404_bug,
        fixed: None,
    },
    Kernel {
        id: "serving_3148",
        category: "nonblocking",
        subcategory: "data race",
        expect: FailureKind::DataRace,
        bug: serving_3148_bug,
        fixed: None,
    },
    Kernel {
        id: "istio_8214",
        category: "nonblocking",
        subcategory: "data race",
        expect: FailureKind::DataRace,
        bug: istio_8214_bug,
        fixed: Some(istio_8214_fixed_body),
    },
    Kernel {
        id: "serving_6472",
        category: "nonblocking",
        subcategory: "data race",
        expect: FailureKind::DataRace,
        bug: serving_6472_bug,
        fixed: None,
    },
    Kernel {
        id: "moby_18412",
        category: "nonblocking",
        subcategory: "order violation",
        expect: FailureKind::DataRace,
        bug: moby_18412_bug,
        fixed: Some(moby_18412_fixed_body),
    },
    Kernel {
        id: "serving_5865",
        category: "nonblocking",
        subcategory: "channel misuse",
        expect: FailureKind::Panic,
        bug: serving_5865_bug,
        fixed: None,
    },
    Kernel {
        id: "istio_8967",
        category: "nonblocking",
        subcategory: "channel misuse",
        expect: FailureKind::DataRace,
        bug: istio_8967_bug,
        fixed: Some(istio_8967_fixed_body),
    },
    Kernel {
        id: "etcd_3077",
        category: "nonblocking",
        subcategory: "channel misuse",
        expect: FailureKind::DataRace,
        bug: etcd_3077_bug,
        fixed: Some(etcd_3077_fixed_body),
    },
    Kernel {
        id: "moby_27037",
        category: "nonblocking",
        subcategory: "anonymous function",
        expect: FailureKind::DataRace,
        bug: moby_27037_bug,
        fixed: Some(moby_27037_fixed_body),
    },
    Kernel {
        id: "moby_22941",
        category: "nonblocking",
        subcategory: "anonymous function",
        expect: FailureKind::DataRace,
        bug: moby_22941_bug,
        fixed: Some(moby_22941_fixed_body),
    },
    Kernel {
        id: "kubernetes_70892",
        category: "nonblocking",
        subcategory: "anonymous function",
        expect: FailureKind::DataRace,
        bug: kubernetes_70892_bug,
        fixed: None,
    },
    Kernel {
        id: "cockroach_4407",
        category: "nonblocking",
        subcategory: "WaitGroup",
        expect: FailureKind::DataRace,
        bug: cockroach_4407_bug,
        fixed: None,
    },
    Kernel {
        id: "kubernetes_13058",
        category: "nonblocking",
        subcategory: "WaitGroup",
        expect: FailureKind::Panic,
        bug: kubernetes_13058_bug,
        fixed: None,
    },
    Kernel {
        id: "grpc_2371",
        category: "nonblocking",
        subcategory: "channel misuse",
        expect: FailureKind::Panic,
        bug: grpc_2371_bug,
        fixed: Some(grpc_2371_fixed_body),
    },
    Kernel {
        id: "grpc_1687",
        category: "nonblocking",
        subcategory: "channel misuse",
        expect: FailureKind::Panic,
        bug: grpc_1687_bug,
        fixed: Some(grpc_1687_fixed_body),
    },
    Kernel {
        id: "serving_3068",
        category: "nonblocking",
        subcategory: "channel misuse",
        expect: FailureKind::DataRace,
        bug: serving_3068_bug,
        fixed: None,
    },
    Kernel {
        id: "cockroach_35501",
        category: "nonblocking",
        subcategory: "anonymous function",
        expect: FailureKind::DataRace,
        bug: cockroach_35501_bug,
        fixed: Some(cockroach_35501_fixed_body),
    },
    Kernel {
        id: "serving_6171",
        category: "nonblocking",
        subcategory: "testing library",
        expect: FailureKind::DataRace,
        bug: serving_6171_bug,
        fixed: None,
    },
    Kernel {
        id: "serving_4908",
        category: "nonblocking",
        subcategory: "testing library",
        expect: FailureKind::DataRace,
        bug: serving_4908_bug,
        fixed: None,
    },
];

mod misuse;
mod races;
mod races_more;

use misuse::*;
use races::*;
use races_more::*;

// ---------------------------------------------------------------------------------------

#[goweave::concurrency_test(expect = "race")]
fn kubernetes_82550() {
    kubernetes_82550_bug()
}

#[goweave::concurrency_test(expect = "race")]
fn kubernetes_80284() {
    kubernetes_80284_bug()
}

#[goweave::concurrency_test]
fn kubernetes_80284_fixed() {
    kubernetes_80284_fixed_body()
}

#[goweave::concurrency_test(expect = "race")]
fn kubernetes_77796() {
    kubernetes_77796_bug()
}

#[goweave::concurrency_test]
fn kubernetes_77796_fixed() {
    kubernetes_77796_fixed_body()
}

#[goweave::concurrency_test(expect = "race")]
fn kubernetes_89164() {
    kubernetes_89164_bug()
}

#[goweave::concurrency_test]
fn kubernetes_89164_fixed() {
    kubernetes_89164_fixed_body()
}

#[goweave::concurrency_test(expect = "race")]
fn etcd_9446() {
    etcd_9446_bug()
}

#[goweave::concurrency_test]
fn etcd_9446_fixed() {
    etcd_9446_fixed_body()
}

#[goweave::concurrency_test(expect = "race")]
fn istio_8144() {
    istio_8144_bug()
}

#[goweave::concurrency_test]
fn istio_8144_fixed() {
    istio_8144_fixed_body()
}

#[goweave::concurrency_test(expect = "race")]
fn etcd_4876() {
    etcd_4876_bug()
}

#[goweave::concurrency_test(expect = "race")]
fn moby_18412() {
    moby_18412_bug()
}

#[goweave::concurrency_test]
fn moby_18412_fixed() {
    moby_18412_fixed_body()
}

#[goweave::concurrency_test(expect = "panic")]
fn serving_5865() {
    serving_5865_bug()
}

#[goweave::concurrency_test(expect = "race")]
fn istio_8967() {
    istio_8967_bug()
}

#[goweave::concurrency_test]
fn istio_8967_fixed() {
    istio_8967_fixed_body()
}

#[goweave::concurrency_test(expect = "race")]
fn etcd_3077() {
    etcd_3077_bug()
}

#[goweave::concurrency_test]
fn etcd_3077_fixed() {
    etcd_3077_fixed_body()
}

#[goweave::concurrency_test(expect = "race")]
fn moby_27037() {
    moby_27037_bug()
}

#[goweave::concurrency_test]
fn moby_27037_fixed() {
    moby_27037_fixed_body()
}

#[goweave::concurrency_test(expect = "race")]
fn moby_22941() {
    moby_22941_bug()
}

#[goweave::concurrency_test]
fn moby_22941_fixed() {
    moby_22941_fixed_body()
}

#[goweave::concurrency_test(expect = "race")]
fn kubernetes_70892() {
    kubernetes_70892_bug()
}

#[goweave::concurrency_test(expect = "race")]
fn cockroach_4407() {
    cockroach_4407_bug()
}

#[goweave::concurrency_test(expect = "panic")]
fn kubernetes_13058() {
    kubernetes_13058_bug()
}

#[goweave::concurrency_test(expect = "panic")]
fn grpc_2371() {
    grpc_2371_bug()
}

#[goweave::concurrency_test]
fn grpc_2371_fixed() {
    grpc_2371_fixed_body()
}

#[goweave::concurrency_test(expect = "panic")]
fn grpc_1687() {
    grpc_1687_bug()
}

#[goweave::concurrency_test]
fn grpc_1687_fixed() {
    grpc_1687_fixed_body()
}

#[goweave::concurrency_test(expect = "race")]
fn serving_3068() {
    serving_3068_bug()
}

#[goweave::concurrency_test(expect = "race")]
fn cockroach_35501() {
    cockroach_35501_bug()
}

#[goweave::concurrency_test]
fn cockroach_35501_fixed() {
    cockroach_35501_fixed_body()
}

#[goweave::concurrency_test(expect = "race")]
fn serving_6171() {
    serving_6171_bug()
}

#[goweave::concurrency_test(expect = "race")]
fn serving_4908() {
    serving_4908_bug()
}

#[goweave::concurrency_test(expect = "race")]
fn etcd_8194() {
    etcd_8194_bug()
}

#[goweave::concurrency_test(expect = "race")]
fn grpc_3090() {
    grpc_3090_bug()
}

#[goweave::concurrency_test(expect = "race")]
fn kubernetes_81091() {
    kubernetes_81091_bug()
}

#[goweave::concurrency_test]
fn kubernetes_81091_fixed() {
    kubernetes_81091_fixed_body()
}

#[goweave::concurrency_test(expect = "race")]
fn istio_16742() {
    istio_16742_bug()
}

#[goweave::concurrency_test(expect = "race")]
fn grpc_1748() {
    grpc_1748_bug()
}

#[goweave::concurrency_test(expect = "race")]
fn kubernetes_88331() {
    kubernetes_88331_bug()
}

#[goweave::concurrency_test(expect = "race")]
fn kubernetes_79631() {
    kubernetes_79631_bug()
}

#[goweave::concurrency_test(expect = "race")]
fn kubernetes_81148() {
    kubernetes_81148_bug()
}

#[goweave::concurrency_test(expect = "race")]
fn kubernetes_49404() {
    kubernetes_49404_bug()
}

#[goweave::concurrency_test(expect = "race")]
fn serving_3148() {
    serving_3148_bug()
}

/// The upstream fix of serving_3068 keeps the unordered `Add` (see `serving_3068_upstream_fix`).
#[test]
fn serving_3068_upstream_fix_still_races() {
    let failure =
        goweave::Config::default().explore(serving_3068_upstream_fix).expect_err("the upstream fix races");
    assert_eq!(failure.kind(), FailureKind::DataRace);
}

#[goweave::concurrency_test(expect = "race")]
fn kubernetes_82239() {
    kubernetes_82239_bug()
}

#[goweave::concurrency_test(expect = "race")]
fn istio_8214() {
    istio_8214_bug()
}

#[goweave::concurrency_test]
fn istio_8214_fixed() {
    istio_8214_fixed_body()
}

#[goweave::concurrency_test(expect = "race")]
fn serving_6472() {
    serving_6472_bug()
}
