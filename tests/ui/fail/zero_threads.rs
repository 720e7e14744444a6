#[goweave::concurrency_test(threads = 0)]
fn t() {}

fn main() {}
