//! Keyed hashes (HMAC-SHA256), written once for every place that signs or checks with a shared secret: webhook
//! requests and receipts, delivery-receipt links. Checks compare in constant time.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// HMAC-SHA256 of `message` under `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    match keyed(key) {
        Some(mut mac) => {
            mac.update(message);
            mac.finalize().into_bytes().into()
        }
        None => [0; 32],
    }
}

/// Whether `tag` is `message`'s HMAC-SHA256 under `key`, or its first bytes (at least 16), in constant time. An
/// empty key never verifies: a secret that was never set must not make every tag valid.
pub fn hmac_sha256_valid(key: &[u8], message: &[u8], tag: &[u8]) -> bool {
    if key.is_empty() || tag.len() < 16 {
        return false;
    }
    let Some(mut mac) = keyed(key) else { return false };
    mac.update(message);
    mac.verify_truncated_left(tag).is_ok()
}

/// HMAC takes a key of any length (a long one is hashed first), so this is always `Some`.
fn keyed(key: &[u8]) -> Option<Hmac<Sha256>> {
    <Hmac<Sha256> as Mac>::new_from_slice(key).ok()
}
