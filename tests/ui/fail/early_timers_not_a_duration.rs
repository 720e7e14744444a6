#[goweave::concurrency_test(early_timers = "100")]
fn unitless() {}

#[goweave::concurrency_test(early_timers = "soon")]
fn vague() {}

fn main() {}
