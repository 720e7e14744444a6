//! Communication deadlocks on condition variables.

use super::*;

/// A plugin whose activation waiters sleep on a condition variable.
struct Plugin {
    state: Mutex<PluginState>,
    activate_wait: Cond,
}

struct PluginState {
    activated: bool,
    activate_err: Option<&'static str>,
}

/// `testActive`: waits, on a goroutine, until the plugin is active.
fn test_active(p: &Arc<Plugin>) {
    let (done_tx, done) = goweave::chan::<()>(0);
    let p = p.clone();
    goweave::go(move || {
        // waitActive
        let mut g = p.state.lock();
        while !g.activated {
            g = p.activate_wait.wait(g);
        }
        let _err = g.activate_err;
        drop(g);
        done_tx.close();
    });
    done.recv();
}

/// Moby #30408: the plugin failed to activate (its error is set, its
/// manifest is not), but `waitActive` waits for activation only, and nobody
/// will ever signal. The kernel gives no fix.
pub(super) fn moby_30408_bug() {
    let p = Arc::new(Plugin {
        state: Mutex::new(PluginState { activated: false, activate_err: Some("some junk happened") }),
        activate_wait: Cond::new(),
    });
    test_active(&p);
}

/// Moby #29733: `Handle` marks the plugins inactive and nobody signals their
/// condition variable, so `testActive` waits forever. The kernel gives no
/// fix.
pub(super) fn moby_29733_bug() {
    let p = Arc::new(Plugin {
        state: Mutex::new(PluginState { activated: false, activate_err: None }),
        activate_wait: Cond::new(),
    });
    let handlers = Mutex::new(());
    test_active(&p);
    // Handle
    let h = handlers.lock();
    p.state.lock().activated = false;
    drop(h);
    test_active(&p);
}

/// Kubernetes #11298: the notifier's service loop holds the lock and runs
/// `cond.Wait` on a goroutine of its own (`After`), while another goroutine
/// signals under the lock until the test aborts. When the signaller has
/// finished, the service loop signals once itself and waits for the
/// waiting goroutine, but that goroutine may not have called `Wait` yet:
/// the signal is lost, it waits forever, and so do the service loop and
/// the test. The kernel gives no fix.
pub(super) fn kubernetes_11298_bug() {
    let (done_tx, done) = goweave::chan::<()>(0);
    let notify_done = after_11298(move || notify_11298(done));
    goweave::go(move || {
        goweave::time::sleep(Duration::from_nanos(300));
        done_tx.close();
    });
    notify_done.recv();
}

/// `After(f)`: runs `f` on a goroutine, and the channel it returns closes
/// when `f` returns.
fn after_11298(f: impl FnOnce() + Send + 'static) -> Receiver<()> {
    let (tx, ch) = goweave::chan::<()>(0);
    goweave::go(move || {
        f();
        tx.close();
    });
    ch
}

/// `Until(f, 0, stop)`: runs `f` until `stop` closes.
fn until_11298(f: impl Fn(), stop: &Receiver<()>) {
    loop {
        goweave::select! {
            recv(stop) -> _ => return,
            default => {},
        }
        f();
        goweave::select! {
            recv(stop) -> _ => {},
            recv(goweave::time::after(Duration::ZERO)) -> _ => {},
        }
    }
}

/// The notifier: `cond`'s lock is `lock`.
struct Notifier11298 {
    lock: Mutex<()>,
    cond: Cond,
}

fn notify_11298(abort: Receiver<()>) {
    let n: &'static Notifier11298 =
        Box::leak(Box::new(Notifier11298 { lock: Mutex::new(()), cond: Cond::new() }));
    let a = abort.clone();
    let finished = after_11298(move || {
        until_11298(
            || loop {
                goweave::select! {
                    recv(a) -> _ => return,
                    default => {
                        let _held = n.lock.lock();
                        n.cond.signal();
                    },
                }
            },
            &a,
        )
    });
    until_11298(|| n.service_loop(&finished), &abort);
}

impl Notifier11298 {
    fn service_loop(&'static self, abort: &Receiver<()>) {
        let mut held = self.lock.lock();
        loop {
            goweave::select! {
                recv(abort) -> _ => return,
                default => {},
            }
            // After(n.cond.Wait): the goroutine waits with the lock this
            // loop holds, and hands it back when it wakes.
            let (ch_tx, ch) = goweave::chan(1);
            goweave::go(move || ch_tx.send(self.cond.wait(held)));
            goweave::select! {
                recv(abort) -> _ => {
                    self.cond.signal();
                    drop(ch.recv());
                    return;
                },
                recv(ch) -> relocked => held = relocked.expect("sent before closing"),
            }
        }
    }
}

/// Moby #27782: a container's log reader follows its log file with a file
/// watcher; when the container resets, it closes the log watcher, and the
/// reader, seeing the close, removes the file watcher, which waits on a
/// condition variable that nothing broadcasts (only a non-write event
/// would), while the file watcher's event goroutine blocks sending a write
/// event that nobody reads. Both are left blocked after the test returns.
/// The kernel gives no fix. The container's map of log readers, which the
/// kernel's two goroutines touch without a lock (a data race of its own),
/// is behind a mutex here, so that the race does not hide the deadlock.
pub(super) fn moby_27782_bug() {
    goweave::go(|| {
        // InitializeStdio -> startLogging -> ReadLogs
        let readers: Arc<Mutex<Vec<Arc<LogWatcher27782>>>> = Arc::new(Mutex::new(Vec::new()));
        let (close_tx, close_notifier) = goweave::chan::<()>(0);
        let log_watcher = Arc::new(LogWatcher27782 { close_once: Once::new(), close_tx, close_notifier });
        let (r, w) = (readers.clone(), log_watcher.clone());
        goweave::go(move || {
            // readLogs
            r.lock().push(w.clone());
            follow_logs_27782(&w);
        });
        // startLogging failed: Reset -> the log driver's Close
        let watchers: Vec<_> = readers.lock().drain(..).collect();
        for w in watchers {
            w.close_once.call_once(|| w.close_tx.close());
        }
    });
}

/// A log watcher: closed once.
struct LogWatcher27782 {
    close_once: Once,
    close_tx: Sender<()>,
    close_notifier: Receiver<()>,
}

fn follow_logs_27782(log_watcher: &LogWatcher27782) {
    let file_watcher = FileWatcher27782::new();
    // waitRead
    goweave::time::sleep(Duration::from_nanos(300));
    goweave::select! {
        recv(file_watcher.events) -> _ => {},
        recv(log_watcher.close_notifier) -> _ => file_watcher.remove(),
    }
    file_watcher.close(); // deferred
}

/// The fsnotify watcher: `cv`'s lock is `mu`.
struct FileWatcher27782 {
    events_tx: Sender<bool>,
    events: Receiver<bool>,
    mu: Mutex<()>,
    cv: Cond,
    done_tx: Sender<()>,
    done: Receiver<()>,
}

impl FileWatcher27782 {
    fn new() -> Arc<FileWatcher27782> {
        let (events_tx, events) = goweave::chan(0);
        let (done_tx, done) = goweave::chan(0);
        let w = Arc::new(FileWatcher27782 {
            events_tx,
            events,
            mu: Mutex::new(()),
            cv: Cond::new(),
            done_tx,
            done,
        });
        let r = w.clone();
        goweave::go(move || r.read_events());
        w
    }

    fn read_events(&self) {
        while !self.is_closed() {
            let write = true; // every event is a write
            if !self.ignore_linux(write) {
                goweave::time::sleep(Duration::from_nanos(300));
                goweave::select! {
                    send(self.events_tx, write) => {},
                    recv(self.done) -> _ => break,
                }
            }
        }
        self.events_tx.close(); // deferred
    }

    /// A non-write event wakes `Remove`'s waiters.
    fn ignore_linux(&self, write: bool) -> bool {
        if !write {
            let _held = self.mu.lock();
            self.cv.broadcast();
            return true;
        }
        false
    }

    fn is_closed(&self) -> bool {
        goweave::select! {
            recv(self.done) -> _ => true,
            default => false,
        }
    }

    fn close(&self) {
        if !self.is_closed() {
            self.done_tx.close();
        }
    }

    /// Waits while the watch exists, which it always does.
    fn remove(&self) {
        let mut held = self.mu.lock();
        loop {
            held = self.cv.wait(held);
        }
    }
}
