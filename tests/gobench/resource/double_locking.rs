//! Resource deadlocks: a task locks a mutex it already holds, or never unlocks it.

use super::*;

/// gRPC #795: `GracefulStop` returns with the server mutex still held, so a
/// second call locks it again and the caller blocks on itself. Fix: unlock
/// on every path (a repeated stop returns at once).
pub(super) fn grpc_795_bug() {
    grpc_795_run(false)
}

pub(super) fn grpc_795_fix() {
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
pub(super) fn etcd_10492_bug() {
    etcd_10492_run(false)
}

pub(super) fn etcd_10492_fix() {
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
pub(super) fn etcd_6708_bug() {
    etcd_6708_run(false)
}

pub(super) fn etcd_6708_fix() {
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
pub(super) fn etcd_5509_bug() {
    etcd_5509_run(false)
}

pub(super) fn etcd_5509_fix() {
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
pub(super) fn cockroach_9935_bug() {
    cockroach_9935_run(false)
}

pub(super) fn cockroach_9935_fix() {
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
pub(super) fn cockroach_584_bug() {
    cockroach_584_run(false)
}

pub(super) fn cockroach_584_fix() {
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
pub(super) fn syncthing_4829_bug() {
    syncthing_4829_run(false)
}

pub(super) fn syncthing_4829_fix() {
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
pub(super) fn moby_36114_bug() {
    moby_36114_run(false)
}

pub(super) fn moby_36114_fix() {
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
pub(super) fn moby_17176_bug() {
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
pub(super) fn moby_7559_bug() {
    moby_7559_run(false)
}

pub(super) fn moby_7559_fix() {
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
