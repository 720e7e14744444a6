//! Running executions: coroutines, the scheduling loop, the end-of-execution
//! verdict and its report.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::{Arc, Once};

use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, CoroutineResult, Yielder};
use goweave_checkers::{EventKind, HappensBefore, Inversion, LockOrder, RaceKind};

use crate::failure::{FailureKind, FailureTask};
use crate::rt::{
    self, with_exec, AbortTask, Dir, Execution, Footprint, GoPanic, ObjState, Op, PanicRecord, Resume, Stop,
    TaskId, TaskState, World,
};
use crate::schedule::Schedule;
use crate::strategy::{is_preemption, Chooser, Moves, FIRE, PRUNED};

type Co = Coroutine<Resume, (), (), DefaultStack>;

/// A test body as the engine runs it.
pub(crate) type Body = Arc<dyn Fn() -> Result<(), String> + Send + Sync>;

thread_local! {
    /// True while a task's coroutine runs, so the panic hook stays quiet
    /// and records instead of printing.
    static IN_TASK: Cell<bool> = const { Cell::new(false) };
    /// The location of the last panic inside a task, from the hook.
    static CAPTURED: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
}

/// Installs, once per process, a panic hook that records panics raised in
/// goweave tasks (they are reported in the failure report, once) and defers
/// to the previous hook for everything else.
fn install_panic_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_TASK.with(Cell::get) {
                let location = info.location().map(|l| l.to_string()).unwrap_or_default();
                let message = payload_message(info.payload()).unwrap_or_default();
                CAPTURED.with(|c| *c.borrow_mut() = Some((message, location)));
            } else {
                previous(info);
            }
        }));
    });
}

fn payload_message(payload: &(dyn std::any::Any + Send)) -> Option<String> {
    if let Some(s) = payload.downcast_ref::<&str>() {
        Some((*s).to_string())
    } else if let Some(s) = payload.downcast_ref::<String>() {
        Some(s.clone())
    } else {
        payload.downcast_ref::<GoPanic>().map(|g| g.message.clone())
    }
}

/// The verdict on one execution.
#[derive(Clone)]
pub(crate) struct Verdict {
    pub kind: FailureKind,
    pub body: String,
    pub schedule: Schedule,
    pub tasks: Vec<FailureTask>,
    /// What, beyond the kind, makes two failures the same one for schedule
    /// minimization: a panic's message and location, a race's two access
    /// locations, whether a leak hit the step limit.
    pub signature: String,
    /// The preemptive context switches of the execution.
    pub preemptions: usize,
    /// The scheduling steps it took.
    pub steps: u32,
}

/// Runs executions one after the other on this thread, reusing coroutine
/// stacks across them.
pub(crate) struct Runner {
    stacks: StackPool,
    coroutines: Vec<Option<Co>>,
    spawns: Vec<(TaskId, rt::SpawnFn)>,
    max_steps: u64,
    /// The last execution, kept for its allocations (and, when the runner
    /// is dropped, for the next runner on this thread).
    spare: SpareShell,
    /// Scheduling steps taken over all executions of this runner.
    pub(crate) steps: u64,
    race_checks: bool,
    /// The lock-order graph of this worker's executions, when checked.
    pub(crate) lock_order: Option<LockOrder>,
    /// The schedules of the executions that added lock-order edges.
    pub(crate) order_schedules: BTreeMap<u64, Schedule>,
    /// Set only for the forensic replay of a failure: sees every step.
    pub(crate) forensic: Option<crate::trace_export::Recorder>,
    /// The body last run, and this thread's own handle on it.
    body: Option<(Body, Rc<Body>)>,
}

/// Stacks kept on this thread between explorations: a test that calls
/// `explore` many times (or a suite of small tests on one thread) would
/// otherwise map and unmap every task stack once per call.
const CACHED_STACKS: usize = 16;

thread_local! {
    static STACK_CACHE: std::cell::RefCell<(usize, Vec<DefaultStack>)> =
        const { std::cell::RefCell::new((0, Vec::new())) };
}

/// This thread's cached stacks, if they have `size`.
fn take_cached_stacks(size: usize) -> Vec<DefaultStack> {
    STACK_CACHE
        .try_with(|cache| {
            let mut cache = cache.borrow_mut();
            if cache.0 == size {
                std::mem::take(&mut cache.1)
            } else {
                Vec::new()
            }
        })
        .unwrap_or_default()
}

/// Free task stacks; on drop, given to this thread's cache.
struct StackPool {
    size: usize,
    free: Vec<DefaultStack>,
}

impl Drop for StackPool {
    fn drop(&mut self) {
        let mut free = std::mem::take(&mut self.free);
        free.truncate(CACHED_STACKS);
        let size = self.size;
        let _ = STACK_CACHE.try_with(|cache| {
            let mut cache = cache.borrow_mut();
            if cache.0 != size || cache.1.len() < free.len() {
                *cache = (size, free);
            }
        });
    }
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
        ex.renew(Chooser::idle());
        let _ = SHELL_CACHE.try_with(|c| {
            if let Ok(mut c) = c.try_borrow_mut() {
                *c = Some(ex);
            }
        });
    }
}

impl Runner {
    pub(crate) fn new(stack_size: usize, max_steps: u64, lock_order: bool, race_checks: bool) -> Runner {
        install_panic_hook();
        Runner {
            stacks: StackPool { size: stack_size, free: take_cached_stacks(stack_size) },
            coroutines: Vec::new(),
            spawns: Vec::new(),
            max_steps,
            spare: SpareShell(None),
            steps: 0,
            race_checks,
            lock_order: lock_order.then(LockOrder::default),
            order_schedules: BTreeMap::new(),
            forensic: None,
            body: None,
        }
    }

    /// The execution that ran last, kept until the next one starts.
    pub(crate) fn last_execution(&self) -> Option<&Execution> {
        self.spare.0.as_deref()
    }

    fn new_coroutine(&mut self, id: TaskId, body: rt::SpawnFn) -> Co {
        let stack = match self.stacks.free.pop() {
            Some(s) => s,
            None => DefaultStack::new(self.stacks.size).expect("goweave: could not allocate a task stack"),
        };
        Coroutine::with_stack(stack, move |yielder: &Yielder<Resume, ()>, input: Resume| {
            with_exec(|ex| ex.tasks[id].yielder = yielder as *const _);
            if input == Resume::Abort {
                return;
            }
            let result = catch_unwind(AssertUnwindSafe(body));
            task_finished(id, result);
        })
    }

    /// Runs one execution of `body` with `chooser`; gives the chooser back
    /// with the verdict (`None`: no failure).
    /// Runs execution number `index` of the exploration.
    pub(crate) fn run(&mut self, index: u64, body: &Body, chooser: Chooser) -> (Chooser, Option<Verdict>) {
        // The previous execution's shell keeps its allocations.
        let mut ex = match self.spare.0.take().or_else(take_cached_shell) {
            Some(mut ex) => {
                ex.renew(chooser);
                ex
            }
            None => Box::new(Execution::new(chooser, HappensBefore::default())),
        };
        ex.race_checks = self.race_checks;
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
        );
        ex.chooser.on_spawn(0);
        // A task may choose the next move itself, without switching to the
        // scheduler, unless the forensic recorder must see every choice.
        // Exhaustive search's bookkeeping then runs on the task's stack: it
        // fits the smallest one (see tests/dpor.rs).
        let forensic = self.forensic.is_some();
        let footprints = ex.chooser.wants_footprints();
        ex.choosing.reset(self.max_steps, footprints, forensic);
        rt::install(&mut ex);
        let verdict = self.schedule_loop();
        self.teardown();
        rt::uninstall();
        self.steps += u64::from(ex.step);
        if let Some(order) = self.lock_order.as_mut().filter(|_| verdict.is_none() && ex.locks_created >= 2) {
            let before = order.edge_count();
            order.begin_execution(index);
            for event in ex.trace.events() {
                order.observe(event);
            }
            if order.edge_count() > before {
                self.order_schedules.insert(index, ex.chooser.schedule().clone());
            }
        }
        let chooser = std::mem::replace(&mut ex.chooser, Chooser::idle());
        self.spare.0 = Some(ex);
        (chooser, verdict)
    }

    /// Switches to task `t`, whose state the engine already set to running,
    /// until it suspends or ends.
    fn switch_to(&mut self, t: TaskId) {
        let co = self.coroutines[t].as_mut().expect("resumed a task without a coroutine");
        IN_TASK.with(|f| f.set(true));
        let result = co.resume(Resume::Go);
        IN_TASK.with(|f| f.set(false));
        if let CoroutineResult::Return(()) = result {
            let co = self.coroutines[t].take().expect("coroutine");
            self.stacks.free.push(co.into_stack());
        }
    }

    /// Turns the spawns taken from the engine into coroutines.
    fn start_spawns(&mut self) {
        if self.spawns.is_empty() {
            return;
        }
        let mut spawns = std::mem::take(&mut self.spawns);
        for (id, body) in spawns.drain(..) {
            if self.coroutines.len() <= id {
                self.coroutines.resize_with(id + 1, || None);
            }
            let co = self.new_coroutine(id, body);
            self.coroutines[id] = Some(co);
        }
        self.spawns = spawns;
    }

    /// Runs the execution to its end. Each round is one engine call: stop
    /// if the body panicked or the execution stopped; else resume the next
    /// task due before the next choice (spawned, woken or completed by a
    /// partner); else choose the next move.
    fn schedule_loop(&mut self) -> Option<Verdict> {
        loop {
            let round = with_exec(|ex| {
                if let Some(next) = ex.choosing.decided.take() {
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
            self.observe();
            match next {
                Next::End(end) => {
                    return with_exec(|ex| {
                        let preemptions = std::mem::take(&mut ex.choosing.preemptions);
                        let verdict = verdict(ex, end, &preemptions);
                        ex.choosing.preemptions = preemptions;
                        verdict
                    })
                }
                Next::Fired => {}
                Next::Run(t) => {
                    if self.forensic.is_some() {
                        with_exec(|ex| ex.tasks[t].state = TaskState::Running);
                    }
                    self.switch_to(t);
                }
            }
        }
    }

    /// Shows the forensic recorder, if any, the state after a choice.
    fn observe(&mut self) {
        if let Some(recorder) = self.forensic.as_mut() {
            with_exec(|ex| recorder.observe(ex));
        }
    }

    /// Unwinds every unfinished task so its stack can be reused and its
    /// values dropped.
    fn teardown(&mut self) {
        with_exec(|ex| ex.aborting = true);
        for t in 0..self.coroutines.len() {
            let Some(mut co) = self.coroutines[t].take() else {
                continue;
            };
            if co.started() {
                with_exec(|ex| ex.current = t);
                IN_TASK.with(|f| f.set(true));
                let result = co.resume(Resume::Abort);
                IN_TASK.with(|f| f.set(false));
                assert!(
                    matches!(result, CoroutineResult::Return(())),
                    "goweave: a task kept running while being torn down (does a Drop implementation \
                     catch panics and loop on goweave operations?)"
                );
                self.stacks.free.push(co.into_stack());
            } else {
                // Never ran: dropping it drops its closure and frees nothing
                // on the stack, which we then reuse.
                drop(co);
            }
        }
        self.coroutines.clear();
    }
}

/// The scheduler's state for choosing moves, kept in the execution so that
/// a task can choose in place (see [`rt::announce_act`]).
#[derive(Default)]
pub(crate) struct Choosing {
    enabled: Vec<TaskId>,
    footprints: Vec<(TaskId, Footprint)>,
    /// The step just taken, reported to the strategy before the next one.
    last_step: Option<(TaskId, Footprint)>,
    /// The steps of this execution that were preemptive context switches
    /// (see [`crate::strategy::is_preemption`]), for the report.
    preemptions: Vec<u32>,
    max_steps: u64,
    /// Whether the strategy wants footprints (it says so once, up front).
    wants_footprints: bool,
    /// Whether tasks may choose the next move themselves.
    pub(crate) in_place: bool,
    /// The state after a choice is seen by the forensic recorder before
    /// the chosen task runs: it is marked running by the loop, not here.
    forensic: bool,
    /// A move that a task chose and left to the scheduling loop.
    pub(crate) decided: Option<Next>,
}

impl Choosing {
    fn reset(&mut self, max_steps: u64, footprints: bool, forensic: bool) {
        self.last_step = None;
        self.preemptions.clear();
        self.max_steps = max_steps;
        self.wants_footprints = footprints;
        self.in_place = !forensic;
        self.forensic = forensic;
        self.decided = None;
    }
}

/// Chooses the next move: a task to resume, a timer firing, or the end.
#[inline]
pub(crate) fn next_move(ex: &mut Execution) -> Next {
    if ex.choosing.wants_footprints || !ex.timers.is_empty() {
        let mut enabled = std::mem::take(&mut ex.choosing.enabled);
        let next = choose(ex, &mut enabled);
        ex.choosing.enabled = enabled;
        return next;
    }
    choose_plain(ex)
}

/// [`choose`] when the strategy wants no footprints and no timer is
/// pending, as in most steps: the same decisions with the rare cases
/// (a lock cycle, the end, a pruned or diverged pick) out of line, and the
/// enabled tasks listed in place.
#[inline]
fn choose_plain(ex: &mut Execution) -> Next {
    if !ex.lock_waiters.is_empty() {
        if let Some(next) = stop_at_lock_cycle(ex) {
            return next;
        }
    }
    ex.chooser.predraw();
    let world = World { tasks: &ex.tasks, objects: &ex.objects };
    let enabled = &mut ex.choosing.enabled;
    enabled.clear();
    world.enabled_tasks(enabled);
    debug_assert!(enabled.iter().copied().eq((0..world.tasks.len()).filter(|&t| world.is_enabled(t))));
    if enabled.is_empty() {
        return Next::End(End::NothingEnabled);
    }
    if u64::from(ex.step) >= ex.choosing.max_steps {
        return Next::End(End::StepLimit);
    }
    ex.step += 1;
    let (previous, step) = (ex.last_chosen, ex.step);
    match ex.chooser.pick_task(&ex.choosing.enabled, previous, step) {
        Ok(t) if t < PRUNED => {
            ex.last_chosen = t;
            if t != previous && ex.choosing.enabled.contains(&previous) {
                ex.choosing.preemptions.push(step);
            }
            run_next(ex, t)
        }
        picked => {
            let enabled = std::mem::take(&mut ex.choosing.enabled);
            let next = take_pick(ex, &enabled, previous, picked, false);
            ex.choosing.enabled = enabled;
            next
        }
    }
}

/// Ends the execution if a lock wait begun in this step closed a cycle.
#[inline(never)]
fn stop_at_lock_cycle(ex: &mut Execution) -> Option<Next> {
    let cycle = closed_lock_cycle(ex)?;
    ex.stop = Some(Stop::LockCycle(cycle));
    Some(Next::End(End::Stopped))
}

#[inline(never)]
fn choose(ex: &mut Execution, enabled: &mut Vec<TaskId>) -> Next {
    let footprints = ex.choosing.wants_footprints;
    if footprints {
        // Passed where it lies, not moved out first: a footprint copied
        // and at once read back stalls the read (store forwarding fails).
        if let Some((task, footprint)) = &ex.choosing.last_step {
            ex.chooser.after_step(*task, footprint, &ex.touched);
            ex.choosing.last_step = None;
        }
        ex.touched.clear();
    }
    if !ex.lock_waiters.is_empty() {
        if let Some(next) = stop_at_lock_cycle(ex) {
            return next;
        }
    }
    enabled.clear();
    ex.world().enabled_tasks(enabled);
    debug_assert!(enabled.iter().copied().eq((0..ex.tasks.len()).filter(|&t| ex.is_enabled(t))));
    let timer = !ex.timers.is_empty() && ex.timer_useful();
    if enabled.is_empty() && (!timer || ex.tasks.iter().all(|t| t.state == TaskState::Finished)) {
        if footprints {
            // The tasks left waiting (in a deadlock) have next steps that
            // may race with earlier ones: reversing those races can avoid
            // this end or reach another.
            show_moves(ex, false, Shown::Forced);
        }
        return Next::End(End::NothingEnabled);
    }
    if u64::from(ex.step) >= ex.choosing.max_steps {
        return Next::End(End::StepLimit);
    }
    ex.step += 1;
    if enabled.is_empty() {
        // Every task is blocked: time passes to the earliest deadline.
        if footprints {
            // No choice here, but the firing may race with earlier steps
            // (one that set another timer could have come after it).
            show_moves(ex, true, Shown::Forced);
            ex.choosing.last_step = Some((FIRE, Footprint::Global));
        }
        ex.fire_earliest_timer();
        return Next::Fired;
    }
    if timer {
        enabled.push(FIRE);
    }
    if footprints {
        match ex.chooser.wants_moves() {
            Moves::All => show_moves(ex, timer, Shown::Choice),
            Moves::Blocked => show_moves(ex, false, Shown::Blocked(enabled)),
            Moves::None => {}
        }
    }
    let previous = ex.last_chosen;
    let picked = ex.chooser.pick_task(enabled, previous, ex.step);
    take_pick(ex, enabled, previous, picked, footprints)
}

/// Where [`show_moves`] shows the moves.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shown<'a> {
    /// Before the strategy picks one, when it asks for them all.
    Choice,
    /// Before the strategy picks one of these enabled moves: only the
    /// others, those of the tasks that cannot run.
    Blocked(&'a [TaskId]),
    /// Where there is nothing to pick: the end, or a forced timer firing.
    Forced,
}

/// Shows the strategy the next operation of every waiting task, enabled
/// or not, and the timer move if `timer`.
fn show_moves(ex: &mut Execution, timer: bool, shown: Shown) {
    let mut moves = std::mem::take(&mut ex.choosing.footprints);
    moves.clear();
    let mut skipped = match shown {
        Shown::Blocked(enabled) => enabled,
        _ => &[],
    };
    for t in 0..ex.tasks.len() {
        // Both in task order: the enabled tasks are passed over in step.
        if skipped.first() == Some(&t) {
            skipped = &skipped[1..];
        } else if ex.tasks[t].state == TaskState::Ready {
            moves.push((t, ex.footprint(t)));
        }
    }
    if timer {
        moves.push((FIRE, Footprint::Global));
    }
    match shown {
        Shown::Choice | Shown::Blocked(_) => ex.chooser.observe_moves(&mut moves),
        Shown::Forced => ex.chooser.observe_forced_moves(&moves, timer),
    }
    ex.choosing.footprints = moves;
}

/// Acts on the strategy's pick among `enabled`, `previous` having run the
/// last step.
#[inline(never)]
fn take_pick(
    ex: &mut Execution,
    enabled: &[TaskId],
    previous: TaskId,
    picked: Result<TaskId, String>,
    footprints: bool,
) -> Next {
    if let Ok(t) = picked {
        if t != FIRE {
            ex.last_chosen = t;
        }
        if t != PRUNED && is_preemption(enabled, previous, t) {
            ex.choosing.preemptions.push(ex.step);
        }
    }
    match picked {
        Ok(PRUNED) => {
            ex.stop = Some(Stop::Pruned);
            Next::End(End::Stopped)
        }
        Ok(t) if footprints => {
            // Taken before the step changes the state it depends on.
            let fp = if t == FIRE { Footprint::Global } else { ex.footprint(t) };
            ex.choosing.last_step = Some((t, fp));
            if t == FIRE {
                ex.fire_earliest_timer();
                return Next::Fired;
            }
            run_next(ex, t)
        }
        Ok(FIRE) => {
            ex.fire_earliest_timer();
            Next::Fired
        }
        Ok(t) => run_next(ex, t),
        Err(why) => {
            ex.stop = Some(Stop::Diverged(why));
            Next::End(End::Stopped)
        }
    }
}

/// Makes the chosen task `t` current. Its state becomes running here,
/// in the same engine call, unless the forensic recorder is to see the
/// state after the choice first (then [`Runner::schedule_loop`] does it).
fn run_next(ex: &mut Execution, t: TaskId) -> Next {
    ex.current = t;
    if !ex.choosing.forensic {
        ex.tasks[t].state = TaskState::Running;
    }
    Next::Run(t)
}

/// Called at the end of a task's coroutine.
fn task_finished(id: TaskId, result: std::thread::Result<()>) {
    let record = match result {
        Ok(()) => None,
        Err(payload) if payload.is::<AbortTask>() => return,
        Err(payload) => {
            let captured = CAPTURED.with(|c| c.borrow_mut().take());
            Some(match payload.downcast::<GoPanic>() {
                Ok(go) => (go.message, Some(go.location.to_string())),
                Err(payload) => {
                    let message = payload_message(&*payload).unwrap_or_else(|| "Box<dyn Any>".to_string());
                    (message, captured.map(|(_, loc)| loc))
                }
            })
        }
    };
    with_exec(|ex| {
        let step = ex.step;
        let loc = ex.tasks[id].loc;
        ex.record(id, None, EventKind::Finish, loc);
        let task = &mut ex.tasks[id];
        task.state = TaskState::Finished;
        if let Some((message, location)) = record {
            task.panic = Some(PanicRecord { message, location, step });
        }
        if id == 0 {
            ex.main_done = true;
        }
    });
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

/// The move chosen at a step.
pub(crate) enum Next {
    Run(TaskId),
    Fired,
    End(End),
}

/// Word-sized, as a task id is: every move is then a tag and one word,
/// which a call returns in two registers. Returned through memory instead,
/// a move is stored in parts and at once loaded whole, which stalls
/// (store forwarding fails) at every step that switches tasks.
#[repr(usize)]
pub(crate) enum End {
    NothingEnabled,
    StepLimit,
    Stopped,
}

/// Decides whether the execution failed and builds the report.
fn verdict(ex: &mut Execution, end: End, preemptions: &[u32]) -> Option<Verdict> {
    let steps = ex.step;
    let made = |ex: &Execution, kind, body, tasks, signature| {
        Some(Verdict {
            kind,
            body,
            schedule: ex.chooser.schedule().clone(),
            tasks,
            signature,
            preemptions: preemptions.len(),
            steps,
        })
    };
    if let Some(Stop::Diverged(why)) = &ex.stop {
        let why = format!("{why}\n");
        let kind = ex.chooser.divergence();
        return made(ex, kind, why, Vec::new(), String::new());
    }
    if let Err(why) = ex.chooser.end(steps) {
        return made(ex, FailureKind::Replay, format!("{why}\n"), Vec::new(), String::new());
    }
    let mut report = String::new();
    match ex.stop.take() {
        Some(Stop::Race(race)) => {
            describe_race(ex, &race, &mut report);
            let mut involved = vec![race.first.task, race.second.task];
            involved.sort_unstable();
            involved.dedup();
            let tasks = task_summaries(ex, &involved);
            describe_timeline(ex, &[race.object], &involved, preemptions, &mut report);
            let events = ex.trace.events();
            let mut sites = [
                events[race.first.event].location.to_string(),
                events[race.second.event].location.to_string(),
            ];
            sites.sort_unstable();
            return made(ex, FailureKind::DataRace, report, tasks, sites.join(" "));
        }
        Some(Stop::LockCycle(cycle)) => {
            let names: Vec<String> = cycle.iter().chain(cycle.first()).map(|&t| ex.task_label(t)).collect();
            let _ = writeln!(
                report,
                "\nTasks wait on each other's locks in a cycle; none of them can ever run again:\n    {}",
                names.join(" -> ")
            );
            let tasks = describe_tasks(ex, &mut report);
            let locks: Vec<usize> = cycle.iter().filter_map(|&t| ex.tasks[t].op.object()).collect();
            describe_timeline(ex, &locks, &cycle, preemptions, &mut report);
            return made(ex, FailureKind::Deadlock, report, tasks, String::new());
        }
        Some(Stop::Pruned) => return None,
        Some(Stop::Diverged(_)) | None => {}
    }
    // A panic in the body always fails; a panic in another task fails unless
    // a join returned it.
    let panicked = (0..ex.tasks.len())
        .filter(|&t| ex.tasks[t].panic.is_some() && (t == 0 || !ex.tasks[t].panic_joined))
        .min_by_key(|&t| (t != 0, ex.tasks[t].panic.as_ref().map(|p| p.step)));
    let mut signature = String::new();
    let kind = if let Some(t) = panicked {
        let p = ex.tasks[t].panic.clone().expect("panic record");
        signature = format!("panic {:?} at {:?}", p.message, p.location);
        let _ = writeln!(
            report,
            "\n{} panicked{}:\n    {}",
            ex.task_label(t),
            p.location.as_ref().map(|l| format!(" at {l}")).unwrap_or_default(),
            p.message.replace('\n', "\n    ")
        );
        if t != 0 {
            let _ = writeln!(
                report,
                "  (spawned at {}; nobody joined it to receive the panic)",
                ex.tasks[t].spawned_at
            );
        }
        FailureKind::Panic
    } else if let Some(e) = ex.body_error.take() {
        let _ = writeln!(report, "\nthe test body returned an error:\n    {e}");
        signature = format!("body error {e}");
        FailureKind::Panic
    } else {
        match end {
            End::Stopped => return None,
            End::NothingEnabled if ex.tasks.iter().all(|t| t.state == TaskState::Finished) => return None,
            End::NothingEnabled if !ex.main_done => {
                report.push_str(
                    "\nNo task can run: every unfinished task is blocked, the test body included.\n",
                );
                FailureKind::Deadlock
            }
            End::NothingEnabled => {
                report.push_str("\nThe test body returned, but these tasks are blocked forever:\n");
                FailureKind::Leak
            }
            End::StepLimit if !ex.main_done => {
                let _ = writeln!(
                    report,
                    "\nThe test body did not finish within max_steps = {steps} scheduling steps\n\
                     (a livelock, an unbounded loop, or a test that needs a larger max_steps)."
                );
                FailureKind::Nontermination
            }
            End::StepLimit => {
                signature = "still running at the step limit".to_string();
                let _ = writeln!(
                    report,
                    "\nThe test body returned, but tasks were still running after max_steps = {steps} steps:"
                );
                FailureKind::Leak
            }
        }
    };
    let mut tasks = describe_tasks(ex, &mut report);
    let objects: Vec<usize> = if kind == FailureKind::Panic {
        // The objects the panicking task shared with others: what its
        // assertion most likely saw change under it.
        // A Go runtime panic (a double close) happens before its event is
        // recorded: the object of the panicking operation counts too.
        let t = panicked.unwrap_or(0);
        let mut v: Vec<usize> = shared_objects(ex).into_iter().filter(|&o| touches(ex, t, o)).collect();
        v.extend(ex.tasks[t].op.object().filter(|o| !v.contains(o)));
        v.sort_unstable();
        v
    } else {
        // What the blocked (or still running) tasks wait on.
        let unfinished = (0..ex.tasks.len()).filter(|&t| ex.tasks[t].state != TaskState::Finished);
        let mut v: Vec<usize> = unfinished
            .flat_map(|t| {
                let task = &ex.tasks[t];
                task.op.object().into_iter().chain(
                    task.arms.iter().map(|a| a.chan).filter(move |_| matches!(task.op, Op::Select { .. })),
                )
            })
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    if let Some(t) = panicked {
        let p = ex.tasks[t].panic.as_ref().expect("panic record");
        tasks.insert(
            0,
            FailureTask {
                id: t,
                name: ex.tasks[t].name.as_deref().map(str::to_string),
                status: format!("panicked: {}", p.message),
                location: p.location.clone(),
            },
        );
    }
    let involved: Vec<TaskId> = match panicked {
        Some(t) => vec![t],
        None => (0..ex.tasks.len()).filter(|&t| ex.tasks[t].state != TaskState::Finished).collect(),
    };
    describe_timeline(ex, &objects, &involved, preemptions, &mut report);
    made(ex, kind, report, tasks, signature)
}

fn access_text(ex: &Execution, kind: RaceKind, a: &goweave_checkers::Access) -> String {
    let e = &ex.trace.events()[a.event];
    let what = match (kind, a.write) {
        (RaceKind::Shared, true) => "write",
        (RaceKind::Shared, false) => "read",
        // Go's model: the Wait writes, the Add from zero reads.
        (RaceKind::WaitGroup, true) => "wait",
        (RaceKind::WaitGroup, false) => "add",
    };
    format!("{what} by {} at {} (step {})", ex.task_label(a.task), e.location, e.step)
}

fn describe_race(ex: &Execution, race: &goweave_checkers::Race, out: &mut String) {
    let name = obj_name(ex, race.object);
    match race.kind {
        RaceKind::Shared => {
            let _ = writeln!(
                out,
                "\nTwo tasks accessed {name} without synchronization, and one of them wrote:\n"
            );
        }
        RaceKind::WaitGroup => {
            let _ = writeln!(
                out,
                "\n{name}: an Add that raises the counter from zero is not ordered with a Wait \
                 (Go's rule: call Add before starting the task that waits, or before Wait):\n"
            );
        }
    }
    let _ = writeln!(out, "    {}", access_text(ex, race.kind, &race.first));
    let _ = writeln!(out, "    {}", access_text(ex, race.kind, &race.second));
    let _ = writeln!(
        out,
        "\n  Nothing orders these accesses: no lock, channel operation, join, WaitGroup or \
         atomic between them."
    );
    for t in [race.first.task, race.second.task] {
        match ex.hb.last_sync(t) {
            Some(i) => {
                let e = &ex.trace.events()[i];
                let what = match e.object {
                    Some(o) => format!("{} {}", e.kind.verb(), obj_name(ex, o)),
                    None => e.kind.verb().to_string(),
                };
                let _ = writeln!(
                    out,
                    "  {} last synchronized at step {}: {what} at {}",
                    ex.task_label(t),
                    e.step,
                    e.location
                );
            }
            None => {
                let start = if t == 0 { "started the test" } else { "was spawned" };
                let _ = writeln!(
                    out,
                    "  {} has not synchronized since it {start} (at {})",
                    ex.task_label(t),
                    ex.tasks[t].spawned_at
                );
            }
        }
    }
    let _ = writeln!(out, "  note: {name} was created at {}", ex.objects[race.object].created);
}

fn op_verb(op: Op) -> &'static str {
    match op {
        Op::Spawn => "spawn a task",
        Op::Yield => "yield",
        _ => "an operation",
    }
}

fn obj_name(ex: &Execution, id: usize) -> String {
    format!("{}#{id}", ex.objects[id].kind_name())
}

fn holder_text(ex: &Execution, holder: Option<(TaskId, rt::Loc)>) -> String {
    match holder {
        Some((t, at)) => format!("held by {} (locked at {at})", ex.task_label(t)),
        None => "free".to_string(),
    }
}

/// One line (plus notes) saying what an unfinished task is doing.
pub(crate) fn describe_wait(ex: &Execution, t: TaskId) -> (String, Vec<String>) {
    let task = &ex.tasks[t];
    if task.state != TaskState::Finished && ex.is_enabled(t) {
        // Not blocked: it could go on (a task still running at the step
        // limit), so "blocked locking a free mutex" would mislead.
        let what = match task.op.object() {
            Some(o) => format!("still running; next it uses {}", obj_name(ex, o)),
            None => format!("still running; next: {}", op_verb(task.op)),
        };
        return (what, Vec::new());
    }
    let mut notes = Vec::new();
    let chan_notes = |notes: &mut Vec<String>, c: usize, dir: Dir| {
        let o = &ex.objects[c];
        let ObjState::Chan(ch) = &o.state else { return };
        if ch.never {
            notes.push(format!("{} is a nil channel (chan::never): it is never ready", obj_name(ex, c)));
            return;
        }
        let shape =
            if ch.cap == 0 { "unbuffered".to_string() } else { format!("buffer {}/{}", ch.len, ch.cap) };
        notes.push(format!("{} ({shape}) was created at {}", obj_name(ex, c), o.created));
        match dir {
            Dir::Recv if ch.senders == 0 && !ch.closed => notes.push(format!(
                "no Sender of {} is alive and it is not closed: nothing can ever unblock this receive",
                obj_name(ex, c)
            )),
            Dir::Send if ch.receivers == 0 => notes.push(format!(
                "no Receiver of {} is alive: nothing can ever unblock this send",
                obj_name(ex, c)
            )),
            _ => {}
        }
    };
    let what = match task.op {
        Op::Recv(c) => {
            chan_notes(&mut notes, c, Dir::Recv);
            format!("blocked receiving from {}", obj_name(ex, c))
        }
        Op::Send(c) => {
            chan_notes(&mut notes, c, Dir::Send);
            format!("blocked sending on {}", obj_name(ex, c))
        }
        Op::Select { .. } => {
            let arms: Vec<String> = task
                .arms
                .iter()
                .map(|a| {
                    chan_notes(&mut notes, a.chan, a.dir);
                    match a.dir {
                        Dir::Send => format!("send on {}", obj_name(ex, a.chan)),
                        Dir::Recv => format!("recv from {}", obj_name(ex, a.chan)),
                    }
                })
                .collect();
            format!("blocked in select! on [{}]", arms.join(", "))
        }
        Op::Lock(m) | Op::Relock(m) => {
            let holder = match &ex.objects[m].state {
                ObjState::Mutex { holder } => *holder,
                _ => None,
            };
            let again = if holder.map(|h| h.0) == Some(t) {
                " (it already holds it: Mutex is not reentrant)"
            } else {
                ""
            };
            let prefix = if matches!(task.op, Op::Relock(_)) {
                "woken from Cond::wait, blocked re-locking"
            } else {
                "blocked locking"
            };
            notes.push(format!("{} is {}{again}", obj_name(ex, m), holder_text(ex, holder)));
            format!("{prefix} {}", obj_name(ex, m))
        }
        Op::RLock(o) | Op::WLock(o) | Op::WDrain(o) => {
            let ObjState::RwMutex(s) = &ex.objects[o].state else { unreachable!() };
            if let Some((w, at)) = s.writer {
                notes.push(format!("{} holds it for writing (locked at {at})", ex.task_label(w)));
            }
            for &(r, at) in &s.readers {
                notes.push(format!("{} holds it for reading (read-locked at {at})", ex.task_label(r)));
            }
            if let Some((w, at)) = s.pending_writer {
                if w != t {
                    notes.push(format!(
                        "{} waits to write (since {at}); a waiting writer blocks new readers",
                        ex.task_label(w)
                    ));
                }
            }
            match task.op {
                Op::RLock(_) => format!("blocked read-locking {}", obj_name(ex, o)),
                Op::WLock(_) => format!("blocked write-locking {}", obj_name(ex, o)),
                _ => format!("write-locking {}: waiting for its readers to unlock", obj_name(ex, o)),
            }
        }
        Op::CondWait(c) => format!("waiting on {} for a signal or broadcast", obj_name(ex, c)),
        Op::Sleep => format!("sleeping (virtual time now t+{:?})", ex.now),
        Op::WgWait(w) => {
            let ObjState::WaitGroup(s) = &ex.objects[w].state else { unreachable!() };
            format!("waiting on {} (counter {})", obj_name(ex, w), s.counter)
        }
        Op::Join(target) => format!("blocked joining {}", ex.task_label(target)),
        Op::OnceDo(o) => {
            let ObjState::Once { running, .. } = &ex.objects[o].state else { unreachable!() };
            match running {
                Some(r) => {
                    format!("blocked in {}.call_once while {} runs it", obj_name(ex, o), ex.task_label(*r))
                }
                None => format!("blocked in {}.call_once", obj_name(ex, o)),
            }
        }
        op => match op.object() {
            Some(o) => format!("still running; next it uses {}", obj_name(ex, o)),
            None => format!("still running; next: {}", op_verb(op)),
        },
    };
    (what, notes)
}

/// The tasks that `t` waits for, when it waits on a lock, a join or a Once.
fn waits_for(ex: &Execution, t: TaskId) -> Vec<TaskId> {
    let task = &ex.tasks[t];
    if task.state == TaskState::Finished || ex.is_enabled(t) {
        return Vec::new();
    }
    match task.op {
        Op::Lock(m) | Op::Relock(m) => match &ex.objects[m].state {
            ObjState::Mutex { holder: Some((h, _)) } => vec![*h],
            _ => Vec::new(),
        },
        Op::RLock(o) | Op::WLock(o) | Op::WDrain(o) => match &ex.objects[o].state {
            ObjState::RwMutex(s) => {
                let mut v: Vec<TaskId> = s.writer.iter().map(|w| w.0).collect();
                if matches!(task.op, Op::WLock(_) | Op::WDrain(_)) {
                    v.extend(s.readers.iter().map(|r| r.0));
                }
                v.extend(s.pending_writer.iter().map(|w| w.0).filter(|&w| w != t));
                v
            }
            _ => Vec::new(),
        },
        Op::Join(target) => vec![target],
        Op::OnceDo(o) => match &ex.objects[o].state {
            ObjState::Once { running: Some(r), .. } => vec![*r],
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// A wait-for cycle through a task that started waiting on a lock in this
/// step, if one closed.
fn closed_lock_cycle(ex: &mut Execution) -> Option<Vec<TaskId>> {
    let waiters = std::mem::take(&mut ex.lock_waiters);
    let found = waiters.iter().find_map(|&t| cycle_through(ex, t));
    ex.lock_waiters = waiters;
    ex.lock_waiters.clear();
    found
}

/// A cycle of lock waits that starts and ends at `start`, closed in this
/// step (other tasks may still run).
fn cycle_through(ex: &Execution, start: TaskId) -> Option<Vec<TaskId>> {
    // Most lock announcements find the lock free: no wait, no cycle.
    if !lock_wait(ex, start) || ex.tasks[start].state == TaskState::Finished || ex.is_enabled(start) {
        return None;
    }
    // A mutex waiter's only edge is to the holder: no cycle unless the
    // holder itself waits on a lock (the search would find that too, but
    // allocates).
    if let Op::Lock(m) | Op::Relock(m) = ex.tasks[start].op {
        if let ObjState::Mutex { holder: Some((h, _)) } = ex.objects[m].state {
            let idle = ex.tasks[h].state == TaskState::Finished || ex.is_enabled(h);
            if h == start || !lock_wait(ex, h) || idle {
                return None;
            }
        }
    }
    find_cycle(ex, start, true)
}

/// A cycle in the wait-for graph of a global deadlock, as the tasks along it.
fn wait_cycle(ex: &Execution) -> Option<Vec<TaskId>> {
    (0..ex.tasks.len()).find_map(|t| find_cycle(ex, t, false))
}

fn lock_wait(ex: &Execution, t: TaskId) -> bool {
    matches!(ex.tasks[t].op, Op::Lock(_) | Op::Relock(_) | Op::RLock(_) | Op::WLock(_) | Op::WDrain(_))
}

/// Depth-first search of the wait-for graph for a path from `start` back to
/// it. With `locks_only`, only lock waits count, and a task waiting on a lock
/// it took itself is not a cycle: it may have handed the guard to another
/// task (guards are Send), so only a cycle through other tasks is certain;
/// a true self-deadlock is reported when nothing else can run.
fn find_cycle(ex: &Execution, start: TaskId, locks_only: bool) -> Option<Vec<TaskId>> {
    let mut path = vec![start];
    let mut next_edge = vec![0usize];
    let mut edges = vec![waits_for(ex, start)];
    while !path.is_empty() {
        let depth = path.len() - 1;
        let i = next_edge[depth];
        if i >= edges[depth].len() {
            path.pop();
            next_edge.pop();
            edges.pop();
            continue;
        }
        next_edge[depth] += 1;
        let u = edges[depth][i];
        if u == start {
            if !locks_only || path.len() > 1 {
                return Some(path);
            }
            continue;
        }
        if (!locks_only || lock_wait(ex, u)) && !path.contains(&u) {
            path.push(u);
            next_edge.push(0);
            edges.push(waits_for(ex, u));
        }
    }
    None
}

fn describe_tasks(ex: &Execution, out: &mut String) -> Vec<FailureTask> {
    let mut summaries = Vec::new();
    out.push('\n');
    let cycle_told = out.contains("in a cycle");
    if let Some(cycle) = wait_cycle(ex).filter(|_| !cycle_told) {
        let names: Vec<String> = cycle.iter().chain(cycle.first()).map(|&t| ex.task_label(t)).collect();
        let _ = writeln!(out, "  wait-for cycle: {}\n", names.join(" -> "));
    }
    for t in 0..ex.tasks.len() {
        let task = &ex.tasks[t];
        if task.state == TaskState::Finished {
            if task.panic.is_some() && !task.panic_joined && t != 0 {
                let _ = writeln!(out, "  {}: panicked and finished", ex.task_label(t));
            }
            continue;
        }
        let (what, notes) = describe_wait(ex, t);
        let _ = writeln!(out, "  {}: {what}", ex.task_label(t));
        let _ = writeln!(out, "      at {}", task.loc);
        if t != 0 {
            let _ = writeln!(out, "      spawned at {}", task.spawned_at);
        }
        summaries.push(FailureTask {
            id: t,
            name: task.name.as_deref().map(str::to_string),
            status: what,
            location: Some(task.loc.to_string()),
        });
        for n in notes {
            let _ = writeln!(out, "      note: {n}");
        }
    }
    let finished = ex.tasks.iter().filter(|t| t.state == TaskState::Finished && t.panic.is_none()).count();
    if finished > 0 {
        let _ = writeln!(out, "  ({finished} other task{} finished)", if finished == 1 { "" } else { "s" });
    }
    summaries
}

const TIMELINE_LIMIT: usize = 40;
const REPORT_WIDTH: usize = 100;

/// What an event did, in a few words.
fn event_text(ex: &Execution, e: &goweave_checkers::Event) -> String {
    match e.kind {
        EventKind::Spawn { child } => format!("spawn {}", ex.task_short(child)),
        EventKind::Join { target } => format!("join {}", ex.task_short(target)),
        EventKind::Send { to: Some(to) } => format!("send {} -> {}", obj(ex, e.object), ex.task_short(to)),
        EventKind::Recv { from: Some(from), .. } => {
            format!("recv {} <- {}", obj(ex, e.object), ex.task_short(from))
        }
        EventKind::Select { arm: Some(a) } => format!("select arm {a}"),
        EventKind::WaitGroupAdd { delta } => format!("add({delta}) {}", obj(ex, e.object)),
        EventKind::WaitGroupWait { blocked: true } => format!("wait {} (blocks)", obj(ex, e.object)),
        EventKind::Once { ran: true } => format!("once {} (runs)", obj(ex, e.object)),
        EventKind::Woken { by } => format!("woken by {}", ex.task_short(by)),
        EventKind::Wait => match ex.tasks[e.task].op {
            Op::Send(c) if e.object == Some(c) => format!("waits to send {}", obj(ex, e.object)),
            Op::Recv(c) if e.object == Some(c) => format!("waits to recv {}", obj(ex, e.object)),
            _ if e.object.is_some() => format!("waits on {}", obj(ex, e.object)),
            _ => "waits in select!".to_string(),
        },
        EventKind::Finish if ex.tasks[e.task].panic.is_some() => "panics".to_string(),
        EventKind::Finish => "returns".to_string(),
        k if e.object.is_some() => format!("{} {}", k.verb(), obj(ex, e.object)),
        k => k.verb().to_string(),
    }
}

/// `file:line`, without the column, for narrow tables.
fn short_location(loc: rt::Loc) -> String {
    format!("{}:{}", loc.file(), loc.line())
}

fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let cut: String = text.chars().take(width.saturating_sub(1)).collect();
    format!("{cut}~")
}

/// Objects that two or more tasks (or a task and a timer) touched, creation
/// aside, in id order.
fn shared_objects(ex: &Execution) -> Vec<usize> {
    let mut first: Vec<Option<TaskId>> = vec![None; ex.objects.len()];
    let mut shared = vec![false; ex.objects.len()];
    for e in ex.trace.events() {
        let Some(o) = e.object.filter(|&o| o < first.len()) else { continue };
        if matches!(e.kind, EventKind::Create { .. }) {
            continue;
        }
        // A timer's firing is the clock's doing, whichever task was current.
        let actor = if matches!(e.kind, EventKind::TimerFire { .. }) { usize::MAX } else { e.task };
        match first[o] {
            None => first[o] = Some(actor),
            Some(t) if t != actor => shared[o] = true,
            Some(_) => {}
        }
    }
    (0..shared.len()).filter(|&o| shared[o]).collect()
}

/// Whether task `t` used object `o` (creation aside).
fn touches(ex: &Execution, t: TaskId, o: usize) -> bool {
    ex.trace
        .events()
        .iter()
        .any(|e| e.task == t && e.object == Some(o) && !matches!(e.kind, EventKind::Create { .. }))
}

/// Below this many rows, the timeline also shows the objects tasks share.
const FEW_ROWS: usize = 8;

/// The timeline's rows: each event shown, and whether it opens a
/// preemptive step. See [`describe_timeline`].
fn timeline_rows<'e>(
    ex: &'e Execution,
    objects: &[usize],
    involved: &[TaskId],
    preemptions: &[u32],
) -> Vec<(&'e goweave_checkers::Event, bool)> {
    let every_step = objects.is_empty();
    let events = ex.trace.events();
    let is_create = |e: &goweave_checkers::Event| matches!(e.kind, EventKind::Create { .. });
    let on_objects = |e: &goweave_checkers::Event| e.object.is_some_and(|o| objects.contains(&o));
    let mut tasks: Vec<TaskId> =
        events.iter().filter(|e| !is_create(e) && on_objects(e)).map(|e| e.task).collect();
    tasks.extend_from_slice(involved);
    tasks.sort_unstable();
    tasks.dedup();
    let mut rows = Vec::new();
    let mut last_step = None;
    for e in events {
        let opens_step = last_step != Some(e.step) && !is_create(e);
        if opens_step {
            last_step = Some(e.step);
        }
        let preempts = opens_step && preemptions.binary_search(&e.step).is_ok();
        let shown = preempts
            || !is_create(e)
                && (every_step
                    || on_objects(e)
                    || match e.kind {
                        EventKind::Spawn { child } => tasks.contains(&child),
                        EventKind::Join { target } => tasks.contains(&target),
                        EventKind::Finish => tasks.contains(&e.task),
                        _ => false,
                    });
        if shown {
            rows.push((e, preempts));
        }
    }
    rows
}

/// `a`, `a and b`, `a, b, c and d`, or the first four and a count.
fn object_list(ex: &Execution, objects: &[usize]) -> String {
    let mut names: Vec<String> = objects.iter().take(4).map(|&o| obj_name(ex, o)).collect();
    if objects.len() > 4 {
        names.push(format!("{} more", objects.len() - 4));
    }
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// The failing execution, cut down to the steps that touch `objects` (the
/// objects involved in the failure; with those objects shared by tasks too
/// when that leaves only a few rows; when none are known, the shared ones;
/// failing that, every step), the spawns, joins and ends of the
/// tasks that touch them and of the `involved` ones (a panicking task),
/// and the first event of every preemptive step,
/// marked `*`. One column per task shown (up to four), the user's line at
/// the end of each row.
fn describe_timeline(
    ex: &Execution,
    objects: &[usize],
    involved: &[TaskId],
    preemptions: &[u32],
    out: &mut String,
) {
    let mut objects = objects.to_vec();
    let shared = shared_objects(ex);
    if objects.is_empty() {
        objects.clone_from(&shared);
    }
    let mut rows = timeline_rows(ex, &objects, involved, preemptions);
    // A handful of rows rarely tells the story (what let a timer win, what
    // the blocked task's partner did instead): add what the tasks share.
    if rows.len() < FEW_ROWS && shared.iter().any(|o| !objects.contains(o)) {
        objects.extend(shared.iter().filter(|o| !objects.contains(o)).collect::<Vec<_>>());
        objects.sort_unstable();
        rows = timeline_rows(ex, &objects, involved, preemptions);
    }
    let every_step = objects.is_empty();
    if rows.is_empty() {
        return;
    }
    let skip = rows.len().saturating_sub(TIMELINE_LIMIT);
    let rows = &rows[skip..];
    let mut involved: Vec<TaskId> = rows.iter().map(|r| r.0.task).filter(|&t| t < ex.tasks.len()).collect();
    involved.sort_unstable();
    involved.dedup();
    let n = preemptions.len();
    let counts = format!(
        "{} scheduling step{} in all, {} preemption{}{}",
        ex.step,
        if ex.step == 1 { "" } else { "s" },
        if n == 0 { "no".to_string() } else { n.to_string() },
        if n == 1 { "" } else { "s" },
        if skip > 0 {
            format!("; the last {TIMELINE_LIMIT} of {} rows", rows.len() + skip)
        } else {
            String::new()
        }
    );
    if every_step {
        let _ = writeln!(out, "\ninterleaving, every step ({counts}):");
    } else {
        let _ =
            writeln!(out, "\ninterleaving, the steps that touch {} ({counts}):", object_list(ex, &objects));
    }
    let columns = !involved.is_empty() && involved.len() <= 4;
    let locations: Vec<String> = rows
        .iter()
        .map(|&(e, _)| {
            // A task's end is recorded at its last scheduling point; where
            // it panicked is the line to show.
            let panic = ex.tasks.get(e.task).and_then(|t| t.panic.as_ref()).and_then(|p| p.location.as_ref());
            match panic {
                Some(at) if matches!(e.kind, EventKind::Finish) => {
                    at.rsplit_once(':').map_or(at.as_str(), |(file_line, _column)| file_line).to_string()
                }
                _ => short_location(e.location),
            }
        })
        .collect();
    let loc_width = locations.iter().map(String::len).max().unwrap_or(0).min(40);
    let col = if columns { ((REPORT_WIDTH - 8 - loc_width) / involved.len()).clamp(12, 34) } else { 0 };
    if columns {
        let mut header = format!("  {:>5}  ", "step");
        for &t in &involved {
            header.push_str(&format!("{:<col$}", fit(&ex.task_short(t), col - 1)));
        }
        let _ = writeln!(out, "{}", header.trim_end());
    }
    let name_width = involved.iter().map(|&t| ex.task_short(t).len()).max().unwrap_or(4);
    for (&(e, preempts), location) in rows.iter().zip(&locations) {
        let marker = if preempts { '*' } else { ' ' };
        let text = event_text(ex, e);
        let mut line = format!("  {marker}{:>4}  ", e.step);
        let at = involved.iter().position(|&t| t == e.task);
        match at {
            Some(at) if columns => {
                line.push_str(&" ".repeat(col * at));
                line.push_str(&format!(
                    "{:<width$}",
                    fit(&text, col - 1),
                    width = col * (involved.len() - at)
                ));
            }
            _ => {
                let who = if e.task < ex.tasks.len() { ex.task_short(e.task) } else { "timer".to_string() };
                line.push_str(&format!("{who:<name_width$}  {:<34} ", fit(&text, 33)));
            }
        }
        line.push_str(location);
        let _ = writeln!(out, "{line}");
    }
    if n > 0 {
        let _ =
            writeln!(out, "  * a preemption: the scheduler switched away from a task that could have run on");
    }
}

fn obj(ex: &Execution, o: Option<usize>) -> String {
    o.map(|o| obj_name(ex, o)).unwrap_or_default()
}

/// The report of a lock-order inversion.
pub(crate) fn describe_inversion(inversion: &Inversion) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nTasks take the same locks in opposite orders. No explored execution deadlocked, but an\n\
         interleaving where each task holds its first lock and waits for the next one does:\n"
    );
    let mut names: Vec<goweave_checkers::LockKey> = Vec::new();
    let mut name = |key: goweave_checkers::LockKey| {
        let i = names.iter().position(|&k| k == key).unwrap_or_else(|| {
            names.push(key);
            names.len() - 1
        });
        char::from(b'A' + (i % 26) as u8)
    };
    for edge in &inversion.edges {
        let mode = |write: bool| if write { "locks" } else { "read-locks" };
        let (from, to) = (name(edge.from), name(edge.to));
        let _ = writeln!(out, "  task {} (in execution {}):", edge.task, edge.execution + 1);
        let _ = writeln!(out, "      {:<10} {from}  at {}", mode(edge.from_write), edge.from_site);
        let _ = writeln!(
            out,
            "      then {:<5} {to}  at {}",
            mode(edge.to_write).trim_end_matches('s'),
            edge.to_site
        );
    }
    for (i, key) in names.iter().enumerate() {
        let nth = if key.nth > 0 { format!(" (lock #{} made there)", key.nth + 1) } else { String::new() };
        let _ = writeln!(
            out,
            "  {} {} = the lock created at {}{nth}",
            if i == 0 { "where" } else { "     " },
            char::from(b'A' + (i % 26) as u8),
            key.site
        );
    }
    let _ = writeln!(
        out,
        "\n  Take these locks in one global order everywhere, or guard both orders with one common lock.\n  \
         The replay token runs the executions that showed each order."
    );
    out
}

/// Summaries of the given tasks, for [`Failure::tasks`](crate::Failure::tasks).
fn task_summaries(ex: &Execution, tasks: &[TaskId]) -> Vec<FailureTask> {
    tasks
        .iter()
        .map(|&t| {
            let task = &ex.tasks[t];
            let status = if task.state == TaskState::Finished {
                "finished".to_string()
            } else {
                describe_wait(ex, t).0
            };
            FailureTask {
                id: t,
                name: task.name.as_deref().map(str::to_string),
                status,
                location: Some(task.loc.to_string()),
            }
        })
        .collect()
}
