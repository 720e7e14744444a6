#[goweave::concurrency_test(replay = "gw1:abc", iterations = 10, seed = 7, max_steps = 100)]
fn t() {}

#[goweave::concurrency_test(
    strategy = "dfs",
    preemption_bound = 1,
    threads = 2,
    replay = "gw1:abc"
)]
fn u() {}

#[goweave::concurrency_test(replay = "gw1:abc", early_timers = "1s")]
fn v() {}

fn main() {}
