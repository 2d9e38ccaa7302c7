//! Test support shared by the crates' tests: fixtures, and the store conformance suite that the SQLite and
//! PostgreSQL backends both run (`conformance_tests!`). Never a dependency of shipping code.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test support fails by panicking")]

pub mod conformance;
pub mod fixtures;
