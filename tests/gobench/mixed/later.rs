//! Mixed deadlocks, the kernels ported later.

use super::*;

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
pub(super) fn etcd_7492_bug() {
    etcd_7492_run(false)
}

/// etcd #7492, fixed: no channel; the keeper guards its tokens with its own mutex, taken
/// before `simpleTokensMu` on both paths.
pub(super) fn etcd_7492_fixed_body() {
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
pub(super) fn etcd_7443_bug() {
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
pub(super) fn serving_2137_bug() {
    serving_2137_run(false)
}

/// Knative Serving #2137, fixed (the test before the change that introduced the bug): after
/// starting each request the test waits until it has reached the queue it should be in.
pub(super) fn serving_2137_fixed_body() {
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
pub(super) fn kubernetes_26980_bug() {
    kubernetes_26980_run(false)
}

/// Kubernetes #26980, fixed: `pop` holds the lock only while it looks at the pending
/// notifications, and releases it before waiting on the stop channel.
pub(super) fn kubernetes_26980_fixed_body() {
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
pub(super) fn moby_28462_bug() {
    moby_28462_run(false)
}

/// Moby #28462, fixed: `CloseMonitorChannel` closes the stop channel (and clears it)
/// instead of sending on it, which never blocks.
pub(super) fn moby_28462_fixed_body() {
    moby_28462_run(true)
}
