#[goweave::concurrency_test(expect = "data_race")]
fn t() {}

fn main() {}
