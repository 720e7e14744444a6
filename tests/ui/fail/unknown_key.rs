#[goweave::concurrency_test(strateg = "pct")]
fn misspelled() {}

#[goweave::concurrency_test(iterations = 10, timeout = 5)]
fn unsupported() {}

fn main() {}
