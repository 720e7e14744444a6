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

/// Hugo #5379: rendering a page's content runs, inside the page's
/// `contentInit` once, a task that takes `contentInitMu` and renders the
/// page's shortcodes; a shortcode counts the page's words, which initializes
/// the plain content under `contentInitMu` again. The task waits for the
/// `contentInit` once (still running, until its timeout), then locks the
/// mutex it holds, or waits for the `plainInit` once whose runner waits for
/// that mutex: the renderers never finish and `Build` waits for them
/// forever. The kernel gives no fix. Two renderers, one site, one page, as
/// upstream.
pub(super) fn hugo_5379_bug() {
    let page: &'static Page5379 = Box::leak(Box::new(Page5379 {
        content_init: Once::new(),
        plain_init: Once::new(),
        content_init_mu: Mutex::new(()),
        shortcodes_init: Once::new(),
        shortcodes: Shared::new(Vec::new()),
        shortcodes_delta: Shared::new(Vec::new()),
    }));
    // HugoSites.render: preparePagesForRender, then renderPages.
    page.update_delta();
    let wg = WaitGroup::new();
    for _ in 0..2 {
        wg.add(1);
        let wg = wg.clone();
        goweave::go(move || {
            // pageRenderer -> renderForLayouts
            page.word_count();
            wg.done();
        });
    }
    wg.wait();
}

/// A shortcode renderer: it renders with the page (`renderShortcodeWithPage`).
type Shortcode5379 = fn(&'static Page5379);

struct Page5379 {
    content_init: Once,
    plain_init: Once,
    content_init_mu: Mutex<()>,
    /// The shortcode handler's `init` once and its two maps.
    shortcodes_init: Once,
    shortcodes: Shared<Vec<Shortcode5379>>,
    shortcodes_delta: Shared<Vec<Shortcode5379>>,
}

impl Page5379 {
    /// `shortcodeHandler.updateDelta`: the renderers, made once, copied
    /// into the delta.
    fn update_delta(&'static self) {
        self.shortcodes_init.call_once(|| {
            self.shortcodes.set(vec![Page5379::word_count as Shortcode5379]);
        });
        let delta = self.shortcodes.with(Clone::clone);
        self.shortcodes_delta.set(delta);
    }

    /// `WordCount` -> `initContentPlainAndMeta`.
    fn word_count(&'static self) {
        self.init_content();
        self.init_plain(true);
    }

    fn init_plain(&'static self, lock: bool) {
        self.plain_init.call_once(|| {
            if lock {
                let _held = self.content_init_mu.lock(); // the second lock
            }
        });
    }

    fn init_content(&'static self) {
        self.content_init.call_once(|| {
            let (ctx, cancel) = Context::background().with_timeout(Duration::from_millis(1));
            let (c_tx, c) = goweave::chan::<()>(1);
            goweave::go(move || {
                let _held = self.content_init_mu.lock(); // the first lock
                self.prepare_for_render();
                c_tx.send(());
            });
            goweave::select! {
                recv(ctx.done()) -> _ => {},
                recv(c) -> _ => {},
            }
            cancel();
        });
    }

    /// `prepareForRender` -> `handleShortcodes` ->
    /// `executeShortcodesForDelta`: every renderer of the delta.
    fn prepare_for_render(&'static self) {
        for render in self.shortcodes_delta.with(Clone::clone) {
            render(self);
        }
    }
}

/// gRPC #3017: `RemoveSubConn` caches a sub-connection and arms a timer
/// whose function deletes it; `NewSubConn` takes it back and cancels the
/// timer, marking the entry `abortDeleting` when the timer has already
/// fired. The timer's function then returns early without unlocking the
/// cache's mutex, and the test's loop blocks on its next `RemoveSubConn`
/// while the test waits for the loop. Fix: unlock before returning. Go's
/// `time.AfterFunc` is [`after_func`]; the loop's 1000 iterations are 2.
pub(super) fn grpc_3017_bug() {
    grpc_3017_run(false)
}

pub(super) fn grpc_3017_fix() {
    grpc_3017_run(true)
}

/// A cached sub-connection: `cancel` stops its deletion timer. Its fields
/// are guarded by the cache's mutex, as in Go.
struct SubConnCacheEntry {
    sc: u32,
    cancel: Shared<Option<Arc<dyn Fn() + Send + Sync>>>,
    abort_deleting: Shared<bool>,
}

#[derive(Default)]
struct LbCache3017 {
    cache: BTreeMap<u32, Arc<SubConnCacheEntry>>,
    sub_conn_to_addr: BTreeMap<u32, u32>,
}

/// `lbCacheClientConn`, its maps guarded by its mutex.
struct LbCacheClientConn {
    mu: Mutex<LbCache3017>,
    timeout: Duration,
    fixed: bool,
}

impl LbCacheClientConn {
    fn new_sub_conn(&self, addr: u32) -> u32 {
        let mut m = self.mu.lock();
        if let Some(entry) = m.cache.remove(&addr) {
            let cancel = entry.cancel.with(Clone::clone).expect("set when cached");
            cancel();
            return entry.sc;
        }
        let sc = 1;
        m.sub_conn_to_addr.insert(sc, addr);
        sc
    }

    fn remove_sub_conn(self: &Arc<Self>, sc: u32) {
        let mut m = self.mu.lock();
        let Some(&addr) = m.sub_conn_to_addr.get(&sc) else { return };
        if let Some(entry) = m.cache.get(&addr) {
            if entry.sc != sc {
                m.sub_conn_to_addr.remove(&sc);
            }
            return;
        }
        let entry =
            Arc::new(SubConnCacheEntry { sc, cancel: Shared::new(None), abort_deleting: Shared::new(false) });
        m.cache.insert(addr, entry.clone());
        let (ccc, e) = (self.clone(), entry.clone());
        let timer = after_func(self.timeout, move || {
            let mut m = ccc.mu.lock();
            if e.abort_deleting.get() {
                if ccc.fixed {
                    drop(m);
                } else {
                    std::mem::forget(m); // returns without unlocking
                }
                return;
            }
            m.sub_conn_to_addr.remove(&sc);
            m.cache.remove(&addr);
        });
        let e = entry.clone();
        entry.cancel.set(Some(Arc::new(move || {
            if !timer.stop() {
                e.abort_deleting.set(true);
            }
        })));
    }
}

fn grpc_3017_run(fixed: bool) {
    let (done_tx, done) = goweave::chan::<()>(0);
    let ccc = Arc::new(LbCacheClientConn {
        mu: Mutex::new(LbCache3017::default()),
        timeout: Duration::from_nanos(1),
        fixed,
    });
    let mut sc = ccc.new_sub_conn(1);
    goweave::go(move || {
        for _ in 0..2 {
            ccc.remove_sub_conn(sc);
            sc = ccc.new_sub_conn(1);
        }
        done_tx.close();
    });
    done.recv();
}

/// Go's `time.AfterFunc(d, f)`: `f` runs on a task of its own once the
/// timer fires, as Go runs it on a goroutine of its own.
fn after_func(d: Duration, f: impl FnOnce() + Send + 'static) -> AfterFunc {
    let timer = Timer::new(d);
    let fired = timer.rx().clone();
    let (cancel, cancelled) = goweave::chan::<()>(0);
    goweave::go(move || {
        goweave::select! {
            recv(fired) -> _ => f(),
            recv(cancelled) -> _ => {},
        }
    });
    AfterFunc { timer, cancel }
}

/// The timer of [`after_func`].
struct AfterFunc {
    timer: Timer,
    cancel: Sender<()>,
}

impl AfterFunc {
    /// `Timer.Stop`: true if it kept `f` from running.
    fn stop(&self) -> bool {
        let stopped = self.timer.stop();
        if stopped {
            self.cancel.close();
        }
        stopped
    }
}
