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

// ---------------------------------------------------------------------------------------

/// The client of grpc_1460: a stream list under a mutex and the channel that wakes the
/// keepalive task.
struct Http2Client {
    active_streams: Mutex<usize>,
    awaken_keepalive: (Sender<()>, Receiver<()>),
}

/// gRPC #1460: with no active stream, `keepalive` waits on `awakenKeepalive` while holding
/// `t.mu`; `NewStream` needs `t.mu` before it can wake it, so both block for good.
fn grpc_1460_bug() {
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
fn grpc_1460_fixed_body() {
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
fn kubernetes_10182_bug() {
    kubernetes_10182_run(0)
}

/// Kubernetes #10182, fixed: the status channel is buffered, so a send under the lock
/// does not wait for the sync loop.
fn kubernetes_10182_fixed_body() {
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
fn kubernetes_6632_bug() {
    kubernetes_6632_run(false)
}

/// Kubernetes #6632, fixed: the monitor starts a task that drains `resetChan` before it
/// takes the lock.
fn kubernetes_6632_fixed_body() {
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
fn etcd_6873_bug() {
    etcd_6873_run(false)
}

/// etcd #6873, fixed: `stop` releases `mu` before it waits for `donec`.
fn etcd_6873_fixed_body() {
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
fn kubernetes_1321_bug() {
    kubernetes_1321_run(false)
}

/// Kubernetes #1321, fixed: `Stop` first closes a `stopped` channel, without the lock, and
/// `distribute` selects between the send and `stopped`.
fn kubernetes_1321_fixed_body() {
    kubernetes_1321_run(true)
}

// ---------------------------------------------------------------------------------------

/// etcd #7902: the rounds run under one mutex; a follower calls `release` under the mutex
/// and waits there for the leader's `close(nextc)`, while the leader waits for the mutex to
/// call its own `release`.
fn etcd_7902_bug() {
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
fn istio_16224_bug() {
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
fn cockroach_1462_bug() {
    cockroach_1462_run(false)
}

/// CockroachDB #1462, fixed: the send is an arm of the select on `ShouldStop`.
fn cockroach_1462_fixed_body() {
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
fn cockroach_1055_bug() {
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
fn moby_25384_bug() {
    moby_25384_run(false)
}

/// Moby #25384, fixed: `Wait` after the loop.
fn moby_25384_fixed_body() {
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
fn grpc_1353_bug() {
    grpc_1353_run(false)
}

/// gRPC #1353, fixed: `addrCh` has one slot and `watchAddrUpdates` empties it before
/// sending, so the send under the mutex never blocks.
fn grpc_1353_fixed_body() {
    grpc_1353_run(true)
}

// ---------------------------------------------------------------------------------------

/// etcd_7492's TTL keeper. In the bug, tokens reach its task over `add_ch`; in the fix,
/// they are written directly under `tokens_mu`, the keeper's own mutex.
struct TtlKeeper {
    tokens_mu: Mutex<()>,
    tokens: Shared<BTreeMap<&'static str, time::Instant>>,
    add_ch: (Sender<()>, Receiver<()>),
    stop_ch: (Sender<Sender<()>>, Receiver<Sender<()>>),
}

impl TtlKeeper {
    fn run(&self, delete_token: impl Fn(&str), fixed: bool) {
        let ticker = time::tick(Duration::from_nanos(1));
        loop {
            select! {
                // Only the bug sends on `add_ch`.
                recv(self.add_ch.1) -> _ => {
                    self.tokens.with_mut(|t| t.insert("1", time::now()));
                },
                recv(ticker.rx()) -> _ => {
                    let _g = fixed.then(|| self.tokens_mu.lock());
                    for t in self.tokens.with(|t| t.keys().copied().collect::<Vec<_>>()) {
                        delete_token(t);
                        self.tokens.with_mut(|m| m.remove(t));
                    }
                },
                recv(self.stop_ch.1) -> wait_ch => {
                    if let Some(w) = wait_ch {
                        w.send(());
                    }
                    ticker.stop();
                    return;
                },
            }
        }
    }
}

fn etcd_7492_run(fixed: bool) {
    // setupAuthStore: the token provider's mutex and its keeper, whose delete function takes
    // that mutex.
    let simple_tokens_mu = Arc::new(RwMutex::new(()));
    let keeper = Arc::new(TtlKeeper {
        tokens_mu: Mutex::new(()),
        tokens: Shared::new(BTreeMap::new()),
        add_ch: chan(1),
        stop_ch: chan(0),
    });
    let (k, mu) = (keeper.clone(), simple_tokens_mu.clone());
    go(move || k.run(move |_token| drop(mu.write()), fixed));
    let wg = WaitGroup::new();
    wg.add(3);
    for _ in 0..3 {
        let (wg, keeper, mu) = (wg.clone(), keeper.clone(), simple_tokens_mu.clone());
        go(move || {
            // Authenticate: assignSimpleTokenToUser.
            let outer = fixed.then(|| keeper.tokens_mu.lock());
            let g = mu.write();
            if fixed {
                keeper.tokens.with_mut(|t| t.insert("1", time::now()));
            } else {
                keeper.add_ch.0.send(());
            }
            drop(g);
            drop(outer);
            wg.done();
        });
    }
    wg.wait();
    // The deferred tearDown: disable stops the keeper, then takes the mutex.
    let (wait_tx, wait_rx) = chan::<()>(0);
    keeper.stop_ch.0.send(wait_tx);
    wait_rx.recv();
    keeper.stop_ch.0.close();
    drop(simple_tokens_mu.write());
}

/// etcd #7492: `assignSimpleTokenToUser` sends on the keeper's one-slot channel while holding
/// `simpleTokensMu`; when the slot is full and the keeper's task is in its ticker branch, the
/// delete function it calls waits for `simpleTokensMu`, and nobody drains the channel.
fn etcd_7492_bug() {
    etcd_7492_run(false)
}

/// etcd #7492, fixed: no channel; the keeper guards its tokens with its own mutex, taken
/// before `simpleTokensMu` on both paths.
fn etcd_7492_fixed_body() {
    etcd_7492_run(true)
}

// ---------------------------------------------------------------------------------------

/// etcd_7443's balancer: `notify` has one slot; `closed` and the pinned address are guarded
/// by `mu`.
struct SimpleBalancer {
    mu: Mutex<(bool, i32)>,
    notify: (Sender<Vec<i32>>, Receiver<Vec<i32>>),
    addrs: Vec<i32>,
}

type DownFn = Box<dyn Fn() + Send + Sync>;

impl SimpleBalancer {
    fn new() -> Arc<SimpleBalancer> {
        let addrs = vec![0, 1, 2];
        let notify = chan(1);
        notify.0.send(addrs.clone());
        Arc::new(SimpleBalancer { mu: Mutex::new((false, 0)), notify, addrs })
    }

    fn up(self: &Arc<Self>, addr: i32) -> DownFn {
        let mut g = self.mu.lock();
        if g.0 {
            return Box::new(|| {});
        }
        if g.1 == 0 {
            g.1 = addr;
            self.notify.0.send(vec![addr]);
        }
        drop(g);
        let b = self.clone();
        Box::new(move || {
            let mut g = b.mu.lock();
            // The Go closure recovers from a send on the closed channel; the channel is
            // closed exactly when `closed` is set, both under `mu`.
            if g.0 {
                return;
            }
            if g.1 == addr {
                g.1 = 0;
                b.notify.0.send(b.addrs.clone());
            }
        })
    }

    fn close(&self) {
        let mut g = self.mu.lock();
        if g.0 {
            return;
        }
        g.0 = true;
        self.notify.0.close();
        g.1 = 0;
    }
}

/// etcd_7443's connection to one address; `down` is set by `resetTransport`.
struct AddrConn7443 {
    mu: Mutex<Option<DownFn>>,
    addr: i32,
    balancer: Arc<SimpleBalancer>,
}

impl AddrConn7443 {
    fn tear_down(&self) {
        let mut down = self.mu.lock();
        if let Some(d) = down.take() {
            d();
        }
    }

    fn reset_transport(&self) {
        let mut down = self.mu.lock();
        *down = Some(self.balancer.up(self.addr));
    }
}

/// etcd_7443's client connection: `conns` is `None` once closed.
struct ClientConn7443 {
    mu: RwMutex<Option<BTreeMap<i32, Arc<AddrConn7443>>>>,
    balancer: Arc<SimpleBalancer>,
}

impl ClientConn7443 {
    fn dial(balancer: Arc<SimpleBalancer>) -> Arc<ClientConn7443> {
        let cc = Arc::new(ClientConn7443 { mu: RwMutex::new(Some(BTreeMap::new())), balancer });
        let watcher = cc.clone();
        go(move || watcher.lb_watcher());
        cc
    }

    fn lb_watcher(self: &Arc<Self>) {
        for addrs in self.balancer.notify.1.clone() {
            let (mut add, mut del) = (Vec::new(), Vec::new());
            let mut conns = self.mu.write();
            for a in &addrs {
                if !conns.as_ref().is_some_and(|c| c.contains_key(a)) {
                    add.push(*a);
                }
            }
            if let Some(c) = conns.as_mut() {
                let gone: Vec<i32> = c.keys().copied().filter(|k| !addrs.contains(k)).collect();
                del.extend(gone.iter().filter_map(|k| c.remove(k)));
            }
            drop(conns);
            for a in add {
                self.reset_addr_conn(a);
            }
            for c in del {
                c.tear_down();
            }
        }
    }

    fn reset_addr_conn(&self, addr: i32) {
        let ac = Arc::new(AddrConn7443 { mu: Mutex::new(None), addr, balancer: self.balancer.clone() });
        {
            let mut conns = self.mu.write();
            let Some(c) = conns.as_mut() else { return };
            c.insert(addr, ac.clone());
        }
        go(move || ac.reset_transport());
    }

    fn close(&self) {
        let conns = self.mu.write().take();
        self.balancer.close();
        for ac in conns.into_iter().flat_map(BTreeMap::into_values) {
            ac.tear_down();
        }
    }
}

/// etcd #7443: the balancer's `Up` (and the `down` it returns) send on the one-slot `notifyCh`
/// while holding the balancer's mutex; once the slot is full and `lbWatcher`, the only
/// reader, is tearing down a connection whose `down` needs that mutex, nobody drains it, and
/// the balancer's `Close`, which the test waits for, blocks on the mutex.
fn etcd_7443_bug() {
    let sb = SimpleBalancer::new();
    let conn = ClientConn7443::dial(sb.clone());
    let (closec_tx, closec_rx) = chan::<()>(0);
    go(move || {
        sb.close();
        closec_tx.close();
    });
    go(move || conn.close());
    closec_rx.recv();
}

// ---------------------------------------------------------------------------------------

/// serving_2137's breaker: one token in `pending` per admitted request, one in `active` per
/// running one.
struct Breaker {
    pending: (Sender<()>, Receiver<()>),
    active: (Sender<()>, Receiver<()>),
}

impl Breaker {
    fn new(queue_depth: usize, max_concurrency: usize) -> Breaker {
        Breaker { pending: chan(queue_depth + max_concurrency), active: chan(max_concurrency) }
    }

    fn maybe(&self, thunk: impl FnOnce()) -> bool {
        select! {
            send(self.pending.0, ()) => {
                self.active.0.send(());
                thunk();
                self.active.1.recv();
                self.pending.1.recv();
                true
            },
            default => false,
        }
    }
}

/// A request of serving_2137's test: its thunk blocks on `lock` until the test unlocks it.
struct Request2137 {
    lock: Arc<Mutex<()>>,
    accepted: (Sender<bool>, Receiver<bool>),
}

/// The fixed test's wait after starting a request: until it is in the queue it should reach,
/// or until it reports that it was rejected.
enum Expectation {
    Queue(Sender<()>, usize),
    Rejected,
}

fn serving_2137_run(fixed: bool) {
    let b = Arc::new(Breaker::new(1, 1));
    // The requests' locks are made up front so that the body can hold their guards; making a
    // lock is not a scheduling point.
    let requests: Vec<Request2137> =
        (0..2).map(|_| Request2137 { lock: Arc::new(Mutex::new(())), accepted: chan(1) }).collect();
    let mut guards = Vec::new();
    // concurrentRequests(2)
    for r in &requests {
        if !fixed {
            goweave::yield_now(); // runtime.Gosched
        }
        guards.push(r.lock.lock());
        let expectation = if !fixed {
            None
        } else if b.active.0.len() < b.active.0.cap() {
            Some(Expectation::Queue(b.active.0.clone(), b.active.0.len() + 1))
        } else if b.pending.0.len() < b.pending.0.cap() {
            Some(Expectation::Queue(b.pending.0.clone(), b.pending.0.len() + 1))
        } else {
            Some(Expectation::Rejected)
        };
        let start = WaitGroup::new();
        start.add(1);
        let (b, lock, accepted, s) = (b.clone(), r.lock.clone(), r.accepted.0.clone(), start.clone());
        go(move || {
            s.done();
            let ok = b.maybe(|| drop(lock.lock()));
            accepted.send(ok);
        });
        start.wait();
        match expectation {
            None => {}
            Some(Expectation::Queue(queue, size)) => {
                // waitForQueue polls every millisecond. Its 100 ms timeout (a panic) is left
                // out: in virtual time a timeout can beat any amount of work, so it would fire
                // while the request is merely not scheduled yet; a request that never arrives
                // still fails, as nontermination.
                while queue.len() != size {
                    time::sleep(Duration::from_millis(1));
                }
            }
            Some(Expectation::Rejected) => {
                let ok = r.accepted.1.recv().expect("never closed");
                r.accepted.0.send(ok);
            }
        }
    }
    // unlockAll
    for (r, g) in requests.iter().zip(guards) {
        drop(g);
        let ok = r.accepted.1.recv().expect("never closed");
        r.accepted.0.send(ok);
    }
}

/// Knative Serving #2137: the test starts two requests on a breaker with one active slot and
/// assumes the first takes it; when the second does, its thunk waits for its lock, which the
/// test only unlocks after the first request, queued behind it, has answered.
fn serving_2137_bug() {
    serving_2137_run(false)
}

/// Knative Serving #2137, fixed (the test before the change that introduced the bug): after
/// starting each request the test waits until it has reached the queue it should be in.
fn serving_2137_fixed_body() {
    serving_2137_run(true)
}

// ---------------------------------------------------------------------------------------

/// kubernetes_26980's listener: its pending notifications under `lock`, and `cond` on that
/// lock. Go's `lock` is a RWMutex used only through Lock/Unlock (it is also the Cond's
/// Locker), so it is a Mutex here.
struct ProcessorListener {
    lock: Mutex<Vec<i32>>,
    cond: Cond,
}

impl ProcessorListener {
    fn add(&self, notification: i32) {
        let mut pending = self.lock.lock();
        pending.push(notification);
        self.cond.broadcast();
    }

    fn pop(&self, stop: Receiver<()>, release_before_select: bool) {
        let mut pending = self.lock.lock();
        while pending.is_empty() {
            select! {
                recv(stop) -> _ => return,
                default => {},
            }
            pending = self.cond.wait(pending);
        }
        if release_before_select {
            drop(pending);
        }
        // A select whose only case is the stop channel, which returns.
        stop.recv();
    }
}

fn kubernetes_26980_run(fixed: bool) {
    // Leaked so that the guard taken by one task can be released by the body, as in the Go
    // test.
    let pl: &'static ProcessorListener =
        Box::leak(Box::new(ProcessorListener { lock: Mutex::new(Vec::new()), cond: Cond::new() }));
    let (stop_tx, stop_rx) = chan::<()>(0);
    pl.add(1);
    go(move || pl.pop(stop_rx, fixed));
    let (result_tx, result_rx) = chan::<()>(0);
    // The guard the task takes; the channel close orders its hand-over.
    let held = Arc::new(std::sync::Mutex::new(None));
    let h = held.clone();
    go(move || {
        let g = pl.lock.lock();
        *h.lock().unwrap() = Some(g);
        result_tx.close();
    });
    result_rx.recv();
    drop(held.lock().unwrap().take()); // pl.lock.Unlock()
    stop_tx.close(); // deferred
}

/// Kubernetes #26980: `pop` holds the listener's lock while it waits on the stop channel,
/// which the test closes only after it got that lock in another task.
fn kubernetes_26980_bug() {
    kubernetes_26980_run(false)
}

/// Kubernetes #26980, fixed: `pop` holds the lock only while it looks at the pending
/// notifications, and releases it before waiting on the stop channel.
fn kubernetes_26980_fixed_body() {
    kubernetes_26980_run(true)
}

// ---------------------------------------------------------------------------------------

/// moby_28462's container: its lock and its health's `stop` channel.
struct Container28462 {
    lock: Mutex<()>,
    health_stop: Shared<Option<(Sender<()>, Receiver<()>)>>,
}

fn moby_28462_run(close_instead_of_send: bool) {
    let c = Arc::new(Container28462 { lock: Mutex::new(()), health_stop: Shared::new(Some(chan(0))) });
    // monitor, with the channel OpenMonitorChannel returns.
    let stop = c.health_stop.with(|s| s.as_ref().map(|s| s.1.clone())).expect("made above");
    let m = c.clone();
    go(move || loop {
        select! {
            recv(stop) -> _ => return,
            default => drop(m.lock.lock()), // handleProbeResult
        }
    });
    // StateChanged
    go(move || {
        let _g = c.lock.lock();
        // CloseMonitorChannel
        if close_instead_of_send {
            if let Some(s) = c.health_stop.with_mut(Option::take) {
                s.0.close();
            }
        } else if let Some(s) = c.health_stop.with(Clone::clone) {
            s.0.send(());
        }
    });
}

/// Moby #28462: `StateChanged` holds the container's lock while it sends on the health
/// monitor's unbuffered stop channel; the monitor, between two probes, waits for that lock
/// in `handleProbeResult` and never receives.
fn moby_28462_bug() {
    moby_28462_run(false)
}

/// Moby #28462, fixed: `CloseMonitorChannel` closes the stop channel (and clears it)
/// instead of sending on it, which never blocks.
fn moby_28462_fixed_body() {
    moby_28462_run(true)
}

// ---------------------------------------------------------------------------------------

#[test]
fn registry_lists_each_kernel_once_in_this_category() {
    let mut ids: Vec<&str> = KERNELS.iter().map(|k| k.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), KERNELS.len(), "duplicate kernel id");
    assert!(KERNELS.iter().all(|k| k.category == "mixed"));
}

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
