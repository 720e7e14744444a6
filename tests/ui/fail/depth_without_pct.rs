#[goweave::concurrency_test(strategy = "random", depth = 2)]
fn other_strategy() {}

#[goweave::concurrency_test(depth = 2)]
fn no_strategy() {}

fn main() {}
