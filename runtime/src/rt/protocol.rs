//! Announce, then act: how a task's operation meets the scheduler.

use corosensei::Yielder;
use goweave_checkers::EventKind;

use super::current::{try_with_exec, with_exec, with_exec_for, ObjRef};
use super::ops::{Arm, Op};
use super::step::{next_move, Next};
use super::task::TaskState;
use super::{Execution, Location};
use crate::footprint::TaskId;

/// What the scheduler passes to a task it resumes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Resume {
    /// Perform the announced operation and run on.
    Go,
    /// The execution is over: unwind and finish.
    Abort,
}

/// The private panic payload that unwinds a task being torn down.
pub(crate) struct AbortTask;

/// A panic raised by goweave itself with Go's message (send on a closed
/// channel, negative WaitGroup counter, ...), located at the user's call.
pub(crate) struct GoPanic {
    /// Go's message.
    pub message: String,
    /// The user's call.
    pub location: Location,
}

/// Suspends the current task until the scheduler resumes it.
fn suspend() -> Resume {
    suspend_on(with_exec(|ex| ex.tasks[ex.current].yielder))
}

/// Suspends the task whose coroutine `yielder` belongs to.
#[inline(always)]
fn suspend_on(yielder: *const Yielder<Resume, ()>) -> Resume {
    debug_assert!(!yielder.is_null());
    // SAFETY: the pointer was stored by this task's coroutine entry and the
    // yielder lives on that coroutine's stack for as long as it runs; only
    // the running task reads its own yielder.
    unsafe { (*yielder).suspend(()) }
}

/// How an announced operation came back to its task.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Resumed {
    /// Chosen by the scheduler: perform the operation now.
    Act,
    /// A partner already performed this channel operation on this arm.
    Completed(usize),
}

/// Announces `op` at `loc`, suspends until the scheduler chooses this task,
/// and says whether to act. While the execution is being torn down the task
/// is unwound instead; while the task is already unwinding a panic (a guard
/// dropped during unwinding) it acts at once without a scheduling point, as
/// switching tasks mid-unwind would corrupt the thread's panic state.
#[track_caller]
pub(crate) fn announce(op: Op, loc: Location) -> Resumed {
    announce_act(loc, |_| (op, ()), |_, resumed, ()| resumed)
}

/// [`announce`] with the engine work on either side folded into the engine
/// calls the announcement makes anyway, as every operation pays for each
/// call: `prepare` (checking handles, looking up objects) returns the
/// operation and what `act` needs, and `act` performs the operation (or
/// finishes a partner-completed one) in the call that resumes the task.
/// Neither may make an engine call of its own.
#[track_caller]
#[inline]
pub(crate) fn announce_act<P, R>(
    loc: Location,
    prepare: impl FnOnce(&mut Execution) -> (Op, P),
    act: impl FnOnce(&mut Execution, Resumed, P) -> R,
) -> R {
    announce_act_on(None, loc, prepare, act)
}

/// [`announce_act`] for an operation on `obj`: used on a thread that runs
/// no execution, the panic names the object.
#[track_caller]
#[inline]
pub(crate) fn announce_act_on<P, R>(
    obj: Option<&ObjRef>,
    loc: Location,
    prepare: impl FnOnce(&mut Execution) -> (Op, P),
    act: impl FnOnce(&mut Execution, Resumed, P) -> R,
) -> R {
    if std::thread::panicking() {
        return with_exec_for(obj, |ex| {
            let (op, p) = prepare(ex);
            act_while_unwinding(ex, op, loc);
            act(ex, Resumed::Act, p)
        });
    }
    let mut act = Some(act);
    let announced = with_exec_for(obj, |ex| {
        let (op, p) = prepare(ex);
        if ex.aborting {
            return Announced::Aborting;
        }
        let me = ex.current;
        let task = &mut ex.tasks[me];
        task.op = op;
        task.location = loc;
        task.state = TaskState::Announced;
        task.completed_arm = None;
        task.registered = false;
        task.closed_arm = None;
        let yielder = task.yielder;
        if matches!(op, Op::Lock(_) | Op::RLock(_) | Op::WLock(_)) {
            ex.lock_waiters.push(me);
        }
        // Choose the next move here, as the scheduling loop would, and go
        // on at once if it is this task's: two task switches saved.
        while ex.stepping.in_place && ex.stepping.decided.is_none() && ex.nothing_due() {
            match next_move(ex) {
                Next::Run(t) if t == me => {
                    if let Some(resumed) = resumed_how(ex, me) {
                        let act = act.take().expect("an operation acts once");
                        return Announced::Done(act(ex, resumed, p));
                    }
                }
                next => ex.stepping.decided = Some(next),
            }
        }
        Announced::Suspend(me, yielder, p)
    });
    let (me, yielder, p) = match announced {
        Announced::Done(done) => return done,
        Announced::Suspend(me, yielder, p) => (me, yielder, p),
        Announced::Aborting => std::panic::resume_unwind(Box::new(AbortTask)),
    };
    finish_suspend(me, yielder, p, act.take().expect("an operation acts once"))
}

/// What an announcement's engine call leads to.
enum Announced<P, R> {
    /// The execution is being torn down.
    Aborting,
    /// The task chose itself and acted.
    Done(R),
    /// The task suspends until the scheduler resumes it.
    Suspend(TaskId, *const Yielder<Resume, ()>, P),
}

/// A guard dropped while its task unwinds: no task switch is possible, so
/// the operation happens at once if it can, and otherwise the process stops
/// with an explanation (as Rust does for a panic during unwinding).
#[cold]
fn act_while_unwinding(ex: &mut Execution, op: Op, loc: Location) {
    let me = ex.current;
    let (old_op, old_state) = (ex.tasks[me].op, ex.tasks[me].state);
    ex.tasks[me].op = op;
    ex.tasks[me].state = TaskState::Announced;
    let enabled = ex.is_enabled(me);
    ex.tasks[me].op = old_op;
    ex.tasks[me].state = old_state;
    if !enabled {
        eprintln!(
            "goweave: a blocking operation ({op:?}) at {loc} was reached while its task was \
             unwinding a panic; it cannot wait there, so the process stops"
        );
        std::process::abort();
    }
}

/// Announces a `select!` with these arms.
#[track_caller]
pub(crate) fn announce_select(arms: &[Arm], default: bool, loc: Location) -> Resumed {
    announce_act(
        loc,
        |ex| {
            let task = &mut ex.tasks[ex.current];
            task.arms.clear();
            task.arms.extend_from_slice(arms);
            (Op::Select { default }, ())
        },
        |_, resumed, ()| resumed,
    )
}

#[inline]
fn finish_suspend<P, R>(
    me: TaskId,
    yielder: *const Yielder<Resume, ()>,
    p: P,
    act: impl FnOnce(&mut Execution, Resumed, P) -> R,
) -> R {
    let mut pending = Some((act, p));
    loop {
        if suspend_on(yielder) == Resume::Abort {
            std::panic::resume_unwind(Box::new(AbortTask));
        }
        let done = with_exec(|ex| {
            let resumed = resumed_how(ex, me)?;
            let (act, p) = pending.take().expect("an operation acts once");
            Some(act(ex, resumed, p))
        });
        if let Some(done) = done {
            return done;
        }
    }
}

/// How task `me`, just resumed by the scheduler, goes on: `None` when this
/// step was its arrival at a rendezvous where it must now wait.
#[inline(always)]
fn resumed_how(ex: &mut Execution, me: TaskId) -> Option<Resumed> {
    // Most steps simply act: no partner completed the operation, the task
    // waits on no channel, and the operation has no arrival step.
    let task = &ex.tasks[me];
    let plain = task.completed_arm.is_none()
        && !task.registered
        && match task.op {
            Op::Send(c) | Op::Recv(c) => {
                let ch = ex.chan(c);
                ch.cap > 0 || ch.never
            }
            Op::Select { .. } => false,
            _ => true,
        };
    if plain {
        ex.tasks[me].state = TaskState::Running;
        return Some(Resumed::Act);
    }
    resumed_slow(ex, me)
}

/// [`resumed_how`] for the other cases: a completed or registered
/// operation, or one that may arrive at a rendezvous.
#[inline(never)]
fn resumed_slow(ex: &mut Execution, me: TaskId) -> Option<Resumed> {
    let task = &mut ex.tasks[me];
    if let Some(arm) = task.completed_arm.take() {
        task.state = TaskState::Running;
        return Some(Resumed::Completed(arm));
    }
    // Only a rendezvous (an unbuffered channel operation, or a select
    // over one) has an arrival step; most operations are decided by their
    // kind alone.
    let arrives = !task.registered
        && match task.op {
            Op::Send(c) | Op::Recv(c) => {
                let ch = ex.chan(c);
                ch.cap == 0 && !ch.never
            }
            Op::Select { .. } => ex.needs_arrival(me),
            _ => false,
        };
    if arrives && !ex.can_complete(me) {
        // Arrived and must wait: partners now see this task.
        let (op, loc) = (ex.tasks[me].op, ex.tasks[me].location);
        ex.record(me, op.object(), EventKind::Wait, loc);
        ex.register_waiters(me);
        ex.tasks[me].registered = true;
        ex.tasks[me].state = TaskState::Announced;
        return None;
    }
    ex.tasks[me].state = TaskState::Running;
    if ex.tasks[me].registered {
        ex.unregister_waiters(me);
        ex.tasks[me].registered = false;
    }
    Some(Resumed::Act)
}

/// After acting, waits (not enabled) until another task wakes this one,
/// either with a new operation to announce ([`Execution::wake_with`]) that
/// the scheduler then chooses, or done ([`Execution::wake_now`]).
pub(crate) fn wait(op: Op, loc: Location) {
    let me = with_exec(|ex| {
        let me = ex.current;
        let task = &mut ex.tasks[me];
        task.op = op;
        task.location = loc;
        task.state = TaskState::Waiting;
        me
    });
    if suspend() == Resume::Abort {
        std::panic::resume_unwind(Box::new(AbortTask));
    }
    with_exec(|ex| ex.tasks[me].state = TaskState::Running);
}

/// Raises one of Go's runtime panics in the current task. Natively it is
/// an ordinary panic with Go's message, at the caller's location.
#[track_caller]
pub(crate) fn go_panic(message: impl Into<String>, location: Location) -> ! {
    let message = message.into();
    if std::thread::panicking() {
        eprintln!("goweave: panic \"{message}\" at {location} while unwinding another panic");
        std::process::abort();
    }
    if !super::current::in_execution() {
        panic!("{message}");
    }
    std::panic::panic_any(GoPanic { message, location })
}

/// Whether the current execution is being torn down (drops use it to skip
/// their scheduling point).
pub(crate) fn tearing_down() -> bool {
    try_with_exec(|ex| ex.aborting).unwrap_or(true)
}
