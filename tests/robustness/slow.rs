//! Slow explorations say so: `max_time` stops them with a statistics line
//! that tells, and an unoptimised build of goweave advises, once, how to
//! make it faster.

use std::time::Duration;

use goweave::Config;

use crate::{in_child, stderr};

#[test]
fn max_time_stops_the_exploration_and_the_statistics_line_says_so() {
    let stats = Config::default()
        .strategy(goweave::Strategy::Random)
        .iterations(1_000_000)
        // Short enough that an optimised build, which runs this body a few
        // million times a second, does not finish first.
        .max_time(Duration::from_millis(50))
        .explore(|| {
            let h = goweave::go(|| ());
            h.join().unwrap();
        })
        .unwrap();
    assert!(stats.stopped_by_max_time(), "{stats}");
    assert!(stats.executions() < 1_000_000);
    let line = stats.to_string();
    assert!(line.starts_with("goweave: stopped after 50 ms: "), "{line}");
    assert!(line.contains(" of 1,000,000 executions (Config::max_time)"), "{line}");
}

#[test]
fn max_time_changes_nothing_when_the_budget_ends_first() {
    let stats = Config::default().iterations(10).max_time(Duration::from_secs(3600)).explore(|| ()).unwrap();
    assert!(!stats.stopped_by_max_time());
    assert!(!stats.to_string().contains("stopped after"));
}

#[test]
fn a_slow_debug_exploration_says_once_how_to_make_it_faster() {
    let output = in_child("slow::a_slow_debug_exploration_says_once_how_to_make_it_faster", || {
        // 11 s at 20 ms an execution: the advice is due at every batch of
        // executions after 10 s, and said once.
        Config::default()
            .strategy(goweave::Strategy::Random)
            .iterations(1_000_000)
            .max_time(Duration::from_secs(11))
            .explore(|| std::thread::sleep(Duration::from_millis(20)))
            .unwrap();
    });
    let err = stderr(&output);
    assert!(output.status.success(), "{err}");
    // The tests are built like goweave: optimised or not together.
    if cfg!(debug_assertions) {
        assert_eq!(err.matches("[profile.dev.package.goweave-runtime]").count(), 1, "{err}");
        assert!(err.contains("opt-level = 3"), "{err}");
    } else {
        assert!(!err.contains("[profile.dev.package.goweave-runtime]"), "{err}");
    }
}
