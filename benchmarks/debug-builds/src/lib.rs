//! See tests/speed.rs and run.sh.
