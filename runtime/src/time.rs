//! Virtual time, like Go's `time` package under `testing/synctest`: a clock
//! per execution that starts at zero and never passes for real.
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

use crate::chan::Receiver;
use crate::rt::object::ModelChan;
use crate::rt::{self, announce, with_exec, Location, Op, TimerAction};

/// A point in virtual time: the time since the execution started.
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
    /// The time since the execution started.
    pub fn since_start(self) -> Duration {
        self.0
    }

    /// How much later `self` is than `earlier` (zero if it is not).
    pub fn duration_since(self, earlier: Instant) -> Duration {
        self.0.saturating_sub(earlier.0)
    }

    /// The virtual time passed since `self` (a scheduling point).
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

fn clock_step(loc: Location) {
    announce(Op::Clock, loc);
}

/// The current virtual time (a scheduling point).
#[track_caller]
pub fn now() -> Instant {
    clock_step(panic::Location::caller());
    with_exec(|ex| Instant(ex.now))
}

/// Blocks the calling task for `d` of virtual time.
#[track_caller]
pub fn sleep(d: Duration) {
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

/// Starts a timer that sends the time on `chan` after `d`, every `period`
/// if given; returns its id.
fn start_timer(chan: &Arc<ModelChan<Instant>>, d: Duration, period: Option<Duration>) -> u64 {
    with_exec(|ex| {
        let id = chan.obj.id(ex);
        let target = chan.clone();
        let send =
            Box::new(move |ex: &mut rt::Execution, now: Duration| target.timer_send(ex, id, Instant(now)));
        ex.add_timer(d, period, TimerAction::Send { chan: id, send })
    })
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
    let loc = panic::Location::caller();
    clock_step(loc);
    let chan = ModelChan::<Instant>::new(1, false, loc);
    start_timer(&chan, d, None);
    Receiver::from_chan(chan)
}

/// A ticker: sends the time every `d` on a channel of capacity 1, dropping
/// ticks while it is full, like Go's `time.Ticker`. Stop it when done.
#[derive(Debug)]
pub struct Ticker {
    rx: Receiver<Instant>,
    id: AtomicU64,
    serial: u64,
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
    clock_step(loc);
    let chan = ModelChan::<Instant>::new(1, false, loc);
    let id = start_timer(&chan, d, Some(d));
    let serial = with_exec(|ex| ex.serial);
    Ticker { rx: Receiver::from_chan(chan), id: AtomicU64::new(id), serial }
}

impl Ticker {
    /// The channel the ticks arrive on.
    pub fn rx(&self) -> &Receiver<Instant> {
        &self.rx
    }

    /// Stops the ticker: no more ticks are sent.
    #[track_caller]
    pub fn stop(&self) {
        clock_step(panic::Location::caller());
        let id = self.id.load(Ordering::Relaxed);
        with_exec(|ex| {
            if ex.serial == self.serial {
                ex.cancel_timer(id);
            }
        });
    }

    /// Stops the ticker and restarts it with period `d`.
    #[track_caller]
    pub fn reset(&self, d: Duration) {
        let loc = panic::Location::caller();
        if d.is_zero() {
            rt::go_panic("non-positive interval for Ticker.Reset", loc);
        }
        clock_step(loc);
        with_exec(|ex| ex.cancel_timer(self.id.load(Ordering::Relaxed)));
        let id = start_timer(&self.rx.chan, d, Some(d));
        self.id.store(id, Ordering::Relaxed);
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
    id: AtomicU64,
    serial: u64,
}

impl Timer {
    /// A timer that fires once, `d` from now.
    #[track_caller]
    pub fn new(d: Duration) -> Timer {
        let loc = panic::Location::caller();
        clock_step(loc);
        let chan = ModelChan::<Instant>::new(1, false, loc);
        let id = start_timer(&chan, d, None);
        let serial = with_exec(|ex| ex.serial);
        Timer { rx: Receiver::from_chan(chan), id: AtomicU64::new(id), serial }
    }

    /// The channel the time arrives on.
    pub fn rx(&self) -> &Receiver<Instant> {
        &self.rx
    }

    /// Stops the timer; true if that prevented it from firing.
    #[track_caller]
    pub fn stop(&self) -> bool {
        clock_step(panic::Location::caller());
        let id = self.id.load(Ordering::Relaxed);
        with_exec(|ex| ex.serial == self.serial && ex.cancel_timer(id))
    }

    /// Makes the timer fire `d` from now; true if it was still pending.
    #[track_caller]
    pub fn reset(&self, d: Duration) -> bool {
        let loc = panic::Location::caller();
        clock_step(loc);
        let was_pending = with_exec(|ex| ex.cancel_timer(self.id.load(Ordering::Relaxed)));
        let id = start_timer(&self.rx.chan, d, None);
        self.id.store(id, Ordering::Relaxed);
        was_pending
    }
}
