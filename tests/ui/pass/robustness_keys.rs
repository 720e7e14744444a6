// The keys for slow or stuck tests: each task's stack, the watchdog on a
// step's real time, and a bound on the whole exploration's time.

#[goweave::concurrency_test(stack_size = 8_388_608)]
fn big_stacks() {}

#[goweave::concurrency_test(step_timeout = "60s", max_time = "1.5s", iterations = 100)]
fn patient_but_bounded() {}

#[goweave::concurrency_test(step_timeout = "0", stack_size = 65_536usize)]
fn no_watchdog() {}

#[goweave::concurrency_test(replay = "gw1:abc", stack_size = 4_194_304, step_timeout = "2s", expect = "any")]
#[should_panic]
fn replay_keeps_its_stack_and_watchdog() {}

fn main() {}
