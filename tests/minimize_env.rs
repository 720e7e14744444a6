//! `GOWEAVE_MINIMIZE` turns schedule minimization off by default; the
//! builder wins over it, and a malformed value names the variable. One
//! test, holding the binary's environment lock
//! (`crate::lock_environment`), so no other test sees the variable.

use std::sync::Arc;

use goweave::sync::atomic::{AtomicUsize, Ordering};
use goweave::{Config, Strategy};

/// Two tasks increment a counter with a load then a store.
fn lost_update() {
    let n = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let n = n.clone();
            goweave::go(move || {
                let v = n.load(Ordering::SeqCst);
                n.store(v + 1, Ordering::SeqCst);
            })
        })
        .collect();
    for t in tasks {
        t.join().unwrap();
    }
    assert_eq!(n.load(Ordering::SeqCst), 2, "an increment was lost");
}

fn random() -> Config {
    Config::default().strategy(Strategy::Random).seed(0).threads(1)
}

#[test]
fn goweave_minimize_sets_the_default_and_the_builder_wins() {
    let _environment = crate::lock_environment();
    let on = random().explore(lost_update).expect_err("the lost update");
    assert!(on.minimization().is_some());

    std::env::set_var("GOWEAVE_MINIMIZE", "off");
    let off = random().explore(lost_update).expect_err("the lost update");
    assert_eq!(off.minimization(), None);
    assert_ne!(off.schedule(), on.schedule(), "the schedule as found has more preemptions");
    let forced = random().minimize(true).explore(lost_update).expect_err("the lost update");
    assert_eq!(forced.schedule(), on.schedule());

    std::env::set_var("GOWEAVE_MINIMIZE", "sometimes");
    let payload = std::panic::catch_unwind(Config::default).expect_err("a malformed value was accepted");
    let message = payload.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("GOWEAVE_MINIMIZE"), "{message}");
    std::env::remove_var("GOWEAVE_MINIMIZE");
}
