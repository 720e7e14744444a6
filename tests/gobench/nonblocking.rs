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
//! Not expressible:
//! - istio_8214: the cache's write counter is raised with `atomic.AddUint64` and read plainly
//!   (a struct copy) by `Stats`; goweave has no mixed access to one variable, atomic in one
//!   place and plain in another (its atomics and `Shared` are different objects), so the
//!   race between the two kinds of access cannot be written.
//! - serving_6472: the same, for an ingress state's `pendingCount`, raised plainly by
//!   `IsReady` and lowered with `atomic.AddInt32` by the prober's workers.
//!
//! No fixed variant: serving_3068's upstream fix still raises the pool's WaitGroup from zero
//! unordered with its `Wait` (goweave reports the race; a test checks it). For serving_6171,
//! serving_4908 and the data races ported last (etcd_8194, grpc_3090, istio_16742, grpc_1748,
//! kubernetes_88331, kubernetes_79631, kubernetes_81148, kubernetes_82239, kubernetes_49404,
//! serving_3148) the fix is not written here: GoBench does not describe it (and in
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

// ---------------------------------------------------------------------------------------

/// Kubernetes #82550: ten tasks call `LazyProvide`, which checks the provider field for nil
/// and sets it, with no lock: unordered writes of one field.
fn kubernetes_82550_bug() {
    // The `actualProvider` field; `Some(())` is a set provider.
    let actual_provider = Arc::new(Shared::new(None::<()>));
    for _ in 0..10 {
        let p = actual_provider.clone();
        go(move || {
            if p.get().is_none() {
                p.set(Some(()));
            }
            let _entry = p.get();
        });
    }
}

// ---------------------------------------------------------------------------------------

fn kubernetes_80284_run(locked: bool) {
    let wg = WaitGroup::new();
    wg.add(2);
    // The authenticator's `onRotate` field (the id of the dialer it closes) and, in the fix,
    // the lock that guards it.
    let on_rotate = Arc::new(Shared::new(0u32));
    let mu = Arc::new(Mutex::new(()));
    for i in 0..2 {
        let (wg, on_rotate, mu) = (wg.clone(), on_rotate.clone(), mu.clone());
        go(move || {
            // UpdateTransportConfig
            let _g = locked.then(|| mu.lock());
            on_rotate.set(i + 1);
            drop(_g);
            wg.done();
        });
    }
    wg.wait();
}

/// Kubernetes #80284: two tasks call `UpdateTransportConfig`, which sets the authenticator's
/// `onRotate` field without a lock.
fn kubernetes_80284_bug() {
    kubernetes_80284_run(false)
}

/// Kubernetes #80284, fixed: the field is set under the authenticator's mutex.
fn kubernetes_80284_fixed_body() {
    kubernetes_80284_run(true)
}

// ---------------------------------------------------------------------------------------

/// kubernetes_77796 and kubernetes_89164's cacher: `watcher_buffer` is reset under the
/// lock and, in the bug, iterated without it.
struct Cacher {
    lock: RwMutex<()>,
    watcher_buffer: Shared<Vec<u32>>,
}

impl Cacher {
    /// NewCacherFromConfig: starts the cacher's own dispatching task.
    fn new(iterate_under_lock: bool) -> Arc<Cacher> {
        let c = Arc::new(Cacher { lock: RwMutex::new(()), watcher_buffer: Shared::new(Vec::new()) });
        let dispatcher = c.clone();
        go(move || dispatcher.dispatch_event(iterate_under_lock)); // dispatchEvents
        c
    }

    fn dispatch_event(&self, iterate_under_lock: bool) {
        let g = self.lock.write();
        self.watcher_buffer.with_mut(Vec::clear); // startDispatching
        if !iterate_under_lock {
            drop(g);
            self.watcher_buffer.with(|b| b.iter().for_each(|_| {}));
        } else {
            self.watcher_buffer.with(|b| b.iter().for_each(|_| {}));
            drop(g);
        }
    }
}

fn kubernetes_77796_run(fixed: bool) {
    let cacher = Cacher::new(fixed);
    for _ in 0..3 {
        let c = cacher.clone();
        go(move || c.dispatch_event(fixed));
        time::sleep(Duration::from_millis(10));
    }
}

/// Kubernetes #77796: `dispatchEvent` resets the watcher buffer under the cacher's lock but
/// iterates over it after releasing the lock; the cacher's own dispatching task and the
/// test's tasks (ordered by nothing but sleeps) race on it.
fn kubernetes_77796_bug() {
    kubernetes_77796_run(false)
}

/// Kubernetes #77796, fixed: the buffer is iterated while the lock is still held.
fn kubernetes_77796_fixed_body() {
    kubernetes_77796_run(true)
}

fn kubernetes_89164_run(fixed: bool) {
    let cacher = Cacher::new(fixed);
    for _ in 0..3 {
        let wg = WaitGroup::new();
        wg.add(1);
        let (c, w) = (cacher.clone(), wg.clone());
        go(move || {
            c.dispatch_event(fixed);
            w.done();
        });
        wg.wait();
    }
}

/// Kubernetes #89164: as in #77796, but the test's tasks run one after the other, so the
/// race is between the cacher's own dispatching task and the first of them.
fn kubernetes_89164_bug() {
    kubernetes_89164_run(false)
}

/// Kubernetes #89164, fixed: the buffer is iterated while the lock is still held.
fn kubernetes_89164_fixed_body() {
    kubernetes_89164_run(true)
}

// ---------------------------------------------------------------------------------------

fn etcd_9446_run(locked: bool) {
    let wg = WaitGroup::new();
    wg.add(3);
    let w = wg.clone();
    go(move || {
        // The read transaction's buffer map and, in the fix, its lock.
        let buckets = Arc::new(Shared::new(BTreeMap::<&'static str, ()>::new()));
        let mu = Arc::new(RwMutex::new(()));
        buckets.with_mut(|b| b.insert("1", ()));
        let (b, m, w2) = (buckets.clone(), mu.clone(), w.clone());
        go(move || {
            // reset
            let _g = locked.then(|| m.write());
            b.with_mut(BTreeMap::clear);
            drop(_g);
            w2.done();
        });
        let (b, m, w2) = (buckets, mu, w.clone());
        go(move || {
            // UnsafeRange
            let _g = locked.then(|| m.read());
            b.with(|b| b.get("1").is_some());
            drop(_g);
            w2.done();
        });
        w.done();
    });
    wg.wait();
}

/// etcd #9446: one task resets the read transaction's bucket map while another ranges over
/// it, with no lock between them.
fn etcd_9446_bug() {
    etcd_9446_run(false)
}

/// etcd #9446, fixed: reset and range take the transaction's read-write lock.
fn etcd_9446_fixed_body() {
    etcd_9446_run(true)
}

// ---------------------------------------------------------------------------------------

/// istio_8144's callback counter: a plain field in the bug, an atomic in the fix.
enum Counter {
    Plain(Shared<i32>),
    Atomic(AtomicI32),
}

impl Counter {
    fn incr(&self) {
        match self {
            Counter::Plain(c) => c.set(c.get() + 1),
            Counter::Atomic(c) => {
                c.fetch_add(1, Ordering::SeqCst);
            }
        }
    }

    fn get(&self) -> i32 {
        match self {
            Counter::Plain(c) => c.get(),
            Counter::Atomic(c) => c.load(Ordering::SeqCst),
        }
    }
}

fn istio_8144_run(counter: Counter) {
    let wg = WaitGroup::new();
    wg.add(1);
    let w = wg.clone();
    go(move || {
        let callbacks = Arc::new(counter);
        // The cache's entries (a sync.Map in Go) and its evicter task.
        let entries = Arc::new(Mutex::new(BTreeMap::<i32, i32>::new()));
        let (e, c) = (entries.clone(), callbacks.clone());
        go(move || {
            let n = e.lock().len();
            for _ in 0..n {
                c.incr();
            }
        });
        entries.lock().insert(1, 1); // SetWithExpiration
        let _ = callbacks.get() != 1;
        w.done();
    });
    wg.wait();
}

/// Istio #8144: the cache's evicter task increments the recorder's callback counter while
/// the test reads it, both plain accesses.
fn istio_8144_bug() {
    istio_8144_run(Counter::Plain(Shared::new(0)))
}

/// Istio #8144, fixed: the counter is an atomic.
fn istio_8144_fixed_body() {
    istio_8144_run(Counter::Atomic(AtomicI32::new(0)))
}

// ---------------------------------------------------------------------------------------

/// etcd #4876: the test sets the package-level `ProgressReportInterval` while a watch
/// stream's send loop, started concurrently, reads it to make its ticker.
fn etcd_4876_bug() {
    let progress_report_interval = Arc::new(Shared::new(Duration::from_secs(10)));
    let wg = WaitGroup::new();
    wg.add(3);
    let w = wg.clone();
    go(move || {
        let (i, w2) = (progress_report_interval.clone(), w.clone());
        go(move || {
            i.set(Duration::from_secs(3));
            w2.done();
        });
        let (i, w2) = (progress_report_interval, w.clone());
        go(move || {
            // Watch starts the send loop.
            go(move || {
                let ticker = time::tick(i.get());
                // The Go kernel drops its ticker; stopped here so that no timer outlives
                // the test.
                ticker.stop();
            });
            w2.done();
        });
        w.done();
    });
    wg.wait();
}

// ---------------------------------------------------------------------------------------

fn moby_18412_run(wait_after_kill: bool) {
    // The command's output buffer, written by the process's output copier, and the named
    // result `exitCode`.
    let output_buffer = Arc::new(Shared::new(String::new()));
    let exit_code = Arc::new(Shared::new(0));
    let (exited_tx, exited_rx) = chan::<()>(0);
    let out = output_buffer.clone();
    go(move || {
        // cmd.Start: the process writes its output, then exits.
        out.with_mut(|b| b.push_str("file\n"));
        exited_tx.close();
    });
    let (done_tx, done_rx) = chan::<i32>(0);
    let code = exit_code.clone();
    go(move || {
        exited_rx.recv(); // cmd.Wait
        code.set(1);
        done_tx.send(0);
    });
    let mut timed_out = false;
    select! {
        recv(time::after(Duration::from_millis(1))) -> _ => {
            // Kill: the process has nothing left to do but exit.
            timed_out = true;
            if wait_after_kill {
                done_rx.recv();
            }
        },
        recv(done_rx) -> _ => {},
    }
    let output = output_buffer.with(Clone::clone);
    if exit_code.get() != 0 || !timed_out {
        let _ = output;
    }
    time::sleep(Duration::from_millis(100));
}

/// Moby #18412: `RunCommandWithOutputForDuration` reads the output buffer (and the exit
/// code) once the timeout fires, while the process may still be writing them: the read
/// should come after the wait for the process.
fn moby_18412_bug() {
    moby_18412_run(false)
}

/// Moby #18412, fixed: after killing the process on timeout, wait for it to exit before
/// reading what it wrote.
fn moby_18412_fixed_body() {
    moby_18412_run(true)
}

// ---------------------------------------------------------------------------------------

/// Knative Serving #5865: `getOrCreateRevisionWatcher` starts a watcher whose `run` closes
/// its destinations channel on return, and `endpointsUpdated` then sends on that channel:
/// the send panics once it is closed.
fn serving_5865_bug() {
    let lock = RwMutex::new(());
    // endpointsUpdated
    let dests = {
        let _g = lock.write();
        let (dests_tx, _dests_rx) = chan::<()>(0);
        let run = dests_tx.clone();
        go(move || run.close());
        dests_tx
    };
    dests.send(());
}

// ---------------------------------------------------------------------------------------

/// istio_8967's source: `donec` is a field that `Stop` closes and, in the bug, sets to nil.
type Donec = Shared<Option<(Sender<()>, Receiver<()>)>>;

fn istio_8967_run(reset_field: bool) {
    let wg = WaitGroup::new();
    wg.add(1);
    let w = wg.clone();
    go(move || {
        let donec: Arc<Donec> = Arc::new(Shared::new(Some(chan(0))));
        let d = donec.clone();
        go(move || {
            // Start: the Go loop's only case returns, so it reads the field once; a nil
            // channel is never ready.
            let rx = d.with(|c| c.as_ref().map(|c| c.1.clone())).unwrap_or_else(goweave::chan::never);
            select! {
                recv(rx) -> _ => {},
            }
        });
        // Stop
        donec.with(|c| c.as_ref().map(|c| c.0.close()));
        if reset_field {
            donec.set(None);
        }
        time::sleep(Duration::from_millis(5));
        w.done();
    });
    wg.wait();
}

/// Istio #8967: `Stop` closes `donec` and then sets the field to nil while the source's
/// task reads the field in its select loop.
fn istio_8967_bug() {
    istio_8967_run(true)
}

/// Istio #8967, fixed: `Stop` only closes the channel.
fn istio_8967_fixed_body() {
    istio_8967_run(false)
}

// ---------------------------------------------------------------------------------------

/// A channel field that is nil until set.
type ChanField = Shared<Option<(Sender<()>, Receiver<()>)>>;

/// etcd_3077's raft node: its `stopped` and `done` channels.
struct RaftNode {
    stopped: ChanField,
    done: ChanField,
}

fn etcd_3077_run(make_before_go: bool) {
    let (stop_tx, stop_rx) = chan::<()>(0);
    let (done_tx, done_rx) = chan::<()>(0);
    // start
    go(move || {
        // EtcdServer.run
        let r = Arc::new(RaftNode { stopped: Shared::new(None), done: Shared::new(None) });
        if make_before_go {
            r.stopped.set(Some(chan(0)));
            r.done.set(Some(chan(0)));
        }
        let node = r.clone();
        go(move || {
            // raftNode.run
            if !make_before_go {
                node.stopped.set(Some(chan(0)));
                node.done.set(Some(chan(0)));
            }
            let stopped = node.stopped.with(|c| c.as_ref().map(|c| c.1.clone())).expect("set above");
            stopped.recv();
            node.done.with(|c| c.as_ref().map(|c| c.0.close())); // stop
        });
        time::sleep(Duration::from_millis(10)); // wait for raftNode.run
        stop_rx.recv();
        // The deferred shutdown; a nil channel blocks forever.
        let stopped = r.stopped.with(|c| c.as_ref().map(|c| c.0.clone()));
        stopped.unwrap_or_else(goweave::chan::never_sender).send(());
        let done = r.done.with(|c| c.as_ref().map(|c| c.1.clone()));
        done.unwrap_or_else(goweave::chan::never).recv();
        done_tx.close();
    });
    // The test's deferred Stop.
    select! {
        send(stop_tx, ()) => {},
        recv(done_rx) -> _ => return,
    }
    done_rx.recv();
}

/// etcd #3077: the raft node's task creates its `stopped` and `done` channels itself, while
/// the server, ordered with it only by a sleep, reads those fields to shut it down.
fn etcd_3077_bug() {
    etcd_3077_run(false)
}

/// etcd #3077, fixed: the channels are made before the raft node's task starts.
fn etcd_3077_fixed_body() {
    etcd_3077_run(true)
}

// ---------------------------------------------------------------------------------------

/// Moby #27037: the tasks started in a loop read the loop variable `i`, which the loop
/// keeps incrementing.
fn moby_27037_bug() {
    let wg = WaitGroup::new();
    let i = Arc::new(Shared::new(17));
    while i.get() <= 21 {
        wg.add(1);
        let (wg, captured) = (wg.clone(), i.clone());
        go(move || {
            let _ = format!("v1.{}", captured.get());
            wg.done();
        });
        i.set(i.get() + 1);
    }
    wg.wait();
}

/// Moby #27037, fixed: the task gets `i` as an argument.
fn moby_27037_fixed_body() {
    let wg = WaitGroup::new();
    let i = Arc::new(Shared::new(17));
    while i.get() <= 21 {
        wg.add(1);
        let (wg, arg) = (wg.clone(), i.get());
        go(move || {
            let _ = format!("v1.{arg}");
            wg.done();
        });
        i.set(i.get() + 1);
    }
    wg.wait();
}

// ---------------------------------------------------------------------------------------

const MOBY_22941_TESTS: [[&str; 2]; 2] = [
    ["GET /foo\nHost: /var/run/docker.sock\n", "GET /foo\nHost: \r\nConnection: close\n"],
    ["GET /foo\nHost: /var/run/docker.sock\nFoo: Bar\n", "GET /foo\nHost: \r\nFoo: Bar\n"],
];

fn moby_22941_run(pass_pair: bool) {
    // The pipe's write lock.
    let wr_mu = Arc::new(Mutex::new(()));
    // The loop variable `pair`.
    let pair = Arc::new(Shared::new(MOBY_22941_TESTS[0]));
    for p in MOBY_22941_TESTS {
        pair.set(p);
        let (wr_mu, pair) = (wr_mu.clone(), pair.clone());
        let arg = pass_pair.then_some(p);
        go(move || {
            let b = arg.unwrap_or_else(|| pair.get())[0];
            let _g = wr_mu.lock();
            let _ = &b[1..];
        });
    }
    time::sleep(Duration::from_millis(10));
}

/// Moby #22941: tasks started in a loop over the test cases read the loop variable `pair`,
/// which the next iteration overwrites.
fn moby_22941_bug() {
    moby_22941_run(false)
}

/// Moby #22941, fixed: the task gets the test case as an argument.
fn moby_22941_fixed_body() {
    moby_22941_run(true)
}

// ---------------------------------------------------------------------------------------

/// Kubernetes #70892: the closure given to `ParallelizeUntil` reads and replaces every
/// entry of the captured `results`, from each of the two workers at once.
fn kubernetes_70892_bug() {
    let results: Arc<Vec<Shared<Vec<i32>>>> = Arc::new((0..3).map(|_| Shared::new(vec![0, 0])).collect());
    let process_node = move |_index: i32| {
        for r in results.iter() {
            if r.with(|r| r[0]) != 4 {
                r.set(vec![7, 8, 9]);
            }
        }
    };
    let process_node = Arc::new(process_node);
    // ParallelizeUntil(context.Background(), 2, 2, processNode)
    let stop = Context::background().done();
    let pieces = 2;
    let (to_process_tx, to_process) = chan::<i32>(pieces);
    for i in 0..pieces as i32 {
        to_process_tx.send(i);
    }
    to_process_tx.close();
    let workers = 2;
    let wg = WaitGroup::new();
    wg.add(workers);
    for _ in 0..workers {
        let (wg, to_process, stop, f) = (wg.clone(), to_process.clone(), stop.clone(), process_node.clone());
        go(move || {
            for piece in to_process {
                select! {
                    recv(stop) -> _ => break,
                    default => f(piece),
                }
            }
            wg.done();
        });
    }
    wg.wait();
}

// ---------------------------------------------------------------------------------------

/// CockroachDB #4407: `Gossip`, started in tasks, calls `RunWorker`, whose `stop.Add(1)` is
/// not ordered with the `stop.Wait()` of `Stopper.Stop` that the test defers: an `Add` from
/// zero concurrent with a `Wait`.
fn cockroach_4407_bug() {
    let stop = WaitGroup::new();
    let stopper_mu = Arc::new(Mutex::new(()));
    let (stopper_tx, _stopper_rx) = chan::<()>(0);
    let server_mu = Arc::new(Mutex::new(()));
    for _ in 0..2 {
        let (stop, server_mu) = (stop.clone(), server_mu.clone());
        go(move || {
            // Gossip
            let _g = server_mu.lock();
            stop.add(1); // RunWorker
            let (stop, server_mu) = (stop.clone(), server_mu.clone());
            go(move || {
                drop(server_mu.lock()); // gossipSender
                stop.done();
            });
        });
    }
    time::sleep(Duration::from_millis(1));
    // The deferred Stop.
    stopper_tx.close();
    stop.wait();
    drop(stopper_mu.lock());
}

// ---------------------------------------------------------------------------------------

/// Kubernetes #13058: the informer's processing loop calls the delete handler, whose
/// `testDoneWG.Done()` is meant to pair with the test's `Add`, every period until stopped:
/// the counter goes negative (or the first `Done` comes before the `Add`).
fn kubernetes_13058_bug() {
    let test_done_wg = WaitGroup::new();
    let handler_wg = test_done_wg.clone();
    let delete_func = move || handler_wg.done();
    let (stop_tx, stop_rx) = chan::<()>(0);
    go(move || loop {
        // Until(processLoop, 10ms, stop)
        select! {
            recv(stop_rx) -> _ => return,
            default => {},
        }
        delete_func();
        time::sleep(Duration::from_millis(10));
    });
    const THREADS: isize = 3;
    let wg = WaitGroup::new();
    wg.add(THREADS);
    test_done_wg.add(THREADS);
    for i in 0..THREADS {
        let wg = wg.clone();
        go(move || {
            let _name = format!("{i}-0");
            wg.done();
        });
    }
    wg.wait();
    test_done_wg.wait();
    stop_tx.close();
}

// ---------------------------------------------------------------------------------------

/// grpc_2371's balancer wrapper: its one-slot resolver update channel.
struct BalancerWrapper2371 {
    resolver_update_ch: (Sender<()>, Receiver<()>),
}

impl BalancerWrapper2371 {
    fn handle_resolved_addrs(&self) {
        select! {
            recv(self.resolver_update_ch.1) -> _ => {},
            default => {},
        }
        self.resolver_update_ch.0.send(());
    }
}

/// grpc_2371's client connection: `Close` sets both wrappers to nil under `mu`.
struct ClientConn2371 {
    mu: RwMutex<(Option<()>, Option<BalancerWrapper2371>)>,
}

impl ClientConn2371 {
    fn dial(check_closed: bool) -> Arc<ClientConn2371> {
        let cc = Arc::new(ClientConn2371 {
            mu: RwMutex::new((Some(()), Some(BalancerWrapper2371 { resolver_update_ch: chan(1) }))),
        });
        // The resolver wrapper's watcher.
        let c = cc.clone();
        go(move || c.handle_service_config(check_closed));
        cc
    }

    fn handle_service_config(&self, check_closed: bool) {
        let wrappers = self.mu.write();
        if check_closed && wrappers.1.is_none() {
            return;
        }
        wrappers
            .1
            .as_ref()
            .expect("invalid memory address or nil pointer dereference")
            .handle_resolved_addrs();
    }

    fn close(&self) {
        let mut wrappers = self.mu.write();
        wrappers.0 = None;
        wrappers.1 = None;
    }
}

fn grpc_2371_run(check_closed: bool) {
    for _ in 0..10 {
        let cc = ClientConn2371::dial(check_closed);
        go(move || cc.close());
    }
    time::sleep(Duration::from_millis(100));
}

/// gRPC #2371: the resolver's watcher task calls `handleServiceConfig`, which uses the
/// balancer wrapper that a concurrent `Close` has set to nil: a nil pointer dereference.
fn grpc_2371_bug() {
    grpc_2371_run(false)
}

/// gRPC #2371, fixed: `handleServiceConfig` returns when the connection is already closed.
fn grpc_2371_fixed_body() {
    grpc_2371_run(true)
}

// ---------------------------------------------------------------------------------------

/// A write queued on grpc_1687's transport.
type WriteFn = Box<dyn FnOnce() + Send>;

/// grpc_1687's server handler transport.
struct ServerHandlerTransport {
    closed: (Sender<()>, Receiver<()>),
    writes: (Sender<WriteFn>, Receiver<WriteFn>),
    write_status_mu: Mutex<()>,
}

impl ServerHandlerTransport {
    /// Queues `f` unless the transport is closed; false if it was.
    fn do_write(&self, f: WriteFn) -> bool {
        select! {
            recv(self.closed.1) -> _ => return false,
            default => {},
        }
        select! {
            send(self.writes.0, f) => true,
            recv(self.closed.1) -> _ => false,
        }
    }

    fn write_status(&self, fixed: bool) {
        if fixed {
            let _g = self.write_status_mu.lock();
            if self.do_write(Box::new(|| {})) {
                self.closed.0.close(); // Close
                self.writes.0.close();
            }
        } else {
            self.do_write(Box::new(|| {}));
            self.writes.0.close();
        }
    }

    fn run_stream(&self) {
        loop {
            select! {
                recv(self.writes.1) -> f => match f {
                    Some(f) => f(),
                    None => return,
                },
                recv(self.closed.1) -> _ => return,
            }
        }
    }
}

fn grpc_1687_run(fixed: bool) {
    let ht = Arc::new(ServerHandlerTransport {
        closed: chan(0),
        writes: chan(0),
        write_status_mu: Mutex::new(()),
    });
    // HandleStreams: start the stream's handler, then run the stream.
    let st = ht.clone();
    go(move || {
        st.write_status(fixed);
        st.do_write(Box::new(|| {})); // Write
    });
    ht.run_stream();
    time::sleep(Duration::from_millis(10));
}

/// gRPC #1687: `WriteStatus` closes the `writes` channel, and a later `Write` on the same
/// stream, seeing the transport still open, sends on it: a send on a closed channel.
fn grpc_1687_bug() {
    grpc_1687_run(false)
}

/// gRPC #1687, fixed: `WriteStatus` runs under its own mutex and closes the transport
/// (`closedCh`) before `writes`, so a later write returns at the `closedCh` check.
fn grpc_1687_fixed_body() {
    grpc_1687_run(true)
}

// ---------------------------------------------------------------------------------------

/// Work handed to serving_3068's pool.
type Work = Box<dyn FnOnce() + Send>;

/// serving_3068's worker pool; `done` exists in the upstream fix only.
struct Pool3068 {
    wg: WaitGroup,
    work_ch: (Sender<Work>, Receiver<Work>),
    once: Once,
    done: Option<(Sender<()>, Receiver<()>)>,
}

impl Pool3068 {
    fn new(workers: usize, capacity: usize, with_done: bool) -> Arc<Pool3068> {
        let p = Arc::new(Pool3068 {
            wg: WaitGroup::new(),
            work_ch: chan(capacity),
            once: Once::new(),
            done: with_done.then(|| chan(0)),
        });
        for _ in 0..workers {
            let p = p.clone();
            go(move || {
                for work in p.work_ch.1.clone() {
                    work();
                    p.wg.done();
                }
            });
        }
        p
    }

    fn go(&self, w: Work) {
        if let Some(done) = &self.done {
            select! {
                recv(done.1) -> _ => return,
                default => {},
            }
        }
        self.wg.add(1);
        self.work_ch.0.send(w);
    }

    fn wait(self: &Arc<Self>) {
        self.once.call_once(|| {
            let p = self.clone();
            match &self.done {
                None => {
                    self.work_ch.0.close();
                    go(move || p.wg.wait());
                }
                Some(done) => {
                    done.0.close();
                    go(move || {
                        p.wg.wait();
                        p.work_ch.0.close();
                    });
                }
            }
        });
    }
}

fn serving_3068_run(with_done: bool) {
    let p = Pool3068::new(1, 5, with_done);
    let wg = WaitGroup::new();
    let cnt_executed = Arc::new(AtomicI32::new(0));
    const N: isize = 5;
    wg.add(N);
    let (p2, w, c) = (p.clone(), wg.clone(), cnt_executed);
    go(move || {
        for _ in 0..N {
            let c = c.clone();
            p2.go(Box::new(move || {
                c.fetch_add(1, Ordering::SeqCst);
            }));
            time::sleep(Duration::from_millis(10));
            w.done();
        }
    });
    p.wait();
    wg.wait();
    // The Go test then checks that not every item ran, a check on timing alone (virtual time
    // may run them all before `Wait`), so it is left out.
}

/// Knative Serving #3068: the pool's `Wait` closes the work channel while a client task is
/// still submitting work with `Go`: a send on a closed channel. That `Go` first raises the
/// pool's WaitGroup from zero, unordered with the `Wait` that `Wait` starts, and goweave
/// reports that race (Go's race detector flags it too) for the same execution.
fn serving_3068_bug() {
    serving_3068_run(false)
}

/// Knative Serving #3068 as upstream fixed it: `Go` returns once a `done` channel is closed,
/// and the work channel is closed only after the pool's WaitGroup is done. `Go` still checks
/// `done` before its `Add`, unordered with the WaitGroup's `Wait`, so a `Wait` in between can
/// find the count at zero and close the work channel under it: goweave reports the race, so
/// this is not the kernel's fixed variant.
#[allow(dead_code)] // run by a test here, not by benchmarks/gobench.rs
fn serving_3068_upstream_fix() {
    serving_3068_run(true)
}

// ---------------------------------------------------------------------------------------

fn cockroach_35501_run(copy_loop_variable: bool) {
    let wg = WaitGroup::new();
    wg.add(1);
    let w = wg.clone();
    go(move || {
        // runBackfill: ten checks to validate.
        let checks = vec!["nil string"; 10];
        // validateChecks: the table descriptor the checks share, and the loop variable `c`.
        let desc = Arc::new(());
        let c = Arc::new(Shared::new(""));
        for name in checks {
            c.set(name);
            let (desc, c) = (desc.clone(), c.clone());
            let copy = copy_loop_variable.then_some(name);
            go(move || {
                // validateCheckInTxn(desc, &c.Name) reads the name through the pointer.
                let name = copy.unwrap_or_else(|| c.get());
                let _ = (desc, name);
            });
        }
        w.done();
    });
    wg.wait();
}

/// CockroachDB #35501: `validateChecks` starts one task per check, each reading the loop
/// variable `c` through `&c.Name`, which the loop overwrites.
fn cockroach_35501_bug() {
    cockroach_35501_run(false)
}

/// CockroachDB #35501, fixed: each task gets its own copy of the check.
fn cockroach_35501_fixed_body() {
    cockroach_35501_run(true)
}

// ---------------------------------------------------------------------------------------

/// The part of Go's `testing.T` these kernels touch: `done`, which `tRunner` sets without a
/// lock once the test function has returned, and which `Logf` reads.
struct TestingT {
    done: Shared<bool>,
}

impl TestingT {
    fn logf(&self) {
        if self.done.get() {
            panic!("Log in goroutine after the test has completed");
        }
    }

    /// `t.Run`: runs `f` in a task of its own (`tRunner`) and waits for it.
    fn run(f: impl FnOnce(Arc<TestingT>) + Send + 'static) {
        let t = Arc::new(TestingT { done: Shared::new(false) });
        let (finished_tx, finished_rx) = chan::<()>(0);
        go(move || {
            f(t.clone());
            t.done.set(true);
            finished_tx.close();
        });
        finished_rx.recv();
    }
}

/// Knative Serving #6171: `getOrCreateRevisionWatcher` starts a watcher whose `checkDests`
/// logs an error from yet another task, through the test's `t`, after the test function may
/// have returned.
fn serving_6171_bug() {
    let wg = WaitGroup::new();
    wg.add(1);
    let w = wg.clone();
    go(move || {
        TestingT::run(|t| {
            // The logger writes to `t`; the revision watcher runs in a task of its own.
            go(move || {
                // run, then checkDests
                go(move || t.logf()); // logger.Errorw
            });
        });
        w.done();
    });
    wg.wait();
}

/// Knative Serving #4908: the revision watcher's `checkDests` logs through the test's `t`
/// from a task it starts and nobody waits for; the test waits only for `runWithTickCh`.
fn serving_4908_bug() {
    let wg = WaitGroup::new();
    wg.add(1);
    let w = wg.clone();
    go(move || {
        TestingT::run(|t| {
            let inner = WaitGroup::new();
            inner.add(1);
            let i = inner.clone();
            go(move || {
                // runWithTickCh, then checkDests
                go(move || t.logf()); // logger.Info
                i.done();
            });
            inner.wait();
        });
        w.done();
    });
    wg.wait();
}

// ---------------------------------------------------------------------------------------

/// etcd_8194's lessor loop; its `stopC` and `doneC` are never made, so they are nil.
fn etcd_8194_run_loop(lease_revoke_rate: &Shared<usize>) {
    let stop = goweave::chan::never::<()>();
    let done = goweave::chan::never_sender::<()>();
    for _ in 0..10 {
        let mut ls = vec![()];
        if !ls.is_empty() {
            if ls.len() > lease_revoke_rate.get() / 2 {
                ls.truncate(lease_revoke_rate.get() / 2);
            }
            select! {
                recv(stop) -> _ => break,
                default => {},
            }
        }
        select! {
            recv(time::after(Duration::from_millis(5))) -> _ => {},
            recv(stop) -> _ => break,
        }
    }
    done.close(); // deferred: a close of the nil channel
}

/// etcd #8194: one test's lessor loop reads the package-level `leaseRevokeRate` while another
/// test, run in parallel, sets it and restores it.
fn etcd_8194_bug() {
    let lease_revoke_rate = Arc::new(Shared::new(1000));
    let wg = WaitGroup::new();
    wg.add(2);
    let (w, rate) = (wg.clone(), lease_revoke_rate.clone());
    go(move || {
        // testLessorGrant: newLessor starts the loop.
        go(move || etcd_8194_run_loop(&rate));
        w.done();
    });
    let (w, rate) = (wg.clone(), lease_revoke_rate);
    go(move || {
        // testLessorRenewExtendPileup
        let old = rate.get();
        rate.set(10);
        rate.set(old);
        w.done();
    });
    wg.wait();
}

// ---------------------------------------------------------------------------------------

/// grpc_3090's resolver wrapper: `resolver` is set by `newCCResolverWrapper` after `Build`.
struct CcResolverWrapper {
    mu: Mutex<()>,
    resolver: Shared<Option<()>>,
}

impl CcResolverWrapper {
    /// `UpdateState`, which the resolver calls from `Build`: `poll` starts a `resolveNow`.
    fn update_state(self: &Arc<Self>) {
        let _g = self.mu.lock();
        let ccr = self.clone();
        go(move || {
            let _g = ccr.mu.lock();
            // ResolveNow through the interface field: nil until Build has returned.
            ccr.resolver.get().expect("invalid memory address or nil pointer dereference");
        });
    }
}

/// gRPC #3090: `Build` calls back into the wrapper, whose `poll` starts a task that reads
/// `ccr.resolver` under the wrapper's mutex, while `newCCResolverWrapper` assigns the field
/// Build returns without it.
fn grpc_3090_bug() {
    let wg = WaitGroup::new();
    wg.add(1);
    let w = wg.clone();
    go(move || {
        // Dial: newCCResolverWrapper.
        let ccr = Arc::new(CcResolverWrapper { mu: Mutex::new(()), resolver: Shared::new(None) });
        ccr.update_state(); // Build
        ccr.resolver.set(Some(()));
        time::sleep(Duration::from_millis(5));
        w.done();
    });
    wg.wait();
}

// ---------------------------------------------------------------------------------------

/// kubernetes_81091's fake filter plugin: how many times `Filter` ran, plain in the bug.
enum FilterCount {
    Plain(Shared<i32>),
    Atomic(AtomicI32),
}

fn kubernetes_81091_run(count: FilterCount) {
    let wg = WaitGroup::new();
    wg.add(1);
    let w = wg.clone();
    go(move || {
        // NewFramework with one FakeFilterPlugin, then Schedule: findNodesThatFit.
        let plugin = Arc::new(count);
        let check_node = move |_piece: usize| match &*plugin {
            FilterCount::Plain(n) => n.set(n.get() + 1),
            FilterCount::Atomic(n) => {
                n.fetch_add(1, Ordering::SeqCst);
            }
        };
        // ParallelizeUntil(2 workers, 2 pieces, checkNode), with a nil stop channel.
        let check_node = Arc::new(check_node);
        let stop = goweave::chan::never::<()>();
        let (to_process_tx, to_process) = chan::<usize>(2);
        for i in 0..2 {
            to_process_tx.send(i);
        }
        to_process_tx.close();
        let workers = WaitGroup::new();
        workers.add(2);
        for _ in 0..2 {
            let (workers, to_process, stop, f) =
                (workers.clone(), to_process.clone(), stop.clone(), check_node.clone());
            go(move || {
                for piece in to_process {
                    select! {
                        recv(stop) -> _ => break,
                        default => f(piece),
                    }
                }
                workers.done();
            });
        }
        workers.wait();
        w.done();
    });
    wg.wait();
}

/// Kubernetes #81091: the scheduler runs the filter plugins for two nodes in parallel, and
/// the fake plugin increments its call counter, a plain field, from both workers.
fn kubernetes_81091_bug() {
    kubernetes_81091_run(FilterCount::Plain(Shared::new(0)))
}

/// Kubernetes #81091, fixed: the counter is incremented atomically.
fn kubernetes_81091_fixed_body() {
    kubernetes_81091_run(FilterCount::Atomic(AtomicI32::new(0)))
}

// ---------------------------------------------------------------------------------------

/// istio_16742's connection: its proxy's workload labels (`None` is Go's nil).
struct XdsConnection {
    workload_labels: Shared<Option<Vec<()>>>,
}

/// Istio #16742: `WorkloadUpdate` clears every connection's workload labels holding only the
/// read lock on `adsClients`, while the connection's own task builds its routes from those
/// labels with no lock.
fn istio_16742_bug() {
    // The package-level adsClients map and its mutex.
    let ads_clients = Arc::new(RwMutex::new(BTreeMap::<&'static str, Arc<XdsConnection>>::new()));
    let wg = WaitGroup::new();
    wg.add(3);
    let w = wg.clone();
    go(move || {
        let (clients, w2) = (ads_clients.clone(), w.clone());
        go(move || {
            // StreamAggregatedResources: addCon, then pushRoute.
            let con = Arc::new(XdsConnection { workload_labels: Shared::new(Some(Vec::new())) });
            clients.write().insert("1", con.clone());
            let _labels = con.workload_labels.with(|l| l.as_ref().map(Vec::len));
            w2.done();
        });
        let (clients, w2) = (ads_clients, w.clone());
        go(move || {
            // AddWorkload: WorkloadUpdate.
            let g = clients.read();
            for connection in g.values() {
                connection.workload_labels.set(None);
            }
            drop(g);
            w2.done();
        });
        w.done();
    });
    wg.wait();
}

// ---------------------------------------------------------------------------------------

/// grpc_1748's pick-first balancer: `sc`, its sub-connection, written by the watcher only.
struct PickfirstBalancer {
    sc: Shared<Option<()>>,
}

/// gRPC #1748: the balancer's `Connect` starts the address connection's transport monitor,
/// which reads the package-level `minConnectTimeout` while the test's deferred function
/// restores it.
fn grpc_1748_bug() {
    let min_connect_timeout = Arc::new(Shared::new(Duration::from_secs(10)));
    let wg = WaitGroup::new();
    wg.add(1);
    let w = wg.clone();
    go(move || {
        let mct_bkp = min_connect_timeout.get();
        // switchBalancer: newCCBalancerWrapper. `balancer` is the wrapper's field, guarded by
        // the package-level balanceMutex.
        let balancer = Arc::new(Mutex::new(None::<Arc<PickfirstBalancer>>));
        let (b, timeout) = (balancer.clone(), min_connect_timeout.clone());
        go(move || {
            // watcher
            for _ in 0..10 {
                let g = b.lock();
                let current = g.clone();
                drop(g);
                if let Some(pf) = current {
                    // HandleResolvedAddrs: NewSubConn, then Connect.
                    let ac_mu = Mutex::new(()); // the new addrConn's mutex
                    drop(ac_mu.lock()); // ac.acbw = acbw
                    pf.sc.set(Some(()));
                    let acbw_mu = Mutex::new(());
                    let _g = acbw_mu.lock();
                    let timeout = timeout.clone();
                    go(move || {
                        // transportMonitor: resetTransport
                        let _ = timeout.get();
                    });
                }
            }
        });
        *balancer.lock() = Some(Arc::new(PickfirstBalancer { sc: Shared::new(None) })); // Build
        min_connect_timeout.set(mct_bkp); // deferred
        w.done();
    });
    wg.wait();
}

// ---------------------------------------------------------------------------------------

/// Kubernetes' `wait.Until` as kernels 88331, 81148 and 79631 reduce it: run `f` unless
/// stopped, then wait for the stop channel.
fn backoff_until(f: impl Fn(), stop: Receiver<()>) {
    select! {
        recv(stop) -> _ => return,
        default => {},
    }
    f();
    // The loop's second select has only the stop case, so it returns once that is closed.
    stop.recv();
}

/// Kubernetes #88331: the priority queue's own task pops the backoff queue under the queue's
/// lock, while the test reads the queue's length without it.
fn kubernetes_88331_bug() {
    let wg = WaitGroup::new();
    wg.add(1);
    let w = wg.clone();
    go(move || {
        w.done();
        // createAndRunPriorityQueue: two items in the backoff queue, and Run.
        let lock = Arc::new(RwMutex::new(()));
        let pod_backoff_q = Arc::new(Shared::new(vec![(), ()]));
        let (_stop_tx, stop_rx) = chan::<()>(0);
        let (l, q) = (lock.clone(), pod_backoff_q.clone());
        go(move || {
            backoff_until(
                || {
                    // flushBackoffQCompleted
                    let _g = l.write();
                    q.with_mut(Vec::pop);
                },
                stop_rx,
            )
        });
        let _len = pod_backoff_q.with(Vec::len);
    });
    wg.wait();
}

/// Kubernetes #79631: as #88331, with a map: the queue's task deletes from the backoff
/// queue's items under the lock while the test looks an item up without it.
fn kubernetes_79631_bug() {
    let wg = WaitGroup::new();
    wg.add(1);
    let w = wg.clone();
    go(move || {
        w.done();
        let lock = Arc::new(RwMutex::new(()));
        let items = Arc::new(Shared::new(BTreeMap::<&'static str, ()>::new()));
        let (_stop_tx, stop_rx) = chan::<()>(0);
        let (l, i) = (lock.clone(), items.clone());
        go(move || {
            backoff_until(
                || {
                    let _g = l.write();
                    i.with_mut(|m| m.remove("1"));
                },
                stop_rx,
            )
        });
        let _item = items.with(|m| m.get("1").is_some()); // Get: GetByKey
    });
    wg.wait();
}

/// kubernetes_81148's pod info: its timestamp, a plain field.
struct PodInfo {
    timestamp: Shared<time::Instant>,
}

/// Kubernetes #81148: the test sets an unschedulable pod's timestamp without the queue's
/// lock, while the queue's task, under the lock, reads every pod's timestamp.
fn kubernetes_81148_bug() {
    let (stop_tx, stop_rx) = chan::<()>(0);
    let wg = WaitGroup::new();
    wg.add(1);
    let w = wg.clone();
    go(move || {
        // NewPriorityQueue: the unschedulable pods' map, guarded by `lock`; run.
        let lock = Arc::new(RwMutex::new(()));
        let pod_info_map = Arc::new(Shared::new(BTreeMap::<String, Arc<PodInfo>>::new()));
        let (l, m) = (lock.clone(), pod_info_map.clone());
        go(move || {
            backoff_until(
                || {
                    // flushUnschedulableQLeftover
                    let _g = l.write();
                    for p in m.with(|m| m.values().cloned().collect::<Vec<_>>()) {
                        let _ = p.timestamp.get();
                    }
                },
                stop_rx,
            )
        });
        {
            // addOrUpdateUnschedulablePod
            let _g = lock.write();
            let info = Arc::new(PodInfo { timestamp: Shared::new(time::now()) });
            pod_info_map.with_mut(|m| m.insert("1".to_string(), info));
        }
        let info = pod_info_map.with(|m| m["1"].clone());
        info.timestamp.set(time::now());
        w.done();
    });
    wg.wait();
    stop_tx.close();
}

// ---------------------------------------------------------------------------------------

/// Kubernetes #82239: the volume controller's worker, run in a loop by `wait.Until` until the
/// stop channel closes, deep-copies the volume's annotations while the test, after a sleep,
/// adds one.
fn kubernetes_82239_bug() {
    // The test's one volume, with two annotations.
    let annotations = Arc::new(Shared::new(BTreeMap::from([("0", ()), ("1", ())])));
    let (stop_tx, stop_rx) = chan::<()>(0);
    let a = annotations.clone();
    go(move || {
        // ctrl.Run: Until(volumeWorker, stopCh), whose loop checks the stop channel without
        // blocking.
        go(move || loop {
            select! {
                recv(stop_rx) -> _ => return,
                default => {},
            }
            let _copy = a.with(Clone::clone); // volumeWorker: DeepCopy
            select! {
                recv(stop_rx) -> _ => return,
                default => {},
            }
        });
    });
    time::sleep(Duration::from_millis(1));
    annotations.with_mut(|m| m.insert("0", ())); // test.test(test)
    stop_tx.close();
}

// ---------------------------------------------------------------------------------------

/// Kubernetes #49404: the handler, run by the test server's connection task, sets `called`,
/// which the test's deferred check reads with nothing in between.
fn kubernetes_49404_bug() {
    let called = Arc::new(Shared::new(false));
    // The mux's one handler.
    let c = called.clone();
    let handler = move || c.set(true);
    // NewUnstartedServer(backendHandler).StartTLS(): goServe.
    let server_wg = WaitGroup::new();
    server_wg.add(1);
    let s = server_wg.clone();
    go(move || {
        // Serve: a connection task serves the request.
        go(handler);
        s.done();
    });
    // The deferred check.
    if !called.get() {
        let _ = "Error".to_string();
    }
    time::sleep(Duration::from_millis(10));
}

// ---------------------------------------------------------------------------------------

/// Knative Serving #3148: the controller's worker invokes the fake clientset's reaction
/// chain while the test's hook replaces that chain, both plain accesses.
fn serving_3148_bug() {
    let wg = WaitGroup::new();
    wg.add(1);
    let w = wg.clone();
    go(move || {
        // The fake clientset's `ReactionChain`.
        let reaction_chain = Arc::new(Shared::new(Vec::<()>::new()));
        let eg = WaitGroup::new();
        eg.add(1);
        let (e, chain) = (eg.clone(), reaction_chain.clone());
        go(move || {
            // controller.Run(1): one worker, waited for.
            let sg = WaitGroup::new();
            sg.add(1);
            let s = sg.clone();
            go(move || {
                // processNextWorkItem: Reconcile, createKPA, Create: Invokes.
                chain.with(|c| c.iter().for_each(|_| {}));
                s.done();
            });
            sg.wait();
            e.done();
        });
        reaction_chain.set(vec![()]); // OnUpdate: PrependReactor
        eg.wait(); // deferred
        w.done();
    });
    wg.wait();
}

// ---------------------------------------------------------------------------------------

#[test]
fn registry_lists_each_kernel_once_in_this_category() {
    let mut ids: Vec<&str> = KERNELS.iter().map(|k| k.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), KERNELS.len(), "duplicate kernel id");
    assert!(KERNELS.iter().all(|k| k.category == "nonblocking"));
}

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
