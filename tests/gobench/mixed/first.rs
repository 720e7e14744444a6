//! Mixed deadlocks, the kernels ported first.

use super::*;

/// The client of grpc_1460: a stream list under a mutex and the channel that wakes the
/// keepalive task.
struct Http2Client {
    active_streams: Mutex<usize>,
    awaken_keepalive: (Sender<()>, Receiver<()>),
}

/// gRPC #1460: with no active stream, `keepalive` waits on `awakenKeepalive` while holding
/// `t.mu`; `NewStream` needs `t.mu` before it can wake it, so both block for good.
pub(super) fn grpc_1460_bug() {
    let t = Arc::new(Http2Client { active_streams: Mutex::new(0), awaken_keepalive: chan(0) });
    let t1 = t.clone();
    go(move || {
        let streams = t1.active_streams.lock();
        if *streams < 1 {
            t1.awaken_keepalive.1.recv();
        }
        drop(streams);
    });
    go(move || {
        let mut streams = t.active_streams.lock();
        *streams += 1;
        if *streams == 1 {
            select! {
                send(t.awaken_keepalive.0, ()) => {},
                default => {},
            }
        }
        drop(streams);
    });
}

/// gRPC #1460, fixed: the wake-up channel has one slot kept full; keepalive empties it under
/// the lock, then waits outside the lock, and `NewStream` refills it after waking it.
pub(super) fn grpc_1460_fixed_body() {
    let t = Arc::new(Http2Client { active_streams: Mutex::new(0), awaken_keepalive: chan(1) });
    t.awaken_keepalive.0.send(());
    let t1 = t.clone();
    go(move || {
        let streams = t1.active_streams.lock();
        if *streams < 1 {
            t1.awaken_keepalive.1.recv();
            drop(streams);
            t1.awaken_keepalive.1.recv();
        }
    });
    go(move || {
        let mut streams = t.active_streams.lock();
        *streams += 1;
        if *streams == 1 {
            select! {
                send(t.awaken_keepalive.0, ()) => t.awaken_keepalive.0.send(()),
                default => {},
            }
        }
        drop(streams);
    });
}

// ---------------------------------------------------------------------------------------

/// kubernetes_10182's status manager: `SetPodStatus` sends while holding the lock that
/// the sync loop takes after each receive.
fn kubernetes_10182_run(capacity: usize) {
    let lock = Arc::new(RwMutex::new(()));
    let (tx, rx) = chan::<bool>(capacity);
    let sync_lock = lock.clone();
    go(move || {
        // Start: the sync loop runs in a task of its own.
        go(move || {
            for _ in 0..2 {
                rx.recv();
                drop(sync_lock.write());
            }
        });
    });
    for _ in 0..2 {
        let (lock, tx) = (lock.clone(), tx.clone());
        go(move || {
            let _g = lock.write();
            tx.send(true);
        });
    }
}

/// Kubernetes #10182: the sync loop received the first status and waits for the lock,
/// which the second `SetPodStatus` holds while it blocks sending on the unbuffered channel.
pub(super) fn kubernetes_10182_bug() {
    kubernetes_10182_run(0)
}

/// Kubernetes #10182, fixed: the status channel is buffered, so a send under the lock
/// does not wait for the sync loop.
pub(super) fn kubernetes_10182_fixed_body() {
    kubernetes_10182_run(1000)
}

// ---------------------------------------------------------------------------------------

/// kubernetes_6632's framer: `reset_chan` is the struct field, guarded by `write_lock`.
struct IdleAwareFramer {
    reset_chan: Shared<Option<Sender<bool>>>,
    write_lock: Mutex<()>,
}

fn kubernetes_6632_run(drain: bool) {
    let (reset_tx, reset_rx) = chan::<bool>(0);
    let (close_tx, close_rx) = chan::<bool>(0);
    let i = Arc::new(IdleAwareFramer { reset_chan: Shared::new(Some(reset_tx)), write_lock: Mutex::new(()) });
    go(move || close_tx.send(true));
    let monitor = i.clone();
    go(move || {
        let reset_chan = monitor.reset_chan.with(Clone::clone);
        close_rx.recv();
        if drain {
            // The fix: keep a blocked WriteFrame moving so the lock is released.
            let reset_rx = reset_rx.clone();
            go(move || for _ in reset_rx {});
        }
        let _g = monitor.write_lock.lock();
        if let Some(c) = reset_chan {
            c.close();
        }
        monitor.reset_chan.set(None);
    });
    go(move || {
        let _g = i.write_lock.lock();
        let Some(c) = i.reset_chan.with(Clone::clone) else { return };
        c.send(true);
    });
}

/// Kubernetes #6632: `WriteFrame` holds the write lock while it blocks sending on
/// `resetChan`; the monitor, told to close, waits for that lock to close `resetChan`.
pub(super) fn kubernetes_6632_bug() {
    kubernetes_6632_run(false)
}

/// Kubernetes #6632, fixed: the monitor starts a task that drains `resetChan` before it
/// takes the lock.
pub(super) fn kubernetes_6632_fixed_body() {
    kubernetes_6632_run(true)
}

// ---------------------------------------------------------------------------------------

/// etcd_6873's broadcasts: updates are coalesced under `mu` by a task that closes `donec`
/// when `updatec` is closed.
struct WatchBroadcasts {
    mu: Mutex<()>,
    updatec: (Sender<()>, Receiver<()>),
    donec: (Sender<()>, Receiver<()>),
}

fn etcd_6873_run(wait_outside_lock: bool) {
    let wbs = Arc::new(WatchBroadcasts { mu: Mutex::new(()), updatec: chan(1), donec: chan(0) });
    let coalescer = wbs.clone();
    go(move || {
        for _wb in coalescer.updatec.1.iter() {
            drop(coalescer.mu.lock());
        }
        coalescer.donec.0.close();
    });
    // update: never blocks.
    select! {
        send(wbs.updatec.0, ()) => {},
        default => {},
    }
    go(move || {
        let g = wbs.mu.lock();
        wbs.updatec.0.close();
        if wait_outside_lock {
            drop(g);
            wbs.donec.1.recv();
        } else {
            wbs.donec.1.recv();
            drop(g);
        }
    });
}

/// etcd #6873 (commit 7618fdd): `stop` closes `updatec` and waits for `donec` while holding
/// `mu`, which the coalescing task needs to finish the update it took.
pub(super) fn etcd_6873_bug() {
    etcd_6873_run(false)
}

/// etcd #6873, fixed: `stop` releases `mu` before it waits for `donec`.
pub(super) fn etcd_6873_fixed_body() {
    etcd_6873_run(true)
}

// ---------------------------------------------------------------------------------------

/// kubernetes_1321's watcher: its result channel and, in the fix, a stop channel.
#[derive(Clone)]
struct MuxWatcher {
    result: (Sender<()>, Receiver<()>),
    stopped: (Sender<()>, Receiver<()>),
}

/// kubernetes_1321's mux: `watchers` is guarded by `global` for writes in `watch` and by
/// `lock` for deletes.
struct Mux {
    lock: Mutex<()>,
    global: Mutex<()>,
    watchers: Shared<BTreeMap<i64, MuxWatcher>>,
}

fn kubernetes_1321_run(select_on_stopped: bool) {
    go(move || {
        let m = Arc::new(Mux {
            lock: Mutex::new(()),
            global: Mutex::new(()),
            watchers: Shared::new(BTreeMap::new()),
        });
        let looper = m.clone();
        go(move || {
            for _ in 0..100 {
                // distribute
                let _l = looper.lock.lock();
                let _g = looper.global.lock();
                for w in looper.watchers.with(|ws| ws.values().cloned().collect::<Vec<_>>()) {
                    if select_on_stopped {
                        select! {
                            send(w.result.0, ()) => {},
                            recv(w.stopped.1) -> _ => {},
                        }
                    } else {
                        w.result.0.send(());
                    }
                }
            }
        });
        // Watch
        let id = m.watchers.with(|ws| ws.len() as i64);
        let w = MuxWatcher { result: chan(0), stopped: chan(0) };
        {
            let _g = m.global.lock();
            m.watchers.with_mut(|ws| ws.insert(id, w.clone()));
        }
        // Stop
        if select_on_stopped {
            w.stopped.0.close();
        }
        let _l = m.lock.lock();
        if let Some(w) = m.watchers.with_mut(|ws| ws.remove(&id)) {
            w.result.0.close();
        }
    });
}

/// Kubernetes #1321: `distribute` holds `m.lock` while it blocks sending to a watcher's
/// result; the watcher's `Stop` needs `m.lock` to close that channel.
pub(super) fn kubernetes_1321_bug() {
    kubernetes_1321_run(false)
}

/// Kubernetes #1321, fixed: `Stop` first closes a `stopped` channel, without the lock, and
/// `distribute` selects between the send and `stopped`.
pub(super) fn kubernetes_1321_fixed_body() {
    kubernetes_1321_run(true)
}

// ---------------------------------------------------------------------------------------

/// etcd #7902: the rounds run under one mutex; a follower calls `release` under the mutex
/// and waits there for the leader's `close(nextc)`, while the leader waits for the mutex to
/// call its own `release`.
pub(super) fn etcd_7902_bug() {
    go(|| {
        const ROUNDS: usize = 100;
        // nextc is a variable captured by every client's closures in the Go code.
        let nextc = Arc::new(Shared::new(chan::<bool>(0)));
        let mu = Arc::new(Mutex::new(()));
        let wg = WaitGroup::new();
        wg.add(3);
        for i in 0..3 {
            let (nextc, mu, wg) = (nextc.clone(), mu.clone(), wg.clone());
            go(move || {
                let mut rc_nextc: Option<Receiver<bool>>;
                for _ in 0..ROUNDS {
                    let g = mu.lock();
                    rc_nextc = Some(nextc.with(|c| c.1.clone())); // validate
                    drop(g);
                    let _g = mu.lock();
                    // release: the first client is the leader.
                    if i == 0 {
                        nextc.with(|c| c.0.close());
                        nextc.set(chan(0));
                    }
                    if let Some(c) = &rc_nextc {
                        c.recv();
                    }
                }
                wg.done();
            });
        }
        wg.wait();
    });
}

// ---------------------------------------------------------------------------------------

/// Istio #16224: the event handler takes the test's lock and then blocks sending on `done`;
/// the test, which would receive from `done`, first waits for that lock. In the schedules
/// where the test takes the lock first, the kernel (like GoKer's) leaks its monitor instead,
/// blocked receiving an event after `stop`; goweave's default finds that leak first (both
/// are real: the deadlock is one preemption further).
pub(super) fn istio_16224_bug() {
    let (event_tx, event_rx) = chan::<i32>(0);
    let (done_tx, done_rx) = chan::<bool>(0);
    let lock = Arc::new(Mutex::new(()));
    let handler_lock = lock.clone();
    let handler = move |_event: i32| {
        let _g = handler_lock.lock();
        done_tx.send(true);
    };
    let (stop_tx, stop_rx) = chan::<()>(0);
    let monitor_tx = event_tx.clone();
    go(move || loop {
        select! {
            recv(stop_rx) -> _ => {
                if event_rx.recv().is_some() {
                    monitor_tx.close();
                }
                return;
            },
            recv(event_rx) -> ce => {
                if let Some(ce) = ce {
                    handler(ce);
                }
            },
        }
    });
    event_tx.send(0); // Create
    drop(lock.lock());
    done_rx.recv();
    stop_tx.close();
}

// ---------------------------------------------------------------------------------------

/// cockroach_1462's stopper: tasks are counted under `mu`, workers by a WaitGroup.
struct Stopper1462 {
    mu: Mutex<(bool, usize)>,
    drain: Cond,
    stopper: (Sender<()>, Receiver<()>),
    stopped: Sender<()>,
    stop: WaitGroup,
}

impl Stopper1462 {
    fn run_worker(self: &Arc<Self>, f: impl FnOnce() + Send + 'static) {
        self.stop.add(1);
        let s = self.clone();
        go(move || {
            f();
            s.stop.done();
        });
    }

    fn quiesce(&self) {
        let mut g = self.mu.lock();
        g.0 = true;
        while g.1 > 0 {
            g = self.drain.wait(g);
        }
    }

    fn stop(&self) {
        self.quiesce();
        self.stopper.0.close();
        self.stop.wait();
        let _g = self.mu.lock();
        self.stopped.close();
    }
}

fn cockroach_1462_run(send_in_select: bool) {
    let stopper = Arc::new(Stopper1462 {
        mu: Mutex::new((false, 0)),
        drain: Cond::new(),
        stopper: chan(0),
        stopped: chan(0).0,
        stop: WaitGroup::new(),
    });
    let (events_tx, events_rx) = chan::<i32>(0);
    let s = stopper.clone();
    stopper.run_worker(move || loop {
        if send_in_select {
            select! {
                recv(s.stopper.1) -> _ => return,
                send(events_tx, 0) => {},
            }
        } else {
            select! {
                recv(s.stopper.1) -> _ => return,
                default => events_tx.send(0),
            }
        }
    });
    let s = stopper.clone();
    stopper.run_worker(move || loop {
        select! {
            recv(events_rx) -> m => if m.is_none() { return },
            recv(s.stopper.1) -> _ => return,
        }
    });
    stopper.stop();
}

/// CockroachDB #1462: the transport worker sends on `Events` from a select's default branch;
/// once the event processor has returned on `ShouldStop`, that send blocks forever and
/// `Stopper.Stop` waits for the worker forever.
pub(super) fn cockroach_1462_bug() {
    cockroach_1462_run(false)
}

/// CockroachDB #1462, fixed: the send is an arm of the select on `ShouldStop`.
pub(super) fn cockroach_1462_fixed_body() {
    cockroach_1462_run(true)
}

// ---------------------------------------------------------------------------------------

/// cockroach_1055's stopper: `draining` is read without `mu` in `StartTask`.
struct Stopper1055 {
    stopper: (Sender<()>, Receiver<()>),
    stop: WaitGroup,
    mu: Mutex<()>,
    draining: AtomicI32,
    drain: WaitGroup,
}

/// CockroachDB #1055: a task that passed `StartTask` before `Quiesce` is counted in `drain`
/// but only finishes after `Stop`; `Quiesce` waits for it while holding `mu`, so the
/// stopping task, and the test waiting for it, block forever.
pub(super) fn cockroach_1055_bug() {
    let stoppers: Vec<Arc<Stopper1055>> = (0..3)
        .map(|_| {
            Arc::new(Stopper1055 {
                stopper: chan(0),
                stop: WaitGroup::new(),
                mu: Mutex::new(()),
                // The Go code writes it plainly in Quiesce and atomically elsewhere; all
                // accesses are atomic here so that the blocking bug is the one found.
                draining: AtomicI32::new(0),
                drain: WaitGroup::new(),
            })
        })
        .collect();
    for s in &stoppers {
        let s = s.clone();
        s.stop.add(1);
        go(move || {
            // StartTask
            if s.draining.load(Ordering::SeqCst) == 0 {
                let _g = s.mu.lock();
                s.drain.add(1);
            }
            s.stopper.1.recv();
            s.stop.done();
        });
    }
    let (done_tx, done_rx) = chan::<()>(0);
    go(move || {
        for s in &stoppers {
            let _g = s.mu.lock();
            s.draining.store(1, Ordering::SeqCst);
            s.drain.wait();
            s.draining.store(0, Ordering::SeqCst);
        }
        for s in &stoppers {
            let _g = s.mu.lock();
            s.draining.store(1, Ordering::SeqCst);
            s.drain.wait();
            s.stopper.0.close();
            s.stop.wait();
        }
        done_tx.close();
    });
    done_rx.recv();
}

// ---------------------------------------------------------------------------------------

fn moby_25384_run(wait_after_loop: bool) {
    go(move || {
        let plugins = 2;
        let group = WaitGroup::new();
        group.add(plugins);
        for _ in 0..plugins {
            let g = group.clone();
            go(move || g.done());
            if !wait_after_loop {
                group.wait();
            }
        }
        if wait_after_loop {
            group.wait();
        }
    });
}

/// Moby #25384: `Wait` is called inside the loop that starts one task per plugin, so with
/// two plugins the first `Wait` needs a `Done` from a task that is never started.
pub(super) fn moby_25384_bug() {
    moby_25384_run(false)
}

/// Moby #25384, fixed: `Wait` after the loop.
pub(super) fn moby_25384_fixed_body() {
    moby_25384_run(true)
}

// ---------------------------------------------------------------------------------------

/// grpc_1353's round-robin balancer: `addr_ch` is made by `Start`, before any reader exists.
struct RoundRobin {
    mu: Mutex<()>,
    addr_ch: (Sender<bool>, Receiver<bool>),
}

impl RoundRobin {
    fn watch_addr_updates(&self, drain_first: bool) {
        let _g = self.mu.lock();
        if drain_first {
            // The fix: drop a stale update nobody took, so the send below cannot block.
            select! {
                recv(self.addr_ch.1) -> _ => {},
                default => {},
            }
        }
        self.addr_ch.0.send(true);
    }

    fn down(&self) {
        drop(self.mu.lock());
    }
}

/// grpc_1353's connection: `down` is the closure the balancer's `Up` returned.
struct AddrConn1353 {
    mu: Mutex<()>,
    down: Box<dyn Fn() + Send + Sync>,
}

fn grpc_1353_run(fixed: bool) {
    let (help_tx, help_rx) = chan::<()>(0);
    let rr = Arc::new(RoundRobin { mu: Mutex::new(()), addr_ch: chan(usize::from(fixed)) });
    // NewClientConn: two connections whose `down` is the balancer's.
    let conns: Arc<Vec<AddrConn1353>> = Arc::new(
        (0..2)
            .map(|_| {
                let rr = rr.clone();
                AddrConn1353 { mu: Mutex::new(()), down: Box::new(move || rr.down()) }
            })
            .collect(),
    );
    // balancer.Start
    let r = rr.clone();
    go(move || {
        for _ in 0..100 {
            r.watch_addr_updates(fixed);
        }
        help_tx.close();
    });
    // lbWatcher: every update tears down every connection.
    let (notify, c) = (rr.addr_ch.1.clone(), conns);
    go(move || {
        for _addr in notify {
            for ac in c.iter() {
                let _g = ac.mu.lock();
                (ac.down)();
            }
        }
    });
    go(move || {
        help_rx.recv();
        let _g = rr.mu.lock(); // Close
        rr.addr_ch.0.close();
    });
}

/// gRPC #1353: `watchAddrUpdates` sends the next update on the unbuffered `addrCh` while
/// holding the balancer's mutex; `lbWatcher`, still tearing down connections for the
/// previous update, waits for that mutex in `down` and never receives.
pub(super) fn grpc_1353_bug() {
    grpc_1353_run(false)
}

/// gRPC #1353, fixed: `addrCh` has one slot and `watchAddrUpdates` empties it before
/// sending, so the send under the mutex never blocks.
pub(super) fn grpc_1353_fixed_body() {
    grpc_1353_run(true)
}
