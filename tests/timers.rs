//! Virtual time: sleeps, timeouts, tickers and timers; the timer-based leak
//! shapes.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use goweave::{Config, FailureKind, Strategy};

fn exhaustive() -> Config {
    Config::default().strategy(Strategy::Dfs { preemption_bound: None }).iterations(100_000)
}

#[test]
fn an_hour_of_sleep_takes_no_real_time() {
    let started = std::time::Instant::now();
    let stats = exhaustive()
        .explore(|| {
            let t0 = goweave::time::now();
            goweave::time::sleep(Duration::from_secs(3600));
            assert_eq!(t0.elapsed(), Duration::from_secs(3600));
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted());
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn timers_fire_in_deadline_order() {
    // No early firings: time passes only when every task is blocked, so all
    // three sleeps start at zero and must end in deadline order.
    exhaustive()
        .timer_bound(0)
        .explore(|| {
            let (tx, rx) = goweave::chan::<(u64, Duration)>(3);
            for ms in [30u64, 10, 20] {
                let tx = tx.clone();
                goweave::go(move || {
                    goweave::time::sleep(Duration::from_millis(ms));
                    tx.send((ms, goweave::time::now().since_start()));
                });
            }
            let got: Vec<(u64, Duration)> = (0..3).map(|_| rx.recv().unwrap()).collect();
            assert_eq!(
                got,
                vec![
                    (10, Duration::from_millis(10)),
                    (20, Duration::from_millis(20)),
                    (30, Duration::from_millis(30))
                ]
            );
        })
        .unwrap_or_else(|f| panic!("{f}"));
}

/// The outcomes of a 10-second watchdog racing three steps of work, under
/// `config`: `true` when the watchdog won.
fn watchdog_outcomes(config: Config, watchdog: Duration) -> BTreeSet<bool> {
    let seen = Arc::new(StdMutex::new(BTreeSet::new()));
    let s = seen.clone();
    config
        .explore(move || {
            let (tx, rx) = goweave::chan::<()>(1);
            goweave::go(move || {
                for _ in 0..3 {
                    goweave::yield_now();
                }
                tx.send(());
            });
            let timed_out = goweave::select! {
                recv(rx) -> _ => false,
                recv(goweave::time::after(watchdog)) -> _ => true,
            };
            s.lock().unwrap().insert(timed_out);
        })
        .unwrap_or_else(|f| panic!("{f}"));
    let seen = seen.lock().unwrap().clone();
    seen
}

#[test]
fn a_watchdog_beyond_early_timers_never_beats_work_that_can_run() {
    let ten_seconds = Duration::from_secs(10);
    assert_eq!(watchdog_outcomes(exhaustive(), ten_seconds), BTreeSet::from([false]));
    assert_eq!(
        watchdog_outcomes(exhaustive().early_timers(Duration::from_secs(9)), ten_seconds),
        BTreeSet::from([false])
    );
}

#[test]
fn a_timeout_within_early_timers_can_beat_any_amount_of_work() {
    let both = BTreeSet::from([false, true]);
    assert_eq!(watchdog_outcomes(exhaustive(), Duration::from_millis(100)), both);
    assert_eq!(watchdog_outcomes(exhaustive().early_timers(Duration::MAX), Duration::from_secs(10)), both);
    assert_eq!(
        watchdog_outcomes(exhaustive().early_timers(Duration::from_secs(10)), Duration::from_secs(10)),
        both
    );
}

#[test]
fn early_timers_zero_is_synctest_no_timer_fires_while_a_task_can_run() {
    let zero = exhaustive().early_timers(Duration::ZERO);
    assert_eq!(watchdog_outcomes(zero.clone(), Duration::from_millis(1)), BTreeSet::from([false]));
    // A timer already due (zero duration) is not early: it may fire at once.
    assert_eq!(watchdog_outcomes(zero, Duration::ZERO), BTreeSet::from([false, true]));
}

#[test]
fn a_ticker_ticks_every_period_until_stopped() {
    exhaustive()
        .timer_bound(1)
        .explore(|| {
            let ticker = goweave::time::tick(Duration::from_millis(100));
            let a = ticker.rx().recv().unwrap();
            let b = ticker.rx().recv().unwrap();
            assert!(b - a >= Duration::from_millis(100));
            ticker.stop();
            // A tick sent before the stop may still be buffered; none after.
            let _ = ticker.rx().try_recv();
            goweave::time::sleep(Duration::from_secs(1));
            assert!(ticker.rx().try_recv().is_err(), "a stopped ticker ticked");
        })
        .unwrap_or_else(|f| panic!("{f}"));
}

#[test]
fn a_zero_ticker_panics_like_go() {
    let failure = exhaustive()
        .explore(|| {
            goweave::time::tick(Duration::ZERO);
        })
        .unwrap_err();
    assert_eq!(failure.kind(), FailureKind::Panic);
    assert!(failure.to_string().contains("non-positive interval for NewTicker"), "{failure}");
}

#[test]
fn a_stopped_timer_does_not_fire() {
    exhaustive()
        .explore(|| {
            let t = goweave::time::Timer::new(Duration::from_secs(1));
            if t.stop() {
                assert!(t.rx().try_recv().is_err());
                goweave::time::sleep(Duration::from_secs(5));
                assert!(t.rx().try_recv().is_err(), "a stopped timer fired");
            } else {
                assert!(t.rx().recv().is_some());
            }
        })
        .unwrap_or_else(|f| panic!("{f}"));
}

/// Leak shape: the worker's result is sent on an unbuffered channel after
/// the caller's select timed out; nobody will ever receive it.
#[test]
fn send_after_a_select_timeout_leaks() {
    let body = || {
        let (tx, rx) = goweave::chan::<u32>(0);
        goweave::Builder::new().name("worker").go(move || {
            goweave::time::sleep(Duration::from_millis(20));
            tx.send(7);
        });
        goweave::select! {
            recv(rx) -> _ => {},
            recv(goweave::time::after(Duration::from_millis(10))) -> _ => {},
        }
    };
    let failure = exhaustive().explore(body).unwrap_err();
    assert_eq!(failure.kind(), FailureKind::Leak, "{failure}");
    let report = failure.to_string();
    assert!(report.contains("task 1 \"worker\": blocked sending on chan#0"), "{report}");
    assert!(report.contains("nothing can ever unblock this send"), "{report}");
    let again = Config::default().replay(failure.schedule().to_string()).explore(body).unwrap_err();
    assert_eq!(again.details(), failure.details());
    // The fix: a buffer of one lets the late send complete.
    exhaustive()
        .explore(|| {
            let (tx, rx) = goweave::chan::<u32>(1);
            goweave::go(move || {
                goweave::time::sleep(Duration::from_millis(20));
                tx.send(7);
            });
            goweave::select! {
                recv(rx) -> _ => {},
                recv(goweave::time::after(Duration::from_millis(10))) -> _ => {},
            }
        })
        .unwrap_or_else(|f| panic!("{f}"));
}

/// Leak shape: a ticker loop that nothing stops keeps running after the
/// test body returned.
#[test]
fn a_ticker_loop_without_stop_leaks() {
    let failure = Config::default()
        .strategy(Strategy::Random)
        .iterations(10)
        .max_steps(500)
        .explore(|| {
            goweave::Builder::new().name("poller").go(|| {
                let ticker = goweave::time::tick(Duration::from_secs(1));
                while ticker.rx().recv().is_some() {}
            });
        })
        .unwrap_err();
    assert_eq!(failure.kind(), FailureKind::Leak, "{failure}");
    assert!(failure.to_string().contains("poller"), "{failure}");
}

#[test]
fn a_watchdog_comes_within_early_timers_once_time_has_passed() {
    // The worker sleeps 4.95 s first: then the 5 s watchdog is 50 ms away,
    // and the worker's last steps may take that long.
    let outcomes = |config: Config| {
        let seen = Arc::new(StdMutex::new(BTreeSet::new()));
        let s = seen.clone();
        config
            .explore(move || {
                let (tx, rx) = goweave::chan::<()>(1);
                goweave::go(move || {
                    goweave::time::sleep(Duration::from_millis(4950));
                    goweave::yield_now();
                    tx.send(());
                });
                let timed_out = goweave::select! {
                    recv(rx) -> _ => false,
                    recv(goweave::time::after(Duration::from_secs(5))) -> _ => true,
                };
                s.lock().unwrap().insert(timed_out);
            })
            .unwrap_or_else(|f| panic!("{f}"));
        let seen = seen.lock().unwrap().clone();
        seen
    };
    assert_eq!(outcomes(exhaustive()), BTreeSet::from([false, true]));
    assert_eq!(outcomes(exhaustive().early_timers(Duration::from_millis(10))), BTreeSet::from([false]));
}

#[test]
fn a_failure_that_needs_an_early_timer_says_which_fired_and_what_could_run() {
    let body = || {
        let (tx, rx) = goweave::chan::<u32>(1);
        goweave::Builder::new().name("worker").go(move || tx.send(1));
        goweave::select! {
            recv(rx) -> _ => {}
            recv(goweave::time::after(Duration::from_millis(80))) -> _ => panic!("request timed out"),
        }
    };
    let failure = Config::default().explore(body).unwrap_err();
    assert_eq!(failure.kind(), FailureKind::Panic);
    let report = failure.to_string();
    assert!(report.contains("early timers up to 100 ms)"), "{report}");
    assert!(report.contains("A timer fired early, while tasks could still run"), "{report}");
    let made_at = format!("the 80ms timer made at {}:", file!());
    assert!(report.contains(&made_at), "{report}");
    assert!(report.contains("fired while task 1 \"worker\" could still run"), "{report}");
    // The replay reads the same, early firing included.
    let token = failure.schedule().to_string();
    let replayed = Config::default().replay(token.as_str()).explore(body).unwrap_err();
    assert_eq!(replayed.kind(), FailureKind::Panic);
    assert_eq!(replayed.details(), failure.details());
    // A token replays under the setting it was recorded with, whatever
    // the replaying configuration says.
    let strict = Config::default().early_timers(Duration::ZERO).replay(token.as_str()).explore(body);
    assert_eq!(strict.unwrap_err().details(), failure.details());
    // The exploration without early firings passes, and says the rule.
    let stats = Config::default().early_timers(Duration::from_millis(50)).explore(body).unwrap();
    assert_eq!(stats.early_timers(), Some(Duration::from_millis(50)));
    assert!(stats.to_string().contains("early timers up to 50 ms, no failure"), "{stats}");
}

#[test]
fn a_token_found_under_another_early_timers_setting_replays_under_the_default() {
    let body = || {
        let (tx, rx) = goweave::chan::<u32>(1);
        goweave::go(move || tx.send(1));
        goweave::select! {
            recv(rx) -> _ => {}
            recv(goweave::time::after(Duration::from_secs(30))) -> _ => panic!("watchdog"),
        }
    };
    assert!(Config::default().explore(body).is_ok(), "a 30 s watchdog fired under the default");
    let failure = Config::default().early_timers(Duration::MAX).explore(body).unwrap_err();
    assert!(failure.to_string().contains("early timers: any)"), "{failure}");
    let token = failure.schedule().to_string();
    let replayed = Config::default().replay(token.as_str()).explore(body).unwrap_err();
    assert_eq!(replayed.kind(), FailureKind::Panic);
    assert_eq!(replayed.details(), failure.details());
    assert!(replayed.to_string().contains("when replaying a schedule (early timers: any)"), "{replayed}");
}

#[test]
fn a_failure_without_timers_does_not_mention_them() {
    let failure = Config::default()
        .explore(|| {
            let (tx, _rx) = goweave::chan::<u32>(0);
            goweave::go(move || tx.send(1));
        })
        .unwrap_err();
    assert_eq!(failure.kind(), FailureKind::Leak);
    assert!(!failure.to_string().contains("early"), "{failure}");
    assert_eq!(Config::default().explore(|| ()).unwrap().early_timers(), None);
}
