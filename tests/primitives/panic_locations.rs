//! Where misuse panics point: at the user's line that misused the object,
//! never into goweave's source. A panic outside any exploration is located
//! by the panic hook (`PanicHookInfo::location`, what the default hook
//! prints as "panicked at"); one inside an exploration by its report (the
//! panicked task's location, which goweave's hook records).
//!
//! Each case names its own line with `line!()` on the line of the misuse.

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex as StdMutex, Once as StdOnce, OnceLock};
use std::time::Duration;

use goweave::context::Context;
use goweave::sync::atomic::{AtomicUsize, Ordering};
use goweave::sync::{Cond, Mutex, Once, RwMutex, WaitGroup};
use goweave::{chan, go, Config, FailureKind, Shared};

const FILE: &str = "tests/primitives/panic_locations.rs";

/// Discards what a misused operation returns (a guard too: the panic
/// comes first).
fn ignore<T>(_: T) {}

thread_local! {
    /// The location of the last panic on this thread, from the hook.
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Records every panic's location for its thread, then defers to the hook
/// before it (goweave's, or the default one).
fn install_hook() {
    static HOOK: StdOnce = StdOnce::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let location = info.location().map(|l| format!("{}:{}", l.file(), l.line()));
            let _ = LAST.try_with(|last| *last.borrow_mut() = location);
            previous(info);
        }));
    });
}

/// `f` must panic on this thread, at `line` of this file, with a message
/// containing `needle`.
#[track_caller]
fn panics_at(line: u32, needle: &str, f: impl FnOnce()) {
    install_hook();
    LAST.with(|last| last.borrow_mut().take());
    let payload = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(()) => panic!("expected a panic at line {line}"),
        Err(payload) => payload,
    };
    let message = super::panic_message(&*payload);
    assert!(message.contains(needle), "line {line}: {message}");
    let location = LAST.with(|last| last.borrow_mut().take());
    assert_eq!(location.as_deref(), Some(format!("{FILE}:{line}").as_str()), "{message}");
}

/// An exploration of `body` must fail with a panic located at `line` of
/// this file, with a message containing `needle`.
#[track_caller]
fn fails_at(line: u32, needle: &str, body: impl Fn() + Send + Sync + 'static) {
    let failure = Config::default().iterations(1).threads(1).explore(body).expect_err("no failure");
    assert_eq!(failure.kind(), FailureKind::Panic, "{failure}");
    let task = failure
        .tasks()
        .iter()
        .find(|t| t.status().starts_with("panicked"))
        .unwrap_or_else(|| panic!("no panicked task:\n{failure}"));
    assert!(task.status().contains(needle), "line {line}: {failure}");
    let at = format!("{FILE}:{line}:");
    assert!(task.location().is_some_and(|l| l.starts_with(&at)), "expected {at}\n{failure}");
}

/// Model objects of one finished exploration, kept for misuse afterwards.
struct Kept {
    wg: WaitGroup,
    tx: chan::Sender<i32>,
    rx: chan::Receiver<i32>,
    mutex: Arc<Mutex<i32>>,
    rw: Arc<RwMutex<i32>>,
    once: Arc<Once>,
    cond: Arc<Cond>,
    atomic: Arc<AtomicUsize>,
    shared: Arc<Shared<i32>>,
    ctx: Context,
    timer: goweave::time::Timer,
    handle: goweave::JoinHandle<()>,
}

fn kept() -> &'static StdMutex<Option<Kept>> {
    static KEPT: OnceLock<StdMutex<Option<Kept>>> = OnceLock::new();
    KEPT.get_or_init(|| {
        let kept = Arc::new(StdMutex::new(None));
        let k = kept.clone();
        Config::default()
            .iterations(1)
            .threads(1)
            .explore(move || {
                let (tx, rx) = chan::<i32>(1);
                let (ctx, _cancel) = Context::background().with_cancel();
                let handle = go(|| ());
                *k.lock().unwrap() = Some(Kept {
                    wg: WaitGroup::new(),
                    tx,
                    rx,
                    mutex: Arc::new(Mutex::new(0)),
                    rw: Arc::new(RwMutex::new(0)),
                    once: Arc::new(Once::new()),
                    cond: Arc::new(Cond::new()),
                    atomic: Arc::new(AtomicUsize::new(0)),
                    shared: Arc::new(Shared::new(0)),
                    ctx,
                    timer: goweave::time::Timer::new(Duration::from_secs(1)),
                    handle,
                });
            })
            .unwrap();
        let kept = kept.lock().unwrap().take();
        StdMutex::new(kept)
    })
}

/// Runs `f` on the kept objects (the lock is released before `f` runs, so
/// its panic does not poison it).
fn with_kept<R>(f: impl FnOnce(&Kept) -> R) -> R {
    let kept = kept().lock().unwrap_or_else(|e| e.into_inner());
    f(kept.as_ref().expect("kept"))
}

const AFTER: &str = "belongs to an exploration";

#[test]
fn a_model_object_used_after_its_exploration_panics_at_the_use() {
    let (wg, tx, rx) = with_kept(|k| (k.wg.clone(), k.tx.clone(), k.rx.clone()));
    panics_at(line!(), AFTER, || wg.add(1));
    panics_at(line!(), AFTER, || wg.done());
    panics_at(line!(), AFTER, || wg.wait());
    panics_at(line!(), AFTER, || tx.send(1));
    panics_at(line!(), AFTER, || ignore(tx.try_send(1)));
    panics_at(line!(), AFTER, || tx.close());
    panics_at(line!(), AFTER, || ignore(tx.len()));
    panics_at(line!(), AFTER, || ignore(rx.recv()));
    panics_at(line!(), AFTER, || ignore(rx.try_recv()));
    panics_at(line!(), AFTER, || ignore(rx.len()));
    panics_at(line!(), AFTER, || ignore(rx.iter().next()));
    panics_at(line!(), AFTER, || ignore(rx.clone().into_iter().next()));
    const SELECT: &str = "a select! on a thread that runs no execution";
    panics_at(line!(), SELECT, || goweave::select! { recv(rx) -> _ => {}, default => {} });
}

#[test]
fn a_model_lock_used_after_its_exploration_panics_at_the_use() {
    let (mutex, rw, once, cond) =
        with_kept(|k| (k.mutex.clone(), k.rw.clone(), k.once.clone(), k.cond.clone()));
    panics_at(line!(), AFTER, || ignore(mutex.lock()));
    panics_at(line!(), AFTER, || ignore(mutex.try_lock()));
    panics_at(line!(), AFTER, || ignore(rw.read()));
    panics_at(line!(), AFTER, || ignore(rw.write()));
    panics_at(line!(), AFTER, || ignore(rw.try_read()));
    panics_at(line!(), AFTER, || ignore(rw.try_write()));
    panics_at(line!(), AFTER, || once.call_once(|| ()));
    panics_at(line!(), AFTER, || cond.signal());
    panics_at(line!(), AFTER, || cond.broadcast());
}

#[test]
fn a_model_value_used_after_its_exploration_panics_at_the_use() {
    let (atomic, shared) = with_kept(|k| (k.atomic.clone(), k.shared.clone()));
    panics_at(line!(), AFTER, || ignore(atomic.load(Ordering::SeqCst)));
    panics_at(line!(), AFTER, || atomic.store(1, Ordering::SeqCst));
    panics_at(line!(), AFTER, || ignore(atomic.fetch_add(1, Ordering::SeqCst)));
    panics_at(line!(), AFTER, || ignore(shared.get()));
    panics_at(line!(), AFTER, || shared.set(1));
    panics_at(line!(), AFTER, || shared.with(|_| ()));
    panics_at(line!(), AFTER, || ignore(shared.atomic_add(1)));
}

#[test]
fn a_model_context_timer_or_task_used_after_its_exploration_panics_at_the_use() {
    let ctx = with_kept(|k| k.ctx.clone());
    panics_at(line!(), "a child of the context", || ignore(ctx.with_cancel()));
    panics_at(line!(), "a child of the context", || ignore(ctx.with_timeout(Duration::from_secs(1))));
    panics_at(line!(), AFTER, || ignore(ctx.done().recv()));
    panics_at(line!(), AFTER, || with_kept(|k| ignore(k.timer.stop())));
    panics_at(line!(), AFTER, || with_kept(|k| ignore(k.timer.reset(Duration::from_secs(1)))));
    let handle = kept().lock().unwrap_or_else(|e| e.into_inner()).as_mut().map(|k| {
        std::mem::replace(&mut k.handle, go(|| ())) // a native task in its place
    });
    let handle = handle.expect("kept");
    panics_at(line!(), "was used on a thread that runs no execution", || ignore(handle.is_finished()));
}

/// A native object (made outside any exploration) used inside one: the
/// panic is a failure of the exploration, located at the use.
#[test]
fn a_native_object_used_inside_an_exploration_fails_at_the_use() {
    const NATIVE: &str = "was made outside any exploration";
    let wg = WaitGroup::new();
    fails_at(line!(), NATIVE, move || wg.add(1));
    let (tx, rx) = chan::<i32>(1);
    fails_at(line!(), NATIVE, move || tx.send(1));
    fails_at(line!(), NATIVE, move || ignore(rx.recv()));
    let mutex = Arc::new(Mutex::new(0));
    fails_at(line!(), NATIVE, move || ignore(mutex.lock()));
    let shared = Arc::new(Shared::new(0));
    fails_at(line!(), NATIVE, move || shared.set(1));
    let atomic = Arc::new(AtomicUsize::new(0));
    fails_at(line!(), NATIVE, move || ignore(atomic.load(Ordering::SeqCst)));
    let (_tx, rx) = chan::<i32>(1);
    fails_at(line!(), NATIVE, move || goweave::select! { recv(rx) -> _ => {}, default => {} });
    let cond = Arc::new(Cond::new());
    let line = line!() + 3;
    fails_at(line, "Cond::wait with a Mutex of the other mode", move || {
        let m = Mutex::new(0); // a model mutex, a native Cond
        ignore(cond.wait(m.lock())); // `line`
    });
}

/// A model object of a finished exploration used in another one: the
/// panic says it belongs to another execution, at the use.
#[test]
fn a_model_object_used_in_another_execution_fails_at_the_use() {
    const STALE: &str = "belongs to another execution";
    let (wg, tx, rx) = with_kept(|k| (k.wg.clone(), k.tx.clone(), k.rx.clone()));
    fails_at(line!(), STALE, move || wg.add(1));
    fails_at(line!(), STALE, move || tx.send(1));
    fails_at(line!(), STALE, move || goweave::select! { recv(rx) -> _ => {}, default => {} });
}

#[test]
fn a_native_join_handle_joined_inside_an_exploration_fails_at_the_join() {
    static HANDLE: StdMutex<Option<goweave::JoinHandle<()>>> = StdMutex::new(None);
    *HANDLE.lock().unwrap() = Some(go(|| ()));
    let line = line!() + 4;
    fails_at(line, "native task", || {
        let handle = HANDLE.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(h) = handle {
            ignore(h.join()); // `line`
        }
    });
}

/// Go's runtime panics, natively: ordinary panics at the caller's line.
#[test]
fn go_runtime_panics_natively_point_at_the_caller() {
    let (tx, _rx) = chan::<i32>(1);
    tx.close();
    panics_at(line!(), "send on closed channel", || tx.send(1));
    panics_at(line!(), "close of closed channel", || tx.close());
    panics_at(line!(), "close of nil channel", || chan::never_sender::<i32>().close());
    let wg = WaitGroup::new();
    panics_at(line!(), "negative WaitGroup counter", || wg.done());
    panics_at(line!(), "non-positive interval", || ignore(goweave::time::tick(Duration::ZERO)));
}

/// And inside an exploration: the report locates the panic at the caller.
#[test]
fn go_runtime_panics_in_an_exploration_point_at_the_caller() {
    let line = line!() + 4;
    fails_at(line, "send on closed channel", || {
        let (tx, _rx) = chan::<i32>(1);
        tx.close();
        tx.send(1); // `line`
    });
    fails_at(line!(), "negative WaitGroup counter", || WaitGroup::new().done());
    fails_at(line!(), "close of nil channel", || chan::never_sender::<i32>().close());
    fails_at(line!(), "non-positive interval", || ignore(goweave::time::tick(Duration::ZERO)));
}

#[test]
fn config_arguments_out_of_range_point_at_the_call() {
    use goweave::Config;
    panics_at(line!(), "iterations must be at least 1", || ignore(Config::default().iterations(0)));
    panics_at(line!(), "max_steps must be at least 1", || ignore(Config::default().max_steps(0)));
    panics_at(line!(), "threads must be at least 1", || ignore(Config::default().threads(0)));
    panics_at(line!(), "index < count", || ignore(Config::default().shard(2, 2)));
}
