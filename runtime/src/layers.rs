//! Checks of the house plan (see the crate docs): every dependency between
//! the crate's layers points down, the layers form no cycle, and no file
//! grows past the size a reader can hold without a reason in its docs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each layer (a top-level module of the crate) and the layers it may use.
/// Inside a layer, files are parts of one module and use each other freely.
const ALLOWED: &[(&str, &[&str])] = &[
    ("footprint", &[]),
    ("schedule", &[]),
    ("failure", &["schedule", "config"]),
    ("config", &[]),
    ("strategy", &["footprint", "schedule", "failure"]),
    ("rt", &["strategy", "footprint", "schedule", "failure", "config"]),
    // The native backends: real threads, under the Go API beside `rt`.
    ("native", &["rt", "footprint"]),
    ("task", &["rt", "native", "footprint"]),
    ("scope", &["task", "rt", "native", "footprint"]),
    ("chan", &["rt", "native", "footprint"]),
    ("select", &["chan", "rt", "native", "footprint"]),
    ("select_macro", &[]),
    ("shared", &["rt", "native"]),
    ("sync", &["rt", "native", "footprint"]),
    ("time", &["chan", "rt", "native"]),
    ("context", &["chan", "time", "rt", "native"]),
    ("report", &["rt", "strategy", "config", "failure", "schedule", "footprint"]),
    ("explore", &["report", "rt", "strategy", "config", "failure", "schedule", "footprint"]),
    // Built on the public API only, as a user's crate would be.
    ("x", &["chan", "context", "sync", "shared", "select_macro", "time", "task"]),
];

/// The public items of the crate root that `x` may name as `crate::Item`.
const PUBLIC_ROOT_ITEMS: &[&str] = &["Shared", "go", "chan", "select", "Builder", "JoinHandle"];

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The layer of a file: its top-level module.
fn layer(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src");
    let first = rel.components().next().expect("a component").as_os_str().to_string_lossy().to_string();
    first.trim_end_matches(".rs").to_string()
}

/// The layers a file names as `crate::layer`, outside comments.
fn uses(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            let before = rest[..i].chars().last();
            rest = &rest[i + "crate::".len()..];
            // `$crate::` in a macro names the crate's root items.
            if before == Some('$') {
                continue;
            }
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
        // Grouped imports: `use crate::{a, b::c};`.
        if let Some(i) = code.find("use crate::{") {
            let group = &code[i + "use crate::{".len()..];
            for item in group.split([',', '}']) {
                let name: String =
                    item.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if !name.is_empty() {
                    found.insert(name);
                }
            }
        }
    }
    found
}

#[test]
fn every_dependency_between_layers_points_down() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    source_files(&src, &mut files);
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut wrong = Vec::new();
    for file in &files {
        let from = layer(&src, file);
        if from == "lib" || from == "layers" {
            continue;
        }
        let may = allowed.get(from.as_str()).unwrap_or_else(|| panic!("layer {from} is not in ALLOWED"));
        let text = std::fs::read_to_string(file).expect("read file");
        for to in uses(&text) {
            if to == from {
                continue;
            }
            if from == "x" && PUBLIC_ROOT_ITEMS.contains(&to.as_str()) {
                continue;
            }
            graph.entry(from.clone()).or_default().insert(to.clone());
            if !may.contains(&to.as_str()) {
                wrong.push(format!("{} uses crate::{to}", file.strip_prefix(&src).unwrap().display()));
            }
        }
    }
    assert!(wrong.is_empty(), "dependencies that do not point down:\n{}", wrong.join("\n"));
    // And no cycle, whatever the table says: a depth-first search finds no
    // edge back to a layer on the current path.
    fn visit<'a>(
        node: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if done.contains(node) {
            return;
        }
        assert!(!path.contains(&node), "an import cycle: {} -> {node}", path.join(" -> "));
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, path, done);
        }
        path.pop();
        done.insert(node);
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, &graph, &mut Vec::new(), &mut done);
    }
}

#[test]
fn no_file_is_longer_than_a_reader_can_hold_without_a_reason() {
    const LIMIT: usize = 800;
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    source_files(&src, &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|file| {
            let text = std::fs::read_to_string(file).expect("read file");
            let lines = text.lines().count();
            let reason = text.lines().take_while(|l| l.starts_with("//!")).any(|l| l.contains("stays whole"));
            (lines > LIMIT && !reason).then(|| format!("{} ({lines} lines)", file.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "files over {LIMIT} lines whose module docs do not say why:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_checker_sees_imports() {
    let text = "use crate::rt::{a, b};\nuse crate::{chan, sync::Mutex};\n// crate::report in a comment\nx($crate::y)";
    let found: Vec<String> = uses(text).into_iter().collect();
    assert_eq!(found, ["chan", "rt", "sync"]);
}
