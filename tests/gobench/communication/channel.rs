//! Communication deadlocks on channels alone.

use super::*;

/// gRPC #660: the benchmark client's loop starts a goroutine per call that
/// reports on an unbuffered `done`; when the loop returns on `stop` instead,
/// that goroutine blocks on its send forever. Fix: a buffered `done`.
pub(super) fn grpc_660_bug() {
    grpc_660_run(false)
}

pub(super) fn grpc_660_fix() {
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
pub(super) fn etcd_6857_bug() {
    etcd_6857_run(false)
}

pub(super) fn etcd_6857_fix() {
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
pub(super) fn cockroach_24808_bug() {
    cockroach_24808_run(false)
}

pub(super) fn cockroach_24808_fix() {
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
pub(super) fn cockroach_25456_bug() {
    let (_quiesce_tx, quiesce) = goweave::chan::<()>(0);
    for _ in 0..2 {
        quiesce.recv(); // consistencyQueue.process
    }
}

/// Kubernetes #38669: the cache watcher's goroutine first delivers its
/// initial events on the unbuffered result channel; the test stops the
/// watcher without reading them, so the goroutine blocks on the first send.
/// The kernel gives no fix.
pub(super) fn kubernetes_38669_bug() {
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
pub(super) fn kubernetes_5316_bug() {
    kubernetes_5316_run(false)
}

pub(super) fn kubernetes_5316_fix() {
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
pub(super) fn kubernetes_70277_bug() {
    kubernetes_70277_run(false)
}

pub(super) fn kubernetes_70277_fix() {
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
pub(super) fn moby_33293_bug() {
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
pub(super) fn moby_4395_bug() {
    moby_4395_run(false)
}

pub(super) fn moby_4395_fix() {
    moby_4395_run(true)
}

fn moby_4395_run(fixed: bool) {
    let (ch_tx, _ch) = goweave::chan::<Result<(), &str>>(if fixed { 1 } else { 0 });
    goweave::go(move || ch_tx.send(Err("")));
}
