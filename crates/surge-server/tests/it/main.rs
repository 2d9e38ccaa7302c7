//! End-to-end tests of the `surge` binary: the commands a key custodian and a checkpoint run, their output and exit
//! codes, and an independent decoder's view of what they produce.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "an integration test fails by panicking")]

mod applications;
mod audit;
mod bulk;
mod dcc;
mod interop;
mod kannel;
mod lake;
mod monitor;
mod pass_cli;
mod results;
mod schemathesis;
mod serve;
mod smpp;
mod stream;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A scratch directory with a trust root, one pass key and a signed trust list.
#[derive(Debug)]
pub struct Authority {
    pub dir: tempfile::TempDir,
}

impl Authority {
    pub fn new(alg: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let a = Self { dir };
        a.ok(&["keys", "generate", "--role", "trust-root", "--out", "keys/root"]);
        a.ok(&["keys", "generate", "--alg", alg, "--issuer", "KR-26", "--out", "keys/pass"]);
        a.ok(&["keys", "trust-list", "--keys", "keys", "--out", "trust.json"]);
        a
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn run(&self, args: &[&str]) -> Output {
        surge(self.dir.path(), args)
    }

    /// Runs a command that must succeed and returns its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.path(rel), text).unwrap();
    }

    /// Signs `claims` JSON with the pass key and returns the EP1 text.
    pub fn sign(&self, claims: &str) -> String {
        self.write("claims.json", claims);
        self.ok(&["pass", "sign", "--key", "keys/pass", "--claims", "claims.json"]).trim().to_owned()
    }
}

pub fn surge(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_surge")).args(args).current_dir(dir).output().unwrap()
}

pub const CLAIMS: &str = r#"{"kind": "person", "category": "essential-worker", "purpose": "work", "zones": ["KR-26"],
 "holder": "Kim J.", "masked_id": "1234", "vehicle_plate": null, "organisation": null,
 "not_before": "2026-03-01T00:00:00Z", "expires": "2026-03-08T00:00:00Z", "status_index": 17}"#;

pub const DURING: &str = "2026-03-02T12:00:00Z";
