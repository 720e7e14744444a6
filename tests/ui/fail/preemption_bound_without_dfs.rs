#[goweave::concurrency_test(strategy = "pct", preemption_bound = 2)]
fn other_strategy() {}

#[goweave::concurrency_test(preemption_bound = 2)]
fn no_strategy() {}

fn main() {}
