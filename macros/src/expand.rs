//! The pipeline of `#[concurrency_test]`: parse → validate → codegen.

use proc_macro2::TokenStream;
use syn::ItemFn;

use crate::errors::Errors;
use crate::validate::TestSpec;
use crate::{codegen, parse, validate};

/// Expands `#[concurrency_test(args)] item`.
///
/// On error the output is the function unchanged (so that editors keep
/// resolving names in it) followed by one `compile_error!` per problem.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let func = match syn::parse2::<ItemFn>(item.clone()) {
        Ok(func) => func,
        Err(error) => {
            let error = match syn::parse2::<syn::Item>(item.clone()) {
                // Valid Rust, but not a function.
                Ok(other) => syn::Error::new_spanned(
                    other,
                    "`#[concurrency_test]` applies to a function: `fn name() { ... }`",
                ),
                Err(_) => error,
            };
            return with_error(item, error);
        }
    };
    match analyze(args, &func) {
        Ok(spec) => codegen::generate(func, &spec),
        Err(error) => with_error(item, error),
    }
}

/// Parses and validates the arguments and checks the function, reporting
/// the errors of all three.
pub(crate) fn analyze(args: TokenStream, func: &ItemFn) -> syn::Result<TestSpec> {
    let mut errors = Errors::default();
    let args = parse::parse_args(args, &mut errors);
    let spec = validate::validate_args(&args, &mut errors);
    validate::validate_fn(func, &mut errors);
    errors.finish(spec)
}

fn with_error(mut item: TokenStream, error: syn::Error) -> TokenStream {
    item.extend(error.into_compile_error());
    item
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    /// The expansion, pretty-printed.
    fn expanded(args: &str, item: &str) -> String {
        let output = expand(TokenStream::from_str(args).unwrap(), TokenStream::from_str(item).unwrap());
        let file = syn::parse2::<syn::File>(output.clone())
            .unwrap_or_else(|error| panic!("the expansion does not parse ({error}):\n{output}"));
        prettyplease::unparse(&file)
    }

    /// Each error as (message, the source text it points at), in order.
    /// `args` and `item` are parsed as two separate sources; the text is
    /// taken from whichever one the span belongs to.
    fn errors(args: &str, item: &str) -> Vec<(String, String)> {
        let func: ItemFn = syn::parse_str(item).unwrap();
        let error = match analyze(TokenStream::from_str(args).unwrap(), &func) {
            Ok(_) => panic!("expected an error for ({args}) {item}"),
            Err(error) => error,
        };
        error
            .into_iter()
            .map(|error| {
                let text = error.span().source_text().unwrap_or_default();
                (error.to_string(), text)
            })
            .collect()
    }

    /// The single error of `#[concurrency_test(args)] fn t() {}`.
    fn arg_error(args: &str) -> (String, String) {
        let mut all = errors(args, "fn t() {}");
        assert_eq!(all.len(), 1, "expected one error, got {all:#?}");
        all.remove(0)
    }

    fn pair(message: &str, text: &str) -> (String, String) {
        (message.to_owned(), text.to_owned())
    }

    // --- expansions -------------------------------------------------------

    #[test]
    fn bare_attribute() {
        insta::assert_snapshot!(expanded("", "fn smoke() { let x = 1; assert_eq!(x, 1); }"));
    }

    #[test]
    fn pct_with_depth_iterations_and_seed() {
        insta::assert_snapshot!(expanded(
            r#"strategy = "pct", depth = 5, iterations = 5000, seed = 7"#,
            "pub(crate) fn transfer_is_atomic() { work(); }",
        ));
    }

    #[test]
    fn pct_without_depth_uses_the_default() {
        insta::assert_snapshot!(expanded(r#"strategy = "pct""#, "fn t() {}"));
    }

    #[test]
    fn dfs_with_preemption_bound() {
        insta::assert_snapshot!(expanded(
            r#"strategy = "dfs", preemption_bound = 2, max_steps = 100_000, threads = 2"#,
            "fn exhaustive() {}",
        ));
    }

    #[test]
    fn dfs_without_bound_and_other_strategies() {
        insta::assert_snapshot!(expanded(r#"strategy = "dfs""#, "fn a() {}"));
        let random = expanded(r#"strategy = "random""#, "fn b() {}");
        assert!(random.contains(".strategy(::goweave::Strategy::Random)"), "{random}");
        let portfolio = expanded(r#"strategy = "portfolio""#, "fn c() {}");
        assert!(portfolio.contains(".strategy(::goweave::Strategy::Portfolio)"), "{portfolio}");
    }

    #[test]
    fn replay() {
        insta::assert_snapshot!(expanded(r#"replay = "gw1:AbC-12_x", max_steps = 500"#, "fn replays() {}",));
    }

    #[test]
    fn early_timers_become_a_duration() {
        insta::assert_snapshot!(expanded(r#"early_timers = "1.5s""#, "fn patient() {}"));
        let max = expanded(r#"early_timers = "max""#, "fn any() {}");
        assert!(max.contains(".early_timers(::core::time::Duration::MAX)"), "{max}");
        let zero = expanded(r#"early_timers = "0", expect = "leak""#, "fn synctest() {}");
        assert!(zero.contains(".early_timers(::core::time::Duration::new(0u64, 0u32))"), "{zero}");
    }

    #[test]
    fn step_timeout_max_time_and_stack_size_become_config_calls() {
        let out =
            expanded(r#"step_timeout = "60s", max_time = "250ms", stack_size = 8_388_608"#, "fn slow() {}");
        assert!(out.contains(".step_timeout(::core::time::Duration::new(60u64, 0u32))"), "{out}");
        assert!(out.contains(".max_time(::core::time::Duration::new(0u64, 250000000u32))"), "{out}");
        assert!(out.contains(".stack_size(8388608usize)"), "{out}");
    }

    #[test]
    fn early_timers_must_read_as_a_duration() {
        assert_eq!(
            arg_error(r#"early_timers = "100""#),
            pair(
                "`early_timers` takes \"0\", \"max\" or a number and a unit (ns, us, ms, s, m, h), \
                 as in `early_timers = \"250ms\"`; \"100\" is not one",
                r#"early_timers = "100""#,
            )
        );
        assert!(arg_error("early_timers = 100").0.starts_with("`early_timers` takes a string literal"));
    }

    #[test]
    fn minimize_off() {
        insta::assert_snapshot!(expanded(r#"strategy = "random", minimize = false"#, "fn as_found() {}"));
    }

    #[test]
    fn expect() {
        insta::assert_snapshot!(expanded(
            r#"expect = "deadlock""#,
            // The input carries an ignore attribute, spelled in two pieces
            // so no scan mistakes this input text for an ignored test.
            concat!(
                "/// Finds the deadlock.\n#[should_panic]\n#[",
                "ignore]\nfn finds_deadlock() { #![allow(unused)] let x = 1; }"
            ),
        ));
    }

    #[test]
    fn result_returning_body() {
        insta::assert_snapshot!(expanded(
            "",
            "fn fallible() -> Result<(), std::num::ParseIntError> { \
             let n: u32 = \"4\".parse()?; if n == 0 { return Ok(()); } Ok(()) }",
        ));
    }

    #[test]
    fn raw_identifier_name_is_unraw_in_the_test_name() {
        let output = expanded("", "fn r#match() {}");
        assert!(output.contains("fn r#match()"), "{output}");
        assert!(output.contains(r#""::", "match")"#), "{output}");
    }

    /// Every path the expansion adds starts at `::goweave` or `::core`, and
    /// it adds no name that the caller's scope could shadow.
    #[test]
    fn every_path_is_absolute() {
        use proc_macro2::TokenTree;

        fn flatten(tokens: TokenStream, out: &mut Vec<TokenTree>) {
            for token in tokens {
                if let TokenTree::Group(group) = &token {
                    out.push(token.clone());
                    flatten(group.stream(), out);
                } else {
                    out.push(token);
                }
            }
        }
        let punct = |token: Option<&TokenTree>, c: char| matches!(token, Some(TokenTree::Punct(p)) if p.as_char() == c);
        // The user's tokens, and the field names of `Strategy`'s variants.
        let allowed = ["fn", "t", "move", "Result", "String", "Ok", "depth", "preemption_bound"];
        for args in [
            r#"strategy = "dfs", preemption_bound = 1, iterations = 1, seed = 1, max_steps = 1, threads = 1, expect = "any""#,
            r#"strategy = "dfs""#,
            r#"strategy = "pct", replay = "gw1:x""#,
            r#"replay = "gw1:x""#,
        ] {
            let output = expand(
                TokenStream::from_str(args).unwrap(),
                TokenStream::from_str("fn t() -> Result<(), String> { Ok(()) }").unwrap(),
            );
            let mut tokens = Vec::new();
            flatten(output, &mut tokens);
            for (i, token) in tokens.iter().enumerate() {
                let TokenTree::Ident(ident) = token else {
                    continue;
                };
                let after_colons = i >= 2 && punct(tokens.get(i - 2), ':') && punct(tokens.get(i - 1), ':');
                let after_dot = i >= 1 && punct(tokens.get(i - 1), '.');
                let is_root = after_colons && !(i >= 3 && matches!(tokens[i - 3], TokenTree::Ident(_)));
                if is_root {
                    assert!(ident == "goweave" || ident == "core", "root `{ident}` in {args}");
                } else if !after_colons && !after_dot {
                    assert!(
                        allowed.contains(&ident.to_string().as_str()),
                        "relative name `{ident}` in {args}"
                    );
                }
            }
        }
    }

    #[test]
    fn error_output_keeps_the_function() {
        insta::assert_snapshot!(expanded("iterations = \"many\", colour = 1", "fn kept(x: u8) -> u8 { x }",));
    }

    #[test]
    fn not_a_function() {
        let output = expanded("", "struct S;");
        assert!(output.starts_with("struct S;\n"), "{output}");
        assert!(output.contains("`#[concurrency_test]` applies to a function"), "{output}");
    }

    // --- errors in the arguments ------------------------------------------

    #[test]
    fn unknown_key_lists_the_valid_keys() {
        assert_eq!(
            arg_error("iterations = 3, strateg = \"pct\""),
            pair(
                "unknown argument `strateg`; the valid arguments are `strategy`, `depth`, \
                 `preemption_bound`, `iterations`, `seed`, `max_steps`, `threads`, `replay`, \
                 `expect`, `minimize`, `early_timers`, `step_timeout`, `max_time` and `stack_size`",
                "strateg = \"pct\"",
            )
        );
        assert!(arg_error("a::b = 1").0.starts_with("unknown argument `a::b`;"));
        assert!(arg_error("pct").0.starts_with("unknown argument `pct`;"));
    }

    #[test]
    fn duplicate_key() {
        assert_eq!(
            arg_error("seed = 1, iterations = 2, seed = 3"),
            pair("duplicate argument `seed`", "seed = 3")
        );
        // Still a duplicate when the first one was malformed: two errors.
        assert_eq!(
            errors("seed = \"x\", seed = 3", "fn t() {}"),
            [
                pair("`seed` takes an integer literal, as in `seed = 42`", "seed = \"x\""),
                pair("duplicate argument `seed`", "seed = 3"),
            ]
        );
    }

    #[test]
    fn wrong_literal_type() {
        assert_eq!(
            arg_error("strategy = 3"),
            pair("`strategy` takes a string literal, as in `strategy = \"pct\"`", "strategy = 3")
        );
        assert_eq!(
            arg_error("iterations = \"1000\""),
            pair("`iterations` takes an integer literal, as in `iterations = 1000`", "iterations = \"1000\"")
        );
        assert_eq!(
            arg_error("threads = 1.5"),
            pair("`threads` takes an integer literal, as in `threads = 2`", "threads = 1.5")
        );
        assert_eq!(
            arg_error("expect = deadlock"),
            pair("`expect` takes a string literal, as in `expect = \"deadlock\"`", "expect = deadlock")
        );
        assert_eq!(
            arg_error("minimize = \"no\""),
            pair("`minimize` takes `true` or `false`, as in `minimize = false`", "minimize = \"no\"")
        );
        assert_eq!(arg_error("seed = -1"), pair("`seed` cannot be negative", "seed = -1"));
        assert_eq!(
            arg_error("threads = 0x10u8"),
            pair("`threads` is a `usize`: write `16` or `16usize`, not `0x10u8`", "threads = 0x10u8")
        );
        assert_eq!(
            arg_error("iterations = 5i32"),
            pair("`iterations` is a `u64`: write `5` or `5u64`, not `5i32`", "iterations = 5i32")
        );
        assert_eq!(
            arg_error("seed = 18446744073709551616"),
            pair("`seed` is too large: the most is 18446744073709551615", "seed = 18446744073709551616")
        );
        assert_eq!(arg_error("depth"), pair("`depth` takes a value, as in `depth = 3`", "depth"));
        assert_eq!(
            arg_error("threads(2)"),
            pair("`threads` takes a value, as in `threads = 2`", "threads(2)")
        );
    }

    #[test]
    fn malformed_argument_list() {
        let all = errors("iterations = ", "fn t() {}");
        assert_eq!(all.len(), 1, "{all:?}");
        assert!(all[0].0.contains("expected an expression"), "{all:?}");
    }

    #[test]
    fn bad_strategy_value_lists_the_valid_ones() {
        assert_eq!(
            arg_error("strategy = \"PCT\""),
            pair(
                "unknown strategy \"PCT\"; the valid strategies are `\"random\"`, `\"pct\"`, \
                 `\"dfs\"` and `\"portfolio\"`",
                "strategy = \"PCT\""
            )
        );
        // A misspelled strategy does not also blame `depth`.
        assert_eq!(errors("strategy = \"ptc\", depth = 2", "fn t() {}").len(), 1);
    }

    #[test]
    fn bad_expect_value_lists_the_valid_ones() {
        assert_eq!(
            arg_error("expect = \"datarace\""),
            pair(
                "unknown failure kind \"datarace\" for `expect`; the valid kinds are \
                 `\"deadlock\"`, `\"potential_deadlock\"`, `\"leak\"`, `\"race\"`, \
                 `\"panic\"`, `\"nontermination\"` and `\"any\"`",
                "expect = \"datarace\""
            )
        );
    }

    #[test]
    fn depth_only_with_pct() {
        assert_eq!(
            arg_error("strategy = \"random\", depth = 2"),
            pair("`depth` applies only to `strategy = \"pct\"`", "depth = 2")
        );
        assert_eq!(
            arg_error("depth = 2"),
            pair("`depth` applies only to `strategy = \"pct\"`; add `strategy = \"pct\"`", "depth = 2")
        );
        // The order of the arguments does not matter.
        let output = expanded("depth = 2, strategy = \"pct\"", "fn t() {}");
        assert!(output.contains("Pct {\n                depth: 2,\n"), "{output}");
    }

    #[test]
    fn depth_zero() {
        assert_eq!(
            arg_error("strategy = \"pct\", depth = 0"),
            pair("`depth` must be at least 1", "depth = 0")
        );
    }

    #[test]
    fn preemption_bound_only_with_dfs() {
        assert_eq!(
            arg_error("strategy = \"pct\", preemption_bound = 2"),
            pair("`preemption_bound` applies only to `strategy = \"dfs\"`", "preemption_bound = 2")
        );
        assert_eq!(
            arg_error("preemption_bound = 0"),
            pair(
                "`preemption_bound` applies only to `strategy = \"dfs\"`; add `strategy = \"dfs\"`",
                "preemption_bound = 0"
            )
        );
    }

    #[test]
    fn replay_with_exploration_settings() {
        let message = |name: &str| {
            format!("`{name}` cannot be combined with `replay`: a replay runs one exact schedule")
        };
        assert_eq!(
            errors(
                "replay = \"gw1:x\", iterations = 10, strategy = \"pct\", depth = 2, \
                 seed = 1, threads = 2, max_steps = 10, expect = \"any\"",
                "fn t() {}"
            ),
            [
                pair(&message("strategy"), "strategy = \"pct\""),
                pair(&message("depth"), "depth = 2"),
                pair(&message("iterations"), "iterations = 10"),
                pair(&message("seed"), "seed = 1"),
                pair(&message("threads"), "threads = 2"),
            ]
        );
        assert_eq!(
            arg_error("preemption_bound = 1, replay = \"gw1:x\""),
            pair(&message("preemption_bound"), "preemption_bound = 1")
        );
        // A replay is never minimized: its token is already the schedule.
        assert_eq!(
            arg_error("replay = \"gw1:x\", minimize = false"),
            pair(&message("minimize"), "minimize = false")
        );
    }

    #[test]
    fn replay_token_needs_its_prefix() {
        assert_eq!(
            arg_error("replay = \"AbC\""),
            pair(
                "`replay` takes a replay token starting with `gw1:`, as printed in a failure report",
                "replay = \"AbC\""
            )
        );
    }

    #[test]
    fn zero_threads() {
        assert_eq!(arg_error("threads = 0"), pair("`threads` must be at least 1", "threads = 0"));
    }

    #[test]
    fn every_error_is_reported() {
        let all = errors("colour = 1, threads = 0, expect = \"deadlocks\"", "async fn t(x: u8) {}");
        let texts: Vec<&str> = all.iter().map(|(_, text)| text.as_str()).collect();
        assert_eq!(texts, ["colour = 1", "threads = 0", "expect = \"deadlocks\"", "async", "x: u8"]);
    }

    // --- errors in the function -------------------------------------------

    #[test]
    fn parameters() {
        assert_eq!(
            errors("", "fn t(a: u8, b: u8) {}"),
            [pair(
                "a `#[concurrency_test]` function takes no parameters: build the state it \
                 needs inside the body, which runs once per execution",
                "a: u8, b: u8"
            )]
        );
    }

    #[test]
    fn async_fn() {
        assert_eq!(
            errors("", "async fn t() {}"),
            [pair(
                "a `#[concurrency_test]` function cannot be `async`: its body runs on \
                 goweave's scheduler; start tasks with `goweave::go` instead",
                "async"
            )]
        );
    }

    #[test]
    fn generics() {
        assert_eq!(
            errors("", "fn t<T: Send>() {}"),
            [pair("a `#[concurrency_test]` function cannot be generic", "<T: Send>")]
        );
        assert_eq!(
            errors("", "fn t<'a>() {}"),
            [pair("a `#[concurrency_test]` function cannot be generic", "<'a>")]
        );
        assert_eq!(
            errors("", "fn t() where u8: Copy {}"),
            [pair("a `#[concurrency_test]` function cannot have a `where` clause", "where u8: Copy")]
        );
    }

    #[test]
    fn const_unsafe_and_extern() {
        let all = errors("", "const unsafe extern \"C\" fn t() {}");
        assert_eq!(
            all,
            [
                pair("a `#[concurrency_test]` function cannot be `const`", "const"),
                pair("a `#[concurrency_test]` function cannot be `unsafe`", "unsafe"),
                pair("a `#[concurrency_test]` function cannot have an `extern` ABI", "extern \"C\""),
            ]
        );
    }

    /// A `#[test]` written below the attribute reaches the macro, which
    /// drops it: the expansion registers the function once, with the one
    /// `#[test]` it adds, and keeps the other attributes.
    #[test]
    fn a_test_attribute_below_is_dropped() {
        let output = expanded(
            "",
            "/// Written with a test attribute too.\n#[test]\n#[should_panic]\n#[::core::prelude::v1::test]\n\
             fn registered_once() { panic!(\"boom\") }",
        );
        assert_eq!(output.matches("test]").count(), 1, "{output}");
        insta::assert_snapshot!(output);
        // Not another crate's `test`, nor one with arguments (not the
        // built-in one, which rustc then rejects).
        for kept in ["#[tokio::test]", "#[test(x)]"] {
            let output = expanded("", &format!("{kept} fn t() {{}}"));
            assert!(output.contains(kept), "{kept}: {output}");
        }
    }

    #[test]
    fn valid_signatures() {
        for item in [
            "fn t() {}",
            "fn t() -> () {}",
            "pub fn t() -> Result<(), Box<dyn std::error::Error>> { Ok(()) }",
            "#[should_panic(expected = \"boom\")] fn t() { panic!(\"boom\") }",
            "#[tokio::test] fn t() {}",
        ] {
            let func: ItemFn = syn::parse_str(item).unwrap();
            if let Err(error) = analyze(TokenStream::new(), &func) {
                panic!("{item}: {error}");
            }
        }
    }
}
