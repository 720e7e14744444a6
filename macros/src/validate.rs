//! The meaning of the arguments, the rules on combining them, and the rules
//! on the function the attribute is applied to.

use proc_macro2::Span;
use syn::{ItemFn, LitBool, LitStr};

use crate::errors::Errors;
use crate::parse::{list, Arg, Args, IntLit, Key};

/// The strategies, as written in `strategy = "..."`.
const STRATEGIES: [(&str, StrategyName); 4] = [
    ("random", StrategyName::Random),
    ("pct", StrategyName::Pct),
    ("dfs", StrategyName::Dfs),
    ("portfolio", StrategyName::Portfolio),
];

/// A strategy without its settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StrategyName {
    Random,
    Pct,
    Dfs,
    Portfolio,
}

/// The failure kinds, as written in `expect = "..."`.
const EXPECTATIONS: [&str; 7] =
    ["deadlock", "potential_deadlock", "leak", "race", "panic", "nontermination", "any"];

/// The PCT depth when `depth` is not given.
pub(crate) const DEFAULT_DEPTH: u64 = 3;

/// A strategy with its settings.
#[derive(Clone, Debug)]
pub(crate) enum Strategy {
    Random,
    Pct { depth: Option<IntLit> },
    Dfs { preemption_bound: Option<IntLit> },
    Portfolio,
}

/// A setting of the test, with the span of its key for the generated code.
#[derive(Clone, Debug)]
pub(crate) struct Setting<T> {
    pub(crate) value: T,
    pub(crate) key_span: Span,
}

impl<T: Clone> Setting<T> {
    fn of(arg: &Arg<T>) -> Self {
        Setting { value: arg.value.clone(), key_span: arg.key_span }
    }
}

/// Everything the generated code needs: a valid combination of settings.
#[derive(Clone, Default)]
pub(crate) struct TestSpec {
    pub(crate) strategy: Option<Setting<Strategy>>,
    pub(crate) iterations: Option<Setting<IntLit>>,
    pub(crate) seed: Option<Setting<IntLit>>,
    pub(crate) max_steps: Option<Setting<IntLit>>,
    pub(crate) threads: Option<Setting<IntLit>>,
    pub(crate) replay: Option<Setting<LitStr>>,
    pub(crate) expect: Option<Setting<LitStr>>,
    pub(crate) minimize: Option<Setting<LitBool>>,
    pub(crate) early_timers: Option<Setting<DurationLit>>,
    pub(crate) step_timeout: Option<Setting<DurationLit>>,
    pub(crate) max_time: Option<Setting<DurationLit>>,
    pub(crate) stack_size: Option<Setting<IntLit>>,
}

/// A duration key's value (`early_timers`, `step_timeout`, `max_time`),
/// read at compile time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DurationLit {
    /// Every timer may fire early: `"max"`.
    Max,
    /// Timers due within this many nanoseconds may fire early.
    Nanos(u128),
}

/// Reads `0`, `max`, or a number and a unit (`250ms`, `1.5s`, `2s`), as
/// the runtime reads `GOWEAVE_EARLY_TIMERS` and the other durations.
pub(crate) fn parse_duration(text: &str) -> Option<DurationLit> {
    let text = text.trim();
    match text {
        "max" => return Some(DurationLit::Max),
        "0" => return Some(DurationLit::Nanos(0)),
        _ => {}
    }
    let unit_at = text.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, unit) = text.split_at(unit_at);
    let unit: u128 = match unit.trim() {
        "ns" => 1,
        "us" | "µs" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => return None,
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() || fraction.contains('.') || fraction.len() > 18 {
        return None;
    }
    let value = |digits: &str| if digits.is_empty() { Some(0) } else { digits.parse::<u128>().ok() };
    let nanos = value(whole)?
        .checked_mul(unit)?
        .checked_add(value(fraction)? * unit / 10u128.pow(fraction.len() as u32))?;
    // A `Duration` holds at most u64::MAX seconds.
    (nanos / 1_000_000_000 <= u128::from(u64::MAX)).then_some(DurationLit::Nanos(nanos))
}

/// Checks the values and their combinations, adding every error found to
/// `errors`; the settings are meaningful only if none was.
pub(crate) fn validate_args(args: &Args, errors: &mut Errors) -> TestSpec {
    let replay_given = args.given.contains(&Key::Replay);
    if let Some(replay) = &args.replay {
        if !replay.value.value().starts_with("gw1:") {
            errors.push(
                replay.error(
                    "`replay` takes a replay token starting with `gw1:`, as printed in a failure report",
                ),
            );
        }
    }
    if replay_given {
        // Name every exploration setting given beside it.
        let exploration = [
            ("strategy", args.strategy.as_ref().map(|arg| &arg.tokens)),
            ("depth", args.depth.as_ref().map(|arg| &arg.tokens)),
            ("preemption_bound", args.preemption_bound.as_ref().map(|arg| &arg.tokens)),
            ("iterations", args.iterations.as_ref().map(|arg| &arg.tokens)),
            ("seed", args.seed.as_ref().map(|arg| &arg.tokens)),
            ("threads", args.threads.as_ref().map(|arg| &arg.tokens)),
            ("minimize", args.minimize.as_ref().map(|arg| &arg.tokens)),
            ("early_timers", args.early_timers.as_ref().map(|arg| &arg.tokens)),
            ("max_time", args.max_time.as_ref().map(|arg| &arg.tokens)),
        ];
        for (name, tokens) in exploration {
            if let Some(tokens) = tokens {
                errors.push(syn::Error::new_spanned(
                    tokens,
                    format!("`{name}` cannot be combined with `replay`: a replay runs one exact schedule"),
                ));
            }
        }
    }

    // `None` when the strategy is absent or misspelled (already reported).
    let strategy_name = args.strategy.as_ref().and_then(|arg| {
        let name = arg.value.value();
        let found = STRATEGIES.iter().find(|(known, _)| *known == name);
        if found.is_none() {
            errors.push(arg.error(format!(
                "unknown strategy \"{name}\"; the valid strategies are {}",
                quoted(STRATEGIES.iter().map(|(name, _)| *name))
            )));
        }
        found.map(|(_, strategy)| *strategy)
    });
    let strategy_is = |wanted: StrategyName| strategy_name == Some(wanted);
    // Whether a strategy-specific setting given with the wrong strategy is
    // worth a message: not when a misspelled strategy or `replay` already
    // explains the problem.
    let check_combination =
        !replay_given && (!args.given.contains(&Key::Strategy) || strategy_name.is_some());

    if let Some(depth) = &args.depth {
        if depth.value.value == 0 {
            errors.push(depth.error("`depth` must be at least 1"));
        }
        if check_combination && !strategy_is(StrategyName::Pct) {
            errors.push(depth.error(only_with("depth", "pct", &args.strategy)));
        }
    }
    if let Some(bound) = &args.preemption_bound {
        if check_combination && !strategy_is(StrategyName::Dfs) {
            errors.push(bound.error(only_with("preemption_bound", "dfs", &args.strategy)));
        }
    }
    if let Some(threads) = &args.threads {
        if threads.value.value == 0 {
            errors.push(threads.error("`threads` must be at least 1"));
        }
    }
    let early_timers = duration_setting("early_timers", &args.early_timers, errors);
    let step_timeout = duration_setting("step_timeout", &args.step_timeout, errors);
    let max_time = duration_setting("max_time", &args.max_time, errors);
    if let Some(expect) = &args.expect {
        let name = expect.value.value();
        if !EXPECTATIONS.contains(&name.as_str()) {
            errors.push(expect.error(format!(
                "unknown failure kind \"{name}\" for `expect`; the valid kinds are {}",
                quoted(EXPECTATIONS)
            )));
        }
    }

    let strategy = args.strategy.as_ref().and_then(|arg| {
        let strategy = match strategy_name? {
            StrategyName::Random => Strategy::Random,
            StrategyName::Pct => Strategy::Pct { depth: args.depth.as_ref().map(|arg| arg.value.clone()) },
            StrategyName::Dfs => Strategy::Dfs {
                preemption_bound: args.preemption_bound.as_ref().map(|arg| arg.value.clone()),
            },
            StrategyName::Portfolio => Strategy::Portfolio,
        };
        Some(Setting { value: strategy, key_span: arg.key_span })
    });
    TestSpec {
        strategy,
        iterations: args.iterations.as_ref().map(Setting::of),
        seed: args.seed.as_ref().map(Setting::of),
        max_steps: args.max_steps.as_ref().map(Setting::of),
        threads: args.threads.as_ref().map(Setting::of),
        replay: args.replay.as_ref().map(Setting::of),
        expect: args.expect.as_ref().map(Setting::of),
        minimize: args.minimize.as_ref().map(Setting::of),
        early_timers,
        step_timeout,
        max_time,
        stack_size: args.stack_size.as_ref().map(Setting::of),
    }
}

/// A duration key's value read at compile time, or an error naming the key.
fn duration_setting(
    key: &str,
    arg: &Option<Arg<LitStr>>,
    errors: &mut Errors,
) -> Option<Setting<DurationLit>> {
    let arg = arg.as_ref()?;
    let value = parse_duration(&arg.value.value());
    if value.is_none() {
        errors.push(arg.error(format!(
            "`{key}` takes \"0\", \"max\" or a number and a unit (ns, us, ms, s, m, h), \
             as in `{key} = \"250ms\"`; {:?} is not one",
            arg.value.value()
        )));
    }
    Some(Setting { value: value?, key_span: arg.key_span })
}

/// The message for a setting given without the strategy it belongs to.
fn only_with(name: &str, strategy: &str, given: &Option<Arg<LitStr>>) -> String {
    let hint = match given {
        Some(_) => String::new(),
        None => format!("; add `strategy = \"{strategy}\"`"),
    };
    format!("`{name}` applies only to `strategy = \"{strategy}\"`{hint}")
}

/// `"a"`, `"b"` and `"c"`.
fn quoted<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    list(names.into_iter().map(|name| format!("\"{name}\"")))
}

/// Checks that `func` can become a test: no parameters, not `async`, not
/// generic. A `#[test]` written below the attribute is allowed: the
/// expansion drops it (see [`is_builtin_test`]).
pub(crate) fn validate_fn(func: &ItemFn, errors: &mut Errors) {
    let sig = &func.sig;
    if let Some(token) = &sig.constness {
        errors.push(syn::Error::new_spanned(token, "a `#[concurrency_test]` function cannot be `const`"));
    }
    if let Some(token) = &sig.asyncness {
        errors.push(syn::Error::new_spanned(
            token,
            "a `#[concurrency_test]` function cannot be `async`: its body runs on goweave's \
             scheduler; start tasks with `goweave::go` instead",
        ));
    }
    if let Some(token) = &sig.unsafety {
        errors.push(syn::Error::new_spanned(token, "a `#[concurrency_test]` function cannot be `unsafe`"));
    }
    if let Some(abi) = &sig.abi {
        errors.push(syn::Error::new_spanned(
            abi,
            "a `#[concurrency_test]` function cannot have an `extern` ABI",
        ));
    }
    if !sig.generics.params.is_empty() {
        errors.push(syn::Error::new_spanned(
            &sig.generics,
            "a `#[concurrency_test]` function cannot be generic",
        ));
    } else if let Some(where_clause) = &sig.generics.where_clause {
        errors.push(syn::Error::new_spanned(
            where_clause,
            "a `#[concurrency_test]` function cannot have a `where` clause",
        ));
    }
    if !sig.inputs.is_empty() || sig.variadic.is_some() {
        let message = "a `#[concurrency_test]` function takes no parameters: build the state \
                       it needs inside the body, which runs once per execution";
        let error = match &sig.variadic {
            Some(variadic) if sig.inputs.is_empty() => syn::Error::new_spanned(variadic, message),
            _ => syn::Error::new_spanned(&sig.inputs, message),
        };
        errors.push(error);
    }
}

/// Whether `attr` is a bare `#[test]` (or `#[core::prelude::v1::test]` and
/// the like), which the attribute already adds: written below
/// `#[concurrency_test]` it reaches the macro, which drops it so that the
/// function is registered once. (Written above, rustc expands it first and
/// the macro never sees it; the runtime then runs the exploration once for
/// both registrations.)
pub(crate) fn is_builtin_test(attr: &syn::Attribute) -> bool {
    matches!(attr.meta, syn::Meta::Path(_)) && is_test_attribute(attr.path())
}

/// `test`, `core::prelude::v1::test`, `::std::prelude::rust_2021::test` and
/// the like: the built-in test attribute, not another crate's (such as
/// `tokio::test`).
fn is_test_attribute(path: &syn::Path) -> bool {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    match segments.as_slice() {
        [only] => only == "test",
        [root, .., last] => (root == "core" || root == "std") && last == "test",
        [] => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_the_builtin_test_attribute_only() {
        for path in ["test", "core::prelude::v1::test", "::std::prelude::rust_2021::test"] {
            let path: syn::Path = syn::parse_str(path).unwrap();
            assert!(is_test_attribute(&path), "{}", quote::quote!(#path));
        }
        for path in ["tokio::test", "testing", "test::other", "goweave::test"] {
            let path: syn::Path = syn::parse_str(path).unwrap();
            assert!(!is_test_attribute(&path), "{}", quote::quote!(#path));
        }
    }

    #[test]
    fn early_timers_read_like_the_environment_variable() {
        let nanos = |text| match parse_duration(text) {
            Some(DurationLit::Nanos(n)) => Some(n),
            _ => None,
        };
        assert_eq!(nanos("0"), Some(0));
        assert_eq!(nanos("100ms"), Some(100_000_000));
        assert_eq!(nanos("1.5s"), Some(1_500_000_000));
        assert_eq!(nanos("0.1s"), Some(100_000_000));
        assert_eq!(nanos("2m"), Some(120_000_000_000));
        assert_eq!(parse_duration("max"), Some(DurationLit::Max));
        for bad in ["", "100", "ms", "fast", "-1s", "1e3ms", "1.2.3s", "99999999999999999999999h"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn quoted_lists_the_names() {
        assert_eq!(
            quoted(STRATEGIES.iter().map(|(name, _)| *name)),
            r#"`"random"`, `"pct"`, `"dfs"` and `"portfolio"`"#
        );
    }
}
