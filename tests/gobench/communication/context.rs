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

/// CockroachDB #10790: `beginCmds` waits on each command channel in turn,
/// and when the context is cancelled first it starts a goroutine that
/// drains every channel (from the first) and goes on to the next; the
/// helper that sends on the channels stops at the cancellation, so the
/// draining goroutines wait forever for sends that never come. The kernel
/// gives no fix.
pub(super) fn cockroach_10790_bug() {
    let chans: Arc<Vec<(Sender<bool>, Receiver<bool>)>> =
        Arc::new((0..2).map(|_| goweave::chan(0)).collect());
    let (ctx, cancel) = Context::background().with_cancel();
    // The replica's stopper: quiescing closes its channel once.
    let (quiescer, _should_quiesce) = goweave::chan::<()>(0);
    let quiescing = Mutex::new(false);
    let (r, c) = (chans.clone(), ctx.clone());
    goweave::go(move || {
        // sendChans, the kernel's helper
        for (ch, _) in r.iter() {
            goweave::select! {
                send(ch, true) => {},
                recv(c.done()) -> _ => return,
            }
        }
    });
    let r = chans.clone();
    goweave::go(move || {
        // beginCmds
        let ctx_done = ctx.done();
        for (_, ch) in r.iter() {
            goweave::select! {
                recv(ch) -> _ => {},
                recv(ctx_done) -> _ => {
                    let r = r.clone();
                    goweave::go(move || {
                        for (_, ch) in r.iter() {
                            ch.recv();
                        }
                    });
                },
            }
        }
    });
    goweave::go(move || cancel());
    // stopper.Stop -> Quiesce
    let mut q = quiescing.lock();
    if !*q {
        *q = true;
        quiescer.close();
    }
}

/// gRPC #862: `DialContext` starts the connection's transport loop, which
/// retries until the connection's context is cancelled, and returns a nil
/// connection without closing it, so the loop never stops. Fix: the
/// deferred function closes the connection. The address connection's
/// context is a child of the connection's, so closing the connection
/// cancels it (the kernel's list of address connections, torn down on
/// close, is left out).
pub(super) fn grpc_862_bug() {
    grpc_862_run(false)
}

pub(super) fn grpc_862_fix() {
    grpc_862_run(true)
}

fn grpc_862_run(fixed: bool) {
    let (ctx, cancel) = Context::background().with_cancel();
    goweave::go(move || {
        // DialContext
        let (cc_ctx, cc_cancel) = Context::background().with_cancel();
        goweave::go(move || {
            // resetAddrConn
            let (ac_ctx, _ac_cancel) = cc_ctx.with_cancel();
            grpc_862_reset_transport(&ac_ctx);
        });
        let conn: Option<CancelFunc> = None; // the connection returned
                                             // the deferred function
        goweave::select! {
            recv(ctx.done()) -> _ => {
                if let Some(close) = &conn {
                    close();
                }
            },
            default => {},
        }
        if fixed {
            cc_cancel(); // cc.Close()
        }
    });
    goweave::go(move || cancel());
}

/// `addrConn.resetTransport`: retries, each after a back-off, until its
/// context is done.
fn grpc_862_reset_transport(ctx: &Context) {
    for retries in 1u32.. {
        let sleep_time = Duration::from_nanos(2) * retries;
        let (_connect, cancel) = ctx.with_timeout(Duration::from_nanos(10));
        let connect_time = goweave::time::now();
        cancel();
        goweave::select! {
            recv(goweave::time::after(sleep_time.saturating_sub(connect_time.elapsed()))) -> _ => {},
            recv(ctx.done()) -> _ => return,
        }
    }
}

/// Istio #18454: the processor's events reset the strategy's timer through
/// `resetChan`; the timer's event loop, told to reset after the timer fired
/// and its tick was already taken, stops the timer (too late: `Stop` says
/// false) and waits for a tick that never comes. The processor then blocks
/// on its next send to `resetChan`, or stops and leaves the event loop
/// waiting; either way tasks are left blocked after the test returns. The
/// kernel gives no fix. The 1024 events are 4.
pub(super) fn istio_18454_bug() {
    let strategy = Arc::new(Strategy18454 {
        timer: Mutex::new(None),
        timer_frequency: Duration::from_nanos(1),
        reset: goweave::chan(1),
        worker: Worker18454::new(),
    });
    let worker = Worker18454::new();
    let (event_tx, event_ch) = goweave::chan::<i32>(4);
    // Processor.Start
    for _ in 0..4 {
        event_tx.send(0); // setupFn
    }
    let s = strategy.clone();
    worker.start(move |ctx| {
        loop {
            goweave::select! {
                recv(ctx.done()) -> _ => break,
                recv(event_ch) -> _ => s.on_change(),
            }
        }
        s.worker.stop(); // the deferred stateStrategy.Close
    });
    worker.stop(); // the test's deferred p.Stop
}

/// A worker: a context and the task that runs with it.
struct Worker18454 {
    ctx: Context,
    cancel: CancelFunc,
}

impl Worker18454 {
    fn new() -> Worker18454 {
        let (ctx, cancel) = Context::background().with_cancel();
        Worker18454 { ctx, cancel }
    }

    fn start(&self, run: impl FnOnce(Context) + Send + 'static) {
        let ctx = self.ctx.clone();
        goweave::go(move || run(ctx));
    }

    fn stop(&self) {
        (self.cancel)();
    }
}

/// The state strategy: `stateLock` guards whether its timer was started.
struct Strategy18454 {
    timer: Mutex<Option<Arc<Timer>>>,
    timer_frequency: Duration,
    reset: (Sender<()>, Receiver<()>),
    worker: Worker18454,
}

impl Strategy18454 {
    fn on_change(&self) {
        let mut timer = self.timer.lock();
        if timer.is_some() {
            drop(timer);
            self.reset.0.send(());
            return;
        }
        self.start_timer(&mut timer);
    }

    fn start_timer(&self, slot: &mut Option<Arc<Timer>>) {
        let timer = Arc::new(Timer::new(self.timer_frequency));
        *slot = Some(timer.clone());
        let (reset, frequency) = (self.reset.1.clone(), self.timer_frequency);
        self.worker.start(move |ctx| loop {
            // eventLoop
            goweave::select! {
                recv(timer.rx()) -> _ => {},
                recv(reset) -> _ => {
                    if !timer.stop() {
                        timer.rx().recv();
                    }
                    timer.reset(frequency);
                },
                recv(ctx.done()) -> _ => {
                    timer.stop();
                    return;
                },
            }
        });
    }
}
