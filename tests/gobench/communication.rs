//! GoKer blocking kernels, communication deadlocks: channels, channels with
//! contexts, condition variables.
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
//! Not expressible: none of the kernels in this file.
//!
//! Not detected with default settings: none of the kernels in this file.
//!
//! Fixed variants in the registry but not run as tests:
//! - `grpc_660`: its loop spawns a task per iteration until `stop` arrives,
//!   and exhaustive search explores every iteration count, so the default
//!   budget takes minutes; it passes (`cargo bench -p goweave-benchmarks --bench gobench`).

use std::sync::Arc;
use std::time::Duration;

use goweave::chan::{Receiver, Sender};
use goweave::context::Context;
use goweave::sync::{Cond, Mutex};
use goweave::FailureKind;

use super::kernel::{coin, Kernel};

/// Every kernel of this file, for the detection table.
#[allow(dead_code)] // read by benchmarks/gobench.rs, not by the tests
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
    k("cockroach_18101", CTX, FailureKind::Leak, cockroach_18101_bug, Some(cockroach_18101_fix)),
    k("cockroach_13755", CTX, FailureKind::Leak, cockroach_13755_bug, Some(cockroach_13755_fix)),
    k("cockroach_13197", CTX, FailureKind::Leak, cockroach_13197_bug, Some(cockroach_13197_fix)),
    k("kubernetes_25331", CTX, FailureKind::Leak, kubernetes_25331_bug, Some(kubernetes_25331_fix)),
    k("moby_33781", CTX, FailureKind::Leak, moby_33781_bug, Some(moby_33781_fix)),
    k("moby_30408", COND, FailureKind::Deadlock, moby_30408_bug, None),
    k("moby_29733", COND, FailureKind::Deadlock, moby_29733_bug, None),
];

const CHAN: &str = "channel";
const CTX: &str = "channel & context";
const COND: &str = "condition variable";

const fn k(
    id: &'static str,
    sub: &'static str,
    expect: FailureKind,
    bug: fn(),
    fixed: Option<fn()>,
) -> Kernel {
    Kernel { id, category: "communication", subcategory: sub, expect, bug, fixed }
}

// ------------------------------------------------------------------ channel

/// gRPC #660: the benchmark client's loop starts a goroutine per call that
/// reports on an unbuffered `done`; when the loop returns on `stop` instead,
/// that goroutine blocks on its send forever. Fix: a buffered `done`.
fn grpc_660_bug() {
    grpc_660_run(false)
}

fn grpc_660_fix() {
    grpc_660_run(true)
}

fn grpc_660_run(fixed: bool) {
    let (stop_tx, stop) = goweave::chan::<bool>(0);
    goweave::go(move || loop {
        // doCloseLoopUnary
        let (done_tx, done) = goweave::chan::<bool>(if fixed { 1 } else { 0 });
        goweave::go(move || done_tx.send(coin()));
        goweave::select! {
            recv(stop) -> _ => return,
            recv(done) -> _ => {},
        }
    });
    goweave::go(move || stop_tx.send(true));
}

/// etcd #6857: raft's `Status` sends its reply channel to the node loop,
/// which may already have stopped (closing `done`), so the send blocks
/// forever. Fix: `Status` also selects on `done`.
fn etcd_6857_bug() {
    etcd_6857_run(false)
}

fn etcd_6857_fix() {
    etcd_6857_run(true)
}

fn etcd_6857_run(fixed: bool) {
    let (status_tx, status) = goweave::chan::<Sender<()>>(0);
    let (stop_tx, stop) = goweave::chan::<()>(0);
    let (done_tx, done) = goweave::chan::<()>(0);
    goweave::go(move || loop {
        // run
        goweave::select! {
            recv(status) -> c => { c.expect("status is never closed").send(()) },
            recv(stop) -> _ => {
                done_tx.close();
                return;
            },
        }
    });
    let d = done.clone();
    goweave::go(move || {
        // Status
        let (c_tx, c) = goweave::chan::<()>(0);
        if fixed {
            goweave::select! {
                send(status_tx, c_tx) => { c.recv(); },
                recv(d) -> _ => {},
            }
        } else {
            status_tx.send(c_tx);
            c.recv();
        }
    });
    goweave::go(move || {
        // Stop
        goweave::select! {
            send(stop_tx, ()) => {},
            recv(done) -> _ => return,
        }
        done.recv();
    });
}

/// CockroachDB #24808: the test fills the compactor's one-slot channel and
/// `Start` then sends to it again before starting the worker that drains it,
/// so the test blocks. Fix: `Start` signals with a non-blocking send.
fn cockroach_24808_bug() {
    cockroach_24808_run(false)
}

fn cockroach_24808_fix() {
    cockroach_24808_run(true)
}

fn cockroach_24808_run(fixed: bool) {
    let (stopper_tx, stopper) = goweave::chan::<()>(0);
    let (ch_tx, ch) = goweave::chan::<()>(1);
    ch_tx.send(());
    // Start
    if fixed {
        goweave::select! {
            send(ch_tx, ()) => {},
            default => {},
        }
    } else {
        ch_tx.send(());
    }
    goweave::go(move || loop {
        goweave::select! {
            recv(stopper) -> _ => return,
            recv(ch) -> _ => {},
        }
    });
    stopper_tx.close(); // the test's deferred Stop
}

/// CockroachDB #25456: the consistency queue waits for the store's stopper
/// to quiesce, but the test never stops it, so the test blocks on its first
/// `process`. The kernel gives no fix.
fn cockroach_25456_bug() {
    let (_quiesce_tx, quiesce) = goweave::chan::<()>(0);
    for _ in 0..2 {
        quiesce.recv(); // consistencyQueue.process
    }
}

/// Kubernetes #38669: the cache watcher's goroutine first delivers its
/// initial events on the unbuffered result channel; the test stops the
/// watcher without reading them, so the goroutine blocks on the first send.
/// The kernel gives no fix.
fn kubernetes_38669_bug() {
    let (input_tx, input) = goweave::chan::<i32>(0);
    let (result_tx, _result) = goweave::chan::<i32>(0);
    let stopped = Arc::new(Mutex::new(false));
    let stop = {
        let stopped = stopped.clone();
        move || {
            let mut s = stopped.lock();
            if !*s {
                *s = true;
                input_tx.close();
            }
        }
    };
    let stop2 = stop.clone();
    goweave::go(move || {
        // process
        for event in [1, 2] {
            result_tx.send(event);
        }
        while input.recv().is_some() {}
        stop2();
        result_tx.close();
    });
    stop();
}

/// Kubernetes #5316: `finishRequest` gives up on a timeout before the
/// request's goroutine reports on an unbuffered channel, which then blocks
/// forever. Fix: buffer both result channels.
fn kubernetes_5316_bug() {
    kubernetes_5316_run(false)
}

fn kubernetes_5316_fix() {
    kubernetes_5316_run(true)
}

fn kubernetes_5316_run(fixed: bool) {
    goweave::go(move || {
        // finishRequest(1 ms, fn)
        let cap = if fixed { 1 } else { 0 };
        let (ch_tx, ch) = goweave::chan::<bool>(cap);
        let (err_tx, err) = goweave::chan::<&str>(cap);
        goweave::go(move || {
            goweave::time::sleep(Duration::from_millis(2));
            if coin() {
                err_tx.send("Error");
            } else {
                ch_tx.send(true);
            }
        });
        goweave::select! {
            recv(ch) -> _ => {},
            recv(err) -> _ => {},
            recv(goweave::time::after(Duration::from_millis(1))) -> _ => {},
        }
    });
}

/// Kubernetes #70277: `WaitFor` stops reading the poller once the condition
/// holds, but the poller only stops on the caller's `done`, which the test
/// closes only after waiting for it. Fix: `WaitFor` hands the poller a
/// channel of its own that it closes on return. The poller's 20 s timeout is
/// scaled to 20 ms (20 ticks).
fn kubernetes_70277_bug() {
    kubernetes_70277_run(false)
}

fn kubernetes_70277_fix() {
    kubernetes_70277_run(true)
}

/// `poller(1 ms, 20 ms)`: ticks on the returned channel until its timeout
/// or `done`.
fn poller_70277(done: Receiver<()>) -> Receiver<()> {
    let (ch_tx, ch) = goweave::chan::<()>(0);
    goweave::go(move || {
        let tick = goweave::time::tick(Duration::from_millis(1));
        let timer = goweave::time::Timer::new(Duration::from_millis(20));
        loop {
            goweave::select! {
                recv(tick.rx()) -> _ => {
                    goweave::select! {
                        send(ch_tx, ()) => {},
                        default => {},
                    }
                },
                recv(timer.rx()) -> _ => break,
                recv(done) -> _ => break,
            }
        }
        timer.stop();
        tick.stop();
        ch_tx.close();
    });
    ch
}

fn kubernetes_70277_run(fixed: bool) {
    let (stop_tx, stop) = goweave::chan::<()>(0);
    let done_seen: Arc<Mutex<Option<Receiver<()>>>> = Arc::new(Mutex::new(None));
    // WaitFor(wait, condition that holds at once, stop)
    let (own_tx, own) = goweave::chan::<()>(0);
    let done = if fixed { own } else { stop };
    *done_seen.lock() = Some(done.clone());
    let c = poller_70277(done);
    let _open = c.recv().is_some();
    if fixed {
        own_tx.close();
    }
    // <-doneCh
    let done = done_seen.lock().take().expect("WaitFor called the wait function");
    done.recv();
    stop_tx.close(); // the test's deferred close
}

/// Moby #33293: `containerWait` sends an error on an unbuffered channel
/// before returning that channel to its caller, so the send blocks forever.
/// The kernel gives no fix.
fn moby_33293_bug() {
    goweave::go(|| {
        let (err_tx, _err) = goweave::chan::<&str>(0);
        if coin() {
            err_tx.send("Error");
        }
    });
}

/// Moby #4395: `Go` runs a function on a goroutine that sends its result on
/// an unbuffered channel nobody reads. Fix: the channel has room for the
/// result.
fn moby_4395_bug() {
    moby_4395_run(false)
}

fn moby_4395_fix() {
    moby_4395_run(true)
}

fn moby_4395_run(fixed: bool) {
    let (ch_tx, _ch) = goweave::chan::<Result<(), &str>>(if fixed { 1 } else { 0 });
    goweave::go(move || ch_tx.send(Err("")));
}

// -------------------------------------------------------- channel & context

/// CockroachDB #18101: `restore` returns when its context is canceled, but
/// the goroutine feeding it keeps sending into the (full) buffered channel
/// without watching the context. Fix: the sender selects on `ctx.Done()`.
fn cockroach_18101_bug() {
    cockroach_18101_run(false)
}

fn cockroach_18101_fix() {
    cockroach_18101_run(true)
}

fn cockroach_18101_run(fixed: bool) {
    const CHAN_SIZE: usize = 6;
    let (ctx, cancel) = Context::background().with_cancel();
    goweave::go(move || {
        // restore
        let (ready_tx, ready) = goweave::chan::<bool>(CHAN_SIZE);
        let c = ctx.clone();
        goweave::go(move || {
            // splitAndScatter
            for i in 0..CHAN_SIZE + 2 {
                if fixed {
                    goweave::select! {
                        send(ready_tx, i != 0) => {},
                        recv(c.done()) -> _ => break,
                    }
                } else {
                    ready_tx.send(i != 0);
                }
            }
            ready_tx.close();
        });
        if ready.recv().is_some() {
            ctx.done().recv();
        }
    });
    goweave::go(move || cancel());
}

/// CockroachDB #13755: `Rows` starts a goroutine that waits for its context
/// to be canceled, but nothing closes the rows, so it waits forever. Fix:
/// `close` cancels the context, and the caller closes the rows.
fn cockroach_13755_bug() {
    cockroach_13755_run(false)
}

fn cockroach_13755_fix() {
    cockroach_13755_run(true)
}

fn cockroach_13755_run(fixed: bool) {
    // initContextClose
    let (ctx, cancel) = Context::background().with_cancel();
    let close = move || {
        if fixed {
            cancel();
        }
    };
    let c = close.clone();
    goweave::go(move || {
        // awaitDone
        ctx.done().recv();
        c();
    });
    if fixed {
        close();
    }
}

/// CockroachDB #13197: `begin` starts a transaction whose goroutine waits
/// for the transaction's context; the test never rolls it back, so the
/// context is never canceled. Fix: roll the transaction back.
fn cockroach_13197_bug() {
    cockroach_13197_run(false)
}

fn cockroach_13197_fix() {
    cockroach_13197_run(true)
}

fn cockroach_13197_run(fixed: bool) {
    // begin
    let (ctx, cancel) = Context::background().with_cancel();
    goweave::go(move || {
        ctx.done().recv(); // awaitDone
    });
    if fixed {
        cancel(); // Rollback -> rollback -> close
    }
}

/// Kubernetes #25331: the etcd watcher's `run` takes the error that `Stop`
/// sends and then blocks reporting it on the unbuffered result channel,
/// which nobody reads; `Stop`'s cancel cannot reach it. Fix: report with a
/// select on the context (and let `Stop` alone cancel).
fn kubernetes_25331_bug() {
    kubernetes_25331_run(false)
}

fn kubernetes_25331_fix() {
    kubernetes_25331_run(true)
}

fn kubernetes_25331_run(fixed: bool) {
    let (ctx, cancel) = Context::background().with_cancel();
    let (result_tx, _result) = goweave::chan::<bool>(0);
    let (err_tx, err) = goweave::chan::<&str>(0);
    let cancel2 = cancel.clone();
    goweave::go(move || {
        // run
        goweave::select! {
            recv(err) -> e => {
                let failed = !e.expect("errChan is never closed").is_empty();
                if fixed {
                    goweave::select! {
                        send(result_tx, failed) => {},
                        recv(ctx.done()) -> _ => {},
                    }
                } else {
                    cancel2();
                    result_tx.send(failed);
                }
            },
            recv(ctx.done()) -> _ => {},
        }
    });
    goweave::go(move || {
        // Stop
        err_tx.send("Error");
        cancel();
    });
}

/// Moby #33781: the health monitor's probe goroutine reports on an
/// unbuffered channel; when `stop` wins the select, the monitor returns
/// without draining it and the probe blocks forever. Fix: drain the
/// results before returning.
fn moby_33781_bug() {
    moby_33781_run(false)
}

fn moby_33781_fix() {
    moby_33781_run(true)
}

fn moby_33781_run(fixed: bool) {
    let interval = Duration::from_nanos(50);
    let (stop_tx, stop) = goweave::chan::<bool>(0);
    goweave::go(move || loop {
        // monitor
        goweave::select! {
            recv(stop) -> _ => return,
            recv(goweave::time::after(interval)) -> _ => {
                let (results_tx, results) = goweave::chan::<bool>(0);
                let (ctx, cancel_probe) = Context::background().with_timeout(interval);
                goweave::go(move || {
                    results_tx.send(true);
                    results_tx.close();
                });
                goweave::select! {
                    recv(stop) -> _ => {
                        cancel_probe();
                        if fixed {
                            results.recv();
                        }
                        return;
                    },
                    recv(results) -> _ => cancel_probe(),
                    recv(ctx.done()) -> _ => {
                        cancel_probe();
                        results.recv();
                    },
                }
            },
        }
    });
    goweave::go(move || {
        goweave::time::sleep(interval);
        stop_tx.send(true);
    });
}

// ------------------------------------------------------- condition variable

/// A plugin whose activation waiters sleep on a condition variable.
struct Plugin {
    state: Mutex<PluginState>,
    activate_wait: Cond,
}

struct PluginState {
    activated: bool,
    activate_err: Option<&'static str>,
}

/// `testActive`: waits, on a goroutine, until the plugin is active.
fn test_active(p: &Arc<Plugin>) {
    let (done_tx, done) = goweave::chan::<()>(0);
    let p = p.clone();
    goweave::go(move || {
        // waitActive
        let mut g = p.state.lock();
        while !g.activated {
            g = p.activate_wait.wait(g);
        }
        let _err = g.activate_err;
        drop(g);
        done_tx.close();
    });
    done.recv();
}

/// Moby #30408: the plugin failed to activate (its error is set, its
/// manifest is not), but `waitActive` waits for activation only, and nobody
/// will ever signal. The kernel gives no fix.
fn moby_30408_bug() {
    let p = Arc::new(Plugin {
        state: Mutex::new(PluginState { activated: false, activate_err: Some("some junk happened") }),
        activate_wait: Cond::new(),
    });
    test_active(&p);
}

/// Moby #29733: `Handle` marks the plugins inactive and nobody signals their
/// condition variable, so `testActive` waits forever. The kernel gives no
/// fix.
fn moby_29733_bug() {
    let p = Arc::new(Plugin {
        state: Mutex::new(PluginState { activated: false, activate_err: None }),
        activate_wait: Cond::new(),
    });
    let handlers = Mutex::new(());
    test_active(&p);
    // Handle
    let h = handlers.lock();
    p.state.lock().activated = false;
    drop(h);
    test_active(&p);
}

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
