// Every argument, in the combinations the attribute accepts.

#[goweave::concurrency_test(strategy = "pct", depth = 3, iterations = 5000, seed = 7)]
fn pct() {}

#[goweave::concurrency_test(strategy = "random", iterations = 1_000, max_steps = 10_000u64)]
fn random() {}

#[goweave::concurrency_test(strategy = "dfs", preemption_bound = 0, threads = 1usize)]
fn dfs() {}

#[goweave::concurrency_test(strategy = "portfolio", seed = 0x2a, threads = 2)]
fn portfolio() {}

#[goweave::concurrency_test(strategy = "random", minimize = false)]
fn as_found() {}

#[goweave::concurrency_test(minimize = true, expect = "any")]
#[should_panic]
fn minimized() {}

#[goweave::concurrency_test(early_timers = "250ms", strategy = "dfs")]
fn patient() {}

#[goweave::concurrency_test(early_timers = "max", iterations = 10)]
fn any_timer_early() {}

#[goweave::concurrency_test(replay = "gw1:abc", max_steps = 100, expect = "any")]
#[should_panic]
fn replay() {}

/// Doc comments and other attributes are kept.
#[goweave::concurrency_test(expect = "potential_deadlock")]
#[should_panic]
#[allow(clippy::needless_return)]
pub fn expect_and_visibility() {}

#[goweave::concurrency_test]
fn result_body() -> Result<(), std::num::ParseIntError> {
    let n: u32 = "4".parse()?;
    if n == 4 {
        return Ok(());
    }
    Ok(())
}

#[goweave::concurrency_test(expect = "nontermination")]
fn r#match() {}

fn main() {}
