//! Pass identifiers: the 128-bit random pass id (Crockford base32) and the typable control code with its check
//! character (the Damm algorithm over GF(32), so every single mistyped character and every swap of two adjacent
//! characters is caught).

#[cfg(test)]
mod tests;

use std::fmt;

use rand_core::{CryptoRng, RngCore};

use crate::PassError;

/// Crockford's base32 alphabet: no I, L, O or U, so nothing reads as another character.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Maps a typed character to its base32 value, folding the look-alikes Crockford allows (I and L read as 1, O as 0).
fn crockford_value(c: char) -> Option<u8> {
    let c = c.to_ascii_uppercase();
    let c = match c {
        'I' | 'L' => '1',
        'O' => '0',
        other => other,
    };
    ALPHABET.iter().position(|&a| a as char == c).map(|p| p as u8)
}

/// Characters a person may type as separators, ignored when parsing.
fn is_separator(c: char) -> bool {
    c == '-' || c == ' '
}

/// A pass id: 128 random bits, never sequential, so ids cannot be guessed or enumerated.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PassId([u8; 16]);

impl PassId {
    /// Number of characters in the printed form: 128 bits in 5-bit groups.
    pub const TEXT_LEN: usize = 26;

    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        let mut bytes = [0u8; 16];
        rng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// Parses the Crockford base32 form (case-insensitive, hyphens and spaces ignored).
    pub fn parse(text: &str) -> Result<Self, PassError> {
        let mut value: u128 = 0;
        let mut count = 0usize;
        for c in text.chars().filter(|c| !is_separator(*c)) {
            let v = crockford_value(c).ok_or(PassError::InvalidPassId)?;
            // The first of 26 characters carries only 3 bits; anything larger overflows 128 bits.
            if count == 0 && v > 7 {
                return Err(PassError::InvalidPassId);
            }
            value = (value << 5) | u128::from(v);
            count += 1;
            if count > Self::TEXT_LEN {
                return Err(PassError::InvalidPassId);
            }
        }
        if count != Self::TEXT_LEN {
            return Err(PassError::InvalidPassId);
        }
        Ok(Self(value.to_be_bytes()))
    }
}

impl fmt::Display for PassId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = u128::from_be_bytes(self.0);
        let mut out = [0u8; Self::TEXT_LEN];
        for (i, slot) in out.iter_mut().enumerate() {
            let shift = 5 * (Self::TEXT_LEN - 1 - i);
            *slot = ALPHABET[((value >> shift) & 0x1f) as usize];
        }
        f.write_str(std::str::from_utf8(&out).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for PassId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PassId({self})")
    }
}

/// Multiplication in GF(32) with the primitive polynomial x^5 + x^2 + 1.
fn gf32_mul(mut a: u8, mut b: u8) -> u8 {
    let mut product = 0u8;
    while b != 0 {
        if b & 1 != 0 {
            product ^= a;
        }
        b >>= 1;
        a <<= 1;
        if a & 0x20 != 0 {
            a ^= 0x25;
        }
    }
    product & 0x1f
}

/// The Damm quasigroup x ∘ y = 2·x + y over GF(32). It is totally anti-symmetric because the multiplier is neither
/// 0 nor 1, which is what makes every single substitution and adjacent transposition detectable.
fn damm_step(interim: u8, digit: u8) -> u8 {
    gf32_mul(2, interim) ^ digit
}

fn damm_fold(digits: impl IntoIterator<Item = u8>) -> u8 {
    digits.into_iter().fold(0, damm_step)
}

/// The control code a holder reads out or an officer types: nine random Crockford characters and a check character.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ControlCode([u8; 10]);

impl ControlCode {
    pub const LEN: usize = 10;

    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        let mut values = [0u8; 9];
        for slot in values.iter_mut() {
            // 2^32 is a multiple of 32, so masking keeps the distribution uniform.
            *slot = (rng.next_u32() & 0x1f) as u8;
        }
        Self::from_values(values)
    }

    /// Parses a typed code: case-insensitive, look-alikes folded, hyphens and spaces ignored; the check character
    /// must match.
    pub fn parse(text: &str) -> Result<Self, PassError> {
        let mut values = Vec::with_capacity(Self::LEN);
        for c in text.chars().filter(|c| !is_separator(*c)) {
            values.push(crockford_value(c).ok_or(PassError::InvalidControlCode)?);
            if values.len() > Self::LEN {
                return Err(PassError::InvalidControlCode);
            }
        }
        if values.len() != Self::LEN || damm_fold(values.iter().copied()) != 0 {
            return Err(PassError::InvalidControlCode);
        }
        let mut chars = [0u8; 10];
        for (c, v) in chars.iter_mut().zip(values) {
            *c = ALPHABET[v as usize];
        }
        Ok(Self(chars))
    }

    fn from_values(values: [u8; 9]) -> Self {
        let check = gf32_mul(2, damm_fold(values.iter().copied()));
        let mut chars = [0u8; 10];
        for (c, v) in chars.iter_mut().zip(values.iter().chain([check].iter())) {
            *c = ALPHABET[*v as usize];
        }
        Self(chars)
    }

    /// The nine random characters as a 45-bit number in 6 bytes, big-endian: the token's compact form. The check
    /// character is recomputed on reading.
    pub fn packed(&self) -> [u8; 6] {
        let value = self.0[..9]
            .iter()
            .filter_map(|&c| crockford_value(c as char))
            .fold(0u64, |acc, v| (acc << 5) | u64::from(v));
        let bytes = value.to_be_bytes();
        [bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7]]
    }

    /// Reads the compact form; `None` when it holds more than 45 bits.
    pub fn from_packed(bytes: [u8; 6]) -> Option<Self> {
        let mut full = [0u8; 8];
        full[2..].copy_from_slice(&bytes);
        let value = u64::from_be_bytes(full);
        if value >> 45 != 0 {
            return None;
        }
        let mut values = [0u8; 9];
        for (i, slot) in values.iter_mut().enumerate() {
            *slot = ((value >> (5 * (8 - i))) & 0x1f) as u8;
        }
        Some(Self::from_values(values))
    }

    /// The ten characters without separators.
    pub fn as_str(&self) -> &str {
        // Only ALPHABET bytes are ever stored, so this cannot fail.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The form printed for people: two groups of five, easier to read out and type.
    pub fn grouped(&self) -> String {
        let s = self.as_str();
        format!("{}-{}", &s[..5], &s[5..])
    }
}

impl fmt::Display for ControlCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for ControlCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ControlCode({self})")
    }
}
