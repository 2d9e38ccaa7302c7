//! `surge pass dcc-testdata DIR`: runs the EU DCC test vectors (one JSON test case per file) through the verifier,
//! step by step as each case's `EXPECTEDRESULTS` asks, and reports `N passed, M failed, K skipped`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value as Json;
use surge_pass::dcc::{self, DccTrustList, SignerCertificate};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::Outcome;

#[derive(Debug, Default)]
struct Tally {
    passed: usize,
    failed: usize,
    skipped: usize,
    skip_reasons: BTreeMap<String, usize>,
}

/// The upstream test suite's names for the steps, as `tests/known_issues.csv` lists them.
const UPSTREAM_TEST_NAMES: &[(&str, &str)] = &[
    ("test_cose_json", "EXPECTEDVALIDJSON"),
    ("test_cbor_json", "EXPECTEDVALIDJSON"),
    ("test_verification_check", "EXPECTEDVERIFY"),
    ("test_cose_schema", "EXPECTEDSCHEMAVALIDATION"),
    ("test_b45", "EXPECTEDB45DECODE"),
    ("test_compression", "EXPECTEDCOMPRESSION"),
    ("test_expiration", "EXPECTEDEXPIRATIONCHECK"),
    ("test_key_usage", "EXPECTEDKEYUSAGE"),
];

/// Steps of cases that the vectors' own `tests/known_issues.csv` marks as wrong upstream: (country, case, step)
/// with the issue's address.
fn known_issues(dir: &Path) -> BTreeMap<(String, String, String), String> {
    let Ok(text) = fs::read_to_string(dir.join("tests/known_issues.csv")) else {
        return BTreeMap::new();
    };
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            let [test, country, case, url] = fields.as_slice() else {
                return None;
            };
            let step = UPSTREAM_TEST_NAMES.iter().find(|(name, _)| name == test)?.1;
            Some(((country.to_string(), case.to_string(), step.to_owned()), url.to_string()))
        })
        .collect()
}

pub fn run(dir: &Path) -> anyhow::Result<Outcome> {
    let known = known_issues(dir);
    let mut files = Vec::new();
    collect_json(dir, &mut files)?;
    files.sort();
    let mut tally = Tally::default();
    for file in &files {
        let text = fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        let Ok(case) = serde_json::from_str::<Json>(&text) else {
            continue;
        };
        if case.get("EXPECTEDRESULTS").is_none() || case.get("TESTCTX").is_none() {
            continue;
        }
        let relative = file.strip_prefix(dir).unwrap_or(file);
        let name = relative.display().to_string();
        let country =
            relative.components().next().map(|c| c.as_os_str().to_string_lossy().into_owned()).unwrap_or_default();
        let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let mut outcome = run_case(&case);
        outcome.failures.retain(|(step, _)| match known.get(&(country.clone(), stem.clone(), step.clone())) {
            Some(url) => {
                outcome.skipped.push((step.clone(), format!("known upstream issue {url}")));
                false
            }
            None => true,
        });
        for (step, reason) in &outcome.skipped {
            *tally.skip_reasons.entry(format!("{step}: {reason}")).or_default() += 1;
        }
        if outcome.failures.is_empty() {
            if outcome.checked == 0 {
                tally.skipped += 1;
            } else {
                tally.passed += 1;
            }
        } else {
            tally.failed += 1;
            let reasons: Vec<&str> = outcome.failures.iter().map(|(_, why)| why.as_str()).collect();
            println!("FAIL {name}: {}", reasons.join("; "));
        }
    }
    for (reason, count) in &tally.skip_reasons {
        println!("skipped step {count}×: {reason}");
    }
    println!("{} passed, {} failed, {} skipped", tally.passed, tally.failed, tally.skipped);
    Ok(if tally.failed == 0 { Outcome::Success } else { Outcome::Negative })
}

/// Every `.json` file under `dir`, recursively.
pub(crate) fn collect_json(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            collect_json(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    Ok(())
}

#[derive(Debug, Default)]
struct CaseOutcome {
    checked: usize,
    /// (step, why) for each step whose result differs from the expected one.
    failures: Vec<(String, String)>,
    skipped: Vec<(String, String)>,
}

fn hex(case: &Json, field: &str) -> Option<Vec<u8>> {
    let text = case.get(field)?.as_str()?;
    (0..text.len()).step_by(2).map(|i| text.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect()
}

fn text<'a>(case: &'a Json, field: &str) -> Option<&'a str> {
    case.get(field).and_then(Json::as_str)
}

/// Validation clocks come as RFC 3339, and sometimes with a `+0200` offset that RFC 3339 spells `+02:00`.
fn parse_clock(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok().or_else(|| {
        let (head, tail) = text.split_at(text.len().checked_sub(5)?);
        let fixed = format!("{head}{}:{}", &tail[..3], &tail[3..]);
        OffsetDateTime::parse(&fixed, &Rfc3339).ok()
    })
}

/// The bytes at each stage of the chain, taken from the case where given and derived from the stage before
/// otherwise.
fn base45_text(case: &Json) -> Option<String> {
    text(case, "BASE45")
        .map(str::to_owned)
        .or_else(|| text(case, "PREFIX").and_then(|p| dcc::unprefix(p).ok()).map(str::to_owned))
}

fn compressed(case: &Json) -> Option<Vec<u8>> {
    hex(case, "COMPRESSED").or_else(|| dcc::base45_decode(&base45_text(case)?).ok())
}

fn cose(case: &Json) -> Option<Vec<u8>> {
    hex(case, "COSE").or_else(|| dcc::decompress(&compressed(case)?).ok())
}

fn run_case(case: &Json) -> CaseOutcome {
    let mut out = CaseOutcome::default();
    let ctx = &case["TESTCTX"];
    let expected = case["EXPECTEDRESULTS"].as_object().cloned().unwrap_or_default();
    let signer = text(ctx, "CERTIFICATE")
        .and_then(|c| STANDARD.decode(c).ok())
        .and_then(|der| SignerCertificate::from_der(&der).ok());
    let trust = DccTrustList { signers: signer.clone().into_iter().collect() };
    let clock = text(ctx, "VALIDATIONCLOCK").and_then(parse_clock);

    for (step, want) in expected {
        let Some(want) = want.as_bool() else { continue };
        let got: Result<bool, String> = match step.as_str() {
            "EXPECTEDUNPREFIX" => Ok(match text(case, "PREFIX").map(dcc::unprefix) {
                Some(Ok(body)) => text(case, "BASE45").is_none_or(|b| b == body),
                _ => false,
            }),
            "EXPECTEDB45DECODE" => match base45_text(case) {
                Some(b45) => {
                    Ok(dcc::base45_decode(&b45).is_ok_and(|bytes| hex(case, "COMPRESSED").is_none_or(|c| c == bytes)))
                }
                None => Err("no base45 text".into()),
            },
            "EXPECTEDCOMPRESSION" => match compressed(case) {
                Some(bytes) => {
                    Ok(dcc::decompress(&bytes).is_ok_and(|inflated| hex(case, "COSE").is_none_or(|c| c == inflated)))
                }
                None => Err("no compressed data".into()),
            },
            "EXPECTEDPICTUREDECODE" => match text(case, "2DCODE").map(|png| STANDARD.decode(png)) {
                Some(Ok(png)) => {
                    Ok(surge_pass::decode_qr_image(&png).is_ok_and(|t| Some(t.as_str()) == text(case, "PREFIX")))
                }
                Some(Err(_)) => Ok(false),
                None => Err("no picture in the case".into()),
            },
            "EXPECTEDDECODE" => Ok(decoded_dcc(case).is_some()),
            // The case's JSON against the official schema (`surge_app::dcc::SCHEMA_VERSION`).
            "EXPECTEDVALIDOBJECT" => match case.get("JSON") {
                Some(json) => Ok(surge_app::dcc::schema_problems(json).is_empty()),
                None => Err("no JSON in the case".into()),
            },
            // What the certificate carries, decoded, against the same schema.
            "EXPECTEDSCHEMAVALIDATION" => match decoded_dcc(case) {
                Some(value) => Ok(surge_app::dcc::schema_problems(&surge_app::dcc::payload_json(&value)).is_empty()),
                None => Ok(false),
            },
            // JSON encoded as CBOR equals the case's CBOR: both in canonical form, since map order is free.
            "EXPECTEDENCODE" => match (case.get("JSON"), decoded_dcc(case)) {
                (Some(json), Some(value)) => Ok(canonical(cbor_of_json(json)) == canonical(value)),
                (Some(_), None) => Ok(false),
                (None, _) => Err("no JSON in the case".into()),
            },
            "EXPECTEDVALIDJSON" => match (decoded_dcc(case), case.get("JSON")) {
                (Some(value), Some(json)) => Ok(same_json(&surge_app::dcc::payload_json(&value), json)),
                (None, Some(_)) => Ok(false),
                (_, None) => Err("no JSON in the case".into()),
            },
            "EXPECTEDVERIFY" => match cose(case) {
                Some(bytes) => Ok(dcc::parse_cose(&bytes).is_ok_and(|sign1| {
                    dcc::verify_signature(&sign1, &trust).is_ok()
                        && dcc::decode_cwt(sign1.payload.as_deref().unwrap_or_default()).is_ok()
                })),
                None => Ok(false),
            },
            "EXPECTEDEXPIRATIONCHECK" => match (cwt(case), clock) {
                (Some(hc), Some(clock)) => Ok(dcc::check_times(&hc, clock).is_ok()),
                (None, _) => Ok(false),
                (_, None) => Err("no validation clock".into()),
            },
            "EXPECTEDKEYUSAGE" => match (cwt(case), &signer) {
                (Some(hc), Some(signer)) => Ok(dcc::check_key_usage(signer, &hc).is_ok()),
                _ => Ok(false),
            },
            _ => Err("unknown expectation".into()),
        };
        match got {
            Ok(got) => {
                out.checked += 1;
                if got != want {
                    let why = format!("{step} expected {want}, got {got}");
                    out.failures.push((step, why));
                }
            }
            Err(reason) => out.skipped.push((step, reason)),
        }
    }
    out
}

fn cwt(case: &Json) -> Option<dcc::HealthCertificate> {
    let sign1 = dcc::parse_cose(&cose(case)?).ok()?;
    dcc::decode_cwt(sign1.payload.as_deref()?).ok()
}

/// The DCC payload: the case's CBOR if given (some producers give the DCC, others the whole CWT around it), else
/// the one inside its COSE.
fn decoded_dcc(case: &Json) -> Option<ciborium::Value> {
    let Some(bytes) = hex(case, "CBOR") else {
        return cwt(case).map(|hc| hc.payload);
    };
    match ciborium::from_reader::<ciborium::Value, _>(bytes.as_slice()) {
        Ok(value) if is_cwt(&value) => dcc::decode_cwt(&bytes).ok().map(|hc| hc.payload),
        Ok(value) if value.is_map() => Some(value),
        _ => None,
    }
}

/// A JSON value as CBOR: whole numbers as integers, others as floats.
fn cbor_of_json(json: &Json) -> ciborium::Value {
    use ciborium::Value as C;
    match json {
        Json::Null => C::Null,
        Json::Bool(b) => C::Bool(*b),
        Json::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => C::Integer(i.into()),
            (None, Some(f)) => C::Float(f),
            (None, None) => C::Null,
        },
        Json::String(s) => C::Text(s.clone()),
        Json::Array(items) => C::Array(items.iter().map(cbor_of_json).collect()),
        Json::Object(map) => C::Map(map.iter().map(|(k, v)| (C::Text(k.clone()), cbor_of_json(v))).collect()),
    }
}

/// CBOR with every map's entries in the order of their encoded keys (RFC 8949 §4.2.1), tags kept, so that two
/// encodings of the same content compare equal.
fn canonical(value: ciborium::Value) -> ciborium::Value {
    use ciborium::Value as C;
    match value {
        C::Array(items) => C::Array(items.into_iter().map(canonical).collect()),
        C::Map(entries) => {
            let mut keyed: Vec<(Vec<u8>, (C, C))> = entries
                .into_iter()
                .map(|(k, v)| {
                    let mut bytes = Vec::new();
                    let _ = ciborium::into_writer(&k, &mut bytes);
                    (bytes, (canonical(k), canonical(v)))
                })
                .collect();
            keyed.sort_by(|a, b| a.0.cmp(&b.0));
            C::Map(keyed.into_iter().map(|(_, entry)| entry).collect())
        }
        C::Tag(tag, inner) => C::Tag(tag, Box::new(canonical(*inner))),
        other => other,
    }
}

fn is_cwt(value: &ciborium::Value) -> bool {
    value.as_map().is_some_and(|m| m.iter().any(|(k, _)| k.as_integer().is_some_and(|k| i64::try_from(k) == Ok(-260))))
}

/// JSON equality with numbers compared by value, so CBOR's 1.0 equals JSON's 1.
fn same_json(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x.as_f64() == y.as_f64(),
        (Json::Array(x), Json::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y)),
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}
