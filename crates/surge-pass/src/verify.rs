//! Verifying a presented `EP1:` pass offline: every layer is checked in order and reported as a list of checks with
//! stable reason codes, so a checkpoint app can tell an officer exactly why a pass was refused.

#[cfg(test)]
mod tests;

use std::borrow::Cow;

use time::OffsetDateTime;

use crate::claims::{ClaimsError, decode_claims};
use crate::codec::{PREFIX, TransportError, parse_sign1, unwrap_text};
use crate::status::{STATUS_INVALID, STATUS_SUSPENDED, STATUS_VALID, StatusLookup};
use crate::trust::KeyMatch;
use crate::{Kid, MAX_INFLATED_LEN, PassClaims, StatusSnapshot, TrustList};

/// What each check looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckName {
    /// Prefix, base45, compression and COSE structure.
    Format,
    /// A trusted key for the token's kid.
    Key,
    Signature,
    /// The pass format version and the claims' shape.
    Claims,
    /// A movement pass or a test result, against what the verifier accepts.
    Kind,
    /// Not before and expiry against the clock, with the skew tolerance.
    Validity,
    Zone,
    Revocation,
    /// A DCC signer's extended key usage against the certificate type.
    KeyUsage,
    /// A DCC's content against the business rules in force (one check per rule).
    Rules,
}

impl CheckName {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Format => "format",
            Self::Key => "key",
            Self::Signature => "signature",
            Self::Claims => "claims",
            Self::Kind => "kind",
            Self::Validity => "validity",
            Self::Zone => "zone",
            Self::Revocation => "revocation",
            Self::KeyUsage => "key_usage",
            Self::Rules => "rules",
        }
    }
}

/// A check passes, warns (shown to the officer, not a refusal) or fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Pass,
    Warn,
    Fail,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Warn => "warn",
            Self::Fail => "fail",
        }
    }
}

/// Stable reason codes. Published in the documentation; never renamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    BadPrefix,
    BadBase45,
    BadCompression,
    TooLarge,
    BadCose,
    UnknownKid,
    BadSignature,
    /// The pass was signed outside its key's validity period.
    KeyNotValid,
    BadClaims,
    UnsupportedVersion,
    NotYetValid,
    Expired,
    WrongZone,
    Revoked,
    NotChecked,
    StatusUnknown,
    /// A DCC signed by a certificate whose key usage excludes its type.
    WrongKeyUsage,
    /// A test result shown as a movement pass, or the other way round.
    WrongKind,
    /// A DCC whose content breaks a business rule (a positive test, an incomplete series); the check names it.
    RuleFailed,
}

impl Reason {
    pub fn code(self) -> &'static str {
        match self {
            Self::BadPrefix => "bad_prefix",
            Self::BadBase45 => "bad_base45",
            Self::BadCompression => "bad_compression",
            Self::TooLarge => "too_large",
            Self::BadCose => "bad_cose",
            Self::UnknownKid => "unknown_kid",
            Self::BadSignature => "bad_signature",
            Self::KeyNotValid => "key_not_valid",
            Self::BadClaims => "bad_claims",
            Self::UnsupportedVersion => "unsupported_version",
            Self::NotYetValid => "not_yet_valid",
            Self::Expired => "expired",
            Self::WrongZone => "wrong_zone",
            Self::Revoked => "revoked",
            Self::NotChecked => "not_checked",
            Self::StatusUnknown => "status_unknown",
            Self::WrongKeyUsage => "wrong_key_usage",
            Self::WrongKind => "wrong_kind",
            Self::RuleFailed => "rule_failed",
        }
    }
}

/// One line of the verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: CheckName,
    pub outcome: Outcome,
    pub reason: Option<Reason>,
    /// A plain-language sentence for people; machines use `reason`.
    pub detail: Cow<'static, str>,
}

/// The verdict on a presented pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub checks: Vec<Check>,
    /// The signed claims, present only when the signature verified.
    pub claims: Option<PassClaims>,
    pub kid: Option<Kid>,
}

impl Verification {
    /// Valid when no check failed; warnings do not make a pass invalid.
    pub fn is_valid(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|c| c.outcome != Outcome::Fail)
    }

    /// The reason codes of failed checks, first failure first.
    pub fn failures(&self) -> impl Iterator<Item = Reason> + '_ {
        self.checks.iter().filter(|c| c.outcome == Outcome::Fail).filter_map(|c| c.reason)
    }

    pub fn first_failure(&self) -> Option<Reason> {
        self.failures().next()
    }

    fn pass(&mut self, name: CheckName, detail: impl Into<Cow<'static, str>>) {
        self.checks.push(Check { name, outcome: Outcome::Pass, reason: None, detail: detail.into() });
    }

    fn fail(&mut self, name: CheckName, reason: Reason, detail: impl Into<Cow<'static, str>>) {
        self.checks.push(Check { name, outcome: Outcome::Fail, reason: Some(reason), detail: detail.into() });
    }

    fn warn_or_fail(&mut self, strict: bool, name: CheckName, reason: Reason, detail: impl Into<Cow<'static, str>>) {
        let outcome = if strict { Outcome::Fail } else { Outcome::Warn };
        self.checks.push(Check { name, outcome, reason: Some(reason), detail: detail.into() });
    }
}

/// Which class of pass a verifier accepts. A checkpoint accepts movement passes only, so a test result can never open
/// a road; whoever checks a test result accepts results only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Accept {
    #[default]
    Movement,
    TestResult,
}

/// How lenient a verifier is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyOptions {
    /// Movement passes (the default) or test results.
    pub accept: Accept,
    /// Tolerated difference between the verifier's clock and the issuer's, for not-before and expiry.
    pub clock_skew_seconds: i64,
    /// A status list older than this gives `status_unknown`.
    pub max_status_age_seconds: i64,
    /// When strict, `not_checked` and `status_unknown` refuse the pass instead of warning.
    pub strict: bool,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self { accept: Accept::Movement, clock_skew_seconds: 300, max_status_age_seconds: 24 * 3600, strict: false }
    }
}

/// An offline verifier: a trust list, optionally a status list, and options. Touches no database or network.
#[derive(Debug, Clone, Copy)]
pub struct Verifier<'a> {
    pub trust: &'a TrustList,
    pub status: Option<&'a StatusSnapshot>,
    pub options: VerifyOptions,
}

impl<'a> Verifier<'a> {
    pub fn new(trust: &'a TrustList) -> Self {
        Self { trust, status: None, options: VerifyOptions::default() }
    }

    pub fn with_status(mut self, status: &'a StatusSnapshot) -> Self {
        self.status = Some(status);
        self
    }

    pub fn with_options(mut self, options: VerifyOptions) -> Self {
        self.options = options;
        self
    }

    /// Verifies `text` at time `now`, optionally for a checkpoint in `zone`.
    pub fn verify(&self, text: &str, now: OffsetDateTime, zone: Option<&str>) -> Verification {
        let mut v = Verification { checks: Vec::with_capacity(7), claims: None, kid: None };
        let cose = match unwrap_text(text, PREFIX, MAX_INFLATED_LEN) {
            Ok(cose) => cose,
            Err(e) => {
                let (reason, detail) = match e {
                    TransportError::BadPrefix(seen) => {
                        (Reason::BadPrefix, format!("expected text starting {PREFIX}, found {seen:?}"))
                    }
                    TransportError::BadBase45 => (Reason::BadBase45, "the text is not valid base45".into()),
                    TransportError::BadCompression => {
                        (Reason::BadCompression, "the data is not a complete zlib stream".into())
                    }
                    TransportError::TooLarge => {
                        (Reason::TooLarge, format!("the data inflates beyond {MAX_INFLATED_LEN} bytes"))
                    }
                };
                v.fail(CheckName::Format, reason, detail);
                return v;
            }
        };
        let sign1 = match parse_sign1(&cose) {
            Ok(s) if s.payload.is_some() => s,
            Ok(_) => {
                v.fail(CheckName::Format, Reason::BadCose, "the COSE_Sign1 has no payload");
                return v;
            }
            Err(e) => {
                v.fail(CheckName::Format, Reason::BadCose, e);
                return v;
            }
        };
        v.pass(CheckName::Format, "well-formed EP1 token");

        let key = match self.trust.verify_sign1(&sign1) {
            KeyMatch::Verified(key) => key,
            KeyMatch::UnknownKid { kid, withdrawn } => {
                let hex = hex::encode(&kid);
                let detail = if withdrawn {
                    format!("key {hex} has been withdrawn from the trust list")
                } else if kid.is_empty() {
                    "the token names no key".to_owned()
                } else {
                    format!("no trusted key has id {hex}")
                };
                v.fail(CheckName::Key, Reason::UnknownKid, detail);
                return v;
            }
            KeyMatch::BadSignature => {
                v.pass(CheckName::Key, "a trusted key has this id");
                v.fail(CheckName::Signature, Reason::BadSignature, "the signature does not match the content");
                return v;
            }
        };
        v.kid = Some(key.kid());
        v.pass(CheckName::Key, "a trusted key has this id");
        v.pass(CheckName::Signature, "signature verified");

        let payload = sign1.payload.as_deref().unwrap_or_default();
        let claims = match decode_claims(payload) {
            Ok(claims) => claims,
            Err(ClaimsError::UnsupportedVersion(what)) => {
                v.fail(
                    CheckName::Claims,
                    Reason::UnsupportedVersion,
                    format!("{what} is not supported by this verifier"),
                );
                return v;
            }
            Err(ClaimsError::Malformed(what)) => {
                v.fail(CheckName::Claims, Reason::BadClaims, what);
                return v;
            }
        };
        if claims.issued_at < key.valid_from || claims.issued_at > key.valid_until {
            v.fail(CheckName::Claims, Reason::KeyNotValid, "issued outside its key's validity period");
        } else {
            v.pass(CheckName::Claims, "pass format version 1");
        }

        match (self.options.accept, claims.pass.kind.is_movement()) {
            (Accept::Movement, false) => {
                v.fail(CheckName::Kind, Reason::WrongKind, "a test result, not a movement pass");
            }
            (Accept::TestResult, true) => {
                v.fail(CheckName::Kind, Reason::WrongKind, "a movement pass, not a test result");
            }
            (Accept::Movement, true) => v.pass(CheckName::Kind, "a movement pass"),
            (Accept::TestResult, false) => v.pass(CheckName::Kind, "a test result"),
        }

        let skew = time::Duration::seconds(self.options.clock_skew_seconds);
        if now + skew < claims.not_before {
            v.fail(CheckName::Validity, Reason::NotYetValid, format!("valid from {}", rfc3339(claims.not_before)));
        } else if now - skew >= claims.expires {
            v.fail(CheckName::Validity, Reason::Expired, format!("expired at {}", rfc3339(claims.expires)));
        } else {
            v.pass(CheckName::Validity, "within its validity period");
        }

        if let (Some(zone), true) = (zone, claims.pass.kind.is_movement()) {
            if claims.pass.covers_zone(zone) {
                v.pass(CheckName::Zone, format!("good in {zone}"));
            } else {
                v.fail(
                    CheckName::Zone,
                    Reason::WrongZone,
                    format!("good in {}, not in {zone}", claims.pass.zones.join(", ")),
                );
            }
        }

        self.check_revocation(&mut v, &claims, now);
        v.claims = Some(claims);
        v
    }

    fn check_revocation(&self, v: &mut Verification, claims: &PassClaims, now: OffsetDateTime) {
        let strict = self.options.strict;
        let Some(status) = self.status else {
            v.warn_or_fail(strict, CheckName::Revocation, Reason::NotChecked, "no status list: revocation not checked");
            return;
        };
        if status.issuer() != Some(claims.issuer.as_str()) {
            v.warn_or_fail(
                strict,
                CheckName::Revocation,
                Reason::StatusUnknown,
                "the status list is for another issuer",
            );
            return;
        }
        match status.lookup(claims.pass.status_index, now, self.options.max_status_age_seconds) {
            StatusLookup::Status(STATUS_VALID) => v.pass(CheckName::Revocation, "not revoked"),
            StatusLookup::Status(STATUS_INVALID) => {
                v.fail(CheckName::Revocation, Reason::Revoked, "the pass has been revoked")
            }
            StatusLookup::Status(STATUS_SUSPENDED) => {
                v.fail(CheckName::Revocation, Reason::Revoked, "the pass has been suspended")
            }
            StatusLookup::Status(other) => {
                v.fail(CheckName::Revocation, Reason::Revoked, format!("the pass has status {other}, not valid"))
            }
            StatusLookup::Stale { age_seconds } => v.warn_or_fail(
                strict,
                CheckName::Revocation,
                Reason::StatusUnknown,
                format!("the status list is {} hours old", age_seconds / 3600),
            ),
            StatusLookup::Missing => v.warn_or_fail(
                strict,
                CheckName::Revocation,
                Reason::StatusUnknown,
                "the status list does not yet cover this pass; update it",
            ),
        }
    }
}

/// Reads a pass without checking its signature: for diagnostics and benchmarks only. Never base a decision on it.
pub fn decode_unverified(text: &str) -> Result<PassClaims, Reason> {
    let cose = unwrap_text(text, PREFIX, MAX_INFLATED_LEN).map_err(|e| match e {
        TransportError::BadPrefix(_) => Reason::BadPrefix,
        TransportError::BadBase45 => Reason::BadBase45,
        TransportError::BadCompression => Reason::BadCompression,
        TransportError::TooLarge => Reason::TooLarge,
    })?;
    let sign1 = parse_sign1(&cose).map_err(|_| Reason::BadCose)?;
    decode_claims(sign1.payload.as_deref().unwrap_or_default()).map_err(|e| match e {
        ClaimsError::UnsupportedVersion(_) => Reason::UnsupportedVersion,
        ClaimsError::Malformed(_) => Reason::BadClaims,
    })
}

/// RFC 3339 for messages; falls back to the Unix time if formatting ever fails.
pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_else(|_| t.unix_timestamp().to_string())
}
