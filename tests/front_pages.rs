//! The first things a user reads: the top of the README and the front page
//! of the rustdoc (the facade's crate docs) start with how to set goweave
//! up and the attribute, before anything else.

/// The major and minor version, as a `[dev-dependencies]` line names it.
fn version() -> String {
    let version = env!("CARGO_PKG_VERSION");
    version.rsplit_once('.').map_or(version, |(major_minor, _)| major_minor).to_owned()
}

/// The fenced code blocks of `doc`, in order: (info string, contents).
fn code_blocks(doc: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in doc.lines() {
        let trimmed = line.trim_start();
        match (&mut open, trimmed.strip_prefix("```")) {
            (None, Some(info)) => open = Some((info.to_owned(), String::new())),
            (Some(_), Some(_)) => blocks.push(open.take().expect("open")),
            (Some((_, text)), None) => {
                text.push_str(trimmed);
                text.push('\n');
            }
            (None, None) => {}
        }
    }
    blocks
}

/// The README opens with its title, one sentence of what goweave is, and
/// the two commands to try it.
#[test]
fn the_readme_opens_with_a_sentence_then_the_commands() {
    let readme = include_str!("../README.md");
    let mut paragraphs = readme.split("\n\n");
    assert_eq!(paragraphs.next(), Some("# goweave"));
    let sentence = paragraphs.next().expect("a sentence");
    assert!(
        !sentence.starts_with("```") && sentence.ends_with('.') && sentence.matches(". ").count() == 0,
        "the title is followed by one sentence, not {sentence:?}"
    );
    assert_eq!(
        paragraphs.next(),
        Some("```sh\ncargo run --example tee_deadlock\ncargo test --workspace\n```")
    );
}

/// The dependency line and the attribute come first, in the README's quick
/// start and on the rustdoc front page, and both name this version.
#[test]
fn the_setup_and_the_attribute_come_first() {
    let dependency = format!("[dev-dependencies]\ngoweave = \"{}\"\n", version());
    let crate_docs: String = include_str!("../src/lib.rs")
        .lines()
        .filter_map(|line| line.strip_prefix("//!"))
        .map(|line| format!("{}\n", line.strip_prefix(' ').unwrap_or(line)))
        .collect();
    let readme = include_str!("../README.md");
    let quick_start = &readme[readme.find("## Quick start").expect("a quick start")..];
    for (page, text) in
        [("the crate docs of src/lib.rs", crate_docs.as_str()), ("the README's quick start", quick_start)]
    {
        let blocks = code_blocks(text);
        assert!(blocks.len() >= 2, "{page}: {blocks:?}");
        assert_eq!(blocks[0], ("toml".to_owned(), dependency.clone()), "{page} starts with the dependency");
        assert!(
            blocks[1].0.is_empty() || blocks[1].0 == "rust",
            "{page}: the second block is Rust code: {:?}",
            blocks[1]
        );
        assert!(blocks[1].1.contains("#[goweave::concurrency_test]"), "{page}: the attribute comes next");
    }
    let attribute = crate_docs.find("#[goweave::concurrency_test]").expect("the attribute");
    let explore = crate_docs.find("Config::").expect("the programmatic form");
    assert!(attribute < explore, "the attribute comes before `Config`");
}
