//! Schedules and their replay tokens.
//!
//! A schedule is the list of choices an execution made where it had a
//! choice (steps with a single enabled task are not recorded: they replay
//! by themselves). The token is `gw1:` followed by the URL-safe base64 of
//! the choices as LEB128 varints, each `4 * task` for "run this task",
//! `4 * arm + 1` for "fire this ready select arm" or `2` for "fire the
//! earliest timer". It contains no
//! whitespace, so it survives copy and paste from a terminal.
//!
//! A failure that needs several executions to show (a lock-order
//! inversion: one execution takes A then B, another B then A) has a token
//! with several runs, separated by `.`; replaying it runs each in turn.
//!
//! A token recorded with timers under a `Config::early_timers` other than
//! the default starts with that setting, `4 * k + 3` (`k = 0`: any timer
//! may fire early; otherwise `k - 1` nanoseconds), so that it replays the
//! same moves whatever the replaying configuration says.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

const PREFIX: &str = "gw1:";

/// One recorded decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Choice {
    /// Run this task for the next step.
    Task(usize),
    /// Fire the arm with this index among the ready ones.
    Arm(usize),
    /// Fire the earliest pending timer.
    Fire,
}

/// The choices of one execution (or of a few, for failures that span
/// executions); its `Display` is the replay token.
///
/// ```
/// let token = "gw1:AgQ";
/// let schedule: goweave::Schedule = token.parse().unwrap();
/// assert_eq!(schedule.to_string(), token);
/// assert_eq!(schedule.len(), 2);
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Schedule {
    choices: Vec<Choice>,
    /// Executions to replay before this one's `choices`.
    earlier: Vec<Vec<Choice>>,
    /// The `Config::early_timers` the runs need, when not the default.
    early_timers: Option<Duration>,
}

/// The longest `early_timers` a token states exactly, in nanoseconds (73
/// years); anything longer replays as `Duration::MAX`.
const LONGEST_STATED: u64 = (1 << 61) - 2;

impl Schedule {
    /// One schedule that replays `runs` one after the other.
    pub(crate) fn sequence(runs: &[&Schedule]) -> Schedule {
        let mut all: Vec<Vec<Choice>> = Vec::new();
        for run in runs {
            all.extend(run.earlier.iter().cloned());
            all.push(run.choices.clone());
        }
        let choices = all.pop().unwrap_or_default();
        let early_timers = runs.iter().find_map(|run| run.early_timers);
        Schedule { choices, earlier: all, early_timers }
    }

    /// The `Config::early_timers` this schedule was recorded under, if it
    /// must be stated (timers were made, and the setting was not the
    /// default).
    pub(crate) fn early_timers(&self) -> Option<Duration> {
        self.early_timers
    }

    /// States the `early_timers` setting the schedule needs to replay.
    pub(crate) fn set_early_timers(&mut self, longest: Duration) {
        let nanos = u64::try_from(longest.as_nanos()).unwrap_or(u64::MAX);
        self.early_timers = Some(if nanos > LONGEST_STATED { Duration::MAX } else { longest });
    }

    /// Every run's choices, in replay order.
    pub(crate) fn runs(&self) -> impl Iterator<Item = &[Choice]> {
        self.earlier.iter().map(Vec::as_slice).chain(std::iter::once(self.choices.as_slice()))
    }

    pub(crate) fn push(&mut self, choice: Choice) {
        self.choices.push(choice);
    }

    pub(crate) fn clear(&mut self) {
        self.choices.clear();
        self.earlier.clear();
        self.early_timers = None;
    }

    /// The number of recorded choices.
    pub fn len(&self) -> usize {
        self.choices.len()
    }

    /// True when the execution never had a choice to make.
    pub fn is_empty(&self) -> bool {
        self.choices.is_empty()
    }
}

fn encode(choices: &[Choice], early_timers: Option<Duration>) -> String {
    let mut bytes = Vec::with_capacity(choices.len() + 1);
    let mut push = |mut v: u64| loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            bytes.push(byte);
            break;
        }
        bytes.push(byte | 0x80);
    };
    if let Some(longest) = early_timers {
        let k = match u64::try_from(longest.as_nanos()) {
            Ok(nanos) if nanos <= LONGEST_STATED => nanos + 1,
            _ => 0,
        };
        push((k << 2) | 3);
    }
    for choice in choices {
        push(match *choice {
            Choice::Task(t) => (t as u64) << 2,
            Choice::Arm(a) => ((a as u64) << 2) | 1,
            Choice::Fire => 2,
        });
    }
    URL_SAFE_NO_PAD.encode(bytes)
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(PREFIX)?;
        for (i, run) in self.runs().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            f.write_str(&encode(run, self.early_timers.filter(|_| i == 0)))?;
        }
        Ok(())
    }
}

impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Schedule({self})")
    }
}

/// Why a replay token could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseScheduleError {
    message: String,
}

impl fmt::Display for ParseScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseScheduleError {}

impl FromStr for Schedule {
    type Err = ParseScheduleError;

    fn from_str(token: &str) -> Result<Schedule, ParseScheduleError> {
        let err =
            |why: &str| ParseScheduleError { message: format!("malformed replay token {token:?}: {why}") };
        let body = token.trim().strip_prefix(PREFIX).ok_or_else(|| {
            err("a goweave token starts with `gw1:` (copy it whole from the failure report)")
        })?;
        let mut early_timers = None;
        let mut runs = body
            .split('.')
            .enumerate()
            .map(|(i, run)| decode(run, (i == 0).then_some(&mut early_timers)).map_err(|why| err(&why)))
            .collect::<Result<Vec<_>, _>>()?;
        let choices = runs.pop().unwrap_or_default();
        Ok(Schedule { choices, earlier: runs, early_timers })
    }
}

/// Reads one run's choices; the first run may state `early_timers` first.
fn decode(run: &str, mut early_timers: Option<&mut Option<Duration>>) -> Result<Vec<Choice>, String> {
    let bytes =
        URL_SAFE_NO_PAD.decode(run).map_err(|e| format!("not URL-safe base64 ({e}); was it cut short?"))?;
    let mut choices = Vec::with_capacity(bytes.len());
    let mut value: u64 = 0;
    let mut shift = 0u32;
    for (i, &byte) in bytes.iter().enumerate() {
        if shift > 56 {
            return Err(format!("choice at byte {i} is too large"));
        }
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 != 0 {
            shift += 7;
            continue;
        }
        if value & 3 == 3 && choices.is_empty() {
            if let Some(slot) = early_timers.take().filter(|slot| slot.is_none()) {
                let k = value >> 2;
                *slot = Some(if k == 0 { Duration::MAX } else { Duration::from_nanos(k - 1) });
                value = 0;
                shift = 0;
                continue;
            }
        }
        let index = usize::try_from(value >> 2).map_err(|_| "choice too large".to_string())?;
        choices.push(match value & 3 {
            0 => Choice::Task(index),
            1 => Choice::Arm(index),
            2 if index == 0 => Choice::Fire,
            _ => return Err(format!("unknown choice {value} at byte {i}")),
        });
        value = 0;
        shift = 0;
    }
    if shift != 0 {
        return Err("it ends in the middle of a choice; was it cut short?".to_string());
    }
    Ok(choices)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn choice() -> impl Strategy<Value = Choice> {
        prop_oneof![
            (0usize..5000).prop_map(Choice::Task),
            (0usize..300).prop_map(Choice::Arm),
            Just(Choice::Fire)
        ]
    }

    proptest! {
        #[test]
        fn token_round_trips(choices in proptest::collection::vec(choice(), 0..200)) {
            let schedule = Schedule { choices, earlier: Vec::new(), early_timers: None };
            let token = schedule.to_string();
            prop_assert!(token.starts_with("gw1:"));
            prop_assert!(!token.chars().any(char::is_whitespace));
            prop_assert!(token[4..].chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
            let back: Schedule = token.parse().unwrap();
            prop_assert_eq!(back, schedule);
        }
    }

    #[test]
    fn small_choices_take_one_byte() {
        let schedule = Schedule {
            choices: vec![Choice::Task(1), Choice::Arm(2), Choice::Task(0), Choice::Fire],
            earlier: Vec::new(),
            early_timers: None,
        };
        assert_eq!(schedule.to_string(), "gw1:BAkAAg");
    }

    #[test]
    fn several_runs_round_trip() {
        let a = Schedule { choices: vec![Choice::Task(1)], earlier: Vec::new(), early_timers: None };
        let b = Schedule {
            choices: vec![Choice::Task(2), Choice::Arm(0)],
            earlier: Vec::new(),
            early_timers: None,
        };
        let both = Schedule::sequence(&[&a, &b]);
        let token = both.to_string();
        assert_eq!(token, "gw1:BA.CAE");
        let back: Schedule = token.parse().unwrap();
        assert_eq!(back, both);
        assert_eq!(back.runs().count(), 2);
    }

    #[test]
    fn a_token_states_a_non_default_early_timers_setting_first() {
        for (longest, back) in [
            (Duration::ZERO, Duration::ZERO),
            (Duration::from_millis(250), Duration::from_millis(250)),
            (Duration::from_nanos(1_500), Duration::from_nanos(1_500)),
            (Duration::MAX, Duration::MAX),
            // Beyond 73 years a token says "any timer".
            (Duration::from_secs(100 * 365 * 86_400), Duration::MAX),
        ] {
            let mut a = Schedule { choices: vec![Choice::Fire, Choice::Task(1)], ..Schedule::default() };
            a.set_early_timers(longest);
            let b = Schedule { choices: vec![Choice::Task(3)], ..Schedule::default() };
            for schedule in [a.clone(), Schedule::sequence(&[&a, &b])] {
                let parsed: Schedule = schedule.to_string().parse().unwrap();
                assert_eq!(parsed.early_timers(), Some(back), "{schedule}");
                assert_eq!(parsed.runs().collect::<Vec<_>>(), schedule.runs().collect::<Vec<_>>());
            }
        }
        // `0` as the setting: one byte, `3`.
        let mut zero = Schedule { choices: vec![Choice::Fire], ..Schedule::default() };
        zero.set_early_timers(Duration::ZERO);
        assert_eq!(zero.to_string(), "gw1:BwI");
        // Only first, and only once.
        for token in ["gw1:AgM", "gw1:BwcC", "gw1:AA.BwI"] {
            let e = token.parse::<Schedule>().unwrap_err().to_string();
            assert!(e.contains("unknown choice"), "{token}: {e}");
        }
    }

    #[test]
    fn malformed_tokens_say_why() {
        let e = "abc".parse::<Schedule>().unwrap_err().to_string();
        assert!(e.contains("starts with `gw1:`"), "{e}");
        let e = "gw1:!!".parse::<Schedule>().unwrap_err().to_string();
        assert!(e.contains("base64"), "{e}");
        let e = "gw1:gA".parse::<Schedule>().unwrap_err().to_string();
        assert!(e.contains("middle of a choice"), "{e}");
    }
}
