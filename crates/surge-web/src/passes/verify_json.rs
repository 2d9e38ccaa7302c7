//! A verification as JSON (EP1 passes and HC1 certificates): the same shape from `surge pass verify --format json`
//! and from `POST /api/v1/verify`.

use serde_json::{Value, json};
use surge_pass::{Check, Verification};

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

pub fn checks_json(checks: &[Check]) -> Vec<Value> {
    checks
        .iter()
        .map(|c| {
            let mut check = json!({"check": c.name.as_str(), "result": c.outcome.as_str(), "message": c.detail});
            if let Some(reason) = c.reason {
                check["code"] = json!(reason.code());
            }
            check
        })
        .collect()
}

pub fn verification_json(v: &Verification) -> Value {
    let pass = v.claims.as_ref().map(|c| {
        json!({
            "id": c.pass.id.to_string(),
            "control_code": c.pass.control_code.grouped(),
            "kind": c.pass.kind.as_str(),
            "category": c.pass.category,
            "purpose": c.pass.purpose,
            "zones": c.pass.zones,
            "holder": c.pass.holder,
            "masked_id": c.pass.masked_id,
            "vehicle_plate": c.pass.vehicle_plate,
            "organisation": c.pass.organisation,
            "status_index": c.pass.status_index,
            "issuer": c.issuer,
            "issued_at": rfc3339(c.issued_at),
            "not_before": rfc3339(c.not_before),
            "expires": rfc3339(c.expires),
            "result": c.pass.result.as_ref().map(|r| json!({
                "test_code": r.test_code,
                "test_name": r.test_name,
                "detected": r.detected,
                "collected": r.collected.map(rfc3339),
                "lab": r.lab,
                "birth_date": r.birth_date.map(|d| d.to_string()),
            })),
        })
    });
    json!({
        "valid": v.is_valid(),
        "checks": checks_json(&v.checks),
        "pass": pass,
        "kid": v.kid.map(|k| k.to_hex()),
    })
}

pub fn cbor_to_json(value: &ciborium::Value) -> Value {
    use ciborium::Value as C;
    match value {
        C::Integer(i) => i64::try_from(*i).map(Value::from).unwrap_or(Value::Null),
        C::Float(f) => serde_json::Number::from_f64(*f).map(Value::Number).unwrap_or(Value::Null),
        C::Text(s) => Value::String(s.clone()),
        C::Bool(b) => Value::Bool(*b),
        C::Null => Value::Null,
        C::Bytes(b) => Value::String(base64::Engine::encode(&base64::engine::general_purpose::STANDARD, b)),
        C::Array(items) => Value::Array(items.iter().map(cbor_to_json).collect()),
        C::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.as_text().map(str::to_owned).unwrap_or_else(|| format!("{k:?}")), cbor_to_json(v)))
                .collect(),
        ),
        C::Tag(_, inner) => cbor_to_json(inner),
        _ => Value::Null,
    }
}

/// An `HC1:` verification as JSON: the checks, and what the certificate says once its signature held.
pub fn dcc_verification_json(v: &surge_pass::dcc::DccVerification) -> Value {
    json!({
        "valid": v.is_valid(),
        "checks": checks_json(&v.checks),
        "dcc": v.certificate.as_ref().map(|c| json!({
            "issuer": c.issuer,
            "issued_at": rfc3339(c.issued_at),
            "expires": rfc3339(c.expires),
            "type": c.certificate_type().map(|t| t.as_str()),
            "payload": cbor_to_json(&c.payload),
        })),
        "kid": v.kid.map(|k| k.to_hex()),
    })
}
