#[goweave::concurrency_test(step_timeout = "10")]
fn step_timeout_unitless() {}

#[goweave::concurrency_test(max_time = "a while")]
fn max_time_vague() {}

#[goweave::concurrency_test(stack_size = "8MiB")]
fn stack_size_not_bytes() {}

#[goweave::concurrency_test(replay = "gw1:AA", max_time = "1s")]
fn max_time_with_replay() {}

fn main() {}
