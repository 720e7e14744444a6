//! Resource deadlocks: a read lock taken again while a writer waits (RWR).

use super::*;

/// CockroachDB #6181: `LookupRangeDescriptor` holds the cache's read lock
/// while formatting the cache, whose `String` read-locks it again; a lookup
/// on another goroutine that wants the write lock in between blocks the
/// second read lock, and each waits for the other. Fix: format with the
/// lock-free `stringLocked`.
pub(super) fn cockroach_6181_bug() {
    cockroach_6181_run(false)
}

pub(super) fn cockroach_6181_fix() {
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
pub(super) fn cockroach_16167_bug() {
    cockroach_16167_run(false)
}

pub(super) fn cockroach_16167_fix() {
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
pub(super) fn cockroach_3710_bug() {
    cockroach_3710_run(false)
}

pub(super) fn cockroach_3710_fix() {
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
pub(super) fn kubernetes_62464_bug() {
    kubernetes_62464_run(false)
}

pub(super) fn kubernetes_62464_fix() {
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
pub(super) fn kubernetes_58107_bug() {
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
