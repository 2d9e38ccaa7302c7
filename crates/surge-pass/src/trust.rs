//! The trust list: the authority's public keys (kid, algorithm, key, validity, status) in one document signed by the
//! authority's trust-root key, so an offline verifier can take new keys and drop withdrawn ones without a server.

#[cfg(test)]
pub(crate) mod tests;

use ciborium::Value;
use time::OffsetDateTime;

use crate::claims::{as_time, as_u64};
use crate::codec::{parse_sign1, sign1_kid};
use crate::issue::sign_cose;
use crate::{Algorithm, Kid, PassError, SigningKey, VerifyingKey};

const TRUST_LIST_VERSION: u64 = 1;

/// Whether a key may still be relied on. A withdrawn key verifies nothing, whatever its dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyStatus {
    Active,
    Withdrawn,
}

impl KeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(text: &str) -> Result<Self, PassError> {
        match text {
            "active" => Ok(Self::Active),
            "withdrawn" => Ok(Self::Withdrawn),
            other => Err(PassError::InvalidTrustList(format!("unknown key status {other:?}"))),
        }
    }
}

/// One entry: a key and the period in which it may sign. Passes signed inside the period keep verifying after it
/// ends (key rotation), until the key is withdrawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedKey {
    pub key: VerifyingKey,
    pub valid_from: OffsetDateTime,
    pub valid_until: OffsetDateTime,
    pub status: KeyStatus,
}

impl TrustedKey {
    pub fn kid(&self) -> Kid {
        self.key.kid()
    }
}

/// The verified content of a trust list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustList {
    pub issuer: String,
    /// Increases with every published list, so a verifier never goes back to an older one.
    pub sequence: u64,
    pub issued_at: OffsetDateTime,
    /// The key that signed this list; a verifier pins it on first use or is provisioned with it.
    pub root: VerifyingKey,
    pub keys: Vec<TrustedKey>,
}

fn text_key(k: &str) -> Value {
    Value::Text(k.to_owned())
}

fn get<'a>(map: &'a [(Value, Value)], key: &str) -> Option<&'a Value> {
    map.iter().find(|(k, _)| k.as_text() == Some(key)).map(|(_, v)| v)
}

fn bad(what: impl Into<String>) -> PassError {
    PassError::InvalidTrustList(what.into())
}

fn alg_code(alg: Algorithm) -> Value {
    Value::Integer((alg.cose() as i64).into())
}

fn alg_from(value: &Value) -> Result<Algorithm, PassError> {
    match value.as_integer().and_then(|i| i64::try_from(i).ok()) {
        Some(-8) => Ok(Algorithm::Ed25519),
        Some(-7) => Ok(Algorithm::Es256),
        other => Err(bad(format!("unsupported algorithm {other:?}"))),
    }
}

fn key_entries(key: &VerifyingKey) -> Vec<(Value, Value)> {
    vec![(text_key("alg"), alg_code(key.algorithm())), (text_key("key"), Value::Bytes(key.to_bytes()))]
}

fn key_value(key: &VerifyingKey) -> Value {
    Value::Map(key_entries(key))
}

fn key_from(value: &Value) -> Result<VerifyingKey, PassError> {
    let Value::Map(map) = value else {
        return Err(bad("a key is not a map"));
    };
    let alg = alg_from(get(map, "alg").ok_or_else(|| bad("a key has no alg"))?)?;
    let Some(Value::Bytes(bytes)) = get(map, "key") else {
        return Err(bad("a key has no key bytes"));
    };
    VerifyingKey::from_bytes(alg, bytes)
}

fn time_value(t: OffsetDateTime) -> Value {
    Value::Integer(t.unix_timestamp().into())
}

fn time_from(map: &[(Value, Value)], key: &str) -> Result<OffsetDateTime, PassError> {
    get(map, key).and_then(as_time).ok_or_else(|| bad(format!("{key} is missing or not a date")))
}

impl TrustList {
    /// Keys that may have signed a token with this kid and algorithm. Several keys can share a kid (it is only
    /// 8 bytes), so every one must be tried.
    pub fn candidates(&self, kid: &[u8]) -> impl Iterator<Item = &TrustedKey> {
        self.keys.iter().filter(move |k| k.kid().0.as_slice() == kid)
    }

    pub fn active_keys(&self) -> impl Iterator<Item = &TrustedKey> {
        self.keys.iter().filter(|k| k.status == KeyStatus::Active)
    }

    /// Signs the list with the trust-root key. The root's public key goes inside the signed payload.
    pub fn sign(&self, root: &SigningKey) -> Result<Vec<u8>, PassError> {
        if root.verifying_key() != self.root {
            return Err(bad("the signing key is not the list's root key"));
        }
        let keys = self
            .keys
            .iter()
            .map(|k| {
                let mut map = key_entries(&k.key);
                map.push((text_key("from"), time_value(k.valid_from)));
                map.push((text_key("until"), time_value(k.valid_until)));
                map.push((text_key("status"), Value::Text(k.status.as_str().into())));
                Value::Map(map)
            })
            .collect();
        let payload = Value::Map(vec![
            (text_key("v"), Value::Integer(TRUST_LIST_VERSION.into())),
            (text_key("iss"), Value::Text(self.issuer.clone())),
            (text_key("seq"), Value::Integer(self.sequence.into())),
            (text_key("iat"), time_value(self.issued_at)),
            (text_key("root"), key_value(&self.root)),
            (text_key("keys"), Value::Array(keys)),
        ]);
        let mut bytes = Vec::new();
        ciborium::into_writer(&payload, &mut bytes).map_err(|e| PassError::Encoding(e.to_string()))?;
        sign_cose(root, bytes, &[])
    }

    /// Reads and verifies a signed list. With `anchor`, the list must be signed by that root key; without it, the
    /// list's own root is used (trust on first use) and the caller should pin it.
    pub fn from_signed(bytes: &[u8], anchor: Option<&VerifyingKey>) -> Result<Self, PassError> {
        let sign1 = parse_sign1(bytes).map_err(bad)?;
        let payload = sign1.payload.as_deref().ok_or_else(|| bad("no payload"))?;
        let value: Value = ciborium::from_reader(payload).map_err(|e| bad(format!("payload is not CBOR: {e}")))?;
        let Value::Map(map) = value else {
            return Err(bad("payload is not a map"));
        };
        match get(&map, "v").and_then(as_u64) {
            Some(TRUST_LIST_VERSION) => {}
            other => return Err(bad(format!("unsupported trust list version {other:?}"))),
        }
        let root = key_from(get(&map, "root").ok_or_else(|| bad("no root key"))?)?;
        if let Some(anchor) = anchor {
            if &root != anchor {
                return Err(bad(format!("signed by root {}, not by the pinned root {}", root.kid(), anchor.kid())));
            }
        }
        if sign1_kid(&sign1) != Some(root.kid().0.as_slice()) {
            return Err(bad("the signature's kid is not the root key's"));
        }
        sign1
            .verify_signature(&[], |sig, data| if root.verify(data, sig) { Ok(()) } else { Err(()) })
            .map_err(|_| bad("the signature does not verify"))?;
        let Some(Value::Array(entries)) = get(&map, "keys") else {
            return Err(bad("no keys"));
        };
        let keys = entries
            .iter()
            .map(|entry| {
                let Value::Map(m) = entry else {
                    return Err(bad("a key entry is not a map"));
                };
                let status = match get(m, "status") {
                    Some(Value::Text(s)) => KeyStatus::parse(s)?,
                    _ => return Err(bad("a key entry has no status")),
                };
                Ok(TrustedKey {
                    key: key_from(entry)?,
                    valid_from: time_from(m, "from")?,
                    valid_until: time_from(m, "until")?,
                    status,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            issuer: match get(&map, "iss") {
                Some(Value::Text(s)) => s.clone(),
                _ => return Err(bad("no issuer")),
            },
            sequence: get(&map, "seq").and_then(as_u64).ok_or_else(|| bad("no sequence"))?,
            issued_at: time_from(&map, "iat")?,
            root,
            keys,
        })
    }
}

/// The outcome of checking a COSE signature against the trust list.
#[derive(Debug)]
pub(crate) enum KeyMatch<'a> {
    Verified(&'a TrustedKey),
    /// No active key has this kid; `withdrawn` says whether a withdrawn one does.
    UnknownKid {
        kid: Vec<u8>,
        withdrawn: bool,
    },
    BadSignature,
}

impl TrustList {
    /// Tries every active key with the token's kid whose algorithm matches the header's (a key is never used
    /// with another algorithm than its own).
    pub(crate) fn verify_sign1(&self, sign1: &coset::CoseSign1) -> KeyMatch<'_> {
        let kid = crate::codec::sign1_kid(sign1).unwrap_or_default();
        let alg = crate::codec::sign1_alg(sign1);
        let mut withdrawn = false;
        let mut any_active = false;
        for candidate in self.candidates(kid) {
            if candidate.status == KeyStatus::Withdrawn {
                withdrawn = true;
                continue;
            }
            any_active = true;
            if alg != Some(candidate.key.algorithm().cose() as i64) {
                continue;
            }
            let ok = sign1
                .verify_signature(&[], |sig, data| if candidate.key.verify(data, sig) { Ok(()) } else { Err(()) })
                .is_ok();
            if ok {
                return KeyMatch::Verified(candidate);
            }
        }
        if any_active { KeyMatch::BadSignature } else { KeyMatch::UnknownKid { kid: kid.to_vec(), withdrawn } }
    }
}
