//! The `select!` macro.
//!
//! The macro only generates code: it parses the arms, evaluates every
//! operand once, in order, binds each arm to a runtime arm object, calls
//! the runtime's `select` (`select.rs`) once, and dispatches to the arm
//! that fired. Arm bodies stay inline, so `return`, `break`, `continue`
//! and `?` behave as in the surrounding code.

/// Waits on several channel operations at once, like Go's `select`.
///
/// ```
/// use goweave::select;
/// goweave::check(|| {
///     let (tx, rx) = goweave::chan::<i32>(1);
///     let (_quit_tx, quit) = goweave::chan::<()>(0);
///     tx.send(7);
///     let got = select! {
///         recv(rx) -> v => v,
///         recv(quit) -> _ => None,
///     };
///     assert_eq!(got, Some(7));
///     let idle = select! {
///         recv(rx) -> _ => false,
///         default => true,
///     };
///     assert!(idle);
/// });
/// ```
///
/// Arms: `recv(receiver) -> pattern => body`, `send(sender, value) => body`
/// and at most one `default => body`. Operands are borrowed. When several
/// arms are ready the scheduler chooses (uniformly in random mode); the
/// `default` arm runs only when none is.
#[macro_export]
macro_rules! select {
    ($($tokens:tt)*) => {
        $crate::__select_internal!(@parse [] [] ($($tokens)*))
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __select_internal {
    // ---- parse: collect normalized arms ----
    (@parse [$($arms:tt)*] [$($def:tt)*] ()) => {
        $crate::__select_internal!(@bind [$($arms)*] [] [$($def)*]
            (_a0 _a1 _a2 _a3 _a4 _a5 _a6 _a7 _a8 _a9 _a10 _a11 _a12 _a13 _a14 _a15
             _a16 _a17 _a18 _a19 _a20 _a21 _a22 _a23 _a24 _a25 _a26 _a27 _a28 _a29 _a30 _a31))
    };
    (@parse [$($arms:tt)*] [$($def:tt)*] (recv($rx:expr) -> $p:pat => $body:block, $($rest:tt)*)) => {
        $crate::__select_internal!(@parse [$($arms)* (recv ($rx) ($p) ($body))] [$($def)*] ($($rest)*))
    };
    (@parse [$($arms:tt)*] [$($def:tt)*] (recv($rx:expr) -> $p:pat => $body:block $($rest:tt)*)) => {
        $crate::__select_internal!(@parse [$($arms)* (recv ($rx) ($p) ($body))] [$($def)*] ($($rest)*))
    };
    (@parse [$($arms:tt)*] [$($def:tt)*] (recv($rx:expr) -> $p:pat => $body:expr, $($rest:tt)*)) => {
        $crate::__select_internal!(@parse [$($arms)* (recv ($rx) ($p) ($body))] [$($def)*] ($($rest)*))
    };
    (@parse [$($arms:tt)*] [$($def:tt)*] (recv($rx:expr) -> $p:pat => $body:expr)) => {
        $crate::__select_internal!(@parse [$($arms)* (recv ($rx) ($p) ($body))] [$($def)*] ())
    };
    (@parse [$($arms:tt)*] [$($def:tt)*] (send($tx:expr, $v:expr) => $body:block, $($rest:tt)*)) => {
        $crate::__select_internal!(@parse [$($arms)* (send ($tx) ($v) ($body))] [$($def)*] ($($rest)*))
    };
    (@parse [$($arms:tt)*] [$($def:tt)*] (send($tx:expr, $v:expr) => $body:block $($rest:tt)*)) => {
        $crate::__select_internal!(@parse [$($arms)* (send ($tx) ($v) ($body))] [$($def)*] ($($rest)*))
    };
    (@parse [$($arms:tt)*] [$($def:tt)*] (send($tx:expr, $v:expr) => $body:expr, $($rest:tt)*)) => {
        $crate::__select_internal!(@parse [$($arms)* (send ($tx) ($v) ($body))] [$($def)*] ($($rest)*))
    };
    (@parse [$($arms:tt)*] [$($def:tt)*] (send($tx:expr, $v:expr) => $body:expr)) => {
        $crate::__select_internal!(@parse [$($arms)* (send ($tx) ($v) ($body))] [$($def)*] ())
    };
    (@parse [$($arms:tt)*] [] (default => $body:block, $($rest:tt)*)) => {
        $crate::__select_internal!(@parse [$($arms)*] [($body)] ($($rest)*))
    };
    (@parse [$($arms:tt)*] [] (default => $body:block $($rest:tt)*)) => {
        $crate::__select_internal!(@parse [$($arms)*] [($body)] ($($rest)*))
    };
    (@parse [$($arms:tt)*] [] (default => $body:expr, $($rest:tt)*)) => {
        $crate::__select_internal!(@parse [$($arms)*] [($body)] ($($rest)*))
    };
    (@parse [$($arms:tt)*] [] (default => $body:expr)) => {
        $crate::__select_internal!(@parse [$($arms)*] [($body)] ())
    };
    (@parse [$($arms:tt)*] [$($def:tt)+] (default $($rest:tt)*)) => {
        ::core::compile_error!("select! has more than one `default` arm")
    };
    (@parse [$($arms:tt)*] [$($def:tt)*] (recv($($args:tt)*) => $($rest:tt)*)) => {
        ::core::compile_error!("a select! recv arm binds the received value: write `recv(rx) -> value => body` (`value` is an Option, None when the channel is closed)")
    };
    (@parse [$($arms:tt)*] [$($def:tt)*] ($($bad:tt)*)) => {
        ::core::compile_error!(::core::concat!(
            "select! expects arms `recv(rx) -> pattern => body`, `send(tx, value) => body` or `default => body`, separated by commas; could not read: ",
            ::core::stringify!($($bad)*)
        ))
    };

    // ---- bind: evaluate operands once, in order, and name each arm ----
    (@bind [(recv ($rx:expr) ($p:pat) ($body:tt)) $($rest:tt)*] [$($done:tt)*] [$($def:tt)*] ($id:ident $($ids:ident)*)) => {
        match $rx {
            ref __goweave_rx => {
                let mut $id = $crate::__private::RecvArm::new(__goweave_rx);
                $crate::__select_internal!(@bind [$($rest)*] [$($done)* (recv $id ($p) ($body))] [$($def)*] ($($ids)*))
            }
        }
    };
    (@bind [(send ($tx:expr) ($v:expr) ($body:tt)) $($rest:tt)*] [$($done:tt)*] [$($def:tt)*] ($id:ident $($ids:ident)*)) => {
        match $tx {
            ref __goweave_tx => match $v {
                __goweave_v => {
                    let mut $id = $crate::__private::SendArm::new(__goweave_tx, __goweave_v);
                    $crate::__select_internal!(@bind [$($rest)*] [$($done)* (send $id () ($body))] [$($def)*] ($($ids)*))
                }
            }
        }
    };
    (@bind [$($arm:tt)+] [$($done:tt)*] [$($def:tt)*] ()) => {
        ::core::compile_error!("select! supports at most 32 arms")
    };
    (@bind [] [$(($kind:ident $id:ident ($($p:tt)*) ($body:tt)))*] [$($def:tt)*] ($($ids:ident)*)) => {{
        let __goweave_default = $crate::__select_internal!(@has_default [$($def)*]);
        $crate::__private::select(
            &mut [$(&mut $id as &mut dyn $crate::__private::SelectArm),*],
            __goweave_default,
        );
        $crate::__select_internal!(@dispatch [$(($kind $id ($($p)*) ($body)))*] [$($def)*])
    }};

    (@has_default []) => { false };
    (@has_default [$($def:tt)+]) => { true };

    // ---- dispatch: run the arm that fired ----
    (@dispatch [(recv $id:ident ($p:pat) ($body:tt)) $($rest:tt)*] [$($def:tt)*]) => {
        if $crate::__private::SelectArm::selected(&$id) {
            let $p = $id.take();
            $body
        } else {
            $crate::__select_internal!(@dispatch [$($rest)*] [$($def)*])
        }
    };
    (@dispatch [(send $id:ident () ($body:tt)) $($rest:tt)*] [$($def:tt)*]) => {
        if $crate::__private::SelectArm::selected(&$id) {
            $body
        } else {
            $crate::__select_internal!(@dispatch [$($rest)*] [$($def)*])
        }
    };
    (@dispatch [] [($body:tt)]) => { $body };
    (@dispatch [] []) => { ::core::unreachable!("select! returned without a ready arm") };
}
