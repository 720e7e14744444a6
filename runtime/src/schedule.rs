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

use std::fmt;
use std::str::FromStr;

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
}

impl Schedule {
    /// One schedule that replays `runs` one after the other.
    pub(crate) fn sequence(runs: &[&Schedule]) -> Schedule {
        let mut all: Vec<Vec<Choice>> = Vec::new();
        for run in runs {
            all.extend(run.earlier.iter().cloned());
            all.push(run.choices.clone());
        }
        let choices = all.pop().unwrap_or_default();
        Schedule { choices, earlier: all }
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

fn encode(choices: &[Choice]) -> String {
    let mut bytes = Vec::with_capacity(choices.len());
    for choice in choices {
        let mut v = match *choice {
            Choice::Task(t) => (t as u64) << 2,
            Choice::Arm(a) => ((a as u64) << 2) | 1,
            Choice::Fire => 2,
        };
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                bytes.push(byte);
                break;
            }
            bytes.push(byte | 0x80);
        }
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
            f.write_str(&encode(run))?;
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
        let mut runs =
            body.split('.').map(|run| decode(run).map_err(|why| err(&why))).collect::<Result<Vec<_>, _>>()?;
        let choices = runs.pop().unwrap_or_default();
        Ok(Schedule { choices, earlier: runs })
    }
}

fn decode(run: &str) -> Result<Vec<Choice>, String> {
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
            let schedule = Schedule { choices, earlier: Vec::new() };
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
        };
        assert_eq!(schedule.to_string(), "gw1:BAkAAg");
    }

    #[test]
    fn several_runs_round_trip() {
        let a = Schedule { choices: vec![Choice::Task(1)], earlier: Vec::new() };
        let b = Schedule { choices: vec![Choice::Task(2), Choice::Arm(0)], earlier: Vec::new() };
        let both = Schedule::sequence(&[&a, &b]);
        let token = both.to_string();
        assert_eq!(token, "gw1:BA.CAE");
        let back: Schedule = token.parse().unwrap();
        assert_eq!(back, both);
        assert_eq!(back.runs().count(), 2);
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
