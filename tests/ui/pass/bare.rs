#[goweave::concurrency_test]
fn t() {
    let x = 1;
    assert_eq!(x, 1);
}

fn main() {}
