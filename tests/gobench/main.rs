//! GoKer kernels from GoBench (Yuan et al., CGO 2021), rewritten in goweave's API.
//!
//! Each kernel keeps its upstream id in its name (`kubernetes_10182`) and cites the
//! project and bug. Every buggy kernel is a `#[concurrency_test(expect = "...")]` run with
//! the default strategy and budget; every fixed variant must pass with the same defaults.

mod communication;
#[allow(dead_code)] // read by benchmarks/gobench.rs
pub mod kernel;
mod mixed;
mod nonblocking;
mod resource;
mod shared_atomic;

/// Every category's registry (read by benchmarks/gobench.rs), with the
/// category its kernels must name.
const REGISTRIES: [(&str, &[kernel::Kernel]); 4] = [
    ("resource", resource::KERNELS),
    ("communication", communication::KERNELS),
    ("mixed", mixed::KERNELS),
    ("nonblocking", nonblocking::KERNELS),
];

#[test]
fn the_registries_list_each_kernel_once_in_its_category() {
    let mut ids: Vec<&str> = Vec::new();
    for (category, kernels) in REGISTRIES {
        assert!(
            kernels.iter().all(|k| k.category == category),
            "a kernel of {category} names another category"
        );
        ids.extend(kernels.iter().map(|k| k.id));
    }
    let listed = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), listed, "duplicate kernel id");
    assert_eq!(listed, 103, "GoKer has 103 kernels, all ported");
}
