//! Native tasks: each one a named OS thread.
//!
//! A task's panic is caught on its thread and handed to the joiner as
//! the value `Err(Panicked)`, with its message and where it happened (the
//! panic hook notes the location; std's hook still prints the panic, as
//! for any thread). A task knows its id (unique in the process, from 1;
//! threads goweave did not start are task 0) and its name, for
//! `goweave::current()`.

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::rt::{install_panic_hook, payload_message, take_panic_location};

/// A caught panic: its message and, when known, `file:line:column`.
pub(crate) type Caught = (String, Option<String>);

/// What a native task's thread returns.
pub(crate) type Outcome<T> = Result<T, Caught>;

/// Task ids handed out so far (0 is every thread goweave did not start).
static NEXT_ID: AtomicUsize = AtomicUsize::new(1);

thread_local! {
    /// The task this thread runs, if goweave started it: id and name.
    static CURRENT: RefCell<Option<(usize, Option<Arc<str>>)>> = const { RefCell::new(None) };
}

/// The id and name of the task the calling thread runs.
pub(crate) fn current() -> (usize, Option<Arc<str>>) {
    CURRENT.with(|c| c.borrow().clone()).unwrap_or((0, None))
}

/// How a task is made: its name and stack size.
#[derive(Clone, Debug, Default)]
pub(crate) struct Spec {
    /// The thread's name, and the task's.
    pub name: Option<String>,
    /// The thread's stack size in bytes; std's default when `None`.
    pub stack_size: Option<usize>,
}

impl Spec {
    /// A std builder for the thread, and the task's name.
    fn builder(&self) -> (std::thread::Builder, Option<Arc<str>>) {
        install_panic_hook();
        let mut builder = std::thread::Builder::new();
        if let Some(name) = &self.name {
            builder = builder.name(name.clone());
        }
        if let Some(size) = self.stack_size {
            builder = builder.stack_size(size);
        }
        (builder, self.name.as_deref().map(Arc::from))
    }
}

/// The body of a task's thread: run `f` as task `id`, catching its panic,
/// which `on_panic` sees first.
fn run<T>(
    id: usize,
    name: Option<Arc<str>>,
    f: impl FnOnce() -> T,
    on_panic: impl FnOnce(&Caught),
) -> Outcome<T> {
    CURRENT.with(|c| *c.borrow_mut() = Some((id, name)));
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let message = payload_message(&*payload).unwrap_or_else(|| "Box<dyn Any>".to_string());
        let caught = (message, take_panic_location());
        on_panic(&caught);
        caught
    })
}

/// The OS would not start a thread.
#[cold]
fn could_not_start(e: std::io::Error) -> ! {
    panic!("goweave: could not start a task's thread: {e}")
}

/// A native task and its thread.
#[derive(Debug)]
pub(crate) struct NativeTask<T> {
    /// The thread.
    pub handle: std::thread::JoinHandle<Outcome<T>>,
    /// The task's id.
    pub id: usize,
    /// The task's name.
    pub name: Option<Arc<str>>,
}

/// Starts `f` on a new thread made as `spec` says.
pub(crate) fn spawn<F, T>(spec: &Spec, f: F) -> NativeTask<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (builder, name) = spec.builder();
    let id = next_id();
    let task_name = name.clone();
    let handle = builder.spawn(move || run(id, task_name, f, |_| {})).unwrap_or_else(|e| could_not_start(e));
    NativeTask { handle, id, name }
}

/// A native task of a scope.
#[derive(Debug)]
pub(crate) struct ScopedTask<'scope, T> {
    /// The thread.
    pub handle: std::thread::ScopedJoinHandle<'scope, Outcome<T>>,
    /// The task's id.
    pub id: usize,
    /// The task's name.
    pub name: Option<Arc<str>>,
}

/// Starts `f` on a new thread of `scope`, made as `spec` says; `id` is
/// the task's id (from [`next_id`]), and `on_panic` sees its panic.
pub(crate) fn spawn_scoped<'scope, 'env, F, T>(
    spec: &Spec,
    scope: &'scope std::thread::Scope<'scope, 'env>,
    id: usize,
    f: F,
    on_panic: impl FnOnce(&Caught) + Send + 'scope,
) -> ScopedTask<'scope, T>
where
    F: FnOnce() -> T + Send + 'scope,
    T: Send + 'scope,
{
    let (builder, name) = spec.builder();
    let task_name = name.clone();
    let handle = builder
        .spawn_scoped(scope, move || run(id, task_name, f, on_panic))
        .unwrap_or_else(|e| could_not_start(e));
    ScopedTask { handle, id, name }
}

/// A new task id.
pub(crate) fn next_id() -> usize {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}
