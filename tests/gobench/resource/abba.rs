//! Resource deadlocks: two tasks take two locks in opposite orders (AB-BA).

use super::*;

/// CockroachDB #10214: `sendQueuedHeartbeats` holds `coalescedMu` and takes
/// each replica's `raftMu`; `tick` holds `raftMu` (then `mu`) and takes
/// `coalescedMu`. Fix: copy the queued heartbeats and release `coalescedMu`
/// before reporting to the replicas.
pub(super) fn cockroach_10214_bug() {
    cockroach_10214_run(false)
}

pub(super) fn cockroach_10214_fix() {
    cockroach_10214_run(true)
}

struct Replica10214 {
    raft_mu: Mutex<()>,
    mu: Mutex<()>,
    coalesced: Arc<Mutex<Vec<i32>>>,
}

fn cockroach_10214_run(fixed: bool) {
    let coalesced = Arc::new(Mutex::new(vec![1, 2]));
    let replica = || {
        Arc::new(Replica10214 { raft_mu: Mutex::new(()), mu: Mutex::new(()), coalesced: coalesced.clone() })
    };
    let replicas = Arc::new([replica(), replica()]);
    let (rs, c) = (replicas.clone(), coalesced.clone());
    goweave::go(move || {
        // sendQueuedHeartbeats
        let g = c.lock();
        let responses = g.len();
        let _held = if fixed {
            drop(g);
            None
        } else {
            Some(g)
        };
        for _ in 0..responses {
            for r in rs.iter() {
                drop(r.raft_mu.lock()); // reportUnreachable
            }
        }
    });
    goweave::go(move || {
        // rp1.tick
        let r = &replicas[0];
        let _raft = r.raft_mu.lock();
        let _mu = r.mu.lock();
        for _ in 0..2 {
            drop(r.coalesced.lock()); // maybeCoalesceHeartbeat
        }
    });
}

/// Moby #4951: `DeleteDevice` holds the device-set lock, takes the device's
/// lock, then drops and retakes the set lock while waiting for removal; a
/// second deletion of the same device takes the set lock in that window and
/// waits for the device lock. Fix: take the device lock first, then the set
/// lock (looking the device up under its own short hold of the set lock).
pub(super) fn moby_4951_bug() {
    moby_4951_run(false)
}

pub(super) fn moby_4951_fix() {
    moby_4951_run(true)
}

fn moby_4951_run(fixed: bool) {
    let devices = Arc::new(Mutex::new(BTreeMap::from([
        ("info1", Arc::new(Mutex::new(()))),
        ("info2", Arc::new(Mutex::new(()))),
    ])));
    for _ in 0..2 {
        let devices = devices.clone();
        goweave::go(move || {
            if fixed {
                let info = devices.lock()["info1"].clone();
                let _info = info.lock();
                let g = devices.lock();
                drop(g); // removeDeviceAndWait
                goweave::time::sleep(Duration::from_nanos(300));
                let _g = devices.lock();
            } else {
                let g = devices.lock();
                let info = g["info1"].clone();
                let _info = info.lock();
                drop(g); // removeDeviceAndWait
                goweave::time::sleep(Duration::from_nanos(300));
                let _g = devices.lock();
            }
        });
    }
}

/// Hugo #3251: `URLLock` blocks on a URL's mutex while holding the map's
/// write lock, and `URLUnlock` needs the map's read lock to release the URL
/// mutex: a holder of the URL mutex and a writer waiting for it block each
/// other. Fix: release the map lock before locking the URL mutex. Scaled
/// from 50 goroutines x 10 fetches to 3 x 2 (two rounds, as upstream).
pub(super) fn hugo_3251_bug() {
    hugo_3251_run(false)
}

pub(super) fn hugo_3251_fix() {
    hugo_3251_run(true)
}

/// hugo's `remoteURLLock`: one mutex per URL, in a map under a read-write lock.
type UrlLocks = RwMutex<BTreeMap<&'static str, Arc<Mutex<()>>>>;

fn hugo_3251_run(fixed: bool) {
    let url = "http://Foo.Bar/foo_Bar-Foo";
    let locks: Arc<UrlLocks> = Arc::new(RwMutex::new(BTreeMap::new()));
    for _round in 0..2 {
        let wg = WaitGroup::new();
        for _ in 0..3 {
            wg.add(1);
            let (wg, locks) = (wg.clone(), locks.clone());
            goweave::go(move || {
                for _ in 0..2 {
                    // URLLock
                    let mut w = locks.write();
                    let m = w.entry(url).or_default().clone();
                    let held = if fixed {
                        drop(w);
                        m.lock()
                    } else {
                        let g = m.lock();
                        drop(w);
                        g
                    };
                    // URLUnlock
                    let r = locks.read();
                    drop(held);
                    drop(r);
                    goweave::time::sleep(Duration::from_nanos(300));
                }
                wg.done();
            });
        }
        wg.wait();
    }
}

/// Kubernetes #13135: the cacher's `startCaching` locks the cacher and then
/// the watch cache (its `Replace` callback unlocks the cacher), while a
/// watch-cache `Add` locks the watch cache and then, in its event callback,
/// the cacher. After the first round, a second `startCaching` and an `Add`
/// lock in opposite orders.
pub(super) fn kubernetes_13135_bug() {
    let stop: (goweave::chan::Sender<()>, goweave::chan::Receiver<()>) = goweave::chan(0);
    let (stop_tx, stop_rx) = stop;
    let cacher = Arc::new(Mutex::new(()));
    let watch_cache = Arc::new(RwMutex::new(()));
    let initialized = WaitGroup::new();
    let init_once = Arc::new(goweave::sync::Once::new());
    initialized.add(1);
    let (c, w, wg) = (cacher.clone(), watch_cache.clone(), initialized.clone());
    goweave::go(move || {
        // wait.Until(startCaching, 0, stopCh)
        loop {
            if !matches!(stop_rx.try_recv(), Err(goweave::TryRecvError::Empty)) {
                return;
            }
            // startCaching -> ListAndWatch -> syncWith -> Replace
            let held = c.lock();
            let _w = w.write();
            // onReplace: mark initialized, then unlock the cacher
            init_once.call_once(|| wg.done());
            drop(held);
            drop(_w);
            goweave::time::sleep(Duration::ZERO);
            goweave::yield_now(); // Go preempts a spinning goroutine; goweave needs the hint
        }
    });
    initialized.wait();
    goweave::go(move || {
        // watchCache.Add -> processEvent -> onEvent = cacher.processEvent
        let _w = watch_cache.write();
        drop(cacher.lock());
    });
    goweave::go(move || stop_tx.close());
}

/// CockroachDB #7504: `AcquireByName` locks the table-name cache, then a
/// lease; `Release` locks the table state, then the lease, then (removing
/// it) the name cache: the name cache and the lease are taken in opposite
/// orders, and the test's two tasks deadlock. The kernel gives no fix.
pub(super) fn cockroach_7504_bug() {
    let leases: Vec<Arc<LeaseState7504>> =
        (0..2).map(|_| Arc::new(LeaseState7504 { mu: Mutex::new(()), id: 0 })).collect();
    let names = Arc::new(TableNameCache7504 {
        tables: Mutex::new(leases.iter().enumerate().map(|(i, l)| (i, l.clone())).collect()),
    });
    let table = Arc::new(TableState7504 { names: names.clone(), active: Mutex::new(leases.clone()) });
    let wg = WaitGroup::new();
    wg.add(2);
    let w = wg.clone();
    goweave::go(move || {
        names.get(0); // AcquireByName: name cache, then lease
        w.done();
    });
    let w = wg.clone();
    goweave::go(move || {
        table.release(&leases[0]); // Release: lease, then name cache
        w.done();
    });
    wg.wait();
}

/// A lease; every lease of the kernel has id 0 (`LeaseSet.insert`, which
/// numbers them, is never called).
struct LeaseState7504 {
    mu: Mutex<()>,
    id: usize,
}

/// `tableNameCache`: its map guarded by its mutex.
struct TableNameCache7504 {
    tables: Mutex<BTreeMap<usize, Arc<LeaseState7504>>>,
}

impl TableNameCache7504 {
    fn get(&self, id: usize) {
        let tables = self.tables.lock();
        let Some(lease) = tables.get(&id) else { return };
        let _lease = lease.mu.lock();
    }

    fn remove(&self, lease: &Arc<LeaseState7504>) {
        let mut tables = self.tables.lock();
        let key = lease.id;
        if tables.get(&key).is_some_and(|existing| Arc::ptr_eq(existing, lease)) {
            tables.remove(&key);
        }
    }
}

/// `tableState`: its active leases guarded by its mutex.
struct TableState7504 {
    names: Arc<TableNameCache7504>,
    active: Mutex<Vec<Arc<LeaseState7504>>>,
}

impl TableState7504 {
    fn release(&self, lease: &Arc<LeaseState7504>) {
        let mut active = self.active.lock();
        let s = active[lease.id].clone();
        let _lease = s.mu.lock();
        // removeLease
        active.retain(|l| !Arc::ptr_eq(l, &s));
        self.names.remove(&s);
    }
}

/// Kubernetes #30872: the federated informer's controller loop pops from
/// its FIFO under the FIFO's lock and its handler then takes the informer's
/// lock (`addCluster`), while the namespace controller's handler checks
/// `ClustersSynced` under the informer's lock, which asks the FIFO under the
/// FIFO's lock: the two locks are taken in opposite orders. In Go both
/// tasks (and the one that stops the informer, which needs its lock too)
/// are left blocked after the test returns; goweave reports the lock cycle
/// as a deadlock as soon as it closes. The kernel gives no fix.
pub(super) fn kubernetes_30872_bug() {
    let informer = Arc::new(FederatedInformer30872 { lock: Mutex::new(None), fifo: Mutex::new(()) });
    let (stop_tx, stop) = goweave::chan::<()>(0);
    // NamespaceController.Run
    informer.start();
    let i = informer.clone();
    goweave::go(move || {
        stop.recv();
        i.stop();
    });
    let i = informer.clone();
    goweave::go(move || i.clusters_synced()); // the deliverer's handler: reconcileNamespace
    stop_tx.close();
}

/// `federatedInformerImpl`: its lock guards the cluster informer's stop
/// channel; `fifo` is the cluster informer's `DeltaFIFO` lock.
struct FederatedInformer30872 {
    lock: Mutex<Option<Sender<()>>>,
    fifo: Mutex<()>,
}

impl FederatedInformer30872 {
    fn start(self: &Arc<Self>) {
        let mut stop_chan = self.lock.lock();
        let (tx, stop) = goweave::chan::<()>(0);
        *stop_chan = Some(tx);
        let i = self.clone();
        // Controller.Run: Until(processLoop, stopCh), a loop that checks
        // its stop channel without blocking.
        goweave::go(move || loop {
            goweave::select! {
                recv(stop) -> _ => return,
                default => {},
            }
            // processLoop: DeltaFIFO.Pop runs the handler under the FIFO's
            // lock; the handler's OnAdd is addCluster.
            let _fifo = i.fifo.lock();
            let _informer = i.lock.lock();
        });
    }

    fn stop(&self) {
        let stop_chan = self.lock.lock();
        stop_chan.as_ref().expect("started").close();
    }

    fn clusters_synced(&self) {
        let _informer = self.lock.lock();
        let _fifo = self.fifo.lock(); // controller.HasSynced -> DeltaFIFO.HasSynced
    }
}
