//! Time. Inside an exploration it is virtual, like Go's `time` package
//! under `testing/synctest`: a clock per execution that starts at zero and
//! never passes for real. Anywhere else it is the real clock, and one
//! timer thread serves `after`, `tick` and `Timer` (`native::timer`).
//!
//! Firing the earliest pending timer is one of the scheduler's moves at
//! every step, so a timeout can win a race against any amount of work; when
//! every task is blocked, the earliest timer fires by itself. A test that
//! sleeps an hour of virtual time takes no real time.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};
use std::panic;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::chan::{self, Receiver};
use crate::native::timer;
use crate::rt::object::ModelChan;
use crate::rt::{self, announce, in_execution, with_exec, Location, Op, TimerAction};

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
    clock_step(loc);
    if d.is_zero() {
        return;
    }
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
    /// A timer of the timer thread, sending on `tx`.
    Native { id: AtomicU64, tx: chan::Sender<Instant> },
}

impl TimerId {
    fn set(&self, value: u64) {
        match self {
            TimerId::Model { id, .. } | TimerId::Native { id, .. } => id.store(value, Ordering::Relaxed),
        }
    }

    /// Stops the timer; true if it was pending.
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
    (rx, TimerId::Native { id: AtomicU64::new(id), tx })
}

/// Starts a timer of the execution that sends the time on `chan` after
/// `d`, every `period` if given; returns its id.
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

/// Restarts `timer`, whose channel is `rx`: after `d`, every `period` if
/// given.
fn restart(timer: &TimerId, rx: &Receiver<Instant>, d: Duration, period: Option<Duration>) {
    let id = match timer {
        TimerId::Model { .. } => {
            let chan = rx.model().expect("a model timer's channel is a model channel");
            start_model_timer(chan, d, period)
        }
        TimerId::Native { tx, .. } => start_native_timer(tx.clone(), d, period),
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
        restart(&self.timer, &self.rx, d, Some(d));
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
}

impl Timer {
    /// A timer that fires once, `d` from now.
    #[track_caller]
    pub fn new(d: Duration) -> Timer {
        let (rx, timer) = timer_channel(d, None, panic::Location::caller());
        Timer { rx, timer }
    }

    /// The channel the time arrives on.
    pub fn rx(&self) -> &Receiver<Instant> {
        &self.rx
    }

    /// Stops the timer; true if that prevented it from firing.
    #[track_caller]
    pub fn stop(&self) -> bool {
        if in_execution() {
            clock_step(panic::Location::caller());
        }
        self.timer.stop()
    }

    /// Makes the timer fire `d` from now; true if it was still pending.
    #[track_caller]
    pub fn reset(&self, d: Duration) -> bool {
        if in_execution() {
            clock_step(panic::Location::caller());
        }
        let was_pending = self.timer.stop();
        restart(&self.timer, &self.rx, d, None);
        was_pending
    }
}
