//! Follows a recorded schedule exactly, and says where the program stopped
//! following it.

use super::{Scheduler, FIRE};
use crate::footprint::TaskId;
use crate::schedule::{Choice, Schedule};

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
            None => Err(format!(
                "the schedule diverged at step {step}: the program asked for {wanted} but the \
                 schedule's {} choices were all used (the program runs longer than when the \
                 schedule was recorded)",
                self.choices.len()
            )),
        }
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
            Choice::Fire => Err(format!(
                "the schedule diverged at step {step} (choice {}): it fires a timer, but no timer \
                 that may fire there is pending",
                self.next
            )),
            Choice::Task(t) => Err(format!(
                "the schedule diverged at step {step} (choice {}): it runs task {t}, but the \
                 tasks that can run there are {enabled:?}",
                self.next
            )),
            Choice::Arm(a) => Err(format!(
                "the schedule diverged at step {step} (choice {}): it picks select arm {a}, but \
                 the program is stepping among tasks {enabled:?}",
                self.next
            )),
        }
    }

    fn pick_arm(&mut self, ready: usize, step: u32) -> Result<usize, String> {
        match self.take(step, "a select arm")? {
            Choice::Arm(a) if a < ready => Ok(a),
            Choice::Arm(a) => Err(format!(
                "the schedule diverged at step {step} (choice {}): it picks ready select arm \
                 {a}, but only {ready} arms are ready",
                self.next
            )),
            Choice::Task(_) | Choice::Fire => Err(format!(
                "the schedule diverged at step {step} (choice {}): it schedules a task or a timer, \
                 but the program is stepping among {ready} ready select arms",
                self.next
            )),
        }
    }

    fn execution_index(&self) -> u64 {
        self.run.saturating_sub(1) as u64
    }

    fn end(&mut self, steps: u32) -> Result<(), String> {
        if self.next < self.choices.len() {
            return Err(format!(
                "the schedule diverged at step {steps}: the program ended with {} of the \
                 schedule's {} choices unused\n(it ends earlier than when the schedule was recorded)",
                self.choices.len() - self.next,
                self.choices.len()
            ));
        }
        Ok(())
    }
}
