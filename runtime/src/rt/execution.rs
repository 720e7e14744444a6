//! The state of one execution: its tasks, objects, clock and trace.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use goweave_checkers::{Event, EventKind, HappensBefore, Race, Trace};

use super::current::next_serial;
use super::object::Object;
use super::ops::Op;
use super::step::StepState;
use super::task::{SpawnFn, Task, TaskState};
use super::timers::{EarlyFiring, TimerEntry};
use super::Location;
use crate::footprint::{ObjectId, TaskId};
use crate::strategy::Picker;

/// Why an execution stopped early, decided inside a task.
#[derive(Clone, Debug)]
pub(crate) enum Stop {
    /// The schedule being replayed does not fit the program.
    Diverged(String),
    /// Two unordered conflicting accesses.
    Race(Race),
    /// Tasks wait on each other's locks in a cycle (the tasks along it).
    LockCycle(Vec<TaskId>),
    /// Exhaustive search found the rest of this execution redundant.
    Pruned,
}

/// One run of the test body: its tasks, objects, clock, trace, and the
/// scheduler's state (see the [module docs](super)).
pub(crate) struct Execution {
    /// Unique in the process: handles check that they belong to it.
    pub serial: u64,
    /// Every task, by id (the body is 0).
    pub tasks: Vec<Task>,
    /// Every object, by id, in creation order.
    pub objects: Vec<Object>,
    /// The task running (or last resumed).
    pub current: TaskId,
    /// The task chosen for the last step (`current` is the last one
    /// resumed, which may be a woken partner): preemptions are counted
    /// against it.
    pub last_chosen: TaskId,
    /// Scheduling steps taken so far.
    pub step: u32,
    /// Every operation performed, in order.
    pub trace: Trace,
    /// Tasks spawned and not yet turned into coroutines, with their stack
    /// size (0: the configured one).
    pub spawn_queue: Vec<(TaskId, SpawnFn, usize, Option<Arc<str>>)>,
    /// Tasks to resume before the next choice (spawned, woken, completed).
    pub resume_queue: VecDeque<TaskId>,
    /// The execution is being torn down: tasks unwind.
    pub aborting: bool,
    /// The body (task 0) returned.
    pub main_done: bool,
    /// The error the body returned, if any.
    pub body_error: Option<String>,
    /// Why the execution stopped early, if it did.
    pub stop: Option<Stop>,
    /// The strategy, as the engine talks to it.
    pub picker: Picker,
    /// Happens-before, computed lazily: only executions that touch a
    /// `Shared` variable or a WaitGroup pay for it.
    pub hb: HappensBefore,
    /// The events `hb` has seen.
    pub hb_upto: usize,
    /// Whether data races are checked (`Config::race_checks`).
    pub race_checks: bool,
    /// Mutexes and read-write mutexes made: lock orders need two.
    pub locks_created: usize,
    /// Tasks that started waiting on a lock in this step: the wait-for
    /// graph may have closed a cycle through them.
    pub lock_waiters: Vec<TaskId>,
    /// Tasks spawned, woken or completed by a partner during the current
    /// step: their next steps are ordered after it.
    pub touched: Vec<TaskId>,
    /// Tasks whose steps so far the current step is ordered after, though
    /// it touches nothing they wrote: the task it joins. (Not the waiting
    /// partner a send or receive pairs with: arrivals commute, see
    /// `ChanState::rendezvous_footprint`, and an order between them would
    /// hide races of the later one.)
    pub joined: Vec<TaskId>,
    /// Virtual time since the execution started.
    pub now: Duration,
    /// Pending timers.
    pub timers: Vec<TimerEntry>,
    /// Timers made so far: the next timer's id and tie-breaking order.
    pub timer_seq: u64,
    /// Whether any timer was made (reports then state `early_timers`).
    pub timers_made: bool,
    /// The longest time to its deadline at which a timer may fire while
    /// some task can still run (`Config::early_timers`).
    pub early_timers: Duration,
    /// Tells the watchdog which task runs, when `Config::step_timeout`
    /// is on.
    pub heartbeat: Option<std::sync::Arc<super::watchdog::Heartbeat>>,
    /// The early firings of this execution, for its report.
    pub early_firings: Vec<EarlyFiring>,
    /// The scheduler's state for choosing moves.
    pub stepping: StepState,
}

impl Execution {
    /// A fresh execution with `picker` choosing its moves.
    pub(crate) fn new(picker: Picker, hb: HappensBefore) -> Execution {
        Execution {
            serial: next_serial(),
            tasks: Vec::new(),
            objects: Vec::new(),
            current: 0,
            last_chosen: 0,
            step: 0,
            trace: Trace::default(),
            spawn_queue: Vec::new(),
            resume_queue: VecDeque::new(),
            aborting: false,
            main_done: false,
            body_error: None,
            stop: None,
            picker,
            hb,
            hb_upto: 0,
            race_checks: true,
            locks_created: 0,
            lock_waiters: Vec::new(),
            touched: Vec::new(),
            joined: Vec::new(),
            now: Duration::ZERO,
            timers: Vec::new(),
            timer_seq: 0,
            timers_made: false,
            early_timers: Duration::MAX,
            heartbeat: None,
            early_firings: Vec::new(),
            stepping: StepState::default(),
        }
    }

    /// Resets this execution for the next run, keeping its allocations.
    pub(crate) fn renew(&mut self, picker: Picker) {
        self.serial = next_serial();
        self.tasks.clear();
        self.objects.clear();
        self.current = 0;
        self.last_chosen = 0;
        self.step = 0;
        self.trace.clear();
        self.spawn_queue.clear();
        self.resume_queue.clear();
        self.aborting = false;
        self.main_done = false;
        self.body_error = None;
        self.stop = None;
        self.picker = picker;
        self.hb.reset();
        self.hb_upto = 0;
        self.locks_created = 0;
        self.lock_waiters.clear();
        self.touched.clear();
        self.joined.clear();
        self.now = Duration::ZERO;
        self.timers.clear();
        self.timer_seq = 0;
        self.timers_made = false;
        self.early_firings.clear();
    }

    /// Adds a task (not yet started) and queues its body to be turned into
    /// a coroutine by the scheduler.
    /// `stack_size` 0 takes the configured size.
    pub(crate) fn add_task(
        &mut self,
        name: Option<Arc<str>>,
        at: Location,
        body: SpawnFn,
        stack_size: usize,
    ) -> TaskId {
        let id = self.tasks.len();
        self.spawn_queue.push((id, body, stack_size, name.clone()));
        self.tasks.push(Task {
            name,
            state: TaskState::Resumable,
            op: Op::Start,
            location: at,
            arms: Vec::new(),
            completed_arm: None,
            registered: false,
            closed_arm: None,
            yielder: std::ptr::null(),
            spawned_at: at,
            panic: None,
            panic_joined: false,
            unlocks: 0,
        });
        self.resume_queue.push_back(id);
        self.touched.push(id);
        id
    }

    /// Whether no failure stopped the execution and no task is due to be
    /// resumed before the next choice (the scheduling loop's conditions
    /// for choosing).
    pub(crate) fn nothing_due(&self) -> bool {
        self.stop.is_none()
            && self.tasks[0].panic.is_none()
            && self.spawn_queue.is_empty()
            && self.resume_queue.is_empty()
    }

    /// Makes a waiting task runnable again with a new announced operation.
    pub(crate) fn wake_with(&mut self, t: TaskId, op: Op) {
        let task = &mut self.tasks[t];
        task.op = op;
        task.state = TaskState::Announced;
        self.touched.push(t);
        if matches!(op, Op::Relock(_)) {
            self.lock_waiters.push(t);
        }
    }

    /// Resumes a waiting task before the next choice (its operation is done).
    pub(crate) fn wake_now(&mut self, t: TaskId) {
        self.tasks[t].state = TaskState::Resumable;
        self.resume_queue.push_back(t);
        self.touched.push(t);
    }

    /// Appends an event to the trace, and checks for a data race where the
    /// event can make one.
    #[inline]
    pub(crate) fn record(
        &mut self,
        task: TaskId,
        object: Option<ObjectId>,
        kind: EventKind,
        location: Location,
    ) {
        self.trace.push(Event { step: self.step, task, object, kind, location });
        if self.race_checks
            && matches!(
                kind,
                EventKind::SharedRead
                    | EventKind::SharedWrite
                    | EventKind::WaitGroupAdd { .. }
                    | EventKind::WaitGroupWait { blocked: true }
            )
        {
            self.check_races();
        }
    }

    /// Brings the happens-before state up to the end of the trace.
    #[cold]
    fn check_races(&mut self) {
        if self.stop.is_some() {
            return;
        }
        let events = self.trace.events();
        while self.hb_upto < events.len() {
            let i = self.hb_upto;
            self.hb_upto += 1;
            if let Some(race) = self.hb.observe(i, &events[i]) {
                self.stop = Some(Stop::Race(race));
                return;
            }
        }
    }

    /// The name to show for a task in reports.
    pub(crate) fn task_label(&self, t: TaskId) -> String {
        task_label(t, self.tasks[t].name.as_deref())
    }

    /// A task's short name, for timeline columns.
    pub(crate) fn task_short(&self, t: TaskId) -> String {
        match &self.tasks[t].name {
            Some(n) => n.to_string(),
            None if t == 0 => "main".to_string(),
            None => format!("task {t}"),
        }
    }
}

/// The name to show for task `t`, named `name`, in reports and messages:
/// `task 1 "worker"`, `task 0 (test body)`, `task 2`.
pub(crate) fn task_label(t: TaskId, name: Option<&str>) -> String {
    match name {
        Some(n) => format!("task {t} \"{n}\""),
        None if t == 0 => "task 0 (test body)".to_string(),
        None => format!("task {t}"),
    }
}
