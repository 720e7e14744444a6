#[goweave::concurrency_test(replay = "AbC123")]
fn t() {}

fn main() {}
