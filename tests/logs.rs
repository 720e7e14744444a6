//! `tracing` events emitted inside tasks: captured for the failing
//! execution only, tagged with task and step, and printed in its report.

use std::sync::atomic::{AtomicUsize, Ordering as StdOrdering};
use std::sync::Arc;

use goweave::sync::atomic::{AtomicUsize as GoAtomic, Ordering};
use goweave::{Builder, Config, FailureKind, Strategy};

fn dfs() -> Config {
    Config::default().strategy(Strategy::Dfs { preemption_bound: None }).iterations(100_000)
}

/// Two workers increment a counter with a load and a store, logging as
/// they go: the lost update fails the final assertion in some schedules.
fn logged_lost_update() {
    let n = Arc::new(GoAtomic::new(0));
    let workers: Vec<_> = ["alpha", "beta"]
        .into_iter()
        .map(|name| {
            let n = n.clone();
            Builder::new().name(name).go(move || {
                let v = n.load(Ordering::SeqCst);
                tracing::info!(target: "counter", seen = v, "loaded");
                n.store(v + 1, Ordering::SeqCst);
                tracing::debug!(target: "counter", "stored {}", v + 1);
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let total = n.load(Ordering::SeqCst);
    tracing::warn!(total, "checking");
    assert_eq!(total, 2);
}

#[test]
fn a_failing_executions_events_are_in_its_report_tagged_with_task_and_step() {
    let failure = dfs().explore(logged_lost_update).unwrap_err();
    assert_eq!(failure.kind(), FailureKind::Panic, "{failure}");
    let logs = failure.logs();
    // Exactly one execution's events: two per worker and the body's one.
    assert_eq!(logs.len(), 5, "{logs:#?}");
    for name in ["alpha", "beta"] {
        let mine: Vec<&String> = logs.iter().filter(|l| l.contains(&format!("\"{name}\""))).collect();
        assert_eq!(mine.len(), 2, "{name}: {logs:#?}");
        assert!(mine[0].contains("INFO  counter: loaded seen=0"), "{}", mine[0]);
        assert!(mine[1].contains("DEBUG counter: stored 1"), "{}", mine[1]);
    }
    let body = logs.last().unwrap();
    assert!(
        body.contains("task 0 (test body)") && body.contains("WARN") && body.contains("checking total=1"),
        "{body}"
    );
    // Every line starts with its step, and steps never go backwards.
    let steps: Vec<u32> = logs
        .iter()
        .map(|l| l.strip_prefix("step").unwrap().split_whitespace().next().unwrap().parse().unwrap())
        .collect();
    assert!(steps.windows(2).all(|w| w[0] <= w[1]), "{steps:?}");

    let report = failure.to_string();
    let section = report.find("tracing events of the failing execution:").expect("a log section");
    assert!(section < report.find("replay: gw1:").unwrap(), "{report}");
    for line in logs {
        assert!(report.contains(&format!("  {line}\n")), "{line} not in\n{report}");
    }
}

#[test]
fn a_replayed_failure_shows_the_same_events() {
    let failure = dfs().explore(logged_lost_update).unwrap_err();
    let token = failure.schedule().to_string();
    let again = Config::default().replay(&token).explore(logged_lost_update).unwrap_err();
    assert_eq!(again.logs(), failure.logs());
}

/// Counts the events that reach the user's own subscriber.
struct Counter(Arc<AtomicUsize>);

impl tracing::Subscriber for Counter {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {
        self.0.fetch_add(1, StdOrdering::Relaxed);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn passing_executions_capture_nothing_and_leave_events_to_the_users_subscriber() {
    let seen = Arc::new(AtomicUsize::new(0));
    let stats = tracing::subscriber::with_default(Counter(seen.clone()), || {
        dfs()
            .threads(1)
            .explore(|| {
                let h = goweave::go(|| tracing::info!("in a task"));
                tracing::info!("in the body");
                h.join().unwrap();
            })
            .unwrap()
    });
    // goweave installs no subscriber of its own while exploring: every
    // event of every execution reached the user's.
    assert_eq!(seen.load(StdOrdering::Relaxed) as u64, 2 * stats.executions());
}

#[test]
fn a_failure_without_events_has_no_log_section() {
    let failure = dfs()
        .explore(|| {
            // Nobody receives: the send blocks forever.
            let (tx, _rx) = goweave::chan::<u8>(0);
            tx.send(1);
        })
        .unwrap_err();
    assert_eq!(failure.kind(), FailureKind::Deadlock, "{failure}");
    assert!(failure.logs().is_empty());
    assert!(!failure.to_string().contains("tracing events"), "{failure}");
}
