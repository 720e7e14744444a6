//! Running executions: the scheduling loop, one execution after another
//! on this thread, and tearing an execution down.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

use goweave_checkers::{HappensBefore, LockOrder};

use super::coroutine::{self, install_panic_hook, take_cached_stacks, Co, StackPool};
use super::current::{install, uninstall, with_exec};
use super::overflow::{self, TaskStack};
use super::protocol::Resume;
use super::step::{next_move, End, Next};
use super::task::{SpawnFn, TaskState};
use super::verdict::{verdict, Describe, Verdict};
use super::watchdog::Heartbeat;
use super::Execution;
use crate::config::Config;
use crate::footprint::TaskId;
use crate::schedule::Schedule;
use crate::strategy::Picker;

/// A test body as the engine runs it.
pub(crate) type Body = Arc<dyn Fn() -> Result<(), String> + Send + Sync>;

/// Sees the state after every scheduling choice of an execution (the
/// forensic replay of a failure records what its trace does not say).
/// With an observer, tasks never choose in place: every choice goes
/// through the scheduling loop, where the observer sees it.
pub(crate) trait StepObserver {
    /// The state after a choice, before the chosen task runs (and once
    /// more at the end).
    fn after_choice(&mut self, ex: &Execution);
}

/// Runs executions one after the other on this thread, reusing coroutine
/// stacks across them.
pub(crate) struct Runner {
    stacks: StackPool,
    /// Each task's coroutine while it runs, and whether its stack is the
    /// pool's.
    coroutines: Vec<Option<(Co, TaskStack, bool)>>,
    spawns: Vec<(TaskId, SpawnFn, usize, Option<Arc<str>>)>,
    max_steps: u64,
    /// The last execution, kept for its allocations (and, when the runner
    /// is dropped, for the next runner on this thread).
    spare: SpareShell,
    /// Scheduling steps taken over all executions of this runner.
    pub(crate) steps: u64,
    /// Whether any execution of this runner made a timer (`Stats` then
    /// states `early_timers`).
    pub(crate) timers_made: bool,
    race_checks: bool,
    /// `Config::early_timers`.
    early_timers: std::time::Duration,
    /// What the watchdog reads, when `Config::step_timeout` is on.
    heartbeat: Option<Arc<Heartbeat>>,
    /// The lock-order graph of this worker's executions, when checked.
    pub(crate) lock_order: Option<LockOrder>,
    /// The schedules of the executions that added lock-order edges.
    pub(crate) order_schedules: BTreeMap<u64, Schedule>,
    /// Writes the report of a failed execution.
    describe: Describe,
    /// The body last run, and this thread's own handle on it.
    body: Option<(Body, Rc<Body>)>,
}

thread_local! {
    /// An execution shell kept on this thread between explorations, for
    /// the same reason as [`STACK_CACHE`]: its tasks, objects, trace and
    /// queues would otherwise grow from empty in every `explore` call.
    static SHELL_CACHE: RefCell<Option<Box<Execution>>> = const { RefCell::new(None) };
}

/// This thread's cached execution shell, if any.
fn take_cached_shell() -> Option<Box<Execution>> {
    SHELL_CACHE.try_with(|c| c.try_borrow_mut().ok().and_then(|mut c| c.take())).ok().flatten()
}

/// The runner's last execution; on drop, emptied and given to this
/// thread's cache.
struct SpareShell(Option<Box<Execution>>);

impl Drop for SpareShell {
    fn drop(&mut self) {
        let Some(mut ex) = self.0.take() else { return };
        // Emptied here, before the cache is borrowed, so that no user value
        // outlives the exploration and a value's drop that starts another
        // exploration finds the cache free.
        ex.renew(Picker::idle());
        let _ = SHELL_CACHE.try_with(|c| {
            if let Ok(mut c) = c.try_borrow_mut() {
                *c = Some(ex);
            }
        });
    }
}

impl Runner {
    /// A runner for executions as `config` says (stack size, race checks,
    /// early timers), of at most `max_steps` steps, recording the
    /// lock-order graph if `lock_order`; `describe` writes the reports of
    /// failed executions.
    pub(crate) fn new(config: &Config, max_steps: u64, lock_order: bool, describe: Describe) -> Runner {
        install_panic_hook();
        overflow::prepare_thread();
        let stack_size = config.stack_size;
        Runner {
            stacks: StackPool { size: stack_size, free: take_cached_stacks(stack_size) },
            coroutines: Vec::new(),
            spawns: Vec::new(),
            max_steps,
            spare: SpareShell(None),
            steps: 0,
            timers_made: false,
            race_checks: config.race_checks,
            early_timers: config.early_timers,
            heartbeat: Heartbeat::watched(config.step_timeout, test_name(config)),
            lock_order: lock_order.then(LockOrder::default),
            order_schedules: BTreeMap::new(),
            describe,
            body: None,
        }
    }

    /// The execution that ran last, kept until the next one starts.
    pub(crate) fn last_execution(&self) -> Option<&Execution> {
        self.spare.0.as_deref()
    }

    /// Runs execution number `index` of the exploration, of `body` with
    /// `picker`; gives the picker back with the verdict (`None`: no
    /// failure).
    pub(crate) fn run(&mut self, index: u64, body: &Body, picker: Picker) -> (Picker, Option<Verdict>) {
        self.run_with(index, body, picker, None)
    }

    /// [`run`](Self::run), showing `observer` the state after every choice.
    pub(crate) fn run_observed(
        &mut self,
        index: u64,
        body: &Body,
        picker: Picker,
        observer: &mut dyn StepObserver,
    ) -> (Picker, Option<Verdict>) {
        self.run_with(index, body, picker, Some(observer))
    }

    fn run_with(
        &mut self,
        index: u64,
        body: &Body,
        picker: Picker,
        mut observer: Option<&mut dyn StepObserver>,
    ) -> (Picker, Option<Verdict>) {
        // The previous execution's shell keeps its allocations.
        let mut ex = match self.spare.0.take().or_else(take_cached_shell) {
            Some(mut ex) => {
                ex.renew(picker);
                ex
            }
            None => Box::new(Execution::new(picker, HappensBefore::default())),
        };
        ex.race_checks = self.race_checks;
        ex.early_timers = self.early_timers;
        if let Some(beat) = &self.heartbeat {
            beat.start(index);
        }
        // A cached shell may carry another runner's heartbeat.
        let same = match (&ex.heartbeat, &self.heartbeat) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (a, b) => a.is_none() && b.is_none(),
        };
        if !same {
            ex.heartbeat.clone_from(&self.heartbeat);
        }
        // The body is shared by every worker thread: cloning it for each
        // execution would make them contend on its reference count.
        let main_body = match &self.body {
            Some((arc, rc)) if Arc::ptr_eq(arc, body) => Rc::clone(rc),
            _ => {
                let rc = Rc::new(body.clone());
                self.body = Some((body.clone(), Rc::clone(&rc)));
                rc
            }
        };
        let here = std::panic::Location::caller();
        ex.add_task(
            None,
            here,
            Box::new(move || {
                if let Err(e) = main_body() {
                    with_exec(|ex| ex.body_error = Some(e));
                }
            }),
            0,
        );
        ex.picker.on_spawn(0);
        // A task may choose the next move itself, without switching to the
        // scheduler, unless an observer must see every choice. Exhaustive
        // search's bookkeeping then runs on the task's stack: it fits the
        // smallest one (see tests/dpor.rs).
        let footprints = ex.picker.wants_footprints();
        ex.stepping.reset(self.max_steps, footprints, observer.is_some());
        install(&mut ex);
        let verdict = self.schedule_loop(&mut observer);
        self.teardown(verdict.is_some());
        uninstall();
        if let Some(beat) = &self.heartbeat {
            beat.stop();
        }
        self.steps += u64::from(ex.step);
        self.timers_made |= ex.timers_made;
        if let Some(order) = self.lock_order.as_mut().filter(|_| verdict.is_none() && ex.locks_created >= 2) {
            let before = order.edge_count();
            order.begin_execution(index);
            for event in ex.trace.events() {
                order.observe(event);
            }
            if order.edge_count() > before {
                self.order_schedules.insert(index, ex.replayable_schedule());
            }
        }
        let picker = std::mem::replace(&mut ex.picker, Picker::idle());
        self.spare.0 = Some(ex);
        (picker, verdict)
    }

    /// Switches to task `t`, whose state the engine already set to running,
    /// until it suspends or ends.
    fn switch_to(&mut self, t: TaskId) {
        let (co, stack, _) = self.coroutines[t].as_mut().expect("resumed a task without a coroutine");
        if coroutine::resume(co, stack, Resume::Go) {
            let (co, _, pooled) = self.coroutines[t].take().expect("coroutine");
            if pooled {
                self.stacks.free.push(co.into_stack());
            }
        }
    }

    /// Turns the spawns taken from the engine into coroutines.
    fn start_spawns(&mut self) {
        if self.spawns.is_empty() {
            return;
        }
        let mut spawns = std::mem::take(&mut self.spawns);
        for (id, body, stack_size, name) in spawns.drain(..) {
            if self.coroutines.len() <= id {
                self.coroutines.resize_with(id + 1, || None);
            }
            if let (Some(beat), Some(name)) = (&self.heartbeat, &name) {
                beat.named(id, name.clone());
            }
            self.coroutines[id] =
                Some(coroutine::new_coroutine(&mut self.stacks, id, name, body, stack_size));
        }
        self.spawns = spawns;
    }

    /// Runs the execution to its end. Each round is one engine call: stop
    /// if the body panicked or the execution stopped; else resume the next
    /// task due before the next choice (spawned, woken or completed by a
    /// partner); else choose the next move.
    fn schedule_loop(&mut self, observer: &mut Option<&mut dyn StepObserver>) -> Option<Verdict> {
        loop {
            let round = with_exec(|ex| {
                if let Some(next) = ex.stepping.decided.take() {
                    // A task chose this move just before it suspended.
                    return Round::Chose(next);
                }
                if ex.stop.is_some() || ex.tasks[0].panic.is_some() {
                    return Round::Stopped;
                }
                if !ex.spawn_queue.is_empty() {
                    std::mem::swap(&mut self.spawns, &mut ex.spawn_queue);
                }
                if let Some(t) = ex.resume_queue.pop_front() {
                    ex.current = t;
                    ex.tasks[t].state = TaskState::Running;
                    if let Some(beat) = &ex.heartbeat {
                        beat.resuming(t, ex.tasks[t].location, ex.tasks[t].spawned_at);
                    }
                    return Round::Resume(t);
                }
                Round::Chose(next_move(ex))
            });
            self.start_spawns();
            let next = match round {
                Round::Resume(t) => {
                    self.switch_to(t);
                    continue;
                }
                Round::Chose(next) => next,
                Round::Stopped => Next::End(End::Stopped),
            };
            if let Some(observer) = observer {
                with_exec(|ex| observer.after_choice(ex));
            }
            match next {
                Next::End(end) => {
                    // Writing a report is goweave's own work, however long.
                    if let Some(beat) = &self.heartbeat {
                        beat.stop();
                    }
                    return with_exec(|ex| {
                        let preemptions = std::mem::take(&mut ex.stepping.preemptions);
                        let verdict = verdict(ex, end, &preemptions, self.describe);
                        ex.stepping.preemptions = preemptions;
                        verdict
                    });
                }
                Next::Fired => {}
                Next::Run(t) => {
                    if observer.is_some() {
                        with_exec(|ex| ex.tasks[t].state = TaskState::Running);
                    }
                    self.switch_to(t);
                }
            }
        }
    }

    /// Unwinds every unfinished task so its stack can be reused and its
    /// values dropped. Newest first: a scoped task may borrow from the
    /// stack of the task that made its scope, which is older, so it must
    /// unwind before that stack does.
    ///
    /// After a failure (its report is written already) the unfinished
    /// tasks are blocked or leaked ones: they are left as they are, their
    /// stacks and values never freed, as a Go program never runs a leaked
    /// goroutine's defers. Unwinding them would run their destructors
    /// during unwinding, where a destructor's panic aborts the process and
    /// takes the report with it. A failing exploration runs few such
    /// executions (the failure, its minimization and forensic replays).
    fn teardown(&mut self, failed: bool) {
        with_exec(|ex| ex.aborting = true);
        // Unwinding runs the tasks' destructors: user code, watched again.
        if let Some(beat) = &self.heartbeat {
            beat.watch_again();
        }
        for t in (0..self.coroutines.len()).rev() {
            let Some((mut co, stack, pooled)) = self.coroutines[t].take() else {
                continue;
            };
            if failed && co.started() {
                std::mem::forget(co);
                continue;
            }
            if co.started() {
                with_exec(|ex| ex.current = t);
                if let Some(beat) = &self.heartbeat {
                    beat.beat();
                }
                assert!(
                    coroutine::resume(&mut co, &stack, Resume::Abort),
                    "goweave: a task kept running while being torn down (does a Drop implementation \
                     catch panics and loop on goweave operations?)"
                );
                if pooled {
                    self.stacks.free.push(co.into_stack());
                }
            } else {
                // Never ran: dropping it drops its closure and frees nothing
                // on the stack, which we then reuse.
                drop(co);
            }
        }
        self.coroutines.clear();
    }
}

/// What one round of the scheduling loop found to do.
enum Round {
    /// The execution stopped (a failure or a pruned schedule).
    Stopped,
    /// A task due before the next choice.
    Resume(TaskId),
    /// The next move was chosen.
    Chose(Next),
}

/// The test's name for the watchdog's message: the configured name, else
/// the thread's (the test harness names each test's thread after it).
fn test_name(config: &Config) -> String {
    config
        .test_name
        .clone()
        .or_else(|| std::thread::current().name().map(str::to_string))
        .unwrap_or_else(|| "(unnamed)".to_string())
}
