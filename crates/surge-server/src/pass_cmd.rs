//! `surge pass`: sign a pass from a claims file, verify one offline, and publish a signed status list.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Subcommand;
use serde::Deserialize;
use surge_pass::dcc::{DccTrustList, SignerCertificate};
use surge_pass::{
    Accept, Check, ControlCode, Issuer, Pass, PassClaims, PassId, PassKind, STATUS_INVALID, StatusListBuilder,
    StatusListFile, StatusSnapshot, TestResult, Verification, Verifier, VerifyOptions,
};
use time::OffsetDateTime;

use crate::Outcome;
use crate::files::{self, rfc3339};

#[derive(Debug, Subcommand)]
pub enum PassCommand {
    /// Sign the claims in a JSON file and print the EP1: text.
    Sign {
        /// The pass key directory (from `surge keys generate`).
        #[arg(long)]
        key: PathBuf,
        #[arg(long)]
        claims: PathBuf,
        /// Also write the QR code as SVG.
        #[arg(long)]
        qr_svg: Option<PathBuf>,
        /// Also write the QR code as PNG.
        #[arg(long)]
        qr_png: Option<PathBuf>,
    },
    /// Verify a pass offline; prints JSON, exits 0 when valid and 1 when not.
    Verify {
        /// The signed trust list (`surge keys trust-list`), for EP1 passes.
        #[arg(long)]
        trust: Option<PathBuf>,
        /// DCC signer certificates (a PEM bundle), for HC1 health certificates.
        #[arg(long)]
        dcc_trust: Option<PathBuf>,
        /// Pin the trust list's root: the trust-root key directory or its public.json.
        #[arg(long)]
        anchor: Option<PathBuf>,
        /// A signed status list (`surge pass status-list`); without it revocation is `not_checked`.
        #[arg(long)]
        status_list: Option<PathBuf>,
        /// Verify as at this RFC 3339 time instead of now.
        #[arg(long)]
        at: Option<String>,
        /// The checkpoint's zone.
        #[arg(long)]
        zone: Option<String>,
        /// Refuse, rather than warn, when revocation cannot be checked.
        #[arg(long)]
        strict: bool,
        /// Accept a signed test result (and refuse movement passes) instead of the other way round.
        #[arg(long, conflicts_with = "zone")]
        result: bool,
        /// Clock skew tolerated for not-before and expiry, in seconds.
        #[arg(long, default_value_t = 300)]
        clock_skew: i64,
        /// A status list older than this many hours gives `status_unknown`.
        #[arg(long, default_value_t = 24)]
        max_status_age_hours: i64,
        /// Read the pass from a photo or screenshot of its QR code (PNG or JPEG).
        #[arg(long, conflicts_with = "text")]
        image: Option<PathBuf>,
        #[arg(long, value_parser = ["json", "text"], default_value = "json")]
        format: String,
        /// The pass text (EP1:...).
        #[arg(required_unless_present = "image")]
        text: Option<String>,
    },
    /// Run the EU DCC test vectors under DIR; ends with `N passed, M failed, K skipped` (exit 1 if any failed).
    DccTestdata { dir: PathBuf },
    /// Sign a status list of SIZE entries with the given indexes revoked.
    StatusList {
        /// The pass key directory that signs the list.
        #[arg(long)]
        key: PathBuf,
        #[arg(long)]
        size: u64,
        /// Revoked status indexes, comma-separated.
        #[arg(long, value_delimiter = ',')]
        revoked: Vec<u64>,
        /// Entries per chunk: verifiers fetch only the chunks that changed.
        #[arg(long, default_value_t = 1 << 16)]
        chunk_size: u32,
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run(command: PassCommand) -> anyhow::Result<Outcome> {
    match command {
        PassCommand::Sign { key, claims, qr_svg, qr_png } => sign(&key, &claims, qr_svg, qr_png),
        PassCommand::Verify {
            trust,
            dcc_trust,
            anchor,
            status_list,
            at,
            zone,
            strict,
            result,
            clock_skew,
            max_status_age_hours,
            image,
            format,
            text,
        } => {
            let text = match (text, image) {
                (Some(text), _) => text,
                (None, Some(image)) => {
                    let bytes = fs::read(&image).with_context(|| format!("reading {}", image.display()))?;
                    surge_pass::decode_qr_image(&bytes).with_context(|| image.display().to_string())?
                }
                (None, None) => bail!("give the pass text or --image"),
            };
            let now = at.as_deref().map(files::parse_time).transpose()?.unwrap_or_else(crate::now);
            if text.trim_start().starts_with(surge_pass::dcc::DCC_PREFIX) {
                let Some(dcc_trust) = dcc_trust else {
                    bail!("an HC1 certificate needs --dcc-trust (signer certificates, PEM)")
                };
                return verify_dcc(&text, &dcc_trust, now, &format);
            }
            let Some(trust) = trust else { bail!("an EP1 pass needs --trust (the signed trust list)") };
            let anchor = anchor.map(|a| read_anchor(&a)).transpose()?;
            let trust = files::read_trust(&trust, anchor.as_ref())?;
            let status = status_list
                .map(|path| {
                    let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
                    let mut snapshot = StatusSnapshot::new();
                    snapshot
                        .apply(&StatusListFile::from_bytes(&bytes)?, &trust)
                        .with_context(|| path.display().to_string())?;
                    anyhow::Ok(snapshot)
                })
                .transpose()?;
            let options = VerifyOptions {
                accept: if result { Accept::TestResult } else { Accept::Movement },
                clock_skew_seconds: clock_skew,
                max_status_age_seconds: max_status_age_hours * 3600,
                strict,
            };
            let mut verifier = Verifier::new(&trust).with_options(options);
            if let Some(status) = &status {
                verifier = verifier.with_status(status);
            }
            let verification = verifier.verify(&text, now, zone.as_deref());
            if format == "json" {
                println!("{}", serde_json::to_string_pretty(&surge_web::verification_json(&verification))?);
            } else {
                print_text(&verification);
            }
            Ok(if verification.is_valid() { Outcome::Success } else { Outcome::Negative })
        }
        PassCommand::DccTestdata { dir } => crate::dcc_testdata::run(&dir),
        PassCommand::StatusList { key, size, revoked, chunk_size, out } => {
            let key = files::read_key_dir(&key)?;
            let mut list = StatusListBuilder::new(1, chunk_size, size)?;
            for index in &revoked {
                list.set(*index, STATUS_INVALID).with_context(|| format!("--revoked {index}"))?;
            }
            let file = list.publish(&key.key, &key.public.issuer, crate::now(), None)?;
            let bytes = file.to_bytes()?;
            fs::write(&out, &bytes).with_context(|| format!("writing {}", out.display()))?;
            println!(
                "signed status list {}: {size} entries, {} revoked, {} bytes",
                out.display(),
                revoked.len(),
                bytes.len()
            );
            Ok(Outcome::Success)
        }
    }
}

/// The claims file: the pass's fields, with times in RFC 3339. Unknown fields are refused so a typo is not
/// silently dropped.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimsFile {
    kind: String,
    category: String,
    purpose: String,
    zones: Vec<String>,
    holder: String,
    masked_id: Option<String>,
    vehicle_plate: Option<String>,
    organisation: Option<String>,
    not_before: String,
    expires: String,
    status_index: u64,
    id: Option<String>,
    control_code: Option<String>,
    /// For kind `test-result` only.
    result: Option<ResultFile>,
}

/// What a `test-result` pass certifies.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResultFile {
    test_code: String,
    test_name: String,
    detected: bool,
    collected: Option<String>,
    lab: String,
    /// `YYYY-MM-DD`.
    birth_date: Option<String>,
}

fn read_claims(path: &Path, issuer: &str, now: OffsetDateTime) -> anyhow::Result<PassClaims> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let file: ClaimsFile = serde_json::from_str(&text).with_context(|| format!("{}", path.display()))?;
    let mut rng = rand_core::OsRng;
    let claims = PassClaims {
        issuer: issuer.into(),
        issued_at: now,
        not_before: files::parse_time(&file.not_before).context("not_before")?,
        expires: files::parse_time(&file.expires).context("expires")?,
        pass: Pass {
            id: match file.id {
                Some(id) => PassId::parse(&id).context("id")?,
                None => PassId::generate(&mut rng),
            },
            control_code: match file.control_code {
                Some(code) => ControlCode::parse(&code).context("control_code")?,
                None => ControlCode::generate(&mut rng),
            },
            kind: PassKind::parse(&file.kind)?,
            category: file.category,
            purpose: file.purpose,
            zones: file.zones,
            holder: file.holder,
            masked_id: file.masked_id,
            vehicle_plate: file.vehicle_plate,
            organisation: file.organisation,
            status_index: file.status_index,
            result: match file.result {
                None => None,
                Some(r) => Some(TestResult {
                    test_code: r.test_code,
                    test_name: r.test_name,
                    detected: r.detected,
                    collected: r.collected.map(|t| files::parse_time(&t)).transpose().context("result.collected")?,
                    lab: r.lab,
                    birth_date: r
                        .birth_date
                        .map(|d| time::Date::parse(&d, time::macros::format_description!("[year]-[month]-[day]")))
                        .transpose()
                        .context("result.birth_date: YYYY-MM-DD")?,
                }),
            },
        },
    };
    claims.validate().with_context(|| format!("{}", path.display()))?;
    Ok(claims)
}

fn sign(key: &Path, claims: &Path, qr_svg: Option<PathBuf>, qr_png: Option<PathBuf>) -> anyhow::Result<Outcome> {
    let key = files::read_key_dir(key)?;
    if key.public.role != files::Role::Pass {
        bail!("{} is a trust-root key; sign passes with a pass key", key.public.kid);
    }
    let now = crate::now();
    if now > key.public.valid_until {
        bail!("key {} may sign only until {}; generate a new key", key.public.kid, rfc3339(key.public.valid_until));
    }
    let claims = read_claims(claims, &key.public.issuer, now)?;
    let text = Issuer::new(key.key).issue(&claims)?;
    if let Some(path) = qr_svg {
        fs::write(&path, surge_pass::qr_svg(&text)?).with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = qr_png {
        fs::write(&path, surge_pass::qr_png(&text, 8)?).with_context(|| format!("writing {}", path.display()))?;
    }
    println!("{text}");
    Ok(Outcome::Success)
}

fn read_anchor(path: &Path) -> anyhow::Result<surge_pass::VerifyingKey> {
    let public = if path.is_dir() {
        files::read_public(path)?
    } else {
        let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("{} is not a public key file", path.display()))?
    };
    if public.role != files::Role::TrustRoot {
        bail!("{} is not a trust-root key", path.display());
    }
    public.verifying_key()
}

fn verify_dcc(text: &str, trust: &Path, now: OffsetDateTime, format: &str) -> anyhow::Result<Outcome> {
    let pem = fs::read_to_string(trust).with_context(|| format!("reading {}", trust.display()))?;
    let signers = SignerCertificate::from_pem_bundle(&pem).with_context(|| trust.display().to_string())?;
    // Offline, the built-in business rules apply (a positive test is signed as carefully as a negative one).
    let rules = surge_app::dcc::default_rules();
    let v = surge_app::dcc::verify(text, &DccTrustList { signers }, &rules, "", "en", now);
    if format == "json" {
        let json = surge_web::dcc_verification_json(&v);
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        println!("{}", if v.is_valid() { "VALID" } else { "NOT VALID" });
        print_checks(&v.checks);
    }
    Ok(if v.is_valid() { Outcome::Success } else { Outcome::Negative })
}

fn print_checks(checks: &[Check]) {
    for c in checks {
        let code = c.reason.map(|r| format!(" [{}]", r.code())).unwrap_or_default();
        println!("  {:<5} {:<10} {}{code}", c.outcome.as_str(), c.name.as_str(), c.detail);
    }
}

fn print_text(v: &Verification) {
    println!("{}", if v.is_valid() { "VALID" } else { "NOT VALID" });
    print_checks(&v.checks);
    if let Some(c) = &v.claims {
        println!("  holder {} ({}), {} / {}", c.pass.holder, c.pass.kind.as_str(), c.pass.category, c.pass.purpose);
        println!("  zones {}, until {}", c.pass.zones.join(", "), rfc3339(c.expires));
        println!("  control code {}", c.pass.control_code.grouped());
    }
}
