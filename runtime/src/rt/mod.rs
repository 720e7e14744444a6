//! The engine state of one execution and the announce-then-act protocol.
//!
//! A task that reaches a goweave operation *announces* it (object, kind,
//! location) and suspends. The scheduler then knows every task's next
//! operation, computes which are enabled from the objects' state, lets the
//! strategy pick one, and resumes that task, which *acts* (performs the
//! operation, which is guaranteed to be possible) and runs on to its next
//! announcement. Local code between operations touches nothing shared, so
//! a task woken by another's action (a rendezvous partner, a signalled
//! condition waiter) is resumed eagerly, before the next choice.
//!
//! Everything here lives on one OS thread: the execution sits in a
//! thread-local `RefCell`, and no borrow of it is held across a switch
//! between the scheduler and a task.

mod cell;
mod coroutine;
mod current;
mod enabled;
mod execution;
mod footprints;
pub(crate) mod object;
mod ops;
mod protocol;
mod runner;
mod step;
mod task;
mod timers;
mod verdict;
mod wait_for;

pub(crate) use cell::ModelCell;
pub(crate) use current::{try_with_exec, with_exec};
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
