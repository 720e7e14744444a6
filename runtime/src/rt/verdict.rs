//! The verdict on an execution: did it fail, how, and the report the
//! describer injected into the runner writes of it.

use goweave_checkers::Race;

use super::step::End;
use super::task::TaskState;
use super::wait_for::lock_cycle_at_end;
use super::{Execution, Stop};
use crate::failure::{FailureKind, FailureTask};
use crate::footprint::TaskId;
use crate::schedule::Schedule;

/// Why an execution failed.
#[derive(Clone, Debug)]
pub(crate) enum Cause {
    /// The program did not follow the schedule being replayed.
    Diverged(String),
    /// A replayed schedule was not used up, or ran out.
    ReplayEnd(String),
    /// Two unordered conflicting accesses.
    Race(Race),
    /// Tasks wait on each other's locks in a cycle (the tasks along it).
    LockCycle(Vec<TaskId>),
    /// This task panicked and nobody received its panic.
    Panicked(TaskId),
    /// The test body returned this error.
    BodyError(String),
    /// Nothing can run and the body has not returned.
    Deadlock,
    /// The body returned and tasks are blocked forever.
    Leak,
    /// The body did not return within the step limit.
    Nontermination,
    /// The body returned but tasks still ran at the step limit.
    LeakAtStepLimit,
}

/// Writes the report of a failed execution: its text, and the tasks it
/// names. Injected into the runner by the layer that owns reports, which
/// the engine does not depend on.
pub(crate) type Describe = fn(&Execution, &Cause, preemptions: &[u32]) -> (String, Vec<FailureTask>);

/// The verdict on one failed execution.
#[derive(Clone)]
pub(crate) struct Verdict {
    /// The kind of failure.
    pub kind: FailureKind,
    /// The report's text.
    pub body: String,
    /// The choices that led there.
    pub schedule: Schedule,
    /// The tasks the report names.
    pub tasks: Vec<FailureTask>,
    /// What, beyond the kind, makes two failures the same one for schedule
    /// minimization: a panic's message and location, a race's two access
    /// locations, whether a leak hit the step limit.
    pub signature: String,
    /// The preemptive context switches of the execution.
    pub preemptions: usize,
    /// The scheduling steps it took.
    pub steps: u32,
    /// Whether it made a timer (its report then states `early_timers`).
    pub timers_made: bool,
}

/// Decides whether the execution failed and, if so, has `describe` write
/// the report (before the execution is torn down, so it sees every task
/// as it was).
pub(crate) fn verdict(
    ex: &mut Execution,
    end: End,
    preemptions: &[u32],
    describe: Describe,
) -> Option<Verdict> {
    let (kind, cause, signature) = decide(ex, end)?;
    let (body, tasks) = describe(ex, &cause, preemptions);
    Some(Verdict {
        kind,
        body,
        schedule: ex.replayable_schedule(),
        tasks,
        signature,
        preemptions: preemptions.len(),
        steps: ex.step,
        timers_made: ex.timers_made,
    })
}

/// The kind, cause and signature of the execution's failure, if it failed.
fn decide(ex: &mut Execution, end: End) -> Option<(FailureKind, Cause, String)> {
    if let Some(Stop::Diverged(why)) = &ex.stop {
        return Some((ex.picker.divergence(), Cause::Diverged(why.clone()), String::new()));
    }
    if let Err(why) = ex.picker.end(ex.step) {
        return Some((FailureKind::Replay, Cause::ReplayEnd(why), String::new()));
    }
    match ex.stop.take() {
        Some(Stop::Race(race)) => {
            let events = ex.trace.events();
            let mut sites = [
                events[race.first.event].location.to_string(),
                events[race.second.event].location.to_string(),
            ];
            sites.sort_unstable();
            return Some((FailureKind::DataRace, Cause::Race(race), sites.join(" ")));
        }
        Some(Stop::LockCycle(cycle)) => {
            return Some((FailureKind::Deadlock, Cause::LockCycle(cycle), String::new()));
        }
        Some(Stop::Pruned) => return None,
        Some(Stop::Diverged(_)) | None => {}
    }
    // A panic in the body always fails; a panic in another task fails unless
    // a join returned it.
    let panicked = (0..ex.tasks.len())
        .filter(|&t| ex.tasks[t].panic.is_some() && (t == 0 || !ex.tasks[t].panic_joined))
        .min_by_key(|&t| (t != 0, ex.tasks[t].panic.as_ref().map(|p| p.step)));
    if let Some(t) = panicked {
        let p = ex.tasks[t].panic.as_ref().expect("panic record");
        let signature = format!("panic {:?} at {:?}", p.message, p.location);
        return Some((FailureKind::Panic, Cause::Panicked(t), signature));
    }
    if let Some(e) = ex.body_error.take() {
        let signature = format!("body error {e}");
        return Some((FailureKind::Panic, Cause::BodyError(e), signature));
    }
    // Tasks still waiting on each other's locks (or one on a lock it holds)
    // when the execution ended, whatever else ran on: a deadlock, the cause
    // of whatever leak or hang follows.
    let ended_blocked = matches!(end, End::StepLimit) || (matches!(end, End::NothingEnabled) && ex.main_done);
    if ended_blocked {
        if let Some(cycle) = lock_cycle_at_end(ex) {
            return Some((FailureKind::Deadlock, Cause::LockCycle(cycle), String::new()));
        }
    }
    let (kind, cause) = match end {
        End::Stopped => return None,
        End::NothingEnabled if ex.tasks.iter().all(|t| t.state == TaskState::Finished) => return None,
        End::NothingEnabled if !ex.main_done => (FailureKind::Deadlock, Cause::Deadlock),
        End::NothingEnabled => (FailureKind::Leak, Cause::Leak),
        End::StepLimit if !ex.main_done => (FailureKind::Nontermination, Cause::Nontermination),
        End::StepLimit => {
            let signature = "still running at the step limit".to_string();
            return Some((FailureKind::Leak, Cause::LeakAtStepLimit, signature));
        }
    };
    Some((kind, cause, String::new()))
}
