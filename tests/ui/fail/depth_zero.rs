#[goweave::concurrency_test(strategy = "pct", depth = 0)]
fn t() {}

fn main() {}
