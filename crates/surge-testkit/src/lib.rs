//! Test support shared by the crates' tests: fixtures, the store conformance suite that the SQLite and
//! PostgreSQL backends both run (`conformance_tests!`), and an SMPP SMSC simulator (no SMSC server is packaged).
//! Never a dependency of shipping code.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test support fails by panicking")]

pub mod conformance;
pub mod fixtures;
pub mod smsc;
