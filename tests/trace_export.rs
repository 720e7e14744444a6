//! The Chrome trace of a failing execution (`Config::trace_to`,
//! `GOWEAVE_TRACE`): valid trace-event JSON with one track per task.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use goweave::sync::Mutex;
use goweave::{Builder, Config, FailureKind, Strategy};
use serde_json::Value;

fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("goweave-trace-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn dfs() -> Config {
    Config::default().strategy(Strategy::Dfs { preemption_bound: None }).iterations(100_000)
}

/// A producer counts itself under a lock, hands two messages to a consumer
/// over channels (one unbuffered, one buffered), then the body and the
/// consumer take two locks in opposite orders: some interleaving deadlocks.
fn messages_then_deadlock() {
    let (tx, rx) = goweave::chan::<u32>(0);
    let (btx, brx) = goweave::chan::<u32>(1);
    let a = Arc::new(Mutex::new(()));
    let b = Arc::new(Mutex::new(()));
    let count = Arc::new(Mutex::new(0));
    Builder::new().name("producer").go(move || {
        *count.lock() += 1;
        tx.send(1);
        btx.send(2);
    });
    let (a2, b2) = (a.clone(), b.clone());
    let consumer = Builder::new().name("consumer").go(move || {
        assert_eq!(rx.recv(), Some(1));
        assert_eq!(brx.recv(), Some(2));
        let _b = b2.lock();
        let _a = a2.lock();
    });
    {
        let _a = a.lock();
        let _b = b.lock();
    }
    consumer.join().unwrap();
}

fn read(path: &PathBuf) -> Value {
    let text = std::fs::read_to_string(path).expect("the trace file was written");
    serde_json::from_str(&text).expect("the trace is valid JSON")
}

/// Checks the fields the trace-event format requires of each phase and
/// returns the events.
fn validate(trace: &Value) -> Vec<Value> {
    assert!(trace["displayTimeUnit"].is_string(), "displayTimeUnit: {}", trace["displayTimeUnit"]);
    let events = trace["traceEvents"].as_array().expect("traceEvents is an array").clone();
    assert!(!events.is_empty());
    for e in &events {
        assert!(e["name"].is_string(), "no name: {e}");
        let ph = e["ph"].as_str().unwrap_or_else(|| panic!("no ph: {e}"));
        assert!(e["ts"].is_u64(), "ts must be a non-negative number: {e}");
        assert!(e["pid"].is_u64(), "no pid: {e}");
        assert!(e["tid"].is_u64(), "no tid: {e}");
        match ph {
            "X" => assert!(e["dur"].as_u64().is_some_and(|d| d > 0), "a complete slice needs dur: {e}"),
            "i" | "I" => assert!(matches!(e["s"].as_str(), Some("t" | "p" | "g")), "instant scope: {e}"),
            "s" => assert!(e["id"].is_u64(), "flow start without id: {e}"),
            "f" => {
                assert!(e["id"].is_u64(), "flow finish without id: {e}");
                assert_eq!(e["bp"], "e", "flow finish binds to its enclosing slice: {e}");
            }
            "M" => assert!(e["args"]["name"].is_string() || e["args"]["sort_index"].is_u64(), "{e}"),
            other => panic!("unexpected phase {other}: {e}"),
        }
    }
    events
}

#[test]
fn trace_json_is_valid_and_has_one_track_per_task() {
    let path = temp_path("deadlock.json");
    let failure = dfs().trace_to(&path).explore(messages_then_deadlock).unwrap_err();
    assert_eq!(failure.kind(), FailureKind::Deadlock, "{failure}");
    assert!(failure.to_string().contains(&format!("Chrome trace of this execution: {}", path.display())));
    let trace = read(&path);
    let events = validate(&trace);

    // One named track per task: the body, the producer and the consumer.
    let names: BTreeMap<u64, String> = events
        .iter()
        .filter(|e| e["ph"] == "M" && e["name"] == "thread_name")
        .map(|e| (e["tid"].as_u64().unwrap(), e["args"]["name"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(names.keys().copied().collect::<Vec<_>>(), [0, 1, 2], "{names:?}");
    assert!(names[&1].contains("producer") && names[&2].contains("consumer"), "{names:?}");
    let used: BTreeSet<u64> = events.iter().map(|e| e["tid"].as_u64().unwrap()).collect();
    assert!(used.is_subset(&names.keys().copied().collect()), "events on unnamed tracks: {used:?}");

    // Instants for sends, receives, locks and unlocks.
    let instant = |prefix: &str| {
        events.iter().any(|e| e["ph"] == "i" && e["name"].as_str().unwrap().starts_with(prefix))
    };
    for prefix in ["send chan", "recv chan", "lock Mutex", "unlock Mutex"] {
        assert!(instant(prefix), "no {prefix} instant");
    }

    // Both messages have an arrow from the producer to the consumer.
    let starts: BTreeMap<u64, u64> = events
        .iter()
        .filter(|e| e["ph"] == "s")
        .map(|e| (e["id"].as_u64().unwrap(), e["tid"].as_u64().unwrap()))
        .collect();
    let finishes: BTreeMap<u64, u64> = events
        .iter()
        .filter(|e| e["ph"] == "f")
        .map(|e| (e["id"].as_u64().unwrap(), e["tid"].as_u64().unwrap()))
        .collect();
    assert_eq!(starts.keys().collect::<Vec<_>>(), finishes.keys().collect::<Vec<_>>());
    let arrows: Vec<(u64, u64)> = starts.iter().map(|(id, from)| (*from, finishes[id])).collect();
    assert_eq!(arrows, [(1, 2), (1, 2)], "message arrows");

    // The deadlocked tasks end in blocked slices, and the failure is marked.
    let blocked: BTreeSet<u64> = events
        .iter()
        .filter(|e| e["ph"] == "X" && e["cat"] == "blocked")
        .filter(|e| e["name"].as_str().unwrap().contains("locking Mutex"))
        .map(|e| e["tid"].as_u64().unwrap())
        .collect();
    assert_eq!(blocked, BTreeSet::from([0, 2]), "blocked on the locks");
    let failure_mark = events.iter().find(|e| e["cat"] == "failure").expect("a failure instant");
    assert_eq!(failure_mark["s"], "g");
    let last = events.iter().filter(|e| e["cat"] != "failure").map(|e| e["ts"].as_u64().unwrap()).max();
    assert!(failure_mark["ts"].as_u64() >= last, "the failure comes last");
    assert_eq!(trace["otherData"]["replay"], failure.schedule().to_string());
}

#[test]
fn slices_on_a_track_never_overlap() {
    let path = temp_path("overlap.json");
    let failure = dfs().trace_to(&path).explore(messages_then_deadlock).unwrap_err();
    assert_eq!(failure.kind(), FailureKind::Deadlock);
    let events = validate(&read(&path));
    let mut by_track: BTreeMap<u64, Vec<(u64, u64)>> = BTreeMap::new();
    for e in events.iter().filter(|e| e["ph"] == "X") {
        let ts = e["ts"].as_u64().unwrap();
        by_track.entry(e["tid"].as_u64().unwrap()).or_default().push((ts, ts + e["dur"].as_u64().unwrap()));
    }
    for (tid, mut slices) in by_track {
        slices.sort_unstable();
        for pair in slices.windows(2) {
            assert!(pair[0].1 <= pair[1].0, "task {tid}: {:?} overlaps {:?}", pair[0], pair[1]);
        }
    }
}

#[test]
fn a_panicking_task_is_traced_and_the_report_keeps_its_replay_lines() {
    let path = temp_path("panic.json");
    let failure = dfs()
        .trace_to(&path)
        .explore(|| {
            let (tx, rx) = goweave::chan::<u32>(0);
            Builder::new().name("checker").go(move || assert_eq!(rx.recv(), Some(7), "wrong value"));
            tx.send(8);
            goweave::yield_now();
        })
        .unwrap_err();
    assert_eq!(failure.kind(), FailureKind::Panic, "{failure}");
    let report = failure.to_string();
    let note = report.find("Chrome trace of this execution").expect("the note");
    assert!(note < report.find("replay: gw1:").expect("replay line"), "{report}");
    let events = validate(&read(&path));
    assert!(events.iter().any(|e| e["name"] == "panics" || e["name"] == "finish"), "a finish event");
    assert!(events.iter().any(|e| e["cat"] == "failure" && e["name"] == "failure: panic"));
}

#[test]
fn a_passing_exploration_writes_no_trace() {
    let path = temp_path("never.json");
    let _ = std::fs::remove_file(&path);
    dfs().trace_to(&path).explore(messages_then_deadlock_fixed).unwrap();
    assert!(!path.exists());
}

fn messages_then_deadlock_fixed() {
    let (tx, rx) = goweave::chan::<u32>(0);
    goweave::go(move || tx.send(1));
    assert_eq!(rx.recv(), Some(1));
}

#[test]
fn an_unwritable_path_is_reported_not_fatal() {
    let blocker = temp_path("a-file");
    std::fs::write(&blocker, "not a directory").unwrap();
    let failure = dfs().trace_to(blocker.join("trace.json")).explore(messages_then_deadlock).unwrap_err();
    assert_eq!(failure.kind(), FailureKind::Deadlock);
    assert!(failure.to_string().contains("could not write the Chrome trace"), "{failure}");
}
