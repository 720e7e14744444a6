//! What each task of a failing execution was doing, and why it failed.

use std::fmt::Write as _;

use goweave_checkers::{EventKind, RaceKind};

use super::timeline::describe_timeline;
use crate::failure::{FailureKind, FailureTask};
use crate::footprint::TaskId;
use crate::rt::object::{MutexState, OnceState};
use crate::rt::{self, wait_cycle, Cause, Dir, Execution, ObjState, Op, TaskState};

/// Writes the report of a failed execution: what went wrong, what every
/// unfinished task was doing and where, and the interleaving (see
/// [`describe_timeline`]). Returns the text and the tasks it names.
pub(crate) fn describe(ex: &Execution, cause: &Cause, preemptions: &[u32]) -> (String, Vec<FailureTask>) {
    let (mut report, tasks) = describe_cause(ex, cause, preemptions);
    if !matches!(cause, Cause::Diverged(_) | Cause::ReplayEnd(_)) {
        describe_early_firings(ex, &mut report);
    }
    (report, tasks)
}

/// The timers that fired while tasks could still run: the failure needed
/// that work to take longer than the timer, which the user should judge.
fn describe_early_firings(ex: &Execution, out: &mut String) {
    if ex.early_firings.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "
A timer fired early, while tasks could still run: the work before it took longer than the \
         timer.\nIs that delay realistic? (Config::early_timers lets timers due within {:?} fire early.)",
        ex.early_timers
    );
    for firing in &ex.early_firings {
        let runnable: Vec<String> = firing.runnable.iter().map(|&t| ex.task_label(t)).collect();
        let due = if firing.due_in == firing.duration {
            String::new()
        } else {
            format!(", due in {:?}", firing.due_in)
        };
        let _ = writeln!(
            out,
            "    step {}: the {:?} timer made at {}{due} fired while {} could still run",
            firing.step,
            firing.duration,
            firing.created,
            runnable.join(", ")
        );
    }
}

fn describe_cause(ex: &Execution, cause: &Cause, preemptions: &[u32]) -> (String, Vec<FailureTask>) {
    let mut report = String::new();
    let (panicked, kind) = match cause {
        Cause::Diverged(why) | Cause::ReplayEnd(why) => return (format!("{why}\n"), Vec::new()),
        Cause::Race(race) => {
            describe_race(ex, race, &mut report);
            let mut involved = vec![race.first.task, race.second.task];
            involved.sort_unstable();
            involved.dedup();
            let tasks = task_summaries(ex, &involved);
            describe_timeline(ex, &[race.object], &involved, preemptions, &mut report);
            return (report, tasks);
        }
        Cause::LockCycle(cycle) => {
            let names: Vec<String> = cycle.iter().chain(cycle.first()).map(|&t| ex.task_label(t)).collect();
            let _ = match cycle.as_slice() {
                &[t] => writeln!(
                    report,
                    "\n{} waits on a lock it holds itself, in a cycle of one task; no other task \
                     released it, so it can never run again:\n    {}",
                    ex.task_label(t),
                    names.join(" -> ")
                ),
                _ => writeln!(
                    report,
                    "\nTasks wait on each other's locks in a cycle; none of them can ever run again:\n    {}",
                    names.join(" -> ")
                ),
            };
            let tasks = describe_tasks(ex, &mut report);
            let locks: Vec<usize> = cycle.iter().filter_map(|&t| ex.tasks[t].op.object()).collect();
            describe_timeline(ex, &locks, cycle, preemptions, &mut report);
            return (report, tasks);
        }
        &Cause::Panicked(t) => {
            let p = ex.tasks[t].panic.as_ref().expect("panic record");
            let _ = writeln!(
                report,
                "\n{} panicked{}:\n    {}",
                ex.task_label(t),
                p.location.as_ref().map(|l| format!(" at {l}")).unwrap_or_default(),
                p.message.replace('\n', "\n    ")
            );
            if t != 0 {
                let _ = writeln!(
                    report,
                    "  (spawned at {}; nobody joined it to receive the panic)",
                    ex.tasks[t].spawned_at
                );
            }
            (Some(t), FailureKind::Panic)
        }
        Cause::BodyError(e) => {
            let _ = writeln!(report, "\nthe test body returned an error:\n    {e}");
            (None, FailureKind::Panic)
        }
        Cause::Deadlock => {
            report.push_str("\nNo task can run: every unfinished task is blocked, the test body included.\n");
            (None, FailureKind::Deadlock)
        }
        Cause::Leak => {
            report.push_str("\nThe test body returned, but these tasks are blocked forever:\n");
            (None, FailureKind::Leak)
        }
        Cause::Nontermination => {
            let _ = writeln!(
                report,
                "\nThe test body did not finish within max_steps = {} scheduling steps\n\
                 (a livelock, an unbounded loop, or a test that needs a larger max_steps).",
                ex.step
            );
            (None, FailureKind::Nontermination)
        }
        Cause::LeakAtStepLimit => {
            let _ = writeln!(
                report,
                "\nThe test body returned, but tasks were still running after max_steps = {} steps:",
                ex.step
            );
            (None, FailureKind::Leak)
        }
    };
    let mut tasks = describe_tasks(ex, &mut report);
    let objects: Vec<usize> = if kind == FailureKind::Panic {
        // The objects the panicking task shared with others: what its
        // assertion most likely saw change under it.
        // A Go runtime panic (a double close) happens before its event is
        // recorded: the object of the panicking operation counts too.
        let t = panicked.unwrap_or(0);
        let mut v: Vec<usize> = shared_objects(ex).into_iter().filter(|&o| touches(ex, t, o)).collect();
        v.extend(ex.tasks[t].op.object().filter(|o| !v.contains(o)));
        v.sort_unstable();
        v
    } else {
        // What the blocked (or still running) tasks wait on.
        let unfinished = (0..ex.tasks.len()).filter(|&t| ex.tasks[t].state != TaskState::Finished);
        let mut v: Vec<usize> = unfinished
            .flat_map(|t| {
                let task = &ex.tasks[t];
                task.op.object().into_iter().chain(
                    task.arms.iter().map(|a| a.chan).filter(move |_| matches!(task.op, Op::Select { .. })),
                )
            })
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    if let Some(t) = panicked {
        let p = ex.tasks[t].panic.as_ref().expect("panic record");
        tasks.insert(
            0,
            FailureTask {
                id: t,
                name: ex.tasks[t].name.as_deref().map(str::to_string),
                status: format!("panicked: {}", p.message),
                location: p.location.clone(),
            },
        );
    }
    let involved: Vec<TaskId> = match panicked {
        Some(t) => vec![t],
        None => (0..ex.tasks.len()).filter(|&t| ex.tasks[t].state != TaskState::Finished).collect(),
    };
    describe_timeline(ex, &objects, &involved, preemptions, &mut report);
    (report, tasks)
}

fn access_text(ex: &Execution, kind: RaceKind, a: &goweave_checkers::Access) -> String {
    let e = &ex.trace.events()[a.event];
    let what = match (kind, a.write) {
        (RaceKind::Shared, true) => "write",
        (RaceKind::Shared, false) => "read",
        // Go's model: the Wait writes, the Add from zero reads.
        (RaceKind::WaitGroup, true) => "wait",
        (RaceKind::WaitGroup, false) => "add",
    };
    format!("{what} by {} at {} (step {})", ex.task_label(a.task), e.location, e.step)
}

fn describe_race(ex: &Execution, race: &goweave_checkers::Race, out: &mut String) {
    let name = obj_name(ex, race.object);
    match race.kind {
        RaceKind::Shared => {
            let _ = writeln!(
                out,
                "\nTwo tasks accessed {name} without synchronization, and one of them wrote:\n"
            );
        }
        RaceKind::WaitGroup => {
            let _ = writeln!(
                out,
                "\n{name}: an Add that raises the counter from zero is not ordered with a Wait \
                 (Go's rule: call Add before starting the task that waits, or before Wait):\n"
            );
        }
    }
    let _ = writeln!(out, "    {}", access_text(ex, race.kind, &race.first));
    let _ = writeln!(out, "    {}", access_text(ex, race.kind, &race.second));
    let _ = writeln!(
        out,
        "\n  Nothing orders these accesses: no lock, channel operation, join, WaitGroup or \
         atomic between them."
    );
    for t in [race.first.task, race.second.task] {
        match ex.hb.last_sync(t) {
            Some(i) => {
                let e = &ex.trace.events()[i];
                let what = match e.object {
                    Some(o) => format!("{} {}", e.kind.verb(), obj_name(ex, o)),
                    None => e.kind.verb().to_string(),
                };
                let _ = writeln!(
                    out,
                    "  {} last synchronized at step {}: {what} at {}",
                    ex.task_label(t),
                    e.step,
                    e.location
                );
            }
            None => {
                let start = if t == 0 { "started the test" } else { "was spawned" };
                let _ = writeln!(
                    out,
                    "  {} has not synchronized since it {start} (at {})",
                    ex.task_label(t),
                    ex.tasks[t].spawned_at
                );
            }
        }
    }
    let _ = writeln!(out, "  note: {name} was created at {}", ex.objects[race.object].created);
}

fn op_verb(op: Op) -> &'static str {
    match op {
        Op::Spawn => "spawn a task",
        Op::Yield => "yield",
        _ => "an operation",
    }
}

pub(super) fn obj_name(ex: &Execution, id: usize) -> String {
    format!("{}#{id}", ex.objects[id].kind_name())
}

fn holder_text(ex: &Execution, holder: Option<(TaskId, rt::Location)>) -> String {
    match holder {
        Some((t, at)) => format!("held by {} (locked at {at})", ex.task_label(t)),
        None => "free".to_string(),
    }
}

/// One line (plus notes) saying what an unfinished task is doing.
pub(crate) fn describe_wait(ex: &Execution, t: TaskId) -> (String, Vec<String>) {
    let task = &ex.tasks[t];
    if task.state != TaskState::Finished && ex.is_enabled(t) {
        // Not blocked: it could go on (a task still running at the step
        // limit), so "blocked locking a free mutex" would mislead.
        let what = match task.op.object() {
            Some(o) => format!("still running; next it uses {}", obj_name(ex, o)),
            None => format!("still running; next: {}", op_verb(task.op)),
        };
        return (what, Vec::new());
    }
    let mut notes = Vec::new();
    let chan_notes = |notes: &mut Vec<String>, c: usize, dir: Dir| {
        let o = &ex.objects[c];
        let ObjState::Chan(ch) = &o.state else { return };
        if ch.never {
            notes.push(format!("{} is a nil channel (chan::never): it is never ready", obj_name(ex, c)));
            return;
        }
        let shape =
            if ch.cap == 0 { "unbuffered".to_string() } else { format!("buffer {}/{}", ch.len, ch.cap) };
        notes.push(format!("{} ({shape}) was created at {}", obj_name(ex, c), o.created));
        match dir {
            Dir::Recv if ch.senders == 0 && !ch.closed => notes.push(format!(
                "no Sender of {} is alive and it is not closed: nothing can ever unblock this receive",
                obj_name(ex, c)
            )),
            Dir::Send if ch.receivers == 0 => notes.push(format!(
                "no Receiver of {} is alive: nothing can ever unblock this send",
                obj_name(ex, c)
            )),
            _ => {}
        }
    };
    let what = match task.op {
        Op::Recv(c) => {
            chan_notes(&mut notes, c, Dir::Recv);
            format!("blocked receiving from {}", obj_name(ex, c))
        }
        Op::Send(c) => {
            chan_notes(&mut notes, c, Dir::Send);
            format!("blocked sending on {}", obj_name(ex, c))
        }
        Op::Select { .. } => {
            let arms: Vec<String> = task
                .arms
                .iter()
                .map(|a| {
                    chan_notes(&mut notes, a.chan, a.dir);
                    match a.dir {
                        Dir::Send => format!("send on {}", obj_name(ex, a.chan)),
                        Dir::Recv => format!("recv from {}", obj_name(ex, a.chan)),
                    }
                })
                .collect();
            format!("blocked in select! on [{}]", arms.join(", "))
        }
        Op::Lock(m) | Op::Relock(m) => {
            let holder = match &ex.objects[m].state {
                ObjState::Mutex(MutexState { holder }) => *holder,
                _ => None,
            };
            let again = if holder.map(|h| h.0) == Some(t) {
                " (it already holds it: Mutex is not reentrant)"
            } else {
                ""
            };
            let prefix = if matches!(task.op, Op::Relock(_)) {
                "woken from Cond::wait, blocked re-locking"
            } else {
                "blocked locking"
            };
            notes.push(format!("{} is {}{again}", obj_name(ex, m), holder_text(ex, holder)));
            format!("{prefix} {}", obj_name(ex, m))
        }
        Op::RLock(o) | Op::WLock(o) | Op::WDrain(o) => {
            let ObjState::RwMutex(s) = &ex.objects[o].state else { unreachable!() };
            if let Some((w, at)) = s.writer {
                notes.push(format!("{} holds it for writing (locked at {at})", ex.task_label(w)));
            }
            for &(r, at) in &s.readers {
                notes.push(format!("{} holds it for reading (read-locked at {at})", ex.task_label(r)));
            }
            if let Some((w, at)) = s.pending_writer {
                if w != t {
                    notes.push(format!(
                        "{} waits to write (since {at}); a waiting writer blocks new readers",
                        ex.task_label(w)
                    ));
                }
            }
            match task.op {
                Op::RLock(_) => format!("blocked read-locking {}", obj_name(ex, o)),
                Op::WLock(_) => format!("blocked write-locking {}", obj_name(ex, o)),
                _ => format!("write-locking {}: waiting for its readers to unlock", obj_name(ex, o)),
            }
        }
        Op::CondWait(c) => format!("waiting on {} for a signal or broadcast", obj_name(ex, c)),
        Op::Sleep => format!("sleeping (virtual time now t+{:?})", ex.now),
        Op::WgWait(w) => {
            let ObjState::WaitGroup(s) = &ex.objects[w].state else { unreachable!() };
            format!("waiting on {} (counter {})", obj_name(ex, w), s.counter)
        }
        Op::Join(target) => format!("blocked joining {}", ex.task_label(target)),
        Op::OnceDo(o) => {
            let ObjState::Once(OnceState { running, .. }) = &ex.objects[o].state else { unreachable!() };
            match running {
                Some(r) => {
                    format!("blocked in {}.call_once while {} runs it", obj_name(ex, o), ex.task_label(*r))
                }
                None => format!("blocked in {}.call_once", obj_name(ex, o)),
            }
        }
        op => match op.object() {
            Some(o) => format!("still running; next it uses {}", obj_name(ex, o)),
            None => format!("still running; next: {}", op_verb(op)),
        },
    };
    (what, notes)
}

fn describe_tasks(ex: &Execution, out: &mut String) -> Vec<FailureTask> {
    let mut summaries = Vec::new();
    out.push('\n');
    let cycle_told = out.contains("in a cycle");
    if let Some(cycle) = wait_cycle(ex).filter(|_| !cycle_told) {
        let names: Vec<String> = cycle.iter().chain(cycle.first()).map(|&t| ex.task_label(t)).collect();
        let _ = writeln!(out, "  wait-for cycle: {}\n", names.join(" -> "));
    }
    for t in 0..ex.tasks.len() {
        let task = &ex.tasks[t];
        if task.state == TaskState::Finished {
            if task.panic.is_some() && !task.panic_joined && t != 0 {
                let _ = writeln!(out, "  {}: panicked and finished", ex.task_label(t));
            }
            continue;
        }
        let (what, notes) = describe_wait(ex, t);
        let _ = writeln!(out, "  {}: {what}", ex.task_label(t));
        let _ = writeln!(out, "      at {}", task.location);
        if t != 0 {
            let _ = writeln!(out, "      spawned at {}", task.spawned_at);
        }
        summaries.push(FailureTask {
            id: t,
            name: task.name.as_deref().map(str::to_string),
            status: what,
            location: Some(task.location.to_string()),
        });
        for n in notes {
            let _ = writeln!(out, "      note: {n}");
        }
    }
    let finished = ex.tasks.iter().filter(|t| t.state == TaskState::Finished && t.panic.is_none()).count();
    if finished > 0 {
        let _ = writeln!(out, "  ({finished} other task{} finished)", if finished == 1 { "" } else { "s" });
    }
    summaries
}

/// Objects that two or more tasks (or a task and a timer) touched, creation
/// aside, in id order.
pub(super) fn shared_objects(ex: &Execution) -> Vec<usize> {
    let mut first: Vec<Option<TaskId>> = vec![None; ex.objects.len()];
    let mut shared = vec![false; ex.objects.len()];
    for e in ex.trace.events() {
        let Some(o) = e.object.filter(|&o| o < first.len()) else { continue };
        if matches!(e.kind, EventKind::Create { .. }) {
            continue;
        }
        // A timer's firing is the clock's doing, whichever task was current.
        let actor = if matches!(e.kind, EventKind::TimerFire { .. }) { usize::MAX } else { e.task };
        match first[o] {
            None => first[o] = Some(actor),
            Some(t) if t != actor => shared[o] = true,
            Some(_) => {}
        }
    }
    (0..shared.len()).filter(|&o| shared[o]).collect()
}

/// Whether task `t` used object `o` (creation aside).
fn touches(ex: &Execution, t: TaskId, o: usize) -> bool {
    ex.trace
        .events()
        .iter()
        .any(|e| e.task == t && e.object == Some(o) && !matches!(e.kind, EventKind::Create { .. }))
}

/// Summaries of the given tasks, for [`Failure::tasks`](crate::Failure::tasks).
fn task_summaries(ex: &Execution, tasks: &[TaskId]) -> Vec<FailureTask> {
    tasks
        .iter()
        .map(|&t| {
            let task = &ex.tasks[t];
            let status = if task.state == TaskState::Finished {
                "finished".to_string()
            } else {
                describe_wait(ex, t).0
            };
            FailureTask {
                id: t,
                name: task.name.as_deref().map(str::to_string),
                status,
                location: Some(task.location.to_string()),
            }
        })
        .collect()
}
