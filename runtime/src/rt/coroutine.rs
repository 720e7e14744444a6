//! Tasks as coroutines: their stacks, pooled and cached per thread, the
//! entry that catches a task's panic, and the panic hook that keeps
//! panics inside tasks quiet (they are reported once, in the failure's
//! report).

use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

use corosensei::stack::{DefaultStack, Stack};
use corosensei::{Coroutine, CoroutineResult, Yielder};
use goweave_checkers::EventKind;

use super::overflow::{self, TaskStack};
use super::protocol::{AbortTask, GoPanic, Resume};
use super::task::{PanicRecord, SpawnFn, TaskState};
use super::with_exec;
use crate::footprint::TaskId;

/// A task's coroutine.
pub(super) type Co = Coroutine<Resume, (), (), DefaultStack>;

thread_local! {
    /// True while a task's coroutine runs, so the panic hook stays quiet
    /// and records instead of printing.
    static IN_TASK: Cell<bool> = const { Cell::new(false) };
    /// The location of the last panic inside a task, from the hook.
    static CAPTURED: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
    /// The panics of the running task since it last started to unwind:
    /// the hook reads them when a destructor's panic is about to abort.
    static UNWIND_PANICS: RefCell<Vec<(String, String)>> = const { RefCell::new(Vec::new()) };
    /// The location of the last panic on this thread outside tasks, for a
    /// native task's `Panicked`.
    static LAST_LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The location of the last panic on this thread outside any task, once
/// (a native task reads its own after catching its panic).
pub(crate) fn take_panic_location() -> Option<String> {
    LAST_LOCATION.try_with(|l| l.borrow_mut().take()).ok().flatten()
}

/// Installs, once per process, a panic hook that records panics raised in
/// goweave tasks (they are reported in the failure report, once) and defers
/// to the previous hook for everything else.
pub(crate) fn install_panic_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_TASK.with(Cell::get) {
                let location = info.location().map(|l| l.to_string()).unwrap_or_default();
                let message = payload_message(info.payload()).unwrap_or_default();
                if message == "panic in a destructor during cleanup" {
                    // core's panic for a destructor that panicked during
                    // unwinding (`PanicHookInfo::can_unwind` is unstable):
                    // Rust aborts the process when this hook returns.
                    abort_imminent(&message);
                    return;
                }
                let _ = UNWIND_PANICS.try_with(|p| {
                    let mut p = p.borrow_mut();
                    if p.len() == 4 {
                        p.remove(1);
                    }
                    p.push((message.clone(), location.clone()));
                });
                CAPTURED.with(|c| *c.borrow_mut() = Some((message, location)));
            } else {
                let location = info.location().map(|l| l.to_string());
                let _ = LAST_LOCATION.try_with(|l| *l.borrow_mut() = location);
                previous(info);
            }
        }));
    });
}

/// A task's destructor panicked while the task unwound (from its own panic,
/// or as goweave tore it down), and Rust is about to abort the process:
/// say which task, which panics and what to do, before the abort takes
/// every message with it.
#[cold]
fn abort_imminent(reason: &str) {
    let panics = UNWIND_PANICS.try_with(|p| p.borrow().clone()).unwrap_or_default();
    let who = super::current::try_with_exec(|ex| (ex.task_label(ex.current), ex.aborting));
    let (who, tearing_down) = who.unwrap_or_else(|| ("a goweave task".to_string(), false));
    let mut text = format!("\ngoweave: {reason}: a destructor (a Drop implementation) of {who} panicked ");
    let (destructor, first) = match panics.split_last() {
        Some((last, rest)) => (Some(last), rest.last()),
        None => (None, None),
    };
    if tearing_down {
        text.push_str("while goweave tore the task down after the execution ended.\n");
    } else {
        text.push_str("while the task unwound from a panic.\n");
    }
    if let (Some((message, location)), false) = (first, tearing_down) {
        text.push_str(&format!("  The task panicked first at {location}:\n    {message}\n"));
    }
    if let Some((message, location)) = destructor {
        text.push_str(&format!("  Then the destructor panicked at {location}:\n    {message}\n"));
    }
    text.push_str(
        "  Rust aborts the process when a destructor panics during unwinding. Make the Drop implementation \
         check std::thread::panicking() before it panics (or not panic at all).\n",
    );
    use std::io::Write;
    let _ = std::io::stderr().write_all(text.as_bytes());
}

pub(crate) fn payload_message(payload: &(dyn std::any::Any + Send)) -> Option<String> {
    if let Some(s) = payload.downcast_ref::<&str>() {
        Some((*s).to_string())
    } else if let Some(s) = payload.downcast_ref::<String>() {
        Some(s.clone())
    } else {
        payload.downcast_ref::<GoPanic>().map(|g| g.message.clone())
    }
}

/// Runs `co` (a task's coroutine, on `stack`) with `input` until it
/// suspends or ends, with the panic hook recording rather than printing
/// and the overflow handler watching its stack; true when it ended.
pub(super) fn resume(co: &mut Co, stack: &TaskStack, input: Resume) -> bool {
    let _running = overflow::running_on(stack);
    IN_TASK.with(|f| f.set(true));
    let result = co.resume(input);
    IN_TASK.with(|f| f.set(false));
    matches!(result, CoroutineResult::Return(()))
}

/// A coroutine for task `id` (named `name`) running `body` on a stack of
/// `stack_size` bytes (0: the pool's size, from the pool), what the
/// overflow handler needs of that stack, and whether it goes back to the
/// pool when the task ends.
pub(super) fn new_coroutine(
    stacks: &mut StackPool,
    id: TaskId,
    name: Option<std::sync::Arc<str>>,
    body: SpawnFn,
    stack_size: usize,
) -> (Co, TaskStack, bool) {
    let pooled = stack_size == 0 || stack_size == stacks.size;
    let stack = match stacks.free.pop().filter(|_| pooled) {
        Some(s) => s,
        None => {
            let size = if pooled { stacks.size } else { stack_size };
            DefaultStack::new(size)
                .unwrap_or_else(|e| panic!("goweave: could not allocate a task stack of {size} bytes: {e}"))
        }
    };
    let size = if pooled { stacks.size } else { stack_size };
    let guard = TaskStack::new(id, name, stack.limit().get(), size);
    let co = Coroutine::with_stack(stack, move |yielder: &Yielder<Resume, ()>, input: Resume| {
        with_exec(|ex| ex.tasks[id].yielder = yielder as *const _);
        if input == Resume::Abort {
            return;
        }
        let result = catch_unwind(AssertUnwindSafe(body));
        task_finished(id, result);
    });
    (co, guard, pooled)
}

/// Called at the end of a task's coroutine.
fn task_finished(id: TaskId, result: std::thread::Result<()>) {
    let _ = UNWIND_PANICS.try_with(|p| p.borrow_mut().clear());
    let record = match result {
        Ok(()) => None,
        Err(payload) if payload.is::<AbortTask>() => return,
        Err(payload) => {
            let captured = CAPTURED.with(|c| c.borrow_mut().take());
            Some(match payload.downcast::<GoPanic>() {
                Ok(go) => (go.message, Some(go.location.to_string())),
                Err(payload) => {
                    let message = payload_message(&*payload).unwrap_or_else(|| "Box<dyn Any>".to_string());
                    (message, captured.map(|(_, loc)| loc))
                }
            })
        }
    };
    with_exec(|ex| {
        let step = ex.step;
        let loc = ex.tasks[id].location;
        ex.record(id, None, EventKind::Finish, loc);
        let task = &mut ex.tasks[id];
        task.state = TaskState::Finished;
        if let Some((message, location)) = record {
            task.panic = Some(PanicRecord { message, location, step });
        }
        if id == 0 {
            ex.main_done = true;
        }
    });
}

/// Stacks kept on this thread between explorations: a test that calls
/// `explore` many times (or a suite of small tests on one thread) would
/// otherwise map and unmap every task stack once per call.
const CACHED_STACKS: usize = 16;

thread_local! {
    static STACK_CACHE: RefCell<(usize, Vec<DefaultStack>)> = const { RefCell::new((0, Vec::new())) };
}

/// This thread's cached stacks, if they have `size`.
pub(super) fn take_cached_stacks(size: usize) -> Vec<DefaultStack> {
    STACK_CACHE
        .try_with(|cache| {
            let mut cache = cache.borrow_mut();
            if cache.0 == size {
                std::mem::take(&mut cache.1)
            } else {
                Vec::new()
            }
        })
        .unwrap_or_default()
}

/// Free task stacks; on drop, given to this thread's cache.
pub(super) struct StackPool {
    /// The size of every stack in the pool.
    pub size: usize,
    /// Stacks free for the next coroutine.
    pub free: Vec<DefaultStack>,
}

impl Drop for StackPool {
    fn drop(&mut self) {
        let mut free = std::mem::take(&mut self.free);
        free.truncate(CACHED_STACKS);
        let size = self.size;
        let _ = STACK_CACHE.try_with(|cache| {
            let mut cache = cache.borrow_mut();
            if cache.0 != size || cache.1.len() < free.len() {
                *cache = (size, free);
            }
        });
    }
}
