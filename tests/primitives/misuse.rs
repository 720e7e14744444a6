//! Misuse: objects used in the wrong mode or execution, bad replay tokens.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{OnceLock, PoisonError};

use goweave::sync::{Mutex, WaitGroup};
use goweave::{chan, go, Config, FailureKind};

use super::{fails, panic_message};

/// The panic message of `f`, which must panic.
fn panics(f: impl FnOnce()) -> String {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(()) => panic!("expected a panic"),
        Err(payload) => panic_message(&*payload),
    }
}

#[test]
fn a_model_object_used_after_its_exploration_panics_naming_it() {
    static STASH: OnceLock<WaitGroup> = OnceLock::new();
    Config::default().iterations(1).explore(|| drop(STASH.get_or_init(|| WaitGroup::new()).clone())).unwrap();
    // Used on a thread that runs no execution: after the exploration, or
    // from a std::thread spawned inside one.
    let message = panics(|| STASH.get().unwrap().add(1));
    assert!(
        message.contains("the WaitGroup made at tests/primitives/misuse.rs:")
            && message.contains("a thread that runs no execution")
            && message.contains("goweave::go"),
        "{message}"
    );
}

#[test]
fn a_native_join_handle_joined_inside_an_exploration_panics_naming_it() {
    static HANDLE: std::sync::Mutex<Option<goweave::JoinHandle<()>>> = std::sync::Mutex::new(None);
    *HANDLE.lock().unwrap() = Some(go(|| ()));
    fails(FailureKind::Panic, &["native task", "outside any exploration", "inside the test body"], || {
        // Taken out before joining: the join panics, and a guard held
        // across it would poison the lock for the executions on other
        // threads.
        let handle = HANDLE.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(h) = handle {
            let _ = h.join();
        }
    });
}

const STALE: &str = "belongs to another execution than the one running";

#[test]
fn a_mutex_stashed_from_another_execution_is_rejected() {
    static STASH: OnceLock<Mutex<i32>> = OnceLock::new();
    // The first execution creates the mutex, the second uses it.
    let body = || {
        let m = STASH.get_or_init(|| Mutex::new(0));
        *m.lock() += 1;
    };
    let first = Config::default().iterations(1).explore(body);
    assert!(first.is_ok(), "the creating execution itself is fine");
    let failure = Config::default()
        .iterations(1)
        .explore(body)
        .expect_err("the stale mutex was used without complaint");
    assert_eq!(failure.kind(), FailureKind::Panic, "{failure}");
    assert!(failure.to_string().contains(STALE), "{failure}");
}

#[test]
fn a_channel_stashed_from_another_execution_is_rejected_within_one_exploration() {
    type Pair = (goweave::chan::Sender<i32>, goweave::chan::Receiver<i32>);
    static STASH: OnceLock<Pair> = OnceLock::new();
    // Several executions in one exploration (two tasks race on a fresh
    // atomic): the first creates the channel, the second one fails.
    fails(FailureKind::Panic, &[STALE], || {
        let n = std::sync::Arc::new(goweave::sync::atomic::AtomicUsize::new(0));
        let n2 = n.clone();
        let h = go(move || n2.fetch_add(1, goweave::sync::atomic::Ordering::SeqCst));
        n.fetch_add(1, goweave::sync::atomic::Ordering::SeqCst);
        h.join().unwrap();
        let (tx, rx) = STASH.get_or_init(|| chan::<i32>(1));
        tx.send(1);
        assert_eq!(rx.recv(), Some(1));
    });
}

#[test]
fn an_object_stashed_by_an_exploration_on_another_thread_is_rejected() {
    static STASH: OnceLock<WaitGroup> = OnceLock::new();
    // Created by the first execution of an exploration on one thread...
    std::thread::spawn(|| {
        Config::default()
            .iterations(1)
            .threads(1)
            .explore(|| {
                STASH.get_or_init(WaitGroup::new).add(0);
            })
            .unwrap();
    })
    .join()
    .unwrap();
    // ...and used by the first execution of an exploration on another.
    let outcome = std::thread::spawn(|| {
        Config::default()
            .iterations(1)
            .threads(1)
            .explore(|| {
                let (_tx, _rx) = chan::<i32>(1); // an object of this execution
                STASH.get().unwrap().add(1);
            })
            .err()
            .map(|f| (f.kind(), f.to_string()))
    })
    .join()
    .expect("the exploration itself should not panic");
    let (kind, report) = outcome.expect("the stale WaitGroup was used without complaint");
    assert_eq!(kind, FailureKind::Panic, "{report}");
    assert!(report.contains(STALE), "{report}");
}

#[test]
fn a_malformed_replay_token_is_a_replay_failure_quoting_it() {
    for token in ["gw1:!!not-base64!!", "not-a-token", "gw9:AAAA", ""] {
        let failure =
            Config::default().replay(token).explore(|| ()).expect_err("a malformed token was accepted");
        assert_eq!(failure.kind(), FailureKind::Replay, "{token:?}: {failure}");
        if !token.is_empty() {
            assert!(failure.to_string().contains(token), "the report does not quote {token:?}:\n{failure}");
        }
    }
}

/// A program with several choices whose panic gives a non-trivial token.
fn three_tasks() {
    let (tx, rx) = chan::<i32>(0);
    let tx2 = tx.clone();
    go(move || tx.send(1));
    go(move || tx2.send(2));
    let a = rx.recv().unwrap();
    let b = rx.recv().unwrap();
    assert!(a < b, "2 came first");
}

#[test]
fn a_token_for_another_program_diverges() {
    let failure = fails(FailureKind::Panic, &["2 came first"], three_tasks);
    let token = failure.schedule().to_string();
    assert!(token.starts_with("gw1:"), "{token}");
    // The same program replays it.
    let again = Config::default().replay(token.clone()).explore(three_tasks).expect_err("the replay passed");
    assert_eq!(again.kind(), FailureKind::Panic);
    // A program that ends before the schedule does.
    let short = Config::default()
        .replay(token.clone())
        .explore(|| ())
        .expect_err("a program with no choices followed the schedule");
    assert_eq!(short.kind(), FailureKind::Replay, "{short}");
    assert!(short.to_string().contains("diverged at step"), "{short}");
    // A program that makes different choices: select arms, not tasks.
    let other = Config::default()
        .replay(token)
        .explore(|| {
            let (tx1, rx1) = chan::<i32>(1);
            let (tx2, rx2) = chan::<i32>(1);
            tx1.send(1);
            tx2.send(2);
            for _ in 0..4 {
                goweave::select! {
                    recv(rx1) -> _ => { tx1.send(1); },
                    recv(rx2) -> _ => { tx2.send(2); },
                }
            }
        })
        .expect_err("a different program followed the schedule");
    assert_eq!(other.kind(), FailureKind::Replay, "{other}");
    assert!(other.to_string().contains("diverged at step"), "{other}");
}
