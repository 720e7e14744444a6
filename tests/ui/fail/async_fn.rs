#[goweave::concurrency_test]
async fn t() {}

fn main() {}
