//! Unit tests of the happens-before checker.

use super::*;
use std::panic::Location;

/// Builds and checks a trace; returns the first race's (first, second)
/// event indices.
fn run(events: &[(TaskId, Option<ObjectId>, EventKind)]) -> Option<(usize, usize)> {
    let mut hb = HappensBefore::default();
    for (i, &(task, object, kind)) in events.iter().enumerate() {
        let ev = Event { step: i as u32, task, object, kind, location: Location::caller() };
        if let Some(r) = hb.observe(i, &ev) {
            return Some((r.first.event, r.second.event));
        }
    }
    None
}

const SHARED: EventKind = EventKind::Create { what: ObjectKind::Shared };
const W: EventKind = EventKind::SharedWrite;
const R: EventKind = EventKind::SharedRead;

fn chan(cap: usize) -> EventKind {
    EventKind::Create { what: ObjectKind::Chan { cap } }
}

#[test]
fn unordered_writes_race() {
    let trace =
        [(0, Some(0), SHARED), (0, None, EventKind::Spawn { child: 1 }), (1, Some(0), W), (0, Some(0), W)];
    assert_eq!(run(&trace), Some((2, 3)));
}

#[test]
fn spawn_orders_the_parent_before_the_child() {
    let trace =
        [(0, Some(0), SHARED), (0, Some(0), W), (0, None, EventKind::Spawn { child: 1 }), (1, Some(0), W)];
    assert_eq!(run(&trace), None);
}

#[test]
fn join_orders_the_child_before_the_joiner() {
    let trace = [
        (0, Some(0), SHARED),
        (0, None, EventKind::Spawn { child: 1 }),
        (1, Some(0), W),
        (1, None, EventKind::Finish),
        (0, None, EventKind::Join { target: 1 }),
        (0, Some(0), R),
    ];
    assert_eq!(run(&trace), None);
}

#[test]
fn concurrent_reads_do_not_race_but_a_later_write_does() {
    let trace = [
        (0, Some(0), SHARED),
        (0, None, EventKind::Spawn { child: 1 }),
        (0, None, EventKind::Spawn { child: 2 }),
        (1, Some(0), R),
        (2, Some(0), R),
        (0, Some(0), W),
    ];
    assert_eq!(run(&trace), Some((3, 5)));
}

#[test]
fn mutex_orders_critical_sections() {
    let m = Some(1);
    let locked = |t| [(t, m, EventKind::Lock), (t, Some(0), W), (t, m, EventKind::Unlock)];
    let mut trace = vec![(0, Some(0), SHARED), (0, m, EventKind::Create { what: ObjectKind::Mutex })];
    trace.push((0, None, EventKind::Spawn { child: 1 }));
    trace.extend(locked(1));
    trace.extend(locked(0));
    assert_eq!(run(&trace), None);
    // Without the lock in task 0, the write races.
    let mut trace = vec![(0, Some(0), SHARED), (0, None, EventKind::Spawn { child: 1 })];
    trace.extend(locked(1));
    trace.push((0, Some(0), W));
    assert!(run(&trace).is_some());
}

#[test]
fn unbuffered_rendezvous_orders_both_ways() {
    let c = Some(1);
    // Child writes, then sends; parent receives, then writes.
    let trace = [
        (0, Some(0), SHARED),
        (0, c, chan(0)),
        (0, None, EventKind::Spawn { child: 1 }),
        (1, Some(0), W),
        (1, c, EventKind::Send { to: Some(0) }),
        (0, c, EventKind::Recv { from: Some(1), closed: false }),
        (0, Some(0), W),
    ];
    assert_eq!(run(&trace), None);
    // Parent writes before receiving; child writes after sending:
    // the receive happens before the send completes.
    let trace = [
        (0, Some(0), SHARED),
        (0, c, chan(0)),
        (0, None, EventKind::Spawn { child: 1 }),
        (0, Some(0), W),
        (1, c, EventKind::Send { to: Some(0) }),
        (0, c, EventKind::Recv { from: Some(1), closed: false }),
        (1, Some(0), W),
    ];
    assert_eq!(run(&trace), None);
}

#[test]
fn buffered_channel_capacity_orders_receive_before_later_send() {
    let c = Some(1);
    // Capacity 1 used as a semaphore: the child's receive (releasing
    // the slot) happens before the parent's second send.
    let base = [
        (0, Some(0), SHARED),
        (0, c, chan(1)),
        (0, None, EventKind::Spawn { child: 1 }),
        (0, c, EventKind::Send { to: None }),
        (1, c, EventKind::Recv { from: None, closed: false }),
        (1, Some(0), W),
    ];
    let mut ordered = base.to_vec();
    // Task 1 writes after receiving; parent's second send then write.
    ordered.swap(4, 5);
    let mut t = ordered.clone();
    t.push((0, c, EventKind::Send { to: None }));
    t.push((0, Some(0), W));
    // Write by 1 happened before its receive, receive before send #2.
    assert_eq!(run(&t), None);
    // Without the second send, the parent's write races.
    let mut t = ordered;
    t.push((0, Some(0), W));
    assert!(run(&t).is_some());
}

#[test]
fn close_orders_before_a_receive_that_sees_it() {
    let c = Some(1);
    let trace = [
        (0, Some(0), SHARED),
        (0, c, chan(0)),
        (0, None, EventKind::Spawn { child: 1 }),
        (1, Some(0), W),
        (1, c, EventKind::Close),
        (0, c, EventKind::Recv { from: None, closed: true }),
        (0, Some(0), W),
    ];
    assert_eq!(run(&trace), None);
}

#[test]
fn relaxed_atomics_give_no_edge_but_release_acquire_do() {
    let a = Some(1);
    let make = |store: Ordering, load: Ordering| {
        run(&[
            (0, Some(0), SHARED),
            (0, a, EventKind::Create { what: ObjectKind::Atomic }),
            (0, None, EventKind::Spawn { child: 1 }),
            (1, Some(0), W),
            (1, a, EventKind::AtomicStore { order: store }),
            (0, a, EventKind::AtomicLoad { order: load }),
            (0, Some(0), R),
        ])
    };
    assert_eq!(make(Ordering::Release, Ordering::Acquire), None);
    assert_eq!(make(Ordering::SeqCst, Ordering::SeqCst), None);
    assert!(make(Ordering::Relaxed, Ordering::Acquire).is_some());
    assert!(make(Ordering::Release, Ordering::Relaxed).is_some());
}

#[test]
fn waitgroup_done_orders_before_wait_and_add_races_with_wait() {
    let wg = Some(1);
    let create = (0, wg, EventKind::Create { what: ObjectKind::WaitGroup });
    let trace = [
        (0, Some(0), SHARED),
        create,
        (0, wg, EventKind::WaitGroupAdd { delta: 1 }),
        (0, None, EventKind::Spawn { child: 1 }),
        (0, wg, EventKind::WaitGroupWait { blocked: true }),
        (1, Some(0), W),
        (1, wg, EventKind::WaitGroupAdd { delta: -1 }),
        (0, wg, EventKind::Woken { by: 1 }),
        (0, Some(0), R),
    ];
    assert_eq!(run(&trace), None);
    // The child adds (from zero) while the parent waits, unordered.
    let trace = [
        create,
        (0, None, EventKind::Spawn { child: 1 }),
        (0, wg, EventKind::WaitGroupAdd { delta: 1 }),
        (0, wg, EventKind::WaitGroupWait { blocked: true }),
        (0, wg, EventKind::WaitGroupAdd { delta: -1 }),
        (1, wg, EventKind::WaitGroupAdd { delta: 1 }),
    ];
    // The counter was 1 when the wait blocked, 0 again at the child's
    // add: the child's add from zero is unordered with the wait.
    assert_eq!(run(&trace), Some((3, 5)));
}

#[test]
fn rwmutex_read_unlock_orders_before_next_write_lock() {
    let rw = Some(1);
    let trace = [
        (0, Some(0), SHARED),
        (0, rw, EventKind::Create { what: ObjectKind::RwMutex }),
        (0, None, EventKind::Spawn { child: 1 }),
        (1, rw, EventKind::RLock),
        (1, Some(0), R),
        (1, rw, EventKind::RUnlock),
        (0, rw, EventKind::Lock),
        (0, Some(0), W),
    ];
    assert_eq!(run(&trace), None);
}

#[test]
fn once_body_orders_before_other_callers() {
    let once = Some(1);
    let trace = [
        (0, Some(0), SHARED),
        (0, once, EventKind::Create { what: ObjectKind::Once }),
        (0, None, EventKind::Spawn { child: 1 }),
        (1, once, EventKind::Once { ran: true }),
        (1, Some(0), W),
        (1, once, EventKind::OnceDone),
        (0, once, EventKind::Once { ran: false }),
        (0, Some(0), R),
    ];
    assert_eq!(run(&trace), None);
}

#[test]
fn a_wake_up_orders_only_what_came_before_it() {
    let wg = Some(1);
    let trace = [
        (0, Some(0), SHARED),
        (0, wg, EventKind::Create { what: ObjectKind::WaitGroup }),
        (0, wg, EventKind::WaitGroupAdd { delta: 1 }),
        (0, None, EventKind::Spawn { child: 1 }),
        (0, wg, EventKind::WaitGroupWait { blocked: true }),
        (1, wg, EventKind::WaitGroupAdd { delta: -1 }),
        (0, wg, EventKind::Woken { by: 1 }),
        (1, Some(0), W),
        (0, Some(0), R),
    ];
    assert_eq!(run(&trace), Some((7, 8)));
    let c = Some(1);
    let trace = [
        (0, Some(0), SHARED),
        (0, c, EventKind::Create { what: ObjectKind::Cond }),
        (0, None, EventKind::Spawn { child: 1 }),
        (1, c, EventKind::Signal),
        (0, c, EventKind::Woken { by: 1 }),
        (1, Some(0), W),
        (0, Some(0), R),
    ];
    assert_eq!(run(&trace), Some((5, 6)));
    // What the signaller did before the signal is ordered.
    let trace = [
        (0, Some(0), SHARED),
        (0, c, EventKind::Create { what: ObjectKind::Cond }),
        (0, None, EventKind::Spawn { child: 1 }),
        (1, Some(0), W),
        (1, c, EventKind::Signal),
        (0, c, EventKind::Woken { by: 1 }),
        (0, Some(0), R),
    ];
    assert_eq!(run(&trace), None);
}

const ALOAD: EventKind = EventKind::SharedAtomicLoad;
const ASTORE: EventKind = EventKind::SharedAtomicStore;
const ARMW: EventKind = EventKind::SharedAtomicRmw;

/// Task 1, spawned, accesses the variable with `first`; then task 0,
/// unordered with it, with `second`.
fn pair(first: EventKind, second: EventKind) -> Option<(usize, usize)> {
    run(&[
        (0, Some(0), SHARED),
        (0, None, EventKind::Spawn { child: 1 }),
        (1, Some(0), first),
        (0, Some(0), second),
    ])
}

#[test]
fn atomic_accesses_to_a_shared_variable_never_race_with_each_other() {
    for a in [ALOAD, ASTORE, ARMW] {
        for b in [ALOAD, ASTORE, ARMW] {
            assert_eq!(pair(a, b), None, "{a:?} then {b:?}");
        }
    }
}

#[test]
fn a_plain_access_unordered_with_an_atomic_one_races_unless_both_read() {
    for atomic in [ALOAD, ASTORE, ARMW] {
        for plain in [R, W] {
            let conflict = atomic != ALOAD || plain == W;
            let expected = conflict.then_some((2, 3));
            assert_eq!(pair(atomic, plain), expected, "{atomic:?} then {plain:?}");
            assert_eq!(pair(plain, atomic), expected, "{plain:?} then {atomic:?}");
        }
    }
}

#[test]
fn a_race_says_which_access_was_atomic() {
    let mut hb = HappensBefore::default();
    let at = Location::caller();
    let ev = |task, object, kind| Event { step: 0, task, object, kind, location: at };
    hb.observe(0, &ev(0, Some(0), SHARED));
    hb.observe(1, &ev(0, None, EventKind::Spawn { child: 1 }));
    assert!(hb.observe(2, &ev(1, Some(0), ARMW)).is_none());
    let race = hb.observe(3, &ev(0, Some(0), W)).expect("a plain write racing an atomic add");
    assert_eq!(race.kind, RaceKind::Shared);
    assert_eq!(race.first, Access { event: 2, task: 1, write: true, atomic: true });
    assert_eq!(race.second, Access { event: 3, task: 0, write: true, atomic: false });
}

#[test]
fn atomics_on_a_shared_variable_synchronize_as_go_atomics_do() {
    // Go's idiom: the child adds atomically; the parent loads the count
    // atomically, sees the add, then resets it with a plain store.
    let trace = [
        (0, Some(0), SHARED),
        (0, None, EventKind::Spawn { child: 1 }),
        (1, Some(0), ARMW),
        (0, Some(0), ALOAD),
        (0, Some(0), W),
    ];
    assert_eq!(run(&trace), None);
    // A plain write published by an atomic store is ordered before a
    // load that reads it, and before what follows the load.
    let trace = [
        (0, Some(0), SHARED),
        (0, None, EventKind::Spawn { child: 1 }),
        (1, Some(0), W),
        (1, Some(0), ASTORE),
        (0, Some(0), ALOAD),
        (0, Some(0), R),
    ];
    assert_eq!(run(&trace), None);
    // An atomic store orders nothing before itself: task 2's store is
    // unordered with task 1's plain write, a race.
    let trace = [
        (0, Some(0), SHARED),
        (0, None, EventKind::Spawn { child: 1 }),
        (0, None, EventKind::Spawn { child: 2 }),
        (1, Some(0), W),
        (1, Some(0), ASTORE),
        (2, Some(0), ASTORE),
        (0, Some(0), ALOAD),
        (0, Some(0), R),
    ];
    assert_eq!(run(&trace), Some((3, 5)));
}

#[test]
fn a_load_acquires_the_last_store_only() {
    // Task 2 stores after task 1: a load of task 2's value does not
    // order task 1's store before the reader's plain read.
    let trace = [
        (0, Some(0), SHARED),
        (0, None, EventKind::Spawn { child: 1 }),
        (0, None, EventKind::Spawn { child: 2 }),
        (1, Some(0), ASTORE),
        (2, Some(0), ASTORE),
        (0, Some(0), ALOAD),
        (0, Some(0), R),
    ];
    assert_eq!(run(&trace), Some((3, 6)));
    // Read-modify-writes chain: the last one carries both.
    let mut trace = trace;
    trace[4].2 = ARMW;
    assert_eq!(run(&trace), None);
}

#[test]
fn atomic_writes_keep_the_plain_reads_they_do_not_order() {
    // Task 1 reads plainly then stores atomically; task 2's atomic store
    // is ordered with neither: it races with the read.
    let trace = [
        (0, Some(0), SHARED),
        (0, None, EventKind::Spawn { child: 1 }),
        (0, None, EventKind::Spawn { child: 2 }),
        (1, Some(0), R),
        (1, Some(0), ASTORE),
        (2, Some(0), ASTORE),
    ];
    assert_eq!(run(&trace), Some((3, 5)));
}

#[test]
fn last_sync_is_tracked() {
    let mut hb = HappensBefore::default();
    let at = Location::caller();
    let ev = |task, object, kind| Event { step: 0, task, object, kind, location: at };
    hb.observe(0, &ev(0, Some(0), EventKind::Create { what: ObjectKind::Mutex }));
    hb.observe(1, &ev(0, Some(0), EventKind::Lock));
    assert_eq!(hb.last_sync(0), Some(1));
    assert_eq!(hb.last_sync(1), None);
}
