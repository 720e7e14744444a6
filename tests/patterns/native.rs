//! The fixed variant of every pattern, natively: the code the explorations
//! above check, run unchanged on real threads and the real clock, several
//! times each (a pattern that hangs here fails the whole test binary's
//! timeout, so each run is bounded by its own real-time deadlines).

/// Runs `body` `times` times on a fresh native task each time.
fn natively(times: usize, body: fn()) {
    for _ in 0..times {
        goweave::go(body).join().expect("the fixed pattern panicked natively");
    }
}

#[test]
fn every_fixed_pattern_runs_natively() {
    natively(20, super::bank_transfer::fixed);
    natively(20, super::bridge::fixed);
    natively(20, super::cond_queue::fixed);
    natively(5, super::context_timeout::fixed);
    natively(20, super::errgroup::fixed);
    natively(20, super::fan_in::fixed);
    natively(20, super::generator::fixed);
    natively(20, super::pipeline::fixed);
    natively(20, super::ring_buffer::fixed);
    natively(20, super::rwmutex_cache::fixed);
    natively(2, super::select_loop::fixed);
    natively(5, super::semaphore::fixed);
    natively(20, super::shutdown::fixed);
    natively(20, super::tee_fixed::body);
    natively(20, super::worker_pool_fixed::body);
}
