#[goweave::concurrency_test(seed = 1, iterations = 10, seed = 2)]
fn t() {}

fn main() {}
