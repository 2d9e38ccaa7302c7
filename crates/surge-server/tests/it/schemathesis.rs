//! The OpenAPI document is true: schemathesis (pinned, from PyPI, installed by `cargo xtask test` beside the other
//! interop peers) generates requests from `/api/openapi.json` against a running `surge serve` and runs every check
//! on the answers, once with the admin key and once with no key. Operations that would revoke the caller's own key
//! are left out, and each operation gets a bounded number of examples so the run takes minutes, not hours.

use std::process::Command;

use crate::serve::start_env;

/// The schemathesis command beside `SURGE_PYTHON`'s interpreter (the virtual environment's `bin`).
fn schemathesis() -> Option<std::path::PathBuf> {
    let python = std::env::var("SURGE_PYTHON").ok()?;
    let bin = std::path::Path::new(&python).parent()?.join("schemathesis");
    bin.is_file().then_some(bin)
}

fn run(bin: &std::path::Path, addr: &str, key: Option<&str>, report: &std::path::Path) -> (bool, String) {
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/schemathesis.toml");
    let mut command = Command::new(bin);
    // Its cache of failures goes in the scratch directory, not the source tree.
    command.current_dir(report.parent().unwrap_or(std::path::Path::new(".")));
    command
        .args(["--config-file", config, "run", &format!("http://{addr}/api/openapi.json")])
        // One worker: with two threads, hypothesis's lambda-source cache can race and report a runtime error of
        // its own (seen once here), which is not a finding about the API.
        .args(["--checks", "all", "--max-examples", "8", "--seed", "20", "--workers", "1"])
        .args(["--phases", "examples,coverage,fuzzing", "--request-timeout", "20"])
        // Revoking keys would revoke the caller's own.
        .args(["--exclude-path-regex", "/revoke$"])
        .args(["--report", "junit", "--report-junit-path"])
        .arg(report)
        .env("SCHEMATHESIS_HOOKS", "")
        .env("NO_COLOR", "1");
    if let Some(key) = key {
        command.args(["--header", &format!("Authorization: Bearer {key}")]);
    }
    let out = command.output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[test]
fn schemathesis_finds_no_failure_with_the_admin_key_or_without_a_key() {
    let Some(bin) = schemathesis() else {
        // `cargo xtask test` always installs it; a bare `cargo test` without SURGE_PYTHON says so instead.
        panic!("schemathesis is not installed: run `cargo xtask test` (it sets SURGE_PYTHON to its environment)");
    };
    let dir = tempfile::tempdir().unwrap();
    let server = start_env(dir.path(), "127.0.0.1:0", &[], &[]);
    let admin = server.admin_key.clone().unwrap();
    for (who, key) in [("admin key", Some(admin.as_str())), ("no key", None)] {
        let report = dir.path().join(format!("junit-{}.xml", who.replace(' ', "-")));
        let (ok, text) = run(&bin, &server.addr, key, &report);
        let summary: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).rev().take(25).collect();
        println!("schemathesis with {who}:\n{}", summary.into_iter().rev().collect::<Vec<_>>().join("\n"));
        assert!(ok, "schemathesis found failures with {who}:\n{text}");
    }
}
