//! The failing execution as a Chrome trace-event JSON file, for Perfetto
//! and chrome://tracing: one track per task, its blocked intervals, its
//! events, and arrows from channel sends to their receives.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::time::Duration;

use goweave_checkers::{Event, EventKind};
use serde_json::{json, Value};

use super::forensics::Recorded;
use crate::failure::Failure;

/// Trace time of one scheduling step, in the format's microseconds. Steps,
/// not wall-clock time, order an execution; events within one step get
/// successive microseconds in the order they happened, so a step shows as
/// one millisecond (`displayTimeUnit` is `ms`). Virtual time is in `args`.
const STEP_US: u64 = 1000;

/// Writes the trace of `recorded` to `path`; returns the line the report
/// shows about it.
pub(super) fn write(path: &Path, recorded: &Recorded, failure: &Failure) -> String {
    let trace = chrome_trace(recorded, failure);
    match write_json(path, &trace) {
        Ok(()) => format!(
            "Chrome trace of this execution: {} (open it in https://ui.perfetto.dev or chrome://tracing)",
            path.display()
        ),
        Err(e) => format!("could not write the Chrome trace to {}: {e}", path.display()),
    }
}

fn write_json(path: &Path, trace: &Value) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let text = serde_json::to_string(trace).map_err(std::io::Error::other)?;
    std::fs::write(path, text)
}

impl Recorded {
    fn object(&self, o: Option<usize>) -> String {
        match o {
            Some(o) => format!("{}#{o}", self.objects.get(o).copied().unwrap_or("object")),
            None => String::new(),
        }
    }

    fn event_name(&self, e: &Event) -> String {
        let object = self.object(e.object);
        let name = match e.kind {
            EventKind::Spawn { child } => format!("spawn task {child}"),
            EventKind::Join { target } => format!("join task {target}"),
            EventKind::Send { to: Some(to) } => format!("send {object} -> task {to}"),
            EventKind::Recv { from: Some(from), .. } => format!("recv {object} <- task {from}"),
            EventKind::Select { arm: Some(arm) } => format!("select arm {arm} ({object})"),
            EventKind::Woken { by } => format!("woken by task {by} ({object})"),
            EventKind::WaitGroupAdd { delta } => format!("add({delta}) {object}"),
            k => format!("{} {object}", k.verb()),
        };
        name.trim_end().to_string()
    }

    fn virtual_time(&self, step: u32) -> Duration {
        let times = &self.recorder.times;
        let i = times.partition_point(|&(s, _)| s <= step);
        if i == 0 {
            Duration::ZERO
        } else {
            times[i - 1].1
        }
    }
}

fn ts(step: u32, within: u64) -> u64 {
    u64::from(step) * STEP_US + within.min(STEP_US - 1)
}

/// The failing execution in the Chrome trace-event format: one track (tid)
/// per task, a slice per run of consecutive steps in which a task acted and
/// per interval in which it was blocked, an instant per event, a flow arrow
/// from each channel send (or close) to the receive it reached, and a
/// global instant for the failure.
fn chrome_trace(rec: &Recorded, failure: &Failure) -> Value {
    let pid = 1;
    let title = match failure.0.test_name.as_deref() {
        Some(name) => format!("goweave: {name}"),
        None => "goweave".to_string(),
    };
    let mut out = vec![json!({"name": "process_name", "ph": "M", "ts": 0, "pid": pid, "tid": 0,
        "args": {"name": title}})];
    for (t, label) in rec.labels.iter().enumerate() {
        out.push(
            json!({"name": "thread_name", "ph": "M", "ts": 0, "pid": pid, "tid": t, "args": {"name": label}}),
        );
        out.push(json!({"name": "thread_sort_index", "ph": "M", "ts": 0, "pid": pid, "tid": t,
            "args": {"sort_index": t}}));
    }

    // Instants, each at its step plus its rank within the step.
    let mut at = Vec::with_capacity(rec.events.len());
    let mut rank = 0;
    let mut steps_of: Vec<Vec<u32>> = vec![Vec::new(); rec.labels.len()];
    for (i, e) in rec.events.iter().enumerate() {
        rank = if i > 0 && rec.events[i - 1].step == e.step { rank + 1 } else { 0 };
        let time = ts(e.step, rank);
        at.push(time);
        if matches!(e.kind, EventKind::Create { .. }) || e.task >= rec.labels.len() {
            continue;
        }
        if steps_of[e.task].last() != Some(&e.step) {
            steps_of[e.task].push(e.step);
        }
        out.push(json!({"name": rec.event_name(e), "cat": "event", "ph": "i", "s": "t", "ts": time,
            "pid": pid, "tid": e.task, "args": {"step": e.step, "at": e.location.to_string(),
            "virtual_time": format!("{:?}", rec.virtual_time(e.step))}}));
    }

    // Runs of consecutive steps with events of the task.
    for (t, steps) in steps_of.iter().enumerate() {
        let mut i = 0;
        while i < steps.len() {
            let mut j = i;
            while j + 1 < steps.len() && steps[j + 1] == steps[j] + 1 {
                j += 1;
            }
            let (a, b) = (steps[i], steps[j]);
            out.push(json!({"name": "runs", "cat": "run", "ph": "X", "ts": ts(a, 0),
                "dur": u64::from(b - a + 1) * STEP_US, "pid": pid, "tid": t,
                "args": {"steps": format!("{a}..={b}")}}));
            i = j + 1;
        }
    }

    // Blocked intervals, cut where the task acts again so that slices on a
    // track never overlap.
    for b in &rec.recorder.blocked {
        let acts = steps_of.get(b.task).and_then(|s| s.iter().find(|&&s| s >= b.from).copied());
        let to = acts.map_or(b.to, |s| s.min(b.to));
        if to <= b.from {
            continue;
        }
        out.push(json!({"name": b.what, "cat": "blocked", "ph": "X", "ts": ts(b.from, 0),
            "dur": u64::from(to - b.from) * STEP_US, "pid": pid, "tid": b.task,
            "args": {"steps": format!("{}..{to}", b.from)}}));
    }

    // Happens-before edges of channel messages.
    let mut flow = 0u64;
    let mut arrow = |out: &mut Vec<Value>, name: &str, from: usize, to: usize| {
        flow += 1;
        let (s, f) = (&rec.events[from], &rec.events[to]);
        out.push(json!({"name": name, "cat": "chan", "ph": "s", "id": flow, "ts": at[from],
            "pid": pid, "tid": s.task}));
        out.push(json!({"name": name, "cat": "chan", "ph": "f", "bp": "e", "id": flow, "ts": at[to],
            "pid": pid, "tid": f.task}));
    };
    let mut buffered: HashMap<usize, VecDeque<usize>> = HashMap::new();
    let mut closed: HashMap<usize, usize> = HashMap::new();
    for (i, e) in rec.events.iter().enumerate() {
        let Some(c) = e.object else { continue };
        match e.kind {
            EventKind::Send { to: Some(to) } => {
                let partner = rec.events[i + 1..].iter().position(|r| {
                    r.object == Some(c)
                        && r.task == to
                        && matches!(r.kind, EventKind::Recv { from: Some(_), .. })
                });
                if let Some(k) = partner {
                    arrow(&mut out, "message", i, i + 1 + k);
                }
            }
            EventKind::Send { to: None } | EventKind::TimerFire { sent: true } => {
                buffered.entry(c).or_default().push_back(i);
            }
            EventKind::Recv { from: None, closed: false } => {
                if let Some(s) = buffered.get_mut(&c).and_then(VecDeque::pop_front) {
                    arrow(&mut out, "message", s, i);
                }
            }
            EventKind::Close => {
                closed.insert(c, i);
            }
            EventKind::Recv { closed: true, .. } => {
                if let Some(&s) = closed.get(&c) {
                    arrow(&mut out, "close", s, i);
                }
            }
            _ => {}
        }
    }

    // The failure, across every track, after the last step.
    let end = rec.recorder.end;
    let who = failure.tasks().first().map_or(0, |t| t.id());
    out.push(json!({"name": format!("failure: {}", failure.kind()), "cat": "failure", "ph": "i", "s": "g",
        "ts": ts(end, 0), "pid": pid, "tid": who,
        "args": {"kind": failure.kind().to_string(), "replay": failure.schedule().to_string()}}));

    json!({
        "traceEvents": out,
        "displayTimeUnit": "ms",
        "otherData": {
            "generator": "goweave",
            "time": "1 ms of trace time = 1 scheduling step; virtual time is in each event's args",
            "replay": failure.schedule().to_string(),
        },
    })
}
