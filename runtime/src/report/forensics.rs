//! Forensics of a failure: its schedule runs once more with every step
//! observed and `tracing` events captured, and the execution is written as
//! a Chrome trace (for Perfetto and chrome://tracing) when asked.
//!
//! Working from the final token keeps this right whatever produced the
//! token (the exploration itself or a later minimization), and costs the
//! executions that pass nothing: only the replay carries a recorder.

use std::time::Duration;

use goweave_checkers::Event;

use super::describe::{describe, describe_wait};
use super::{chrome_trace, logs};
use crate::config::Config;
use crate::failure::{Failure, FailureKind};
use crate::footprint::TaskId;
use crate::rt::{Body, Execution, Runner, StepObserver, TaskState};
use crate::schedule::Schedule;
use crate::strategy::{Picker, Replay};

/// Watches an execution step by step for what its event trace does not
/// say: when each task was blocked and on what, and the virtual clock.
#[derive(Default)]
pub(super) struct Recorder {
    /// Per task: the step its current blocked interval began, and what it
    /// waits for.
    open: Vec<Option<(u32, String)>>,
    /// The intervals in which a task could not run.
    pub blocked: Vec<Blocked>,
    /// (step, virtual time) at every change of the clock.
    pub times: Vec<(u32, Duration)>,
    /// The step of the latest observation, if any.
    last_step: Option<u32>,
    /// The step after the execution's end.
    pub end: u32,
}

/// One interval in which a task could not run.
#[derive(Clone, Debug)]
// Read by the Chrome trace only.
#[cfg_attr(not(feature = "chrome-trace"), allow(dead_code))]
pub(super) struct Blocked {
    /// The task.
    pub task: TaskId,
    /// The first step of the interval.
    pub from: u32,
    /// The step after it.
    pub to: u32,
    /// What it waited for.
    pub what: String,
}

impl StepObserver for Recorder {
    /// Notes the state after a scheduling choice (or at the end).
    fn after_choice(&mut self, ex: &Execution) {
        // After a choice, the chosen task has yet to run: a task blocked now
        // is blocked during this step. Seen again at the same step (the end
        // of the execution), the step's work is done: it blocked after it.
        let step = if self.last_step == Some(ex.step) { ex.step + 1 } else { ex.step };
        self.last_step = Some(ex.step);
        if self.times.last().is_none_or(|&(_, t)| t != ex.now) {
            self.times.push((step, ex.now));
        }
        if self.open.len() < ex.tasks.len() {
            self.open.resize(ex.tasks.len(), None);
        }
        for t in 0..ex.tasks.len() {
            let blocked = ex.tasks[t].state != TaskState::Finished && !ex.is_enabled(t);
            let what = blocked.then(|| describe_wait(ex, t).0);
            match (&self.open[t], what) {
                (Some((_, was)), Some(now)) if *was == now => {}
                (open, what) => {
                    if let Some((from, was)) = open.clone() {
                        self.blocked.push(Blocked { task: t, from, to: step, what: was });
                    }
                    self.open[t] = what.map(|w| (step, w));
                }
            }
        }
    }
}

impl Recorder {
    /// Closes the intervals still open when the execution ended.
    fn finish(&mut self) {
        let last = self.last_step.unwrap_or(0);
        let end = self.open.iter().flatten().map(|(from, _)| from + 1).fold(last + 1, u32::max);
        for (t, open) in self.open.iter_mut().enumerate() {
            if let Some((from, what)) = open.take() {
                self.blocked.push(Blocked { task: t, from, to: end, what });
            }
        }
        self.end = end;
    }
}

/// What the forensic replay saw of the failing execution.
// Read by the Chrome trace only.
#[cfg_attr(not(feature = "chrome-trace"), allow(dead_code))]
pub(super) struct Recorded {
    /// Each task's label, by id.
    pub labels: Vec<String>,
    /// Each object's kind name, by id.
    pub objects: Vec<&'static str>,
    /// The execution's events.
    pub events: Vec<Event>,
    /// What the recorder saw.
    pub recorder: Recorder,
}

/// Replays the failure's schedule once with full observation, attaches the
/// `tracing` events of the failing execution to the failure and writes the
/// Chrome trace if `config` asks for one. A failure that does not come back
/// the same way (a body that depends on something outside goweave) is
/// returned as it was.
pub(crate) fn enrich(config: &Config, body: &Body, mut failure: Failure) -> Failure {
    // A lock-order inversion spans executions that each passed, and a
    // replay failure has no execution to show.
    if matches!(
        failure.kind(),
        FailureKind::Replay | FailureKind::Nondeterminism | FailureKind::PotentialDeadlock
    ) {
        return failure;
    }
    let schedule = failure.schedule().clone();
    let kind = failure.kind();
    let (recorded, lines) = logs::capture(|| replay_observed(config, body, &schedule, kind));
    let Some(recorded) = recorded else {
        return failure;
    };
    failure.0.logs = lines.iter().map(ToString::to_string).collect();
    if let Some(path) = &config.trace_to {
        failure.0.trace_note = Some(chrome_trace::write(path, &recorded, &failure));
    }
    failure
}

/// Runs every execution of `schedule`; the last must fail with `kind`.
fn replay_observed(config: &Config, body: &Body, schedule: &Schedule, kind: FailureKind) -> Option<Recorded> {
    let mut runner = Runner::new(config, config.max_steps, false, describe);
    let mut picker = Picker::new(Box::new(Replay::new(schedule)));
    let mut last = None;
    while picker.begin() {
        let mut recorder = Recorder::default();
        let index = picker.execution_index();
        let (back, verdict) = runner.run_observed(index, body, picker, &mut recorder);
        picker = back;
        recorder.finish();
        let ex = runner.last_execution()?;
        last = verdict.filter(|v| v.kind == kind).map(|_| Recorded {
            labels: (0..ex.tasks.len()).map(|t| ex.task_label(t)).collect(),
            objects: ex.objects.iter().map(|o| o.kind_name()).collect(),
            events: ex.trace.events().to_vec(),
            recorder,
        });
    }
    last
}
