//! What a pass says: the claims inside the signed token, their validation rules (minimal personal data), and their
//! compact CBOR form (CWT claims 1/4/5/6 plus one private-use claim that holds the pass).

#[cfg(test)]
pub(crate) mod tests;

use ciborium::Value;
use time::{Date, OffsetDateTime};

use crate::{ControlCode, PassError, PassId};

/// The pass format version this code writes and reads. Tokens with any other version are rejected with the reason
/// `unsupported_version`, never guessed at.
pub const FORMAT_VERSION: u64 = 1;

/// CWT claim keys (RFC 8392 section 3.1).
pub(crate) const CWT_ISS: i64 = 1;
pub(crate) const CWT_EXP: i64 = 4;
pub(crate) const CWT_NBF: i64 = 5;
pub(crate) const CWT_IAT: i64 = 6;
/// The private-use claim (RFC 8392 reserves keys below -65536) that carries the pass itself.
pub(crate) const CWT_EPASS: i64 = -65537;

// Keys of the pass map inside the private claim; small integers keep the QR code small.
const K_VERSION: i64 = 0;
const K_ID: i64 = 1;
const K_CONTROL: i64 = 2;
const K_KIND: i64 = 3;
const K_CATEGORY: i64 = 4;
const K_PURPOSE: i64 = 5;
const K_ZONES: i64 = 6;
const K_HOLDER: i64 = 7;
const K_MASKED_ID: i64 = 8;
const K_PLATE: i64 = 9;
const K_ORGANISATION: i64 = 10;
const K_STATUS_INDEX: i64 = 11;
const K_RESULT: i64 = 12;

// Keys of the test result map (kind `test-result` only).
const R_TEST_CODE: i64 = 0;
const R_TEST_NAME: i64 = 1;
const R_DETECTED: i64 = 2;
const R_COLLECTED: i64 = 3;
const R_LAB: i64 = 4;
const R_BIRTH_DATE: i64 = 5;

/// Whether the pass lets a person or a vehicle move, or certifies a person's test result. A test result is never a
/// movement pass: verifiers accept one class or the other (see [`crate::VerifyOptions::accept`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PassKind {
    Person,
    Vehicle,
    TestResult,
}

impl PassKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Person => "person",
            Self::Vehicle => "vehicle",
            Self::TestResult => "test-result",
        }
    }

    pub fn parse(text: &str) -> Result<Self, PassError> {
        match text {
            "person" => Ok(Self::Person),
            "vehicle" => Ok(Self::Vehicle),
            "test-result" => Ok(Self::TestResult),
            other => Err(PassError::claim(
                "kind",
                format!("must be \"person\", \"vehicle\" or \"test-result\", not {other:?}"),
            )),
        }
    }

    /// Whether a pass of this kind lets someone through a checkpoint.
    pub fn is_movement(self) -> bool {
        self != Self::TestResult
    }

    fn code(self) -> u64 {
        match self {
            Self::Person => 0,
            Self::Vehicle => 1,
            Self::TestResult => 2,
        }
    }

    fn from_code(code: u64) -> Option<Self> {
        match code {
            0 => Some(Self::Person),
            1 => Some(Self::Vehicle),
            2 => Some(Self::TestResult),
            _ => None,
        }
    }
}

/// What a test-result pass certifies: one laboratory result, with what a third party needs to check it against the
/// holder's identity document (the holder's name and date of birth) and nothing more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResult {
    /// The test's code, LOINC for laboratory tests (e.g. `94500-6`).
    pub test_code: String,
    /// A short display name, e.g. `COVID-19 PCR`.
    pub test_name: String,
    pub detected: bool,
    /// When the sample was taken, where the laboratory said.
    pub collected: Option<OffsetDateTime>,
    /// The laboratory that performed the test.
    pub lab: String,
    pub birth_date: Option<Date>,
}

/// The pass itself: who or what may move, where, and why. Nothing else about the holder is carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pass {
    pub id: PassId,
    pub control_code: ControlCode,
    pub kind: PassKind,
    /// A category code from the authority's list, e.g. `essential-worker`.
    pub category: String,
    pub purpose: String,
    /// Zone codes (e.g. ISO 3166-2 `KR-26`); a pass for a zone is good in its sub-zones (`KR-26-110`).
    pub zones: Vec<String>,
    /// Display name or initials, as the holder should be addressed at a checkpoint.
    pub holder: String,
    /// The last characters (at most four) of an identity document, to compare with the document shown.
    pub masked_id: Option<String>,
    pub vehicle_plate: Option<String>,
    pub organisation: Option<String>,
    /// This pass's slot in the authority's revocation status list.
    pub status_index: u64,
    /// The result certified, for a `test-result` pass; `None` for any other kind.
    pub result: Option<TestResult>,
}

/// A pass with the token's issuer and validity times: everything that is signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassClaims {
    pub issuer: String,
    pub issued_at: OffsetDateTime,
    pub not_before: OffsetDateTime,
    pub expires: OffsetDateTime,
    pub pass: Pass,
}

const MAX_TEXT: usize = 64;
const MAX_ZONES: usize = 16;
/// Status indexes fit in 32 bits: four billion passes per authority list is far beyond any need.
pub const MAX_STATUS_INDEX: u64 = u32::MAX as u64;

fn check_text(field: &'static str, value: &str, max: usize) -> Result<(), PassError> {
    let len = value.chars().count();
    if value.trim().is_empty() {
        return Err(PassError::claim(field, "must not be empty"));
    }
    if len > max {
        return Err(PassError::claim(field, format!("must be at most {max} characters, found {len}")));
    }
    if value.chars().any(char::is_control) {
        return Err(PassError::claim(field, "must not contain control characters"));
    }
    Ok(())
}

fn check_code(
    field: &'static str,
    value: &str,
    max: usize,
    allowed: fn(char) -> bool,
    what: &str,
) -> Result<(), PassError> {
    check_text(field, value, max)?;
    if !value.chars().all(allowed) {
        return Err(PassError::claim(field, format!("{value:?} must use only {what}")));
    }
    Ok(())
}

fn slug_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
}

fn zone_char(c: char) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-'
}

impl Pass {
    /// Checks the minimal-data rules; called before signing and after decoding.
    pub fn validate(&self) -> Result<(), PassError> {
        check_code("category", &self.category, 40, slug_char, "lower-case letters, digits and hyphens")?;
        check_text("purpose", &self.purpose, MAX_TEXT)?;
        // A test result is good wherever it is shown; a movement pass must say where it may be used.
        if self.zones.is_empty() && self.kind.is_movement() {
            return Err(PassError::claim("zones", "must list at least one zone"));
        }
        if self.zones.len() > MAX_ZONES {
            return Err(PassError::claim("zones", format!("at most {MAX_ZONES} zones, found {}", self.zones.len())));
        }
        for zone in &self.zones {
            check_code("zones", zone, 16, zone_char, "upper-case letters, digits and hyphens")?;
        }
        check_text("holder", &self.holder, 40)?;
        if let Some(masked) = &self.masked_id {
            if masked.chars().count() > 4 || masked.is_empty() || !masked.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(PassError::claim(
                    "masked_id",
                    "must be the last 1 to 4 letters or digits of the identity document, never the whole number",
                ));
            }
        }
        if let Some(plate) = &self.vehicle_plate {
            check_text("vehicle_plate", plate, 16)?;
        }
        if self.kind == PassKind::Vehicle && self.vehicle_plate.is_none() {
            return Err(PassError::claim("vehicle_plate", "is required for a vehicle pass"));
        }
        if let Some(org) = &self.organisation {
            check_text("organisation", org, MAX_TEXT)?;
        }
        match (&self.result, self.kind) {
            (Some(result), PassKind::TestResult) => result.validate()?,
            (None, PassKind::TestResult) => return Err(PassError::claim("result", "is required for a test result")),
            (Some(_), _) => return Err(PassError::claim("result", "is only for a test-result pass")),
            (None, _) => {}
        }
        if self.kind == PassKind::TestResult && self.vehicle_plate.is_some() {
            return Err(PassError::claim("vehicle_plate", "is not part of a test result"));
        }
        if self.status_index > MAX_STATUS_INDEX {
            return Err(PassError::claim("status_index", format!("must be at most {MAX_STATUS_INDEX}")));
        }
        Ok(())
    }

    /// Whether the pass is good in `zone`: the zone itself or any of its sub-zones.
    pub fn covers_zone(&self, zone: &str) -> bool {
        self.zones.iter().any(|z| zone == z || (zone.starts_with(z.as_str()) && zone[z.len()..].starts_with('-')))
    }
}

impl TestResult {
    fn validate(&self) -> Result<(), PassError> {
        check_code(
            "test_code",
            &self.test_code,
            16,
            |c| c.is_ascii_alphanumeric() || c == '-' || c == '.',
            "letters, digits, hyphens and dots",
        )?;
        check_text("test_name", &self.test_name, 40)?;
        check_text("lab", &self.lab, 40)?;
        if let Some(collected) = self.collected {
            if collected.unix_timestamp() < 0 || collected.nanosecond() != 0 {
                return Err(PassError::claim("collected", "must be a whole second after 1970"));
            }
        }
        Ok(())
    }

    fn encode(&self) -> Value {
        let mut map = vec![
            (int(R_TEST_CODE), text(&self.test_code)),
            (int(R_TEST_NAME), text(&self.test_name)),
            (int(R_DETECTED), Value::Bool(self.detected)),
        ];
        if let Some(collected) = self.collected {
            map.push((int(R_COLLECTED), int(collected.unix_timestamp())));
        }
        map.push((int(R_LAB), text(&self.lab)));
        if let Some(birth) = self.birth_date {
            map.push((int(R_BIRTH_DATE), text(&birth.to_string())));
        }
        Value::Map(map)
    }

    fn decode(map: &[(Value, Value)]) -> Result<Self, ClaimsError> {
        let birth_date = match opt_text(map, R_BIRTH_DATE, "birth date")? {
            Some(text) => Some(
                Date::parse(&text, time::macros::format_description!("[year]-[month]-[day]"))
                    .map_err(|_| malformed("birth date is not YYYY-MM-DD"))?,
            ),
            None => None,
        };
        Ok(Self {
            test_code: req_text(map, R_TEST_CODE, "test code")?,
            test_name: req_text(map, R_TEST_NAME, "test name")?,
            detected: match map_get(map, R_DETECTED) {
                Some(Value::Bool(b)) => *b,
                _ => return Err(malformed("the result is missing or not true/false")),
            },
            collected: match map_get(map, R_COLLECTED) {
                None => None,
                Some(v) => Some(as_time(v).ok_or_else(|| malformed("collection time is not a date"))?),
            },
            lab: req_text(map, R_LAB, "lab")?,
            birth_date,
        })
    }
}

impl PassClaims {
    pub fn validate(&self) -> Result<(), PassError> {
        check_text("issuer", &self.issuer, MAX_TEXT)?;
        if self.expires <= self.not_before {
            return Err(PassError::claim("expires", "must be after not_before"));
        }
        for (field, t) in [("issued_at", self.issued_at), ("not_before", self.not_before), ("expires", self.expires)] {
            if t.unix_timestamp() < 0 || t.nanosecond() != 0 {
                return Err(PassError::claim(field, "must be a whole second after 1970"));
            }
        }
        self.pass.validate()
    }
}

fn int(k: i64) -> Value {
    Value::Integer(k.into())
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

/// Encodes the claims as a CWT claims set. Fields are written in key order so the bytes are deterministic.
pub(crate) fn encode_claims(claims: &PassClaims) -> Result<Vec<u8>, PassError> {
    let p = &claims.pass;
    let mut pass = vec![
        (int(K_VERSION), int(FORMAT_VERSION as i64)),
        (int(K_ID), Value::Bytes(p.id.as_bytes().to_vec())),
        (int(K_CONTROL), Value::Bytes(p.control_code.packed().to_vec())),
        (int(K_KIND), int(p.kind.code() as i64)),
        (int(K_CATEGORY), text(&p.category)),
        (int(K_PURPOSE), text(&p.purpose)),
        (int(K_ZONES), Value::Array(p.zones.iter().map(|z| text(z)).collect())),
        (int(K_HOLDER), text(&p.holder)),
    ];
    if let Some(m) = &p.masked_id {
        pass.push((int(K_MASKED_ID), text(m)));
    }
    if let Some(v) = &p.vehicle_plate {
        pass.push((int(K_PLATE), text(v)));
    }
    if let Some(o) = &p.organisation {
        pass.push((int(K_ORGANISATION), text(o)));
    }
    pass.push((int(K_STATUS_INDEX), Value::Integer(p.status_index.into())));
    if let Some(result) = &p.result {
        pass.push((int(K_RESULT), result.encode()));
    }
    let cwt = Value::Map(vec![
        (int(CWT_ISS), text(&claims.issuer)),
        (int(CWT_EXP), int(claims.expires.unix_timestamp())),
        (int(CWT_NBF), int(claims.not_before.unix_timestamp())),
        (int(CWT_IAT), int(claims.issued_at.unix_timestamp())),
        (int(CWT_EPASS), Value::Map(pass)),
    ]);
    let mut out = Vec::with_capacity(160);
    ciborium::into_writer(&cwt, &mut out).map_err(|e| PassError::Encoding(e.to_string()))?;
    Ok(out)
}

/// Why a signed payload could not be read as pass claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ClaimsError {
    UnsupportedVersion(String),
    Malformed(String),
}

fn malformed(what: impl Into<String>) -> ClaimsError {
    ClaimsError::Malformed(what.into())
}

pub(crate) fn map_get(map: &[(Value, Value)], key: i64) -> Option<&Value> {
    map.iter().find(|(k, _)| k.as_integer().and_then(|k| i64::try_from(k).ok()) == Some(key)).map(|(_, v)| v)
}

pub(crate) fn as_u64(value: &Value) -> Option<u64> {
    value.as_integer().and_then(|i| u64::try_from(i).ok())
}

pub(crate) fn as_time(value: &Value) -> Option<OffsetDateTime> {
    // NumericDate may be a float (RFC 8392); DCC producers use both.
    let secs = match value {
        Value::Integer(i) => i64::try_from(*i).ok()?,
        Value::Float(f) if f.is_finite() => f.trunc() as i64,
        _ => return None,
    };
    OffsetDateTime::from_unix_timestamp(secs).ok()
}

fn req_text(map: &[(Value, Value)], key: i64, field: &str) -> Result<String, ClaimsError> {
    match map_get(map, key) {
        Some(Value::Text(s)) => Ok(s.clone()),
        Some(_) => Err(malformed(format!("{field} is not text"))),
        None => Err(malformed(format!("{field} is missing"))),
    }
}

fn opt_text(map: &[(Value, Value)], key: i64, field: &str) -> Result<Option<String>, ClaimsError> {
    match map_get(map, key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Text(s)) => Ok(Some(s.clone())),
        Some(_) => Err(malformed(format!("{field} is not text"))),
    }
}

fn req_time(map: &[(Value, Value)], key: i64, field: &str) -> Result<OffsetDateTime, ClaimsError> {
    map_get(map, key).and_then(as_time).ok_or_else(|| malformed(format!("{field} is missing or not a date")))
}

/// Decodes a CWT claims set into pass claims. The version is read first so that a future format is reported as
/// such rather than as a malformed pass.
pub(crate) fn decode_claims(payload: &[u8]) -> Result<PassClaims, ClaimsError> {
    let value: Value = ciborium::from_reader(payload).map_err(|e| malformed(format!("claims are not CBOR: {e}")))?;
    let Value::Map(cwt) = value else {
        return Err(malformed("claims are not a CBOR map"));
    };
    let Some(Value::Map(pass)) = map_get(&cwt, CWT_EPASS) else {
        return Err(malformed("the pass claim is missing"));
    };
    match map_get(pass, K_VERSION).and_then(as_u64) {
        Some(FORMAT_VERSION) => {}
        Some(other) => {
            return Err(ClaimsError::UnsupportedVersion(format!("pass format version {other}")));
        }
        None => {
            return Err(ClaimsError::UnsupportedVersion("no pass format version".into()));
        }
    }
    let id = match map_get(pass, K_ID) {
        Some(Value::Bytes(b)) => {
            PassId::from_bytes(<[u8; 16]>::try_from(b.as_slice()).map_err(|_| malformed("pass id is not 16 bytes"))?)
        }
        _ => return Err(malformed("pass id is missing")),
    };
    let control_code = match map_get(pass, K_CONTROL) {
        Some(Value::Bytes(b)) => <[u8; 6]>::try_from(b.as_slice())
            .ok()
            .and_then(ControlCode::from_packed)
            .ok_or_else(|| malformed("control code is invalid"))?,
        _ => return Err(malformed("control code is missing")),
    };
    let kind = map_get(pass, K_KIND)
        .and_then(as_u64)
        .and_then(PassKind::from_code)
        .ok_or_else(|| malformed("kind is missing or unknown"))?;
    let zones = match map_get(pass, K_ZONES) {
        Some(Value::Array(items)) => items
            .iter()
            .map(|z| z.as_text().map(str::to_owned).ok_or_else(|| malformed("a zone is not text")))
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err(malformed("zones are missing")),
    };
    let status_index =
        map_get(pass, K_STATUS_INDEX).and_then(as_u64).ok_or_else(|| malformed("status index is missing"))?;
    let claims = PassClaims {
        issuer: match map_get(&cwt, CWT_ISS) {
            Some(Value::Text(s)) => s.clone(),
            _ => return Err(malformed("issuer is missing")),
        },
        issued_at: req_time(&cwt, CWT_IAT, "issued at")?,
        not_before: req_time(&cwt, CWT_NBF, "not before")?,
        expires: req_time(&cwt, CWT_EXP, "expires")?,
        pass: Pass {
            id,
            control_code,
            kind,
            category: req_text(pass, K_CATEGORY, "category")?,
            purpose: req_text(pass, K_PURPOSE, "purpose")?,
            zones,
            holder: req_text(pass, K_HOLDER, "holder")?,
            masked_id: opt_text(pass, K_MASKED_ID, "masked id")?,
            vehicle_plate: opt_text(pass, K_PLATE, "vehicle plate")?,
            organisation: opt_text(pass, K_ORGANISATION, "organisation")?,
            status_index,
            result: match map_get(pass, K_RESULT) {
                None => None,
                Some(Value::Map(result)) => Some(TestResult::decode(result)?),
                Some(_) => return Err(malformed("the result is not a map")),
            },
        },
    };
    claims.validate().map_err(|e| malformed(e.to_string()))?;
    Ok(claims)
}
