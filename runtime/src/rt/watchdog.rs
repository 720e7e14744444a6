//! A watchdog on real time: an execution whose scheduling step takes
//! longer than `Config::step_timeout` is stuck outside goweave's control
//! (a std lock held across a goweave operation, a real blocking call, a
//! loop that reaches no goweave operation). Nothing can stop the stuck
//! thread, so the watchdog says which task ran since which operation, what
//! is likely wrong and what to do, then ends the process with a failing
//! status instead of letting the test hang forever.
//!
//! Each runner publishes a [`Heartbeat`]: a step counter and the task it
//! resumed last with that task's operation, a few relaxed stores per step.
//! One watchdog thread per process, started by the first runner with a
//! timeout, reads them.

use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use super::Location;
use crate::footprint::TaskId;

/// What a runner tells the watchdog.
pub(crate) struct Heartbeat {
    /// `Config::step_timeout`, non-zero.
    timeout: Duration,
    /// The test, as reports name it.
    test: String,
    /// Scheduling rounds so far; only the runner's thread writes it.
    steps: AtomicU64,
    /// Whether an execution is under way (between executions a runner
    /// does the strategy's work, which is not a step).
    active: AtomicBool,
    /// The execution's number within the exploration.
    execution: AtomicU64,
    /// The task resumed last, and where its last operation was.
    task: AtomicUsize,
    location: AtomicPtr<std::panic::Location<'static>>,
    /// The names of this execution's named tasks.
    names: Mutex<Vec<(TaskId, Arc<str>)>>,
    /// Whether `names` may hold some: most executions name no task, and
    /// need not lock it.
    named_any: AtomicBool,
}

impl Heartbeat {
    /// A heartbeat watched with `timeout` (none when zero) for `test`.
    pub(crate) fn watched(timeout: Duration, test: String) -> Option<Arc<Heartbeat>> {
        if timeout.is_zero() {
            return None;
        }
        let beat = Arc::new(Heartbeat {
            timeout,
            test,
            steps: AtomicU64::new(0),
            active: AtomicBool::new(false),
            execution: AtomicU64::new(0),
            task: AtomicUsize::new(0),
            location: AtomicPtr::new(std::ptr::null_mut()),
            names: Mutex::new(Vec::new()),
            named_any: AtomicBool::new(false),
        });
        watch(&beat);
        Some(beat)
    }

    /// Execution `index` starts.
    pub(crate) fn start(&self, index: u64) {
        if self.named_any.swap(false, Relaxed) {
            self.names.lock().unwrap_or_else(PoisonError::into_inner).clear();
        }
        self.execution.store(index, Relaxed);
        self.beat();
        self.active.store(true, Relaxed);
    }

    /// The execution ended, or goweave does its own work (a report).
    pub(crate) fn stop(&self) {
        self.active.store(false, Relaxed);
    }

    /// User code runs again (tasks' destructors as they are torn down).
    pub(crate) fn watch_again(&self) {
        self.beat();
        self.active.store(true, Relaxed);
    }

    /// Task `task`, whose last operation was at `location` (or which
    /// started there, if that is where it was spawned), runs now.
    #[inline]
    pub(crate) fn resuming(&self, task: TaskId, location: Location, spawned_at: Location) {
        let started = if std::ptr::eq(location, spawned_at) { NO_OPERATION_YET } else { 0 };
        self.task.store(task | started, Relaxed);
        self.location.store(location as *const _ as *mut _, Relaxed);
        self.beat();
    }

    /// A step happened.
    #[inline]
    pub(crate) fn beat(&self) {
        // Only this runner's thread writes: no read-modify-write needed.
        self.steps.store(self.steps.load(Relaxed).wrapping_add(1), Relaxed);
    }

    /// Task `task` of this execution is named `name`.
    pub(crate) fn named(&self, task: TaskId, name: Arc<str>) {
        self.named_any.store(true, Relaxed);
        self.names.lock().unwrap_or_else(PoisonError::into_inner).push((task, name));
    }

    /// The message the watchdog prints for this stuck runner.
    fn message(&self, stuck_for: Duration) -> String {
        let task = self.task.load(Relaxed);
        let started = task & NO_OPERATION_YET != 0;
        let task = task & !NO_OPERATION_YET;
        let location = self.location.load(Relaxed);
        let name = self
            .names
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .find(|(id, _)| *id == task)
            .map(|(_, name)| name.clone());
        let who = super::execution::task_label(task, name.as_deref());
        // SAFETY: the pointer was stored from a `&'static Location`.
        let since = match unsafe { location.as_ref() } {
            _ if started && task == 0 => "since it started".to_string(),
            Some(location) if started => format!("since it was spawned at {location}"),
            Some(location) => format!("since its goweave operation at {location}"),
            None => "since it started".to_string(),
        };
        format!(
            "\ngoweave: test `{test}` is stuck: no scheduling step for {secs} s (step_timeout is {limit:?}), in \
             execution {execution} of its exploration.\n  {who} has been running {since}, without reaching \
             another goweave operation.\n  It is likely blocked on something goweave does not control (a std \
             Mutex or RwLock held by another task, I/O, a real thread, std::thread::sleep), or spinning in a \
             loop with no goweave operation.\n  Use goweave's primitives for whatever tasks wait on \
             (goweave::sync, channels, goweave::time), or call goweave::yield_now() in a polling loop. If \
             one step is really this slow, raise the limit: Config::step_timeout, the attribute's \
             `step_timeout = \"60s\"`, or GOWEAVE_STEP_TIMEOUT=60s (0 turns it off).\ngoweave: ending the test \
             process with status 101: a stuck thread cannot be stopped.\n",
            test = self.test,
            secs = stuck_for.as_secs(),
            limit = self.timeout,
            execution = self.execution.load(Relaxed) + 1,
        )
    }
}

/// Marks, in `Heartbeat::task`, a task that has made no goweave operation
/// since it started.
const NO_OPERATION_YET: usize = 1 << (usize::BITS - 1);

/// The heartbeats of live runners.
static WATCHED: Mutex<Vec<Weak<Heartbeat>>> = Mutex::new(Vec::new());

fn watch(beat: &Arc<Heartbeat>) {
    let mut watched = WATCHED.lock().unwrap_or_else(PoisonError::into_inner);
    watched.retain(|w| w.strong_count() > 0);
    watched.push(Arc::downgrade(beat));
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        std::thread::Builder::new()
            .name("goweave-watchdog".into())
            .spawn(watchdog)
            .expect("goweave: could not start the watchdog thread");
    });
}

/// How often the watchdog looks.
const POLL: Duration = Duration::from_millis(100);

fn watchdog() {
    // Per heartbeat: the step count seen last, and since when.
    let mut seen: Vec<(Weak<Heartbeat>, u64, Instant)> = Vec::new();
    loop {
        std::thread::sleep(POLL);
        let live: Vec<Arc<Heartbeat>> =
            WATCHED.lock().unwrap_or_else(PoisonError::into_inner).iter().filter_map(Weak::upgrade).collect();
        seen.retain(|(w, ..)| w.strong_count() > 0);
        let now = Instant::now();
        for beat in live {
            let steps = beat.steps.load(Relaxed);
            let entry = match seen.iter_mut().find(|(w, ..)| std::ptr::eq(w.as_ptr(), Arc::as_ptr(&beat))) {
                Some(entry) => entry,
                None => {
                    seen.push((Arc::downgrade(&beat), steps, now));
                    continue;
                }
            };
            if entry.1 != steps || !beat.active.load(Relaxed) {
                (entry.1, entry.2) = (steps, now);
                continue;
            }
            let stuck_for = now - entry.2;
            if stuck_for < beat.timeout {
                continue;
            }
            if being_debugged() {
                // Paused at a breakpoint, most likely: not stuck.
                entry.2 = now;
                continue;
            }
            eprint!("{}", beat.message(stuck_for));
            std::process::exit(101);
        }
    }
}

/// Whether a debugger is attached (Linux: a tracer in /proc/self/status).
fn being_debugged() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status.lines().find_map(|l| l.strip_prefix("TracerPid:")).map(|pid| pid.trim() != "0")
        })
        .unwrap_or(false)
}
