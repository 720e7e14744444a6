//! Data races, the kernels ported later.

use super::*;

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
pub(super) fn etcd_8194_bug() {
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
pub(super) fn grpc_3090_bug() {
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
pub(super) fn kubernetes_81091_bug() {
    kubernetes_81091_run(FilterCount::Plain(Shared::new(0)))
}

/// Kubernetes #81091, fixed: the counter is incremented atomically.
pub(super) fn kubernetes_81091_fixed_body() {
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
pub(super) fn istio_16742_bug() {
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
pub(super) fn grpc_1748_bug() {
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
pub(super) fn kubernetes_88331_bug() {
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
pub(super) fn kubernetes_79631_bug() {
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
pub(super) fn kubernetes_81148_bug() {
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
pub(super) fn kubernetes_82239_bug() {
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
pub(super) fn kubernetes_49404_bug() {
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
pub(super) fn serving_3148_bug() {
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

/// Istio #8214: two requests go through the gRPC server's cache; `Set`
/// raises the LRU cache's write count with `atomic.AddUint64`, then
/// `recordStats` copies the stats plainly, unordered with the other
/// request's atomic add: a data race between an atomic and a plain access
/// to one counter. Fix: `Stats` loads the counters atomically.
pub(super) fn istio_8214_bug() {
    istio_8214_run(false)
}

pub(super) fn istio_8214_fixed_body() {
    istio_8214_run(true)
}

/// The LRU cache: its stats are Go's `Stats{Writes uint64}`.
struct LruCache8214 {
    writes: Shared<u64>,
    atomic_stats: bool,
}

impl LruCache8214 {
    /// `Cache.Set`: `SetWithExpiration`, then `recordStats`.
    fn set(&self) {
        self.writes.atomic_add(1);
        let _stats = if self.atomic_stats { self.writes.atomic_load() } else { self.writes.get() };
    }
}

fn istio_8214_run(fixed: bool) {
    let wg = WaitGroup::new();
    wg.add(3);
    let w = wg.clone();
    go(move || {
        let cache = Arc::new(LruCache8214 { writes: Shared::new(0), atomic_stats: fixed });
        for _ in 0..2 {
            let (c, w) = (cache.clone(), w.clone());
            go(move || {
                c.set(); // grpcServer.Check
                w.done();
            });
        }
        w.done();
    });
    wg.wait();
}

// ---------------------------------------------------------------------------------------

/// Knative Serving #6472: `IsReady` queues an ingress state's work items and
/// only then raises the state's pending count plainly; a prober worker may
/// already have taken the item and lowered the count with
/// `atomic.AddInt32`, unordered with the plain update: a data race. GoBench
/// does not describe the upstream fix, so none is written here.
pub(super) fn serving_6472_bug() {
    // NewProber: a rate-limited queue (its condition variable's lock guards
    // it) holding one work item.
    let queue: Arc<Mutex<Vec<WorkItem6472>>> = Arc::new(Mutex::new(Vec::new()));
    queue.lock().push(WorkItem6472 { ingress_state: Arc::new(Shared::new(0)) });
    // Start: two workers, and a goroutine that closes `cancelled` after them.
    let wg = WaitGroup::new();
    for _ in 0..2 {
        wg.add(1);
        let (q, w) = (queue.clone(), wg.clone());
        go(move || {
            // processWorkItem
            let item = {
                let mut q = q.lock();
                (!q.is_empty()).then(|| q.remove(0))
            };
            if let Some(item) = item {
                // updateStates
                let _drained = item.ingress_state.atomic_add(-1) == 0; // nothing done on it
            }
            w.done();
        });
    }
    let (cancelled_tx, cancelled) = chan::<()>(0);
    go(move || {
        wg.wait();
        cancelled_tx.close();
    });
    // IsReady: one ingress state, one work item.
    let ingress_state = Arc::new(Shared::new(0i32));
    let work_items = BTreeMap::from([("0", vec![WorkItem6472 { ingress_state: ingress_state.clone() }])]);
    let pending = work_items.len() as i32;
    for items in work_items.into_values() {
        for wi in items {
            queue.lock().push(wi);
        }
    }
    ingress_state.with_mut(|count| *count += pending);
    time::sleep(Duration::from_millis(1));
    // the test's deferred function
    cancelled.recv();
}

/// A work item: the ingress state it probes for.
struct WorkItem6472 {
    ingress_state: Arc<Shared<i32>>,
}
