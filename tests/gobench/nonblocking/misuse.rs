//! An order violation, channel misuse, anonymous functions, WaitGroup misuse, the testing library.

use super::*;

fn moby_18412_run(wait_after_kill: bool) {
    // The command's output buffer, written by the process's output copier, and the named
    // result `exitCode`.
    let output_buffer = Arc::new(Shared::new(String::new()));
    let exit_code = Arc::new(Shared::new(0));
    let (exited_tx, exited_rx) = chan::<()>(0);
    let out = output_buffer.clone();
    go(move || {
        // cmd.Start: the process writes its output, then exits.
        out.with_mut(|b| b.push_str("file\n"));
        exited_tx.close();
    });
    let (done_tx, done_rx) = chan::<i32>(0);
    let code = exit_code.clone();
    go(move || {
        exited_rx.recv(); // cmd.Wait
        code.set(1);
        done_tx.send(0);
    });
    let mut timed_out = false;
    select! {
        recv(time::after(Duration::from_millis(1))) -> _ => {
            // Kill: the process has nothing left to do but exit.
            timed_out = true;
            if wait_after_kill {
                done_rx.recv();
            }
        },
        recv(done_rx) -> _ => {},
    }
    let output = output_buffer.with(Clone::clone);
    if exit_code.get() != 0 || !timed_out {
        let _ = output;
    }
    time::sleep(Duration::from_millis(100));
}

/// Moby #18412: `RunCommandWithOutputForDuration` reads the output buffer (and the exit
/// code) once the timeout fires, while the process may still be writing them: the read
/// should come after the wait for the process.
pub(super) fn moby_18412_bug() {
    moby_18412_run(false)
}

/// Moby #18412, fixed: after killing the process on timeout, wait for it to exit before
/// reading what it wrote.
pub(super) fn moby_18412_fixed_body() {
    moby_18412_run(true)
}

// ---------------------------------------------------------------------------------------

/// Knative Serving #5865: `getOrCreateRevisionWatcher` starts a watcher whose `run` closes
/// its destinations channel on return, and `endpointsUpdated` then sends on that channel:
/// the send panics once it is closed.
pub(super) fn serving_5865_bug() {
    let lock = RwMutex::new(());
    // endpointsUpdated
    let dests = {
        let _g = lock.write();
        let (dests_tx, _dests_rx) = chan::<()>(0);
        let run = dests_tx.clone();
        go(move || run.close());
        dests_tx
    };
    dests.send(());
}

// ---------------------------------------------------------------------------------------

/// istio_8967's source: `donec` is a field that `Stop` closes and, in the bug, sets to nil.
type Donec = Shared<Option<(Sender<()>, Receiver<()>)>>;

fn istio_8967_run(reset_field: bool) {
    let wg = WaitGroup::new();
    wg.add(1);
    let w = wg.clone();
    go(move || {
        let donec: Arc<Donec> = Arc::new(Shared::new(Some(chan(0))));
        let d = donec.clone();
        go(move || {
            // Start: the Go loop's only case returns, so it reads the field once; a nil
            // channel is never ready.
            let rx = d.with(|c| c.as_ref().map(|c| c.1.clone())).unwrap_or_else(goweave::chan::never);
            select! {
                recv(rx) -> _ => {},
            }
        });
        // Stop
        donec.with(|c| c.as_ref().map(|c| c.0.close()));
        if reset_field {
            donec.set(None);
        }
        time::sleep(Duration::from_millis(5));
        w.done();
    });
    wg.wait();
}

/// Istio #8967: `Stop` closes `donec` and then sets the field to nil while the source's
/// task reads the field in its select loop.
pub(super) fn istio_8967_bug() {
    istio_8967_run(true)
}

/// Istio #8967, fixed: `Stop` only closes the channel.
pub(super) fn istio_8967_fixed_body() {
    istio_8967_run(false)
}

// ---------------------------------------------------------------------------------------

/// A channel field that is nil until set.
type ChanField = Shared<Option<(Sender<()>, Receiver<()>)>>;

/// etcd_3077's raft node: its `stopped` and `done` channels.
struct RaftNode {
    stopped: ChanField,
    done: ChanField,
}

fn etcd_3077_run(make_before_go: bool) {
    let (stop_tx, stop_rx) = chan::<()>(0);
    let (done_tx, done_rx) = chan::<()>(0);
    // start
    go(move || {
        // EtcdServer.run
        let r = Arc::new(RaftNode { stopped: Shared::new(None), done: Shared::new(None) });
        if make_before_go {
            r.stopped.set(Some(chan(0)));
            r.done.set(Some(chan(0)));
        }
        let node = r.clone();
        go(move || {
            // raftNode.run
            if !make_before_go {
                node.stopped.set(Some(chan(0)));
                node.done.set(Some(chan(0)));
            }
            let stopped = node.stopped.with(|c| c.as_ref().map(|c| c.1.clone())).expect("set above");
            stopped.recv();
            node.done.with(|c| c.as_ref().map(|c| c.0.close())); // stop
        });
        time::sleep(Duration::from_millis(10)); // wait for raftNode.run
        stop_rx.recv();
        // The deferred shutdown; a nil channel blocks forever.
        let stopped = r.stopped.with(|c| c.as_ref().map(|c| c.0.clone()));
        stopped.unwrap_or_else(goweave::chan::never_sender).send(());
        let done = r.done.with(|c| c.as_ref().map(|c| c.1.clone()));
        done.unwrap_or_else(goweave::chan::never).recv();
        done_tx.close();
    });
    // The test's deferred Stop.
    select! {
        send(stop_tx, ()) => {},
        recv(done_rx) -> _ => return,
    }
    done_rx.recv();
}

/// etcd #3077: the raft node's task creates its `stopped` and `done` channels itself, while
/// the server, ordered with it only by a sleep, reads those fields to shut it down.
pub(super) fn etcd_3077_bug() {
    etcd_3077_run(false)
}

/// etcd #3077, fixed: the channels are made before the raft node's task starts.
pub(super) fn etcd_3077_fixed_body() {
    etcd_3077_run(true)
}

// ---------------------------------------------------------------------------------------

/// Moby #27037: the tasks started in a loop read the loop variable `i`, which the loop
/// keeps incrementing.
pub(super) fn moby_27037_bug() {
    let wg = WaitGroup::new();
    let i = Arc::new(Shared::new(17));
    while i.get() <= 21 {
        wg.add(1);
        let (wg, captured) = (wg.clone(), i.clone());
        go(move || {
            let _ = format!("v1.{}", captured.get());
            wg.done();
        });
        i.set(i.get() + 1);
    }
    wg.wait();
}

/// Moby #27037, fixed: the task gets `i` as an argument.
pub(super) fn moby_27037_fixed_body() {
    let wg = WaitGroup::new();
    let i = Arc::new(Shared::new(17));
    while i.get() <= 21 {
        wg.add(1);
        let (wg, arg) = (wg.clone(), i.get());
        go(move || {
            let _ = format!("v1.{arg}");
            wg.done();
        });
        i.set(i.get() + 1);
    }
    wg.wait();
}

// ---------------------------------------------------------------------------------------

const MOBY_22941_TESTS: [[&str; 2]; 2] = [
    ["GET /foo\nHost: /var/run/docker.sock\n", "GET /foo\nHost: \r\nConnection: close\n"],
    ["GET /foo\nHost: /var/run/docker.sock\nFoo: Bar\n", "GET /foo\nHost: \r\nFoo: Bar\n"],
];

fn moby_22941_run(pass_pair: bool) {
    // The pipe's write lock.
    let wr_mu = Arc::new(Mutex::new(()));
    // The loop variable `pair`.
    let pair = Arc::new(Shared::new(MOBY_22941_TESTS[0]));
    for p in MOBY_22941_TESTS {
        pair.set(p);
        let (wr_mu, pair) = (wr_mu.clone(), pair.clone());
        let arg = pass_pair.then_some(p);
        go(move || {
            let b = arg.unwrap_or_else(|| pair.get())[0];
            let _g = wr_mu.lock();
            let _ = &b[1..];
        });
    }
    time::sleep(Duration::from_millis(10));
}

/// Moby #22941: tasks started in a loop over the test cases read the loop variable `pair`,
/// which the next iteration overwrites.
pub(super) fn moby_22941_bug() {
    moby_22941_run(false)
}

/// Moby #22941, fixed: the task gets the test case as an argument.
pub(super) fn moby_22941_fixed_body() {
    moby_22941_run(true)
}

// ---------------------------------------------------------------------------------------

/// Kubernetes #70892: the closure given to `ParallelizeUntil` reads and replaces every
/// entry of the captured `results`, from each of the two workers at once.
pub(super) fn kubernetes_70892_bug() {
    let results: Arc<Vec<Shared<Vec<i32>>>> = Arc::new((0..3).map(|_| Shared::new(vec![0, 0])).collect());
    let process_node = move |_index: i32| {
        for r in results.iter() {
            if r.with(|r| r[0]) != 4 {
                r.set(vec![7, 8, 9]);
            }
        }
    };
    let process_node = Arc::new(process_node);
    // ParallelizeUntil(context.Background(), 2, 2, processNode)
    let stop = Context::background().done();
    let pieces = 2;
    let (to_process_tx, to_process) = chan::<i32>(pieces);
    for i in 0..pieces as i32 {
        to_process_tx.send(i);
    }
    to_process_tx.close();
    let workers = 2;
    let wg = WaitGroup::new();
    wg.add(workers);
    for _ in 0..workers {
        let (wg, to_process, stop, f) = (wg.clone(), to_process.clone(), stop.clone(), process_node.clone());
        go(move || {
            for piece in to_process {
                select! {
                    recv(stop) -> _ => break,
                    default => f(piece),
                }
            }
            wg.done();
        });
    }
    wg.wait();
}

// ---------------------------------------------------------------------------------------

/// CockroachDB #4407: `Gossip`, started in tasks, calls `RunWorker`, whose `stop.Add(1)` is
/// not ordered with the `stop.Wait()` of `Stopper.Stop` that the test defers: an `Add` from
/// zero concurrent with a `Wait`.
pub(super) fn cockroach_4407_bug() {
    let stop = WaitGroup::new();
    let stopper_mu = Arc::new(Mutex::new(()));
    let (stopper_tx, _stopper_rx) = chan::<()>(0);
    let server_mu = Arc::new(Mutex::new(()));
    for _ in 0..2 {
        let (stop, server_mu) = (stop.clone(), server_mu.clone());
        go(move || {
            // Gossip
            let _g = server_mu.lock();
            stop.add(1); // RunWorker
            let (stop, server_mu) = (stop.clone(), server_mu.clone());
            go(move || {
                drop(server_mu.lock()); // gossipSender
                stop.done();
            });
        });
    }
    time::sleep(Duration::from_millis(1));
    // The deferred Stop.
    stopper_tx.close();
    stop.wait();
    drop(stopper_mu.lock());
}

// ---------------------------------------------------------------------------------------

/// Kubernetes #13058: the informer's processing loop calls the delete handler, whose
/// `testDoneWG.Done()` is meant to pair with the test's `Add`, every period until stopped:
/// the counter goes negative (or the first `Done` comes before the `Add`).
pub(super) fn kubernetes_13058_bug() {
    let test_done_wg = WaitGroup::new();
    let handler_wg = test_done_wg.clone();
    let delete_func = move || handler_wg.done();
    let (stop_tx, stop_rx) = chan::<()>(0);
    go(move || loop {
        // Until(processLoop, 10ms, stop)
        select! {
            recv(stop_rx) -> _ => return,
            default => {},
        }
        delete_func();
        time::sleep(Duration::from_millis(10));
    });
    const THREADS: isize = 3;
    let wg = WaitGroup::new();
    wg.add(THREADS);
    test_done_wg.add(THREADS);
    for i in 0..THREADS {
        let wg = wg.clone();
        go(move || {
            let _name = format!("{i}-0");
            wg.done();
        });
    }
    wg.wait();
    test_done_wg.wait();
    stop_tx.close();
}

// ---------------------------------------------------------------------------------------

/// grpc_2371's balancer wrapper: its one-slot resolver update channel.
struct BalancerWrapper2371 {
    resolver_update_ch: (Sender<()>, Receiver<()>),
}

impl BalancerWrapper2371 {
    fn handle_resolved_addrs(&self) {
        select! {
            recv(self.resolver_update_ch.1) -> _ => {},
            default => {},
        }
        self.resolver_update_ch.0.send(());
    }
}

/// grpc_2371's client connection: `Close` sets both wrappers to nil under `mu`.
struct ClientConn2371 {
    mu: RwMutex<(Option<()>, Option<BalancerWrapper2371>)>,
}

impl ClientConn2371 {
    fn dial(check_closed: bool) -> Arc<ClientConn2371> {
        let cc = Arc::new(ClientConn2371 {
            mu: RwMutex::new((Some(()), Some(BalancerWrapper2371 { resolver_update_ch: chan(1) }))),
        });
        // The resolver wrapper's watcher.
        let c = cc.clone();
        go(move || c.handle_service_config(check_closed));
        cc
    }

    fn handle_service_config(&self, check_closed: bool) {
        let wrappers = self.mu.write();
        if check_closed && wrappers.1.is_none() {
            return;
        }
        wrappers
            .1
            .as_ref()
            .expect("invalid memory address or nil pointer dereference")
            .handle_resolved_addrs();
    }

    fn close(&self) {
        let mut wrappers = self.mu.write();
        wrappers.0 = None;
        wrappers.1 = None;
    }
}

fn grpc_2371_run(check_closed: bool) {
    for _ in 0..10 {
        let cc = ClientConn2371::dial(check_closed);
        go(move || cc.close());
    }
    time::sleep(Duration::from_millis(100));
}

/// gRPC #2371: the resolver's watcher task calls `handleServiceConfig`, which uses the
/// balancer wrapper that a concurrent `Close` has set to nil: a nil pointer dereference.
pub(super) fn grpc_2371_bug() {
    grpc_2371_run(false)
}

/// gRPC #2371, fixed: `handleServiceConfig` returns when the connection is already closed.
pub(super) fn grpc_2371_fixed_body() {
    grpc_2371_run(true)
}

// ---------------------------------------------------------------------------------------

/// A write queued on grpc_1687's transport.
type WriteFn = Box<dyn FnOnce() + Send>;

/// grpc_1687's server handler transport.
struct ServerHandlerTransport {
    closed: (Sender<()>, Receiver<()>),
    writes: (Sender<WriteFn>, Receiver<WriteFn>),
    write_status_mu: Mutex<()>,
}

impl ServerHandlerTransport {
    /// Queues `f` unless the transport is closed; false if it was.
    fn do_write(&self, f: WriteFn) -> bool {
        select! {
            recv(self.closed.1) -> _ => return false,
            default => {},
        }
        select! {
            send(self.writes.0, f) => true,
            recv(self.closed.1) -> _ => false,
        }
    }

    fn write_status(&self, fixed: bool) {
        if fixed {
            let _g = self.write_status_mu.lock();
            if self.do_write(Box::new(|| {})) {
                self.closed.0.close(); // Close
                self.writes.0.close();
            }
        } else {
            self.do_write(Box::new(|| {}));
            self.writes.0.close();
        }
    }

    fn run_stream(&self) {
        loop {
            select! {
                recv(self.writes.1) -> f => match f {
                    Some(f) => f(),
                    None => return,
                },
                recv(self.closed.1) -> _ => return,
            }
        }
    }
}

fn grpc_1687_run(fixed: bool) {
    let ht = Arc::new(ServerHandlerTransport {
        closed: chan(0),
        writes: chan(0),
        write_status_mu: Mutex::new(()),
    });
    // HandleStreams: start the stream's handler, then run the stream.
    let st = ht.clone();
    go(move || {
        st.write_status(fixed);
        st.do_write(Box::new(|| {})); // Write
    });
    ht.run_stream();
    time::sleep(Duration::from_millis(10));
}

/// gRPC #1687: `WriteStatus` closes the `writes` channel, and a later `Write` on the same
/// stream, seeing the transport still open, sends on it: a send on a closed channel.
pub(super) fn grpc_1687_bug() {
    grpc_1687_run(false)
}

/// gRPC #1687, fixed: `WriteStatus` runs under its own mutex and closes the transport
/// (`closedCh`) before `writes`, so a later write returns at the `closedCh` check.
pub(super) fn grpc_1687_fixed_body() {
    grpc_1687_run(true)
}

// ---------------------------------------------------------------------------------------

/// Work handed to serving_3068's pool.
type Work = Box<dyn FnOnce() + Send>;

/// serving_3068's worker pool; `done` exists in the upstream fix only.
struct Pool3068 {
    wg: WaitGroup,
    work_ch: (Sender<Work>, Receiver<Work>),
    once: Once,
    done: Option<(Sender<()>, Receiver<()>)>,
}

impl Pool3068 {
    fn new(workers: usize, capacity: usize, with_done: bool) -> Arc<Pool3068> {
        let p = Arc::new(Pool3068 {
            wg: WaitGroup::new(),
            work_ch: chan(capacity),
            once: Once::new(),
            done: with_done.then(|| chan(0)),
        });
        for _ in 0..workers {
            let p = p.clone();
            go(move || {
                for work in p.work_ch.1.clone() {
                    work();
                    p.wg.done();
                }
            });
        }
        p
    }

    fn go(&self, w: Work) {
        if let Some(done) = &self.done {
            select! {
                recv(done.1) -> _ => return,
                default => {},
            }
        }
        self.wg.add(1);
        self.work_ch.0.send(w);
    }

    fn wait(self: &Arc<Self>) {
        self.once.call_once(|| {
            let p = self.clone();
            match &self.done {
                None => {
                    self.work_ch.0.close();
                    go(move || p.wg.wait());
                }
                Some(done) => {
                    done.0.close();
                    go(move || {
                        p.wg.wait();
                        p.work_ch.0.close();
                    });
                }
            }
        });
    }
}

fn serving_3068_run(with_done: bool) {
    let p = Pool3068::new(1, 5, with_done);
    let wg = WaitGroup::new();
    let cnt_executed = Arc::new(AtomicI32::new(0));
    const N: isize = 5;
    wg.add(N);
    let (p2, w, c) = (p.clone(), wg.clone(), cnt_executed);
    go(move || {
        for _ in 0..N {
            let c = c.clone();
            p2.go(Box::new(move || {
                c.fetch_add(1, Ordering::SeqCst);
            }));
            time::sleep(Duration::from_millis(10));
            w.done();
        }
    });
    p.wait();
    wg.wait();
    // The Go test then checks that not every item ran, a check on timing alone (virtual time
    // may run them all before `Wait`), so it is left out.
}

/// Knative Serving #3068: the pool's `Wait` closes the work channel while a client task is
/// still submitting work with `Go`: a send on a closed channel. That `Go` first raises the
/// pool's WaitGroup from zero, unordered with the `Wait` that `Wait` starts, and goweave
/// reports that race (Go's race detector flags it too) for the same execution.
pub(super) fn serving_3068_bug() {
    serving_3068_run(false)
}

/// Knative Serving #3068 as upstream fixed it: `Go` returns once a `done` channel is closed,
/// and the work channel is closed only after the pool's WaitGroup is done. `Go` still checks
/// `done` before its `Add`, unordered with the WaitGroup's `Wait`, so a `Wait` in between can
/// find the count at zero and close the work channel under it: goweave reports the race, so
/// this is not the kernel's fixed variant.
#[allow(dead_code)] // run by a test here, not by benchmarks/gobench.rs
pub(super) fn serving_3068_upstream_fix() {
    serving_3068_run(true)
}

// ---------------------------------------------------------------------------------------

fn cockroach_35501_run(copy_loop_variable: bool) {
    let wg = WaitGroup::new();
    wg.add(1);
    let w = wg.clone();
    go(move || {
        // runBackfill: ten checks to validate.
        let checks = vec!["nil string"; 10];
        // validateChecks: the table descriptor the checks share, and the loop variable `c`.
        let desc = Arc::new(());
        let c = Arc::new(Shared::new(""));
        for name in checks {
            c.set(name);
            let (desc, c) = (desc.clone(), c.clone());
            let copy = copy_loop_variable.then_some(name);
            go(move || {
                // validateCheckInTxn(desc, &c.Name) reads the name through the pointer.
                let name = copy.unwrap_or_else(|| c.get());
                let _ = (desc, name);
            });
        }
        w.done();
    });
    wg.wait();
}

/// CockroachDB #35501: `validateChecks` starts one task per check, each reading the loop
/// variable `c` through `&c.Name`, which the loop overwrites.
pub(super) fn cockroach_35501_bug() {
    cockroach_35501_run(false)
}

/// CockroachDB #35501, fixed: each task gets its own copy of the check.
pub(super) fn cockroach_35501_fixed_body() {
    cockroach_35501_run(true)
}

// ---------------------------------------------------------------------------------------

/// The part of Go's `testing.T` these kernels touch: `done`, which `tRunner` sets without a
/// lock once the test function has returned, and which `Logf` reads.
struct TestingT {
    done: Shared<bool>,
}

impl TestingT {
    fn logf(&self) {
        if self.done.get() {
            panic!("Log in goroutine after the test has completed");
        }
    }

    /// `t.Run`: runs `f` in a task of its own (`tRunner`) and waits for it.
    fn run(f: impl FnOnce(Arc<TestingT>) + Send + 'static) {
        let t = Arc::new(TestingT { done: Shared::new(false) });
        let (finished_tx, finished_rx) = chan::<()>(0);
        go(move || {
            f(t.clone());
            t.done.set(true);
            finished_tx.close();
        });
        finished_rx.recv();
    }
}

/// Knative Serving #6171: `getOrCreateRevisionWatcher` starts a watcher whose `checkDests`
/// logs an error from yet another task, through the test's `t`, after the test function may
/// have returned.
pub(super) fn serving_6171_bug() {
    let wg = WaitGroup::new();
    wg.add(1);
    let w = wg.clone();
    go(move || {
        TestingT::run(|t| {
            // The logger writes to `t`; the revision watcher runs in a task of its own.
            go(move || {
                // run, then checkDests
                go(move || t.logf()); // logger.Errorw
            });
        });
        w.done();
    });
    wg.wait();
}

/// Knative Serving #4908: the revision watcher's `checkDests` logs through the test's `t`
/// from a task it starts and nobody waits for; the test waits only for `runWithTickCh`.
pub(super) fn serving_4908_bug() {
    let wg = WaitGroup::new();
    wg.add(1);
    let w = wg.clone();
    go(move || {
        TestingT::run(|t| {
            let inner = WaitGroup::new();
            inner.add(1);
            let i = inner.clone();
            go(move || {
                // runWithTickCh, then checkDests
                go(move || t.logf()); // logger.Info
                i.done();
            });
            inner.wait();
        });
        w.done();
    });
    wg.wait();
}
