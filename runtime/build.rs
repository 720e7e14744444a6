//! Tells the progress code whether goweave's engine is optimised: cargo
//! gives a build script its package's opt-level, profile overrides such
//! as `[profile.dev.package.goweave-runtime]` included.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(goweave_unoptimized)");
    println!("cargo::rerun-if-env-changed=OPT_LEVEL");
    if std::env::var("OPT_LEVEL").as_deref() == Ok("0") {
        println!("cargo::rustc-cfg=goweave_unoptimized");
    }
}
