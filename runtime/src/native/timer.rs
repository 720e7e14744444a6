//! Native timers: one thread, started on first use, serves every timer
//! of the process (`time::after`, `tick`, `Timer`, context deadlines).
//!
//! Timers wait in a heap ordered by deadline. The thread sleeps until the
//! earliest one (or until a new timer comes first), takes the due ones'
//! actions out, and runs them without its lock held, since an action may
//! stop or start timers (a context deadline stops its own timer). A
//! periodic timer's action goes back, and its next deadline follows the
//! last one by its period; a receiver too slow for the ticks loses them,
//! as in Go, because the actions only `try_send`.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

/// What a timer does when it fires.
pub(crate) type Action = Box<dyn FnMut() + Send>;

/// A pending timer.
struct Entry {
    deadline: Instant,
    period: Option<Duration>,
    /// Taken out while the action runs.
    action: Option<Action>,
}

/// The timers of the process.
#[derive(Default)]
struct State {
    /// Deadlines and ids; an id whose entry is gone or has another
    /// deadline is a stale copy, skipped.
    heap: BinaryHeap<Reverse<(Instant, u64)>>,
    entries: HashMap<u64, Entry>,
    next_id: u64,
    started: bool,
}

struct Timers {
    state: Mutex<State>,
    /// Wakes the thread when a timer earlier than its sleep comes.
    changed: Condvar,
}

fn timers() -> &'static Timers {
    static TIMERS: OnceLock<Timers> = OnceLock::new();
    TIMERS.get_or_init(|| Timers { state: Mutex::new(State::default()), changed: Condvar::new() })
}

/// Starts a timer that runs `action` `after` from now, and every `period`
/// after that if given. Returns its id, for [`stop`].
pub(crate) fn start(after: Duration, period: Option<Duration>, action: Action) -> u64 {
    let timers = timers();
    let mut state = timers.state.lock();
    if !state.started {
        state.started = true;
        std::thread::Builder::new()
            .name("goweave-timers".into())
            .spawn(run)
            .unwrap_or_else(|e| panic!("goweave: could not start the timer thread: {e}"));
    }
    state.next_id += 1;
    let id = state.next_id;
    let deadline = Instant::now() + after;
    state.entries.insert(id, Entry { deadline, period, action: Some(action) });
    let earliest = state.heap.peek().is_none_or(|Reverse((d, _))| deadline < *d);
    state.heap.push(Reverse((deadline, id)));
    if earliest {
        timers.changed.notify_one();
    }
    id
}

/// Stops timer `id`: true if that kept it from firing (it was pending).
pub(crate) fn stop(id: u64) -> bool {
    let mut state = timers().state.lock();
    match state.entries.remove(&id) {
        // A one-shot timer whose action is running has fired already.
        Some(entry) => entry.action.is_some() || entry.period.is_some(),
        None => false,
    }
}

/// The timer thread.
fn run() {
    let timers = timers();
    let mut due: Vec<(u64, Action)> = Vec::new();
    let mut state = timers.state.lock();
    loop {
        let now = Instant::now();
        while let Some(&Reverse((deadline, id))) = state.heap.peek() {
            if deadline > now {
                break;
            }
            state.heap.pop();
            let Some(entry) = state.entries.get_mut(&id) else { continue };
            if entry.deadline != deadline {
                continue;
            }
            let Some(action) = entry.action.take() else { continue };
            if entry.period.is_none() {
                state.entries.remove(&id);
            }
            due.push((id, action));
        }
        if !due.is_empty() {
            drop(state);
            for (_, action) in due.iter_mut() {
                action();
            }
            state = timers.state.lock();
            let now = Instant::now();
            for (id, action) in due.drain(..) {
                // Back, unless it was stopped while it ran. Periods missed
                // while the thread lagged are skipped, as Go's ticker does.
                if let Some(entry) = state.entries.get_mut(&id) {
                    let period = entry.period.expect("only periodic timers stay");
                    entry.deadline += period;
                    while entry.deadline <= now {
                        entry.deadline += period;
                    }
                    entry.action = Some(action);
                    let deadline = entry.deadline;
                    state.heap.push(Reverse((deadline, id)));
                }
            }
            continue;
        }
        match state.heap.peek() {
            Some(&Reverse((deadline, _))) => {
                timers.changed.wait_until(&mut state, deadline);
            }
            None => timers.changed.wait(&mut state),
        }
    }
}
