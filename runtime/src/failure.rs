//! Failures and their reports.

use std::fmt;

use crate::schedule::Schedule;

/// The kind of a failure, in the vocabulary of API.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureKind {
    /// The body is blocked forever, or tasks wait on each other's locks.
    Deadlock,
    /// The body returned and some task can never finish.
    Leak,
    /// Two unordered accesses to a plain variable, one a write.
    DataRace,
    /// A task panicked (assertions and Go's runtime panics included).
    Panic,
    /// The body did not finish within `max_steps`.
    Nontermination,
    /// Two locks were taken in opposite orders, though nothing deadlocked.
    PotentialDeadlock,
    /// A replay token was malformed or the program no longer follows it.
    Replay,
    /// Exhaustive search replayed a schedule prefix and the program did
    /// something else: it depends on something goweave does not control.
    Nondeterminism,
}

impl FailureKind {
    /// The name used by `expect = "..."`.
    pub fn expect_name(self) -> &'static str {
        match self {
            FailureKind::Deadlock => "deadlock",
            FailureKind::Leak => "leak",
            FailureKind::DataRace => "race",
            FailureKind::Panic => "panic",
            FailureKind::Nontermination => "nontermination",
            FailureKind::PotentialDeadlock => "potential_deadlock",
            FailureKind::Replay => "replay",
            FailureKind::Nondeterminism => "nondeterminism",
        }
    }

    /// Parses an `expect` name (`"any"` is handled by the caller).
    pub fn from_expect_name(name: &str) -> Option<FailureKind> {
        Some(match name {
            "deadlock" => FailureKind::Deadlock,
            "leak" => FailureKind::Leak,
            "race" => FailureKind::DataRace,
            "panic" => FailureKind::Panic,
            "nontermination" => FailureKind::Nontermination,
            "potential_deadlock" => FailureKind::PotentialDeadlock,
            "nondeterminism" => FailureKind::Nondeterminism,
            _ => return None,
        })
    }

    fn title(self) -> &'static str {
        match self {
            FailureKind::Deadlock => "a deadlock",
            FailureKind::Leak => "a leaked task",
            FailureKind::DataRace => "a data race",
            FailureKind::Panic => "a panic",
            FailureKind::Nontermination => "nontermination",
            FailureKind::PotentialDeadlock => "a potential deadlock (lock-order inversion)",
            FailureKind::Replay => "a replay that could not be followed",
            FailureKind::Nondeterminism => "nondeterminism in the program under test",
        }
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expect_name())
    }
}

/// One task named by a failure, for tools and tests that should not parse
/// the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailureTask {
    pub(crate) id: usize,
    pub(crate) name: Option<String>,
    pub(crate) status: String,
    pub(crate) location: Option<String>,
}

impl FailureTask {
    /// The task's id in the failing execution (the body is 0).
    pub fn id(&self) -> usize {
        self.id
    }

    /// Its name, if it was given one.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// What it was doing, as the report says it ("blocked locking Mutex#1, ...").
    pub fn status(&self) -> &str {
        &self.status
    }

    /// `file:line:column` in user code where it was (or panicked).
    pub fn location(&self) -> Option<&str> {
        self.location.as_deref()
    }
}

/// What schedule minimization did for a failure: it replayed variations of
/// the failing execution and kept the one with the fewest preemptive
/// context switches that fails the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Minimization {
    pub(crate) from: usize,
    pub(crate) to: usize,
    pub(crate) replays: u64,
}

impl Minimization {
    /// Preemptive context switches of the execution exploration found.
    pub fn from(&self) -> usize {
        self.from
    }

    /// Preemptive context switches of the reported (minimized) execution.
    pub fn to(&self) -> usize {
        self.to
    }

    /// The replays the search ran.
    pub fn replays(&self) -> u64 {
        self.replays
    }
}

impl fmt::Display for Minimization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "minimized from {} to {} context switch{} in {} replay{}",
            self.from,
            self.to,
            if self.to == 1 { "" } else { "es" },
            self.replays,
            if self.replays == 1 { "" } else { "s" }
        )
    }
}

/// A failing execution: what went wrong, the report, and the schedule that
/// replays it. `Display` is the full report. One pointer wide, so
/// `Result<_, Failure>` stays small.
#[derive(Clone)]
pub struct Failure(pub(crate) Box<FailureData>);

#[derive(Clone)]
pub(crate) struct FailureData {
    pub(crate) kind: FailureKind,
    pub(crate) schedule: Schedule,
    pub(crate) executions: u64,
    pub(crate) replayed: bool,
    /// The report below the headline, identical on every replay.
    pub(crate) body: String,
    pub(crate) test_name: Option<String>,
    pub(crate) tasks: Vec<FailureTask>,
    pub(crate) strategy: crate::config::Strategy,
    pub(crate) seed: u64,
    /// `tracing` events of the failing execution, tagged with task and step.
    pub(crate) logs: Vec<String>,
    /// Where the Chrome trace went, or why it could not be written.
    pub(crate) trace_note: Option<String>,
    /// Set when the schedule was minimized; shown under the headline only,
    /// since the body must read the same when the token is replayed.
    pub(crate) minimized: Option<Minimization>,
    /// The threads that explored (named in the headline when more than one).
    pub(crate) threads: usize,
    /// `Config::early_timers`, when the failing execution made a timer.
    pub(crate) early_timers: Option<std::time::Duration>,
}

impl Failure {
    /// What kind of failure this is.
    pub fn kind(&self) -> FailureKind {
        self.0.kind
    }

    /// The schedule of the failing execution; its `Display` is the token.
    pub fn schedule(&self) -> &Schedule {
        &self.0.schedule
    }

    /// The executions run, the failing one included.
    pub fn executions(&self) -> u64 {
        self.0.executions
    }

    /// The tasks the failure involves, with what each was doing and where.
    pub fn tasks(&self) -> &[FailureTask] {
        &self.0.tasks
    }

    /// What schedule minimization did, if it ran (never on a replay).
    pub fn minimization(&self) -> Option<Minimization> {
        self.0.minimized
    }

    /// The report without its headline: the same on every replay.
    pub fn details(&self) -> &str {
        &self.0.body
    }

    /// The `tracing` events that tasks emitted in the failing execution, one
    /// line each, tagged with the scheduling step and the task (empty if
    /// none were emitted). The report shows them too.
    pub fn logs(&self) -> &[String] {
        &self.0.logs
    }

    fn headline(&self) -> String {
        if self.0.kind == FailureKind::Replay {
            return "goweave: could not replay the schedule".to_string();
        }
        let timers = self.0.early_timers.map(crate::config::early_timers_text);
        if self.0.replayed {
            let timers = timers.map(|t| format!(" ({t})")).unwrap_or_default();
            format!("goweave found {} when replaying a schedule{timers}", self.0.kind.title())
        } else {
            let timers = timers.map(|t| format!(", {t}")).unwrap_or_default();
            let threads =
                if self.0.threads > 1 { format!(" on {} threads", self.0.threads) } else { String::new() };
            format!(
                "goweave found {} after {} execution{}{threads} (strategy {}, seed {}{timers})",
                self.0.kind.title(),
                self.0.executions,
                if self.0.executions == 1 { "" } else { "s" },
                self.0.strategy,
                self.0.seed
            )
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.headline())?;
        if let Some(m) = self.0.minimized {
            writeln!(f, "({m})")?;
        }
        f.write_str(&self.0.body)?;
        self.fmt_forensics(f)?;
        if self.0.kind == FailureKind::Replay {
            writeln!(
                f,
                "\nA token replays one execution of the code it was recorded on. If the code changed, or\n\
                 depends on real time, real threads or hash order, explore again for a fresh token."
            )?;
        }
        if self.0.kind == FailureKind::Nondeterminism {
            writeln!(
                f,
                "\nExhaustive search needs each execution to be a function of its schedule. Likely causes:"
            )?;
            for cause in [
                "real time (std::time, Instant::now) instead of goweave::time;",
                "real threads or std::sync primitives shared with code outside the exploration;",
                "hash iteration order (a HashMap or HashSet with a random state: use a BTreeMap or a fixed hasher);",
                "global state kept between executions (a static, a thread-local): build all state inside the body,\n    which runs once per execution.",
            ] {
                writeln!(f, "  - {cause}")?;
            }
        }
        if !matches!(self.0.kind, FailureKind::Replay | FailureKind::Nondeterminism) {
            let token = self.0.schedule.to_string();
            writeln!(f)?;
            writeln!(f, "replay: {token}")?;
            match self.0.test_name.as_deref() {
                Some(name) => writeln!(f, "  GOWEAVE_REPLAY={token} cargo test {name} -- --exact")?,
                None => writeln!(f, "  GOWEAVE_REPLAY={token} <the command that ran this>")?,
            }
            writeln!(f, "  or #[goweave::concurrency_test(replay = \"{token}\")]")?;
            writeln!(f, "  or goweave::replay(\"{token}\", body)")?;
        }
        Ok(())
    }
}

impl Failure {
    /// The captured log lines and the trace file, between the report and
    /// the replay instructions.
    fn fmt_forensics(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.0.logs.is_empty() {
            writeln!(f, "\ntracing events of the failing execution:")?;
            for line in &self.0.logs {
                writeln!(f, "  {line}")?;
            }
        }
        if let Some(note) = &self.0.trace_note {
            writeln!(f, "\n{note}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Failure {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expect_names_round_trip() {
        for kind in [
            FailureKind::Deadlock,
            FailureKind::Leak,
            FailureKind::DataRace,
            FailureKind::Panic,
            FailureKind::Nontermination,
            FailureKind::PotentialDeadlock,
        ] {
            assert_eq!(FailureKind::from_expect_name(kind.expect_name()), Some(kind));
        }
        assert_eq!(FailureKind::from_expect_name("any"), None);
    }
}
