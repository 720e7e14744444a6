//! Time. Inside an exploration it is virtual, like Go's `time` package
//! under `testing/synctest`: a clock per execution that starts at zero and
//! never passes for real. Anywhere else it is the real clock, and one
//! timer thread serves `after`, `tick` and `Timer` (`native::timer`).
//!
//! Firing the earliest pending timer is one of the scheduler's moves at
//! every step, so a timeout can win a race against any amount of work; when
//! every task is blocked, the earliest timer fires by itself. A test that
//! sleeps an hour of virtual time takes no real time.
//!
//! [`after_func`] starts a function in a task of its own when its timer
//! fires: inside an exploration the engine starts that task as the firing
//! step (so the task exists only once the timer fired, as in Go), and
//! natively the timer thread starts it.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};
use std::panic;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use goweave_checkers::EventKind;

use crate::chan::{self, Receiver};
use crate::native::task::{self as native_task, Spec};
use crate::native::timer;
use crate::rt::object::ModelChan;
use crate::rt::{self, announce, in_execution, with_exec, Execution, Location, ObjState, Op, TimerAction};

/// A point in time: inside an exploration, virtual time since the
/// execution started; natively, real time since the process first read
/// goweave's clock.
///
/// ```
/// use std::time::Duration;
/// goweave::check(|| {
///     let start = goweave::time::now();
///     goweave::time::sleep(Duration::from_secs(3600));
///     assert_eq!(start.elapsed(), Duration::from_secs(3600));
/// });
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(Duration);

impl Instant {
    /// The time since the execution started (natively, since the process
    /// first read goweave's clock).
    pub fn since_start(self) -> Duration {
        self.0
    }

    /// How much later `self` is than `earlier` (zero if it is not).
    pub fn duration_since(self, earlier: Instant) -> Duration {
        self.0.saturating_sub(earlier.0)
    }

    /// The time passed since `self` (a scheduling point in an exploration).
    #[track_caller]
    pub fn elapsed(self) -> Duration {
        now().duration_since(self)
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant(self.0 + d)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, d: Duration) {
        self.0 += d;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, earlier: Instant) -> Duration {
        self.duration_since(earlier)
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t+{:?}", self.0)
    }
}

/// The real clock's origin: the first time the process read it.
fn epoch() -> std::time::Instant {
    static EPOCH: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    *EPOCH.get_or_init(std::time::Instant::now)
}

/// The real clock, natively.
fn real_now() -> Instant {
    Instant(epoch().elapsed())
}

fn clock_step(loc: Location) {
    announce(Op::Clock, loc);
}

/// The current time: virtual inside an exploration (a scheduling point),
/// real anywhere else.
#[track_caller]
pub fn now() -> Instant {
    if !in_execution() {
        return real_now();
    }
    clock_step(panic::Location::caller());
    with_exec(|ex| Instant(ex.now))
}

/// Blocks the calling task for `d`: of virtual time inside an exploration
/// (which takes no real time), of real time anywhere else.
#[track_caller]
pub fn sleep(d: Duration) {
    if !in_execution() {
        std::thread::sleep(d);
        return;
    }
    let loc = panic::Location::caller();
    if d.is_zero() {
        clock_step(loc);
        return;
    }
    // A step of its own, which only adds a timer (see the footprint).
    announce(Op::Sleep, loc);
    with_exec(|ex| {
        let me = ex.current;
        ex.add_timer(d, None, TimerAction::Wake(me));
    });
    rt::wait(Op::Sleep, loc);
}

/// A timer of either mode: its id in the execution, or the timer thread's.
#[derive(Debug)]
enum TimerId {
    /// A timer of the execution with this serial.
    Model { id: AtomicU64, serial: u64 },
    /// A timer of the timer thread, sending on `tx` (none for
    /// [`after_func`]'s timers).
    Native { id: AtomicU64, tx: Option<chan::Sender<Instant>> },
}

impl TimerId {
    fn set(&self, value: u64) {
        match self {
            TimerId::Model { id, .. } | TimerId::Native { id, .. } => id.store(value, Ordering::Relaxed),
        }
    }

    /// Stops the timer; true if it was pending.
    #[track_caller]
    fn stop(&self) -> bool {
        match self {
            TimerId::Model { id, serial } => {
                let id = id.load(Ordering::Relaxed);
                with_exec(|ex| ex.serial == *serial && ex.cancel_timer(id))
            }
            TimerId::Native { id, .. } => timer::stop(id.load(Ordering::Relaxed)),
        }
    }
}

/// A channel of capacity 1 that a timer fills with the time after `d`,
/// every `period` if given (a tick is dropped while the channel is full).
fn timer_channel(d: Duration, period: Option<Duration>, loc: Location) -> (Receiver<Instant>, TimerId) {
    if in_execution() {
        clock_step(loc);
        let chan = ModelChan::<Instant>::new(1, false, loc);
        let id = start_model_timer(&chan, d, period);
        let serial = with_exec(|ex| ex.serial);
        return (Receiver::from_chan(chan), TimerId::Model { id: AtomicU64::new(id), serial });
    }
    let (tx, rx) = chan::chan_at::<Instant>(1, loc);
    let id = start_native_timer(tx.clone(), d, period);
    (rx, TimerId::Native { id: AtomicU64::new(id), tx: Some(tx) })
}

/// Starts a timer of the execution that sends the time on `chan` after
/// `d`, every `period` if given; returns its id.
#[track_caller]
fn start_model_timer(chan: &Arc<ModelChan<Instant>>, d: Duration, period: Option<Duration>) -> u64 {
    with_exec(|ex| {
        let id = chan.obj.id(ex);
        let target = chan.clone();
        let send =
            Box::new(move |ex: &mut rt::Execution, now: Duration| target.timer_send(ex, id, Instant(now)));
        ex.add_timer(d, period, TimerAction::Send { chan: id, send })
    })
}

/// Starts a timer of the timer thread that sends the time on `tx` after
/// `d`, every `period` if given; returns its id.
fn start_native_timer(tx: chan::Sender<Instant>, d: Duration, period: Option<Duration>) -> u64 {
    timer::start(
        d,
        period,
        Box::new(move || {
            let _ = tx.try_send(real_now());
        }),
    )
}

/// Restarts `timer`, whose channel is `rx` (or which starts `func`):
/// after `d`, every `period` if given.
#[track_caller]
fn restart(
    timer: &TimerId,
    rx: &Receiver<Instant>,
    func: Option<&Func>,
    d: Duration,
    period: Option<Duration>,
) {
    let id = match (timer, func) {
        (TimerId::Model { serial, .. }, Some(func)) => {
            // Checked out of the engine call below, at the caller's location.
            if with_exec(|ex| ex.serial) != *serial {
                panic!(
                    "goweave: a Timer made by after_func in another execution was reset: make timers inside \
                     the test body"
                );
            }
            with_exec(|ex| {
                let launcher = func.launcher.expect("a model timer's function has a launcher");
                let me = ex.current;
                launcher.arm(ex, me);
                start_model_func(ex, launcher, &func.f, d)
            })
        }
        (TimerId::Model { .. }, None) => {
            let chan = rx.model().expect("a model timer's channel is a model channel");
            start_model_timer(chan, d, period)
        }
        (TimerId::Native { .. }, Some(func)) => start_native_func(&func.f, d),
        (TimerId::Native { tx, .. }, None) => {
            start_native_timer(tx.clone().expect("a channel timer has its sender"), d, period)
        }
    };
    timer.set(id);
}

/// A channel that receives the time once, `d` from now, like Go's
/// `time.After`. Each call makes a new timer.
///
/// ```
/// use std::time::Duration;
/// goweave::check(|| {
///     let (_tx, never_sent) = goweave::chan::<i32>(0);
///     let timed_out = goweave::select! {
///         recv(never_sent) -> _ => false,
///         recv(goweave::time::after(Duration::from_millis(50))) -> _ => true,
///     };
///     assert!(timed_out);
/// });
/// ```
#[track_caller]
pub fn after(d: Duration) -> Receiver<Instant> {
    timer_channel(d, None, panic::Location::caller()).0
}

/// A ticker: sends the time every `d` on a channel of capacity 1, dropping
/// ticks while it is full, like Go's `time.Ticker`. Stop it when done.
#[derive(Debug)]
pub struct Ticker {
    rx: Receiver<Instant>,
    timer: TimerId,
}

/// Starts a [`Ticker`] with period `d`. Panics, like Go, if `d` is zero.
///
/// ```
/// use std::time::Duration;
/// goweave::check(|| {
///     let ticker = goweave::time::tick(Duration::from_secs(1));
///     let first = ticker.rx().recv().unwrap();
///     let second = ticker.rx().recv().unwrap();
///     assert_eq!(second - first, Duration::from_secs(1));
///     ticker.stop();
/// });
/// ```
#[track_caller]
pub fn tick(d: Duration) -> Ticker {
    let loc = panic::Location::caller();
    if d.is_zero() {
        rt::go_panic("non-positive interval for NewTicker", loc);
    }
    let (rx, timer) = timer_channel(d, Some(d), loc);
    Ticker { rx, timer }
}

impl Ticker {
    /// The channel the ticks arrive on.
    pub fn rx(&self) -> &Receiver<Instant> {
        &self.rx
    }

    /// Stops the ticker: no more ticks are sent.
    #[track_caller]
    pub fn stop(&self) {
        if in_execution() {
            clock_step(panic::Location::caller());
        }
        self.timer.stop();
    }

    /// Stops the ticker and restarts it with period `d`.
    #[track_caller]
    pub fn reset(&self, d: Duration) {
        let loc = panic::Location::caller();
        if d.is_zero() {
            rt::go_panic("non-positive interval for Ticker.Reset", loc);
        }
        if in_execution() {
            clock_step(loc);
        }
        self.timer.stop();
        restart(&self.timer, &self.rx, None, d, Some(d));
    }
}

/// A one-shot timer, like Go's `time.Timer`.
///
/// ```
/// use std::time::Duration;
/// goweave::check(|| {
///     let t = goweave::time::Timer::new(Duration::from_secs(5));
///     // Virtual time may pass at any step: the timer may already have fired.
///     if t.stop() {
///         assert!(!t.reset(Duration::from_secs(1)), "a stopped timer is not pending");
///     }
///     let fired = t.rx().recv().unwrap();
///     assert!(fired.since_start() >= Duration::from_secs(1));
/// });
/// ```
#[derive(Debug)]
pub struct Timer {
    rx: Receiver<Instant>,
    timer: TimerId,
    /// What the timer starts when it fires, if [`after_func`] made it.
    func: Option<Func>,
}

impl Timer {
    /// A timer that fires once, `d` from now.
    #[track_caller]
    pub fn new(d: Duration) -> Timer {
        let (rx, timer) = timer_channel(d, None, panic::Location::caller());
        Timer { rx, timer, func: None }
    }

    /// The channel the time arrives on. A timer of [`after_func`] has none
    /// (Go's `C` is nil): its channel is never ready, like
    /// [`chan::never`].
    pub fn rx(&self) -> &Receiver<Instant> {
        &self.rx
    }

    /// Stops the timer; true if that prevented it from firing. For a
    /// timer of [`after_func`], true if that kept the function from being
    /// started; it does not wait for a function already started.
    #[track_caller]
    pub fn stop(&self) -> bool {
        if in_execution() {
            clock_step(panic::Location::caller());
        }
        self.timer.stop()
    }

    /// Makes the timer fire `d` from now; true if it was still pending.
    /// A timer of [`after_func`] then starts its function again, in a new
    /// task, even if it already fired.
    #[track_caller]
    pub fn reset(&self, d: Duration) -> bool {
        if in_execution() {
            clock_step(panic::Location::caller());
        }
        let was_pending = self.timer.stop();
        restart(&self.timer, &self.rx, self.func.as_ref(), d, None);
        was_pending
    }
}

/// The function of a timer of [`after_func`].
struct Func {
    f: Arc<dyn Fn() + Send + Sync>,
    /// Inside an exploration: how its tasks are started.
    launcher: Option<Launcher>,
}

impl fmt::Debug for Func {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Func").field("launcher", &self.launcher).finish_non_exhaustive()
    }
}

/// Waits for `d`, then runs `f` in a task of its own, like Go's
/// `time.AfterFunc`. Returns a [`Timer`] whose [`stop`](Timer::stop)
/// keeps `f` from being started (true if it did) and whose
/// [`reset`](Timer::reset) starts it again `d` later; its
/// [`rx`](Timer::rx) is never ready, as Go's `C` is nil.
///
/// Inside an exploration the timer is one of the execution's: firing it
/// is a scheduler choice like any timer's, and that step starts a new task
/// of the execution running `f` (a task nobody joins: its panic is a
/// failure, as it crashes a Go program). What the task that made (or last
/// reset) the timer did before happens before `f` runs, as Go's race
/// detector sees it. Natively the timer thread starts `f` on a new task
/// (a thread). `f` is `Fn`: a timer reset after it fired runs it again,
/// possibly while the first run goes on.
///
/// ```
/// use std::time::Duration;
/// goweave::check(|| {
///     let (tx, rx) = goweave::chan::<&'static str>(1);
///     let _timer = goweave::time::after_func(Duration::from_secs(1), move || tx.send("fired"));
///     assert_eq!(rx.recv(), Some("fired"));
///     assert!(goweave::time::now().since_start() >= Duration::from_secs(1));
///
///     let (tx, rx) = goweave::chan::<()>(1);
///     let t = goweave::time::after_func(Duration::from_secs(1), move || tx.send(()));
///     // The timer may fire at any step: stop says whether it came first.
///     if !t.stop() {
///         rx.recv(); // it fired, so `f` runs
///     }
/// });
/// ```
#[track_caller]
pub fn after_func<F>(d: Duration, f: F) -> Timer
where
    F: Fn() + Send + Sync + 'static,
{
    let loc = panic::Location::caller();
    let f: Arc<dyn Fn() + Send + Sync> = Arc::new(f);
    if in_execution() {
        clock_step(loc);
        let rx = chan::never();
        let (launcher, id, serial) = with_exec(|ex| {
            let launcher = Launcher::new(ex, loc);
            let me = ex.current;
            launcher.arm(ex, me);
            (launcher, start_model_func(ex, launcher, &f, d), ex.serial)
        });
        let timer = TimerId::Model { id: AtomicU64::new(id), serial };
        return Timer { rx, timer, func: Some(Func { f, launcher: Some(launcher) }) };
    }
    let rx = chan::never();
    let id = start_native_func(&f, d);
    Timer {
        rx,
        timer: TimerId::Native { id: AtomicU64::new(id), tx: None },
        func: Some(Func { f, launcher: None }),
    }
}

/// Starts a timer of the execution that starts `f` in a new task after
/// `d`; returns its id.
fn start_model_func(
    ex: &mut Execution,
    launcher: Launcher,
    f: &Arc<dyn Fn() + Send + Sync>,
    d: Duration,
) -> u64 {
    let f = f.clone();
    let call = Box::new(move |ex: &mut Execution| {
        let f = f.clone();
        launcher.start(ex, None, Box::new(move || f()));
    });
    ex.add_timer(d, None, TimerAction::Call(call))
}

/// Starts a timer of the timer thread that starts `f` on a new task after
/// `d`; returns its id.
fn start_native_func(f: &Arc<dyn Fn() + Send + Sync>, d: Duration) -> u64 {
    let f = f.clone();
    timer::start(
        d,
        None,
        Box::new(move || {
            let f = f.clone();
            // Detached, as Go's goroutine: its panic is printed, not joined.
            drop(native_task::spawn(&Spec::default(), move || f()));
        }),
    )
}

/// Starts tasks of an execution from the engine's side, in the step that
/// causes them rather than by a task's `go`: a timer of [`after_func`]
/// that fires, a context with a `context::after_func` that is cancelled.
///
/// Happens-before follows Go's race detector: every [`arm`](Self::arm)
/// (making or resetting the timer, registering the function) publishes the
/// arming task's history into a hidden atomic of the execution, and each
/// task [`start`](Self::start)ed acquires it, so the task sees what was
/// done before it was armed and nothing its armer did after. A task that
/// starts it from its own step (a cancel) is its parent, too.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Launcher {
    /// The hidden atomic's id.
    link: usize,
    /// Where the function was given: the tasks' spawn location.
    loc: Location,
}

impl Launcher {
    /// A launcher of the current execution, for a function given at `loc`.
    pub(crate) fn new(ex: &mut Execution, loc: Location) -> Launcher {
        let link = ex.add_object(ObjState::Atomic, loc).id;
        Launcher { link, loc }
    }

    /// What task `by` did so far happens before every task started later.
    pub(crate) fn arm(self, ex: &mut Execution, by: usize) {
        ex.record(by, Some(self.link), EventKind::AtomicRmw { order: Ordering::Release }, self.loc);
    }

    /// Starts a task running `body` in the current step, whose task `by`
    /// (if any, else the clock) counts as its parent; returns its id.
    pub(crate) fn start(self, ex: &mut Execution, by: Option<usize>, body: rt::SpawnFn) -> usize {
        let child = ex.add_task(None, self.loc, body, 0);
        ex.picker.on_spawn(child);
        if let Some(by) = by {
            ex.record(by, None, EventKind::Spawn { child }, self.loc);
        }
        ex.record(child, Some(self.link), EventKind::AtomicLoad { order: Ordering::Acquire }, self.loc);
        child
    }
}
