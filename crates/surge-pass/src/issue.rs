//! Issuing a pass: claims in, `EP1:` text out (CWT claims, COSE_Sign1, zlib, base45, prefix).

use coset::{CoseSign1Builder, HeaderBuilder};

use crate::claims::encode_claims;
use crate::codec::{PREFIX, sign1_to_tagged_bytes, wrap_text};
use crate::{PassClaims, PassError, SigningKey};

/// Signs passes with one authority key. Cheap to clone; holds no state but the key.
#[derive(Debug, Clone)]
pub struct Issuer {
    key: SigningKey,
}

impl Issuer {
    pub fn new(key: SigningKey) -> Self {
        Self { key }
    }

    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// Validates and signs the claims, returning the text that goes into the QR code.
    pub fn issue(&self, claims: &PassClaims) -> Result<String, PassError> {
        claims.validate()?;
        let payload = encode_claims(claims)?;
        let cose = sign_cose(&self.key, payload, &[])?;
        wrap_text(PREFIX, &cose)
    }
}

/// Signs `payload` as a tagged COSE_Sign1 with the algorithm and key id in the protected header, plus any extra
/// protected header values (the content type of a status list, for instance).
pub(crate) fn sign_cose(
    key: &SigningKey,
    payload: Vec<u8>,
    extra: &[(i64, ciborium::Value)],
) -> Result<Vec<u8>, PassError> {
    let mut header = HeaderBuilder::new().algorithm(key.algorithm().cose()).key_id(key.kid().0.to_vec());
    for (label, value) in extra {
        header = header.value(*label, value.clone());
    }
    let sign1 = CoseSign1Builder::new()
        .protected(header.build())
        .payload(payload)
        .create_signature(&[], |data| key.sign(data))
        .build();
    sign1_to_tagged_bytes(sign1)
}
