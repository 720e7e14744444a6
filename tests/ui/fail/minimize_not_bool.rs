#[goweave::concurrency_test(minimize = "off")]
fn string() {}

#[goweave::concurrency_test(minimize = 0)]
fn integer() {}

#[goweave::concurrency_test(minimize)]
fn no_value() {}

#[goweave::concurrency_test(replay = "gw1:abc", minimize = false)]
fn with_replay() {}

fn main() {}
