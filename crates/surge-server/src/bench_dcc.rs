//! `surge bench dcc`: EU DCC verification (base45, inflate, COSE, signature, claims, times, key usage) over the
//! official test vectors on one core, beside the same verifier in pure Rust (how Surge verified before ring) and,
//! when its binary is given, the `dgc` crate on the same files (`bench/dgc-peer`, run as a child process).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value as Json, json};
use surge_pass::dcc::{self, DccTrustList, SignerCertificate};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::Outcome;

/// One vector Surge verifies: its text and the clock its case is valid at.
struct Vector {
    path: PathBuf,
    text: String,
    clock: OffsetDateTime,
}

/// Reads every case with a signer certificate and a valid signature; the trust list holds all their signers.
fn load(dir: &Path) -> anyhow::Result<(Vec<Vector>, Vec<SignerCertificate>)> {
    let mut files = Vec::new();
    crate::dcc_testdata::collect_json(dir, &mut files)?;
    files.sort();
    let mut vectors = Vec::new();
    let mut signers: Vec<SignerCertificate> = Vec::new();
    for path in files {
        let case: Json = serde_json::from_str(&std::fs::read_to_string(&path)?)
            .with_context(|| format!("{}: not JSON", path.display()))?;
        let ctx = &case["TESTCTX"];
        let (Some(text), Some(cert), Some(clock)) =
            (case["PREFIX"].as_str(), ctx["CERTIFICATE"].as_str(), ctx["VALIDATIONCLOCK"].as_str())
        else {
            continue;
        };
        if case["EXPECTEDRESULTS"]["EXPECTEDVERIFY"] != Json::Bool(true) {
            continue;
        }
        let (Ok(der), Ok(clock)) = (STANDARD.decode(cert), OffsetDateTime::parse(clock, &Rfc3339)) else {
            continue;
        };
        let Ok(signer) = SignerCertificate::from_der(&der) else {
            continue;
        };
        if !signers.iter().any(|s| s.kid == signer.kid && s.subject == signer.subject) {
            signers.push(signer);
        }
        vectors.push(Vector { path, text: text.to_owned(), clock });
    }
    Ok((vectors, signers))
}

/// Runs the peer once for `seconds` over `files` and returns (vectors it verified, verifications a second).
fn run_peer(peer: &Path, seconds: f64, files: &[&Path]) -> anyhow::Result<(u64, f64)> {
    let out = Command::new(peer)
        .arg(format!("{seconds}"))
        .args(files)
        .output()
        .with_context(|| format!("running the dgc peer {}", peer.display()))?;
    if !out.status.success() {
        bail!("the dgc peer failed: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    let line: Json = serde_json::from_slice(&out.stdout).context("the dgc peer's output is not JSON")?;
    Ok((line["verified"].as_u64().unwrap_or(0), line["verify_per_s"].as_f64().unwrap_or(0.0)))
}

pub fn run(vectors_dir: &Path, seconds: f64, peer: Option<&Path>) -> anyhow::Result<Outcome> {
    if let Some(peer) = peer.filter(|p| !p.is_file()) {
        bail!(
            "no dgc peer at {}: build it with `cargo build --release --manifest-path bench/dgc-peer/Cargo.toml` \
             (or run bench/dcc-vs-dgc.sh)",
            peer.display()
        );
    }
    let (mut vectors, signers) = load(vectors_dir)?;
    let trust = DccTrustList { signers: signers.clone() };
    let portable = DccTrustList { signers: signers.into_iter().map(SignerCertificate::without_assembly).collect() };
    // Timed: the vectors every check passes at their own clock, with both key paths agreeing.
    vectors.retain(|v| {
        dcc::verify_hc1(&v.text, &trust, v.clock).is_valid() && dcc::verify_hc1(&v.text, &portable, v.clock).is_valid()
    });
    if vectors.is_empty() {
        bail!("no valid DCC test vectors under {}", vectors_dir.display());
    }
    let files: Vec<&Path> = vectors.iter().map(|v| v.path.as_path()).collect();
    let (mut fast_i, mut portable_i) = (0usize, 0usize);
    const ROUNDS: usize = 3;
    let share = seconds / ROUNDS as f64;
    let (mut surge, mut before, mut dgc) = (0.0f64, 0.0f64, None::<(u64, f64)>);
    // Interleaved rounds, each figure's best kept, so a burst of load elsewhere skews none of them alone.
    for _ in 0..ROUNDS {
        surge = surge.max(crate::bench::rate(share, &mut || {
            let v = &vectors[fast_i % vectors.len()];
            fast_i += 1;
            black_box(dcc::verify_hc1(black_box(&v.text), &trust, v.clock));
        }));
        before = before.max(crate::bench::rate(share, &mut || {
            let v = &vectors[portable_i % vectors.len()];
            portable_i += 1;
            black_box(dcc::verify_hc1(black_box(&v.text), &portable, v.clock));
        }));
        if let Some(peer) = peer {
            let (verified, rate) = run_peer(peer, share, &files)?;
            dgc = Some(dgc.map_or((verified, rate), |(n, best)| (n.min(verified), best.max(rate))));
        }
    }
    let round3 = |x: f64| (x * 1000.0).round() / 1000.0;
    println!("EU DCC verification, one core, {} official test vectors ({})", vectors.len(), vectors_dir.display());
    println!("  Surge (ring)            {surge:>9.0} /s");
    println!("  Surge in pure Rust      {before:>9.0} /s   ring is {:.2}x", surge / before);
    match dgc {
        Some((verified, rate)) => {
            println!(
                "  dgc 0.0.7 (ring 0.16)   {rate:>9.0} /s   Surge is {:.2}x  ({verified} vectors valid in dgc)",
                surge / rate
            )
        }
        None => println!("  dgc: not run (pass --peer; see bench/dcc-vs-dgc.sh)"),
    }
    let line = json!({
        "bench": "dcc",
        "vectors": vectors.len(),
        "verify_per_s": surge.round(),
        "portable_verify_per_s": before.round(),
        "dgc_verify_per_s": dgc.map(|(_, r)| r.round()),
        "dgc_vectors": dgc.map(|(n, _)| n),
        "ratio_to_dgc": dgc.map(|(_, r)| round3(surge / r)),
        "ratio_to_portable": round3(surge / before),
    });
    println!("{}", serde_json::to_string(&line).context("serialising figures")?);
    Ok(Outcome::Success)
}
