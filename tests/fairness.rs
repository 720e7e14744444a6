//! Exploration is fair like Go's scheduler: a task that stays enabled gets
//! to run, so a program that terminates under every fair schedule is never
//! reported as `Nontermination`.

use goweave::{chan, go, select, Config, Strategy};

/// Two tasks hand values back and forth, never blocking for long, until
/// the body closes `stop`: under strict PCT priorities the body could be
/// starved until `max_steps` (found by the GoBench kernel cockroach_1462's
/// fixed variant).
fn ping_pong_until_stopped() {
    let (stop_tx, stop_rx) = chan::<()>(0);
    let (tx, rx) = chan::<i32>(0);
    let stop = stop_rx.clone();
    go(move || loop {
        select! {
            recv(stop) -> _ => return,
            send(tx, 0) => {},
        }
    });
    go(move || loop {
        select! {
            recv(rx) -> _ => {},
            recv(stop_rx) -> _ => return,
        }
    });
    stop_tx.close();
}

#[test]
fn pct_does_not_starve_the_body() {
    for depth in [1, 2, 3] {
        let stats = Config::default()
            .strategy(Strategy::Pct { depth })
            .iterations(1_000)
            .threads(1)
            .explore(ping_pong_until_stopped)
            .unwrap_or_else(|f| panic!("PCT depth {depth}: {f}"));
        assert_eq!(stats.executions(), 1_000);
    }
}

#[test]
fn the_default_portfolio_does_not_starve_the_body() {
    // Past the exhaustive half of the budget, into PCT and random walk.
    let stats = Config::default()
        .iterations(4_000)
        .explore(ping_pong_until_stopped)
        .unwrap_or_else(|f| panic!("{f}"));
    assert_eq!(stats.executions(), 4_000);
}
