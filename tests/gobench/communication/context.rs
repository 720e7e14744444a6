//! Communication deadlocks on channels with contexts.

use super::*;

/// CockroachDB #18101: `restore` returns when its context is canceled, but
/// the goroutine feeding it keeps sending into the (full) buffered channel
/// without watching the context. Fix: the sender selects on `ctx.Done()`.
pub(super) fn cockroach_18101_bug() {
    cockroach_18101_run(false)
}

pub(super) fn cockroach_18101_fix() {
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
pub(super) fn cockroach_13755_bug() {
    cockroach_13755_run(false)
}

pub(super) fn cockroach_13755_fix() {
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
pub(super) fn cockroach_13197_bug() {
    cockroach_13197_run(false)
}

pub(super) fn cockroach_13197_fix() {
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
pub(super) fn kubernetes_25331_bug() {
    kubernetes_25331_run(false)
}

pub(super) fn kubernetes_25331_fix() {
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
pub(super) fn moby_33781_bug() {
    moby_33781_run(false)
}

pub(super) fn moby_33781_fix() {
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
