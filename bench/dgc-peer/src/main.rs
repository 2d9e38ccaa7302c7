//! `surge-dgc-peer SECONDS FILE...`: verifies the `PREFIX` of each EU DCC test vector against its own
//! `TESTCTX.CERTIFICATE` with the `dgc` crate, round after round for about SECONDS, and prints one JSON line:
//! `{"verified": N, "verify_per_s": R}`. `surge bench dcc` runs it beside Surge's own verifier on the same files.

use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: f64 = match args.next().and_then(|s| s.parse().ok()) {
        Some(s) => s,
        None => {
            eprintln!("usage: surge-dgc-peer SECONDS FILE...");
            std::process::exit(2);
        }
    };
    let mut trust = dgc::TrustList::default();
    let mut texts = Vec::new();
    for path in args {
        let case: serde_json::Value = match std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        {
            Ok(case) => case,
            Err(e) => {
                eprintln!("{path}: {e}");
                std::process::exit(2);
            }
        };
        if let (Some(prefix), Some(cert)) = (case["PREFIX"].as_str(), case["TESTCTX"]["CERTIFICATE"].as_str()) {
            if trust.add_key_from_certificate(cert).is_ok() {
                texts.push(prefix.to_owned());
            }
        }
    }
    // Only what dgc itself finds valid is timed, so a refusal's shortcut never counts as a verification.
    texts.retain(|t| matches!(dgc::validate(t, &trust), Ok((_, dgc::SignatureValidity::Valid))));
    if texts.is_empty() {
        println!("{{\"verified\": 0, \"verify_per_s\": null}}");
        return;
    }
    let budget = Duration::from_secs_f64(seconds.clamp(0.01, 60.0));
    for t in &texts {
        std::hint::black_box(dgc::validate(t, &trust).ok());
    }
    let start = Instant::now();
    let mut count = 0u64;
    while start.elapsed() < budget {
        for t in &texts {
            let ok = matches!(dgc::validate(std::hint::black_box(t), &trust), Ok((_, dgc::SignatureValidity::Valid)));
            std::hint::black_box(ok);
        }
        count += texts.len() as u64;
    }
    let rate = count as f64 / start.elapsed().as_secs_f64();
    println!("{{\"verified\": {}, \"verify_per_s\": {:.0}}}", texts.len(), rate);
}
