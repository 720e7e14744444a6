#[goweave::concurrency_test]
fn t(iterations: u64) {
    let _ = iterations;
}

fn main() {}
