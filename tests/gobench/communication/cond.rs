//! Communication deadlocks on condition variables.

use super::*;

/// A plugin whose activation waiters sleep on a condition variable.
struct Plugin {
    state: Mutex<PluginState>,
    activate_wait: Cond,
}

struct PluginState {
    activated: bool,
    activate_err: Option<&'static str>,
}

/// `testActive`: waits, on a goroutine, until the plugin is active.
fn test_active(p: &Arc<Plugin>) {
    let (done_tx, done) = goweave::chan::<()>(0);
    let p = p.clone();
    goweave::go(move || {
        // waitActive
        let mut g = p.state.lock();
        while !g.activated {
            g = p.activate_wait.wait(g);
        }
        let _err = g.activate_err;
        drop(g);
        done_tx.close();
    });
    done.recv();
}

/// Moby #30408: the plugin failed to activate (its error is set, its
/// manifest is not), but `waitActive` waits for activation only, and nobody
/// will ever signal. The kernel gives no fix.
pub(super) fn moby_30408_bug() {
    let p = Arc::new(Plugin {
        state: Mutex::new(PluginState { activated: false, activate_err: Some("some junk happened") }),
        activate_wait: Cond::new(),
    });
    test_active(&p);
}

/// Moby #29733: `Handle` marks the plugins inactive and nobody signals their
/// condition variable, so `testActive` waits forever. The kernel gives no
/// fix.
pub(super) fn moby_29733_bug() {
    let p = Arc::new(Plugin {
        state: Mutex::new(PluginState { activated: false, activate_err: None }),
        activate_wait: Cond::new(),
    });
    let handlers = Mutex::new(());
    test_active(&p);
    // Handle
    let h = handlers.lock();
    p.state.lock().activated = false;
    drop(h);
    test_active(&p);
}
