//! What a step may touch, as exhaustive search's dependency test sees it.
//!
//! A leaf: the engine computes footprints (`rt`), the strategies compare
//! them (`strategy`), and neither needs the other to know what they are.

pub(crate) use goweave_checkers::{ObjectId, TaskId};

/// How a step uses an object.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Access {
    /// Reads it: commutes with other reads.
    Read,
    /// Changes it: ordered with every other access.
    Write,
    /// Takes a lock (blocks while it is held), or fills a channel's
    /// buffer slot (blocks while it is full).
    Acquire,
    /// Releases a lock held for writing, or empties a buffer slot.
    Release,
    /// Changes it in a way that commutes with other such changes, but not
    /// with what they decide (a WaitGroup decrement: any order leaves the
    /// same counter, but which one reaches zero depends on it). A read for
    /// races and clocks: two counts neither race nor are ordered. Unlike
    /// two reads, they do not commute for sleep sets and wakeup trees, as
    /// each changes the other's footprint: a count asleep with the
    /// footprint it had before another ran is woken by it.
    Count,
    /// Reads it after every read and count of it since its last write
    /// (a WaitGroup waiter that returns at zero, after every decrement):
    /// ordered after them, where a read is not, but racing like a read, and
    /// recorded as neither, so that nothing after it is ordered after them
    /// through it.
    Collect,
    /// Reads what a release left, once it happened (a receive of a closed,
    /// empty channel reads the close): ordered after the release like an
    /// acquire, but racing with neither it (it needs the release, so the
    /// two never swap) nor, unlike an acquire, with its like (every such
    /// receive returns at once, in any order). A read for clocks and
    /// sleep sets.
    Observe,
}

impl Access {
    /// Every kind of access, in [`index`](Self::index) order.
    pub(crate) const ALL: [Access; 7] = [
        Access::Read,
        Access::Write,
        Access::Acquire,
        Access::Release,
        Access::Count,
        Access::Collect,
        Access::Observe,
    ];

    /// How many values [`index`](Self::index) takes.
    pub(crate) const INDICES: usize = 5;

    /// The access's bit in [`racing_kinds`](Self::racing_kinds): a count
    /// and a collect share a read's, as they race like one.
    pub(crate) fn index(self) -> usize {
        match self {
            Access::Count | Access::Collect => 0,
            Access::Observe => 4,
            kind => kind as usize,
        }
    }

    /// Whether it reads, for races and clocks: a read or a count (a
    /// collect joins the reads before it, see [`Access::Collect`]).
    pub(crate) fn reads(self) -> bool {
        matches!(self, Access::Read | Access::Count | Access::Observe)
    }

    /// The kinds of access that race with this one, as a bit set by
    /// [`index`](Self::index).
    pub(crate) fn racing_kinds(self) -> u8 {
        let kinds = match self {
            Access::Read | Access::Count | Access::Collect => 0b0_1110,
            Access::Write => 0b1_1111,
            Access::Acquire => 0b1_0111,
            Access::Release => 0b0_1011,
            Access::Observe => 0b0_0110,
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
        let as_race = |a: Access| if matches!(a, Access::Count | Access::Collect) { Access::Read } else { a };
        !matches!(
            (as_race(self), as_race(other)),
            (Access::Read, Access::Read)
                | (Access::Release, Access::Acquire)
                | (Access::Acquire, Access::Release)
                | (Access::Observe, Access::Read | Access::Release | Access::Observe)
                | (Access::Read | Access::Release, Access::Observe)
        )
    }
}

/// One object (or part) a footprint touches and its access, in one word:
/// the id in the low [`ACCESS_SHIFT`] bits, the access above. Footprints
/// are copied at every step, and packed they take half the bytes (two
/// words an item took a fifth of an exhaustive search's time in `memcpy`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Item(u64);

/// Where an item's access goes: ids stay below it (objects below
/// [`PART_SHIFT`] bits, parts below 2^21), [`SPAWNS`] and [`TIMERS`]
/// just under it, above every other.
const ACCESS_SHIFT: u32 = 61;

impl Item {
    fn new((id, access): (ObjectId, Access)) -> Item {
        debug_assert!((id as u64) < 1 << ACCESS_SHIFT, "footprint id {id:#x} too large");
        Item(id as u64 | (access as u64) << ACCESS_SHIFT)
    }

    fn get(self) -> (ObjectId, Access) {
        ((self.0 & ((1 << ACCESS_SHIFT) - 1)) as ObjectId, Access::ALL[(self.0 >> ACCESS_SHIFT) as usize])
    }
}

impl std::fmt::Debug for Item {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

// Eight items of one word, the length and the variant's tag: copied at
// every step, it should not grow unnoticed.
const _: () = assert!(std::mem::size_of::<Footprint>() == 72);

/// What a step may touch: up to [`Footprint::ITEMS`] objects with their
/// access, or everything.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Footprint {
    /// Touches nothing shared (a yield; a join, ordered anyway).
    None,
    /// These objects (or parts of objects, see [`object_part`]).
    Objects {
        /// How many of `items` are used.
        len: u8,
        /// The objects with their access; the first `len` count.
        items: [Item; Footprint::ITEMS],
    },
    /// Dependent with every step (timers, the clock, contexts, conditions).
    Global,
}

/// Equal when they touch the same objects the same way, in the same
/// order: the unused items do not count (nor cost a comparison).
impl PartialEq for Footprint {
    fn eq(&self, other: &Footprint) -> bool {
        match (self, other) {
            (Footprint::None, Footprint::None) | (Footprint::Global, Footprint::Global) => true,
            (Footprint::Objects { .. }, Footprint::Objects { .. }) => self.items().eq(other.items()),
            _ => false,
        }
    }
}

impl Eq for Footprint {}

impl Footprint {
    /// How many objects a footprint holds: one more touches everything.
    pub(crate) const ITEMS: usize = 8;

    /// A footprint of one object.
    pub(crate) fn one(o: ObjectId, access: Access) -> Footprint {
        Footprint::of(&[(o, access)])
    }

    /// A footprint of these objects (at most [`ITEMS`](Self::ITEMS)).
    pub(crate) fn of(objects: &[(ObjectId, Access)]) -> Footprint {
        let mut items = [Item(0); Footprint::ITEMS];
        for (item, &object) in items.iter_mut().zip(objects) {
            *item = Item::new(object);
        }
        Footprint::Objects { len: objects.len() as u8, items }
    }

    /// Adds object `o` with `access` to this footprint of objects, unless
    /// it is there already (a write makes that one a write); `false` if it
    /// does not fit, or this is not a footprint of objects.
    pub(crate) fn add(&mut self, (o, access): (ObjectId, Access)) -> bool {
        let Footprint::Objects { len, items } = self else { return false };
        let n = *len as usize;
        if let Some(k) = items[..n].iter().position(|item| item.get().0 == o) {
            if access == Access::Write {
                items[k] = Item::new((o, Access::Write));
            }
            return true;
        }
        if n == items.len() {
            return false;
        }
        items[n] = Item::new((o, access));
        *len += 1;
        true
    }

    /// The objects with their access (none for None and Global).
    pub(crate) fn items(&self) -> impl ExactSizeIterator<Item = (ObjectId, Access)> + Clone + '_ {
        let items: &[Item] = match self {
            Footprint::Objects { len, items } => &items[..*len as usize],
            _ => &[],
        };
        items.iter().map(|item| item.get())
    }

    /// Whether a step with this footprint races with an operation with
    /// `other`, as exhaustive search's race finding sees it: some object
    /// both touch with racing kinds of access, or either touches
    /// everything.
    pub(crate) fn races_with(&self, other: &Footprint) -> bool {
        match (self, other) {
            (Footprint::None, _) | (_, Footprint::None) => false,
            (Footprint::Global, _) | (_, Footprint::Global) => true,
            (Footprint::Objects { .. }, Footprint::Objects { .. }) => self.items().any(|(o, a)| {
                let kinds = a.racing_kinds();
                other.items().any(|(p, b)| o == p && kinds & (1 << b.index()) != 0)
            }),
        }
    }

    /// Whether two steps of different tasks may not commute: some object
    /// both touch and one of them changes (a release and an acquire of one
    /// lock do not commute, though they never race; nor do two counts).
    pub(crate) fn dependent(&self, other: &Footprint) -> bool {
        match (self, other) {
            (Footprint::None, _) | (_, Footprint::None) => false,
            (Footprint::Global, _) | (_, Footprint::Global) => true,
            _ => self.objects().any(|(o, w)| other.objects().any(|(p, v)| o == p && (w || v))),
        }
    }

    /// The objects and whether each is written (empty for None and Global).
    pub(crate) fn objects(&self) -> impl Iterator<Item = (ObjectId, bool)> + '_ {
        self.items().map(|(o, a)| (o, !matches!(a, Access::Read | Access::Observe)))
    }
}

/// The footprint id of the order of spawns (which decides task ids).
pub(crate) const SPAWNS: ObjectId = (1 << ACCESS_SHIFT) - 1;
/// The footprint id of the virtual clock's timers, which a sleep adds to.
pub(crate) const TIMERS: ObjectId = (1 << ACCESS_SHIFT) - 2;

// Part numbers, one list for every kind of object, none used twice: the
// search tells some steps by their parts alone (a passing wait, see
// [`Footprint::passing_wait`]; a rendezvous arrival, see
// [`Footprint::anywhere`]).

/// A channel's parts: the order of its sends and of its receives, its
/// closing, and its buffer slots from `CHAN_FIRST_SLOT` on (see
/// `rt/object/chan.rs`).
pub(crate) const CHAN_SENDS: usize = 1;
/// See [`CHAN_SENDS`].
pub(crate) const CHAN_RECVS: usize = 2;
/// See [`CHAN_SENDS`].
pub(crate) const CHAN_CLOSED: usize = 3;
/// Read by a blocking select with one arm ready, on that arm's channel;
/// nothing writes it: it tells the search the step is such a select (see
/// [`Footprint::one_arm`]).
pub(crate) const CHAN_ONE_ARM: usize = 7;
/// See [`CHAN_SENDS`]: after every other part.
pub(crate) const CHAN_FIRST_SLOT: usize = 8;

/// A WaitGroup's parts, beside the group itself (part 0): the decrement
/// that reaches zero writes `WG_FINAL`, which waits read; every decrement
/// counts on `WG_DONES`, which a wait that returns at zero collects; a wait
/// that passes reads `WG_PASSES`, which nothing writes: it tells exhaustive
/// search to hold that wait's race with the decrement it passed after (see
/// [`Footprint::passing_wait`]). The rules are in `rt/object/waitgroup.rs`.
pub(crate) const WG_FINAL: usize = 4;
/// See [`WG_FINAL`].
pub(crate) const WG_DONES: usize = 5;
/// See [`WG_FINAL`].
pub(crate) const WG_PASSES: usize = 6;

impl Footprint {
    /// The group, if this is a WaitGroup wait that passes at zero.
    ///
    /// Such a wait races with the decrement that reached zero: moved
    /// before it, the wait blocks and is woken by it. Both orders reach
    /// the same state but for one thing: a woken waiter that has not yet
    /// returned panics if the group is reused, raised from zero by an
    /// `add` before its return (Go's "WaitGroup is reused before previous
    /// Wait has returned"). So the search holds that race back and
    /// reverses it only when an execution has a write of the group (an
    /// `add`) not ordered after the wait, which is when the panic can
    /// happen; four workers that each call `done()` while the body waits
    /// then take one execution, not two.
    pub(crate) fn passing_wait(&self) -> Option<ObjectId> {
        let marker = self.items().find(|&(id, a)| a == Access::Read && split_part(id).1 == WG_PASSES)?;
        Some(split_part(marker.0).0)
    }

    /// The footprint a step may have at an earlier state, where a wakeup
    /// sequence carries it, for the wakeup tree to compare the sequence's
    /// steps with its branches by:
    /// - an unbuffered channel's arrival that joined a queue may pair
    ///   there, and then reads part [`CHAN_CLOSED`] (see
    ///   `ChanState::rendezvous_footprint`): so a branch that closes the
    ///   channel is not taken to cover it (if the part does not fit, the
    ///   step touches everything);
    /// - a buffered channel's send or receive loses its slot, which its
    ///   place among the sends or receives decides: so a send moved before
    ///   a receive, which it commutes with wherever both can run, does not
    ///   look ordered after it by the slot it filled where it ran (such
    ///   sequences were taken for new branches, whose executions sleep sets
    ///   then cut short: buffered fan-in of 3 x 2 values took 117
    ///   executions for its 90 orders);
    /// - a buffered channel's receive of the closed, empty state may take a
    ///   value there, still buffered after the close: it writes part
    ///   [`CHAN_RECVS`] then, so two such receives, which commute where
    ///   they ran (see [`Access::Observe`]), are not taken to commute
    ///   there, where one of them takes the value.
    pub(crate) fn anywhere(self) -> Footprint {
        let Footprint::Objects { .. } = self else { return self };
        if cfg!(goweave_mutant = "chan-wakeup-ignores-close") {
            return self;
        }
        if self.one_arm().is_some() {
            return self.channels_written();
        }
        // Unpacked, to change in place.
        let (mut items, len) = ([(0, Access::Read); Footprint::ITEMS], self.items().len());
        for (slot, item) in items.iter_mut().zip(self.items()) {
            *slot = item;
        }
        if items[..len].iter().any(|&(_, a)| a == Access::Observe) {
            for (id, a) in &mut items[..len] {
                if *a == Access::Read && split_part(*id).1 == CHAN_RECVS {
                    *a = Access::Write;
                }
            }
            return Footprint::of(&items[..len]);
        }
        let mine = &items[..len];
        // A buffered channel's send fills, and its receive empties, the
        // slot its place among the sends or receives decides: elsewhere,
        // another. The slot orders a send after the receive that made room
        // for it; two that can both run commute whatever the slots, and a
        // sequence carries a step only where it can run.
        if mine.iter().any(|&(id, _)| split_part(id).1 >= CHAN_FIRST_SLOT) {
            let (mut kept, mut n) = ([(0, Access::Read); Footprint::ITEMS], 0);
            for &item in mine.iter().filter(|&&(id, _)| split_part(id).1 < CHAN_FIRST_SLOT) {
                kept[n] = item;
                n += 1;
            }
            return Footprint::of(&kept[..n]);
        }
        let (mut wide, mut n) = (items, len);
        for &(id, a) in mine {
            let (o, part) = split_part(id);
            if a != Access::Write || !(part == CHAN_SENDS || part == CHAN_RECVS) {
                continue;
            }
            let closed = object_part(o, CHAN_CLOSED);
            if wide[..n].iter().any(|&(p, _)| p == closed) {
                continue;
            }
            if n == wide.len() {
                return Footprint::Global;
            }
            wide[n] = (closed, Access::Read);
            n += 1;
        }
        Footprint::of(&wide[..n])
    }

    /// The channel of the ready arm and the queue part its partner's
    /// arrival wrote, if this is a blocking select with one arm ready (see
    /// `single_arm_footprint` in `rt/footprints.rs`). Such a select
    /// commutes with its partner's arrival as a plain arrival does, but for
    /// what its other channels would have seen had it waited there: the
    /// search holds that race until an operation on one of them shows it
    /// matters.
    pub(crate) fn one_arm(&self) -> Option<(ObjectId, usize)> {
        let marker = self.items().find(|&(id, _)| split_part(id).1 == CHAN_ONE_ARM)?;
        let chan = split_part(marker.0).0;
        let sends = self.writes(object_part(chan, CHAN_SENDS));
        Some((chan, if sends { CHAN_RECVS } else { CHAN_SENDS }))
    }

    /// Where a wakeup sequence carries a select with one arm ready (see
    /// [`one_arm`](Self::one_arm)): there it may wait on every channel, or
    /// choose among several ready arms, so it writes each of its channels.
    /// Out of line, as its item list would add to `anywhere`'s frame (on a
    /// task's stack, in a debug build).
    #[inline(never)]
    fn channels_written(&self) -> Footprint {
        let mut whole = Footprint::of(&[]);
        for (id, _) in self.items() {
            // As many channels as items at most: it fits.
            whole.add((split_part(id).0, Access::Write));
        }
        whole
    }

    /// Whether this writes footprint id `id` (an object or a part).
    pub(crate) fn writes(&self, id: ObjectId) -> bool {
        match self {
            Footprint::Global => true,
            _ => self.items().any(|(o, a)| o == id && a == Access::Write),
        }
    }
}

/// Where a part number goes in a footprint's object id.
const PART_SHIFT: u32 = 40;

/// The id of part `part` of object `o` in a footprint: part 0 is the
/// object itself.
pub(crate) fn object_part(o: ObjectId, part: usize) -> ObjectId {
    o | (part << PART_SHIFT)
}

/// The object and part of a footprint id.
pub(crate) fn split_part(id: ObjectId) -> (ObjectId, usize) {
    (id & ((1 << PART_SHIFT) - 1), id >> PART_SHIFT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_race_like_reads_but_do_not_commute_with_each_other() {
        let of = |a: Access| Footprint::one(7, a);
        // Races: a count is a read.
        for k in Access::ALL {
            assert_eq!(Access::Count.races(k), Access::Read.races(k), "{k:?}");
            assert_eq!(k.races(Access::Count), k.races(Access::Read), "{k:?}");
            assert_eq!(of(Access::Count).races_with(&of(k)), of(Access::Read).races_with(&of(k)), "{k:?}");
        }
        assert_eq!(Access::Count.racing_kinds(), Access::Read.racing_kinds());
        assert!(Access::Count.reads() && Access::Read.reads() && !Access::Write.reads());
        // Dependence (sleep sets, wakeup trees): two counts do not commute,
        // two reads do.
        assert!(of(Access::Count).dependent(&of(Access::Count)));
        assert!(of(Access::Count).dependent(&of(Access::Read)));
        assert!(!of(Access::Read).dependent(&of(Access::Read)));
        // A collect races like a read too.
        for k in Access::ALL {
            assert_eq!(Access::Collect.races(k), Access::Read.races(k), "{k:?}");
        }
        assert!(!Access::Collect.reads());
        // Other objects and parts stay apart.
        assert!(!of(Access::Count).dependent(&Footprint::one(object_part(7, 2), Access::Count)));
    }

    #[test]
    fn observers_of_a_release_are_ordered_after_it_but_race_with_neither_it_nor_each_other() {
        let of = |a: Access| Footprint::one(7, a);
        for k in [Access::Release, Access::Observe, Access::Read] {
            assert!(!Access::Observe.races(k) && !k.races(Access::Observe), "{k:?}");
        }
        assert!(Access::Observe.races(Access::Write) && Access::Acquire.races(Access::Observe));
        assert!(Access::Observe.reads(), "joined after the release in clocks");
        assert!(Access::ALL.iter().all(|k| k.index() < Access::INDICES), "a touch keeps a step per index");
        assert!(of(Access::Observe).dependent(&of(Access::Release)));
        assert!(!of(Access::Observe).dependent(&of(Access::Observe)));
        // Carried to an earlier state, a receive of a closed, empty channel
        // may take a value: then it writes the receive order.
        let recvs = object_part(7, CHAN_RECVS);
        let closed_recv = Footprint::of(&[
            (7, Access::Read),
            (object_part(7, CHAN_CLOSED), Access::Observe),
            (recvs, Access::Read),
        ]);
        assert!(!closed_recv.dependent(&closed_recv));
        assert!(closed_recv.anywhere().writes(recvs));
        assert!(closed_recv.anywhere().dependent(&closed_recv.anywhere()));
    }
}
