//! Kernels of this category; see main.rs.
