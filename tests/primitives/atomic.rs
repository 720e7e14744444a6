//! `sync::atomic`: std's API in one task, exact counts under contention,
//! and the lost update found.

use std::sync::atomic as std_atomic;
use std::sync::Arc;

use goweave::sync::atomic::{
    AtomicBool, AtomicI32, AtomicI64, AtomicIsize, AtomicU32, AtomicU64, AtomicUsize,
    Ordering::{self, Acquire, Relaxed, Release, SeqCst},
};
use goweave::{go, FailureKind};

use super::{all_pass, fails, outcomes, set};

/// Calls `op(args)` on both atomics and compares the results.
macro_rules! both {
    ($a:ident, $s:ident, $op:ident ( $($arg:expr),* )) => {
        assert_eq!(
            $a.$op($($arg),*),
            $s.$op($($arg),*),
            "{}",
            stringify!($op)
        );
    };
}

/// Runs the same operations on a goweave atomic and on std's, comparing
/// every result.
macro_rules! same_as_std {
    ($gw:ident, $std:ident, $t:ty) => {{
        let a = $gw::new(5);
        let s = std_atomic::$std::new(5);
        both!(a, s, load(SeqCst));
        both!(a, s, store(7, Release));
        both!(a, s, load(Acquire));
        both!(a, s, swap(3, SeqCst));
        both!(a, s, compare_exchange(3, 9, SeqCst, Relaxed));
        both!(a, s, compare_exchange(3, 4, SeqCst, Relaxed));
        // A weak exchange may fail spuriously (std's contract): retry.
        while a.compare_exchange_weak(9, 4, SeqCst, Relaxed) == Err(9) {
            std::hint::spin_loop();
        }
        while s.compare_exchange_weak(9, 4, SeqCst, Relaxed) == Err(9) {
            std::hint::spin_loop();
        }
        both!(a, s, load(SeqCst));
        both!(a, s, fetch_add(6, SeqCst));
        both!(a, s, fetch_sub(2, SeqCst));
        both!(a, s, fetch_and(0b1100, SeqCst));
        both!(a, s, fetch_or(0b0011, SeqCst));
        both!(a, s, fetch_xor(0b0101, SeqCst));
        both!(a, s, fetch_nand(0b0110, SeqCst));
        both!(a, s, fetch_max(100, SeqCst));
        both!(a, s, fetch_min(50, SeqCst));
        both!(a, s, fetch_max(10, SeqCst));
        assert_eq!(
            a.fetch_update(SeqCst, SeqCst, |v| Some(v * 2)),
            s.fetch_update(SeqCst, SeqCst, |v| Some(v * 2))
        );
        assert_eq!(a.fetch_update(SeqCst, SeqCst, |_| None), s.fetch_update(SeqCst, SeqCst, |_| None));
        // Wrapping at the ends of the type.
        both!(a, s, store(<$t>::MAX, SeqCst));
        both!(a, s, fetch_add(1, SeqCst));
        both!(a, s, fetch_sub(1, SeqCst));
        both!(a, s, load(SeqCst));
        let mut a = a;
        let mut s = s;
        *a.get_mut() = 11;
        *s.get_mut() = 11;
        assert_eq!(format!("{a:?}"), format!("{s:?}"));
        assert_eq!(a.into_inner(), s.into_inner());
        assert_eq!($gw::default().load(SeqCst), <$t>::default());
    }};
}

#[test]
fn integer_atomics_behave_like_std_in_one_task() {
    all_pass(|| {
        same_as_std!(AtomicUsize, AtomicUsize, usize);
        same_as_std!(AtomicIsize, AtomicIsize, isize);
        same_as_std!(AtomicU32, AtomicU32, u32);
        same_as_std!(AtomicI32, AtomicI32, i32);
        same_as_std!(AtomicU64, AtomicU64, u64);
        same_as_std!(AtomicI64, AtomicI64, i64);
    });
}

#[test]
fn atomic_bool_behaves_like_std_in_one_task() {
    all_pass(|| {
        let a = AtomicBool::new(false);
        let s = std_atomic::AtomicBool::new(false);
        let ops: Vec<(bool, bool)> = vec![
            (a.load(SeqCst), s.load(SeqCst)),
            (a.swap(true, SeqCst), s.swap(true, SeqCst)),
            (a.fetch_and(false, SeqCst), s.fetch_and(false, SeqCst)),
            (a.fetch_or(true, SeqCst), s.fetch_or(true, SeqCst)),
            (a.fetch_xor(true, SeqCst), s.fetch_xor(true, SeqCst)),
            (a.fetch_nand(true, SeqCst), s.fetch_nand(true, SeqCst)),
            (a.load(SeqCst), s.load(SeqCst)),
        ];
        for (i, (g, st)) in ops.iter().enumerate() {
            assert_eq!(g, st, "operation {i}");
        }
        assert_eq!(
            a.compare_exchange(true, false, SeqCst, SeqCst),
            s.compare_exchange(true, false, SeqCst, SeqCst)
        );
        assert_eq!(
            a.compare_exchange(true, false, SeqCst, SeqCst),
            s.compare_exchange(true, false, SeqCst, SeqCst)
        );
        while a.compare_exchange_weak(false, true, SeqCst, SeqCst) != Ok(false) {
            std::hint::spin_loop();
        }
        while s.compare_exchange_weak(false, true, SeqCst, SeqCst) != Ok(false) {
            std::hint::spin_loop();
        }
        assert_eq!(
            a.fetch_update(SeqCst, SeqCst, |v| Some(!v)),
            s.fetch_update(SeqCst, SeqCst, |v| Some(!v))
        );
        a.store(true, Ordering::Release);
        s.store(true, Ordering::Release);
        assert_eq!(format!("{a:?}"), format!("{s:?}"));
        assert_eq!(a.into_inner(), s.into_inner());
        assert!(!AtomicBool::default().load(SeqCst));
    });
}

#[test]
fn concurrent_fetch_add_is_exact() {
    // (what each task saw, final value)
    let seen = outcomes(|| {
        let n = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let n = n.clone();
                go(move || n.fetch_add(1, Relaxed))
            })
            .collect();
        let prev: Vec<usize> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        (prev, n.load(SeqCst))
    });
    assert_eq!(seen, set([(vec![0, 1], 2), (vec![1, 0], 2)]));
}

#[test]
fn compare_exchange_loops_and_fetch_update_are_exact() {
    let seen = outcomes(|| {
        let n = Arc::new(AtomicI64::new(0));
        let n2 = n.clone();
        let h = go(move || {
            let mut cur = n2.load(SeqCst);
            loop {
                match n2.compare_exchange(cur, cur + 1, SeqCst, SeqCst) {
                    Ok(_) => break,
                    Err(actual) => cur = actual,
                }
            }
        });
        n.fetch_update(SeqCst, SeqCst, |v| Some(v + 10)).unwrap();
        h.join().unwrap();
        n.load(SeqCst)
    });
    assert_eq!(seen, set([11]));
}

#[test]
fn the_lost_update_of_load_then_store_is_found() {
    fails(FailureKind::Panic, &["lost update"], || {
        let n = Arc::new(AtomicU32::new(0));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let n = n.clone();
                go(move || {
                    let v = n.load(SeqCst);
                    n.store(v + 1, SeqCst);
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(n.load(SeqCst), 2, "lost update");
    });
    // And both final values occur.
    let seen = outcomes(|| {
        let n = Arc::new(AtomicU32::new(0));
        let n2 = n.clone();
        let h = go(move || {
            let v = n2.load(SeqCst);
            n2.store(v + 1, SeqCst);
        });
        let v = n.load(SeqCst);
        n.store(v + 1, SeqCst);
        h.join().unwrap();
        n.load(SeqCst)
    });
    assert_eq!(seen, set([1, 2]));
}
