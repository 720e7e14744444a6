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

/// CockroachDB #2448: the store's Raft loop takes a membership-change event
/// and runs its callback, which sends on `callbackChan`; the MultiRaft loop
/// that reads that channel is itself blocked sending the next event to the
/// store's loop. Each waits for the other; the test has returned (in Go
/// both goroutines leak; in the schedules where they keep trading events
/// they still run when the test ends). The kernel gives no fix.
pub(super) fn cockroach_2448_bug() {
    let (_stopper, should_stop) = goweave::chan::<bool>(0); // never closed
    let (events_tx, events) = goweave::chan::<Event2448>(0);
    let (callback_tx, callbacks) = goweave::chan::<Box<dyn FnOnce() + Send>>(0);
    let stop = should_stop.clone();
    goweave::go(move || loop {
        // Store.processRaft
        goweave::select! {
            recv(events) -> e => (e.expect("never closed").callback)(),
            recv(stop) -> _ => return,
        }
    });
    goweave::go(move || loop {
        // state.start
        goweave::select! {
            recv(should_stop) -> _ => return,
            recv(callbacks) -> cb => (cb.expect("never closed"))(),
            default => {
                // handleWriteResponse -> processCommittedEntry -> sendEvent
                let (callback_tx, stop) = (callback_tx.clone(), should_stop.clone());
                let event = Event2448 {
                    callback: Box::new(move || {
                        let cb: Box<dyn FnOnce() + Send> =
                            Box::new(|| goweave::time::sleep(Duration::from_nanos(1)));
                        goweave::select! {
                            send(callback_tx, cb) => {},
                            recv(stop) -> _ => {},
                        }
                    }),
                };
                goweave::select! {
                    send(events_tx, event) => {},
                    recv(should_stop) -> _ => {},
                }
            },
        }
    });
}

/// `EventMembershipChangeCommitted`.
struct Event2448 {
    callback: Box<dyn FnOnce() + Send>,
}

/// CockroachDB #35073: the test fills the outbox's row channel and starts a
/// pusher that blocks on it; the outbox's `run` returns at once without
/// closing its row channel, so the test's own `Push` after waiting for it
/// blocks for good. Fix: `run` closes the row channel as its consumer
/// (`ConsumerClosed`: the status, stored atomically, and one row drained).
/// The buffer of 16 rows is 2.
pub(super) fn cockroach_35073_bug() {
    cockroach_35073_run(false)
}

pub(super) fn cockroach_35073_fix() {
    cockroach_35073_run(true)
}

const NEED_MORE_ROWS: u32 = 0;
const CONSUMER_CLOSED: u32 = 2;

/// `RowChannel`: its consumer status is read and written with Go's atomics.
struct RowChannel35073 {
    consumer_status: Shared<u32>,
    data_tx: Sender<i32>,
    data: Receiver<i32>,
}

impl RowChannel35073 {
    fn push(&self) -> u32 {
        let status = self.consumer_status.atomic_load();
        if status == NEED_MORE_ROWS {
            self.data_tx.send(0);
        }
        status
    }

    fn consumer_closed(&self) {
        self.consumer_status.atomic_store(CONSUMER_CLOSED);
        goweave::select! {
            recv(self.data) -> _ => {},
            default => {},
        }
    }
}

fn cockroach_35073_run(fixed: bool) {
    let (data_tx, data) = goweave::chan::<i32>(2);
    let outbox = Arc::new(RowChannel35073 { consumer_status: Shared::new(NEED_MORE_ROWS), data_tx, data });
    let wg = WaitGroup::new();
    for _ in 0..2 {
        outbox.push();
    }
    let blocked_pusher = WaitGroup::new();
    blocked_pusher.add(1);
    let (o, b) = (outbox.clone(), blocked_pusher.clone());
    goweave::go(move || {
        o.push();
        b.done();
    });
    // outbox.start(&wg): run's mainLoop returns at once.
    wg.add(1);
    let (o, w) = (outbox.clone(), wg.clone());
    goweave::go(move || {
        if fixed {
            o.consumer_closed();
        }
        w.done();
    });
    wg.wait();
    outbox.push();
}

/// CockroachDB #35931: cancelling a flow pushes a message to each of its
/// inbound streams in turn; the left stream's one-slot channel is already
/// full and nobody reads it, so the canceller blocks on it for good. (Go
/// ranges over a map; in either order the left push blocks.) The kernel
/// gives no fix.
pub(super) fn cockroach_35931_bug() {
    let (left, _left_rows) = goweave::chan::<()>(1);
    let (right, _right_rows) = goweave::chan::<()>(1);
    let inbound_streams = BTreeMap::from([(0, left.clone()), (1, right)]);
    left.send(()); // left.Push()
                   // flowRegistry: its entries guarded by its mutex; RegisterFlow.
    let registry = Mutex::new(BTreeMap::from([(0, inbound_streams)]));
    // Flow.cancel
    let receivers: Vec<Sender<()>> = registry.lock()[&0].values().cloned().collect();
    for receiver in receivers {
        receiver.send(());
    }
}

/// gRPC #1275: the test reads from a stream on a goroutine and then closes
/// the stream, which should wake the reader with a message but sends
/// nothing; the test gives up after its timer and the reader stays blocked.
/// Fix: `CloseStream` sends the message to the stream's receive buffer.
pub(super) fn grpc_1275_bug() {
    grpc_1275_run(false)
}

pub(super) fn grpc_1275_fix() {
    grpc_1275_run(true)
}

fn grpc_1275_run(fixed: bool) {
    // testInflightStreamClosing; NewStream's receive buffer.
    let (recv_tx, recv) = goweave::chan::<bool>(0);
    let (donec_tx, donec) = goweave::chan::<()>(0);
    goweave::go(move || {
        // stream.Read -> io.ReadFull -> recvBufferReader.Read
        recv.recv();
        donec_tx.close();
    });
    // client.CloseStream(stream)
    if fixed {
        recv_tx.send(true);
    }
    let timeout = Timer::new(Duration::from_nanos(300));
    goweave::select! {
        recv(donec) -> _ => {
            if !timeout.stop() {
                timeout.rx().recv();
            }
        },
        recv(timeout.rx()) -> _ => {},
    }
}

/// gRPC #1424: `DialContext` starts a goroutine that starts the balancer
/// watcher and waits for it to close `doneChan`; the watcher returns when
/// the balancer's address channel closes, without closing `doneChan`, so the
/// waiting goroutine blocks for good. Fix: the watcher closes `doneChan` as
/// it returns.
pub(super) fn grpc_1424_bug() {
    grpc_1424_run(false)
}

pub(super) fn grpc_1424_fix() {
    grpc_1424_run(true)
}

fn grpc_1424_run(fixed: bool) {
    goweave::go(move || {
        // DialContext; the round-robin balancer's address channel.
        let (addr_tx, addr_ch) = goweave::chan::<bool>(0);
        let (wait_tx, _wait_c) = goweave::chan::<()>(1);
        goweave::go(move || {
            let (done_tx, done_chan) = goweave::chan::<bool>(0);
            goweave::go(move || {
                // lbWatcher: the connections to tear down are none.
                for _addr in &addr_ch {}
                if fixed {
                    done_tx.close();
                }
            });
            done_chan.recv();
            wait_tx.close();
        });
        addr_tx.close();
    });
}

/// Istio #17860: each `Restart` starts a goroutine that reports its epoch
/// on the unbuffered `statusCh`; `Run` stops reading once no epoch is active
/// (or when the test cancels its context), and the reporters left then block
/// forever. The kernel gives no fix. The proxy is never live, as upstream.
pub(super) fn istio_17860_bug() {
    let (ctx, cancel) = Context::background().with_cancel();
    let (status_tx, status) = goweave::chan::<i32>(0);
    let agent = Arc::new(Agent17860 { epochs: Mutex::new((0, BTreeSet::new())), status_tx, status });
    let a = agent.clone();
    goweave::go(move || a.run(&ctx));
    agent.restart();
    let a = agent.clone();
    goweave::go(move || a.restart());
    goweave::time::sleep(Duration::from_nanos(200));
    cancel();
}

/// `agent`: its mutex guards the current epoch and the active ones.
struct Agent17860 {
    epochs: Mutex<(i32, BTreeSet<i32>)>,
    status_tx: Sender<i32>,
    status: Receiver<i32>,
}

impl Agent17860 {
    fn run(&self, ctx: &Context) {
        loop {
            goweave::select! {
                recv(self.status) -> s => {
                    let active = {
                        let mut epochs = self.epochs.lock();
                        epochs.1.remove(&s.expect("never closed"));
                        epochs.1.len()
                    };
                    if active == 0 {
                        return;
                    }
                },
                recv(ctx.done()) -> _ => return,
            }
        }
    }

    fn restart(self: &Arc<Self>) {
        let mut epochs = self.epochs.lock();
        Agent17860::wait_until_live(&epochs.1);
        epochs.0 += 1;
        let epoch = epochs.0;
        epochs.1.insert(epoch);
        let a = self.clone();
        goweave::go(move || a.status_tx.send(epoch)); // runWait
    }

    fn wait_until_live(active: &BTreeSet<i32>) {
        if active.is_empty() {
            return;
        }
        let live = || false; // the test's proxy is never live
        let interval = goweave::time::tick(Duration::from_nanos(30));
        let timer = Timer::new(Duration::from_nanos(100));
        if !live() {
            loop {
                goweave::select! {
                    recv(timer.rx()) -> _ => break,
                    recv(interval.rx()) -> _ => {
                        if live() {
                            break;
                        }
                    },
                }
            }
        }
        interval.stop();
        timer.stop();
    }
}

/// Moby #21233: each transfer's watcher goroutine may write a progress
/// update on the unbuffered progress channel before it checks for its
/// release; the test's consumer stops reading at the first bad update (Go's
/// `t.Fatalf`, here a coin), so a watcher blocks on its send, and the test
/// blocks in `Release` waiting for that watcher. Fix: the consumer keeps
/// reading (the test reports the error without leaving the loop). Three
/// transfers are two.
pub(super) fn moby_21233_bug() {
    moby_21233_run(false)
}

pub(super) fn moby_21233_fix() {
    moby_21233_run(true)
}

/// A transfer's watcher: closed `release` stops it, it closes `running`.
struct Watcher21233 {
    release_tx: Sender<()>,
    running: Receiver<()>,
}

fn watch_21233(transfer: &Arc<Mutex<()>>, progress: Sender<()>) -> Watcher21233 {
    let _t = transfer.lock();
    let (_signal_tx, signal) = goweave::chan::<()>(0); // never signalled
    let (release_tx, release) = goweave::chan::<()>(0);
    let (running_tx, running) = goweave::chan::<()>(0);
    let t = transfer.clone();
    goweave::go(move || {
        let mut done = false;
        loop {
            drop(t.lock());
            if coin() {
                progress.send(()); // WriteProgress
            }
            if done {
                running_tx.close();
                return;
            }
            goweave::select! {
                recv(signal) -> _ => {},
                recv(release) -> _ => done = true,
            }
        }
    });
    Watcher21233 { release_tx, running }
}

fn moby_21233_run(fixed: bool) {
    goweave::go(move || {
        // testTransfer
        let manager = Mutex::new(());
        let (progress_tx, progress) = goweave::chan::<()>(0);
        let (done_tx, progress_done) = goweave::chan::<()>(0);
        goweave::go(move || {
            for _p in &progress {
                if !fixed && coin() {
                    return; // t.Fatalf
                }
            }
            done_tx.close();
        });
        let transfers: Vec<(Arc<Mutex<()>>, Watcher21233)> = (0..2)
            .map(|_| {
                let _m = manager.lock(); // TransferManager.Transfer
                let t = Arc::new(Mutex::new(()));
                let w = watch_21233(&t, progress_tx.clone());
                (t, w)
            })
            .collect();
        for (t, w) in &transfers {
            // Release
            drop(t.lock());
            w.release_tx.close();
            w.running.recv();
        }
        progress_tx.close();
        progress_done.recv();
    });
}

/// Syncthing #5795: the dispatcher loop hands a cluster-config message to
/// the model, whose handler closes the connection; `Close` waits for the
/// dispatcher loop to stop, which is the caller itself, and the test waits
/// for it too. Fix: `Close` closes on a goroutine of its own.
pub(super) fn syncthing_5795_bug() {
    syncthing_5795_run(false)
}

pub(super) fn syncthing_5795_fix() {
    syncthing_5795_run(true)
}

/// `rawConnection`; its one message is a cluster config.
struct RawConnection5795 {
    inbox_tx: Sender<()>,
    inbox: Receiver<()>,
    stopped_tx: Sender<()>,
    dispatcher_loop_stopped: Receiver<()>,
    closed_tx: Sender<()>,
    closed: Receiver<()>,
    close_once: Once,
    fixed: bool,
}

impl RawConnection5795 {
    fn start(self: &Arc<Self>) {
        let c = self.clone();
        goweave::go(move || {
            // readerLoop: the kernel spins until `closed` (`select` with a
            // `default`); waiting on it instead runs the same until then,
            // without the spin's interleavings, which took the fixed
            // variant's exhaustive search minutes.
            c.closed.recv();
        });
        let c = self.clone();
        goweave::go(move || c.dispatcher_loop());
    }

    fn dispatcher_loop(self: &Arc<Self>) {
        loop {
            goweave::select! {
                recv(self.inbox) -> _ => {
                    // the test model's ClusterConfig calls c.Close
                    self.close();
                },
                recv(self.closed) -> _ => break,
            }
        }
        self.stopped_tx.close();
    }

    fn internal_close(&self) {
        self.close_once.call_once(|| {
            self.closed_tx.close();
            self.dispatcher_loop_stopped.recv();
        });
    }

    fn close(self: &Arc<Self>) {
        if self.fixed {
            let c = self.clone();
            goweave::go(move || c.internal_close());
        } else {
            self.internal_close();
        }
    }
}

fn syncthing_5795_run(fixed: bool) {
    let (inbox_tx, inbox) = goweave::chan::<()>(0);
    let (stopped_tx, dispatcher_loop_stopped) = goweave::chan::<()>(0);
    let (closed_tx, closed) = goweave::chan::<()>(0);
    let c = Arc::new(RawConnection5795 {
        inbox_tx,
        inbox,
        stopped_tx,
        dispatcher_loop_stopped,
        closed_tx,
        closed,
        close_once: Once::new(),
        fixed,
    });
    c.start();
    c.inbox_tx.send(());
    c.dispatcher_loop_stopped.recv();
}
