// `#[test]` beside the attribute, which adds it itself: written below, the
// attribute drops it; written above, rustc registers the function first and
// goweave explores it once for both registrations.

#[goweave::concurrency_test]
#[test]
fn test_attribute_below() {}

#[test]
#[goweave::concurrency_test]
fn test_attribute_above() {}

fn main() {}
