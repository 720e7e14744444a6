#!/usr/bin/env python3
"""How many executions of the Cond queue pattern any exhaustive search
must run, whatever its reduction.

The queue of `examples/pattern_cond_queue.rs` (one slot, `broadcast`) is
modelled at the level of its critical sections, each a step: a section that
finds its condition true changes the queue and broadcasts (a write), one
that finds it false joins the waiters (a read of the queue). The script
enumerates every order of the sections (what goweave's search, which sees
each lock as a write, runs) and counts the classes of orders equal up to
swapping adjacent independent sections, under the most generous dependence
a lock-aware search could use (LAPOR, Kokologiannakis et al., OOPSLA
2019): sections commute unless one of them writes, and waits commute with
each other (under `broadcast` their order does not matter).

    python3 benchmarks/scripts/cond_queue_classes.py
"""

CAP = 1


def orders(puts, takes):
    """Every order of sections: tuples of (task, 'W' or 'R')."""
    need = list(puts) + list(takes)
    n, producers = len(need), len(puts)
    found = []

    def explore(queued, done, waiting, seq):
        runnable = [t for t in range(n) if done[t] < need[t] and not waiting[t]]
        if not runnable:
            found.append(tuple(seq))
            return
        for t in runnable:
            ready = queued < CAP if t < producers else queued > 0
            if ready:
                now_done = list(done)
                now_done[t] += 1
                # The broadcast wakes every waiter.
                explore(queued + (1 if t < producers else -1), now_done, [False] * n, seq + [(t, "W")])
            else:
                now_waiting = list(waiting)
                now_waiting[t] = True
                explore(queued, done, now_waiting, seq + [(t, "R")])

    explore(0, [0] * n, [False] * n, [])
    return found


def dependent(a, b):
    return a[0] == b[0] or a[1] == "W" or b[1] == "W"


def normal_form(seq):
    """The lexicographically least order of the class of `seq`."""
    rest, out = list(seq), []
    while rest:
        movable = [i for i, e in enumerate(rest) if not any(dependent(rest[j], e) for j in range(i))]
        best = min(movable, key=lambda i: rest[i])
        out.append(rest.pop(best))
    return tuple(out)


for name, puts, takes in [
    ("2 producers x 2 values, 2 consumers x 2 (the example before 2026-12-07)", (2, 2), (2, 2)),
    ("2 producers x 1 value, 2 consumers x 1 (the example now)", (1, 1), (1, 1)),
]:
    every = orders(puts, takes)
    classes = {normal_form(s) for s in every}
    print(f"{name}: {len(every):,} section orders, {len(classes):,} classes")
