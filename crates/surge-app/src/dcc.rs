//! EU health certificates at a checkpoint: the signature, times and key usage (`surge_pass::dcc`), the payload
//! against the official EU DCC JSON schema, then the business rules in force for the certificate's type, one
//! check per rule, so the verdict names the rule a certificate breaks (a positive test is signed as carefully as a
//! negative one).

use std::sync::LazyLock;

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
    let problems = schema_problems(&payload);
    verification.checks.push(Check {
        name: CheckName::Claims,
        outcome: if problems.is_empty() { Outcome::Pass } else { Outcome::Fail },
        reason: (!problems.is_empty()).then_some(Reason::BadClaims),
        detail: if problems.is_empty() {
            format!("follows the EU DCC schema {SCHEMA_VERSION}").into()
        } else {
            format!("does not follow the EU DCC schema {SCHEMA_VERSION}: {}", problems.join("; ")).into()
        },
    });
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

/// The version of the EU DCC schema Surge checks payloads against (`data/dcc-schema`).
pub const SCHEMA_VERSION: &str = "1.3.3";

/// The official schema, compiled once. It is part of the build, so failing to compile it is a bug a test catches.
static SCHEMA: LazyLock<Result<(boon::Schemas, boon::SchemaIndex), String>> = LazyLock::new(|| {
    const URL: &str = "https://id.uvci.eu/DCC.combined-schema.json";
    let document: Value = serde_json::from_str(include_str!("../data/dcc-schema/DCC.combined-schema.json"))
        .map_err(|e| format!("the DCC schema is not JSON: {e}"))?;
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.add_resource(URL, document).map_err(|e| e.to_string())?;
    let index = compiler.compile(URL, &mut schemas).map_err(|e| e.to_string())?;
    Ok((schemas, index))
});

/// Where a DCC payload (as JSON) breaks the official EU DCC schema, one line per problem (at most eight, each
/// naming the place, `/t/0/sc: …`); empty when it follows it. As in the reference tests, `format` is an annotation,
/// not a check. The schema's `oneOf` already refuses a payload holding more than one of `v`, `t` and `r`.
pub fn schema_problems(payload: &Value) -> Vec<String> {
    fn leaves(error: &boon::ValidationError<'_, '_>, out: &mut Vec<String>) {
        if error.causes.is_empty() {
            let place = error.instance_location.to_string();
            out.push(format!("{}: {}", if place.is_empty() { "/" } else { place.as_str() }, error.kind));
        }
        for cause in &error.causes {
            leaves(cause, out);
        }
    }
    let (schemas, index) = match &*SCHEMA {
        Ok(compiled) => compiled,
        Err(e) => return vec![format!("the schema could not be read: {e}")],
    };
    let mut problems = Vec::new();
    if let Err(error) = schemas.validate(payload, *index) {
        leaves(&error, &mut problems);
    }
    problems.truncate(8);
    problems
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn test_certificate() -> Value {
        json!({
            "ver": "1.3.0",
            "nam": {"fn": "Musterfrau", "fnt": "MUSTERFRAU", "gn": "Erika", "gnt": "ERIKA"},
            "dob": "1964-08-12",
            "t": [{
                "tg": "840539006", "tt": "LP6464-4", "nm": "PCR", "sc": "2021-05-30T10:12:22Z", "tr": "260415000",
                "tc": "Testzentrum", "co": "DE", "is": "Robert Koch-Institut",
                "ci": "URN:UVCI:01DE/IZ12345A/5CWLU12RNOB9RXSEOP6FG8#W"
            }]
        })
    }

    #[test]
    fn a_payload_that_follows_the_eu_schema_has_no_problems() {
        assert!(SCHEMA.is_ok(), "{:?}", SCHEMA.as_ref().err());
        assert_eq!(schema_problems(&test_certificate()), Vec::<String>::new());
    }

    #[test]
    fn each_break_of_the_eu_schema_is_named_by_its_place() {
        let mut dotted = test_certificate();
        dotted["dob"] = json!("1964.08.12");
        let problems = schema_problems(&dotted);
        assert!(problems.iter().any(|p| p.starts_with("/dob: ")), "{problems:?}");

        let mut nameless = test_certificate();
        nameless.as_object_mut().unwrap().remove("nam");
        assert!(!schema_problems(&nameless).is_empty());

        let mut long_country = test_certificate();
        long_country["t"][0]["co"] = json!(7);
        assert!(schema_problems(&long_country).iter().any(|p| p.starts_with("/t/0/co: ")));

        let mut two_kinds = test_certificate();
        two_kinds["v"] = json!([]);
        assert!(!schema_problems(&two_kinds).is_empty(), "a test and a vaccination in one certificate");
    }
}
