#[goweave::concurrency_test(strategy = pct)]
fn strategy_ident() {}

#[goweave::concurrency_test(iterations = "1000")]
fn iterations_string() {}

#[goweave::concurrency_test(seed = -1)]
fn seed_negative() {}

#[goweave::concurrency_test(threads = 1.5)]
fn threads_float() {}

#[goweave::concurrency_test(max_steps = 10i32)]
fn max_steps_suffix() {}

#[goweave::concurrency_test(expect)]
fn expect_without_value() {}

fn main() {}
