#[goweave::concurrency_test(strategy = "bfs")]
fn t() {}

fn main() {}
