//! The syntax of the arguments: `key = literal`, comma separated.
//!
//! This stage knows each key and the type of literal it takes, and rejects
//! unknown keys, repeated keys and literals of the wrong type. What the values
//! mean, and which keys go together, is [`crate::validate`]'s business.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, Lit, LitBool, LitInt, LitStr, Meta, Token, UnOp};

use crate::errors::Errors;

/// A key the attribute accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Key {
    Strategy,
    Depth,
    PreemptionBound,
    Iterations,
    Seed,
    MaxSteps,
    Threads,
    Replay,
    Expect,
    Minimize,
    EarlyTimers,
    StepTimeout,
    MaxTime,
    StackSize,
}

/// The type of literal a key takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Str,
    Bool,
    /// An unsigned integer; the name is the suffix it may carry.
    Int(&'static str),
}

impl Key {
    /// Every key, in the order the error messages list them.
    pub(crate) const ALL: [Key; 14] = [
        Key::Strategy,
        Key::Depth,
        Key::PreemptionBound,
        Key::Iterations,
        Key::Seed,
        Key::MaxSteps,
        Key::Threads,
        Key::Replay,
        Key::Expect,
        Key::Minimize,
        Key::EarlyTimers,
        Key::StepTimeout,
        Key::MaxTime,
        Key::StackSize,
    ];

    /// The key as the user writes it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Key::Strategy => "strategy",
            Key::Depth => "depth",
            Key::PreemptionBound => "preemption_bound",
            Key::Iterations => "iterations",
            Key::Seed => "seed",
            Key::MaxSteps => "max_steps",
            Key::Threads => "threads",
            Key::Replay => "replay",
            Key::Expect => "expect",
            Key::Minimize => "minimize",
            Key::EarlyTimers => "early_timers",
            Key::StepTimeout => "step_timeout",
            Key::MaxTime => "max_time",
            Key::StackSize => "stack_size",
        }
    }

    fn kind(self) -> Kind {
        match self {
            Key::Strategy
            | Key::Replay
            | Key::Expect
            | Key::EarlyTimers
            | Key::StepTimeout
            | Key::MaxTime => Kind::Str,
            Key::Minimize => Kind::Bool,
            Key::Iterations | Key::Seed | Key::MaxSteps => Kind::Int("u64"),
            Key::Depth | Key::PreemptionBound | Key::Threads | Key::StackSize => Kind::Int("usize"),
        }
    }

    /// A well-formed use of the key, quoted in error messages.
    fn example(self) -> &'static str {
        match self {
            Key::Strategy => r#"strategy = "pct""#,
            Key::Depth => "depth = 3",
            Key::PreemptionBound => "preemption_bound = 2",
            Key::Iterations => "iterations = 1000",
            Key::Seed => "seed = 42",
            Key::MaxSteps => "max_steps = 100000",
            Key::Threads => "threads = 2",
            Key::Replay => r#"replay = "gw1:...""#,
            Key::Expect => r#"expect = "deadlock""#,
            Key::Minimize => "minimize = false",
            Key::EarlyTimers => r#"early_timers = "100ms""#,
            Key::StepTimeout => r#"step_timeout = "60s""#,
            Key::MaxTime => r#"max_time = "10s""#,
            Key::StackSize => "stack_size = 8_388_608",
        }
    }

    fn from_name(name: &str) -> Option<Key> {
        Key::ALL.into_iter().find(|key| key.name() == name)
    }
}

/// `a`, `b` and `c`, each in backticks.
pub(crate) fn list(names: impl IntoIterator<Item = String>) -> String {
    let names: Vec<String> = names.into_iter().map(|name| format!("`{name}`")).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// An unsigned integer argument with the span of its literal.
#[derive(Clone, Debug)]
pub(crate) struct IntLit {
    pub(crate) value: u64,
    pub(crate) span: Span,
}

/// One argument: its value, and its tokens for error spans.
#[derive(Clone, Debug)]
pub(crate) struct Arg<T> {
    pub(crate) value: T,
    /// The span of the key, given to the code generated for the argument.
    pub(crate) key_span: Span,
    /// The whole `key = value`, which errors about the argument point at.
    pub(crate) tokens: TokenStream,
}

impl<T> Arg<T> {
    /// An error pointing at the whole argument.
    pub(crate) fn error(&self, message: impl std::fmt::Display) -> syn::Error {
        syn::Error::new_spanned(&self.tokens, message)
    }
}

/// The arguments as written, each at most once, each with a literal of the
/// right type.
#[derive(Clone, Default)]
pub(crate) struct Args {
    pub(crate) strategy: Option<Arg<LitStr>>,
    pub(crate) depth: Option<Arg<IntLit>>,
    pub(crate) preemption_bound: Option<Arg<IntLit>>,
    pub(crate) iterations: Option<Arg<IntLit>>,
    pub(crate) seed: Option<Arg<IntLit>>,
    pub(crate) max_steps: Option<Arg<IntLit>>,
    pub(crate) threads: Option<Arg<IntLit>>,
    pub(crate) replay: Option<Arg<LitStr>>,
    pub(crate) expect: Option<Arg<LitStr>>,
    pub(crate) minimize: Option<Arg<LitBool>>,
    pub(crate) early_timers: Option<Arg<LitStr>>,
    pub(crate) step_timeout: Option<Arg<LitStr>>,
    pub(crate) max_time: Option<Arg<LitStr>>,
    pub(crate) stack_size: Option<Arg<IntLit>>,
    /// Every key written, including those whose value was malformed (and
    /// whose field is therefore empty).
    pub(crate) given: Vec<Key>,
}

/// A literal of either type, before it is stored in its field.
enum Value {
    Str(LitStr),
    Bool(LitBool),
    Int(IntLit),
}

/// Parses the attribute's arguments into `errors` and the well-formed
/// arguments, so that validation can go on and report its errors too.
pub(crate) fn parse_args(tokens: TokenStream, errors: &mut Errors) -> Args {
    let mut args = Args::default();
    let Some(metas) = errors.take(Punctuated::<Meta, Token![,]>::parse_terminated.parse2(tokens)) else {
        return args;
    };
    for meta in metas {
        let Some(key) = errors.take(parse_key(&meta)) else {
            continue;
        };
        if args.given.contains(&key) {
            errors.push(syn::Error::new_spanned(&meta, format!("duplicate argument `{}`", key.name())));
            continue;
        }
        args.given.push(key);
        let Some(value) = errors.take(parse_value(key, &meta)) else {
            continue;
        };
        let key_span = meta.path().segments[0].ident.span();
        let tokens = meta.into_token_stream();
        match value {
            Value::Str(value) => {
                let arg = Some(Arg { value, key_span, tokens });
                match key {
                    Key::Strategy => args.strategy = arg,
                    Key::Replay => args.replay = arg,
                    Key::Expect => args.expect = arg,
                    Key::EarlyTimers => args.early_timers = arg,
                    Key::StepTimeout => args.step_timeout = arg,
                    Key::MaxTime => args.max_time = arg,
                    _ => unreachable!("`{}` takes an integer", key.name()),
                }
            }
            Value::Bool(value) => args.minimize = Some(Arg { value, key_span, tokens }),
            Value::Int(value) => {
                let arg = Some(Arg { value, key_span, tokens });
                match key {
                    Key::Depth => args.depth = arg,
                    Key::PreemptionBound => args.preemption_bound = arg,
                    Key::Iterations => args.iterations = arg,
                    Key::Seed => args.seed = arg,
                    Key::MaxSteps => args.max_steps = arg,
                    Key::Threads => args.threads = arg,
                    Key::StackSize => args.stack_size = arg,
                    _ => unreachable!("`{}` takes a string", key.name()),
                }
            }
        }
    }
    args
}

fn parse_key(meta: &Meta) -> syn::Result<Key> {
    let path = meta.path();
    let name = path.get_ident().map(ToString::to_string).and_then(|name| Key::from_name(&name));
    match name {
        Some(key) => Ok(key),
        None => {
            let written =
                path.segments.iter().map(|segment| segment.ident.to_string()).collect::<Vec<_>>().join("::");
            let valid = list(Key::ALL.into_iter().map(|key| key.name().to_owned()));
            Err(syn::Error::new_spanned(
                meta,
                format!("unknown argument `{written}`; the valid arguments are {valid}"),
            ))
        }
    }
}

fn parse_value(key: Key, meta: &Meta) -> syn::Result<Value> {
    let Meta::NameValue(name_value) = meta else {
        return Err(syn::Error::new_spanned(
            meta,
            format!("`{}` takes a value, as in `{}`", key.name(), key.example()),
        ));
    };
    let mut expr = &name_value.value;
    // Arguments passed through a `macro_rules!` arrive in invisible groups.
    while let Expr::Group(group) = expr {
        expr = &group.expr;
    }
    match (key.kind(), expr) {
        (Kind::Str, Expr::Lit(ExprLit { lit: Lit::Str(lit), .. })) => Ok(Value::Str(lit.clone())),
        (Kind::Str, _) => Err(syn::Error::new_spanned(
            meta,
            format!("`{}` takes a string literal, as in `{}`", key.name(), key.example()),
        )),
        (Kind::Bool, Expr::Lit(ExprLit { lit: Lit::Bool(lit), .. })) => Ok(Value::Bool(lit.clone())),
        (Kind::Bool, _) => Err(syn::Error::new_spanned(
            meta,
            format!("`{}` takes `true` or `false`, as in `{}`", key.name(), key.example()),
        )),
        (Kind::Int(ty), Expr::Lit(ExprLit { lit: Lit::Int(lit), .. })) => {
            parse_int(key, ty, lit, meta).map(Value::Int)
        }
        (Kind::Int(_), Expr::Unary(unary)) if matches!(unary.op, UnOp::Neg(_)) => Err(negative(key, meta)),
        (Kind::Int(_), _) => Err(syn::Error::new_spanned(
            meta,
            format!("`{}` takes an integer literal, as in `{}`", key.name(), key.example()),
        )),
    }
}

fn negative(key: Key, meta: &Meta) -> syn::Error {
    syn::Error::new_spanned(meta, format!("`{}` cannot be negative", key.name()))
}

fn parse_int(key: Key, ty: &str, lit: &LitInt, meta: &Meta) -> syn::Result<IntLit> {
    // `-1` is one literal token when the tokens come from a string (as in
    // unit tests), a minus sign and a literal when they come from rustc.
    if lit.base10_digits().starts_with('-') {
        return Err(negative(key, meta));
    }
    let suffix = lit.suffix();
    if !suffix.is_empty() && suffix != ty {
        return Err(syn::Error::new_spanned(
            meta,
            format!(
                "`{}` is a `{ty}`: write `{digits}` or `{digits}{ty}`, not `{lit}`",
                key.name(),
                digits = lit.base10_digits(),
            ),
        ));
    }
    let value = lit.base10_parse::<u64>().map_err(|_| {
        syn::Error::new_spanned(meta, format!("`{}` is too large: the most is {}", key.name(), u64::MAX))
    })?;
    Ok(IntLit { value, span: lit.span() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_joins_with_commas_and_and() {
        assert_eq!(list(Vec::new()), "");
        assert_eq!(list(["a".to_owned()]), "`a`");
        assert_eq!(list(["a".to_owned(), "b".to_owned()]), "`a` and `b`");
        assert_eq!(list(["a".to_owned(), "b".to_owned(), "c".to_owned()]), "`a`, `b` and `c`");
    }

    #[test]
    fn every_key_round_trips_through_its_name() {
        for key in Key::ALL {
            assert_eq!(Key::from_name(key.name()), Some(key));
            assert!(key.example().starts_with(key.name()));
        }
        assert_eq!(Key::from_name("Strategy"), None);
    }

    #[test]
    fn values_land_in_their_fields() {
        let mut errors = Errors::default();
        let args = parse_args(
            quote::quote!(
                strategy = "pct",
                depth = 4,
                iterations = 0x10,
                seed = 7u64,
                max_steps = 1_000,
                threads = 2usize,
                expect = "race",
                minimize = false,
            ),
            &mut errors,
        );
        assert!(errors.finish(()).is_ok());
        assert_eq!(args.strategy.unwrap().value.value(), "pct");
        assert_eq!(args.depth.unwrap().value.value, 4);
        assert_eq!(args.iterations.unwrap().value.value, 16);
        assert_eq!(args.seed.unwrap().value.value, 7);
        assert_eq!(args.max_steps.unwrap().value.value, 1000);
        assert_eq!(args.threads.unwrap().value.value, 2);
        assert_eq!(args.expect.unwrap().value.value(), "race");
        assert!(!args.minimize.unwrap().value.value);
        assert!(args.preemption_bound.is_none());
        assert_eq!(args.given.len(), 8);
        assert!(args.replay.is_none());
    }

    #[test]
    fn empty_arguments_are_all_defaults() {
        let mut errors = Errors::default();
        let args = parse_args(TokenStream::new(), &mut errors);
        assert!(errors.finish(()).is_ok());
        assert!(args.given.is_empty());
        assert!(args.strategy.is_none() && args.iterations.is_none() && args.expect.is_none());
    }
}

/// Every key the attribute accepts is documented where users look: the
/// README's paragraph on the attribute, the contract's list of keys, and
/// the attribute's own docs.
#[cfg(test)]
mod documented {
    use super::Key;

    /// The text of `doc` from `start` to the first blank line or list item
    /// after it.
    fn paragraph<'a>(doc: &'a str, start: &str, end: &str) -> &'a str {
        let from = doc.find(start).unwrap_or_else(|| panic!("{start:?} is gone"));
        let rest = &doc[from + start.len()..];
        &rest[..rest.find(end).unwrap_or(rest.len())]
    }

    #[test]
    fn every_key_is_in_the_readme_the_contract_and_the_docs() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let read = |file: &str| std::fs::read_to_string(format!("{root}/{file}")).expect(file);
        let readme = read("README.md");
        let api = read("docs/API.md");
        // Where each key is named: inline in the README and the contract,
        // as a list item of its own in the attribute's docs.
        let places = [
            ("README.md", paragraph(&readme, "The attribute takes optional arguments:", "\n\n"), "`"),
            ("docs/API.md", paragraph(&api, "- Keys:", "\n- "), "`"),
            (
                "macros/src/lib.rs",
                paragraph(include_str!("lib.rs"), "/// # Arguments", "/// # Expansion"),
                "/// - `",
            ),
        ];
        for (file, text, before) in places {
            for key in Key::ALL {
                let name = key.name();
                assert!(text.contains(&format!("{before}{name}")), "{file} does not list `{name}`:\n{text}");
            }
        }
    }
}
