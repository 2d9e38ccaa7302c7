//! EU health certificates at a checkpoint: the signature, times and key usage (`surge_pass::dcc`), then the
//! business rules in force for the certificate's type, one check per rule, so the verdict names the rule a
//! certificate breaks (a positive test is signed as carefully as a negative one).

use serde_json::Value;
use surge_certlogic::rules::apply;
pub use surge_certlogic::rules::{Rule, RuleFileError, default_rules, parse_rules};
use surge_pass::dcc::{CertificateType, DccTrustList, DccVerification, verify_hc1};
use surge_pass::{Check, CheckName, Outcome, Reason};
use time::OffsetDateTime;

/// Verifies an `HC1:` text at `now`, then applies `rules` (as checked in `country`) to what it certifies. The
/// rules' words are in `lang` where they have it.
pub fn verify(
    text: &str,
    trust: &DccTrustList,
    rules: &[Rule],
    country: &str,
    lang: &str,
    now: OffsetDateTime,
) -> DccVerification {
    let mut verification = verify_hc1(text, trust, now);
    // The certificate is read only once its signature held: rules judge only what its issuer signed.
    let Some(certificate) = &verification.certificate else { return verification };
    let kind = match certificate.certificate_type() {
        Some(CertificateType::Test) => "Test",
        Some(CertificateType::Vaccination) => "Vaccination",
        Some(CertificateType::Recovery) => "Recovery",
        None => return verification,
    };
    let payload = payload_json(&certificate.payload);
    let outcomes = apply(rules, kind, &payload, country, now);
    for outcome in outcomes {
        let words = format!("{}: {}", outcome.rule.identifier, outcome.rule.description(lang));
        verification.checks.push(Check {
            name: CheckName::Rules,
            outcome: if outcome.passed { Outcome::Pass } else { Outcome::Fail },
            reason: (!outcome.passed).then_some(Reason::RuleFailed),
            detail: match outcome.error {
                Some(error) => format!("{words} (could not be checked: {error})").into(),
                None => words.into(),
            },
        });
    }
    verification
}

/// A certificate's payload as JSON, as the rules read it and officers see it: byte strings as base64.
pub fn payload_json(value: &ciborium::Value) -> Value {
    use ciborium::Value as C;
    match value {
        C::Integer(i) => i64::try_from(*i).map(Value::from).unwrap_or(Value::Null),
        C::Float(f) => serde_json::Number::from_f64(*f).map(Value::Number).unwrap_or(Value::Null),
        C::Text(s) => Value::String(s.clone()),
        C::Bool(b) => Value::Bool(*b),
        C::Null => Value::Null,
        C::Bytes(b) => Value::String(base64::Engine::encode(&base64::engine::general_purpose::STANDARD, b)),
        C::Array(items) => Value::Array(items.iter().map(payload_json).collect()),
        C::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.as_text().map(str::to_owned).unwrap_or_else(|| format!("{k:?}")), payload_json(v)))
                .collect(),
        ),
        C::Tag(_, inner) => payload_json(inner),
        _ => Value::Null,
    }
}
