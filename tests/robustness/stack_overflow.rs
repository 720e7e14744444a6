//! A task that overflows its stack: the process ends with a message that
//! names the task, its stack size and how to raise it, not a bare SIGSEGV.

use std::hint::black_box;

use goweave::{Builder, Config};

use crate::{in_child, stderr};

/// Recursion with a frame of 256 bytes and a little more, `depth` deep.
fn recurse(depth: usize) -> u8 {
    let frame = [depth as u8; 256];
    black_box(&frame);
    if depth == 0 {
        return frame[0];
    }
    recurse(depth - 1).wrapping_add(frame[depth % 256])
}

#[test]
fn a_task_that_overflows_its_stack_is_named_with_its_stack_size() {
    let output =
        in_child("stack_overflow::a_task_that_overflows_its_stack_is_named_with_its_stack_size", || {
            Config::default()
                .iterations(1)
                .stack_size(64 * 1024)
                .explore(|| {
                    Builder::new().name("deep").go(|| recurse(1_000_000)).join().unwrap();
                })
                .unwrap();
        });
    let err = stderr(&output);
    assert!(!output.status.success(), "the child ended well: {err}");
    assert!(err.contains("goweave: task 1 \"deep\" has overflowed its stack of 64 KiB"), "{err}");
    assert!(err.contains("Config::stack_size(bytes)"), "{err}");
    assert!(err.contains("stack_size = <bytes>"), "{err}");
}

#[test]
fn the_test_body_overflowing_its_stack_is_named_too() {
    let output = in_child("stack_overflow::the_test_body_overflowing_its_stack_is_named_too", || {
        Config::default()
            .iterations(1)
            .stack_size(64 * 1024)
            .explore(|| {
                black_box(recurse(1_000_000));
            })
            .unwrap();
    });
    let err = stderr(&output);
    assert!(!output.status.success(), "the child ended well: {err}");
    assert!(err.contains("goweave: task 0 (test body) has overflowed its stack of 64 KiB"), "{err}");
}

#[test]
fn the_default_stack_holds_ordinary_recursion() {
    // 2,000 frames of 256 bytes and more: fine on a std thread, and on a
    // task's default stack.
    let on_a_thread = std::thread::spawn(|| recurse(2_000)).join().unwrap();
    Config::default().iterations(2).check(move || {
        let deep = goweave::go(|| recurse(2_000));
        assert_eq!(recurse(2_000), on_a_thread);
        assert_eq!(deep.join().unwrap(), on_a_thread);
    });
}

#[test]
fn an_overflow_of_a_plain_thread_is_still_std_s_report() {
    let output = in_child("stack_overflow::an_overflow_of_a_plain_thread_is_still_std_s_report", || {
        // An exploration first, so goweave's handler is installed.
        Config::default().iterations(1).explore(|| ()).unwrap();
        std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(|| recurse(1_000_000))
            .unwrap()
            .join()
            .unwrap();
    });
    let err = stderr(&output);
    assert!(!output.status.success(), "the child ended well: {err}");
    assert!(err.contains("has overflowed its stack"), "{err}");
    assert!(!err.contains("goweave: task"), "{err}");
}
