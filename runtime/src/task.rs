//! Tasks: `go`, join handles, names.

use std::fmt;
use std::panic;
use std::sync::Arc;

use goweave_checkers::EventKind;

use crate::footprint::TaskId;
use crate::rt::{self, announce, with_exec, ModelCell, Op, TaskState};

/// The result slot a task fills when it returns: written by the task as
/// it returns, read by the joiner once the task finished.
type Slot<T> = ModelCell<Option<T>>;

/// Owns the right to join a task, like `std::thread::JoinHandle`.
/// Dropping it detaches the task.
pub struct JoinHandle<T> {
    task: TaskId,
    serial: u64,
    slot: Arc<Slot<T>>,
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle").field("task", &self.task).finish()
    }
}

/// A task's panic, as returned by [`JoinHandle::join`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Panicked {
    message: String,
    location: Option<String>,
}

impl Panicked {
    /// The panic message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// `file:line:column` of the panic, when known.
    pub fn location(&self) -> Option<&str> {
        self.location.as_deref()
    }
}

impl fmt::Display for Panicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(l) => write!(f, "task panicked at {l}: {}", self.message),
            None => write!(f, "task panicked: {}", self.message),
        }
    }
}

impl std::error::Error for Panicked {}

impl<T> JoinHandle<T> {
    /// Blocks the calling task until this one finishes; returns its value,
    /// or its panic as `Err` (which then is no failure of the test).
    #[track_caller]
    pub fn join(self) -> Result<T, Panicked> {
        let loc = panic::Location::caller();
        let target = with_exec(|ex| {
            if ex.serial != self.serial {
                panic!("a JoinHandle from another execution was joined: spawn tasks inside the test body");
            }
            self.task
        });
        announce(Op::Join(target), loc);
        with_exec(|ex| {
            let me = ex.current;
            ex.record(me, None, EventKind::Join { target }, loc);
            let task = &mut ex.tasks[target];
            match &task.panic {
                Some(p) => {
                    task.panic_joined = true;
                    Err(Panicked { message: p.message.clone(), location: p.location.clone() })
                }
                // SAFETY: the task finished, so it no longer touches its slot,
                // and this handle, consumed here, is the slot's only reader.
                None => Ok(unsafe { self.slot.get_mut_unchecked() }
                    .take()
                    .expect("a finished task left no result")),
            }
        })
    }

    /// Whether the task has finished (no scheduling point).
    pub fn is_finished(&self) -> bool {
        with_exec(|ex| ex.tasks[self.task].state == TaskState::Finished)
    }

    /// The task this handle joins.
    pub fn task(&self) -> Task {
        with_exec(|ex| Task { id: self.task, name: ex.tasks[self.task].name.clone() })
    }
}

/// Configures a task before spawning it.
///
/// ```
/// goweave::check(|| {
///     let h = goweave::Builder::new().name("worker-1").go(|| goweave::current().name().map(String::from));
///     assert_eq!(h.join().unwrap().as_deref(), Some("worker-1"));
/// });
/// ```
#[derive(Debug, Default, Clone)]
pub struct Builder {
    name: Option<String>,
}

impl Builder {
    /// A builder with no name set.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Names the task; reports and timelines use the name.
    pub fn name(mut self, name: impl Into<String>) -> Builder {
        self.name = Some(name.into());
        self
    }

    /// Spawns the task, like `go f()`. A scheduling point.
    #[track_caller]
    pub fn go<F, T>(self, f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        spawn(self.name, f, panic::Location::caller())
    }
}

fn spawn<F, T>(name: Option<String>, f: F, loc: rt::Location) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    announce(Op::Spawn, loc);
    let slot: Arc<Slot<T>> = Arc::new(ModelCell::new(None));
    let task_slot = slot.clone();
    let body: rt::SpawnFn = Box::new(move || {
        let value = f();
        // SAFETY: only this task writes the slot, and the joiner reads it
        // only after this task finished.
        unsafe { *task_slot.get_mut_unchecked() = Some(value) };
    });
    with_exec(|ex| {
        let me = ex.current;
        let child = ex.add_task(name.map(Arc::from), loc, body);
        ex.picker.on_spawn(child);
        ex.record(me, None, EventKind::Spawn { child }, loc);
        JoinHandle { task: child, serial: ex.serial, slot }
    })
}

/// Spawns a task running `f`, like Go's `go f()`. A scheduling point.
///
/// ```
/// goweave::check(|| {
///     let h = goweave::go(|| 40 + 2);
///     assert_eq!(h.join().unwrap(), 42);
/// });
/// ```
#[track_caller]
pub fn go<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    spawn(None, f, panic::Location::caller())
}

/// A scheduling point that does nothing else: lets other tasks run. Under
/// PCT it also lowers the caller's priority, so call it in spin loops.
#[track_caller]
pub fn yield_now() {
    let loc = panic::Location::caller();
    announce(Op::Yield, loc);
    with_exec(|ex| {
        let me = ex.current;
        ex.record(me, None, EventKind::Yield, loc);
        ex.picker.on_yield(me);
    });
}

/// A task's identity within one execution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Task {
    id: TaskId,
    name: Option<Arc<str>>,
}

impl Task {
    /// The task's name, if it was given one with [`Builder::name`].
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The task's id: its creation index in this execution (the body is 0).
    pub fn id(&self) -> usize {
        self.id
    }
}

/// The task that calls this.
#[track_caller]
pub fn current() -> Task {
    with_exec(|ex| Task { id: ex.current, name: ex.tasks[ex.current].name.clone() })
}
