//! Scoped tasks: tasks that may borrow from the caller's stack, all joined
//! before [`scope`] returns, in both modes (std's `thread::scope`).
//!
//! Inside an exploration the scope's tasks are tasks of the execution, and
//! the scope joins each one left unjoined (a scheduling point each) before
//! it returns, even when its closure panicked. A task borrows from the
//! stack of the task that made the scope, which is older; when an
//! execution is torn down, the engine unwinds tasks newest first, so a
//! scoped task is gone before that stack unwinds. Natively the scope is
//! std's, and its tasks are threads.
//!
//! In both modes a task of the scope that panicked and that nobody joined
//! makes `scope` panic once every task ended, with the task's message.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::panic::{self, catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;

use crate::native::task::{self as native_task, ScopedTask, Spec};
use crate::rt::{announce, in_execution, with_exec, Location, Op};
use crate::task::{spawn_model, ModelHandle, Panicked, Task};
use goweave_checkers::EventKind;

/// Runs `f` with a [`Scope`] whose tasks may borrow from outside it, and
/// joins them all before returning, like `std::thread::scope`.
///
/// ```
/// goweave::check(|| {
///     let mut counts = vec![0; 4];
///     goweave::scope(|s| {
///         for c in counts.iter_mut() {
///             s.go(move || *c += 1);
///         }
///     });
///     assert_eq!(counts, vec![1; 4]);
/// });
/// ```
///
/// A task's panic is returned by its handle's `join`; a task that panicked
/// and was not joined makes `scope` panic once all its tasks ended.
#[track_caller]
pub fn scope<'env, F, T>(f: F) -> T
where
    F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
{
    let loc = panic::Location::caller();
    if in_execution() {
        model_scope(f, loc)
    } else {
        native_scope(f)
    }
}

/// A scope of tasks; see [`scope`].
pub struct Scope<'scope, 'env: 'scope> {
    /// The std scope, erased, when native.
    native: Cell<*const ()>,
    /// The tasks spawned and not joined yet, for the scope to join.
    tasks: Mutex<Vec<Entry>>,
    scope: PhantomData<&'scope mut &'scope ()>,
    env: PhantomData<&'env mut &'env ()>,
}

// SAFETY: `native` is written once, by the thread that made the scope,
// before `f` (and so any task) can see the scope, and only read after; it
// points at std's `Scope`, which is `Sync`. The rest is a `Mutex`.
unsafe impl Sync for Scope<'_, '_> {}

/// A task of a scope not joined yet.
enum Entry {
    /// A task of the execution, by id.
    Model(usize),
    /// A native task, by id, and its panic once it caught one.
    Native(usize, Option<Panicked>),
}

impl fmt::Debug for Scope<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pending = self.tasks.lock().map_or(0, |t| t.len());
        f.debug_struct("Scope").field("unjoined", &pending).finish()
    }
}

impl<'scope, 'env> Scope<'scope, 'env> {
    fn new() -> Scope<'scope, 'env> {
        Scope {
            native: Cell::new(std::ptr::null()),
            tasks: Mutex::new(Vec::new()),
            scope: PhantomData,
            env: PhantomData,
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        self.tasks.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Spawns a task of this scope running `f`, like [`go`](crate::go);
    /// it may borrow anything that outlives the scope.
    #[track_caller]
    pub fn go<F, T>(&'scope self, f: F) -> ScopedJoinHandle<'scope, T>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        self.go_with(&Spec::default(), f, panic::Location::caller())
    }

    /// [`go`](Self::go) with a builder's settings.
    pub(crate) fn go_with<F, T>(&'scope self, spec: &Spec, f: F, loc: Location) -> ScopedJoinHandle<'scope, T>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        let native = self.native.get();
        if native.is_null() {
            // SAFETY: the scope joins the task before `scope` returns, and
            // a torn-down execution unwinds its tasks newest first, so the
            // task ends before anything it borrows (which outlives the
            // scope) is dropped.
            let handle = unsafe { spawn_model(spec, f, loc) };
            self.entries().push(Entry::Model(handle.id()));
            return ScopedJoinHandle { unjoined: &self.tasks, inner: Inner::Model(handle) };
        }
        crate::native::check("Scope", loc);
        // SAFETY: `native` points at the std scope of `native_scope`, which
        // is alive whenever this scope can be used: `f` runs inside it, the
        // tasks that may use this scope are its threads, and the scope
        // cannot leave `f` (its lifetime is `f`'s own).
        let std_scope = unsafe { &*(native as *const std::thread::Scope<'scope, 'env>) };
        let id = native_task::next_id();
        // Listed before it starts, so that its panic always finds its entry.
        self.entries().push(Entry::Native(id, None));
        let on_panic = move |caught: &native_task::Caught| {
            let mut entries = self.entries();
            if let Some(Entry::Native(_, p)) =
                entries.iter_mut().find(|e| matches!(e, Entry::Native(t, _) if *t == id))
            {
                *p = Some(Panicked::caught(caught.clone()));
            }
        };
        let task = native_task::spawn_scoped(spec, std_scope, id, f, on_panic);
        ScopedJoinHandle { unjoined: &self.tasks, inner: Inner::Native(task) }
    }
}

/// Forgets task `id` of a scope, joined by its handle.
fn joined(unjoined: &Mutex<Vec<Entry>>, id: usize) {
    let mut entries = unjoined.lock().unwrap_or_else(|e| e.into_inner());
    entries.retain(|e| !matches!(e, Entry::Model(t) | Entry::Native(t, _) if *t == id));
}

impl crate::task::Builder {
    /// Spawns a task of `scope`, which may borrow from outside the scope;
    /// see [`scope`](crate::scope()).
    #[track_caller]
    pub fn go_scoped<'scope, 'env, F, T>(
        self,
        scope: &'scope Scope<'scope, 'env>,
        f: F,
    ) -> ScopedJoinHandle<'scope, T>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        scope.go_with(&self.spec, f, panic::Location::caller())
    }
}

/// Owns the right to join a task of a scope.
pub struct ScopedJoinHandle<'scope, T> {
    /// The scope's unjoined tasks.
    unjoined: &'scope Mutex<Vec<Entry>>,
    inner: Inner<'scope, T>,
}

enum Inner<'scope, T> {
    Model(ModelHandle<T>),
    Native(ScopedTask<'scope, T>),
}

impl<T> fmt::Debug for ScopedJoinHandle<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopedJoinHandle").field("task", &self.task().id()).finish()
    }
}

impl<T> ScopedJoinHandle<'_, T> {
    /// Waits for the task; returns its value, or its panic as `Err`.
    #[track_caller]
    pub fn join(self) -> Result<T, Panicked> {
        let loc = panic::Location::caller();
        match self.inner {
            Inner::Model(m) => {
                joined(self.unjoined, m.id());
                m.join(loc)
            }
            Inner::Native(n) => {
                crate::native::check("ScopedJoinHandle", loc);
                joined(self.unjoined, n.id);
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
            Inner::Model(m) => m.is_finished(),
            Inner::Native(n) => n.handle.is_finished(),
        }
    }

    /// The task this handle joins.
    #[track_caller]
    pub fn task(&self) -> Task {
        match &self.inner {
            Inner::Model(m) => m.task(),
            Inner::Native(n) => Task::new(n.id, n.name.clone()),
        }
    }
}

/// The scope of an exploration's task.
#[track_caller]
fn model_scope<'env, F, T>(f: F, loc: Location) -> T
where
    F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
{
    let scope = Scope::new();
    let result = catch_unwind(AssertUnwindSafe(|| f(&scope)));
    // Joined here even when `f` panicked: its tasks may borrow what the
    // unwinding is about to drop. (A torn-down execution unwinds through
    // here too; its first join unwinds on, its tasks already gone.)
    let unjoined = std::mem::take(&mut *scope.entries());
    let mut panicked = None;
    for entry in unjoined {
        if let Entry::Model(task) = entry {
            let panic = join_model(task, loc);
            panicked = panicked.or(panic);
        }
    }
    finish(result, panicked)
}

/// Waits for task `target` of the current execution without taking its
/// value; its panic, if it panicked (which counts as received).
fn join_model(target: usize, loc: Location) -> Option<Panicked> {
    announce(Op::Join(target), loc);
    with_exec(|ex| {
        let me = ex.current;
        ex.record(me, None, EventKind::Join { target }, loc);
        let task = &mut ex.tasks[target];
        let p = task.panic.as_ref().filter(|_| !task.panic_joined)?;
        let panicked = Panicked::caught((p.message.clone(), p.location.clone()));
        task.panic_joined = true;
        Some(panicked)
    })
}

/// The scope of a thread outside any exploration: std's.
#[track_caller]
fn native_scope<'env, F, T>(f: F) -> T
where
    F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
{
    let scope = Scope::new();
    let result = std::thread::scope(|s| {
        scope.native.set(s as *const std::thread::Scope<'_, 'env> as *const ());
        catch_unwind(AssertUnwindSafe(|| f(&scope)))
    });
    // Every thread of the scope ended. Their panics were caught on their
    // threads: the first one nobody joined is the scope's.
    let unjoined = std::mem::take(&mut *scope.entries());
    let panicked = unjoined.into_iter().find_map(|e| match e {
        Entry::Native(_, p) => p,
        Entry::Model(_) => None,
    });
    finish(result, panicked)
}

/// The scope's outcome: `f`'s panic, else the first unjoined task's, else
/// `f`'s value.
#[track_caller]
fn finish<T>(result: std::thread::Result<T>, panicked: Option<Panicked>) -> T {
    match (result, panicked) {
        (Err(payload), _) => std::panic::resume_unwind(payload),
        (Ok(_), Some(p)) => panic!("a task of this scope panicked and nobody joined it: {p}"),
        (Ok(value), None) => value,
    }
}
