//! Forensics of a failure: its schedule runs once more with every step
//! observed and `tracing` events captured, and the execution is written as
//! a Chrome trace (for Perfetto and chrome://tracing) when asked.
//!
//! Working from the final token keeps this right whatever produced the
//! token (the exploration itself or a later minimization), and costs the
//! executions that pass nothing: only the replay carries a recorder.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::time::Duration;

use goweave_checkers::{Event, EventKind};
use serde_json::{json, Value};

use crate::config::Config;
use crate::exec::{describe_wait, Body, Runner};
use crate::failure::{Failure, FailureKind};
use crate::logs;
use crate::rt::{Execution, TaskId, TaskState};
use crate::schedule::Schedule;
use crate::strategy::{self, Chooser};

/// Trace time of one scheduling step, in the format's microseconds. Steps,
/// not wall-clock time, order an execution; events within one step get
/// successive microseconds in the order they happened, so a step shows as
/// one millisecond (`displayTimeUnit` is `ms`). Virtual time is in `args`.
const STEP_US: u64 = 1000;

/// Watches an execution step by step for what its event trace does not
/// say: when each task was blocked and on what, and the virtual clock.
#[derive(Default)]
pub(crate) struct Recorder {
    /// Per task: the step its current blocked interval began, and what it
    /// waits for.
    open: Vec<Option<(u32, String)>>,
    blocked: Vec<Blocked>,
    /// (step, virtual time) at every change of the clock.
    times: Vec<(u32, Duration)>,
    /// The step of the latest observation, if any.
    last_step: Option<u32>,
    /// The step after the execution's end.
    end: u32,
}

/// One interval in which a task could not run.
#[derive(Clone, Debug)]
struct Blocked {
    task: TaskId,
    from: u32,
    to: u32,
    what: String,
}

impl Recorder {
    /// Notes the state after a scheduling choice (or at the end).
    pub(crate) fn observe(&mut self, ex: &Execution) {
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
struct Recorded {
    labels: Vec<String>,
    /// Each object's kind name, by id.
    objects: Vec<&'static str>,
    events: Vec<Event>,
    recorder: Recorder,
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
        let trace = chrome_trace(&recorded, &failure);
        failure.0.trace_note = Some(match write_json(path, &trace) {
            Ok(()) => format!(
                "Chrome trace of this execution: {} (open it in https://ui.perfetto.dev or chrome://tracing)",
                path.display()
            ),
            Err(e) => format!("could not write the Chrome trace to {}: {e}", path.display()),
        });
    }
    failure
}

fn write_json(path: &Path, trace: &Value) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let text = serde_json::to_string(trace).map_err(std::io::Error::other)?;
    std::fs::write(path, text)
}

/// Runs every execution of `schedule`; the last must fail with `kind`.
fn replay_observed(config: &Config, body: &Body, schedule: &Schedule, kind: FailureKind) -> Option<Recorded> {
    let mut runner = Runner::new(config.stack_size, config.max_steps, false, config.race_checks);
    let mut chooser = Chooser::new(Box::new(strategy::Replay::new(schedule)));
    let mut last = None;
    while chooser.begin() {
        runner.forensic = Some(Recorder::default());
        let index = chooser.execution_index();
        let (back, verdict) = runner.run(index, body, chooser);
        chooser = back;
        let mut recorder = runner.forensic.take()?;
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

/// The trace path from `GOWEAVE_TRACE`, if set.
pub(crate) fn env_trace_path() -> Option<PathBuf> {
    std::env::var_os("GOWEAVE_TRACE").filter(|v| !v.is_empty()).map(PathBuf::from)
}
