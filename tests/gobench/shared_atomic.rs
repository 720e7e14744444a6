//! `Shared` variables accessed atomically, as Go's `sync/atomic` touches a
//! plain variable: atomic accesses synchronize and never race with one
//! another; a plain access unordered with an atomic one, at least one of
//! them a write, is a data race (Go's race detector reports it too). These
//! are the rules istio_8214 and serving_6472 need.

use std::sync::Arc;

use goweave::{Config, FailureKind, Shared};

/// Explores `body` with the defaults; the failure's kind and report, if any.
fn explore(body: impl Fn() + Send + Sync + 'static) -> Option<(FailureKind, String)> {
    Config::default().explore(body).err().map(|f| (f.kind(), f.to_string()))
}

/// The line of this file where `marker` is, as a report prints it.
fn at(marker: &str) -> String {
    let line = include_str!("shared_atomic.rs")
        .lines()
        .position(|l| l.trim_end().ends_with(&format!("// @{marker}")))
        .expect("marker");
    format!("shared_atomic.rs:{}", line + 1)
}

#[test]
fn a_plain_write_racing_an_atomic_add_is_a_race() {
    let found = explore(|| {
        let n = Arc::new(Shared::new(0i32));
        let m = n.clone();
        let h = goweave::go(move || {
            m.atomic_add(1); // @add
        });
        n.set(0); // @reset
        h.join().unwrap();
    });
    let (kind, report) = found.expect("the race is found");
    assert_eq!(kind, FailureKind::DataRace, "{report}");
    assert!(report.contains(&at("add")) && report.contains(&at("reset")), "{report}");
}

#[test]
fn a_plain_read_racing_an_atomic_store_is_a_race() {
    let found = explore(|| {
        let flag = Arc::new(Shared::new(false));
        let f = flag.clone();
        let h = goweave::go(move || f.atomic_store(true)); // @store
        let _ = flag.get(); // @read
        h.join().unwrap();
    });
    let (kind, report) = found.expect("the race is found");
    assert_eq!(kind, FailureKind::DataRace, "{report}");
    assert!(report.contains(&at("store")) && report.contains(&at("read")), "{report}");
}

#[test]
fn an_atomic_load_racing_a_plain_write_is_a_race() {
    let found = explore(|| {
        let n = Arc::new(Shared::new(0u64));
        let m = n.clone();
        let h = goweave::go(move || m.set(7)); // @write
        let _ = n.atomic_load(); // @load
        h.join().unwrap();
    });
    let (kind, report) = found.expect("the race is found");
    assert_eq!(kind, FailureKind::DataRace, "{report}");
    assert!(report.contains(&at("write")) && report.contains(&at("load")), "{report}");
}

#[test]
fn atomic_accesses_never_race_with_each_other() {
    let found = explore(|| {
        let n = Arc::new(Shared::new(0i64));
        let tasks: Vec<_> = (0..2)
            .map(|i| {
                let n = n.clone();
                goweave::go(move || {
                    n.atomic_add(1);
                    let _ = n.atomic_compare_and_swap(1, 10 + i);
                    n.atomic_swap(n.atomic_load() + 1);
                })
            })
            .collect();
        n.atomic_store(5);
        let _ = n.atomic_load();
        for t in tasks {
            t.join().unwrap();
        }
        // Joined: plain accesses are ordered after every atomic one.
        n.set(n.get() + 1);
    });
    assert!(found.is_none(), "{}", found.map(|f| f.1).unwrap_or_default());
}

#[test]
fn plain_reads_do_not_race_with_atomic_loads() {
    let found = explore(|| {
        let n = Arc::new(Shared::new(3i32));
        let m = n.clone();
        let h = goweave::go(move || m.atomic_load());
        assert_eq!(n.get(), 3);
        assert_eq!(h.join().unwrap(), 3);
    });
    assert!(found.is_none(), "{}", found.map(|f| f.1).unwrap_or_default());
}

#[test]
fn an_atomic_store_publishes_the_plain_writes_before_it() {
    // The message-passing idiom: the load that sees the flag acquires the
    // data written before the store.
    let found = explore(|| {
        let data = Arc::new(Shared::new(0));
        let ready = Arc::new(Shared::new(0u32));
        let (d, r) = (data.clone(), ready.clone());
        let h = goweave::go(move || {
            d.set(42);
            r.atomic_store(1);
        });
        if ready.atomic_load() == 1 {
            assert_eq!(data.get(), 42);
        }
        h.join().unwrap();
    });
    assert!(found.is_none(), "{}", found.map(|f| f.1).unwrap_or_default());
}

#[test]
fn a_load_that_sees_an_atomic_add_orders_a_plain_reset_after_it() {
    // Go's counter idiom: a task adds atomically; once the count shows the
    // add, the variable may be reset plainly.
    let found = explore(|| {
        let n = Arc::new(Shared::new(0i32));
        let m = n.clone();
        let h = goweave::go(move || {
            m.atomic_add(1);
        });
        if n.atomic_load() == 1 {
            n.set(0);
        }
        h.join().unwrap();
    });
    assert!(found.is_none(), "{}", found.map(|f| f.1).unwrap_or_default());
}

#[test]
fn compare_and_swap_says_whether_it_swapped() {
    goweave::check(|| {
        let n = Shared::new(1u8);
        assert!(!n.atomic_compare_and_swap(0, 9));
        assert!(n.atomic_compare_and_swap(1, 9));
        assert_eq!(n.atomic_swap(2), 9);
        assert_eq!(n.atomic_add(u8::MAX), 1, "wraps as Go's does");
        assert_eq!(n.atomic_load(), 1);
    });
}

#[test]
fn natively_atomic_accesses_are_atomic() {
    // Outside an exploration: real threads, the variable's lock.
    let n = Arc::new(Shared::new(0usize));
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let n = n.clone();
            goweave::go(move || {
                for _ in 0..1000 {
                    n.atomic_add(1);
                }
            })
        })
        .collect();
    for t in tasks {
        t.join().unwrap();
    }
    assert_eq!(n.atomic_load(), 4000);
    assert!(n.atomic_compare_and_swap(4000, 0));
    n.atomic_store(3);
    assert_eq!(n.atomic_swap(1), 3);
    assert_eq!(n.get(), 1);
}
