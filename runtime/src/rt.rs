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

use std::cell::Cell;
use std::collections::VecDeque;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use corosensei::Yielder;
use goweave_checkers::{Event, EventKind, HappensBefore, ObjectKind, Race, Trace};

use crate::strategy::Chooser;

pub(crate) type Loc = &'static Location<'static>;
pub(crate) type TaskId = usize;
pub(crate) type ObjId = usize;

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
    pub message: String,
    pub location: Loc,
}

/// The direction of a channel operation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Dir {
    Send,
    Recv,
}

/// One arm of an announced `select!`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Arm {
    pub chan: ObjId,
    pub dir: Dir,
}

/// An announced operation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Op {
    Start,
    Spawn,
    Yield,
    Join(TaskId),
    Send(ObjId),
    Recv(ObjId),
    Close(ObjId),
    TryChan(ObjId),
    Select {
        default: bool,
    },
    Lock(ObjId),
    TryLock(ObjId),
    Unlock(ObjId),
    RLock(ObjId),
    RUnlock(ObjId),
    WLock(ObjId),
    WUnlock(ObjId),
    /// A writer that registered and waits for the readers to leave.
    WDrain(ObjId),
    CondWait(ObjId),
    /// A condition waiter woken by signal or broadcast, taking its mutex back.
    Relock(ObjId),
    Signal(ObjId),
    Broadcast(ObjId),
    WgAdd(ObjId),
    /// `done()`, or `add(-1)`: kept apart from other deltas because two
    /// of them commute while neither drives the counter below zero.
    WgDone(ObjId),
    WgWait(ObjId),
    /// A WaitGroup waiter released by the counter reaching zero.
    WgWoken(ObjId),
    OnceDo(ObjId),
    /// Reads the clock or creates a timer: never blocks.
    Clock,
    /// Sleeping until the clock reaches a deadline (a waiting state).
    Sleep,
    Atomic(ObjId),
    AtomicRead(ObjId),
    SharedRead(ObjId),
    SharedWrite(ObjId),
}

impl Op {
    /// Announcements that never wait: enabled as soon as announced.
    #[inline(always)]
    pub(crate) fn never_waits(self) -> bool {
        matches!(
            self,
            Op::Yield
                | Op::Spawn
                | Op::Atomic(_)
                | Op::AtomicRead(_)
                | Op::SharedRead(_)
                | Op::SharedWrite(_)
                | Op::Unlock(_)
                | Op::Clock
        )
    }

    /// The object the operation is about, if any.
    pub(crate) fn object(self) -> Option<ObjId> {
        use Op::*;
        match self {
            Start | Spawn | Yield | Join(_) | Select { .. } | Clock | Sleep => None,
            Send(o) | Recv(o) | Close(o) | TryChan(o) | Lock(o) | TryLock(o) | Unlock(o) | RLock(o)
            | RUnlock(o) | WLock(o) | WUnlock(o) | WDrain(o) | CondWait(o) | Relock(o) | Signal(o)
            | Broadcast(o) | WgAdd(o) | WgDone(o) | WgWait(o) | WgWoken(o) | OnceDo(o) | Atomic(o)
            | AtomicRead(o) | SharedRead(o) | SharedWrite(o) => Some(o),
        }
    }
}

/// How a step uses an object, for exhaustive search's dependency test.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Access {
    Read,
    Write,
    /// Takes a lock (blocks while it is held), or fills a channel's
    /// buffer slot (blocks while it is full).
    Acquire,
    /// Releases a lock held for writing, or empties a buffer slot.
    Release,
}

impl Access {
    pub(crate) const ALL: [Access; 4] = [Access::Read, Access::Write, Access::Acquire, Access::Release];

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// The kinds of access that race with this one, as a bit set by
    /// [`index`](Self::index).
    pub(crate) fn racing_kinds(self) -> u8 {
        let kinds = match self {
            Access::Read => 0b1110,
            Access::Write => 0b1111,
            Access::Acquire => 0b0111,
            Access::Release => 0b1011,
        };
        debug_assert_eq!(
            kinds,
            Access::ALL.iter().filter(|k| k.races(self)).fold(0, |set, k| set | 1 << k.index())
        );
        kinds
    }

    /// Whether two accesses to one object by different tasks may not
    /// commute and could be enabled together.
    pub(crate) fn races(self, other: Access) -> bool {
        !matches!(
            (self, other),
            (Access::Read, Access::Read)
                | (Access::Release, Access::Acquire)
                | (Access::Acquire, Access::Release)
        )
    }
}

/// What a step may touch: up to four objects with their access, or
/// everything.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Footprint {
    /// Touches nothing shared (a yield; a join, ordered anyway).
    None,
    Objects {
        len: u8,
        items: [(ObjId, Access); 4],
    },
    /// Dependent with every step (timers, the clock, contexts, conditions).
    Global,
}

impl Footprint {
    fn one(o: ObjId, access: Access) -> Footprint {
        Footprint::Objects {
            len: 1,
            items: [(o, access), (0, Access::Read), (0, Access::Read), (0, Access::Read)],
        }
    }

    /// The objects with their access (empty for None and Global).
    pub(crate) fn items(&self) -> &[(ObjId, Access)] {
        match self {
            Footprint::Objects { len, items } => &items[..*len as usize],
            _ => &[],
        }
    }

    /// Whether two steps of different tasks may not commute (a release and
    /// an acquire of one lock do not).
    /// Whether a step with this footprint races with an operation with
    /// `other`, as exhaustive search's race finding sees it: some object
    /// both touch with racing kinds of access, or either touches
    /// everything.
    pub(crate) fn races_with(&self, other: &Footprint) -> bool {
        match (self, other) {
            (Footprint::None, _) | (_, Footprint::None) => false,
            (Footprint::Global, _) | (_, Footprint::Global) => true,
            (Footprint::Objects { len: n, items: mine }, Footprint::Objects { len: m, items: theirs }) => {
                let theirs = &theirs[..*m as usize];
                mine[..*n as usize].iter().any(|&(o, a)| {
                    let kinds = a.racing_kinds();
                    theirs.iter().any(|&(p, b)| o == p && kinds & (1 << b.index()) != 0)
                })
            }
        }
    }

    pub(crate) fn dependent(&self, other: &Footprint) -> bool {
        match (self, other) {
            (Footprint::None, _) | (_, Footprint::None) => false,
            (Footprint::Global, _) | (_, Footprint::Global) => true,
            _ => self.objects().any(|(o, w)| other.objects().any(|(p, v)| o == p && (w || v))),
        }
    }

    /// The objects and whether each is written (empty for None and Global).
    pub(crate) fn objects(&self) -> impl Iterator<Item = (ObjId, bool)> + '_ {
        let items: &[(ObjId, Access)] = match self {
            Footprint::Objects { len, items } => &items[..*len as usize],
            _ => &[],
        };
        items.iter().map(|&(o, a)| (o, a != Access::Read))
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum TaskState {
    /// Announced `op`; enabled when the objects allow it.
    Ready,
    /// Did the first half of `op` and waits for another task to wake it.
    Waiting,
    /// Woken, or its operation completed by a partner: resumed before the
    /// next choice.
    Resumable,
    Running,
    Finished,
}

/// A panic caught at a task's boundary.
#[derive(Clone, Debug)]
pub(crate) struct PanicRecord {
    pub message: String,
    pub location: Option<String>,
    pub step: u32,
}

pub(crate) struct Task {
    pub name: Option<Arc<str>>,
    pub state: TaskState,
    pub op: Op,
    pub loc: Loc,
    pub arms: Vec<Arm>,
    /// Set when a partner performed this task's channel operation: the arm.
    pub completed_arm: Option<usize>,
    /// Arrived at its rendezvous operation and visible to partners.
    pub registered: bool,
    pub yielder: *const Yielder<Resume, ()>,
    pub spawned_at: Loc,
    pub panic: Option<PanicRecord>,
    pub panic_joined: bool,
}

pub(crate) struct ChanState {
    pub cap: usize,
    pub len: usize,
    pub closed: bool,
    pub never: bool,
    /// Tasks with an announced operation on this unbuffered channel, in
    /// announcement order: (task, select arm, direction).
    pub waiters: Vec<(TaskId, usize, Dir)>,
    pub senders: usize,
    pub receivers: usize,
    /// Values ever put in the buffer: with `len`, which buffer slot the
    /// next send fills and the next receive empties (for DPOR, see
    /// [`ChanState::footprint`]).
    pub sends: usize,
}

/// A buffered channel operation, for [`ChanState::footprint`].
#[derive(Clone, Copy)]
enum ChanOp {
    Send,
    Recv,
    Close,
}

/// Buffer slots DPOR tells apart; slots further apart share a part, which
/// only adds dependencies.
const SLOT_PARTS: usize = 64;
/// Where a part number goes in a footprint's object id.
const PART_SHIFT: u32 = 40;

/// The id of part `part` of object `o` in a footprint: part 0 is the
/// object itself.
pub(crate) fn object_part(o: ObjId, part: usize) -> ObjId {
    o | (part << PART_SHIFT)
}

/// A channel's parts in footprints: the order of its sends and of its
/// receives, and its closing.
const SENDS: usize = 1;
const RECVS: usize = 2;
const CLOSED: usize = 3;

/// The object and part of a footprint id.
pub(crate) fn split_part(id: ObjId) -> (ObjId, usize) {
    (id & ((1 << PART_SHIFT) - 1), id >> PART_SHIFT)
}

impl ChanState {
    /// The footprint of an operation on this buffered channel, as it
    /// would be performed from this state.
    ///
    /// A buffered channel is a FIFO of slots. The k-th send fills slot
    /// k mod cap and the k-th receive empties it, so a send and a receive
    /// commute unless they use the same slot. Those two are ordered but
    /// never race (the receive needs the value, the next send needs the
    /// room), so like a lock's acquire and release they are dependent, and
    /// the search's clocks follow them, without being reversible: a send
    /// acquires its slot and a receive releases it. Sends are ordered among
    /// themselves (part `SENDS`), as are receives (`RECVS`). Closing
    /// writes part `SENDS` too (a send races with a close: it succeeds
    /// before and panics after), and releases part `CLOSED`, which
    /// receives of the closed state acquire (they need the close, so they
    /// never race with it); a receive of a buffered value commutes with a
    /// close. Sends so touch three parts, not four (reading `CLOSED`
    /// would say the same), which every later step's race search and
    /// clock update pays for. Anything else
    /// (try and select operations, a send on a closed channel) writes the
    /// whole channel, part 0, which every other operation reads.
    fn footprint(&self, o: ObjId, op: ChanOp) -> Footprint {
        const FIRST_SLOT: usize = 4;
        let mut items = [(o, Access::Read); 4];
        let len = match op {
            ChanOp::Close if !self.closed => {
                items[1] = (object_part(o, SENDS), Access::Write);
                items[2] = (object_part(o, CLOSED), Access::Release);
                3
            }
            ChanOp::Recv if self.closed && self.len == 0 => {
                items[1] = (object_part(o, CLOSED), Access::Acquire);
                items[2] = (object_part(o, RECVS), Access::Write);
                3
            }
            ChanOp::Send if !self.closed => {
                let slot = FIRST_SLOT + (self.sends % self.cap) % SLOT_PARTS;
                items[1] = (object_part(o, SENDS), Access::Write);
                items[2] = (object_part(o, slot), Access::Acquire);
                3
            }
            ChanOp::Recv => {
                let slot = FIRST_SLOT + ((self.sends - self.len) % self.cap) % SLOT_PARTS;
                items[1] = (object_part(o, RECVS), Access::Write);
                items[2] = (object_part(o, slot), Access::Release);
                3
            }
            ChanOp::Send | ChanOp::Close => return Footprint::one(o, Access::Write),
        };
        Footprint::Objects { len, items }
    }

    /// The footprint of task `me`'s plain send, receive or close on this
    /// unbuffered channel, when no select waits on it.
    ///
    /// Senders wait in one queue and receivers in another, and an arrival
    /// pairs with the head of the other queue or joins the tail of its own.
    /// A sender's and a receiver's arrivals therefore commute: if either
    /// queue holds a task, each arrival pairs with the same partner in
    /// either order; if both are empty, the two pair with each other. The
    /// partner that arrived first is completed and resumed within the
    /// same step, so both orders reach the same state. Arrivals in the
    /// same direction are ordered (part `SENDS` or `RECVS`: the queue order
    /// decides who pairs with whom). Closing commutes with an arrival that
    /// joins a queue (a waiting receiver gets `None` and a waiting sender
    /// panics, as they would arriving after the close) but not with one
    /// that pairs: both write part `CLOSED`. Every one of them reads the
    /// whole channel, which try and select operations write: those see
    /// the queues and the close.
    fn rendezvous_footprint(&self, o: ObjId, me: TaskId, op: ChanOp) -> Footprint {
        let mut items = [(o, Access::Read); 4];
        items[1] = match op {
            ChanOp::Send => (object_part(o, SENDS), Access::Write),
            ChanOp::Recv => (object_part(o, RECVS), Access::Write),
            ChanOp::Close => (object_part(o, CLOSED), Access::Write),
        };
        let pairs = match op {
            ChanOp::Send => self.partner(me, Dir::Recv).is_some(),
            ChanOp::Recv => self.partner(me, Dir::Send).is_some(),
            ChanOp::Close => false,
        };
        if pairs {
            items[2] = (object_part(o, CLOSED), Access::Write);
            return Footprint::Objects { len: 3, items };
        }
        Footprint::Objects { len: 2, items }
    }

    fn partner(&self, me: TaskId, dir: Dir) -> Option<(TaskId, usize)> {
        self.waiters.iter().find(|w| w.0 != me && w.2 == dir).map(|w| (w.0, w.1))
    }

    pub(crate) fn can_send(&self, me: TaskId) -> bool {
        if self.never {
            return false;
        }
        self.closed || if self.cap == 0 { self.partner(me, Dir::Recv).is_some() } else { self.len < self.cap }
    }

    pub(crate) fn can_recv(&self, me: TaskId) -> bool {
        if self.never {
            return false;
        }
        self.closed || self.len > 0 || (self.cap == 0 && self.partner(me, Dir::Send).is_some())
    }
}

pub(crate) struct RwState {
    pub writer: Option<(TaskId, Loc)>,
    pub readers: Vec<(TaskId, Loc)>,
    pub pending_writer: Option<(TaskId, Loc)>,
}

pub(crate) struct WgState {
    pub counter: isize,
    pub waiting: Vec<TaskId>,
}

/// An explicit tag (rather than a niche in a channel's waiter list) makes
/// the check that an object is a channel, at every enabledness test, one
/// byte comparison.
#[repr(u8)]
pub(crate) enum ObjState {
    Chan(ChanState),
    Mutex { holder: Option<(TaskId, Loc)> },
    RwMutex(RwState),
    Cond { waiters: VecDeque<(TaskId, ObjId)> },
    WaitGroup(WgState),
    Once { done: bool, running: Option<TaskId> },
    Atomic,
    Shared,
}

pub(crate) struct Object {
    pub created: Loc,
    pub state: ObjState,
}

impl ObjState {
    fn kind(&self) -> ObjectKind {
        match self {
            ObjState::Chan(c) => ObjectKind::Chan { cap: c.cap },
            ObjState::Mutex { .. } => ObjectKind::Mutex,
            ObjState::RwMutex(_) => ObjectKind::RwMutex,
            ObjState::Cond { .. } => ObjectKind::Cond,
            ObjState::WaitGroup(_) => ObjectKind::WaitGroup,
            ObjState::Once { .. } => ObjectKind::Once,
            ObjState::Atomic => ObjectKind::Atomic,
            ObjState::Shared => ObjectKind::Shared,
        }
    }
}

impl Object {
    pub(crate) fn kind_name(&self) -> &'static str {
        match &self.state {
            ObjState::Chan(c) if c.never => "nil chan",
            ObjState::Chan(_) => "chan",
            ObjState::Mutex { .. } => "Mutex",
            ObjState::RwMutex(_) => "RwMutex",
            ObjState::Cond { .. } => "Cond",
            ObjState::WaitGroup(_) => "WaitGroup",
            ObjState::Once { .. } => "Once",
            ObjState::Atomic => "atomic",
            ObjState::Shared => "Shared",
        }
    }
}

/// Why an execution stopped early, decided inside a task.
#[derive(Clone, Debug)]
pub(crate) enum Stop {
    /// The schedule being replayed does not fit the program.
    Diverged(String),
    /// Two unordered conflicting accesses.
    Race(Race),
    /// Tasks wait on each other's locks in a cycle (the tasks along it).
    LockCycle(Vec<TaskId>),
    /// Exhaustive search found the rest of this execution redundant.
    Pruned,
}

pub(crate) type SpawnFn = Box<dyn FnOnce()>;

/// Puts the time on a timer's channel; false if it was full.
pub(crate) type TimerSend = Box<dyn FnMut(&mut Execution, Duration) -> bool>;

/// What a timer does when it fires.
pub(crate) enum TimerAction {
    /// Ends a task's sleep.
    Wake(TaskId),
    /// Sends the time on a channel (of capacity 1); false if it was full.
    Send { chan: ObjId, send: TimerSend },
    /// Runs engine-level code, such as a context's deadline cancelling it.
    Call(Box<dyn FnMut(&mut Execution)>),
}

pub(crate) struct TimerEntry {
    pub id: u64,
    pub deadline: Duration,
    /// Creation order, to fire equal deadlines deterministically.
    pub seq: u64,
    pub period: Option<Duration>,
    pub action: TimerAction,
}

pub(crate) struct Execution {
    pub serial: u64,
    pub tasks: Vec<Task>,
    pub objects: Vec<Object>,
    pub current: TaskId,
    /// The task chosen for the last step (`current` is the last one
    /// resumed, which may be a woken partner): preemptions are counted
    /// against it.
    pub last_chosen: TaskId,
    pub step: u32,
    pub trace: Trace,
    pub spawn_queue: Vec<(TaskId, SpawnFn)>,
    pub resume_queue: VecDeque<TaskId>,
    pub aborting: bool,
    pub main_done: bool,
    pub body_error: Option<String>,
    pub stop: Option<Stop>,
    pub chooser: Chooser,
    /// Happens-before, computed lazily: only executions that touch a
    /// `Shared` variable or a WaitGroup pay for it.
    pub hb: HappensBefore,
    pub hb_upto: usize,
    /// Whether data races are checked (`Config::race_checks`).
    pub race_checks: bool,
    pub locks_created: usize,
    /// Tasks that started waiting on a lock in this step: the wait-for
    /// graph may have closed a cycle through them.
    pub lock_waiters: Vec<TaskId>,
    /// Tasks spawned, woken or completed by a partner during the current
    /// step: their next steps are ordered after it.
    pub touched: Vec<TaskId>,
    /// Virtual time since the execution started.
    pub now: Duration,
    pub timers: Vec<TimerEntry>,
    pub timer_seq: u64,
    /// The scheduler's state for choosing moves.
    pub choosing: crate::exec::Choosing,
}

/// The execution this thread runs, and whether an engine call is under way
/// (engine calls never nest: a nested one is a bug, and a drop that runs
/// inside one skips its bookkeeping, see [`try_with_exec`]).
struct Current {
    exec: Cell<*mut Execution>,
    busy: Cell<bool>,
}

thread_local! {
    static CURRENT: Current = const { Current { exec: Cell::new(std::ptr::null_mut()), busy: Cell::new(false) } };
}

/// Clears the busy flag when an engine call ends, even by unwinding.
struct NotBusy<'a>(&'a Cell<bool>);

impl Drop for NotBusy<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

/// Execution serials are unique in the process, so an object smuggled from
/// one exploration thread to another is recognised as stale too.
static SERIAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

const OUTSIDE: &str = "goweave primitives can only be used inside an exploration: run the code with \
     `goweave::check(|| ...)` or mark the test `#[goweave::concurrency_test]`";

/// This thread's [`Current`]. The closure given to `LocalKey::with` is kept
/// tiny so that `with` inlines and the thread-local becomes a direct access:
/// around a whole engine call, `with` stayed out of line and reached the
/// thread-local through an indirect call, on every operation.
#[inline(always)]
fn current() -> &'static Current {
    // SAFETY: `Current` has a const initializer and no destructor, so the
    // thread-local is valid for the whole life of the thread; the reference
    // cannot leave the thread (`Current` is not `Sync`).
    CURRENT.with(|cur| unsafe { &*(cur as *const Current) })
}

/// Runs `f` on the current execution. Panics with a helpful message when
/// called outside one.
#[track_caller]
#[inline]
pub(crate) fn with_exec<R>(f: impl FnOnce(&mut Execution) -> R) -> R {
    let cur = current();
    let exec = cur.exec.get();
    if exec.is_null() {
        panic!("{OUTSIDE}");
    }
    assert!(!cur.busy.replace(true), "goweave: re-entrant engine call (a bug in goweave)");
    let _done = NotBusy(&cur.busy);
    // SAFETY: the pointer is set by `install` to an execution that the
    // runner keeps alive and does not touch until `uninstall`; the busy
    // flag rules out a second live reference.
    f(unsafe { &mut *exec })
}

/// Like [`with_exec`] but returns `None` outside an execution, or inside
/// another engine call (a value dropped by the engine itself).
pub(crate) fn try_with_exec<R>(f: impl FnOnce(&mut Execution) -> R) -> Option<R> {
    let cur = current();
    let exec = cur.exec.get();
    if exec.is_null() || cur.busy.replace(true) {
        return None;
    }
    let _done = NotBusy(&cur.busy);
    // SAFETY: as in `with_exec`.
    Some(f(unsafe { &mut *exec }))
}

/// Makes `ex` this thread's current execution until [`uninstall`].
pub(crate) fn install(ex: &mut Execution) {
    current().exec.set(ex);
}

pub(crate) fn uninstall() {
    current().exec.set(std::ptr::null_mut());
}

thread_local! {
    /// The serials this thread may hand out next: `next..end`.
    static SERIALS: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
}

/// Serials a thread takes from [`SERIAL`] at a time: exploration threads
/// would otherwise contend on it at every execution.
const SERIAL_BLOCK: u64 = 1 << 16;

/// A serial no other execution in the process has (never 0).
pub(crate) fn next_serial() -> u64 {
    SERIALS.with(|serials| {
        let (mut next, mut end) = serials.get();
        if next == end {
            next = SERIAL.fetch_add(SERIAL_BLOCK, std::sync::atomic::Ordering::Relaxed) + 1;
            end = next + SERIAL_BLOCK;
        }
        serials.set((next + 1, end));
        next
    })
}

/// A handle's link to its engine object, checked on every use.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ObjRef {
    pub serial: u64,
    pub id: ObjId,
}

impl ObjRef {
    /// Registers a new object in the current execution.
    #[track_caller]
    pub(crate) fn new(state: ObjState) -> ObjRef {
        let created = Location::caller();
        with_exec(|ex| ex.add_object(state, created))
    }

    /// The object's id, after checking it belongs to this execution.
    #[track_caller]
    #[inline]
    pub(crate) fn id(&self, ex: &Execution) -> ObjId {
        if self.serial != ex.serial {
            stale_object()
        }
        self.id
    }
}

/// A handle used in another execution than the one that created it.
#[cold]
#[track_caller]
fn stale_object() -> ! {
    panic!(
        "a goweave object created in one execution was used in another: \
                 create every Mutex, channel, WaitGroup, ... inside the test body, \
                 which runs afresh for each explored schedule"
    )
}

impl Execution {
    pub(crate) fn new(chooser: Chooser, hb: HappensBefore) -> Execution {
        Execution {
            serial: next_serial(),
            tasks: Vec::new(),
            objects: Vec::new(),
            current: 0,
            last_chosen: 0,
            step: 0,
            trace: Trace::default(),
            spawn_queue: Vec::new(),
            resume_queue: VecDeque::new(),
            aborting: false,
            main_done: false,
            body_error: None,
            stop: None,
            chooser,
            hb,
            hb_upto: 0,
            race_checks: true,
            locks_created: 0,
            lock_waiters: Vec::new(),
            touched: Vec::new(),
            now: Duration::ZERO,
            timers: Vec::new(),
            timer_seq: 0,
            choosing: crate::exec::Choosing::default(),
        }
    }

    /// Resets this execution for the next run, keeping its allocations.
    pub(crate) fn renew(&mut self, chooser: Chooser) {
        self.serial = next_serial();
        self.tasks.clear();
        self.objects.clear();
        self.current = 0;
        self.last_chosen = 0;
        self.step = 0;
        self.trace.clear();
        self.spawn_queue.clear();
        self.resume_queue.clear();
        self.aborting = false;
        self.main_done = false;
        self.body_error = None;
        self.stop = None;
        self.chooser = chooser;
        self.hb.reset();
        self.hb_upto = 0;
        self.locks_created = 0;
        self.lock_waiters.clear();
        self.touched.clear();
        self.now = Duration::ZERO;
        self.timers.clear();
        self.timer_seq = 0;
    }

    /// Adds a task (not yet started) and queues its body to be turned into
    /// a coroutine by the scheduler.
    pub(crate) fn add_task(&mut self, name: Option<Arc<str>>, at: Loc, body: SpawnFn) -> TaskId {
        let id = self.tasks.len();
        self.tasks.push(Task {
            name,
            state: TaskState::Resumable,
            op: Op::Start,
            loc: at,
            arms: Vec::new(),
            completed_arm: None,
            registered: false,
            yielder: std::ptr::null(),
            spawned_at: at,
            panic: None,
            panic_joined: false,
        });
        self.spawn_queue.push((id, body));
        self.resume_queue.push_back(id);
        self.touched.push(id);
        id
    }

    /// Schedules a timer; returns its id.
    pub(crate) fn add_timer(
        &mut self,
        after: Duration,
        period: Option<Duration>,
        action: TimerAction,
    ) -> u64 {
        self.timer_seq += 1;
        let id = self.timer_seq;
        self.timers.push(TimerEntry { id, deadline: self.now + after, seq: id, period, action });
        id
    }

    /// Removes a pending timer; false if it already fired or was stopped.
    pub(crate) fn cancel_timer(&mut self, id: u64) -> bool {
        match self.timers.iter().position(|t| t.id == id) {
            Some(i) => {
                self.timers.swap_remove(i);
                true
            }
            None => false,
        }
    }

    fn earliest_timer(&self) -> Option<usize> {
        (0..self.timers.len()).min_by_key(|&i| (self.timers[i].deadline, self.timers[i].seq))
    }

    /// Whether firing a timer can change anything: a sleeper to wake, or a
    /// channel with room and a receiver handle alive.
    pub(crate) fn timer_useful(&self) -> bool {
        self.timers.iter().any(|t| match &t.action {
            TimerAction::Wake(_) | TimerAction::Call(_) => true,
            TimerAction::Send { chan, .. } => {
                let c = self.chan(*chan);
                c.len < c.cap && c.receivers > 0
            }
        })
    }

    /// Fires the earliest timer, advancing the clock to its deadline.
    pub(crate) fn fire_earliest_timer(&mut self) {
        let Some(i) = self.earliest_timer() else { return };
        let mut timer = self.timers.swap_remove(i);
        self.now = self.now.max(timer.deadline);
        match &mut timer.action {
            TimerAction::Wake(t) => {
                let t = *t;
                let at = self.tasks[t].loc;
                self.record(t, None, EventKind::TimerFire { sent: false }, at);
                self.wake_now(t);
            }
            TimerAction::Send { send, .. } => {
                let now = self.now;
                send(self, now);
            }
            TimerAction::Call(call) => call(self),
        }
        if let Some(period) = timer.period {
            timer.deadline += period;
            self.timer_seq += 1;
            timer.seq = self.timer_seq;
            self.timers.push(timer);
        }
    }

    /// Adds an object and records its creation.
    pub(crate) fn add_object(&mut self, state: ObjState, created: Loc) -> ObjRef {
        let id = self.objects.len();
        let what = state.kind();
        if matches!(what, ObjectKind::Mutex | ObjectKind::RwMutex) {
            self.locks_created += 1;
        }
        self.objects.push(Object { created, state });
        let me = self.current;
        self.record(me, Some(id), EventKind::Create { what }, created);
        ObjRef { serial: self.serial, id }
    }

    #[inline]
    pub(crate) fn chan(&self, id: ObjId) -> &ChanState {
        match &self.objects[id].state {
            ObjState::Chan(c) => c,
            _ => unreachable!("object {id} is not a channel"),
        }
    }

    #[inline]
    pub(crate) fn chan_mut(&mut self, id: ObjId) -> &mut ChanState {
        match &mut self.objects[id].state {
            ObjState::Chan(c) => c,
            _ => unreachable!("object {id} is not a channel"),
        }
    }

    pub(crate) fn rw_mut(&mut self, id: ObjId) -> &mut RwState {
        match &mut self.objects[id].state {
            ObjState::RwMutex(s) => s,
            _ => unreachable!("object {id} is not an RwMutex"),
        }
    }

    pub(crate) fn wg_mut(&mut self, id: ObjId) -> &mut WgState {
        match &mut self.objects[id].state {
            ObjState::WaitGroup(s) => s,
            _ => unreachable!("object {id} is not a WaitGroup"),
        }
    }

    #[inline]
    pub(crate) fn mutex_holder(&mut self, id: ObjId) -> &mut Option<(TaskId, Loc)> {
        match &mut self.objects[id].state {
            ObjState::Mutex { holder } => holder,
            _ => unreachable!("object {id} is not a Mutex"),
        }
    }

    /// The tasks and objects, for enabledness.
    #[inline]
    pub(crate) fn world(&self) -> World<'_> {
        World { tasks: &self.tasks, objects: &self.objects }
    }

    pub(crate) fn arm_ready(&self, me: TaskId, arm: Arm) -> bool {
        self.world().arm_ready(me, arm)
    }

    /// Whether task `t` could perform its announced operation now.
    pub(crate) fn is_enabled(&self, t: TaskId) -> bool {
        self.world().is_enabled(t)
    }

    /// Whether `t` could perform its announced operation now.
    pub(crate) fn can_complete(&self, t: TaskId) -> bool {
        self.world().can_complete(t)
    }

    /// Whether `t`'s operation involves an unbuffered channel whose
    /// partners must see it arrive before it can wait there.
    fn needs_arrival(&self, t: TaskId) -> bool {
        self.world().needs_arrival(t)
    }

    /// Whether no failure stopped the execution and no task is due to be
    /// resumed before the next choice (the scheduling loop's conditions
    /// for choosing).
    pub(crate) fn nothing_due(&self) -> bool {
        self.stop.is_none()
            && self.tasks[0].panic.is_none()
            && self.spawn_queue.is_empty()
            && self.resume_queue.is_empty()
    }

    /// What task `t`'s announced operation may touch.
    pub(crate) fn footprint(&self, t: TaskId) -> Footprint {
        // Decided from the operation, before the footprint exists, so that
        // the common case returns it as built: a footprint copied and read
        // back at once stalls the read (store forwarding fails), and this
        // runs several times per step.
        if self.may_meet_waiting_selects(t) {
            return self.footprint_with_waiting_selects(t);
        }
        self.op_footprint(t)
    }

    /// Whether task `t`'s operation is on a channel (or, for a select, a
    /// channel of an arm) where a select waits at a rendezvous: then
    /// [`add_waiting_selects`](Self::add_waiting_selects) may add to its
    /// footprint. It may say yes where nothing is added.
    fn may_meet_waiting_selects(&self, t: TaskId) -> bool {
        let Some(task) = self.tasks.get(t) else { return false };
        let select_waits = |c: ObjId| self.waiting_selects(c).next().is_some();
        match task.op {
            Op::Send(c) | Op::Recv(c) | Op::Close(c) | Op::TryChan(c) => select_waits(c),
            Op::Select { .. } => task.arms.iter().any(|arm| select_waits(arm.chan)),
            _ => false,
        }
    }

    /// [`footprint`](Self::footprint) with the waiting selects added, or
    /// the global one if they do not fit.
    #[cold]
    #[inline(never)]
    fn footprint_with_waiting_selects(&self, t: TaskId) -> Footprint {
        let mut footprint = self.op_footprint(t);
        if !self.add_waiting_selects(&mut footprint) {
            footprint = Footprint::Global;
        }
        footprint
    }

    /// The selects waiting at object `o`, if it is an unbuffered channel.
    fn waiting_selects(&self, o: ObjId) -> impl Iterator<Item = TaskId> + '_ {
        let waiters = match self.objects.get(o).map(|obj| &obj.state) {
            Some(ObjState::Chan(ch)) if ch.cap == 0 => &ch.waiters[..],
            _ => &[],
        };
        waiters.iter().map(|&(w, _, _)| w).filter(|&w| matches!(self.tasks[w].op, Op::Select { .. }))
    }

    /// Makes `footprint` write every channel of each select waiting at
    /// an unbuffered channel it touches; `false` if they do not fit.
    ///
    /// Such a select is completed by whichever operation on one of its
    /// channels reaches it first, and after that operations on its other
    /// channels no longer find it. Two operations on two of its channels
    /// therefore do not commute, though they touch different channels:
    /// the one that completes the select must be ordered with both. Done
    /// for every operation that finds the select waiting, whichever way
    /// it goes, so the dependency is there in every order.
    fn add_waiting_selects(&self, footprint: &mut Footprint) -> bool {
        let Footprint::Objects { len, items } = footprint else { return true };
        let mut n = *len as usize;
        for i in 0..*len as usize {
            // A channel's parts come with the whole channel (part 0), which
            // is enough to look at once.
            let (o, part) = split_part(items[i].0);
            if part != 0 {
                continue;
            }
            for w in self.waiting_selects(o) {
                for arm in &self.tasks[w].arms {
                    let item = (arm.chan, Access::Write);
                    if items[..n].contains(&item) {
                        continue;
                    }
                    if n == items.len() {
                        return false;
                    }
                    items[n] = item;
                    n += 1;
                }
            }
        }
        *len = n as u8;
        true
    }

    #[inline(always)]
    fn op_footprint(&self, t: TaskId) -> Footprint {
        if t >= self.tasks.len() {
            return Footprint::Global; // the timer move
        }
        let task = &self.tasks[t];
        match task.op {
            Op::Start | Op::Yield | Op::Join(_) => Footprint::None,
            // Spawns decide task ids: keep them in order with each other.
            Op::Spawn => Footprint::one(usize::MAX, Access::Write),
            Op::Select { default: false } if task.registered && self.select_on_rendezvous(t) => {
                // Like a plain waiter: a partner's step completes it.
                Footprint::None
            }
            Op::Select { default: false } if let Some(footprint) = self.select_arrival_footprint(t) => {
                footprint
            }
            Op::Select { .. } if task.arms.len() <= 4 => {
                let mut items = [(0, Access::Read); 4];
                for (i, a) in task.arms.iter().enumerate() {
                    items[i] = (a.chan, Access::Write);
                }
                Footprint::Objects { len: task.arms.len() as u8, items }
            }
            Op::Select { .. } | Op::Clock | Op::Sleep | Op::CondWait(_) => Footprint::Global,
            Op::Send(c) | Op::Recv(c) | Op::Close(c) if self.chan(c).cap > 0 && !self.chan(c).never => {
                let op = match task.op {
                    Op::Send(_) => ChanOp::Send,
                    Op::Recv(_) => ChanOp::Recv,
                    _ => ChanOp::Close,
                };
                self.chan(c).footprint(c, op)
            }
            Op::Send(c) | Op::Recv(c) | Op::Close(c) if self.plain_rendezvous(c) => {
                if task.registered {
                    // It waits for a partner or a close, whose step
                    // completes it: it takes no step of its own here.
                    return Footprint::None;
                }
                let op = match task.op {
                    Op::Send(_) => ChanOp::Send,
                    Op::Recv(_) => ChanOp::Recv,
                    _ => ChanOp::Close,
                };
                self.chan(c).rendezvous_footprint(c, t, op)
            }
            Op::AtomicRead(o) | Op::SharedRead(o) => Footprint::one(o, Access::Read),
            // A reader's lock acquires, as a writer's does: it must not
            // race with the writer's unlock (a release), or that race, the
            // latest, would hide the one with the writer's lock, and
            // reversing it cannot put the reader before that lock. A
            // reader's unlock reads: it races with readers' locks (whether
            // the lock is free in between shows to try_write and writers)
            // but not with other readers' unlocks. Readers' locks are
            // ordered among themselves too, which costs executions but
            // misses none.
            Op::RLock(o) => Footprint::one(o, Access::Acquire),
            Op::RUnlock(o) => Footprint::one(o, Access::Read),
            // Decrements that leave the counter above zero commute with
            // each other and with waits (a wait blocks in either order,
            // or passes in either order), so they share the object like
            // reads. The decrement that reaches zero writes: it is ordered
            // after all of them, and the waiters it wakes inherit that
            // order. Adds and a decrement that would panic stay ordered
            // with every one.
            Op::WgDone(o) => match &self.objects[o].state {
                ObjState::WaitGroup(wg) if wg.counter >= 2 => Footprint::one(o, Access::Read),
                _ => Footprint::one(o, Access::Write),
            },
            Op::WgWait(o) => Footprint::one(o, Access::Read),
            Op::Lock(o) | Op::Relock(o) | Op::WLock(o) => Footprint::one(o, Access::Acquire),
            Op::Unlock(o) | Op::WUnlock(o) => Footprint::one(o, Access::Release),
            op => match op.object() {
                Some(o) => Footprint::one(o, Access::Write),
                None => Footprint::Global,
            },
        }
    }

    /// Whether `c` is an unbuffered channel on which no select waits: there
    /// a plain operation's arrival commutes with the other direction's
    /// (see [`ChanState::rendezvous_footprint`]).
    fn plain_rendezvous(&self, c: ObjId) -> bool {
        let ch = self.chan(c);
        ch.cap == 0
            && !ch.never
            && ch.waiters.iter().all(|w| matches!(self.tasks[w.0].op, Op::Send(_) | Op::Recv(_)))
    }

    /// Whether every arm of `t`'s select is on a distinct unbuffered channel
    /// where no other select waits, or on a nil channel: then its arrival
    /// and its waiting behave like plain ones on each channel.
    fn select_on_rendezvous(&self, t: TaskId) -> bool {
        let arms = &self.tasks[t].arms;
        arms.iter().enumerate().all(|(i, a)| {
            let ch = self.chan(a.chan);
            ch.never
                || (ch.cap == 0
                    && !arms[..i].iter().any(|b| b.chan == a.chan)
                    && ch
                        .waiters
                        .iter()
                        .all(|w| w.0 == t || matches!(self.tasks[w.0].op, Op::Send(_) | Op::Recv(_))))
        })
    }

    /// The footprint of a blocking select's arrival that finds no arm
    /// ready, on channels as [`select_on_rendezvous`](Self::select_on_rendezvous)
    /// requires: it joins the queue of each, which commutes with the other
    /// direction's arrivals there as a plain arrival does (see
    /// [`ChanState::rendezvous_footprint`]). `None` when some arm is ready
    /// (it pairs, a choice among the ready arms) or the footprint would
    /// not fit: then it writes every channel.
    fn select_arrival_footprint(&self, t: TaskId) -> Option<Footprint> {
        let task = &self.tasks[t];
        if !self.select_on_rendezvous(t) || task.arms.iter().any(|&a| self.arm_ready(t, a)) {
            return None;
        }
        let mut items = [(0, Access::Read); 4];
        let mut n = 0;
        for a in task.arms.iter().filter(|a| !self.chan(a.chan).never) {
            if n + 2 > items.len() {
                return None;
            }
            let part = if a.dir == Dir::Send { SENDS } else { RECVS };
            items[n] = (a.chan, Access::Read);
            items[n + 1] = (object_part(a.chan, part), Access::Write);
            n += 2;
        }
        Some(Footprint::Objects { len: n as u8, items })
    }

    /// Registers the current task's announced operation on the unbuffered
    /// channels it names, so partners see it.
    fn register_waiters(&mut self, me: TaskId) {
        let task = &self.tasks[me];
        match task.op {
            Op::Send(c) | Op::Recv(c) => {
                let dir = if matches!(task.op, Op::Send(_)) { Dir::Send } else { Dir::Recv };
                let ch = self.chan_mut(c);
                if ch.cap == 0 && !ch.never {
                    ch.waiters.push((me, 0, dir));
                }
            }
            Op::Select { .. } => {
                for i in 0..self.tasks[me].arms.len() {
                    let arm = self.tasks[me].arms[i];
                    let ch = self.chan_mut(arm.chan);
                    if ch.cap == 0 && !ch.never {
                        ch.waiters.push((me, i, arm.dir));
                    }
                }
            }
            _ => {}
        }
    }

    /// Removes task `t` from the waiter lists its announced operation joined.
    pub(crate) fn unregister_waiters(&mut self, t: TaskId) {
        match self.tasks[t].op {
            Op::Send(c) | Op::Recv(c) => self.chan_mut(c).waiters.retain(|w| w.0 != t),
            Op::Select { .. } => {
                for i in 0..self.tasks[t].arms.len() {
                    let c = self.tasks[t].arms[i].chan;
                    self.chan_mut(c).waiters.retain(|w| w.0 != t);
                }
            }
            _ => {}
        }
    }

    /// The partner for a rendezvous on unbuffered channel `c`: the first
    /// task (in announcement order) waiting in direction `dir`.
    pub(crate) fn rendezvous_partner(&self, c: ObjId, me: TaskId, dir: Dir) -> (TaskId, usize) {
        self.chan(c).partner(me, dir).expect("rendezvous without a partner")
    }

    /// Completes a waiting partner's channel operation on its arm `arm`.
    pub(crate) fn complete_partner(&mut self, partner: TaskId, arm: usize) {
        self.unregister_waiters(partner);
        self.tasks[partner].registered = false;
        let task = &mut self.tasks[partner];
        task.completed_arm = Some(arm);
        task.state = TaskState::Resumable;
        self.resume_queue.push_back(partner);
        self.touched.push(partner);
    }

    /// Makes a waiting task runnable again with a new announced operation.
    pub(crate) fn wake_with(&mut self, t: TaskId, op: Op) {
        let task = &mut self.tasks[t];
        task.op = op;
        task.state = TaskState::Ready;
        self.touched.push(t);
        if matches!(op, Op::Relock(_)) {
            self.lock_waiters.push(t);
        }
    }

    /// Resumes a waiting task before the next choice (its operation is done).
    pub(crate) fn wake_now(&mut self, t: TaskId) {
        self.tasks[t].state = TaskState::Resumable;
        self.resume_queue.push_back(t);
        self.touched.push(t);
    }

    #[inline]
    pub(crate) fn record(&mut self, task: TaskId, object: Option<ObjId>, kind: EventKind, location: Loc) {
        self.trace.push(Event { step: self.step, task, object, kind, location });
        if self.race_checks
            && matches!(
                kind,
                EventKind::SharedRead
                    | EventKind::SharedWrite
                    | EventKind::WaitGroupAdd { .. }
                    | EventKind::WaitGroupWait { blocked: true }
            )
        {
            self.check_races();
        }
    }

    /// Brings the happens-before state up to the end of the trace.
    #[cold]
    fn check_races(&mut self) {
        if self.stop.is_some() {
            return;
        }
        let events = self.trace.events();
        while self.hb_upto < events.len() {
            let i = self.hb_upto;
            self.hb_upto += 1;
            if let Some(race) = self.hb.observe(i, &events[i]) {
                self.stop = Some(Stop::Race(race));
                return;
            }
        }
    }

    /// The name to show for a task in reports.
    pub(crate) fn task_label(&self, t: TaskId) -> String {
        match &self.tasks[t].name {
            Some(n) => format!("task {t} \"{n}\""),
            None if t == 0 => "task 0 (test body)".to_string(),
            None => format!("task {t}"),
        }
    }

    pub(crate) fn task_short(&self, t: TaskId) -> String {
        match &self.tasks[t].name {
            Some(n) => n.to_string(),
            None if t == 0 => "main".to_string(),
            None => format!("task {t}"),
        }
    }
}

/// The tasks and objects of an execution: what enabledness is computed
/// from, borrowed apart from the rest so that the scheduler can fill its
/// own list of enabled tasks in place.
#[derive(Clone, Copy)]
pub(crate) struct World<'a> {
    pub tasks: &'a [Task],
    pub objects: &'a [Object],
}

impl<'a> World<'a> {
    #[inline]
    fn chan(self, id: ObjId) -> &'a ChanState {
        match &self.objects[id].state {
            ObjState::Chan(c) => c,
            _ => unreachable!("object {id} is not a channel"),
        }
    }

    pub(crate) fn arm_ready(self, me: TaskId, arm: Arm) -> bool {
        let c = self.chan(arm.chan);
        match arm.dir {
            Dir::Send => c.can_send(me),
            Dir::Recv => c.can_recv(me),
        }
    }

    /// Whether task `t` could perform its announced operation now.
    pub(crate) fn is_enabled(self, t: TaskId) -> bool {
        let task = &self.tasks[t];
        if task.state != TaskState::Ready {
            return false;
        }
        // Arriving at a rendezvous is a step of its own: until then no
        // partner (nor a try_* or a select with default) sees this task.
        match task.op {
            Op::Send(c) | Op::Recv(c) => {
                let ch = self.chan(c);
                if !task.registered && ch.cap == 0 && !ch.never {
                    return true;
                }
                if matches!(task.op, Op::Send(_)) {
                    ch.can_send(t)
                } else {
                    ch.can_recv(t)
                }
            }
            Op::Select { default: false } if !task.registered && self.needs_arrival(t) => true,
            op if op.never_waits() => true,
            _ => self.can_complete(t),
        }
    }

    /// Appends every enabled task to `out`, in id order: what
    /// [`is_enabled`](Self::is_enabled) says for each task, with the common
    /// cases (locks, buffered channels, operations that never wait)
    /// decided inline, as this runs over every task at every step.
    #[inline(always)]
    pub(crate) fn enabled_tasks(self, out: &mut Vec<TaskId>) {
        for (t, task) in self.tasks.iter().enumerate() {
            if task.state != TaskState::Ready {
                continue;
            }
            // Channel operations first, tested without a jump table: they
            // are most of the announcements in channel-heavy programs.
            let enabled = if let Op::Send(c) | Op::Recv(c) = task.op {
                let ch = self.chan(c);
                // A nil channel has no buffer: `cap > 0` is a buffered one.
                if ch.cap > 0 {
                    ch.closed || if matches!(task.op, Op::Send(_)) { ch.len < ch.cap } else { ch.len > 0 }
                } else {
                    self.is_enabled(t)
                }
            } else {
                match task.op {
                    Op::Lock(m) | Op::Relock(m) => match &self.objects[m].state {
                        ObjState::Mutex { holder } => holder.is_none(),
                        _ => unreachable!(),
                    },
                    Op::Join(target) => self.tasks[target].state == TaskState::Finished,
                    op if op.never_waits() => true,
                    _ => self.is_enabled(t),
                }
            };
            if enabled {
                out.push(t);
            }
        }
    }

    /// Whether `t`'s operation involves an unbuffered channel whose
    /// partners must see it arrive before it can wait there.
    #[inline]
    fn needs_arrival(self, t: TaskId) -> bool {
        let task = &self.tasks[t];
        let rendezvous = |c: ObjId| {
            let ch = self.chan(c);
            ch.cap == 0 && !ch.never
        };
        match task.op {
            Op::Send(c) | Op::Recv(c) => rendezvous(c),
            Op::Select { default: false } => task.arms.iter().any(|a| rendezvous(a.chan)),
            _ => false,
        }
    }

    /// Whether `t` could perform its announced operation now.
    pub(crate) fn can_complete(self, t: TaskId) -> bool {
        let task = &self.tasks[t];
        match task.op {
            Op::Join(target) => self.tasks[target].state == TaskState::Finished,
            Op::Send(c) => self.chan(c).can_send(t),
            Op::Recv(c) => self.chan(c).can_recv(t),
            Op::Select { default } => default || task.arms.iter().any(|&a| self.arm_ready(t, a)),
            Op::Lock(m) | Op::Relock(m) => match &self.objects[m].state {
                ObjState::Mutex { holder } => holder.is_none(),
                _ => unreachable!(),
            },
            Op::RLock(o) | Op::WLock(o) => match &self.objects[o].state {
                ObjState::RwMutex(s) => s.writer.is_none() && s.pending_writer.is_none(),
                _ => unreachable!(),
            },
            Op::OnceDo(o) => match &self.objects[o].state {
                ObjState::Once { running, .. } => running.is_none(),
                _ => unreachable!(),
            },
            Op::WDrain(_) => false,
            _ => true,
        }
    }
}

fn suspend() -> Resume {
    suspend_on(with_exec(|ex| ex.tasks[ex.current].yielder))
}

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
pub(crate) fn announce(op: Op, loc: Loc) -> Resumed {
    announce_act(loc, |_| (op, ()), |_, resumed, ()| resumed)
}

/// [`announce`] with the engine work on either side folded into the engine
/// calls the announcement makes anyway, as every operation pays for each
/// call: `prepare` (checking handles, looking up objects) returns the
/// operation and what `act` needs, and `act` performs the operation (or
/// finishes a partner-completed one) in the call that resumes the task.
/// Neither may make an engine call of its own.
#[inline]
pub(crate) fn announce_act<P, R>(
    loc: Loc,
    prepare: impl FnOnce(&mut Execution) -> (Op, P),
    act: impl FnOnce(&mut Execution, Resumed, P) -> R,
) -> R {
    if std::thread::panicking() {
        return with_exec(|ex| {
            let (op, p) = prepare(ex);
            act_while_unwinding(ex, op, loc);
            act(ex, Resumed::Act, p)
        });
    }
    let mut act = Some(act);
    let announced = with_exec(|ex| {
        let (op, p) = prepare(ex);
        if ex.aborting {
            return Announced::Aborting;
        }
        let me = ex.current;
        let task = &mut ex.tasks[me];
        task.op = op;
        task.loc = loc;
        task.state = TaskState::Ready;
        task.completed_arm = None;
        task.registered = false;
        let yielder = task.yielder;
        if matches!(op, Op::Lock(_) | Op::RLock(_) | Op::WLock(_)) {
            ex.lock_waiters.push(me);
        }
        // Choose the next move here, as the scheduling loop would, and go
        // on at once if it is this task's: two task switches saved.
        while ex.choosing.in_place && ex.choosing.decided.is_none() && ex.nothing_due() {
            match crate::exec::next_move(ex) {
                crate::exec::Next::Run(t) if t == me => {
                    if let Some(resumed) = resumed_how(ex, me) {
                        let act = act.take().expect("an operation acts once");
                        return Announced::Done(act(ex, resumed, p));
                    }
                }
                next => ex.choosing.decided = Some(next),
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
fn act_while_unwinding(ex: &mut Execution, op: Op, loc: Loc) {
    let me = ex.current;
    let (old_op, old_state) = (ex.tasks[me].op, ex.tasks[me].state);
    ex.tasks[me].op = op;
    ex.tasks[me].state = TaskState::Ready;
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
pub(crate) fn announce_select(arms: &[Arm], default: bool, loc: Loc) -> Resumed {
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
    resumed_otherwise(ex, me)
}

/// [`resumed_how`] for the other cases: a completed or registered
/// operation, or one that may arrive at a rendezvous.
#[inline(never)]
fn resumed_otherwise(ex: &mut Execution, me: TaskId) -> Option<Resumed> {
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
        let (op, loc) = (ex.tasks[me].op, ex.tasks[me].loc);
        ex.record(me, op.object(), EventKind::Wait, loc);
        ex.register_waiters(me);
        ex.tasks[me].registered = true;
        ex.tasks[me].state = TaskState::Ready;
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
pub(crate) fn wait(op: Op, loc: Loc) {
    let me = with_exec(|ex| {
        let me = ex.current;
        let task = &mut ex.tasks[me];
        task.op = op;
        task.loc = loc;
        task.state = TaskState::Waiting;
        me
    });
    if suspend() == Resume::Abort {
        std::panic::resume_unwind(Box::new(AbortTask));
    }
    with_exec(|ex| ex.tasks[me].state = TaskState::Running);
}

/// Raises one of Go's runtime panics in the current task.
pub(crate) fn go_panic(message: impl Into<String>, location: Loc) -> ! {
    let message = message.into();
    if std::thread::panicking() {
        eprintln!("goweave: panic \"{message}\" at {location} while unwinding another panic");
        std::process::abort();
    }
    std::panic::panic_any(GoPanic { message, location })
}

/// Whether the current execution is being torn down (drops use it to skip
/// their scheduling point).
pub(crate) fn tearing_down() -> bool {
    try_with_exec(|ex| ex.aborting).unwrap_or(true)
}
