#[goweave::concurrency_test]
fn t<T: Default>() {
    let _ = T::default();
}

fn main() {}
