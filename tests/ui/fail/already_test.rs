#[goweave::concurrency_test]
#[test]
fn t() {}

fn main() {}
