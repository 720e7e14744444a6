//! Tasks: `go`, join handles, names.
//!
//! Inside an exploration a task is a coroutine the engine schedules;
//! anywhere else it is a named OS thread (`native::task`). The mode is
//! decided where the task is spawned.

use std::fmt;
use std::panic;
use std::sync::Arc;

use goweave_checkers::EventKind;

use crate::footprint::TaskId;
use crate::native::task::{self as native_task, NativeTask, Spec};
use crate::rt::{self, announce, in_execution, with_exec, Location, Op, TaskState, ValueCell};

/// The result slot a task fills when it returns: written by the task as
/// it returns, read by the joiner once the task finished.
pub(crate) type Slot<T> = ValueCell<Option<T>>;

/// Owns the right to join a task, like `std::thread::JoinHandle`.
/// Dropping it detaches the task.
pub struct JoinHandle<T> {
    inner: Handle<T>,
}

/// A task of an execution, or a thread.
enum Handle<T> {
    Model(ModelHandle<T>),
    Native(NativeTask<T>),
}

/// The handle of a task of an execution.
pub(crate) struct ModelHandle<T> {
    task: TaskId,
    serial: u64,
    slot: Arc<Slot<T>>,
    spawned_at: Location,
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            Handle::Model(m) => f.debug_struct("JoinHandle").field("task", &m.task).finish(),
            Handle::Native(n) => {
                f.debug_struct("JoinHandle").field("task", &n.id).field("native", &true).finish()
            }
        }
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

impl Panicked {
    /// The panic a native task's thread caught.
    pub(crate) fn caught((message, location): native_task::Caught) -> Panicked {
        Panicked { message, location }
    }
}

impl<T> ModelHandle<T> {
    /// The task's id in the current execution, checked.
    #[track_caller]
    fn current_task(&self) -> TaskId {
        if !in_execution() {
            panic!(
                "goweave: the JoinHandle of a task spawned at {} inside an exploration was used on a thread \
                 that runs no execution (after the exploration ended, or on a std::thread spawned inside \
                 it): join tasks from goweave tasks of the same execution",
                self.spawned_at
            );
        }
        with_exec(|ex| {
            if ex.serial != self.serial {
                panic!(
                    "goweave: the JoinHandle of a task spawned at {} belongs to another execution than the \
                     one running: spawn tasks inside the test body",
                    self.spawned_at
                );
            }
        });
        self.task
    }

    /// Waits for the task; its value, or its panic (then no failure).
    #[track_caller]
    pub(crate) fn join(self, loc: Location) -> Result<T, Panicked> {
        let target = self.current_task();
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

    /// Whether the task finished.
    #[track_caller]
    pub(crate) fn is_finished(&self) -> bool {
        let task = self.current_task();
        with_exec(|ex| ex.tasks[task].state == TaskState::Finished)
    }

    /// The task.
    #[track_caller]
    pub(crate) fn task(&self) -> Task {
        let task = self.current_task();
        with_exec(|ex| Task { id: task, name: ex.tasks[task].name.clone() })
    }

    /// The task's id.
    pub(crate) fn id(&self) -> TaskId {
        self.task
    }
}

/// A native task's handle used inside an execution.
#[cold]
#[track_caller]
fn native_in_execution(id: usize) -> ! {
    panic!(
        "goweave: the JoinHandle of native task {id} (a thread started outside any exploration) was used \
         inside an exploration, which can neither schedule nor replay it: spawn the task inside the test \
         body"
    )
}

impl<T> JoinHandle<T> {
    /// Blocks the calling task until this one finishes; returns its value,
    /// or its panic as `Err` (which then is no failure of the test).
    #[track_caller]
    pub fn join(self) -> Result<T, Panicked> {
        let loc = panic::Location::caller();
        match self.inner {
            Handle::Model(m) => m.join(loc),
            Handle::Native(n) => {
                if in_execution() {
                    native_in_execution(n.id)
                }
                n.handle
                    .join()
                    .unwrap_or_else(|payload| std::panic::resume_unwind(payload))
                    .map_err(Panicked::caught)
            }
        }
    }

    /// Whether the task has finished (no scheduling point).
    #[track_caller]
    pub fn is_finished(&self) -> bool {
        match &self.inner {
            Handle::Model(m) => m.is_finished(),
            Handle::Native(n) => n.handle.is_finished(),
        }
    }

    /// The task this handle joins.
    #[track_caller]
    pub fn task(&self) -> Task {
        match &self.inner {
            Handle::Model(m) => m.task(),
            Handle::Native(n) => Task { id: n.id, name: n.name.clone() },
        }
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
    pub(crate) spec: Spec,
}

/// The smallest task stack goweave makes, as for `Config::stack_size`.
const MIN_STACK: usize = 16 * 1024;

impl Builder {
    /// A builder with no name set.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Names the task; reports and timelines use the name, and a native
    /// task's thread carries it.
    pub fn name(mut self, name: impl Into<String>) -> Builder {
        self.spec.name = Some(name.into());
        self
    }

    /// The task's stack size in bytes (at least 16 KiB), in both modes:
    /// its coroutine's stack inside an exploration (instead of
    /// `Config::stack_size`), its thread's stack natively (instead of
    /// std's default).
    pub fn stack_size(mut self, bytes: usize) -> Builder {
        self.spec.stack_size = Some(bytes.max(MIN_STACK));
        self
    }

    /// Spawns the task, like `go f()`. A scheduling point.
    #[track_caller]
    pub fn go<F, T>(self, f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        spawn(&self.spec, f, panic::Location::caller())
    }
}

fn spawn<F, T>(spec: &Spec, f: F, loc: Location) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    if !in_execution() {
        return JoinHandle { inner: Handle::Native(native_task::spawn(spec, f)) };
    }
    // SAFETY: `f` is `'static`.
    JoinHandle { inner: Handle::Model(unsafe { spawn_model(spec, f, loc) }) }
}

/// Spawns a task of the current execution running `f`.
///
/// # Safety
/// `f` and `T` may borrow data that must outlive the task: the caller
/// guarantees that the task finishes (or is torn down, newest task first)
/// before any of it is dropped.
pub(crate) unsafe fn spawn_model<'a, F, T>(spec: &Spec, f: F, loc: Location) -> ModelHandle<T>
where
    F: FnOnce() -> T + Send + 'a,
    T: Send + 'a,
{
    announce(Op::Spawn, loc);
    let slot: Arc<Slot<T>> = Arc::new(ValueCell::new(None));
    let task_slot = slot.clone();
    let body: Box<dyn FnOnce() + 'a> = Box::new(move || {
        let value = f();
        // SAFETY: only this task writes the slot, and the joiner reads it
        // only after this task finished.
        unsafe { *task_slot.get_mut_unchecked() = Some(value) };
    });
    // SAFETY: the caller guarantees that what `body` borrows outlives the
    // task; the engine drops `body` when the task ends or is torn down.
    let body: rt::SpawnFn = unsafe { std::mem::transmute::<Box<dyn FnOnce() + 'a>, rt::SpawnFn>(body) };
    let (task, serial) = add_task(spec, body, loc);
    ModelHandle { task, serial, slot, spawned_at: loc }
}

/// The engine's part of a spawn: the new task's id and its execution's
/// serial. Out of line and not generic, so a debug build of the user's
/// crate, where the generic spawn is compiled, runs it optimised when
/// goweave is.
fn add_task(spec: &Spec, body: rt::SpawnFn, loc: Location) -> (TaskId, u64) {
    let name = spec.name.as_deref().map(Arc::from);
    let stack_size = spec.stack_size.unwrap_or(0);
    with_exec(|ex| {
        let me = ex.current;
        let child = ex.add_task(name, loc, body, stack_size);
        ex.picker.on_spawn(child);
        ex.record(me, None, EventKind::Spawn { child }, loc);
        (child, ex.serial)
    })
}

/// Spawns a task running `f`, like Go's `go f()`. A scheduling point.
///
/// Inside an exploration the task is one the engine schedules; anywhere
/// else it is an OS thread.
///
/// ```
/// goweave::check(|| {
///     let h = goweave::go(|| 40 + 2);
///     assert_eq!(h.join().unwrap(), 42);
/// });
/// // The same call outside an exploration starts a thread.
/// assert_eq!(goweave::go(|| 40 + 2).join().unwrap(), 42);
/// ```
#[track_caller]
pub fn go<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    spawn(&Spec::default(), f, panic::Location::caller())
}

/// A scheduling point that does nothing else: lets other tasks run. Under
/// PCT it also lowers the caller's priority, so call it in spin loops.
/// Natively, the thread yields its time slice.
#[track_caller]
pub fn yield_now() {
    if !in_execution() {
        std::thread::yield_now();
        return;
    }
    let loc = panic::Location::caller();
    announce(Op::Yield, loc);
    with_exec(|ex| {
        let me = ex.current;
        ex.record(me, None, EventKind::Yield, loc);
        ex.picker.on_yield(me);
    });
}

/// A task's identity: within one execution, or, natively, in the process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Task {
    id: TaskId,
    name: Option<Arc<str>>,
}

impl Task {
    /// Task `id`, named `name`.
    pub(crate) fn new(id: usize, name: Option<Arc<str>>) -> Task {
        Task { id, name }
    }

    /// The task's name, if it was given one with [`Builder::name`].
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The task's id: its creation index in this execution (the body is
    /// 0). Natively, unique in the process from 1; a thread goweave did not
    /// start is task 0.
    pub fn id(&self) -> usize {
        self.id
    }
}

/// The task that calls this.
#[track_caller]
pub fn current() -> Task {
    if !in_execution() {
        let (id, name) = native_task::current();
        return Task { id, name };
    }
    with_exec(|ex| Task { id: ex.current, name: ex.tasks[ex.current].name.clone() })
}
