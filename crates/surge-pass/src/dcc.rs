//! EU Digital COVID Certificate (`HC1:`) verification for checkpoints that must also check a traveller's health
//! certificate: X.509 signer certificates as the trust list (kid = first 8 bytes of the certificate's SHA-256),
//! ES256 / ES384 / PS256 signatures, CWT times, and the signer's extended key usage against the certificate type.
//!
//! Each step is a public function so that the official test vectors can exercise it on its own.

#[cfg(test)]
mod tests;

use ciborium::Value;
use coset::CoseSign1;
use p256::ecdsa::signature::hazmat::PrehashVerifier;
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier as _;
use sha2::{Digest, Sha256, Sha384, Sha512};
use time::OffsetDateTime;
use x509_cert::Certificate;
use x509_cert::der::{Decode, Encode};

use crate::claims::{as_time, map_get};
use crate::codec::{TransportError, inflate_capped, parse_sign1, sign1_alg, sign1_kid};
use crate::verify::{Check, CheckName, Outcome, Reason};
use crate::{Kid, PassError};

pub const DCC_PREFIX: &str = "HC1:";
/// DCCs are larger than passes (a vaccination record with names in two scripts), but never near this.
pub const MAX_DCC_INFLATED_LEN: usize = 64 * 1024;

/// CWT claim holding health certificates, and its key for the EU DCC.
const CWT_HCERT: i64 = -260;
const HCERT_EU_DCC: i64 = 1;

/// The kind of record in a DCC, which the signer's certificate may restrict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CertificateType {
    Test,
    Vaccination,
    Recovery,
}

impl CertificateType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Test => "test",
            Self::Vaccination => "vaccination",
            Self::Recovery => "recovery",
        }
    }

    /// The extended key usage OIDs that allow this type, in both spellings the DCC specification has used.
    fn oids(self) -> [&'static str; 2] {
        match self {
            Self::Test => ["1.3.6.1.4.1.1847.2021.1.1", "1.3.6.1.4.1.0.1847.2021.1.1"],
            Self::Vaccination => ["1.3.6.1.4.1.1847.2021.1.2", "1.3.6.1.4.1.0.1847.2021.1.2"],
            Self::Recovery => ["1.3.6.1.4.1.1847.2021.1.3", "1.3.6.1.4.1.0.1847.2021.1.3"],
        }
    }
}

#[derive(Debug, Clone)]
enum SignerKey {
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    Rsa(rsa::RsaPublicKey),
}

/// The signer's key as ring reads it, for the one COSE algorithm ring verifies with it in assembly (ES256 on P-256,
/// ES384 on P-384, PS256 on RSA of 2,048 to 8,192 bits). Only keys ring is known to accept get one, so that ring's
/// answer is the answer; every other pairing (ES256 on a P-384 key, a compressed point, a short RSA key) goes to
/// the pure-Rust keys.
#[derive(Debug, Clone)]
struct FastKey {
    cose_alg: i64,
    algorithm: &'static dyn ring::signature::VerificationAlgorithm,
    /// The subjectPublicKey bits: an uncompressed point, or a DER RSAPublicKey.
    public_key: Vec<u8>,
}

impl FastKey {
    fn of(key: &SignerKey, public_key: &[u8]) -> Option<Self> {
        use rsa::traits::PublicKeyParts;
        let (cose_alg, algorithm): (i64, &'static dyn ring::signature::VerificationAlgorithm) = match key {
            SignerKey::P256(_) if public_key.len() == 65 && public_key[0] == 4 => {
                (-7, &ring::signature::ECDSA_P256_SHA256_FIXED)
            }
            SignerKey::P384(_) if public_key.len() == 97 && public_key[0] == 4 => {
                (-35, &ring::signature::ECDSA_P384_SHA384_FIXED)
            }
            SignerKey::Rsa(k) if (2048..=8192).contains(&(k.size() * 8)) && k.e() == &rsa::BigUint::from(65_537u32) => {
                (-37, &ring::signature::RSA_PSS_2048_8192_SHA256)
            }
            _ => return None,
        };
        Some(Self { cose_alg, algorithm, public_key: public_key.to_vec() })
    }
}

/// A document signer certificate (DSC) from the DCC trust list.
#[derive(Debug, Clone)]
pub struct SignerCertificate {
    pub kid: Kid,
    key: SignerKey,
    fast: Option<FastKey>,
    /// DCC key usage OIDs in the certificate's extended key usage; empty means no restriction.
    dcc_key_usages: Vec<String>,
    pub subject: String,
}

const OID_EXT_KEY_USAGE: &str = "2.5.29.37";
const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";

fn key_error(what: impl Into<String>) -> PassError {
    PassError::InvalidKey(what.into())
}

impl SignerCertificate {
    /// Reads a DER certificate. The kid is computed from these exact bytes.
    pub fn from_der(der: &[u8]) -> Result<Self, PassError> {
        let cert = Certificate::from_der(der).map_err(|e| key_error(format!("not an X.509 certificate: {e}")))?;
        let spki = &cert.tbs_certificate.subject_public_key_info;
        let spki_der = spki.to_der().map_err(|e| key_error(e.to_string()))?;
        let key = match spki.algorithm.oid.to_string().as_str() {
            OID_EC_PUBLIC_KEY => {
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.decode_as::<x509_cert::der::asn1::ObjectIdentifier>().ok())
                    .map(|oid| oid.to_string());
                match curve.as_deref() {
                    Some(OID_P256) => SignerKey::P256(
                        p256::ecdsa::VerifyingKey::from_public_key_der(&spki_der)
                            .map_err(|e| key_error(e.to_string()))?,
                    ),
                    Some(OID_P384) => SignerKey::P384(
                        p384::ecdsa::VerifyingKey::from_public_key_der(&spki_der)
                            .map_err(|e| key_error(e.to_string()))?,
                    ),
                    other => {
                        return Err(key_error(format!("unsupported elliptic curve {other:?}")));
                    }
                }
            }
            OID_RSA => {
                SignerKey::Rsa(rsa::RsaPublicKey::from_public_key_der(&spki_der).map_err(|e| key_error(e.to_string()))?)
            }
            other => {
                return Err(key_error(format!("unsupported public key algorithm {other}")));
            }
        };
        let fast = spki.subject_public_key.as_bytes().and_then(|bits| FastKey::of(&key, bits));
        let mut dcc_key_usages = Vec::new();
        for ext in cert.tbs_certificate.extensions.iter().flatten() {
            if ext.extn_id.to_string() == OID_EXT_KEY_USAGE {
                let usage = x509_cert::ext::pkix::ExtendedKeyUsage::from_der(ext.extn_value.as_bytes())
                    .map_err(|e| key_error(format!("bad extended key usage: {e}")))?;
                dcc_key_usages
                    .extend(usage.0.iter().map(|oid| oid.to_string()).filter(|oid| oid.contains("1847.2021.1.")));
            }
        }
        let digest = Sha256::digest(der);
        let mut kid = [0u8; 8];
        kid.copy_from_slice(&digest[..8]);
        Ok(Self { kid: Kid(kid), key, fast, dcc_key_usages, subject: cert.tbs_certificate.subject.to_string() })
    }

    /// Reads every certificate in a PEM bundle.
    pub fn from_pem_bundle(pem: &str) -> Result<Vec<Self>, PassError> {
        let certs = Certificate::load_pem_chain(pem.as_bytes()).map_err(|e| key_error(format!("bad PEM: {e}")))?;
        certs.iter().map(|c| Self::from_der(&c.to_der().map_err(|e| key_error(e.to_string()))?)).collect()
    }

    /// Verifies a COSE signature made with COSE algorithm `alg` over `data`.
    fn verify(&self, alg: Option<i64>, data: &[u8], signature: &[u8]) -> bool {
        match &self.fast {
            Some(fast) if alg == Some(fast.cose_alg) => {
                ring::signature::UnparsedPublicKey::new(fast.algorithm, &fast.public_key)
                    .verify(data, signature)
                    .is_ok()
            }
            _ => self.verify_portable(alg, data, signature),
        }
    }

    /// The same check in pure Rust, for the pairings ring does not take.
    fn verify_portable(&self, alg: Option<i64>, data: &[u8], signature: &[u8]) -> bool {
        // ECDSA takes the hash the algorithm names, whatever the curve: some signers pair ES256 with a P-384 key.
        let prehash: Option<Vec<u8>> = match alg {
            Some(-7) => Some(Sha256::digest(data).to_vec()),
            Some(-35) => Some(Sha384::digest(data).to_vec()),
            Some(-36) => Some(Sha512::digest(data).to_vec()),
            _ => None,
        };
        match (&self.key, alg, prehash) {
            (SignerKey::P256(k), _, Some(h)) => {
                p256::ecdsa::Signature::from_slice(signature).is_ok_and(|s| k.verify_prehash(&h, &s).is_ok())
            }
            (SignerKey::P384(k), _, Some(h)) => {
                p384::ecdsa::Signature::from_slice(signature).is_ok_and(|s| k.verify_prehash(&h, &s).is_ok())
            }
            (SignerKey::Rsa(k), Some(-37), _) => {
                let verifier = rsa::pss::VerifyingKey::<Sha256>::new(k.clone());
                rsa::pss::Signature::try_from(signature).is_ok_and(|s| verifier.verify(data, &s).is_ok())
            }
            _ => false,
        }
    }

    /// The same signer checked in pure Rust only, as before ring served it: for benchmarks that show the difference.
    pub fn without_assembly(mut self) -> Self {
        self.fast = None;
        self
    }

    /// Whether this signer may sign certificates of `kind`.
    pub fn allows(&self, kind: CertificateType) -> bool {
        self.dcc_key_usages.is_empty() || self.dcc_key_usages.iter().any(|u| kind.oids().contains(&u.as_str()))
    }
}

/// The signer certificates a checkpoint trusts for DCCs.
#[derive(Debug, Clone, Default)]
pub struct DccTrustList {
    pub signers: Vec<SignerCertificate>,
}

/// What a verified DCC says.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthCertificate {
    pub issuer: Option<String>,
    pub issued_at: OffsetDateTime,
    pub expires: OffsetDateTime,
    /// The DCC payload (`ver`, `nam`, `dob`, and one of `v`, `t`, `r`) as CBOR.
    pub payload: Value,
}

impl HealthCertificate {
    /// The record type, from which of `v`, `t` and `r` is present; `None` when not exactly one is.
    pub fn certificate_type(&self) -> Option<CertificateType> {
        let Value::Map(map) = &self.payload else {
            return None;
        };
        let present: Vec<CertificateType> =
            [("v", CertificateType::Vaccination), ("t", CertificateType::Test), ("r", CertificateType::Recovery)]
                .into_iter()
                .filter(|(key, _)| {
                    map.iter().any(|(k, v)| k.as_text() == Some(key) && matches!(v, Value::Array(a) if !a.is_empty()))
                })
                .map(|(_, t)| t)
                .collect();
        match present.as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }
}

/// Removes `HC1:`.
pub fn unprefix(text: &str) -> Result<&str, Reason> {
    text.trim().strip_prefix(DCC_PREFIX).ok_or(Reason::BadPrefix)
}

pub fn base45_decode(text: &str) -> Result<Vec<u8>, Reason> {
    base45::decode(text).map_err(|_| Reason::BadBase45)
}

/// Inflates a zlib stream strictly: uncompressed data is an error here (the DCC requires compression).
pub fn decompress(bytes: &[u8]) -> Result<Vec<u8>, Reason> {
    inflate_capped(bytes, MAX_DCC_INFLATED_LEN).map_err(|e| match e {
        TransportError::TooLarge => Reason::TooLarge,
        _ => Reason::BadCompression,
    })
}

pub fn parse_cose(bytes: &[u8]) -> Result<CoseSign1, Reason> {
    match parse_sign1(bytes) {
        Ok(sign1) if sign1.payload.is_some() => Ok(sign1),
        _ => Err(Reason::BadCose),
    }
}

/// Finds the signer by kid (protected header first, then unprotected) and checks the signature with every
/// certificate that has that kid.
pub fn verify_signature<'a>(sign1: &CoseSign1, trust: &'a DccTrustList) -> Result<&'a SignerCertificate, Reason> {
    let kid = sign1_kid(sign1).unwrap_or_default();
    let alg = sign1_alg(sign1);
    let mut candidates = trust.signers.iter().filter(|s| s.kid.0.as_slice() == kid).peekable();
    if candidates.peek().is_none() {
        return Err(Reason::UnknownKid);
    }
    candidates
        .find(|signer| {
            sign1
                .verify_signature(&[], |sig, data| if signer.verify(alg, data, sig) { Ok(()) } else { Err(()) })
                .is_ok()
        })
        .ok_or(Reason::BadSignature)
}

/// Reads the CWT claims and the DCC inside them.
pub fn decode_cwt(payload: &[u8]) -> Result<HealthCertificate, Reason> {
    let value: Value = ciborium::from_reader(payload).map_err(|_| Reason::BadClaims)?;
    let Value::Map(cwt) = value else {
        return Err(Reason::BadClaims);
    };
    let Some(Value::Map(hcert)) = map_get(&cwt, CWT_HCERT) else {
        return Err(Reason::BadClaims);
    };
    let dcc = map_get(hcert, HCERT_EU_DCC).filter(|v| v.is_map()).ok_or(Reason::BadClaims)?.clone();
    Ok(HealthCertificate {
        issuer: map_get(&cwt, 1).and_then(|v| v.as_text()).map(str::to_owned),
        issued_at: map_get(&cwt, 6).and_then(as_time).ok_or(Reason::BadClaims)?,
        expires: map_get(&cwt, 4).and_then(as_time).ok_or(Reason::BadClaims)?,
        payload: dcc,
    })
}

/// The certificate is valid from its issue time until its expiry.
pub fn check_times(hc: &HealthCertificate, now: OffsetDateTime) -> Result<(), Reason> {
    if now < hc.issued_at {
        Err(Reason::NotYetValid)
    } else if now >= hc.expires {
        Err(Reason::Expired)
    } else {
        Ok(())
    }
}

pub fn check_key_usage(signer: &SignerCertificate, hc: &HealthCertificate) -> Result<(), Reason> {
    match hc.certificate_type() {
        Some(kind) if signer.allows(kind) => Ok(()),
        Some(_) => Err(Reason::WrongKeyUsage),
        None => Err(Reason::BadClaims),
    }
}

/// The verdict on a presented DCC.
#[derive(Debug, Clone, PartialEq)]
pub struct DccVerification {
    pub checks: Vec<Check>,
    pub certificate: Option<HealthCertificate>,
    pub kid: Option<Kid>,
}

impl DccVerification {
    pub fn is_valid(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|c| c.outcome != Outcome::Fail)
    }

    pub fn first_failure(&self) -> Option<Reason> {
        self.checks.iter().find(|c| c.outcome == Outcome::Fail).and_then(|c| c.reason)
    }

    fn fail(mut self, name: CheckName, reason: Reason, detail: &'static str) -> Self {
        self.checks.push(Check { name, outcome: Outcome::Fail, reason: Some(reason), detail: detail.into() });
        self
    }

    fn pass(&mut self, name: CheckName, detail: &'static str) {
        self.checks.push(Check { name, outcome: Outcome::Pass, reason: None, detail: detail.into() });
    }
}

/// Verifies an `HC1:` text at `now` against the signer certificates. Compression is accepted but, like other DCC
/// verifiers, not required.
pub fn verify_hc1(text: &str, trust: &DccTrustList, now: OffsetDateTime) -> DccVerification {
    let v = DccVerification { checks: Vec::new(), certificate: None, kid: None };
    let Ok(body) = unprefix(text) else {
        return v.fail(CheckName::Format, Reason::BadPrefix, "expected text starting HC1:");
    };
    let Ok(packed) = base45_decode(body) else {
        return v.fail(CheckName::Format, Reason::BadBase45, "not valid base45");
    };
    let cose = match crate::codec::unpack(packed, MAX_DCC_INFLATED_LEN) {
        Ok(cose) => cose,
        Err(TransportError::TooLarge) => {
            return v.fail(CheckName::Format, Reason::TooLarge, "the data is too large");
        }
        Err(_) => {
            return v.fail(CheckName::Format, Reason::BadCompression, "the zlib stream is broken");
        }
    };
    let Ok(sign1) = parse_cose(&cose) else {
        return v.fail(CheckName::Format, Reason::BadCose, "not a COSE_Sign1");
    };
    let mut v = v;
    v.pass(CheckName::Format, "well-formed HC1 certificate");
    let signer = match verify_signature(&sign1, trust) {
        Ok(signer) => signer,
        Err(Reason::UnknownKid) => {
            return v.fail(CheckName::Key, Reason::UnknownKid, "no trusted signer certificate has this kid");
        }
        Err(reason) => {
            v.pass(CheckName::Key, "a trusted signer certificate has this kid");
            return v.fail(CheckName::Signature, reason, "the signature does not verify");
        }
    };
    v.kid = Some(signer.kid);
    v.pass(CheckName::Key, "a trusted signer certificate has this kid");
    v.pass(CheckName::Signature, "signature verified");
    let Ok(hc) = decode_cwt(sign1.payload.as_deref().unwrap_or_default()) else {
        return v.fail(CheckName::Claims, Reason::BadClaims, "the CWT holds no EU DCC");
    };
    v.pass(CheckName::Claims, "EU DCC");
    match check_times(&hc, now) {
        Ok(()) => v.pass(CheckName::Validity, "within its validity period"),
        Err(reason) => v = v.fail(CheckName::Validity, reason, "outside its validity period"),
    }
    match check_key_usage(signer, &hc) {
        Ok(()) => v.pass(CheckName::KeyUsage, "the signer may sign this type of certificate"),
        Err(reason) => v = v.fail(CheckName::KeyUsage, reason, "the signer may not sign this type of certificate"),
    }
    v.certificate = Some(hc);
    v
}

/// Why a published list (business rules, value sets) is not taken as its publisher's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListSignatureError {
    #[error("the publisher's key is not an ECDSA P-256 public key in PEM")]
    BadKey,
    #[error("the signature is neither DER nor 64-byte ECDSA")]
    BadSignature,
    #[error("the signature does not match the list: it was changed, or signed by another key")]
    Mismatch,
}

impl ListSignatureError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadKey => "list_key_invalid",
            Self::BadSignature => "list_signature_invalid",
            Self::Mismatch => "list_signature_mismatch",
        }
    }
}

/// Checks a list a national backend publishes (the EU gateway's business rules, for one) against its publisher's
/// key: an ECDSA P-256 / SHA-256 signature over the exact bytes, DER or r‖s, as sent in the `X-SIGNATURE` header.
pub fn verify_list_signature(publisher_pem: &str, body: &[u8], signature: &[u8]) -> Result<(), ListSignatureError> {
    let key = p256::ecdsa::VerifyingKey::from_public_key_pem(publisher_pem).map_err(|_| ListSignatureError::BadKey)?;
    let signature = p256::ecdsa::Signature::from_der(signature)
        .or_else(|_| p256::ecdsa::Signature::from_slice(signature))
        .map_err(|_| ListSignatureError::BadSignature)?;
    key.verify(body, &signature).map_err(|_| ListSignatureError::Mismatch)
}
