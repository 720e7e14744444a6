//! Ports of golang.org/x/sync's errgroup/errgroup_test.go.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use goweave::context::{Cause, Context, ContextError};
use goweave::errgroup::Group;
use goweave::sync::atomic::{AtomicI32, Ordering};
use goweave::{chan, go, select, time};

type Error = &'static str;

// Ports TestZeroGroup from errgroup/errgroup_test.go: after each go, wait
// returns the first error the group has seen so far, every time.
#[goweave::concurrency_test]
fn zero_group() {
    let err1: Error = "errgroup_test: 1";
    let err2: Error = "errgroup_test: 2";
    let cases: [&[Option<Error>]; 5] =
        [&[], &[None], &[Some(err1)], &[Some(err1), None], &[Some(err1), None, Some(err2)]];
    for errs in cases {
        let g = Group::<Error>::new();
        let mut first_err = None;
        for (i, &err) in errs.iter().enumerate() {
            g.go(move || err.map_or(Ok(()), Err));
            if first_err.is_none() && err.is_some() {
                first_err = err;
            }
            let want = first_err.map_or(Ok(()), Err);
            assert_eq!(g.wait(), want, "after g.go(|| err) for err in {:?}", &errs[..=i]);
        }
    }
}

// Ports TestWithContext from errgroup/errgroup_test.go: wait returns the
// first error, and the group's context is done once wait returns.
#[goweave::concurrency_test]
fn with_context() {
    let err_doom: Error = "group_test: doomed";
    let cases: [(&[Option<Error>], Option<Error>); 4] = [
        (&[], None),
        (&[None], None),
        (&[Some(err_doom)], Some(err_doom)),
        (&[Some(err_doom), None], Some(err_doom)),
    ];
    for (errs, want) in cases {
        let (g, ctx) = Group::<Error>::with_context(&Context::background());
        for &err in errs {
            g.go(move || err.map_or(Ok(()), Err));
        }
        assert_eq!(g.wait(), want.map_or(Ok(()), Err), "for err in {errs:?}");
        let canceled = select! {
            recv(ctx.done()) -> _ => true,
            default => false,
        };
        assert!(canceled, "for err in {errs:?}: ctx.Done() was not closed");
    }
}

// Ports TestTryGo from errgroup/errgroup_test.go: try_go starts a task
// only while the limit allows it, under every limit. A limit of 42 shrunk
// to 3; 1 << 10 attempts under limit 0 shrunk to 4.
#[goweave::concurrency_test]
fn try_go() {
    let g = Group::<()>::new();
    let n = 3;
    g.set_limit(n as isize);
    let (ch, ch_rx) = chan::<()>(0);
    let f = move || {
        let ch = ch.clone();
        move || {
            ch.send(());
            Ok(())
        }
    };
    for i in 0..n {
        assert!(g.try_go(f()), "TryGo should succeed but got fail at {i}-th call.");
    }
    assert!(!g.try_go(f()), "TryGo is expected to fail but succeeded.");
    let rx = ch_rx.clone();
    go(move || {
        for _ in 0..n {
            rx.recv();
        }
    });
    let _ = g.wait();

    assert!(g.try_go(f()), "TryGo should success but got fail after all goroutines.");
    let rx = ch_rx.clone();
    go(move || {
        rx.recv();
    });
    let _ = g.wait();

    // Switch limit.
    g.set_limit(1);
    assert!(g.try_go(f()), "TryGo should success but got failed.");
    assert!(!g.try_go(f()), "TryGo should fail but succeeded.");
    go(move || {
        ch_rx.recv();
    });
    let _ = g.wait();

    // Block all calls.
    g.set_limit(0);
    for _ in 0..4 {
        assert!(!g.try_go(f()), "TryGo should fail but got succeeded.");
    }
    let _ = g.wait();
}

// Ports TestGoLimit from errgroup/errgroup_test.go: no more than the limit
// of tasks are ever active. A limit of 10 over 1,025 tasks shrunk to 2
// over 5.
#[goweave::concurrency_test]
fn go_limit() {
    const LIMIT: i32 = 2;
    let g = Group::<String>::new();
    g.set_limit(LIMIT as isize);
    let active = Arc::new(AtomicI32::new(0));
    for _ in 0..5 {
        let active = active.clone();
        g.go(move || {
            let n = active.fetch_add(1, Ordering::SeqCst) + 1;
            if n > LIMIT {
                return Err(format!("saw {n} active goroutines; want ≤ {LIMIT}"));
            }
            time::sleep(Duration::from_micros(1)); // Give other goroutines a chance to increment active.
            active.fetch_add(-1, Ordering::SeqCst);
            Ok(())
        });
    }
    g.wait().unwrap();
}

/// A search; `fakeSearch(kind)` of the example, which always succeeds.
type Search = Arc<dyn Fn(&Context, &str) -> Result<String, ContextError> + Send + Sync>;

fn fake_search(kind: &'static str) -> Search {
    Arc::new(move |_ctx: &Context, query: &str| Ok(format!("{kind} result for {query:?}")))
}

/// The "Google Search 2.0" of ExampleGroup_parallel: three searches in
/// parallel under one context, their results in order.
fn google(ctx: &Context, query: &'static str) -> Result<Vec<String>, ContextError> {
    let (g, ctx) = Group::<ContextError>::with_context(ctx);
    let searches = [fake_search("web"), fake_search("image"), fake_search("video")];
    let results: Vec<Arc<goweave::Shared<String>>> =
        searches.iter().map(|_| Arc::new(goweave::Shared::new(String::new()))).collect();
    for (search, result) in searches.into_iter().zip(&results) {
        let (ctx, result) = (ctx.clone(), result.clone());
        g.go(move || {
            let r = search(&ctx, query)?;
            result.set(r);
            Ok(())
        });
    }
    g.wait()?;
    Ok(results.iter().map(|r| r.with(|s| s.clone())).collect())
}

// Ports ExampleGroup_parallel from errgroup/errgroup_test.go (its output):
// the results of parallel searches, written by their tasks, are all there
// once wait returns.
#[goweave::concurrency_test]
fn example_group_parallel() {
    let results = google(&Context::background(), "golang").unwrap();
    assert_eq!(
        results,
        [r#"web result for "golang""#, r#"image result for "golang""#, r#"video result for "golang""#]
    );
}

/// x/sync's test error, as a cause.
#[derive(Debug)]
struct Doom;

impl fmt::Display for Doom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("group_test: doomed")
    }
}

impl std::error::Error for Doom {}

// Ports TestCancelCause from errgroup/errgroup_test.go: the group's
// context is cancelled with the first error as its cause, or with
// Canceled once wait returns. Go's `error` is goweave's `context::Cause`
// (docs/API.md, "errgroup").
#[goweave::concurrency_test]
fn cancel_cause() {
    let doom: Cause = Arc::new(Doom);
    let cases: [(Vec<Option<Cause>>, bool); 4] = [
        (vec![], false),
        (vec![None], false),
        (vec![Some(doom.clone())], true),
        (vec![Some(doom.clone()), None], true),
    ];
    for (errs, want_doom) in cases {
        let (g, ctx) = Group::<Cause>::with_context(&Context::background());
        for err in errs {
            g.try_go(move || err.map_or(Ok(()), Err));
        }
        let got = g.wait();
        let cause = ctx.cause().expect("Cause(ctx) of a cancelled context is not nil");
        match got {
            Err(err) => {
                assert!(want_doom, "g.Wait() = {err}; want nil");
                assert!(Arc::ptr_eq(&cause, &err), "Cause(ctx) = {cause}; want the error itself");
                assert!(Arc::ptr_eq(&err, &doom), "g.Wait() = {err}; want {doom}");
            }
            Ok(()) => {
                assert!(!want_doom, "g.Wait() = nil; want {doom}");
                assert_eq!(
                    cause.downcast_ref::<ContextError>(),
                    Some(&ContextError::Canceled),
                    "Cause(ctx) = {cause}; want context.Canceled"
                );
            }
        }
    }
}
