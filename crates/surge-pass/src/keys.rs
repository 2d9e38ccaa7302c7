//! Signing and verifying keys for passes, status lists and trust lists: Ed25519 (default) and ECDSA P-256 (ES256),
//! with key ids derived from the public key and PKCS#8 PEM for private keys so that standard tools can read them.

use std::fmt;

use coset::iana;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use p256::ecdsa::signature::{Signer, Verifier as _};
use rand_core::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};

use crate::PassError;

/// The signature algorithms Surge signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// EdDSA with Ed25519 (COSE alg -8): small keys, fast, deterministic. The default.
    Ed25519,
    /// ECDSA with P-256 and SHA-256 (COSE alg -7), for authorities whose HSMs only do NIST curves.
    Es256,
}

impl Algorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ed25519 => "ed25519",
            Self::Es256 => "es256",
        }
    }

    pub fn parse(text: &str) -> Result<Self, PassError> {
        match text.to_ascii_lowercase().as_str() {
            "ed25519" | "eddsa" => Ok(Self::Ed25519),
            "es256" | "p256" | "p-256" => Ok(Self::Es256),
            other => Err(PassError::InvalidKey(format!("unknown algorithm {other:?}: use ed25519 or es256"))),
        }
    }

    pub(crate) fn cose(self) -> iana::Algorithm {
        match self {
            Self::Ed25519 => iana::Algorithm::EdDSA,
            Self::Es256 => iana::Algorithm::ES256,
        }
    }
}

/// A key id: the first 8 bytes of the SHA-256 of the public key, as the DCC does for its signer certificates.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Kid(pub [u8; 8]);

impl Kid {
    pub fn of_public_key(bytes: &[u8]) -> Self {
        let digest = Sha256::digest(bytes);
        let mut kid = [0u8; 8];
        kid.copy_from_slice(&digest[..8]);
        Self(kid)
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub fn from_hex(text: &str) -> Result<Self, PassError> {
        let bad = || PassError::InvalidKey(format!("kid {text:?} is not 16 hex digits"));
        if text.len() != 16 || !text.is_ascii() {
            return Err(bad());
        }
        let mut kid = [0u8; 8];
        for (i, slot) in kid.iter_mut().enumerate() {
            *slot = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(Self(kid))
    }
}

impl fmt::Display for Kid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Kid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Kid({self})")
    }
}

/// A private signing key. Debug output never shows the secret.
#[derive(Clone)]
pub enum SigningKey {
    Ed25519(ed25519_dalek::SigningKey),
    Es256(p256::ecdsa::SigningKey),
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({}, kid {})", self.algorithm().as_str(), self.kid())
    }
}

impl SigningKey {
    pub fn generate<R: RngCore + CryptoRng>(algorithm: Algorithm, rng: &mut R) -> Self {
        match algorithm {
            Algorithm::Ed25519 => Self::Ed25519(ed25519_dalek::SigningKey::generate(rng)),
            Algorithm::Es256 => Self::Es256(p256::ecdsa::SigningKey::random(rng)),
        }
    }

    pub fn algorithm(&self) -> Algorithm {
        match self {
            Self::Ed25519(_) => Algorithm::Ed25519,
            Self::Es256(_) => Algorithm::Es256,
        }
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        match self {
            Self::Ed25519(k) => VerifyingKey::Ed25519(k.verifying_key()),
            Self::Es256(k) => VerifyingKey::Es256(*k.verifying_key()),
        }
    }

    pub fn kid(&self) -> Kid {
        self.verifying_key().kid()
    }

    /// Signs `message`, returning the signature in COSE form (64 bytes for both algorithms; ECDSA as r || s).
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        match self {
            Self::Ed25519(k) => k.sign(message).to_bytes().to_vec(),
            Self::Es256(k) => {
                let signature: p256::ecdsa::Signature = k.sign(message);
                signature.to_bytes().to_vec()
            }
        }
    }

    /// PKCS#8 PEM, readable by OpenSSL and other tools.
    pub fn to_pkcs8_pem(&self) -> Result<String, PassError> {
        let line_ending = ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF;
        let pem = match self {
            Self::Ed25519(k) => k.to_pkcs8_pem(line_ending),
            Self::Es256(k) => k.to_pkcs8_pem(line_ending),
        };
        pem.map(|p| p.to_string()).map_err(|e| PassError::InvalidKey(e.to_string()))
    }

    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, PassError> {
        if let Ok(k) = ed25519_dalek::SigningKey::from_pkcs8_pem(pem) {
            return Ok(Self::Ed25519(k));
        }
        p256::ecdsa::SigningKey::from_pkcs8_pem(pem)
            .map(Self::Es256)
            .map_err(|_| PassError::InvalidKey("not a PKCS#8 Ed25519 or P-256 private key".into()))
    }
}

/// A public key that verifies signatures.
#[derive(Clone, PartialEq, Eq)]
pub enum VerifyingKey {
    Ed25519(ed25519_dalek::VerifyingKey),
    Es256(p256::ecdsa::VerifyingKey),
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifyingKey({}, kid {})", self.algorithm().as_str(), self.kid())
    }
}

impl VerifyingKey {
    pub fn algorithm(&self) -> Algorithm {
        match self {
            Self::Ed25519(_) => Algorithm::Ed25519,
            Self::Es256(_) => Algorithm::Es256,
        }
    }

    /// The raw public key: 32 bytes for Ed25519, the 65-byte uncompressed SEC1 point for P-256.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Self::Ed25519(k) => k.to_bytes().to_vec(),
            Self::Es256(k) => k.to_encoded_point(false).as_bytes().to_vec(),
        }
    }

    pub fn from_bytes(algorithm: Algorithm, bytes: &[u8]) -> Result<Self, PassError> {
        match algorithm {
            Algorithm::Ed25519 => {
                let raw = <[u8; 32]>::try_from(bytes)
                    .map_err(|_| PassError::InvalidKey("an Ed25519 public key is 32 bytes".into()))?;
                ed25519_dalek::VerifyingKey::from_bytes(&raw)
                    .map(Self::Ed25519)
                    .map_err(|_| PassError::InvalidKey("not a valid Ed25519 public key".into()))
            }
            Algorithm::Es256 => p256::ecdsa::VerifyingKey::from_sec1_bytes(bytes)
                .map(Self::Es256)
                .map_err(|_| PassError::InvalidKey("not a valid P-256 public key".into())),
        }
    }

    pub fn kid(&self) -> Kid {
        Kid::of_public_key(&self.to_bytes())
    }

    /// Checks a COSE-form signature. Ed25519 uses strict verification (no small-order keys, canonical S).
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            Self::Ed25519(k) => match <[u8; 64]>::try_from(signature) {
                Ok(raw) => k.verify_strict(message, &ed25519_dalek::Signature::from_bytes(&raw)).is_ok(),
                Err(_) => false,
            },
            Self::Es256(k) => match p256::ecdsa::Signature::from_slice(signature) {
                Ok(sig) => k.verify(message, &sig).is_ok(),
                Err(_) => false,
            },
        }
    }
}
