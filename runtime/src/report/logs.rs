//! Capture of `tracing` events emitted inside tasks.
//!
//! The subscriber here is installed (as the thread's default) only while
//! the forensic replay of a failing execution runs, so explorations pay
//! nothing for it: with no subscriber interested, a `tracing` macro costs
//! the user what it always costs. Each event is tagged with the task that
//! emitted it and the scheduling step, and ends up in the failure report.

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

use crate::rt;

/// One captured event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LogLine {
    pub step: u32,
    /// The emitting task's label (`task 1 "worker"`), or a note that the
    /// event came from outside any task.
    pub task: String,
    pub level: tracing::Level,
    pub target: String,
    /// The message, then the other fields as `name=value`.
    pub text: String,
}

impl fmt::Display for LogLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "step {:>4}  {}  {:<5} {}: {}", self.step, self.task, self.level, self.target, self.text)
    }
}

thread_local! {
    /// The events captured on this thread since [`capture`] began.
    static LINES: RefCell<Vec<LogLine>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with every `tracing` event on this thread captured, and returns
/// the events with `f`'s result.
pub(crate) fn capture<R>(f: impl FnOnce() -> R) -> (R, Vec<LogLine>) {
    LINES.with(|l| l.borrow_mut().clear());
    let result = tracing::subscriber::with_default(Capture::default(), f);
    let lines = LINES.with(|l| std::mem::take(&mut *l.borrow_mut()));
    (result, lines)
}

/// A subscriber that keeps events and ignores spans beyond giving them ids.
#[derive(Default)]
struct Capture {
    next_span: AtomicU64,
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        // Span ids must be non-zero.
        Id::from_u64(self.next_span.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut text = Text::default();
        event.record(&mut text);
        let meta = event.metadata();
        // The engine is busy only while it runs its own code, which emits
        // no events; outside a task there is no execution at all.
        let (step, task) = rt::try_with_exec(|ex| (ex.step, ex.task_label(ex.current)))
            .unwrap_or((0, "outside any task".to_string()));
        let line = LogLine {
            step,
            task,
            level: *meta.level(),
            target: meta.target().to_string(),
            text: text.finish(),
        };
        LINES.with(|l| l.borrow_mut().push(line));
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// Renders an event's fields: the message first, then `name=value`.
#[derive(Default)]
struct Text {
    message: String,
    fields: String,
}

impl Text {
    fn finish(self) -> String {
        match (self.message.is_empty(), self.fields.is_empty()) {
            (_, true) => self.message,
            (true, false) => self.fields,
            (false, false) => format!("{} {}", self.message, self.fields),
        }
    }
}

impl Visit for Text {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_string();
        } else {
            self.record_debug(field, &value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
            return;
        }
        if !self.fields.is_empty() {
            self.fields.push(' ');
        }
        let _ = write!(self.fields, "{}={value:?}", field.name());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_outside_tasks_are_captured_and_formatted() {
        let ((), lines) = capture(|| {
            tracing::warn!(target: "bank", amount = 3, who = "alice", "overdrawn");
            tracing::info!(done = true);
        });
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(lines[0].text, "overdrawn amount=3 who=\"alice\"");
        assert_eq!(lines[0].level, tracing::Level::WARN);
        assert_eq!(lines[0].task, "outside any task");
        assert_eq!(lines[1].text, "done=true");
        assert_eq!(
            lines[0].to_string(),
            "step    0  outside any task  WARN  bank: overdrawn amount=3 who=\"alice\""
        );
    }

    #[test]
    fn nothing_is_captured_after_the_capture_ends() {
        let ((), first) = capture(|| tracing::error!("inside"));
        tracing::error!("outside");
        let ((), second) = capture(|| ());
        assert_eq!(first.len(), 1);
        assert!(second.is_empty(), "{second:?}");
    }
}
