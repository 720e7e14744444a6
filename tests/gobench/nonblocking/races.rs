//! Data races, the kernels ported first.

use super::*;

/// Kubernetes #82550: ten tasks call `LazyProvide`, which checks the provider field for nil
/// and sets it, with no lock: unordered writes of one field.
pub(super) fn kubernetes_82550_bug() {
    // The `actualProvider` field; `Some(())` is a set provider.
    let actual_provider = Arc::new(Shared::new(None::<()>));
    for _ in 0..10 {
        let p = actual_provider.clone();
        go(move || {
            if p.get().is_none() {
                p.set(Some(()));
            }
            let _entry = p.get();
        });
    }
}

// ---------------------------------------------------------------------------------------

fn kubernetes_80284_run(locked: bool) {
    let wg = WaitGroup::new();
    wg.add(2);
    // The authenticator's `onRotate` field (the id of the dialer it closes) and, in the fix,
    // the lock that guards it.
    let on_rotate = Arc::new(Shared::new(0u32));
    let mu = Arc::new(Mutex::new(()));
    for i in 0..2 {
        let (wg, on_rotate, mu) = (wg.clone(), on_rotate.clone(), mu.clone());
        go(move || {
            // UpdateTransportConfig
            let _g = locked.then(|| mu.lock());
            on_rotate.set(i + 1);
            drop(_g);
            wg.done();
        });
    }
    wg.wait();
}

/// Kubernetes #80284: two tasks call `UpdateTransportConfig`, which sets the authenticator's
/// `onRotate` field without a lock.
pub(super) fn kubernetes_80284_bug() {
    kubernetes_80284_run(false)
}

/// Kubernetes #80284, fixed: the field is set under the authenticator's mutex.
pub(super) fn kubernetes_80284_fixed_body() {
    kubernetes_80284_run(true)
}

// ---------------------------------------------------------------------------------------

/// kubernetes_77796 and kubernetes_89164's cacher: `watcher_buffer` is reset under the
/// lock and, in the bug, iterated without it.
struct Cacher {
    lock: RwMutex<()>,
    watcher_buffer: Shared<Vec<u32>>,
}

impl Cacher {
    /// NewCacherFromConfig: starts the cacher's own dispatching task.
    fn new(iterate_under_lock: bool) -> Arc<Cacher> {
        let c = Arc::new(Cacher { lock: RwMutex::new(()), watcher_buffer: Shared::new(Vec::new()) });
        let dispatcher = c.clone();
        go(move || dispatcher.dispatch_event(iterate_under_lock)); // dispatchEvents
        c
    }

    fn dispatch_event(&self, iterate_under_lock: bool) {
        let g = self.lock.write();
        self.watcher_buffer.with_mut(Vec::clear); // startDispatching
        if !iterate_under_lock {
            drop(g);
            self.watcher_buffer.with(|b| b.iter().for_each(|_| {}));
        } else {
            self.watcher_buffer.with(|b| b.iter().for_each(|_| {}));
            drop(g);
        }
    }
}

fn kubernetes_77796_run(fixed: bool) {
    let cacher = Cacher::new(fixed);
    for _ in 0..3 {
        let c = cacher.clone();
        go(move || c.dispatch_event(fixed));
        time::sleep(Duration::from_millis(10));
    }
}

/// Kubernetes #77796: `dispatchEvent` resets the watcher buffer under the cacher's lock but
/// iterates over it after releasing the lock; the cacher's own dispatching task and the
/// test's tasks (ordered by nothing but sleeps) race on it.
pub(super) fn kubernetes_77796_bug() {
    kubernetes_77796_run(false)
}

/// Kubernetes #77796, fixed: the buffer is iterated while the lock is still held.
pub(super) fn kubernetes_77796_fixed_body() {
    kubernetes_77796_run(true)
}

fn kubernetes_89164_run(fixed: bool) {
    let cacher = Cacher::new(fixed);
    for _ in 0..3 {
        let wg = WaitGroup::new();
        wg.add(1);
        let (c, w) = (cacher.clone(), wg.clone());
        go(move || {
            c.dispatch_event(fixed);
            w.done();
        });
        wg.wait();
    }
}

/// Kubernetes #89164: as in #77796, but the test's tasks run one after the other, so the
/// race is between the cacher's own dispatching task and the first of them.
pub(super) fn kubernetes_89164_bug() {
    kubernetes_89164_run(false)
}

/// Kubernetes #89164, fixed: the buffer is iterated while the lock is still held.
pub(super) fn kubernetes_89164_fixed_body() {
    kubernetes_89164_run(true)
}

// ---------------------------------------------------------------------------------------

fn etcd_9446_run(locked: bool) {
    let wg = WaitGroup::new();
    wg.add(3);
    let w = wg.clone();
    go(move || {
        // The read transaction's buffer map and, in the fix, its lock.
        let buckets = Arc::new(Shared::new(BTreeMap::<&'static str, ()>::new()));
        let mu = Arc::new(RwMutex::new(()));
        buckets.with_mut(|b| b.insert("1", ()));
        let (b, m, w2) = (buckets.clone(), mu.clone(), w.clone());
        go(move || {
            // reset
            let _g = locked.then(|| m.write());
            b.with_mut(BTreeMap::clear);
            drop(_g);
            w2.done();
        });
        let (b, m, w2) = (buckets, mu, w.clone());
        go(move || {
            // UnsafeRange
            let _g = locked.then(|| m.read());
            b.with(|b| b.get("1").is_some());
            drop(_g);
            w2.done();
        });
        w.done();
    });
    wg.wait();
}

/// etcd #9446: one task resets the read transaction's bucket map while another ranges over
/// it, with no lock between them.
pub(super) fn etcd_9446_bug() {
    etcd_9446_run(false)
}

/// etcd #9446, fixed: reset and range take the transaction's read-write lock.
pub(super) fn etcd_9446_fixed_body() {
    etcd_9446_run(true)
}

// ---------------------------------------------------------------------------------------

/// istio_8144's callback counter: a plain field in the bug, an atomic in the fix.
enum Counter {
    Plain(Shared<i32>),
    Atomic(AtomicI32),
}

impl Counter {
    fn incr(&self) {
        match self {
            Counter::Plain(c) => c.set(c.get() + 1),
            Counter::Atomic(c) => {
                c.fetch_add(1, Ordering::SeqCst);
            }
        }
    }

    fn get(&self) -> i32 {
        match self {
            Counter::Plain(c) => c.get(),
            Counter::Atomic(c) => c.load(Ordering::SeqCst),
        }
    }
}

fn istio_8144_run(counter: Counter) {
    let wg = WaitGroup::new();
    wg.add(1);
    let w = wg.clone();
    go(move || {
        let callbacks = Arc::new(counter);
        // The cache's entries (a sync.Map in Go) and its evicter task.
        let entries = Arc::new(Mutex::new(BTreeMap::<i32, i32>::new()));
        let (e, c) = (entries.clone(), callbacks.clone());
        go(move || {
            let n = e.lock().len();
            for _ in 0..n {
                c.incr();
            }
        });
        entries.lock().insert(1, 1); // SetWithExpiration
        let _ = callbacks.get() != 1;
        w.done();
    });
    wg.wait();
}

/// Istio #8144: the cache's evicter task increments the recorder's callback counter while
/// the test reads it, both plain accesses.
pub(super) fn istio_8144_bug() {
    istio_8144_run(Counter::Plain(Shared::new(0)))
}

/// Istio #8144, fixed: the counter is an atomic.
pub(super) fn istio_8144_fixed_body() {
    istio_8144_run(Counter::Atomic(AtomicI32::new(0)))
}

// ---------------------------------------------------------------------------------------

/// etcd #4876: the test sets the package-level `ProgressReportInterval` while a watch
/// stream's send loop, started concurrently, reads it to make its ticker.
pub(super) fn etcd_4876_bug() {
    let progress_report_interval = Arc::new(Shared::new(Duration::from_secs(10)));
    let wg = WaitGroup::new();
    wg.add(3);
    let w = wg.clone();
    go(move || {
        let (i, w2) = (progress_report_interval.clone(), w.clone());
        go(move || {
            i.set(Duration::from_secs(3));
            w2.done();
        });
        let (i, w2) = (progress_report_interval, w.clone());
        go(move || {
            // Watch starts the send loop.
            go(move || {
                let ticker = time::tick(i.get());
                // The Go kernel drops its ticker; stopped here so that no timer outlives
                // the test.
                ticker.stop();
            });
            w2.done();
        });
        w.done();
    });
    wg.wait();
}
