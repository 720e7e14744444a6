//! Environment variables set the defaults of `Config::default()`; explicit
//! settings win, `GOWEAVE_REPLAY` wins over everything, and a malformed
//! value names its variable. One test, holding the binary's environment
//! lock (`crate::lock_environment`), so no other test sees the variables.

use goweave::{Config, FailureKind, Strategy};

fn panic_message(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
    let payload = std::panic::catch_unwind(f).expect_err("expected a panic");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

fn abba() {
    use std::sync::Arc;
    let a = Arc::new(goweave::sync::Mutex::new(()));
    let b = Arc::new(goweave::sync::Mutex::new(()));
    let (a2, b2) = (a.clone(), b.clone());
    let t = goweave::go(move || {
        let _b = b2.lock();
        let _a = a2.lock();
    });
    {
        let _a = a.lock();
        let _b = b.lock();
    }
    t.join().unwrap();
}

#[test]
fn environment_sets_defaults_explicit_settings_win_and_replay_wins_over_all() {
    let _environment = crate::lock_environment();
    // Defaults: the portfolio exhausts a tiny space and stops; a larger one
    // gets the whole default budget.
    let stats = Config::default().explore(|| ()).unwrap();
    assert_eq!(stats.strategy(), Strategy::Portfolio);
    assert_eq!(stats.portfolio_exhausted(), Some(true));
    assert!(stats.exhausted());
    let stats = Config::default()
        .explore(|| {
            // 4 tasks x 4 conflicting increments: 16!/(4!)^4 traces.
            let n = std::sync::Arc::new(goweave::sync::atomic::AtomicUsize::new(0));
            let tasks: Vec<_> = (0..4)
                .map(|_| {
                    let n = n.clone();
                    goweave::go(move || {
                        for _ in 0..4 {
                            n.fetch_add(1, goweave::sync::atomic::Ordering::SeqCst);
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.join().unwrap();
            }
        })
        .unwrap();
    assert_eq!(stats.executions(), goweave_defaults::ITERATIONS, "{stats}");
    assert_eq!(stats.portfolio_exhausted(), Some(false));
    assert!(!stats.exhausted());

    // GOWEAVE_ITERATIONS and GOWEAVE_STRATEGY set defaults; builders win.
    std::env::set_var("GOWEAVE_ITERATIONS", "37");
    std::env::set_var("GOWEAVE_STRATEGY", "pct:2");
    std::env::set_var("GOWEAVE_THREADS", "1");
    let stats = Config::default().explore(|| ()).unwrap();
    assert_eq!(stats.executions(), 37);
    assert_eq!(stats.strategy(), Strategy::Pct { depth: 2 });
    assert_eq!(stats.threads(), 1);
    let stats = Config::default().iterations(5).strategy(Strategy::Random).explore(|| ()).unwrap();
    assert_eq!(stats.executions(), 5);
    assert_eq!(stats.strategy(), Strategy::Random);

    // GOWEAVE_SHARD takes one part of the executions.
    std::env::set_var("GOWEAVE_SHARD", "1/4");
    let stats = Config::default().iterations(40).explore(|| ()).unwrap();
    assert_eq!(stats.executions(), 10);
    std::env::remove_var("GOWEAVE_SHARD");

    // GOWEAVE_SEED changes which executions run, reproducibly.
    std::env::set_var("GOWEAVE_SEED", "12345");
    let a = Config::default().strategy(Strategy::Random).iterations(1000).explore(abba).unwrap_err();
    let b = Config::default().strategy(Strategy::Random).iterations(1000).explore(abba).unwrap_err();
    assert_eq!(a.schedule(), b.schedule());

    // GOWEAVE_REPLAY wins over everything, even an explicit replay.
    let token = a.schedule().to_string();
    std::env::set_var("GOWEAVE_REPLAY", &token);
    let replayed = Config::default()
        .strategy(Strategy::Dfs { preemption_bound: None })
        .replay("gw1:AAAA")
        .explore(abba)
        .unwrap_err();
    assert_eq!(replayed.kind(), FailureKind::Deadlock);
    assert_eq!(replayed.schedule().to_string(), token);
    assert_eq!(replayed.details(), a.details());
    std::env::remove_var("GOWEAVE_REPLAY");

    // Malformed values name their variable.
    for (var, value) in [
        ("GOWEAVE_SEED", "forty-two"),
        ("GOWEAVE_ITERATIONS", "0"),
        ("GOWEAVE_STRATEGY", "bfs"),
        ("GOWEAVE_THREADS", "many"),
        ("GOWEAVE_SHARD", "4/4"),
        ("GOWEAVE_EARLY_TIMERS", "100"),
    ] {
        let old = std::env::var(var).ok();
        std::env::set_var(var, value);
        let message = panic_message(|| {
            let _ = Config::default();
        });
        assert!(message.contains(var), "{var}={value}: {message}");
        match old {
            Some(v) => std::env::set_var(var, v),
            None => std::env::remove_var(var),
        }
    }
    for var in ["GOWEAVE_ITERATIONS", "GOWEAVE_STRATEGY", "GOWEAVE_THREADS", "GOWEAVE_SEED"] {
        std::env::remove_var(var);
    }
}

/// A 1-second watchdog against work that can always run: whether it ever
/// fires under `config`.
fn watchdog_fires(config: Config) -> bool {
    config
        .strategy(goweave::Strategy::Dfs { preemption_bound: None })
        .explore(|| {
            let (tx, rx) = goweave::chan::<()>(1);
            goweave::go(move || tx.send(()));
            goweave::select! {
                recv(rx) -> _ => {}
                recv(goweave::time::after(std::time::Duration::from_secs(1))) -> _ => panic!("watchdog"),
            }
        })
        .is_err()
}

#[test]
fn goweave_early_timers_sets_the_default_and_the_builder_wins() {
    let _environment = crate::lock_environment();
    assert!(!watchdog_fires(Config::default()), "a 1 s watchdog fired under the 100 ms default");
    for (value, fires) in [("2s", true), ("max", true), ("999ms", false), ("0", false)] {
        std::env::set_var("GOWEAVE_EARLY_TIMERS", value);
        assert_eq!(watchdog_fires(Config::default()), fires, "GOWEAVE_EARLY_TIMERS={value}");
    }
    std::env::set_var("GOWEAVE_EARLY_TIMERS", "max");
    assert!(!watchdog_fires(Config::default().early_timers(std::time::Duration::from_millis(10))));
    std::env::remove_var("GOWEAVE_EARLY_TIMERS");
}

mod goweave_defaults {
    pub const ITERATIONS: u64 = 10_000;
}
