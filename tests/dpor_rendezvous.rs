//! Exhaustive search over unbuffered channels. A rendezvous pairs a sender
//! with a receiver whichever of them arrives first, so a sender's and a
//! receiver's arrivals at one channel commute (and so do a blocking
//! select's that finds no arm ready): the search must not try both orders,
//! yet it must still see every outcome naive enumeration sees, with
//! try-operations, selects and close in the mix. A select waiting on two
//! channels couples them: operations on either race for it.

use std::collections::BTreeSet;
use std::sync::Arc;

use goweave::chan::{Receiver, Sender};
use goweave::sync::atomic::{AtomicUsize, Ordering};
use goweave::{Config, Strategy as Search};
use proptest::prelude::*;

/// A sender's operation.
#[derive(Clone, Copy, Debug)]
enum Put {
    Send(usize),
    TrySend(usize),
    /// A select with a send arm on each channel, blocking or not.
    SelectSend {
        default: bool,
    },
    Add,
}

/// How a receiver takes values until the channels are closed.
#[derive(Clone, Copy, Debug)]
enum Take {
    /// `for v in rx` on one channel.
    Range(usize),
    /// A blocking select over both channels.
    Select,
    /// A `try_recv` on one channel, then `Range` over it.
    TryThenRange(usize),
}

fn put() -> impl Strategy<Value = Put> {
    prop_oneof![
        4 => (0..2usize).prop_map(Put::Send),
        1 => (0..2usize).prop_map(Put::TrySend),
        1 => any::<bool>().prop_map(|default| Put::SelectSend { default }),
        1 => Just(Put::Add),
    ]
}

fn take() -> impl Strategy<Value = Take> {
    prop_oneof![
        (0..2usize).prop_map(Take::Range),
        Just(Take::Select),
        (0..2usize).prop_map(Take::TryThenRange),
    ]
}

/// 1-2 senders with at most 2 operations in all, and receivers, 3 tasks
/// at most besides the body (naive enumeration of rendezvous grows fast: a
/// fourth task can take it to a million executions). The body joins the
/// senders, closes both channels and joins the receivers.
fn program() -> impl Strategy<Value = (Vec<Vec<Put>>, Vec<Take>)> {
    (
        proptest::collection::vec(proptest::collection::vec(put(), 1..=2), 1..=2),
        proptest::collection::vec(take(), 1..=2),
    )
        .prop_filter("at most 2 operations and 3 tasks", |(senders, takers)| {
            senders.iter().map(Vec::len).sum::<usize>() <= 2
                && senders.len() + with_partners(senders, takers).len() <= 3
        })
}

/// `takers`, and one more receiver for a channel a blocking send uses and
/// no receiver takes from, so that nothing blocks forever.
fn with_partners(senders: &[Vec<Put>], takers: &[Take]) -> Vec<Take> {
    let mut takers = takers.to_vec();
    let drained = |takers: &[Take], c: usize| takers.iter().any(|&t| drains(t, c));
    let puts = || senders.iter().flatten().copied();
    for c in 0..2 {
        if puts().any(|p| matches!(p, Put::Send(d) if d == c)) && !drained(&takers, c) {
            takers.push(Take::Range(c));
        }
    }
    let select_blocks = puts().any(|p| matches!(p, Put::SelectSend { default: false }));
    if select_blocks && !drained(&takers, 0) && !drained(&takers, 1) {
        takers.push(Take::Range(0));
    }
    takers
}

/// Whether a receiver of this kind takes from channel `c` until it closes.
fn drains(take: Take, c: usize) -> bool {
    match take {
        Take::Range(d) | Take::TryThenRange(d) => d == c,
        Take::Select => true,
    }
}

fn receive(take: Take, rx: &[Receiver<usize>]) -> Vec<usize> {
    let mut log = Vec::new();
    match take {
        Take::Range(c) => log.extend(rx[c].clone()),
        Take::TryThenRange(c) => {
            log.push(rx[c].try_recv().unwrap_or(99));
            log.extend(rx[c].clone());
        }
        Take::Select => {
            // A closed channel's arm is replaced by one never ready, as Go
            // programs set a closed channel to nil.
            let never = goweave::chan::never::<usize>();
            let mut open = [true, true];
            while open[0] || open[1] {
                let r0 = if open[0] { &rx[0] } else { &never };
                let r1 = if open[1] { &rx[1] } else { &never };
                goweave::select! {
                    recv(r0) -> v => match v {
                        Some(v) => log.push(v),
                        None => open[0] = false,
                    },
                    recv(r1) -> v => match v {
                        Some(v) => log.push(v + 10),
                        None => open[1] = false,
                    },
                }
            }
        }
    }
    log
}

fn send(put: Put, me: usize, tx: &[Sender<usize>], count: &AtomicUsize) -> Option<usize> {
    match put {
        Put::Send(c) => tx[c].send(me),
        Put::TrySend(c) => return Some(usize::from(tx[c].try_send(me).is_ok())),
        Put::SelectSend { default } => {
            let arm = if default {
                goweave::select! {
                    send(tx[0], me) => 0,
                    send(tx[1], me + 10) => 1,
                    default => 2,
                }
            } else {
                goweave::select! {
                    send(tx[0], me) => 0,
                    send(tx[1], me + 10) => 1,
                }
            };
            return Some(arm);
        }
        Put::Add => return Some(count.fetch_add(1, Ordering::SeqCst)),
    }
    None
}

fn run(senders: &[Vec<Put>], takers: &[Take]) -> String {
    let (tx, rx): (Vec<_>, Vec<_>) = (0..2).map(|_| goweave::chan::<usize>(0)).unzip();
    let count = Arc::new(AtomicUsize::new(0));
    let takers = with_partners(senders, takers);
    let receivers: Vec<_> = takers
        .iter()
        .map(|&t| {
            let rx = rx.clone();
            goweave::go(move || receive(t, &rx))
        })
        .collect();
    let workers: Vec<_> = senders
        .iter()
        .enumerate()
        .map(|(i, puts)| {
            let (puts, tx, count) = (puts.clone(), tx.clone(), count.clone());
            goweave::go(move || puts.iter().filter_map(|&p| send(p, i + 1, &tx, &count)).collect::<Vec<_>>())
        })
        .collect();
    let sent: Vec<_> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    for t in &tx {
        t.close();
    }
    let received: Vec<_> = receivers.into_iter().map(|r| r.join().unwrap()).collect();
    format!("{sent:?} {received:?}")
}

/// Every outcome of an exhaustive exploration, and how many executions it took.
fn outcomes(strategy: Search, senders: &[Vec<Put>], takers: &[Take]) -> (BTreeSet<String>, u64) {
    outcomes_on(strategy, 1, senders, takers)
}

/// The same over `threads`, split from the first execution.
fn outcomes_on(
    strategy: Search,
    threads: usize,
    senders: &[Vec<Put>],
    takers: &[Take],
) -> (BTreeSet<String>, u64) {
    let (senders, takers) = (senders.to_vec(), takers.to_vec());
    let config = Config::default().strategy(strategy).iterations(1_000_000).threads(threads).split_after(0);
    support::exhaustive_outcomes(config, move || run(&senders, &takers))
}

fn dpor(senders: &[Vec<Put>], takers: &[Take]) -> (BTreeSet<String>, u64) {
    outcomes(Search::Dfs { preemption_bound: None }, senders, takers)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn dpor_finds_every_outcome_of_naive_enumeration_over_rendezvous((senders, takers) in program()) {
        let (naive, naive_runs) = outcomes(Search::NaiveDfs, &senders, &takers);
        let (found, runs) = dpor(&senders, &takers);
        prop_assert_eq!(&found, &naive);
        prop_assert!(runs <= naive_runs, "dpor {} > naive {}", runs, naive_runs);
        let (split, _) = outcomes_on(Search::Dfs { preemption_bound: None }, 2, &senders, &takers);
        prop_assert_eq!(&split, &naive);
    }
}

/// Two tasks passing a value back and forth `n` times over two unbuffered
/// channels: one interleaving, whatever `n`.
fn ping_pong(n: usize) -> u64 {
    let stats = Config::default()
        .strategy(Search::Dfs { preemption_bound: None })
        .iterations(1_000_000)
        .threads(1)
        .explore(move || {
            let (ping, ping_rx) = goweave::chan::<usize>(0);
            let (pong, pong_rx) = goweave::chan::<usize>(0);
            let echo = goweave::go(move || {
                for _ in 0..n {
                    let v = ping_rx.recv().expect("ping is open");
                    pong.send(v + 1);
                }
            });
            for i in 0..n {
                ping.send(i);
                assert_eq!(pong_rx.recv(), Some(i + 1));
            }
            echo.join().unwrap();
        })
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(stats.exhausted());
    stats.executions()
}

#[test]
fn a_ping_pong_is_one_interleaving() {
    let counts: Vec<u64> = (1..=4).map(ping_pong).collect();
    assert_eq!(counts, [1, 1, 1, 1]);
}

#[test]
fn senders_racing_to_one_receiver_are_explored_in_each_order() {
    // Each order of the senders gives the receiver another sequence.
    let (found, runs) = dpor(&[vec![Put::Send(0)], vec![Put::Send(0)]], &[Take::Range(0)]);
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(runs, 2);
}

#[test]
fn a_select_waiting_on_two_channels_is_raced_for_on_both() {
    // The select waits on both channels; a receiver's try on channel 1
    // misses it only if it comes first, and then a try on channel 0 can
    // take it. The two tries touch different channels but race for the
    // select, so the search must order them.
    let senders = [vec![Put::SelectSend { default: false }, Put::Send(0)]];
    let takers = [Take::TryThenRange(1), Take::TryThenRange(0)];
    let (naive, _) = outcomes(Search::NaiveDfs, &senders, &takers);
    let (found, runs) = dpor(&senders, &takers);
    assert!(found.contains("[[0]] [[99], [1, 1]]"), "{found:?}");
    assert_eq!(found, naive);
    assert_eq!(runs, 16);
}

/// The shape of [`cancellable_loops`].
#[derive(Clone, Copy, Debug)]
struct Loops {
    /// How many values the writer offers each input.
    values: usize,
    readers: usize,
    /// Whether the readers share one input (else each has its own).
    shared: bool,
    /// Whether a task of its own closes `done` (else the body does).
    closer_task: bool,
}

/// Go's cancellable loops: readers each wait in a select on `done` and an
/// input, and a writer offers values to each input in a select that also
/// waits on `done`, which is closed meanwhile. The selects wait in one
/// queue at `done`. The outcomes: what each reader got, and which offers
/// were taken.
fn cancellable_loops(strategy: Search, threads: usize, shape: Loops) -> (BTreeSet<String>, u64) {
    let config = Config::default().strategy(strategy).iterations(1_000_000).threads(threads).split_after(0);
    support::exhaustive_outcomes(config, move || {
        let Loops { values, readers, shared, closer_task } = shape;
        let (done_tx, done) = goweave::chan::<()>(0);
        let inputs = if shared { 1 } else { readers };
        let (inputs_tx, inputs): (Vec<_>, Vec<_>) = (0..inputs).map(|_| goweave::chan::<usize>(0)).unzip();
        let readers: Vec<_> = (0..readers)
            .map(|r| {
                let (done, input) = (done.clone(), inputs[r % inputs.len()].clone());
                goweave::go(move || {
                    let mut got = Vec::new();
                    loop {
                        goweave::select! {
                            recv(done) -> _ => return got,
                            recv(input) -> v => got.push(v.expect("inputs stay open")),
                        }
                    }
                })
            })
            .collect();
        let writer = goweave::go(move || {
            let mut taken = Vec::new();
            for v in 0..values {
                for input in &inputs_tx {
                    goweave::select! {
                        send(input, v) => taken.push(true),
                        recv(done) -> _ => taken.push(false),
                    }
                }
            }
            taken
        });
        if closer_task {
            goweave::go(move || done_tx.close());
        } else {
            done_tx.close();
        }
        let got: Vec<_> = readers.into_iter().map(|r| r.join().unwrap()).collect();
        format!("{got:?} {:?}", writer.join().unwrap())
    })
}

#[test]
fn a_close_ends_the_selects_waiting_on_the_channel() {
    // Go's close completes every select waiting on the channel, on its arm
    // there (`dequeue` then skips such a select on its other channels): a
    // reader waiting when `done` closes returns, though the writer's next
    // offer on its input may come before it runs. Before, the reader chose
    // an arm again when it ran and could take that offer, after the writer
    // had seen `done` closed: "[[1]] [false, true]", which no Go program
    // prints (mutant `close-leaves-selects-waiting`).
    let shape = Loops { values: 2, readers: 1, shared: false, closer_task: false };
    let (outcomes, _) = cancellable_loops(Search::NaiveDfs, 1, shape);
    let expected = ["[[0, 1]] [true, true]", "[[0]] [true, false]", "[[]] [false, false]"];
    assert_eq!(outcomes, expected.map(String::from).into(), "{shape:?}");
}

#[test]
fn selects_waiting_in_one_queue_miss_no_outcome() {
    // A select that finds no arm ready joins each queue behind the selects
    // waiting there in the same direction, as a plain arrival would, and
    // completes none of them; the step that completes one of those
    // elsewhere writes the channel, which the arrival reads. Before, such
    // a select wrote each of its channels whole, racing with every arrival
    // there (the tee's fixed variant took 62,102 executions, not 23,860).
    let mut shapes = Vec::new();
    for (values, readers) in [(1, 1), (1, 2), (2, 1), (2, 2)] {
        for (shared, closer_task) in [(false, false), (false, true), (true, false), (true, true)] {
            if values * readers < 4 || shared {
                shapes.push(Loops { values, readers, shared, closer_task });
            }
        }
    }
    for shape in shapes {
        let (naive, naive_runs) = cancellable_loops(Search::NaiveDfs, 1, shape);
        let (found, runs) = cancellable_loops(Search::Dfs { preemption_bound: None }, 1, shape);
        assert_eq!(found, naive, "{shape:?}");
        assert!(runs < naive_runs, "{shape:?}: dpor {runs}, naive {naive_runs}");
        let (split, _) = cancellable_loops(Search::Dfs { preemption_bound: None }, 2, shape);
        assert_eq!(split, naive, "{shape:?}, split over 2 threads");
    }
}

/// `senders` tasks each send `each` values to the body over one unbuffered
/// channel: the distinct orders the body receives them in, and the
/// executions the search took.
fn fan_in(senders: usize, each: usize) -> (usize, u64) {
    let config =
        Config::default().strategy(Search::Dfs { preemption_bound: None }).iterations(1_000_000).threads(1);
    let (orders, executions) = support::exhaustive_outcomes(config, move || {
        let (tx, rx) = goweave::chan::<usize>(0);
        let workers: Vec<_> = (0..senders)
            .map(|i| {
                let tx = tx.clone();
                goweave::go(move || (0..each).for_each(|_| tx.send(i)))
            })
            .collect();
        let order: Vec<usize> = (0..senders * each).map(|_| rx.recv().expect("open")).collect();
        workers.into_iter().for_each(|w| w.join().unwrap());
        order
    });
    (orders.len(), executions)
}

#[test]
fn fan_in_over_an_unbuffered_channel_explores_each_arrival_order() {
    // Every interleaving of the senders' values, (s*e)! / (e!)^s of them,
    // one execution each (issue 20's target: 90 for 3 x 2). Before
    // rendezvous arrivals commuted this took 10, 158, 84, 2,748 and
    // 19,278 executions; before races were found where steps run rather
    // than at every state for every waiting task, 2, 12, 6, 44 and 207;
    // before wakeup trees, 2, 14, 6, 44 and 228; while arrivals that pair
    // in opposite directions were ordered (both wrote part CLOSED), 2, 8,
    // 6, 28 and 138.
    let runs: Vec<(usize, u64)> =
        [(2, 1), (2, 2), (3, 1), (2, 3), (3, 2)].map(|(s, e)| fan_in(s, e)).to_vec();
    assert_eq!(runs, [(2, 2), (6, 6), (6, 6), (20, 20), (90, 90)]);
}

#[test]
fn a_blocked_operation_races_with_a_step_before_the_one_that_wakes_it() {
    // The body's select takes the value it sent, and the other task's
    // select, blocked on the empty buffer, is woken by the body's second
    // send, which orders it after the body's select. Their race shows
    // only while the other select is blocked: when the other select
    // takes the first value instead, the body's select waits forever.
    let tasks = [vec![Op::Send(0), Op::SelectRecv, Op::Send(0)], vec![Op::SelectRecv]];
    let naive = mixed_outcomes(Search::NaiveDfs, 1, &tasks);
    assert_eq!(naive, Err("Deadlock".to_string()));
    assert_eq!(mixed_outcomes(Search::Dfs { preemption_bound: None }, 1, &tasks), naive);
}

#[test]
fn a_select_with_one_arm_ready_does_not_commute_with_its_partners_arrival() {
    // The select finds the body's send waiting and takes it, or arrives
    // first and waits on both channels, where the try_send on channel 1
    // can take it, and the body's send then blocks forever. A plain
    // receive's arrival commutes with its partner's (either order pairs
    // the two), but a select's does not: waiting, it is visible on its
    // other channels. Giving it a plain pairing's footprint on its ready
    // arm lost this deadlock until its race with the partner's arrival
    // was held for an operation on its other channel, the try_send, to
    // release (mutant `select-partner-held-forever`).
    let tasks = [vec![Op::Send(0)], vec![Op::SelectRecv], vec![Op::TrySend(1)]];
    let naive = mixed_outcomes(Search::NaiveDfs, 0, &tasks);
    assert_eq!(naive, Err("Deadlock".to_string()));
    assert_eq!(mixed_outcomes(Search::Dfs { preemption_bound: None }, 0, &tasks), naive);
}

/// An operation of a task that both sends and receives.
#[derive(Clone, Copy, Debug)]
enum Op {
    Send(usize),
    Recv(usize),
    TrySend(usize),
    TryRecv(usize),
    /// A blocking select: receive from either channel, or send on either.
    SelectRecv,
    SelectSend,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..2usize).prop_map(Op::Send),
        (0..2usize).prop_map(Op::Recv),
        (0..2usize).prop_map(Op::TrySend),
        (0..2usize).prop_map(Op::TryRecv),
        Just(Op::SelectRecv),
        Just(Op::SelectSend),
    ]
}

/// What an exploration found: every outcome, or that some execution
/// deadlocks (the search stops at the first failure).
fn mixed_outcomes(strategy: Search, cap: usize, tasks: &[Vec<Op>]) -> Result<BTreeSet<String>, String> {
    let tasks = tasks.to_vec();
    let config = Config::default().strategy(strategy).iterations(1_000_000).threads(1);
    let explored = support::outcome_set(config, move || {
        let (tx, rx): (Vec<_>, Vec<_>) = (0..2).map(|_| goweave::chan::<usize>(cap)).unzip();
        let work = move |me: usize, ops: Vec<Op>, tx: Vec<Sender<usize>>, rx: Vec<Receiver<usize>>| {
            let mut log = Vec::new();
            for op in ops {
                log.push(match op {
                    Op::Send(c) => {
                        tx[c].send(me);
                        0
                    }
                    Op::Recv(c) => rx[c].recv().expect("never closed"),
                    Op::TrySend(c) => usize::from(tx[c].try_send(me).is_ok()),
                    Op::TryRecv(c) => rx[c].try_recv().unwrap_or(99),
                    Op::SelectRecv => goweave::select! {
                        recv(rx[0]) -> v => v.expect("never closed"),
                        recv(rx[1]) -> v => v.expect("never closed") + 10,
                    },
                    Op::SelectSend => goweave::select! {
                        send(tx[0], me) => 0,
                        send(tx[1], me) => 1,
                    },
                });
            }
            log
        };
        let others: Vec<_> = tasks[1..]
            .iter()
            .enumerate()
            .map(|(i, ops)| {
                let (ops, tx, rx) = (ops.clone(), tx.clone(), rx.clone());
                goweave::go(move || work(i + 1, ops, tx, rx))
            })
            .collect();
        let mut logs = vec![work(0, tasks[0].clone(), tx, rx)];
        logs.extend(others.into_iter().map(|t| t.join().unwrap()));
        format!("{logs:?}")
    });
    match explored {
        Ok((seen, stats)) => {
            assert!(stats.exhausted(), "{strategy}: not exhausted in {} executions", stats.executions());
            Ok(seen)
        }
        Err(failure) => Err(format!("{:?}", failure.kind())),
    }
}

/// Whether the blocking sends and receives could all find partners: as
/// many of each, and on each channel no more plain ones of one direction
/// than the other direction's operations that can take them. Most other
/// programs deadlock in their first execution.
fn balanced(tasks: &[Vec<Op>]) -> bool {
    let count = |f: &dyn Fn(Op) -> bool| tasks.iter().flatten().filter(|&&o| f(o)).count();
    let sends = count(&|o| matches!(o, Op::Send(_) | Op::SelectSend));
    let recvs = count(&|o| matches!(o, Op::Recv(_) | Op::SelectRecv));
    sends == recvs
        && (0..2).all(|c| {
            let plain_sends = count(&|o| matches!(o, Op::Send(d) if d == c));
            let plain_recvs = count(&|o| matches!(o, Op::Recv(d) if d == c));
            plain_sends <= plain_recvs + count(&|o| matches!(o, Op::SelectRecv))
                && plain_recvs <= plain_sends + count(&|o| matches!(o, Op::SelectSend))
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Tasks that both send and receive, blocking or not, on unbuffered or
    /// small buffered channels: the search finds a deadlock exactly when
    /// naive enumeration does, and otherwise every outcome.
    #[test]
    fn dpor_agrees_with_naive_enumeration_on_tasks_that_send_and_receive(
        cap in 0..=2usize,
        tasks in proptest::collection::vec(proptest::collection::vec(op(), 1..=3), 2..=3)
            .prop_filter("at most 5 operations", |t| t.iter().map(Vec::len).sum::<usize>() <= 5)
            .prop_filter("a partner for every blocking operation", |t| balanced(t))
    ) {
        let naive = mixed_outcomes(Search::NaiveDfs, cap, &tasks);
        let found = mixed_outcomes(Search::Dfs { preemption_bound: None }, cap, &tasks);
        prop_assert_eq!(found, naive);
    }
}

#[test]
fn races_with_the_steps_of_tasks_left_waiting_are_reversed() {
    // In the only schedule with this outcome, the receiver's select takes
    // from channel 1 before the body's try_recv empties it. Searches that
    // end with the select left waiting (every other task asleep, or done)
    // are where that race shows, and it used to be dropped there.
    let tasks = [
        vec![Op::TrySend(1), Op::TryRecv(1)],
        vec![Op::SelectRecv, Op::TryRecv(0)],
        vec![Op::SelectSend, Op::TrySend(0)],
    ];
    let naive = mixed_outcomes(Search::NaiveDfs, 1, &tasks).expect("no deadlock");
    let found = mixed_outcomes(Search::Dfs { preemption_bound: None }, 1, &tasks).expect("no deadlock");
    assert!(found.contains("[[0, 99], [12, 99], [1, 1]]"), "{found:?}");
    assert_eq!(found, naive);
}

/// A program of [`close_racing_with_rendezvous_is_explored_in_every_small_program`]:
/// how many values each sender sends, and how many times each receiver
/// receives, while another task closes the channel.
type CloseProgram = (Vec<usize>, Vec<usize>);

/// Runs it: how each sender ended (`ok`, or Go's "send on closed channel")
/// and what each receiver got (`None` once closed). Nothing blocks for
/// ever: the close releases every waiting sender and receiver.
fn run_close(senders: &[usize], receivers: &[usize]) -> String {
    let (tx, rx) = goweave::chan::<usize>(0);
    let workers: Vec<_> = senders
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let tx = tx.clone();
            goweave::go(move || (0..n).for_each(|_| tx.send(i + 1)))
        })
        .collect();
    let takers: Vec<_> = receivers
        .iter()
        .map(|&n| {
            let rx = rx.clone();
            goweave::go(move || (0..n).map(|_| rx.recv()).collect::<Vec<_>>())
        })
        .collect();
    goweave::go(move || tx.close()).join().unwrap();
    let ended: Vec<String> = workers
        .into_iter()
        .map(|w| match w.join() {
            Ok(()) => "ok".to_string(),
            Err(p) => p.message().to_string(),
        })
        .collect();
    let got: Vec<_> = takers.into_iter().map(|t| t.join().unwrap()).collect();
    format!("{ended:?} {got:?}")
}

fn close_outcomes(strategy: Search, program: &CloseProgram) -> (BTreeSet<String>, u64) {
    let (senders, receivers) = program.clone();
    let config = Config::default().strategy(strategy).iterations(1_000_000).threads(1).race_checks(false);
    support::exhaustive_outcomes(config, move || run_close(&senders, &receivers))
}

#[test]
fn close_racing_with_rendezvous_is_explored_in_every_small_program() {
    // A close races with an arrival that pairs (before it, the pair
    // completes; after it, a send panics and a receive gets None) but not
    // with one that joins a queue, except where a wakeup sequence carries
    // that one to a state where it pairs. Every program of one or two
    // senders of one or two values and one or two receivers of one to
    // three values, with a task that closes the channel meanwhile:
    // exhaustive search finds what naive enumeration finds (the
    // `chan-pairing-ignores-close` and `chan-wakeup-ignores-close` mutants
    // do not: the second, the search before this test, lost the second
    // receiver taking the value the first one took).
    let mut programs: Vec<CloseProgram> = Vec::new();
    for senders in [vec![1], vec![2], vec![1, 1], vec![2, 1]] {
        for receivers in [vec![1], vec![2], vec![3], vec![1, 1], vec![2, 1]] {
            if senders.len() + receivers.len() <= 3 {
                programs.push((senders.clone(), receivers));
            }
        }
    }
    for program in &programs {
        let (naive, naive_runs) = close_outcomes(Search::NaiveDfs, program);
        let (found, runs) = close_outcomes(Search::Dfs { preemption_bound: None }, program);
        assert_eq!(found, naive, "{program:?}");
        assert!(runs <= naive_runs, "{program:?}: dpor {runs} > naive {naive_runs}");
    }
}
