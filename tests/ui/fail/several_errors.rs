// Every problem is reported at once, the arguments' and the signature's.
#[goweave::concurrency_test(strategy = "bfs", threads = 0, colour = "blue")]
async fn t(x: u8) {
    let _ = x;
}

fn main() {}
