//! The interleaving of a failing execution, cut down to what matters.

use std::fmt::Write as _;

use goweave_checkers::{Event, EventKind};

use super::describe::{obj_name, shared_objects};
use crate::footprint::TaskId;
use crate::rt::{self, Execution, Op};

const TIMELINE_LIMIT: usize = 40;
const REPORT_WIDTH: usize = 100;

/// What an event did, in a few words.
fn event_text(ex: &Execution, e: &Event) -> String {
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
fn short_location(loc: rt::Location) -> String {
    format!("{}:{}", loc.file(), loc.line())
}

fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let cut: String = text.chars().take(width.saturating_sub(1)).collect();
    format!("{cut}~")
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
) -> Vec<(&'e Event, bool)> {
    let every_step = objects.is_empty();
    let events = ex.trace.events();
    let is_create = |e: &Event| matches!(e.kind, EventKind::Create { .. });
    let on_objects = |e: &Event| e.object.is_some_and(|o| objects.contains(&o));
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
pub(super) fn describe_timeline(
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
