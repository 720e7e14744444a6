// The Go side of benchmarks/native.rs: the same workloads on Go's own
// channels, select, sync.Mutex and sync.WaitGroup, with goroutines.
//
// Usage: native-go <workload> <capacity> <n>, where workload is one of
// spsc, mpsc, mpmc, select (capacity: the channels' buffer, as in
// make(chan uint64, capacity)), mutex1, mutex4 and waitgroup (capacity
// ignored). It runs the workload once on a twentieth of n (at least 1,000)
// to warm up, then once on n, and prints the time per operation in
// nanoseconds: per message for the channel workloads, per lock/unlock for
// the mutex ones, per round for waitgroup. GOMAXPROCS is left to its
// default, the machine's cores, unless the environment sets it (the Rust
// bench sets it to the cores it sees).
package main

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Producers and consumers of the many-to-one and many-to-many workloads,
// and the threads of the contended mutex and the waitgroup workloads.
const fanout = 4

// fail reports a wrong result and exits non-zero.
func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

// sumTo is 0 + 1 + ... + (n - 1).
func sumTo(n int) uint64 {
	return uint64(n) * uint64(n-1) / 2
}

// clock times a workload from the first goroutine that starts work to the
// last that ends it, as the Rust side does: each goroutine reads it after
// the start gate and after its last operation.
type clock struct {
	base       time.Time
	firstStart int64 // nanoseconds after base
	lastEnd    int64
}

func newClock() *clock {
	return &clock{base: time.Now(), firstStart: math.MaxInt64}
}

func (c *clock) start() {
	now := int64(time.Since(c.base))
	for {
		old := atomic.LoadInt64(&c.firstStart)
		if now >= old || atomic.CompareAndSwapInt64(&c.firstStart, old, now) {
			return
		}
	}
}

func (c *clock) end() {
	now := int64(time.Since(c.base))
	for {
		old := atomic.LoadInt64(&c.lastEnd)
		if now <= old || atomic.CompareAndSwapInt64(&c.lastEnd, old, now) {
			return
		}
	}
}

// elapsed is read once every goroutine has ended.
func (c *clock) elapsed() time.Duration {
	return time.Duration(atomic.LoadInt64(&c.lastEnd) - atomic.LoadInt64(&c.firstStart))
}

// start launches k goroutines that wait for the returned function to be
// called, so that the timing starts with every goroutine ready; each runs
// body(i) between the gate and the clock.
func start(k int, c *clock, body func(i int), wg *sync.WaitGroup) func() {
	gate := make(chan struct{})
	wg.Add(k)
	for i := 0; i < k; i++ {
		go func(i int) {
			defer wg.Done()
			<-gate
			c.start()
			body(i)
			c.end()
		}(i)
	}
	return func() { close(gate) }
}

// channels: producers x (n / producers) messages to consumers on one
// channel of capacity c; the main goroutine is the consumer when there is
// one. Returns the messages and the elapsed time.
func channels(producers, consumers, c, n int) (int, time.Duration) {
	ch := make(chan uint64, c)
	per := n / producers
	total := per * producers
	clk := newClock()
	var wg sync.WaitGroup
	var sums [fanout]uint64
	release := start(producers, clk, func(int) {
		for v := 0; v < per; v++ {
			ch <- uint64(v)
		}
	}, &wg)
	if consumers == 1 {
		release()
		clk.start()
		var sum uint64
		for i := 0; i < total; i++ {
			sum += <-ch
		}
		clk.end()
		sums[0] = sum
	} else {
		each := total / consumers
		releaseConsumers := start(consumers, clk, func(i int) {
			var sum uint64
			for k := 0; k < each; k++ {
				sum += <-ch
			}
			sums[i] = sum
		}, &wg)
		release()
		releaseConsumers()
	}
	wg.Wait()
	var sum uint64
	for _, s := range sums {
		sum += s
	}
	if want := uint64(producers) * sumTo(per); sum != want {
		fail("received sum %d, want %d", sum, want)
	}
	return total, clk.elapsed()
}

// selects: two producers send n / 2 messages each on their own channel of
// capacity c; the main goroutine receives them all through a select over
// both channels.
func selects(c, n int) (int, time.Duration) {
	chans := [2]chan uint64{make(chan uint64, c), make(chan uint64, c)}
	a, b := chans[0], chans[1]
	per := n / 2
	clk := newClock()
	var wg sync.WaitGroup
	release := start(2, clk, func(i int) {
		for v := 0; v < per; v++ {
			chans[i] <- uint64(v)
		}
	}, &wg)
	release()
	clk.start()
	var sum uint64
	for i := 0; i < 2*per; i++ {
		select {
		case v := <-a:
			sum += v
		case v := <-b:
			sum += v
		}
	}
	clk.end()
	wg.Wait()
	if want := 2 * sumTo(per); sum != want {
		fail("received sum %d, want %d", sum, want)
	}
	return 2 * per, clk.elapsed()
}

// mutexes: k goroutines (the main one alone when k is 1) each increment a
// counter under one sync.Mutex n / k times.
func mutexes(k, n int) (int, time.Duration) {
	var mu sync.Mutex
	count := 0
	per := n / k
	incr := func(int) {
		for i := 0; i < per; i++ {
			mu.Lock()
			count++
			mu.Unlock()
		}
	}
	var elapsed time.Duration
	if k == 1 {
		t0 := time.Now()
		incr(0)
		elapsed = time.Since(t0)
	} else {
		clk := newClock()
		var wg sync.WaitGroup
		release := start(k, clk, incr, &wg)
		release()
		wg.Wait()
		elapsed = clk.elapsed()
	}
	if count != per*k {
		fail("counted %d, want %d", count, per*k)
	}
	return per * k, elapsed
}

// waitgroups: n / 4 rounds. In each, the main goroutine adds 4 to
// finished, arms the next round's gate (Add(1)) and opens this round's
// (Done); 4 goroutines wait on the gate, then call finished.Done(); the
// main goroutine waits on finished. Gates alternate, so a gate is re-armed
// only after every Wait on it has returned, as WaitGroup reuse requires.
func waitgroups(n int) (int, time.Duration) {
	rounds := n / fanout
	var finished sync.WaitGroup
	var gates [2]sync.WaitGroup
	gates[0].Add(1)
	clk := newClock()
	var wg sync.WaitGroup
	release := start(fanout, clk, func(int) {
		for r := 0; r < rounds; r++ {
			gates[r%2].Wait()
			finished.Done()
		}
	}, &wg)
	release()
	clk.start()
	for r := 0; r < rounds; r++ {
		finished.Add(fanout)
		gates[(r+1)%2].Add(1)
		gates[r%2].Done()
		finished.Wait()
	}
	clk.end()
	wg.Wait()
	return rounds, clk.elapsed()
}

func run(workload string, c, n int) (int, time.Duration) {
	switch workload {
	case "spsc":
		return channels(1, 1, c, n)
	case "mpsc":
		return channels(fanout, 1, c, n)
	case "mpmc":
		return channels(fanout, fanout, c, n)
	case "select":
		return selects(c, n)
	case "mutex1":
		return mutexes(1, n)
	case "mutex4":
		return mutexes(fanout, n)
	case "waitgroup":
		return waitgroups(n)
	}
	fail("unknown workload %q", workload)
	return 0, 0
}

func main() {
	if len(os.Args) != 4 {
		fail("usage: %s <workload> <capacity> <n>", os.Args[0])
	}
	c, err1 := strconv.Atoi(os.Args[2])
	n, err2 := strconv.Atoi(os.Args[3])
	if err1 != nil || err2 != nil || c < 0 || n < 2*fanout*fanout {
		fail("capacity and n must be numbers, n at least %d", 2*fanout*fanout)
	}
	warm := n / 20
	if warm < 1000 {
		warm = 1000
	}
	run(os.Args[1], c, warm)
	ops, elapsed := run(os.Args[1], c, n)
	fmt.Printf("%.3f\n", float64(elapsed.Nanoseconds())/float64(ops))
}
