//! The generated test function.
//!
//! Every path is absolute (`::goweave::…`, `::core::…`), so the expansion
//! means the same whatever the caller has in scope.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::ext::IdentExt;
use syn::{AttrStyle, ItemFn, LitInt, LitStr, ReturnType};

use crate::parse::IntLit;
use crate::validate::{is_builtin_test, DurationLit, Setting, Strategy, TestSpec, DEFAULT_DEPTH};

/// The `#[test]` function that runs `func`'s body under goweave.
pub(crate) fn generate(func: ItemFn, spec: &TestSpec) -> TokenStream {
    let ItemFn { attrs, vis, sig, block } = func;
    // Inner attributes (`#![allow(..)]` at the top of the body) stay inside
    // the generated function's body.
    let (inner, outer): (Vec<_>, Vec<_>) =
        attrs.into_iter().partition(|attr| matches!(attr.style, AttrStyle::Inner(_)));
    // A `#[test]` written below the attribute: the one added here is the
    // only registration.
    let outer = outer.into_iter().filter(|attr| !is_builtin_test(attr));
    let ident = &sig.ident;
    let name = LitStr::new(&ident.unraw().to_string(), ident.span());
    let config = config(spec);
    let expect = match &spec.expect {
        Some(expect) => {
            let kind = &expect.value;
            quote_spanned!(expect.key_span=> ::core::option::Option::Some(#kind))
        }
        None => quote!(::core::option::Option::None),
    };
    // The body stays the closure's body, with the declared return type, so
    // that `?` and `return` in it behave as they did in the function. The
    // type is written out even when it is `()`: a body that always panics
    // would otherwise leave the closure's return type to never-type
    // fallback, which is an error in edition 2024.
    let body = match &sig.output {
        ReturnType::Default => quote!(move || -> () #block),
        ReturnType::Type(arrow, ty) => quote!(move || #arrow #ty #block),
    };
    quote! {
        #[::core::prelude::v1::test]
        #(#outer)*
        #vis fn #ident() {
            #(#inner)*
            ::goweave::__private::run_test(
                #config,
                ::core::concat!(::core::module_path!(), "::", #name),
                #expect,
                #body,
            )
        }
    }
}

/// `::goweave::Config::default()` and one builder call per given setting,
/// each spanned on its key so that a type error points at the argument.
fn config(spec: &TestSpec) -> TokenStream {
    let mut config = quote!(::goweave::Config::default());
    if let Some(strategy) = &spec.strategy {
        let value = match &strategy.value {
            Strategy::Random => quote!(::goweave::Strategy::Random),
            Strategy::Pct { depth } => {
                let depth = match depth {
                    Some(depth) => unsuffixed(depth),
                    None => LitInt::new(&DEFAULT_DEPTH.to_string(), Span::call_site()),
                };
                quote!(::goweave::Strategy::Pct { depth: #depth })
            }
            Strategy::Dfs { preemption_bound } => {
                let bound = match preemption_bound {
                    Some(bound) => {
                        let bound = unsuffixed(bound);
                        quote!(::core::option::Option::Some(#bound))
                    }
                    None => quote!(::core::option::Option::None),
                };
                quote!(::goweave::Strategy::Dfs { preemption_bound: #bound })
            }
            Strategy::Portfolio => quote!(::goweave::Strategy::Portfolio),
        };
        config.extend(quote_spanned!(strategy.key_span=> .strategy(#value)));
    }
    let integers = [
        ("iterations", &spec.iterations, "u64"),
        ("seed", &spec.seed, "u64"),
        ("max_steps", &spec.max_steps, "u64"),
        ("threads", &spec.threads, "usize"),
        ("stack_size", &spec.stack_size, "usize"),
    ];
    for (method, setting, ty) in integers {
        if let Some(setting) = setting {
            config.extend(call(method, setting, suffixed(&setting.value, ty)));
        }
    }
    if let Some(replay) = &spec.replay {
        config.extend(call("replay", replay, &replay.value));
    }
    if let Some(minimize) = &spec.minimize {
        config.extend(call("minimize", minimize, &minimize.value));
    }
    let durations = [
        ("early_timers", &spec.early_timers),
        ("step_timeout", &spec.step_timeout),
        ("max_time", &spec.max_time),
    ];
    for (method, setting) in durations {
        if let Some(setting) = setting {
            let duration = match setting.value {
                DurationLit::Max => quote!(::core::time::Duration::MAX),
                DurationLit::Nanos(nanos) => {
                    let secs = LitInt::new(&format!("{}u64", nanos / 1_000_000_000), setting.key_span);
                    let subsec = LitInt::new(&format!("{}u32", nanos % 1_000_000_000), setting.key_span);
                    quote!(::core::time::Duration::new(#secs, #subsec))
                }
            };
            config.extend(call(method, setting, duration));
        }
    }
    config
}

/// `.method(value)`, spanned on the setting's key.
fn call<T>(method: &str, setting: &Setting<T>, value: impl ToTokens) -> TokenStream {
    let method = syn::Ident::new(method, setting.key_span);
    quote_spanned!(setting.key_span=> .#method(#value))
}

fn unsuffixed(int: &IntLit) -> LitInt {
    LitInt::new(&int.value.to_string(), int.span)
}

fn suffixed(int: &IntLit, ty: &str) -> LitInt {
    LitInt::new(&format!("{}{ty}", int.value), int.span)
}
