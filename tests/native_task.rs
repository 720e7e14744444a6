//! Native tasks: `go` and `Builder` start OS threads, joins return values
//! and panics, scopes borrow and join; and the same scope code explored.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use goweave::{Config, FailureKind, Strategy};

#[test]
fn a_task_is_a_named_thread_whose_value_comes_back() {
    let h = goweave::Builder::new().name("worker-7").go(|| {
        let std_name = std::thread::current().name().map(String::from);
        let task = goweave::current();
        (std_name, task.name().map(String::from), task.id())
    });
    let me = goweave::current();
    let (std_name, name, id) = h.join().unwrap();
    assert_eq!(std_name.as_deref(), Some("worker-7"));
    assert_eq!(name.as_deref(), Some("worker-7"));
    assert!(id > 0, "a task goweave started has an id from 1");
    assert_eq!(me.id(), 0, "a thread goweave did not start is task 0");
}

#[test]
fn task_ids_are_unique_across_threads() {
    let handles: Vec<_> = (0..16).map(|_| goweave::go(|| goweave::current().id())).collect();
    let mut ids: Vec<usize> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 16);
}

#[test]
fn a_panic_comes_back_from_join_with_its_message_and_location() {
    let h = goweave::go(|| -> u32 { panic!("task failed: {}", 42) });
    let panicked = h.join().unwrap_err();
    assert_eq!(panicked.message(), "task failed: 42");
    let location = panicked.location().expect("the location of the panic");
    assert!(location.starts_with("tests/native_task.rs:"), "{location}");
}

#[test]
fn is_finished_and_task_describe_a_running_thread() {
    let gate = Arc::new(goweave::sync::WaitGroup::new());
    gate.add(1);
    let g = gate.clone();
    let h = goweave::Builder::new().name("waiter").go(move || g.wait());
    assert!(!h.is_finished());
    assert_eq!(h.task().name(), Some("waiter"));
    gate.done();
    h.join().unwrap();
}

/// Recursion that needs about `depth` KiB of stack.
fn deep(depth: usize) -> usize {
    let frame = std::hint::black_box([1u8; 1024]);
    if depth == 0 {
        return 0;
    }
    deep(depth - 1) + usize::from(frame[depth % 1024])
}

#[test]
fn stack_size_sets_a_tasks_stack_in_both_modes() {
    // About 3 MiB of frames: more than a std thread's default 2 MiB.
    let h = goweave::Builder::new().stack_size(16 << 20).go(|| deep(3000));
    assert_eq!(h.join().unwrap(), 3000);
    // Inside an exploration: more than the 2 MiB coroutines get by default.
    Config::default().iterations(5).check(|| {
        let h = goweave::Builder::new().stack_size(8 << 20).go(|| deep(3000));
        assert_eq!(h.join().unwrap(), 3000);
    });
}

#[test]
fn yield_now_works_natively() {
    for _ in 0..10 {
        goweave::yield_now();
    }
}

#[test]
fn a_scope_borrows_and_joins_every_task() {
    let mut counts = vec![0usize; 8];
    let total = AtomicUsize::new(0);
    goweave::scope(|s| {
        for (i, c) in counts.iter_mut().enumerate() {
            let total = &total;
            s.go(move || {
                *c = i * 10;
                total.fetch_add(i, Ordering::SeqCst);
            });
        }
    });
    assert_eq!(counts, (0..8).map(|i| i * 10).collect::<Vec<_>>());
    assert_eq!(total.load(Ordering::SeqCst), 28);
}

#[test]
fn a_scoped_handle_returns_a_value_and_a_builder_names_it() {
    let data = [1, 2, 3];
    let sum = goweave::scope(|s| {
        let h = goweave::Builder::new().name("summer").go_scoped(s, || {
            assert_eq!(std::thread::current().name(), Some("summer"));
            data.iter().sum::<i32>()
        });
        h.join().unwrap()
    });
    assert_eq!(sum, 6);
}

#[test]
fn an_unjoined_scoped_panic_makes_the_scope_panic_after_every_task_ended() {
    let finished = AtomicUsize::new(0);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        goweave::scope(|s| {
            s.go(|| panic!("scoped failure"));
            s.go(|| {
                std::thread::sleep(std::time::Duration::from_millis(20));
                finished.fetch_add(1, Ordering::SeqCst);
            });
        })
    }));
    let payload = outcome.expect_err("the scope should panic");
    let message = payload.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("scoped failure"), "{message}");
    assert_eq!(finished.load(Ordering::SeqCst), 1, "the other task ended before the scope returned");
}

#[test]
fn a_joined_scoped_panic_is_the_joiners_business() {
    let value = goweave::scope(|s| {
        let h = s.go(|| -> u8 { panic!("handled") });
        h.join().map_err(|p| p.message().to_string())
    });
    assert_eq!(value, Err("handled".to_string()));
}

/// One scope, run natively and explored unchanged.
fn fill_in_parallel(out: &mut [usize]) {
    goweave::scope(|s| {
        for (i, slot) in out.iter_mut().enumerate() {
            s.go(move || *slot = i + 1);
        }
    });
}

#[test]
fn the_same_scope_runs_natively_and_under_exploration() {
    let mut native = vec![0; 4];
    fill_in_parallel(&mut native);
    assert_eq!(native, vec![1, 2, 3, 4]);
    let stats = Config::default()
        .strategy(Strategy::Dfs { preemption_bound: None })
        .explore(|| {
            let mut explored = vec![0; 3];
            fill_in_parallel(&mut explored);
            assert_eq!(explored, vec![1, 2, 3]);
        })
        .unwrap();
    assert!(stats.exhausted(), "{stats}");
}

#[test]
fn an_explored_scope_reports_an_unjoined_task_panic() {
    let failure = Config::default()
        .explore(|| {
            let data = [1, 2, 3];
            goweave::scope(|s| {
                s.go(|| assert_eq!(data.len(), 4, "scoped assertion"));
            });
        })
        .unwrap_err();
    assert_eq!(failure.kind(), FailureKind::Panic);
    let report = failure.to_string();
    assert!(report.contains("scoped assertion") && report.contains("nobody joined it"), "{report}");
}

#[test]
fn an_explored_scope_whose_task_blocks_forever_is_a_deadlock_torn_down_safely() {
    // The blocked task borrows from the body's stack; tearing the
    // execution down must unwind it before the body.
    let failure = Config::default()
        .explore(|| {
            let data = vec![String::from("borrowed"); 3];
            let (tx, rx) = goweave::chan::<u8>(0);
            goweave::scope(|s| {
                s.go(|| {
                    let _ = rx.recv();
                    assert_eq!(data.len(), 3);
                });
                drop(tx);
            });
        })
        .unwrap_err();
    assert_eq!(failure.kind(), FailureKind::Deadlock, "{failure}");
}
