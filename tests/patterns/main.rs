//! The Go concurrency patterns of `examples/pattern_*.rs` (and the tee and
//! worker pool examples), each as two tests: the common buggy variant,
//! which goweave must catch with the right kind of failure, and the fixed
//! variant, which must pass an exhaustive search (`strategy = "dfs"`),
//! within the default 10,000 executions or, where its interleavings are
//! more, within a budget of their own (each says how many and why).
//!
//! The pattern bodies live in the examples, which are compiled here as
//! modules, so a test runs exactly the code its example shows. The README
//! section "Go patterns" lists them in a table.

// The examples' `main`s are not used here.
#[allow(dead_code)]
#[path = "../../examples/pattern_bank_transfer.rs"]
mod bank_transfer;
#[allow(dead_code)]
#[path = "../../examples/pattern_bridge.rs"]
mod bridge;
#[allow(dead_code)]
#[path = "../../examples/pattern_cond_queue.rs"]
mod cond_queue;
#[allow(dead_code)]
#[path = "../../examples/pattern_context_timeout.rs"]
mod context_timeout;
#[allow(dead_code)]
#[path = "../../examples/pattern_errgroup.rs"]
mod errgroup;
#[allow(dead_code)]
#[path = "../../examples/pattern_fan_in.rs"]
mod fan_in;
#[allow(dead_code)]
#[path = "../../examples/pattern_generator.rs"]
mod generator;
#[allow(dead_code)]
#[path = "../../examples/pattern_pipeline.rs"]
mod pipeline;
#[allow(dead_code)]
#[path = "../../examples/pattern_ring_buffer.rs"]
mod ring_buffer;
#[allow(dead_code)]
#[path = "../../examples/pattern_rwmutex_cache.rs"]
mod rwmutex_cache;
#[allow(dead_code)]
#[path = "../../examples/pattern_select_loop.rs"]
mod select_loop;
#[allow(dead_code)]
#[path = "../../examples/pattern_semaphore.rs"]
mod semaphore;
#[allow(dead_code)]
#[path = "../../examples/pattern_shutdown.rs"]
mod shutdown;
#[allow(dead_code)]
#[path = "../../examples/tee_deadlock.rs"]
mod tee_deadlock;
#[allow(dead_code)]
#[path = "../../examples/tee_fixed.rs"]
mod tee_fixed;
#[allow(dead_code)]
#[path = "../../examples/worker_pool_fixed.rs"]
mod worker_pool_fixed;
#[allow(dead_code)]
#[path = "../../examples/worker_pool_leak.rs"]
mod worker_pool_leak;

#[allow(dead_code)]
#[path = "../../examples/ship_it.rs"]
mod ship_it;

mod native;

// ----------------------------------------------------------------- ship it

/// `examples/ship_it.rs` runs `parallel_sum` on threads; explored here,
/// unchanged.
#[goweave::concurrency_test]
fn ship_it_sums_every_value_in_every_interleaving() {
    assert_eq!(ship_it::parallel_sum(vec![1, 2, 3, 4], 2), 10);
}

// ---------------------------------------------------------------- generator

#[goweave::concurrency_test(expect = "leak")]
fn generator_abandoned_by_its_consumer_leaks() {
    generator::buggy();
}

#[goweave::concurrency_test(strategy = "dfs")]
fn generator_with_a_done_channel_stops() {
    generator::fixed();
}

// ------------------------------------------------------- fan-out and fan-in

#[goweave::concurrency_test(expect = "deadlock")]
fn fan_in_that_never_closes_its_output_deadlocks() {
    fan_in::buggy();
}

// Exhaustive within the default budget: 48 executions (`dfs`).
#[goweave::concurrency_test(strategy = "dfs")]
fn fan_in_closed_after_a_waitgroup_ends() {
    fan_in::fixed();
}

// ----------------------------------------------------------------- pipeline

#[goweave::concurrency_test(expect = "leak")]
fn pipeline_stage_that_forgets_to_close_leaks_the_next() {
    pipeline::buggy();
}

#[goweave::concurrency_test(strategy = "dfs")]
fn pipeline_whose_stages_close_their_outputs_ends() {
    pipeline::fixed();
}

// -------------------------------------------------------------- worker pool

#[goweave::concurrency_test(expect = "leak")]
fn worker_pool_whose_jobs_are_never_closed_leaks() {
    worker_pool_leak::body();
}

// Exhaustive within the default budget: 2,955 executions (`dfs`; the
// workers' receives of the closed, drained jobs queue commute).
#[goweave::concurrency_test(strategy = "dfs")]
fn worker_pool_that_closes_jobs_ends() {
    worker_pool_fixed::body();
}

// --------------------------------------------- quit signal, graceful shutdown

#[goweave::concurrency_test(expect = "race")]
fn shutdown_whose_workers_add_to_the_waitgroup_races() {
    shutdown::buggy();
}

#[goweave::concurrency_test(strategy = "dfs")]
fn shutdown_that_adds_before_go_waits_for_every_worker() {
    shutdown::fixed();
}

// -------------------------------------------------------------- tee channel

#[goweave::concurrency_test(expect = "deadlock")]
fn tee_writing_its_outputs_in_order_deadlocks() {
    tee_deadlock::body();
}

// Exhaustive: 7,273 executions, within the default budget.
#[goweave::concurrency_test(strategy = "dfs")]
fn tee_with_a_for_select_ends() {
    tee_fixed::body();
}

#[test]
fn the_tee_takes_its_one_threaded_count_on_several_threads() {
    // Too small to be worth splitting (see `Config::split_after`), it runs
    // the one-threaded search's executions on any number of threads. A
    // search over threads woke the sleeping task a wakeup tree's branch
    // started with even before it split, and ran 10,236; split, stealing
    // repeats most of this tree (17,000 to 51,000 executions).
    let executions = |threads: usize| {
        let config = goweave::Config::default().strategy(goweave::Strategy::Dfs { preemption_bound: None });
        let stats = config.threads(threads).explore(tee_fixed::body).unwrap_or_else(|f| panic!("{f}"));
        assert!(stats.exhausted(), "{stats}");
        stats.executions()
    };
    assert_eq!(executions(1), 7_273);
    assert_eq!(executions(2), 7_273);
    assert_eq!(executions(4), 7_273);
}

// ----------------------------------------------------------- bridge channel

#[goweave::concurrency_test(expect = "leak")]
fn bridge_forwarding_without_done_leaks() {
    bridge::buggy();
}

#[goweave::concurrency_test(strategy = "dfs")]
fn bridge_watching_done_while_forwarding_stops() {
    bridge::fixed();
}

// ------------------------------------------------------ ring-buffer channel

#[goweave::concurrency_test(expect = "panic")]
fn ring_buffer_overwriting_without_advancing_reorders() {
    ring_buffer::buggy();
}

#[goweave::concurrency_test(strategy = "dfs")]
fn ring_buffer_dropping_the_oldest_keeps_the_order() {
    ring_buffer::fixed();
}

// ------------------------------- bounded parallelism, channel as semaphore

#[goweave::concurrency_test(expect = "panic")]
fn semaphore_acquired_after_go_exceeds_the_bound() {
    semaphore::buggy();
}

// Exhaustive within the default budget: 5,219 executions (`dfs`; a
// sleep's early firing is ordered with the timers and their channels).
#[goweave::concurrency_test(strategy = "dfs")]
fn semaphore_acquired_before_go_keeps_the_bound() {
    semaphore::fixed();
}

// ------------------------------------------------ errgroup with cancellation

#[goweave::concurrency_test(expect = "leak")]
fn errgroup_worker_ignoring_its_context_leaks() {
    errgroup::buggy();
}

// Exhaustive within the default budget: 1,869 executions (`dfs`).
#[goweave::concurrency_test(strategy = "dfs")]
fn errgroup_workers_watching_their_context_stop() {
    errgroup::fixed();
}

// ---------------------------------------------------- context with timeout

#[goweave::concurrency_test(expect = "leak")]
fn timeout_with_an_unbuffered_result_leaks_the_worker() {
    context_timeout::buggy();
}

#[goweave::concurrency_test(strategy = "dfs")]
fn timeout_with_a_buffered_result_lets_the_worker_finish() {
    context_timeout::fixed();
}

// ---------------------------------------- select with time::after in a loop

// The buggy loop never ends when timers fire on time, the schedule dfs
// explores first; the random walk also fires timers early, at any point,
// and then the timeout can win (see the example), so the strategy is
// pinned. 5,000 steps show the nontermination faster than the default
// 100,000.
#[goweave::concurrency_test(strategy = "dfs", expect = "nontermination", max_steps = 5000)]
fn select_loop_resetting_its_timeout_never_ends() {
    select_loop::buggy();
}

#[goweave::concurrency_test(strategy = "dfs")]
fn select_loop_with_one_timeout_ends() {
    select_loop::fixed();
}

// ---------------------------------------------------------- RwMutex cache

#[goweave::concurrency_test(expect = "deadlock")]
fn cache_read_locking_recursively_deadlocks_with_a_writer() {
    rwmutex_cache::buggy();
}

#[goweave::concurrency_test(strategy = "dfs")]
fn cache_reading_under_one_lock_passes() {
    rwmutex_cache::fixed();
}

// ------------------------------------------- producer-consumer with Cond

#[goweave::concurrency_test(expect = "deadlock")]
fn cond_queue_signalling_two_conditions_deadlocks() {
    cond_queue::buggy();
}

#[goweave::concurrency_test(strategy = "dfs")]
fn cond_queue_broadcasting_passes() {
    cond_queue::fixed();
}

// ------------------------------------------ bank transfer with two mutexes

#[goweave::concurrency_test(expect = "deadlock")]
fn transfers_locking_in_opposite_orders_deadlock() {
    bank_transfer::buggy();
}

#[goweave::concurrency_test(strategy = "dfs")]
fn transfers_locking_in_account_order_pass() {
    bank_transfer::fixed();
}

/// The README's end-to-end section shows `query_with_timeout` and what
/// `cargo run --example pattern_context_timeout` prints; both must be what
/// the code is and prints today. The output is compared line by line, on
/// two threads as the README says and on a thread with no test's name (so
/// the report says `<the command that ran this>`, as the example's does),
/// normalizing three things only: the time the fixed variant's search took;
/// the path of the example's source, `examples/...` there and this module's
/// `tests/patterns/../../examples/...` here; and the padding between the
/// interleaving's columns, which narrow for that longer path.
#[test]
fn the_readmes_end_to_end_section_is_what_the_example_prints() {
    let readme = include_str!("../../README.md");
    let between = |begin: &str, end: &str| {
        let from = readme.find(begin).unwrap_or_else(|| panic!("README.md lost {begin:?}")) + begin.len();
        let to = from + readme[from..].find(end).unwrap_or_else(|| panic!("README.md lost {end:?}"));
        readme[from..to].to_owned()
    };
    let source = include_str!("../../examples/pattern_context_timeout.rs");
    let shown = between("```rust\nfn query_with_timeout", "```\n");
    assert!(source.contains(&format!("fn query_with_timeout{shown}")), "README.md shows another function");

    let block = between("<!-- begin: output of pattern_context_timeout -->\n```text\n", "```\n<!-- end");
    let (printed, as_expected) =
        std::thread::spawn(|| context_timeout::explore_both(goweave::Config::default().threads(2)))
            .join()
            .expect("the example panicked");
    assert!(as_expected, "{printed}");
    let (shown, now) = (normalize(&block), normalize(&printed));
    assert_eq!(
        shown.len(),
        now.len(),
        "README.md shows {} lines, the example prints:\n{printed}",
        shown.len()
    );
    for (shown, now) in shown.iter().zip(&now) {
        assert_eq!(
            shown, now,
            "README.md's output of pattern_context_timeout differs; it prints now:\n{printed}"
        );
    }
}

/// See [`the_readmes_end_to_end_section_is_what_the_example_prints`].
fn normalize(output: &str) -> Vec<String> {
    output
        .replace("tests/patterns/../../examples/", "examples/")
        .lines()
        .map(|line| {
            // The time after "N thread(s), " varies from run to run.
            let split = line
                .split_once(" threads, ")
                .map(|s| (s, "threads"))
                .or_else(|| line.split_once(" thread, ").map(|s| (s, "thread")));
            let line = match split {
                Some(((head, tail), word)) if line.contains("(fixed, a buffered result channel)") => {
                    let after_time = tail.split_once(", ").map_or("", |(_, rest)| rest);
                    format!("{head} {word}, <time>, {after_time}")
                }
                _ => line.to_owned(),
            };
            // The indentation stays; runs of spaces after it become one.
            let text = line.trim_start();
            let indent = &line[..line.len() - text.len()];
            format!(
                "{indent}{}",
                text.split(' ').filter(|word| !word.is_empty()).collect::<Vec<_>>().join(" ")
            )
        })
        .collect()
}
