//! A verification as JSON: the same shape from `surge pass verify --format json` and from `POST /api/v1/verify`.

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
        })
    });
    json!({
        "valid": v.is_valid(),
        "checks": checks_json(&v.checks),
        "pass": pass,
        "kid": v.kid.map(|k| k.to_hex()),
    })
}
