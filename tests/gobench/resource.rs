//! GoKer blocking kernels, resource deadlocks: double locking, AB-BA lock
//! inversions and recursive read locks behind a waiting writer (RWR).
//!
//! Each kernel is a pair of plain functions, `<id>_bug` and (where the
//! upstream fix is known) `<id>_fix`, run by the tests `<id>` and
//! `<id>_fixed` and listed in [`KERNELS`] for the detection table.
//!
//! Go's "missing Unlock" is `std::mem::forget` of the guard: the lock stays
//! held and nobody can release it. Go's `rand` is [`coin`], a choice the
//! scheduler explores. Loop counts of hundreds or thousands are scaled down
//! (noted at each kernel): the bug needs only the first iterations.
//!
//! Not expressible: none of the kernels in this file.
//!
//! Not detected with default settings: none. (`kubernetes_13135` and the
//! fixed `etcd_5509` spin; they pass since exhaustive search switches away
//! after `yield_now` or a long run, as Go's scheduler does.)

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use goweave::context::{CancelFunc, Context};
use goweave::sync::{Mutex, RwMutex, WaitGroup};
use goweave::FailureKind;

use super::kernel::{coin, Kernel};

/// Every kernel of this file, for the detection table. A task that locks
/// a mutex it holds, after the body returned, is a `Deadlock` (a cycle of
/// one task), not a leak.
#[allow(dead_code)] // read by benchmarks/gobench.rs, not by the tests
pub const KERNELS: &[Kernel] = &[
    k("grpc_795", DOUBLE, FailureKind::Deadlock, grpc_795_bug, Some(grpc_795_fix)),
    k("etcd_10492", DOUBLE, FailureKind::Deadlock, etcd_10492_bug, Some(etcd_10492_fix)),
    k("etcd_6708", DOUBLE, FailureKind::Deadlock, etcd_6708_bug, Some(etcd_6708_fix)),
    k("etcd_5509", DOUBLE, FailureKind::Deadlock, etcd_5509_bug, Some(etcd_5509_fix)),
    k("cockroach_9935", DOUBLE, FailureKind::Deadlock, cockroach_9935_bug, Some(cockroach_9935_fix)),
    k("cockroach_584", DOUBLE, FailureKind::Deadlock, cockroach_584_bug, Some(cockroach_584_fix)),
    k("syncthing_4829", DOUBLE, FailureKind::Deadlock, syncthing_4829_bug, Some(syncthing_4829_fix)),
    k("moby_36114", DOUBLE, FailureKind::Deadlock, moby_36114_bug, Some(moby_36114_fix)),
    k("moby_17176", DOUBLE, FailureKind::Leak, moby_17176_bug, None),
    k("moby_7559", DOUBLE, FailureKind::Deadlock, moby_7559_bug, Some(moby_7559_fix)),
    k("cockroach_10214", ABBA, FailureKind::Deadlock, cockroach_10214_bug, Some(cockroach_10214_fix)),
    k("moby_4951", ABBA, FailureKind::Deadlock, moby_4951_bug, Some(moby_4951_fix)),
    k("hugo_3251", ABBA, FailureKind::Deadlock, hugo_3251_bug, Some(hugo_3251_fix)),
    k("kubernetes_13135", ABBA, FailureKind::Deadlock, kubernetes_13135_bug, None),
    k("cockroach_6181", RWR, FailureKind::Deadlock, cockroach_6181_bug, Some(cockroach_6181_fix)),
    k("cockroach_16167", RWR, FailureKind::Deadlock, cockroach_16167_bug, Some(cockroach_16167_fix)),
    k("cockroach_3710", RWR, FailureKind::Deadlock, cockroach_3710_bug, Some(cockroach_3710_fix)),
    k("kubernetes_62464", RWR, FailureKind::Deadlock, kubernetes_62464_bug, Some(kubernetes_62464_fix)),
    k("kubernetes_58107", RWR, FailureKind::Leak, kubernetes_58107_bug, None),
];

const DOUBLE: &str = "double locking";
const ABBA: &str = "AB-BA";
const RWR: &str = "RWR";

const fn k(
    id: &'static str,
    sub: &'static str,
    expect: FailureKind,
    bug: fn(),
    fixed: Option<fn()>,
) -> Kernel {
    Kernel { id, category: "resource", subcategory: sub, expect, bug, fixed }
}

// ------------------------------------------------------------ double locking

/// gRPC #795: `GracefulStop` returns with the server mutex still held, so a
/// second call locks it again and the caller blocks on itself. Fix: unlock
/// on every path (a repeated stop returns at once).
fn grpc_795_bug() {
    grpc_795_run(false)
}

fn grpc_795_fix() {
    grpc_795_run(true)
}

fn grpc_795_run(fixed: bool) {
    let drain = Arc::new(Mutex::new(false));
    let d = drain.clone();
    goweave::go(move || drop(d.lock())); // Serve
    for _ in 0..3 {
        let mut g = drain.lock();
        if *g {
            // The buggy version locks a second time here.
            if !fixed {
                std::mem::forget(drain.lock());
            }
            continue;
        }
        *g = true;
        if !fixed {
            std::mem::forget(g); // the missing Unlock
        }
    }
}

/// etcd #10492: `Renew` holds the lessor lock while it calls the
/// checkpointer, which takes the same lock. Fix: release the lock before
/// calling out.
fn etcd_10492_bug() {
    etcd_10492_run(false)
}

fn etcd_10492_fix() {
    etcd_10492_run(true)
}

type Checkpointer = Arc<dyn Fn() + Send + Sync>;

fn etcd_10492_run(fixed: bool) {
    let le: Arc<RwMutex<Option<Checkpointer>>> = Arc::new(RwMutex::new(None));
    let l = le.clone();
    let checkpoint: Checkpointer = Arc::new(move || drop(l.write()));
    *le.write() = Some(checkpoint); // SetCheckpointer
    drop(le.write());
    // Renew
    let g = le.write();
    let cp = g.clone();
    if fixed {
        drop(g);
    }
    if let Some(cp) = cp {
        cp();
    }
}

/// etcd #6708: `Sync` write-locks the cluster client and, in
/// leader-priority mode, asks the leader through the same client, whose `Do`
/// read-locks it. Fix: do not hold the client lock while asking the leader.
fn etcd_6708_bug() {
    etcd_6708_run(false)
}

fn etcd_6708_fix() {
    etcd_6708_run(true)
}

fn etcd_6708_run(fixed: bool) {
    let prioritize_leader = true;
    let client = RwMutex::new(prioritize_leader);
    let g = client.write(); // Sync
    let leader_mode = *g;
    if fixed {
        drop(g);
    }
    if leader_mode {
        drop(client.read()); // SetEndpoints -> getLeaderEndpoint -> Do
    }
}

/// etcd #5509: `acquire` returns `ErrConnClosed` without releasing its read
/// lock; `Close`, which drops and retakes the write lock, then blocks
/// forever. Fix: read-unlock before returning.
fn etcd_5509_bug() {
    etcd_5509_run(false)
}

fn etcd_5509_fix() {
    etcd_5509_run(true)
}

fn etcd_5509_run(fixed: bool) {
    let (_ctx, cancel) = Context::background().with_cancel();
    let client: Arc<RwMutex<Option<CancelFunc>>> = Arc::new(RwMutex::new(Some(cancel)));
    let remote = Arc::new(Mutex::new(()));
    let (done_tx, done) = goweave::chan::<()>(0);
    let c = client.clone();
    goweave::go(move || {
        // kv.Get -> remoteClient.acquire
        loop {
            let g = c.read();
            let closed = g.is_none();
            drop(remote.lock());
            if closed {
                if !fixed {
                    std::mem::forget(g); // the missing RUnlock
                }
                break;
            }
            drop(g);
            goweave::yield_now(); // Go preempts a spinning goroutine; goweave needs the hint
        }
        done_tx.close();
    });
    // Close
    let mut g = client.write();
    if let Some(cancel) = g.take() {
        cancel();
        drop(g);
        g = client.write();
    }
    drop(g);
    done.recv();
}

/// CockroachDB #9935: `outputLogEntry` holds the logging mutex when file
/// creation fails and calls `exit`, which locks it again. Fix: unlock
/// before `exit`.
fn cockroach_9935_bug() {
    cockroach_9935_run(false)
}

fn cockroach_9935_fix() {
    cockroach_9935_run(true)
}

fn cockroach_9935_run(fixed: bool) {
    let mu = Arc::new(Mutex::new(()));
    goweave::go(move || {
        let g = mu.lock();
        let create_failed = coin();
        if create_failed {
            if fixed {
                drop(g);
                drop(mu.lock()); // exit
            } else {
                let _again = mu.lock(); // exit, with the lock still held
                drop(g);
            }
        } else {
            drop(g);
        }
    });
}

/// CockroachDB #584: gossip's `bootstrap` leaves its loop on `closed`
/// without unlocking, and `manage`, on the same goroutine, locks again.
/// Fix: unlock before breaking out.
fn cockroach_584_bug() {
    cockroach_584_run(false)
}

fn cockroach_584_fix() {
    cockroach_584_run(true)
}

fn cockroach_584_run(fixed: bool) {
    let closed = Arc::new(Mutex::new(true));
    goweave::go(move || {
        for _phase in ["bootstrap", "manage"] {
            let g = closed.lock();
            if *g && !fixed {
                std::mem::forget(g); // the missing Unlock
            }
        }
    });
}

/// Syncthing #4829: `RemoveMapping` -> `clearAddresses` write-locks the
/// mapping and, with it held, calls `notify`, which read-locks it. Fix:
/// notify after unlocking.
fn syncthing_4829_bug() {
    syncthing_4829_run(false)
}

fn syncthing_4829_fix() {
    syncthing_4829_run(true)
}

fn syncthing_4829_run(fixed: bool) {
    let mapping = Arc::new(RwMutex::new(BTreeMap::from([("test", 0)])));
    let service = Mutex::new(vec![mapping.clone()]);
    let mappings = service.lock(); // RemoveMapping
    for m in mappings.iter().filter(|m| Arc::ptr_eq(m, &mapping)) {
        let mut g = m.write(); // clearAddresses
        let removed = std::mem::take(&mut *g);
        if fixed {
            drop(g);
            if !removed.is_empty() {
                drop(m.read()); // notify
            }
        } else {
            if !removed.is_empty() {
                drop(m.read()); // notify, under the write lock
            }
            drop(g);
        }
    }
}

/// Moby #36114: `hotAddVHDsAtStart` locks the service VM and calls
/// `hotRemoveVHDsAtStart`, which locks it again. Fix: the inner call expects
/// the lock held.
fn moby_36114_bug() {
    moby_36114_run(false)
}

fn moby_36114_fix() {
    moby_36114_run(true)
}

fn moby_36114_run(fixed: bool) {
    let svm = Arc::new(Mutex::new(()));
    goweave::go(move || {
        let _g = svm.lock();
        if !fixed {
            drop(svm.lock());
        }
    });
}

/// Moby #17176: `cleanupDeletedDevices` returns early without unlocking the
/// device set when nothing was deleted; the test's goroutine then blocks on
/// the lock after the test gives up waiting. The fix unlocks on the early
/// return, but the kernel's test still leaks its helper when the 1 ms timeout
/// wins (the helper's send on the unbuffered channel then has no receiver),
/// so there is no fixed variant that should pass.
fn moby_17176_bug() {
    let deleted = Arc::new(Mutex::new(0));
    let g = deleted.lock(); // cleanupDeletedDevices
    if *g == 0 {
        std::mem::forget(g); // the missing Unlock on the early return
    } else {
        drop(g);
    }
    let (done_tx, done) = goweave::chan::<bool>(0);
    let d = deleted.clone();
    goweave::go(move || {
        let _g = d.lock();
        done_tx.send(true);
    });
    goweave::select! {
        recv(goweave::time::after(Duration::from_millis(1))) -> _ => {},
        recv(done) -> _ => {},
    }
}

/// Moby #7559: the UDP proxy's loop `continue`s after a dial error without
/// releasing the connection-tracking lock, and the next iteration locks it
/// again. Fix: unlock before `continue`.
fn moby_7559_bug() {
    moby_7559_run(false)
}

fn moby_7559_fix() {
    moby_7559_run(true)
}

fn moby_7559_run(fixed: bool) {
    let conn_track = Arc::new(Mutex::new(()));
    goweave::go(move || {
        for i in 0..2 {
            let g = conn_track.lock();
            let dial_failed = true; // dialing a nil address always fails
            if dial_failed {
                if !fixed {
                    std::mem::forget(g);
                }
                continue;
            }
            if i == 0 {
                break;
            }
        }
    });
}

// -------------------------------------------------------------------- AB-BA

/// CockroachDB #10214: `sendQueuedHeartbeats` holds `coalescedMu` and takes
/// each replica's `raftMu`; `tick` holds `raftMu` (then `mu`) and takes
/// `coalescedMu`. Fix: copy the queued heartbeats and release `coalescedMu`
/// before reporting to the replicas.
fn cockroach_10214_bug() {
    cockroach_10214_run(false)
}

fn cockroach_10214_fix() {
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
fn moby_4951_bug() {
    moby_4951_run(false)
}

fn moby_4951_fix() {
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
fn hugo_3251_bug() {
    hugo_3251_run(false)
}

fn hugo_3251_fix() {
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
fn kubernetes_13135_bug() {
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

// ---------------------------------------------------------------------- RWR

/// CockroachDB #6181: `LookupRangeDescriptor` holds the cache's read lock
/// while formatting the cache, whose `String` read-locks it again; a lookup
/// on another goroutine that wants the write lock in between blocks the
/// second read lock, and each waits for the other. Fix: format with the
/// lock-free `stringLocked`.
fn cockroach_6181_bug() {
    cockroach_6181_run(false)
}

fn cockroach_6181_fix() {
    cockroach_6181_run(true)
}

fn cockroach_6181_run(fixed: bool) {
    let cache = Arc::new(RwMutex::new(()));
    goweave::go(move || {
        let wg = WaitGroup::new();
        for _ in 0..3 {
            wg.add(1);
            let (wg, cache) = (wg.clone(), cache.clone());
            goweave::go(move || {
                let r = cache.read();
                if !fixed {
                    drop(cache.read()); // String()
                }
                drop(r);
                drop(cache.write());
                wg.done();
            });
        }
        wg.wait();
    });
}

/// CockroachDB #16167: `execParsed` read-locks the system config (through
/// the condition variable's `RLocker`) and deeper in the call chain
/// `getDatabaseCache` read-locks it again; `updateSystemConfig`'s write lock
/// in between makes the second read wait forever. Fix: the inner call does
/// not lock again.
fn cockroach_16167_bug() {
    cockroach_16167_run(false)
}

fn cockroach_16167_fix() {
    cockroach_16167_run(true)
}

fn cockroach_16167_run(fixed: bool) {
    let system_config = Arc::new(RwMutex::new(()));
    let s = system_config.clone();
    goweave::go(move || drop(s.write())); // Start -> updateSystemConfig
    let _r = system_config.read(); // execParsed
    if !fixed {
        drop(system_config.read()); // ... -> getDatabaseCache
    }
}

/// CockroachDB #3710: `ForceRaftLogScanAndProcess` read-locks the store and,
/// for each replica, reaches `RaftStatus`, which read-locks it again;
/// `processRaft`'s writer in between blocks that second read lock. Fix:
/// collect the replicas under the read lock and process them after
/// releasing it.
fn cockroach_3710_bug() {
    cockroach_3710_run(false)
}

fn cockroach_3710_fix() {
    cockroach_3710_run(true)
}

fn cockroach_3710_run(fixed: bool) {
    let store = Arc::new(RwMutex::new(vec![1, 2]));
    let queue = Arc::new(Mutex::new(()));
    let s = store.clone();
    goweave::go(move || {
        // ForceRaftLogScanAndProcess
        let r = s.read();
        let replicas = r.clone();
        let _held = if fixed {
            drop(r);
            None
        } else {
            Some(r)
        };
        for _ in replicas {
            let _q = queue.lock(); // MaybeAdd
            drop(s.read()); // shouldQueue -> RaftStatus
        }
    });
    goweave::go(move || {
        // processRaft
        goweave::go(move || {
            let g = store.write();
            let _replicas = g.clone();
        });
    });
}

/// Kubernetes #62464: `GetCPUSetOrDefault` read-locks the CPU state and
/// calls `GetCPUSet` (and maybe `GetDefaultCPUSet`), which read-lock it
/// again; `RemoveContainer`'s `SetDefaultCPUSet` write lock in between
/// blocks the inner read. Fix: the outer method calls lock-free helpers.
fn kubernetes_62464_bug() {
    kubernetes_62464_run(false)
}

fn kubernetes_62464_fix() {
    kubernetes_62464_run(true)
}

fn kubernetes_62464_run(fixed: bool) {
    let state = Arc::new(RwMutex::new(()));
    let s = state.clone();
    goweave::go(move || {
        // reconcileState -> GetCPUSetOrDefault
        let _r = s.read();
        let inner = || {
            if !fixed {
                drop(s.read());
            }
        };
        inner(); // GetCPUSet
        if !coin() {
            inner(); // GetDefaultCPUSet
        }
    });
    goweave::go(move || {
        // RemoveContainer
        drop(state.read()); // GetDefaultCPUSet
        drop(state.write()); // SetDefaultCPUSet
    });
}

/// Kubernetes #58107: the quota controller's workers hold the worker read
/// lock while they wait on their queue's condition variable; the periodic
/// sync's write lock then queues behind them, and a worker of the other
/// queue blocks on its read lock. Once the signals stop, all three wait
/// forever. Scaled from 100,000 signals and syncs to 3. The upstream fix
/// reworks the queues; the kernel has no fixed variant.
fn kubernetes_58107_bug() {
    let worker_lock = Arc::new(RwMutex::new(()));
    let queue = || Arc::new((Mutex::new(()), goweave::sync::Cond::new()));
    let queues = [queue(), queue()];
    let (wl, qs) = (worker_lock.clone(), queues.clone());
    goweave::go(move || {
        // Run
        for q in qs {
            let wl = wl.clone();
            goweave::go(move || {
                // worker: one Get under the read lock
                let _r = wl.read();
                let g = q.0.lock();
                drop(q.1.wait(g));
            });
        }
    });
    goweave::go(move || {
        // Sync
        for _ in 0..3 {
            let _w = worker_lock.write();
            goweave::time::sleep(Duration::from_nanos(1));
        }
    });
    // HelperSignals
    for _ in 0..3 {
        for q in &queues {
            q.1.signal();
        }
    }
}

// -------------------------------------------------------------------- tests

#[goweave::concurrency_test(expect = "deadlock")]
fn grpc_795() {
    grpc_795_bug()
}

#[goweave::concurrency_test]
fn grpc_795_fixed() {
    grpc_795_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn etcd_10492() {
    etcd_10492_bug()
}

#[goweave::concurrency_test]
fn etcd_10492_fixed() {
    etcd_10492_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn etcd_6708() {
    etcd_6708_bug()
}

#[goweave::concurrency_test]
fn etcd_6708_fixed() {
    etcd_6708_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn etcd_5509() {
    etcd_5509_bug()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn cockroach_9935() {
    cockroach_9935_bug()
}

#[goweave::concurrency_test]
fn cockroach_9935_fixed() {
    cockroach_9935_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn cockroach_584() {
    cockroach_584_bug()
}

#[goweave::concurrency_test]
fn cockroach_584_fixed() {
    cockroach_584_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn syncthing_4829() {
    syncthing_4829_bug()
}

#[goweave::concurrency_test]
fn syncthing_4829_fixed() {
    syncthing_4829_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn moby_36114() {
    moby_36114_bug()
}

#[goweave::concurrency_test]
fn moby_36114_fixed() {
    moby_36114_fix()
}

#[goweave::concurrency_test(expect = "leak")]
fn moby_17176() {
    moby_17176_bug()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn moby_7559() {
    moby_7559_bug()
}

#[goweave::concurrency_test]
fn moby_7559_fixed() {
    moby_7559_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn cockroach_10214() {
    cockroach_10214_bug()
}

#[goweave::concurrency_test]
fn cockroach_10214_fixed() {
    cockroach_10214_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn moby_4951() {
    moby_4951_bug()
}

#[goweave::concurrency_test]
fn moby_4951_fixed() {
    moby_4951_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn hugo_3251() {
    hugo_3251_bug()
}

#[goweave::concurrency_test]
fn hugo_3251_fixed() {
    hugo_3251_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn cockroach_6181() {
    cockroach_6181_bug()
}

#[goweave::concurrency_test]
fn cockroach_6181_fixed() {
    cockroach_6181_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn cockroach_16167() {
    cockroach_16167_bug()
}

#[goweave::concurrency_test]
fn cockroach_16167_fixed() {
    cockroach_16167_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn cockroach_3710() {
    cockroach_3710_bug()
}

#[goweave::concurrency_test]
fn cockroach_3710_fixed() {
    cockroach_3710_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn kubernetes_62464() {
    kubernetes_62464_bug()
}

#[goweave::concurrency_test]
fn kubernetes_62464_fixed() {
    kubernetes_62464_fix()
}

#[goweave::concurrency_test(expect = "leak")]
fn kubernetes_58107() {
    kubernetes_58107_bug()
}

#[goweave::concurrency_test]
fn etcd_5509_fixed() {
    etcd_5509_fix()
}

#[goweave::concurrency_test(expect = "deadlock")]
fn kubernetes_13135() {
    kubernetes_13135_bug()
}
