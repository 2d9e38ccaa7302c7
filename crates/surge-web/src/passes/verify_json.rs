//! A verification on the wire (EP1 passes and HC1 certificates): the same shape from `surge pass verify --format
//! json` and from `POST /api/v1/verify`.

use serde::Serialize;
use serde_json::Value;
use surge_pass::{Check, Verification};
use utoipa::ToSchema;

use crate::wire::rfc3339;

/// One check and its result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckOut {
    /// What was checked, e.g. `signature`, `validity`, `zone`, `live_status`.
    pub check: &'static str,
    /// `pass`, `warn` or `fail`.
    pub result: &'static str,
    /// A sentence for people.
    pub message: Option<String>,
    /// The reason code, for machines, when the check did not pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
}

pub fn checks_json(checks: &[Check]) -> Vec<CheckOut> {
    checks
        .iter()
        .map(|c| CheckOut {
            check: c.name.as_str(),
            result: c.outcome.as_str(),
            message: Some(c.detail.to_string()),
            code: c.reason.map(|r| r.code()),
        })
        .collect()
}

/// The result a test-result pass certifies.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResultOut {
    pub test_code: String,
    pub test_name: String,
    pub detected: bool,
    pub collected: Option<String>,
    pub lab: String,
    pub birth_date: Option<String>,
}

/// What a pass says, once its signature held.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PassOut {
    pub id: String,
    pub control_code: String,
    pub kind: &'static str,
    pub category: String,
    pub purpose: String,
    pub zones: Vec<String>,
    pub holder: String,
    pub masked_id: Option<String>,
    pub vehicle_plate: Option<String>,
    pub organisation: Option<String>,
    pub status_index: u64,
    pub issuer: String,
    pub issued_at: String,
    pub not_before: String,
    pub expires: String,
    pub result: Option<ResultOut>,
}

/// The pass's status now, as only the server knows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LiveStatus {
    /// `valid`, `suspended` or `revoked`.
    pub status: &'static str,
    /// Why it was suspended or revoked.
    pub reason: Option<String>,
}

/// The verdict on an `EP1:` pass: the offline checks and, from the server, its live status.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PassVerification {
    pub valid: bool,
    pub checks: Vec<CheckOut>,
    pub pass: Option<PassOut>,
    /// The signing key's id, in hex.
    pub kid: Option<String>,
    /// Absent from `surge pass verify`; null when the signature did not hold.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<LiveStatus>)]
    pub live_status: Option<Option<LiveStatus>>,
    /// Whether the check, logged at a checkpoint, raised an alert (a possible cloned pass).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert: Option<bool>,
}

pub fn verification_json(v: &Verification) -> PassVerification {
    let pass = v.claims.as_ref().map(|c| PassOut {
        id: c.pass.id.to_string(),
        control_code: c.pass.control_code.grouped(),
        kind: c.pass.kind.as_str(),
        category: c.pass.category.clone(),
        purpose: c.pass.purpose.clone(),
        zones: c.pass.zones.clone(),
        holder: c.pass.holder.clone(),
        masked_id: c.pass.masked_id.clone(),
        vehicle_plate: c.pass.vehicle_plate.clone(),
        organisation: c.pass.organisation.clone(),
        status_index: c.pass.status_index,
        issuer: c.issuer.clone(),
        issued_at: rfc3339(c.issued_at),
        not_before: rfc3339(c.not_before),
        expires: rfc3339(c.expires),
        result: c.pass.result.as_ref().map(|r| ResultOut {
            test_code: r.test_code.clone(),
            test_name: r.test_name.clone(),
            detected: r.detected,
            collected: r.collected.map(rfc3339),
            lab: r.lab.clone(),
            birth_date: r.birth_date.map(|d| d.to_string()),
        }),
    });
    PassVerification {
        valid: v.is_valid(),
        checks: checks_json(&v.checks),
        pass,
        kid: v.kid.map(|k| k.to_hex()),
        live_status: None,
        alert: None,
    }
}

/// What an EU health certificate says, once its signature held.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DccOut {
    pub issuer: Option<String>,
    pub issued_at: String,
    pub expires: String,
    /// `vaccination`, `test` or `recovery`.
    #[serde(rename = "type")]
    pub certificate_type: Option<&'static str>,
    /// The certificate's payload (`ver`, `nam`, `dob`, and one of `v`, `t`, `r`).
    pub payload: Value,
}

/// The verdict on an `HC1:` certificate: the checks, and what it says once its signature held.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DccVerificationOut {
    pub valid: bool,
    pub checks: Vec<CheckOut>,
    pub dcc: Option<DccOut>,
    pub kid: Option<String>,
}

/// An `HC1:` verification on the wire.
pub fn dcc_verification_json(v: &surge_pass::dcc::DccVerification) -> DccVerificationOut {
    DccVerificationOut {
        valid: v.is_valid(),
        checks: checks_json(&v.checks),
        dcc: v.certificate.as_ref().map(|c| DccOut {
            issuer: c.issuer.clone(),
            issued_at: rfc3339(c.issued_at),
            expires: rfc3339(c.expires),
            certificate_type: c.certificate_type().map(|t| t.as_str()),
            payload: surge_app::dcc::payload_json(&c.payload),
        }),
        kid: v.kid.map(|k| k.to_hex()),
    }
}

/// The answer to an online verification: an `EP1:` pass or an `HC1:` certificate.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Verified {
    Pass(Box<PassVerification>),
    Dcc(DccVerificationOut),
}

impl Verified {
    pub fn valid(&self) -> bool {
        match self {
            Self::Pass(v) => v.valid,
            Self::Dcc(v) => v.valid,
        }
    }

    pub fn checks(&self) -> &[CheckOut] {
        match self {
            Self::Pass(v) => &v.checks,
            Self::Dcc(v) => &v.checks,
        }
    }

    /// The first failed check's code, for the scan log and the officer's screen.
    pub fn failure_code(&self) -> Option<&'static str> {
        self.checks().iter().find(|c| c.result == "fail").and_then(|c| c.code)
    }

    pub fn pass(&self) -> Option<&PassOut> {
        match self {
            Self::Pass(v) => v.pass.as_ref(),
            Self::Dcc(_) => None,
        }
    }
}
