//! Ports of test/chan/fifo.go, nonblock.go, goroutines.go, sendstmt.go and
//! zerosize.go.

use std::fmt::Debug;
use std::time::Duration;

use goweave::chan::{Receiver, Sender};
use goweave::{chan, go, select, time, yield_now};

const N: i32 = 10;

// Ports AsynchFifo from test/chan/fifo.go: a buffered channel is a FIFO.
#[goweave::concurrency_test]
fn asynch_fifo() {
    let (ch, rx) = chan::<i32>(N as usize);
    for i in 0..N {
        ch.send(i);
    }
    for i in 0..N {
        assert_eq!(rx.recv(), Some(i), "bad receive");
    }
}

fn chain(ch: Receiver<i32>, val: i32, input: Receiver<i32>, out: Sender<i32>) {
    input.recv();
    assert_eq!(ch.recv(), Some(val), "{val}");
    out.send(1);
}

// Ports SynchFifo from test/chan/fifo.go: an unbuffered channel read by a
// daisy chain of tasks, one after the other, delivers in order.
#[goweave::concurrency_test]
fn synch_fifo() {
    let (ch_tx, ch) = chan::<i32>(0);
    let (start, mut input) = chan::<i32>(0);
    for i in 0..N {
        let (out_tx, out) = chan::<i32>(0);
        let ch = ch.clone();
        go(move || chain(ch, i, input, out_tx));
        input = out;
    }
    start.send(0);
    for i in 0..N {
        ch_tx.send(i);
    }
    input.recv();
}

fn receiver<T: PartialEq + Debug + Send + 'static>(c: Receiver<T>, strobe: Sender<bool>, want: T) {
    assert_eq!(c.recv(), Some(want), "value");
    strobe.send(true);
}

fn sender<T: Send + 'static>(c: Sender<T>, strobe: Sender<bool>, v: T) {
    c.send(v);
    strobe.send(true);
}

/// nonblock.go's `sleep`: two ticks of a 10 µs ticker, then three yields.
fn sleep(ticker: &time::Ticker) {
    ticker.rx().recv();
    ticker.rx().recv();
    yield_now();
    yield_now();
    yield_now();
}

const MAX_TRIES: usize = 10_000; // Up to 100ms per test.

/// One type of nonblock.go's loop body: a receiver served by a
/// non-blocking send retried until it goes through, then a sender drained
/// by a non-blocking receive retried likewise.
fn nonblock_pair<T>(buffer: usize, ticker: &time::Ticker, sent: T, received: T)
where
    T: PartialEq + Debug + Clone + Send + 'static,
{
    let (sync_tx, sync) = chan::<bool>(0);
    let (c, c_rx) = chan::<T>(buffer);

    select! {
        recv(c_rx) -> _ => panic!("blocked sender"),
        default => {},
    }

    let (rx, strobe) = (c_rx.clone(), sync_tx.clone());
    let want = sent.clone();
    go(move || receiver(rx, strobe, want));
    let mut tries = 0;
    loop {
        select! {
            send(c, sent.clone()) => break,
            default => {
                tries += 1;
                assert!(tries <= MAX_TRIES, "receiver buffer={buffer}");
                sleep(ticker);
            },
        }
    }
    sync.recv();

    let tx = c.clone();
    let v = received.clone();
    go(move || sender(tx, sync_tx, v));
    if buffer > 0 {
        sync.recv();
    }
    tries = 0;
    let got = loop {
        select! {
            recv(c_rx) -> v => break v,
            default => {
                tries += 1;
                assert!(tries <= MAX_TRIES, "sender buffer={buffer}");
                sleep(ticker);
            },
        }
    };
    assert_eq!(got, Some(received), "sender value");
    if buffer == 0 {
        sync.recv();
    }
}

/// nonblock.go's main loop body for one buffer size, over its four types.
fn nonblock(buffer: usize) {
    let ticker = time::tick(Duration::from_micros(10));
    nonblock_pair::<i32>(buffer, &ticker, 123, 234);
    nonblock_pair::<i64>(buffer, &ticker, 123456, 234567);
    nonblock_pair::<bool>(buffer, &ticker, true, true);
    nonblock_pair::<String>(buffer, &ticker, "hello".into(), "hello again".into());
    ticker.stop();
}

// Ports test/chan/nonblock.go with buffer 0: non-blocking sends and
// receives on unbuffered channels go through once a partner waits.
#[goweave::concurrency_test]
fn nonblock_unbuffered() {
    nonblock(0);
}

// Ports test/chan/nonblock.go with buffer 1.
#[goweave::concurrency_test]
fn nonblock_buffered() {
    nonblock(1);
}

fn pass_left(left: Sender<i32>, right: Receiver<i32>) {
    left.send(right.recv().unwrap());
}

// Ports test/chan/goroutines.go: a chain of tasks threaded together by
// unbuffered channels, torn down cleanly. 10,000 tasks shrunk to 10.
#[goweave::concurrency_test]
fn goroutines_chain_tears_down() {
    let n = 10;
    let (leftmost_tx, leftmost) = chan::<i32>(0);
    let mut left = leftmost_tx;
    for _ in 0..n {
        let (right_tx, right) = chan::<i32>(0);
        go(move || pass_left(left, right));
        left = right_tx;
    }
    go(move || left.send(1));
    assert_eq!(leftmost.recv(), Some(1));
}

// Ports chanchan from test/chan/sendstmt.go: a select sends on a channel
// received from a channel of channels (Go's `case <-cc <- 2:`).
#[goweave::concurrency_test]
fn send_on_received_channel_in_select() {
    let (cc, cc_rx) = chan::<Sender<i32>>(1);
    let (c, c_rx) = chan::<i32>(1);
    cc.send(c);
    select! {
        send(cc_rx.recv().unwrap(), 2) => {},
        default => panic!("nonblock"),
    }
    assert_eq!(c_rx.recv(), Some(2), "bad receive");
}

// Ports sendprec from test/chan/sendstmt.go: the whole expression is sent
// (`c <- false || true` sends true).
#[goweave::concurrency_test]
fn send_takes_the_whole_expression() {
    let (c, rx) = chan::<bool>(1);
    // Opaque to the compiler, as Go's constants are to its parser.
    let (no, yes) = std::hint::black_box((false, true));
    c.send(no || yes);
    assert!(rx.recv().unwrap(), "sent false");
}

// Ports test/chan/zerosize.go: channels of zero-sized types, buffered or
// not, can be made.
#[goweave::concurrency_test]
fn zero_size_channels() {
    let (_a, _ar) = chan::<[u8; 0]>(0);
    let (b, br) = chan::<[u8; 0]>(1);
    let (_c, _cr) = chan::<()>(0);
    let (d, dr) = chan::<()>(1);
    assert_eq!((b.cap(), d.cap()), (1, 1));
    b.send([]);
    d.send(());
    assert_eq!((br.recv(), dr.recv()), (Some([]), Some(())));
}
