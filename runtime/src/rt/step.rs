//! One scheduling step: list the enabled moves, show the strategy what it
//! asked to see, and act on its pick.

use super::enabled::World;
use super::ops::Op;
use super::task::TaskState;
use super::wait_for::closed_lock_cycle;
use super::{Execution, Stop};
use crate::footprint::{Footprint, TaskId};
use crate::strategy::{is_preemption, Moves, FIRE, PRUNED};

/// The scheduler's state for choosing moves, kept in the execution so that
/// a task can choose in place (see [`announce_act`](super::protocol::announce_act)).
#[derive(Default)]
pub(crate) struct StepState {
    /// The enabled tasks at the current step (a buffer).
    enabled: Vec<TaskId>,
    /// The moves shown to the strategy (a buffer).
    footprints: Vec<(TaskId, Footprint)>,
    /// The step just taken, reported to the strategy before the next one.
    last_step: Option<(TaskId, Footprint)>,
    /// The steps of this execution that were preemptive context switches
    /// (see [`crate::strategy::is_preemption`]), for the report.
    pub(crate) preemptions: Vec<u32>,
    /// The bound on steps.
    max_steps: u64,
    /// Whether the strategy wants footprints (it says so once, up front).
    wants_footprints: bool,
    /// Whether tasks may choose the next move themselves.
    pub(crate) in_place: bool,
    /// The state after a choice is seen by an observer before the chosen
    /// task runs: it is marked running by the loop, not here.
    observed: bool,
    /// A move that a task chose and left to the scheduling loop.
    pub(crate) decided: Option<Next>,
}

impl StepState {
    /// Prepares for an execution of at most `max_steps` steps.
    pub(crate) fn reset(&mut self, max_steps: u64, footprints: bool, observed: bool) {
        self.last_step = None;
        self.preemptions.clear();
        self.max_steps = max_steps;
        self.wants_footprints = footprints;
        self.in_place = !observed;
        self.observed = observed;
        self.decided = None;
    }
}

/// Chooses the next move: a task to resume, a timer firing, or the end.
#[inline(always)]
pub(crate) fn next_move(ex: &mut Execution) -> Next {
    let next = if ex.stepping.wants_footprints || !ex.timers.is_empty() {
        let mut enabled = std::mem::take(&mut ex.stepping.enabled);
        let next = choose(ex, &mut enabled);
        ex.stepping.enabled = enabled;
        next
    } else {
        choose_plain(ex)
    };
    if let (Some(beat), Next::Run(t)) = (&ex.heartbeat, &next) {
        beat.resuming(*t, ex.tasks[*t].location, ex.tasks[*t].spawned_at);
    }
    next
}

/// [`choose`] when the strategy wants no footprints and no timer is
/// pending, as in most steps: the same decisions with the rare cases
/// (a lock cycle, the end, a pruned or diverged pick) out of line, and the
/// enabled tasks listed in place.
#[inline(always)]
fn choose_plain(ex: &mut Execution) -> Next {
    if !ex.lock_waiters.is_empty() {
        if let Some(next) = stop_at_lock_cycle(ex) {
            return next;
        }
    }
    ex.picker.predraw();
    let world = World { tasks: &ex.tasks, objects: &ex.objects };
    let enabled = &mut ex.stepping.enabled;
    enabled.clear();
    world.enabled_tasks(enabled);
    debug_assert!(enabled.iter().copied().eq((0..world.tasks.len()).filter(|&t| world.is_enabled(t))));
    if enabled.is_empty() {
        return Next::End(End::NothingEnabled);
    }
    if u64::from(ex.step) >= ex.stepping.max_steps {
        return Next::End(End::StepLimit);
    }
    ex.step += 1;
    let (previous, step) = (ex.last_chosen, ex.step);
    match ex.picker.pick_task(&ex.stepping.enabled, previous, step) {
        Ok(t) if t < PRUNED => {
            ex.last_chosen = t;
            if t != previous && ex.stepping.enabled.contains(&previous) && !ex.wait_would_block(previous) {
                ex.stepping.preemptions.push(step);
            }
            run_next(ex, t)
        }
        picked => {
            let enabled = std::mem::take(&mut ex.stepping.enabled);
            let next = take_pick(ex, &enabled, previous, picked, false);
            ex.stepping.enabled = enabled;
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
    let footprints = ex.stepping.wants_footprints;
    if footprints {
        // Passed where it lies, not moved out first: a footprint copied
        // and at once read back stalls the read (store forwarding fails).
        if let Some((task, footprint)) = &ex.stepping.last_step {
            for &from in &ex.joined {
                ex.picker.after_join(*task, from);
            }
            ex.picker.after_step(*task, footprint, &ex.touched);
            ex.stepping.last_step = None;
        }
        ex.touched.clear();
        ex.joined.clear();
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
    if u64::from(ex.step) >= ex.stepping.max_steps {
        return Next::End(End::StepLimit);
    }
    ex.step += 1;
    if enabled.is_empty() {
        // Every task is blocked: time passes to the earliest deadline.
        if footprints {
            // No choice here, but the firing may race with earlier steps
            // (one that set another timer could have come after it).
            show_moves(ex, true, Shown::Forced);
            ex.stepping.last_step = Some((FIRE, Footprint::Global));
        }
        ex.fire_earliest_timer();
        return Next::Fired;
    }
    // A timer further out than `early_timers` fires only when no task can
    // run (above): the work before it would have to take that long.
    let timer = timer && ex.earliest_due_early();
    if timer {
        enabled.push(FIRE);
    }
    if footprints {
        let new_node = match ex.picker.wants_moves() {
            Moves::All => {
                show_moves(ex, timer, Shown::Choice);
                true
            }
            Moves::Blocked => {
                show_moves(ex, false, Shown::Blocked(enabled));
                true
            }
            Moves::None => false,
        };
        // Only a new node's default choice uses them; a replayed one
        // follows its path.
        if new_node {
            for &t in enabled.iter() {
                if ex.wait_would_block(t) {
                    ex.picker.on_blocking_wait(t);
                }
            }
        }
    }
    let previous = ex.last_chosen;
    let picked = ex.picker.pick_task(enabled, previous, ex.step);
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
    let mut moves = std::mem::take(&mut ex.stepping.footprints);
    moves.clear();
    let mut skipped = match shown {
        Shown::Blocked(enabled) => enabled,
        _ => &[],
    };
    for t in 0..ex.tasks.len() {
        // Both in task order: the enabled tasks are passed over in step.
        if skipped.first() == Some(&t) {
            skipped = &skipped[1..];
        } else if ex.tasks[t].state == TaskState::Announced {
            moves.push((t, ex.footprint(t)));
        }
    }
    if timer {
        moves.push((FIRE, ex.early_firing_footprint()));
    }
    match shown {
        Shown::Choice | Shown::Blocked(_) => ex.picker.observe_moves(&mut moves),
        Shown::Forced => ex.picker.observe_forced_moves(&moves, timer),
    }
    ex.stepping.footprints = moves;
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
        // Leaving a task at a wait that blocks anyway preempts nothing.
        if t != PRUNED && is_preemption(enabled, previous, t) && !ex.wait_would_block(previous) {
            ex.stepping.preemptions.push(ex.step);
        }
    }
    match picked {
        Ok(PRUNED) => {
            ex.stop = Some(Stop::Pruned);
            Next::End(End::Stopped)
        }
        Ok(t) if footprints => {
            // Taken before the step changes the state it depends on.
            let fp = if t == FIRE { ex.early_firing_footprint() } else { ex.footprint(t) };
            ex.stepping.last_step = Some((t, fp));
            if let Some(Op::Join(target)) = ex.tasks.get(t).map(|task| task.op) {
                ex.joined.push(target);
            }
            if t == FIRE {
                return fire_early(ex, enabled);
            }
            run_next(ex, t)
        }
        Ok(FIRE) => fire_early(ex, enabled),
        Ok(t) => run_next(ex, t),
        Err(why) => {
            ex.stop = Some(Stop::Diverged(why));
            Next::End(End::Stopped)
        }
    }
}

/// Fires the earliest timer, chosen among `enabled` tasks (which end with
/// the timer move): an early firing, noted for the report.
fn fire_early(ex: &mut Execution, enabled: &[TaskId]) -> Next {
    ex.note_early_firing(&enabled[..enabled.len() - 1]);
    ex.fire_earliest_timer();
    Next::Fired
}

/// Makes the chosen task `t` current. Its state becomes running here,
/// in the same engine call, unless an observer is to see the state after
/// the choice first (then the runner's scheduling loop does it).
fn run_next(ex: &mut Execution, t: TaskId) -> Next {
    ex.current = t;
    if !ex.stepping.observed {
        ex.tasks[t].state = TaskState::Running;
    }
    Next::Run(t)
}

/// The move chosen at a step.
pub(crate) enum Next {
    /// Run this task.
    Run(TaskId),
    /// The earliest timer fired.
    Fired,
    /// The execution ends.
    End(End),
}

/// Why an execution ends.
// Word-sized, as a task id is: every move is then a tag and one word,
// which a call returns in two registers. Returned through memory instead,
// a move is stored in parts and at once loaded whole, which stalls (store
// forwarding fails) at every step that switches tasks.
#[repr(usize)]
pub(crate) enum End {
    /// No task can run and no timer can fire.
    NothingEnabled,
    /// The step limit was reached.
    StepLimit,
    /// A failure or the strategy stopped it.
    Stopped,
}
