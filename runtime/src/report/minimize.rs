//! Schedule minimization: after a failure, look for an execution with the
//! same failure and as few preemptive context switches as possible, so the
//! report tells a short story.
//!
//! A preemptive context switch (a preemption) is a step that makes another
//! move than the task of the previous step while that task could still run
//! (it was enabled): another task, or a timer firing early. Switching away
//! from a task that blocked or finished is not preemptive (see
//! [`is_preemption`](crate::strategy::is_preemption)).
//!
//! The search follows Tinertia (Jalbert and Sen, "A trace simplification
//! technique for effective debugging of concurrent programs", FSE 2010) in
//! spirit. An execution is cut into blocks: maximal runs of steps of one
//! task (or of timer firings). A candidate is a list of blocks that the
//! guided strategy follows leniently and then continues without
//! preemption (`crate::strategy::Guided`); its own execution, not the plan,
//! is what counts, and it is kept only if it fails the same way:
//!
//! - the same [`FailureKind`];
//! - for a panic, the same message and location (or the same error
//!   returned by the body); for a data race, the same two access
//!   locations; for a leak, the same cause (tasks blocked forever, or still
//!   running at the step limit). For a deadlock the kind is enough.
//!
//! 1. Greedy removal: for each preemption, from the first, try to remove
//!    it: by running the execution up to it and then on without any
//!    preemption; by letting the preempted task run on (its next block
//!    joins the one it was preempted in); or by delaying the preempting
//!    block (it joins that task's next block). A candidate with fewer
//!    preemptions that fails the same way becomes the current execution;
//!    repeat until no removal helps.
//! 2. Local search, when greedy removal is stuck: move a preemption one or
//!    two steps earlier or later, or swap the two blocks around it; at any
//!    step that had a choice, make another one (another task, or a timer
//!    firing) and then follow the rest of the execution, or continue
//!    without preemption; pick another ready arm at a `select!`; or cut the
//!    execution after any block and continue without preemption. The
//!    first of these that fails the same way, with no more preemptions and
//!    not seen before, becomes the current execution, and greedy removal
//!    starts again from it. Choices where the running task had blocked
//!    cost nothing, and a different one there is often what lets a
//!    preemption go.
//!
//! Both stop when the budget of replays (`Config::minimize_budget`) is
//! spent: a count, not a time, so the result is the same on every machine
//! and the report can be snapshotted. A candidate that diverges or fails
//! differently is simply rejected.
//!
//! Where it does not apply: replays (the token is already the minimized
//! one; minimizing again would not change it and would only cost time),
//! `Replay` failures, `PotentialDeadlock` (its token spans several
//! executions, each showing one lock order, with no failing execution to
//! minimize), and failures at the step limit (`Nontermination`, or a leak
//! of a task still running at `max_steps`: each candidate would run
//! `max_steps` steps, and preemptions do not explain a loop). The first
//! execution of the search replays the failure as it was found; if that
//! does not fail the same way (a nondeterministic body), the failure is
//! reported as found.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use super::describe::describe;
use crate::config::Config;
use crate::failure::{FailureKind, Minimization};
use crate::rt::{Body, Runner, Verdict};
use crate::strategy::{arms_by_task, ArmPick, Block, Guided, Picker, Plan, Record, FIRE};

/// Steps a local-search move shifts a preemption by.
const SHIFTS: [i64; 4] = [-1, 1, -2, 2];

/// One execution of the search that failed the same way.
#[derive(Clone)]
struct Candidate {
    verdict: Verdict,
    record: Record,
}

impl Candidate {
    fn preemptions(&self) -> usize {
        self.record.preemptions()
    }
}

/// An execution as the search tells them apart: its blocks and its arm
/// choices (task, arm).
type Key = (Vec<Block>, Vec<(usize, usize)>);

fn key(blocks: Vec<Block>, log: &[ArmPick]) -> Key {
    (blocks, log.iter().map(|a| (a.task, a.arm)).collect())
}

struct Search<'a> {
    runner: Runner,
    body: &'a Body,
    kind: FailureKind,
    signature: String,
    budget: u64,
    replays: u64,
    /// The executions run so far, so local search does not go round in
    /// circles.
    seen: BTreeSet<Key>,
}

impl Search<'_> {
    fn spent(&self) -> bool {
        self.replays >= self.budget
    }

    /// Runs one candidate; `Some` if it fails the same way.
    fn run(&mut self, plan: Plan) -> Option<Candidate> {
        if self.spent() {
            return None;
        }
        self.replays += 1;
        let record = Rc::new(RefCell::new(Record::default()));
        let mut picker = Picker::new(Box::new(Guided::new(plan, record.clone())));
        if !picker.begin() {
            return None;
        }
        let (_, verdict) = self.runner.run(0, self.body, picker);
        let record = record.take();
        self.seen.insert(key(record.blocks(), &record.arm_log));
        verdict
            .filter(|v| v.kind == self.kind && v.signature == self.signature)
            .map(|verdict| Candidate { verdict, record })
    }

    fn run_blocks(&mut self, blocks: Vec<Block>, arms: &[ArmPick]) -> Option<Candidate> {
        self.run(Plan::Blocks { blocks, arms: arms_by_task(arms) })
    }

    /// Greedy removal from `current` until no single removal helps.
    fn greedy(&mut self, mut current: Candidate) -> Candidate {
        'improved: while current.preemptions() > 0 {
            let blocks = current.record.blocks();
            for i in preemptive_blocks(&current.record) {
                let plans = [Some(blocks[..i].to_vec()), run_on(&blocks, i), delay(&blocks, i)];
                for plan in plans.into_iter().flatten() {
                    if self.spent() {
                        return current;
                    }
                    if let Some(c) = self.run_blocks(plan, &current.record.arm_log) {
                        if c.preemptions() < current.preemptions() {
                            current = c;
                            continue 'improved;
                        }
                    }
                }
            }
            break;
        }
        current
    }

    /// One local-search move from `current`: an execution that fails the
    /// same way with no more preemptions, not seen before.
    fn shift(&mut self, current: &Candidate) -> Option<Candidate> {
        let blocks = current.record.blocks();
        let preemptive = preemptive_blocks(&current.record);
        let record = &current.record;
        let log = &record.arm_log;
        let with_arms = |plan: Option<Vec<Block>>| plan.map(|p| (p, log.clone()));
        let moves = preemptive.iter().flat_map(|&i| {
            let shifts = SHIFTS.map(|by| shifted(&blocks, i, by));
            shifts.into_iter().chain([swapped(&blocks, i)]).map(with_arms)
        });
        // Another move at a step that had a choice, then the rest of the
        // execution as it was, less the step of that task moved here
        // (followed leniently), or the continuation.
        let branches = |rest: bool| {
            record.others.iter().flat_map(move |(at, others)| {
                others.iter().map(move |&t| {
                    let mut plan = record.blocks_upto(*at);
                    plan.push(Block { task: t, count: 1 });
                    let arms = if rest {
                        let later = &record.picks[*at..];
                        let moved = later.iter().position(|p| p.0 == t);
                        let rest = later.iter().enumerate().filter(|&(i, _)| Some(i) != moved);
                        plan.extend(rest.map(|(_, p)| Block { task: p.0, count: 1 }));
                        log.clone()
                    } else {
                        log.iter().copied().filter(|a| a.after <= *at).collect()
                    };
                    Some((normalize(plan), arms))
                })
            })
        };
        // Another ready arm at a select (also free), then the continuation.
        let flips = log.iter().enumerate().flat_map(|(i, a)| {
            (0..a.ready).filter(move |&arm| arm != a.arm).map(move |arm| {
                let mut arms = log[..i].to_vec();
                arms.push(ArmPick { arm, ..*a });
                Some((record.blocks_upto(a.after), arms))
            })
        });
        // Then every prefix, continued without preemption, latest first.
        let prefixes = (1..blocks.len()).rev().map(|i| with_arms(Some(blocks[..i].to_vec())));
        let all = moves.chain(branches(true)).chain(branches(false)).chain(flips).chain(prefixes);
        for (plan, arms) in all.flatten() {
            if self.seen.contains(&key(plan.clone(), &arms)) {
                continue;
            }
            if self.spent() {
                return None;
            }
            let before = self.seen.len();
            if let Some(c) = self.run_blocks(plan, &arms) {
                // `run` added the execution's key: a new entry means an
                // execution not seen before.
                if self.seen.len() > before && c.preemptions() <= current.preemptions() {
                    return Some(c);
                }
            }
        }
        None
    }
}

/// Whether minimization applies to this failure (see the module docs).
fn applies(config: &Config, verdict: &Verdict) -> bool {
    !matches!(
        verdict.kind,
        FailureKind::Replay
            | FailureKind::Nondeterminism
            | FailureKind::PotentialDeadlock
            | FailureKind::Nontermination
    ) && u64::from(verdict.steps) < config.max_steps
        && verdict.preemptions > 0
        && verdict.schedule.runs().count() == 1
}

/// Minimizes the preemptions of a failure found by exploration. Returns
/// the verdict to report (the original one if nothing better was found)
/// and what the search did, when it ran.
pub(crate) fn minimize(config: &Config, body: &Body, found: Verdict) -> (Verdict, Option<Minimization>) {
    if !config.minimize || config.minimize_budget == 0 || !applies(config, &found) {
        return (found, None);
    }
    let from = found.preemptions;
    let mut search = Search {
        // Candidates that run far longer than the failure did are not
        // simpler: cap them instead of paying up to max_steps for each.
        runner: Runner::new(
            config,
            config.max_steps.min(u64::from(found.steps).saturating_mul(4).saturating_add(1000)),
            false,
            describe,
        ),
        body,
        kind: found.kind,
        signature: found.signature.clone(),
        budget: config.minimize_budget,
        replays: 0,
        seen: BTreeSet::new(),
    };
    let choices = found.schedule.runs().next().map(<[_]>::to_vec).unwrap_or_default();
    let Some(first) = search.run(Plan::Choices(choices)) else {
        // The failure did not come back: nothing to minimize from.
        return (found, None);
    };
    let mut best = first.clone();
    let mut current = first;
    loop {
        current = search.greedy(current);
        if current.preemptions() < best.preemptions() {
            best = current.clone();
        }
        if best.preemptions() == 0 || search.spent() {
            break;
        }
        match search.shift(&current) {
            Some(next) => current = next,
            None => break,
        }
    }
    let summary = Minimization { from, to: best.preemptions().min(from), replays: search.replays };
    if best.preemptions() < from {
        (best.verdict, Some(summary))
    } else {
        // Nothing better: keep the token that exploration found.
        (found, Some(summary))
    }
}

/// The indices of the blocks that begin with a preemption.
fn preemptive_blocks(record: &Record) -> Vec<usize> {
    let mut out = Vec::new();
    let mut block = 0;
    let mut previous = None;
    for &(task, preempts) in &record.picks {
        if previous.is_some() && previous != Some(task) {
            block += 1;
        }
        if preempts && previous != Some(task) {
            out.push(block);
        }
        previous = Some(task);
    }
    out
}

/// Merges neighbours of the same task and drops empty blocks.
fn normalize(blocks: Vec<Block>) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::with_capacity(blocks.len());
    for b in blocks.into_iter().filter(|b| b.count > 0) {
        match out.last_mut() {
            Some(last) if last.task == b.task => last.count = last.count.saturating_add(b.count),
            _ => out.push(b),
        }
    }
    out
}

/// The next block of `task` after index `i`.
fn next_of(blocks: &[Block], i: usize, task: usize) -> Option<usize> {
    (i + 1..blocks.len()).find(|&j| blocks[j].task == task)
}

/// Removes the preemption at block `i` by letting the preempted task run
/// on: its next block joins the one it was preempted in (with no next
/// block, it runs until it cannot).
fn run_on(blocks: &[Block], i: usize) -> Option<Vec<Block>> {
    let a = blocks.get(i.checked_sub(1)?)?.task;
    if a == FIRE {
        return None;
    }
    let mut out = blocks.to_vec();
    match next_of(blocks, i, a) {
        Some(j) => {
            out[i - 1].count = out[i - 1].count.saturating_add(out[j].count);
            out[j].count = 0;
        }
        None => out[i - 1].count = u32::MAX,
    }
    Some(normalize(out))
}

/// Removes the preemption at block `i` by delaying the preempting block:
/// its steps join that task's next block (or the continuation).
fn delay(blocks: &[Block], i: usize) -> Option<Vec<Block>> {
    let b = blocks.get(i)?.task;
    let mut out = blocks.to_vec();
    if let Some(j) = next_of(blocks, i, b) {
        out[j].count = out[j].count.saturating_add(out[i].count);
    }
    out[i].count = 0;
    Some(normalize(out))
}

/// Moves the preemption at block `i` `by` steps later (or earlier, when
/// negative): the preempted task takes steps from (or gives steps to) its
/// next block.
fn shifted(blocks: &[Block], i: usize, by: i64) -> Option<Vec<Block>> {
    let a = blocks.get(i.checked_sub(1)?)?.task;
    if a == FIRE {
        return None;
    }
    let j = next_of(blocks, i, a);
    let mut out = blocks.to_vec();
    let d = u32::try_from(by.unsigned_abs()).ok()?;
    if by > 0 {
        let j = j?;
        if out[j].count < d {
            return None;
        }
        out[j].count -= d;
        out[i - 1].count += d;
    } else {
        if out[i - 1].count <= d {
            return None;
        }
        out[i - 1].count -= d;
        if let Some(j) = j {
            out[j].count += d;
        }
    }
    Some(normalize(out))
}

/// Lets the preempting block at `i` go before the one it preempted.
fn swapped(blocks: &[Block], i: usize) -> Option<Vec<Block>> {
    let mut out = blocks.to_vec();
    out.swap(i.checked_sub(1)?, i);
    Some(normalize(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(task: usize, count: u32) -> Block {
        Block { task, count }
    }

    #[test]
    fn removal_and_shift_moves() {
        let blocks = vec![b(0, 2), b(1, 3), b(0, 4), b(1, 1)];
        assert_eq!(run_on(&blocks, 1), Some(vec![b(0, 6), b(1, 4)]));
        assert_eq!(delay(&blocks, 1), Some(vec![b(0, 6), b(1, 4)]));
        // Task 0 has no later block: it runs until it cannot, then task 1.
        assert_eq!(run_on(&blocks, 3), Some(vec![b(0, 2), b(1, 3), b(0, u32::MAX), b(1, 1)]));
        assert_eq!(delay(&blocks, 3), Some(vec![b(0, 2), b(1, 3), b(0, 4)]));
        assert_eq!(shifted(&blocks, 1, 1), Some(vec![b(0, 3), b(1, 3), b(0, 3), b(1, 1)]));
        assert_eq!(shifted(&blocks, 1, -1), Some(vec![b(0, 1), b(1, 3), b(0, 5), b(1, 1)]));
        assert_eq!(shifted(&blocks, 1, -2), None, "the block would vanish");
        assert_eq!(run_on(&[b(FIRE, 1), b(0, 1)], 1), None);
    }

    #[test]
    fn preemptive_blocks_are_found_from_the_picks() {
        let record = Record {
            picks: vec![(0, false), (0, false), (1, true), (1, false), (0, false), (1, true)],
            arm_log: Vec::new(),
            others: Vec::new(),
        };
        assert_eq!(record.blocks(), vec![b(0, 2), b(1, 2), b(0, 1), b(1, 1)]);
        assert_eq!(preemptive_blocks(&record), vec![1, 3]);
    }
}
