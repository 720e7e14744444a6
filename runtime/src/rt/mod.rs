//! The engine: the state of one execution, the announce-then-act
//! protocol, and the loop that runs executions one after another.
//!
//! Everything here lives on one OS thread: tasks are stackful coroutines
//! (`coroutine.rs`) that the scheduling loop (`runner.rs`) resumes one at a
//! time, and the execution they share sits behind one thread-local
//! (`current.rs`). No borrow of it is held across a switch between the
//! scheduler and a task; a nested engine call is a bug and panics.
//!
//! # Executions
//!
//! An exploration runs the test body many times; each run is an
//! [`Execution`] (`execution.rs`): its tasks, its objects (numbered in
//! creation order, so the same schedule gives the same ids), its virtual
//! clock and pending timers (`timers.rs`), the trace of every operation
//! performed, and the scheduler's state for the current step (`step.rs`).
//! Nothing carries over to the next execution but what the strategy
//! learned; the runner keeps the execution's allocations for the next one.
//!
//! # Task states
//!
//! A [`Task`](task::Task) (`task.rs`) moves through [`TaskState`]s:
//!
//! - `Announced`: it told the engine its next operation and suspended; it
//!   is *enabled* when the objects allow the operation (`enabled.rs`).
//! - `Running`: the one task the engine runs, from a choice (or a resume)
//!   until its next announcement.
//! - `Waiting`: it did the first half of its operation (a condition wait,
//!   a sleep, a writer draining readers) and waits for another task or a
//!   timer to wake it, with a new operation (`Announced` again) or done.
//! - `Resumable`: woken with its operation done, or completed by a
//!   rendezvous partner: resumed before the next choice, since the code it
//!   runs until its next announcement touches nothing shared.
//! - `Finished`: it returned or panicked (its panic is recorded).
//!
//! # The announce/act protocol
//!
//! Every goweave operation goes through [`announce`] or `announce_act`
//! (`protocol.rs`). The task records its operation and location, then
//! either chooses the next move itself (in place, on its own stack: two
//! task switches saved when it picks itself) or suspends. When the
//! scheduler chooses it, it *acts*: it performs the operation, which
//! enabledness guaranteed is possible, records one event, and runs on. An
//! unbuffered send or receive, or a select over one, first *arrives*: that
//! step makes it visible to partners, and the partner that arrives later
//! completes both sides in its own step. A task unwinding a panic acts at
//! once, without a scheduling point; one torn down at the end of an
//! execution unwinds with a private payload.
//!
//! # Objects
//!
//! `object/` has one file per primitive: the untyped state the engine
//! reads to decide enabledness and footprints (`ChanState`,
//! `MutexState`, `WgState`, ...) and the model handle a public type holds
//! (`ModelChan`, `ModelMutex`, ...), whose methods are the primitive's
//! operations as announce-then-act. Values a model object owns (a
//! channel's buffer, a mutex's data) live in one cell type,
//! [`ValueCell`] (`cell.rs`), whose contract is that only the running task
//! touches them, as the engine's state allows. A handle checks on every
//! use that its object belongs to the current execution (`current.rs`).
//!
//! # Steps and verdicts
//!
//! A step (`step.rs`) lists the enabled tasks (and the timer move while a
//! timer can change something), shows exhaustive search the footprints it
//! asked for (`footprints.rs`), lets the strategy pick, and acts on the
//! pick. A lock wait begun in the step may close a wait-for cycle
//! (`wait_for.rs`). When nothing can run, or the step limit is reached, or
//! a failure stopped the execution, the verdict (`verdict.rs`) decides the
//! failure, and the report is written by the function the runner was given
//! (`Describe`), before the execution's tasks are torn down.

mod cell;
mod coroutine;
mod current;
mod enabled;
mod execution;
mod footprints;
pub(crate) mod object;
mod ops;
mod overflow;
mod protocol;
mod runner;
mod step;
mod task;
mod timers;
mod verdict;
mod wait_for;
mod watchdog;

pub(crate) use cell::ValueCell;
pub(crate) use coroutine::{install_panic_hook, payload_message, take_panic_location};
pub(crate) use current::{in_execution, try_with_exec, with_exec, ObjRef};
pub(crate) use execution::{Execution, Stop};
pub(crate) use goweave_checkers::Location;
pub(crate) use object::ObjState;
pub(crate) use ops::{Arm, Dir, Op};
pub(crate) use protocol::{announce, announce_select, go_panic, wait, AbortTask, Resumed};
pub(crate) use runner::{Body, Runner, StepObserver};
pub(crate) use task::{SpawnFn, TaskState};
pub(crate) use timers::TimerAction;
pub(crate) use verdict::{Cause, Verdict};
pub(crate) use wait_for::wait_cycle;
