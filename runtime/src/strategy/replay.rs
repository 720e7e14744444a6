//! Follows a recorded schedule exactly, and says where the program stopped
//! following it.

use super::{Scheduler, FIRE};
use crate::footprint::TaskId;
use crate::schedule::{Choice, Schedule};

/// A divergence before the program followed this many of the schedule's
/// choices comes with a question: is the token another test's?
const EARLY_CHOICES: usize = 3;

/// Added to the report of a divergence within the schedule's first
/// choices: most often a token replayed with another test than the one
/// that printed it (`GOWEAVE_REPLAY` given to every test whose name
/// contains the filter, or a token copied into the wrong test).
const ANOTHER_TEST: &str = "\
Is this a token from another test? The replay diverged within the schedule's first choices. A
token replays the test whose report printed it: `GOWEAVE_REPLAY=<token> cargo test <that test>
-- --exact` (without `--exact`, every test whose name contains the filter is given the token).";

pub(crate) struct Replay {
    runs: Vec<Vec<Choice>>,
    run: usize,
    choices: Vec<Choice>,
    next: usize,
}

impl Replay {
    pub(crate) fn new(schedule: &Schedule) -> Replay {
        Replay {
            runs: schedule.runs().map(<[Choice]>::to_vec).collect(),
            run: 0,
            choices: Vec::new(),
            next: 0,
        }
    }

    fn take(&mut self, step: u32, wanted: &str) -> Result<Choice, String> {
        match self.choices.get(self.next) {
            Some(&c) => {
                self.next += 1;
                Ok(c)
            }
            None => Err(diverged(
                self.choices.len(),
                format!(
                    "the schedule diverged at step {step}: the program asked for {wanted} but the \
                     schedule's {} choices were all used (the program runs longer than when the \
                     schedule was recorded)",
                    self.choices.len()
                ),
            )),
        }
    }

    /// The divergence at the choice just taken, which the program could
    /// not make.
    fn mismatch(&self, what: String) -> String {
        diverged(self.next - 1, what)
    }
}

/// The report of a divergence after `followed` choices were made as the
/// schedule says; within the first ones, it asks whether the token is
/// another test's.
fn diverged(followed: usize, what: String) -> String {
    if followed < EARLY_CHOICES {
        format!("{what}\n\n{ANOTHER_TEST}")
    } else {
        what
    }
}

impl Scheduler for Replay {
    fn begin(&mut self) -> bool {
        if self.run >= self.runs.len() {
            return false;
        }
        self.choices = std::mem::take(&mut self.runs[self.run]);
        self.run += 1;
        self.next = 0;
        true
    }

    fn pick_task(&mut self, enabled: &[TaskId], _current: TaskId, step: u32) -> Result<TaskId, String> {
        if enabled.len() == 1 {
            return Ok(enabled[0]);
        }
        match self.take(step, "a task choice")? {
            Choice::Task(t) if enabled.contains(&t) => Ok(t),
            Choice::Fire if enabled.contains(&FIRE) => Ok(FIRE),
            Choice::Fire => Err(self.mismatch(format!(
                "the schedule diverged at step {step} (choice {}): it fires a timer, but no timer \
                 that may fire there is pending",
                self.next
            ))),
            Choice::Task(t) => Err(self.mismatch(format!(
                "the schedule diverged at step {step} (choice {}): it runs task {t}, but the \
                 tasks that can run there are {enabled:?}",
                self.next
            ))),
            Choice::Arm(a) => Err(self.mismatch(format!(
                "the schedule diverged at step {step} (choice {}): it picks select arm {a}, but \
                 the program is stepping among tasks {enabled:?}",
                self.next
            ))),
        }
    }

    fn pick_arm(&mut self, ready: usize, step: u32) -> Result<usize, String> {
        match self.take(step, "a select arm")? {
            Choice::Arm(a) if a < ready => Ok(a),
            Choice::Arm(a) => Err(self.mismatch(format!(
                "the schedule diverged at step {step} (choice {}): it picks ready select arm \
                 {a}, but only {ready} arms are ready",
                self.next
            ))),
            Choice::Task(_) | Choice::Fire => Err(self.mismatch(format!(
                "the schedule diverged at step {step} (choice {}): it schedules a task or a timer, \
                 but the program is stepping among {ready} ready select arms",
                self.next
            ))),
        }
    }

    fn execution_index(&self) -> u64 {
        self.run.saturating_sub(1) as u64
    }

    fn end(&mut self, steps: u32) -> Result<(), String> {
        if self.next < self.choices.len() {
            return Err(diverged(
                self.next,
                format!(
                    "the schedule diverged at step {steps}: the program ended with {} of the \
                     schedule's {} choices unused\n(it ends earlier than when the schedule was recorded)",
                    self.choices.len() - self.next,
                    self.choices.len()
                ),
            ));
        }
        Ok(())
    }
}
