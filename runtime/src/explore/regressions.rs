//! Regression files: the schedules of a `#[concurrency_test]`'s unexpected
//! failures, saved next to the crate and replayed before every later run.
//!
//! A file is `<dir>/<test path>.txt`, one directory per module, meant to be
//! committed. Lines starting with `#` are comments (each saved token is
//! preceded by its failure's headline); every other non-empty line is a
//! token. A token that no longer fails is reported as fixed, one that no
//! longer follows the code (or does not parse) as stale; neither fails the
//! run.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::failure::{Failure, FailureKind};
use crate::rt::Body;
use crate::schedule::Schedule;

/// The regression file of one test.
pub(crate) struct File {
    path: PathBuf,
    test: String,
}

const HEADER: &str = "\
# Schedules of failures goweave found in this test. Every run of the test
# replays them before exploring. Commit this file; delete a token's lines
# once its bug is fixed (the test then reports the token as fixed).
";

impl File {
    /// The file of test `name` (a module path, `crate::module::test`), if
    /// regression files are on and no replay token is in force.
    pub(crate) fn for_test(config: &Config, name: &str) -> Option<File> {
        if config.replay_token().is_some() {
            return None;
        }
        let dir = config.regressions.dir()?;
        let mut path = dir;
        let segments: Vec<&str> = name.split("::").filter(|s| !s.is_empty()).collect();
        for (i, segment) in segments.iter().enumerate() {
            // Module names are identifiers; anything else (a `r#` prefix)
            // must not reach the file system.
            let clean: String =
                segment.chars().map(|c| if c.is_alphanumeric() || c == '_' { c } else { '_' }).collect();
            if i + 1 == segments.len() {
                path.push(format!("{clean}.txt"));
            } else {
                path.push(clean);
            }
        }
        Some(File { path, test: name.to_string() })
    }

    /// The saved tokens, in file order.
    fn tokens(&self) -> Vec<String> {
        let Ok(text) = std::fs::read_to_string(&self.path) else {
            return Vec::new();
        };
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect()
    }

    /// Replays every saved token. Returns the report of the first that
    /// still fails; notes the fixed and stale ones on stderr.
    pub(crate) fn replay_saved(&self, config: &Config, body: &Body) -> Option<String> {
        for token in self.tokens() {
            let outcome = config.clone().replay(token.as_str()).progress(false).explore_body(body.clone());
            match outcome {
                Ok(_) => eprintln!(
                    "goweave: fixed: {token} (saved in {}) no longer fails {}; delete its lines once the \
                     fix is in",
                    self.path.display(),
                    self.test
                ),
                Err(failure) if failure.kind() == FailureKind::Replay => {
                    let why = failure.details().lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
                    eprintln!(
                        "goweave: stale: {token} (saved in {}) no longer follows the code of {}: {why}",
                        self.path.display(),
                        self.test
                    );
                }
                Err(failure) => {
                    return Some(format!(
                        "goweave: a schedule saved in {} fails again:\n{failure}",
                        self.path.display()
                    ))
                }
            }
        }
        None
    }

    /// Appends the failure's token, with its headline as a comment, unless
    /// the file has it already. Failing to write only warns: the report
    /// matters more than the file.
    pub(crate) fn save(&self, failure: &Failure) {
        // A failure without choices happens in every execution: the first
        // one of any exploration finds it again, so saving adds nothing.
        let token = failure.schedule().to_string();
        if failure.kind() == FailureKind::Replay || token == Schedule::default().to_string() {
            return;
        }
        if self.tokens().contains(&token) {
            return;
        }
        let headline = failure.to_string().lines().next().unwrap_or_default().to_string();
        if let Err(e) = append(&self.path, &headline, &token) {
            eprintln!("goweave: could not save the failing schedule to {}: {e}", self.path.display());
        }
    }

    /// The file's path.
    #[cfg(test)]
    fn path(&self) -> &Path {
        &self.path
    }
}

fn append(path: &Path, headline: &str, token: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let fresh = !path.exists();
    let mut text = String::new();
    if fresh {
        text.push_str(HEADER);
    }
    let _ = writeln!(text, "# {headline}\n{token}");
    std::fs::OpenOptions::new().create(true).append(true).open(path)?.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_path_becomes_directories_and_a_file() {
        let config = Config::default().regressions_dir("/tmp/x");
        let file = File::for_test(&config, "bugs::bank::r#lost_update").expect("on");
        assert_eq!(file.path(), Path::new("/tmp/x/bugs/bank/r_lost_update.txt"));
        assert!(File::for_test(&config.clone().regressions(false), "a::b").is_none());
        assert!(File::for_test(&config.replay("gw1:AgQ"), "a::b").is_none());
    }

    #[test]
    fn comments_and_blank_lines_are_not_tokens() {
        let dir = std::env::temp_dir().join(format!("goweave-regr-unit-{}", std::process::id()));
        let file = File { path: dir.join("t.txt"), test: "t".to_string() };
        append(file.path(), "goweave found a panic", "gw1:AgQ").unwrap();
        append(file.path(), "goweave found a deadlock", "gw1:BA").unwrap();
        let text = std::fs::read_to_string(file.path()).unwrap();
        assert!(text.starts_with("# Schedules of failures"), "{text}");
        assert_eq!(text.matches("# goweave found").count(), 2, "{text}");
        assert_eq!(file.tokens(), ["gw1:AgQ", "gw1:BA"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
