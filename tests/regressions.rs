//! Regression files of `#[concurrency_test]`: an unexpected failure's token
//! is saved, replayed first by later runs, and reported as fixed or stale
//! when it no longer fails. Every test here writes to a temporary
//! directory, never into the repository.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use goweave::sync::atomic::{AtomicUsize, Ordering};
use goweave::{Config, Strategy};

/// The path the macro passes for a test `name` in this file.
fn test_path(name: &str) -> String {
    format!("{}::{name}", module_path!())
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("goweave-regressions-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A counter incremented by two tasks: with a load and a store (`buggy`)
/// an update can be lost; with a load and a `fetch_add` it cannot. Both take
/// the same steps, so the buggy version's token still fits the fixed one.
fn counter(buggy: bool) -> impl Fn() + Send + Sync + 'static {
    move || {
        let n = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let n = n.clone();
                goweave::go(move || {
                    if buggy {
                        let v = n.load(Ordering::SeqCst);
                        n.store(v + 1, Ordering::SeqCst);
                    } else {
                        let _ = n.load(Ordering::SeqCst);
                        n.fetch_add(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(n.load(Ordering::SeqCst), 2, "an update was lost");
    }
}

fn dfs() -> Config {
    Config::default().strategy(Strategy::Dfs { preemption_bound: None }).iterations(10_000)
}

/// Runs a test as `#[concurrency_test]` does; the panic report if it fails.
fn run(config: Config, name: &str, expect: Option<&'static str>, buggy: bool) -> Option<String> {
    let name: &'static str = Box::leak(test_path(name).into_boxed_str());
    catch_unwind(AssertUnwindSafe(|| goweave::__private::run_test(config, name, expect, counter(buggy))))
        .err()
        .map(|p| p.downcast_ref::<String>().cloned().expect("a String report"))
}

fn tokens(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with("gw1:"))
        .map(str::to_string)
        .collect()
}

/// The file of test `name` of this binary under `dir`.
fn file_of(dir: &Path, name: &str) -> PathBuf {
    let mut path = dir.to_path_buf();
    let path_name = test_path(name);
    let segments: Vec<&str> = path_name.split("::").collect();
    for s in &segments[..segments.len() - 1] {
        path.push(s);
    }
    path.push(format!("{}.txt", segments[segments.len() - 1]));
    path
}

#[test]
fn a_saved_regression_is_replayed_first_and_found() {
    let dir = temp_dir("replayed");
    let file = file_of(&dir, "lost_update");
    let report = run(dfs().regressions_dir(&dir), "lost_update", None, true).expect("the bug is found");
    let saved = tokens(&file);
    assert_eq!(saved.len(), 1, "{file:?}");
    assert!(report.contains(&format!("replay: {}", saved[0])), "{report}");
    let text = std::fs::read_to_string(&file).unwrap();
    let headline = report.lines().next().unwrap();
    assert!(text.contains(&format!("# {headline}\n{}\n", saved[0])), "{text}");

    // The next run replays the saved token before exploring. A random walk
    // of one execution would be unlikely to find the bug by itself; the
    // saved token finds it at once.
    let config = Config::default().strategy(Strategy::Random).iterations(1).seed(3).regressions_dir(&dir);
    let again = run(config, "lost_update", None, true).expect("the saved token still fails");
    assert!(
        again.starts_with(&format!("goweave: a schedule saved in {} fails again:\n", file.display())),
        "{again}"
    );
    assert!(again.contains("when replaying a schedule"), "{again}");
    assert!(again.contains(&saved[0]), "{again}");
    // Not saved twice.
    assert_eq!(tokens(&file), saved);
}

#[test]
fn expected_failures_are_never_saved() {
    let dir = temp_dir("expected");
    assert!(run(dfs().regressions_dir(&dir), "expected", Some("panic"), true).is_none());
    assert!(!dir.exists(), "nothing may be written for expect = ...");
}

#[test]
fn a_failure_without_choices_is_not_saved() {
    // It fails in every execution, so the next run finds it at once anyway.
    let dir = temp_dir("choiceless");
    let name: &'static str = Box::leak(test_path("always").into_boxed_str());
    let config = dfs().regressions_dir(&dir);
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        goweave::__private::run_test(config, name, None, || -> () { panic!("always") })
    }));
    assert!(outcome.is_err());
    assert!(!dir.exists());
}

#[test]
fn a_second_bug_is_appended_below_the_first() {
    let dir = temp_dir("appended");
    let file = file_of(&dir, "two_bugs");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    // A token of another program: stale for this one, and left alone.
    std::fs::write(&file, "# an old failure\ngw1:KCgo\n").unwrap();
    assert!(run(dfs().regressions_dir(&dir), "two_bugs", None, true).is_some());
    let saved = tokens(&file);
    assert_eq!(saved.len(), 2, "{saved:?}");
    assert_eq!(saved[0], "gw1:KCgo");
}

/// Runs this binary's `child` test in a new process with `mode`, the
/// given `GOWEAVE_REGRESSIONS`, and `manifest` as the crate directory (where
/// the default setting would write), and returns (success, stderr).
fn spawn_child(mode: &str, regressions: &Path, manifest: &Path) -> (bool, String) {
    // The harness names a test by its module path without the crate's name.
    let child = test_path("child");
    let child = child.split_once("::").map_or("child", |(_, test)| test);
    let out = Command::new(std::env::current_exe().unwrap())
        .args([child, "--exact", "--nocapture", "--test-threads=1"])
        .env("GOWEAVE_REGRESSIONS_CHILD", mode)
        .env("GOWEAVE_REGRESSIONS", regressions)
        .env("CARGO_MANIFEST_DIR", manifest)
        .env_remove("GOWEAVE_REPLAY")
        .output()
        .expect("the test binary runs");
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// In a child process (see [`spawn_child`]): the `child_body` test, buggy or
/// fixed, with the default configuration, as a `#[concurrency_test]` would
/// run it. Run directly, it checks that the fixed counter passes.
#[test]
fn child() {
    let mode = std::env::var("GOWEAVE_REGRESSIONS_CHILD").unwrap_or_default();
    let config = Config::default().strategy(Strategy::Dfs { preemption_bound: None });
    let name: &'static str = Box::leak(test_path("child_body").into_boxed_str());
    match mode.as_str() {
        "buggy" => goweave::__private::run_test(config, name, None, counter(true)),
        "fixed" => goweave::__private::run_test(config, name, None, counter(false)),
        _ => goweave::__private::run_test(config.regressions(false), name, None, counter(false)),
    }
}

#[test]
fn a_fixed_bugs_token_is_reported_as_fixed_and_a_stale_one_as_stale() {
    let dir = temp_dir("fixed");
    let manifest = temp_dir("fixed-manifest");
    let (passed, stderr) = spawn_child("buggy", &dir, &manifest);
    assert!(!passed, "{stderr}");
    let file = file_of(&dir, "child_body");
    let saved = tokens(&file);
    assert_eq!(saved.len(), 1, "{stderr}");
    // Add a token that does not parse, as a hand edit might leave it.
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str("gw1:not*base64\n");
    std::fs::write(&file, &text).unwrap();

    let (passed, stderr) = spawn_child("fixed", &dir, &manifest);
    assert!(passed, "a fixed bug's saved token must not fail the run:\n{stderr}");
    assert!(
        stderr.contains(&format!("goweave: fixed: {} (saved in {})", saved[0], file.display())),
        "{stderr}"
    );
    assert!(stderr.contains("goweave: stale: gw1:not*base64"), "{stderr}");
    // The file is left as it was: deleting lines is the user's call.
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    assert!(!manifest.exists(), "a directory given by GOWEAVE_REGRESSIONS replaces the default");
}

#[test]
fn the_default_directory_is_next_to_the_crate_and_off_writes_nothing() {
    let manifest = temp_dir("default-manifest");
    std::fs::create_dir_all(&manifest).unwrap();
    let (passed, stderr) = spawn_child("buggy", Path::new("off"), &manifest);
    assert!(!passed, "{stderr}");
    assert!(stderr.contains("goweave found a panic"), "{stderr}");
    assert!(std::fs::read_dir(&manifest).unwrap().next().is_none(), "GOWEAVE_REGRESSIONS=off wrote a file");

    // An empty GOWEAVE_REGRESSIONS is the default: the crate's directory.
    let (passed, stderr) = spawn_child("buggy", Path::new(""), &manifest);
    assert!(!passed, "{stderr}");
    assert_eq!(tokens(&file_of(&manifest.join("goweave-regressions"), "child_body")).len(), 1, "{stderr}");
}

/// Explorations keep their buffers on the thread for the next one, but
/// never the program's values: everything the body made is dropped by the
/// time `explore` returns.
#[test]
fn no_value_of_the_body_outlives_its_exploration() {
    for strategy in [Strategy::Dfs { preemption_bound: None }, Strategy::Random] {
        let shared = Arc::new(0u8);
        let held = shared.clone();
        Config::default()
            .strategy(strategy)
            .iterations(20)
            .threads(1)
            .explore(move || {
                let (tx, rx) = goweave::chan::<Arc<u8>>(1);
                tx.send(held.clone());
                let value = rx.recv();
                let keep = goweave::go(move || drop(value));
                keep.join().unwrap();
            })
            .unwrap_or_else(|f| panic!("{f}"));
        assert_eq!(Arc::strong_count(&shared), 1, "{strategy}: a value outlived the exploration");
    }
}
