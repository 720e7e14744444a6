//! Virtual time: pending timers, and firing the earliest one.

use std::time::Duration;

use goweave_checkers::EventKind;

use super::{Execution, Location};
use crate::config::DEFAULT_EARLY_TIMERS;
use crate::footprint::{Access, Footprint, ObjectId, TaskId, TIMERS};
use crate::schedule::Schedule;

/// Puts the time on a timer's channel; false if it was full.
pub(crate) type TimerSend = Box<dyn FnMut(&mut Execution, Duration) -> bool>;

/// What a timer does when it fires.
pub(crate) enum TimerAction {
    /// Ends a task's sleep.
    Wake(TaskId),
    /// Sends the time on a channel (of capacity 1); false if it was full.
    Send {
        /// The channel.
        chan: ObjectId,
        /// Puts the time on it.
        send: TimerSend,
    },
    /// Runs engine-level code, such as a context's deadline cancelling it.
    Call(Box<dyn FnMut(&mut Execution)>),
}

/// A pending timer.
pub(crate) struct TimerEntry {
    /// Its id, for stopping it.
    pub id: u64,
    /// When it fires, in virtual time since the execution started.
    pub deadline: Duration,
    /// Where it was made, for reports.
    pub created: Location,
    /// The duration it was made with (a ticker's period), for reports.
    pub duration: Duration,
    /// Creation order, to fire equal deadlines deterministically.
    pub seq: u64,
    /// A ticker's period: it fires again after that.
    pub period: Option<Duration>,
    /// What firing does.
    pub action: TimerAction,
}

/// A timer that fired while some task could still run: the work before
/// it would have had to take longer than the timer (see
/// `Config::early_timers`).
#[derive(Clone, Debug)]
pub(crate) struct EarlyFiring {
    /// The step of the firing.
    pub step: u32,
    /// Where the timer was made.
    pub created: Location,
    /// Its duration.
    pub duration: Duration,
    /// How far from its deadline it was when it fired.
    pub due_in: Duration,
    /// The tasks that could have run instead.
    pub runnable: Vec<TaskId>,
}

impl Execution {
    /// Schedules a timer, made where the current task announced its
    /// operation; returns its id.
    pub(crate) fn add_timer(
        &mut self,
        after: Duration,
        period: Option<Duration>,
        action: TimerAction,
    ) -> u64 {
        self.timer_seq += 1;
        let id = self.timer_seq;
        let created = self.tasks[self.current].location;
        let deadline = self.now + after;
        let duration = period.unwrap_or(after);
        self.timers.push(TimerEntry { id, deadline, created, duration, seq: id, period, action });
        self.timers_made = true;
        id
    }

    /// The schedule so far, stating the `early_timers` setting when the
    /// execution made timers and the setting is not the default: a replay
    /// must offer the same timer moves.
    pub(crate) fn replayable_schedule(&self) -> Schedule {
        let mut schedule = self.picker.schedule().clone();
        if self.timers_made && self.early_timers != DEFAULT_EARLY_TIMERS {
            schedule.set_early_timers(self.early_timers);
        }
        schedule
    }

    /// Whether the earliest pending timer is due within `early_timers` of
    /// now: only then may it fire while some task can still run.
    pub(crate) fn earliest_due_early(&self) -> bool {
        match self.earliest_timer() {
            Some(i) => self.timers[i].deadline.saturating_sub(self.now) <= self.early_timers,
            None => false,
        }
    }

    /// Notes that the earliest timer fires now although `runnable` tasks
    /// could run: an early firing, which a report names.
    pub(crate) fn note_early_firing(&mut self, runnable: &[TaskId]) {
        if let Some(i) = self.earliest_timer() {
            let timer = &self.timers[i];
            let firing = EarlyFiring {
                step: self.step,
                created: timer.created,
                duration: timer.duration,
                due_in: timer.deadline.saturating_sub(self.now),
                runnable: runnable.to_vec(),
            };
            self.early_firings.push(firing);
        }
    }

    /// Removes a pending timer; false if it already fired or was stopped.
    pub(crate) fn cancel_timer(&mut self, id: u64) -> bool {
        match self.timers.iter().position(|t| t.id == id) {
            Some(i) => {
                self.timers.swap_remove(i);
                true
            }
            None => false,
        }
    }

    fn earliest_timer(&self) -> Option<usize> {
        (0..self.timers.len()).min_by_key(|&i| (self.timers[i].deadline, self.timers[i].seq))
    }

    /// The footprint of firing the earliest timer early, as a choice among
    /// runnable tasks: it takes the timer off the list and advances the
    /// clock (part of [`TIMERS`], which every step that adds a timer
    /// touches, a clock read or a new timer channel touching everything),
    /// and wakes its sleeper (ordered through the woken task's clock) or
    /// fills its channel. Advancing the clock lets other timers fire
    /// early, so it touches every pending timer's channel too: a step that
    /// takes a timer channel's value or leaves it unread (a select that
    /// takes another arm) decides whether that timer can still fire. An
    /// `AfterFunc` timer, or more channels than a footprint holds, touch
    /// everything, as a firing forced when every task waits does (its
    /// enabledness depends on what every task did).
    pub(crate) fn early_firing_footprint(&self) -> Footprint {
        let mut footprint = Footprint::one(TIMERS, Access::Write);
        for timer in &self.timers {
            match &timer.action {
                TimerAction::Wake(_) => {}
                TimerAction::Send { .. } if cfg!(goweave_mutant = "fire-ignores-timer-channels") => {}
                TimerAction::Send { chan, .. } => {
                    if !footprint.add((*chan, Access::Write)) {
                        return Footprint::Global;
                    }
                }
                TimerAction::Call(_) => return Footprint::Global,
            }
        }
        footprint
    }

    /// Whether dropping a receiver of `chan` now is a step of its own: the
    /// last one, of a channel with room that a pending timer fills. Firing
    /// that timer early is worth exploring before the drop (see
    /// [`timer_useful`](Self::timer_useful)) and not after, so the drop
    /// races with early firings. With no early firings there is no such
    /// race: a firing forced when every task waits comes after the drop.
    pub(crate) fn drop_is_step(&self, chan: ObjectId) -> bool {
        let c = self.chan(chan);
        !cfg!(goweave_mutant = "drop-is-no-step")
            && !self.early_timers.is_zero()
            && c.receivers == 1
            && c.len < c.cap
            && self
                .timers
                .iter()
                .any(|t| matches!(&t.action, TimerAction::Send { chan: c, .. } if *c == chan))
    }

    /// Whether firing a timer can change anything: a sleeper to wake, or a
    /// channel with room and a receiver handle alive.
    pub(crate) fn timer_useful(&self) -> bool {
        self.timers.iter().any(|t| match &t.action {
            TimerAction::Wake(_) | TimerAction::Call(_) => true,
            TimerAction::Send { chan, .. } => {
                let c = self.chan(*chan);
                c.len < c.cap && c.receivers > 0
            }
        })
    }

    /// Fires the earliest timer, advancing the clock to its deadline.
    pub(crate) fn fire_earliest_timer(&mut self) {
        let Some(i) = self.earliest_timer() else { return };
        let mut timer = self.timers.swap_remove(i);
        self.now = self.now.max(timer.deadline);
        match &mut timer.action {
            TimerAction::Wake(t) => {
                let t = *t;
                let at = self.tasks[t].location;
                self.record(t, None, EventKind::TimerFire { sent: false }, at);
                self.wake_now(t);
            }
            TimerAction::Send { send, .. } => {
                let now = self.now;
                send(self, now);
            }
            TimerAction::Call(call) => call(self),
        }
        if let Some(period) = timer.period {
            timer.deadline += period;
            self.timer_seq += 1;
            timer.seq = self.timer_seq;
            self.timers.push(timer);
        }
    }
}
