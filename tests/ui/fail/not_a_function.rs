#[goweave::concurrency_test]
struct S;

fn main() {}
