//! The transport around a signed token, shared by `EP1:` passes and `HC1:` health certificates: prefix, base45,
//! zlib with a cap on the inflated size, and COSE_Sign1 parsing that tolerates the tags real producers add.

#[cfg(test)]
mod tests;

use std::io::Read;

use ciborium::Value;
use coset::{AsCborValue, CoseSign1};
use flate2::read::ZlibDecoder;
use flate2::{Compress, Compression, FlushCompress, Status};

use crate::PassError;

/// The text prefix of a Surge pass: format 1 of the e-pass transport.
pub const PREFIX: &str = "EP1:";

/// The largest inflated EP1 token accepted. A real pass is about 200 bytes; anything near this is an attack
/// (a zip bomb) or garbage, and is refused before it costs memory.
pub const MAX_INFLATED_LEN: usize = 4096;

/// The COSE_Sign1 tag (RFC 9052) and the CWT tag (RFC 8392) that some producers wrap around it.
const TAG_COSE_SIGN1: u64 = 18;
const TAG_CWT: u64 = 61;

/// Why the transport layers around a token could not be removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TransportError {
    BadPrefix(String),
    BadBase45,
    BadCompression,
    TooLarge,
}

thread_local! {
    /// A compressor per thread, reset between uses: setting one up allocates and clears hundreds of kilobytes,
    /// which would cost more than signing a pass.
    static COMPRESSOR: std::cell::RefCell<Compress> = std::cell::RefCell::new(Compress::new(Compression::best(), true));
}

pub(crate) fn deflate(bytes: &[u8]) -> Result<Vec<u8>, PassError> {
    COMPRESSOR.with(|cell| {
        let mut compressor = cell.borrow_mut();
        compressor.reset();
        // zlib's worst case is the input plus 5 bytes per 16 KiB block plus header and trailer.
        let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 16_000 * 5 + 64);
        loop {
            let consumed = compressor.total_in() as usize;
            let status = compressor
                .compress_vec(&bytes[consumed..], &mut out, FlushCompress::Finish)
                .map_err(|e| PassError::Encoding(e.to_string()))?;
            match status {
                Status::StreamEnd => return Ok(out),
                Status::Ok | Status::BufError => out.reserve(out.capacity().max(64)),
            }
        }
    })
}

/// Inflates a complete zlib stream of at most `cap` bytes. Trailing bytes after the stream are an error, so one
/// token has exactly one encoding.
pub(crate) fn inflate_capped(bytes: &[u8], cap: usize) -> Result<Vec<u8>, TransportError> {
    let mut decoder = ZlibDecoder::new(bytes);
    let mut out = Vec::with_capacity(cap.min(bytes.len().saturating_mul(4)));
    (&mut decoder).take(cap as u64 + 1).read_to_end(&mut out).map_err(|_| TransportError::BadCompression)?;
    if out.len() > cap {
        return Err(TransportError::TooLarge);
    }
    if decoder.total_in() != bytes.len() as u64 {
        return Err(TransportError::BadCompression);
    }
    Ok(out)
}

/// Whether `bytes` open with a zlib header (RFC 1950: deflate, window at most 32 KiB, header check). A COSE token
/// cannot: it opens with tag 18 (0xD2), tag 61 (0xD8 0x3D) or a four-element array (0x84).
pub(crate) fn is_zlib(bytes: &[u8]) -> bool {
    match bytes {
        [cmf, flg, ..] => cmf & 0x0f == 8 && cmf >> 4 <= 7 && (u16::from(*cmf) * 256 + u16::from(*flg)) % 31 == 0,
        _ => false,
    }
}

/// Removes the prefix, base45 and zlib layers, returning the COSE bytes. Like DCC verifiers, this accepts a token
/// that was not compressed, which the issuer sends when zlib would only make it larger.
pub(crate) fn unwrap_text(text: &str, prefix: &str, cap: usize) -> Result<Vec<u8>, TransportError> {
    let text = text.trim();
    let Some(body) = text.strip_prefix(prefix) else {
        let shown: String = text.chars().take(4).collect();
        return Err(TransportError::BadPrefix(shown));
    };
    let packed = base45::decode(body).map_err(|_| TransportError::BadBase45)?;
    unpack(packed, cap)
}

pub(crate) fn unpack(packed: Vec<u8>, cap: usize) -> Result<Vec<u8>, TransportError> {
    if is_zlib(&packed) {
        inflate_capped(&packed, cap)
    } else if packed.len() > cap {
        Err(TransportError::TooLarge)
    } else {
        Ok(packed)
    }
}

/// Compresses with zlib when that makes the token smaller. A pass is mostly a signature and random ids, which do
/// not compress, and zlib's framing costs about 11 bytes: enough to push a typical pass from QR version 10 to 11.
pub(crate) fn wrap_text(prefix: &str, cose: &[u8]) -> Result<String, PassError> {
    // Bytes that open like a zlib stream must be compressed, or a reader would take them for one.
    let must_compress = is_zlib(cose);
    let compressed = if must_compress || may_compress(cose) { Some(deflate(cose)?) } else { None };
    let packed = match &compressed {
        Some(c) if must_compress || c.len() < cose.len() => c.as_slice(),
        _ => cose,
    };
    let mut out = String::with_capacity(prefix.len() + packed.len() * 3 / 2 + 2);
    out.push_str(prefix);
    out.push_str(&base45::encode(packed));
    Ok(out)
}

/// zlib's framing: a 2-byte header, a 4-byte checksum and at least 5 bytes of block headers and end marker.
const ZLIB_OVERHEAD: usize = 11;

/// Whether deflate could possibly shrink `bytes`: its matches save at most one byte per position that starts a
/// 3-byte string seen before, and they must repay zlib's framing. Most passes have too few repeats (a signature and
/// random ids), and skipping the attempt halves the cost of issuing one.
fn may_compress(bytes: &[u8]) -> bool {
    if bytes.len() > 1024 {
        return true;
    }
    let mut trigrams: Vec<u32> =
        bytes.windows(3).map(|w| u32::from(w[0]) | u32::from(w[1]) << 8 | u32::from(w[2]) << 16).collect();
    trigrams.sort_unstable();
    let repeats = trigrams.windows(2).filter(|pair| pair[0] == pair[1]).count();
    repeats > ZLIB_OVERHEAD
}

/// Always compresses; for tests of the compressed path and for producers that must compress.
#[cfg(test)]
pub(crate) fn wrap_text_compressed(prefix: &str, cose: &[u8]) -> Result<String, PassError> {
    Ok(format!("{prefix}{}", base45::encode(deflate(cose)?)))
}

/// Parses a COSE_Sign1, untagged or tagged 18, also inside a CWT tag 61 (some DCC producers add it). The whole
/// input must be one CBOR item.
pub(crate) fn parse_sign1(bytes: &[u8]) -> Result<CoseSign1, String> {
    let mut cursor = std::io::Cursor::new(bytes);
    let mut value: Value = ciborium::from_reader(&mut cursor).map_err(|e| format!("not CBOR: {e}"))?;
    if cursor.position() != bytes.len() as u64 {
        return Err("trailing bytes after the COSE structure".into());
    }
    let mut tags_seen = 0;
    while let Value::Tag(tag, inner) = value {
        tags_seen += 1;
        if tags_seen > 2 || !(tag == TAG_COSE_SIGN1 || tag == TAG_CWT) {
            return Err(format!("unexpected CBOR tag {tag}"));
        }
        value = *inner;
    }
    CoseSign1::from_cbor_value(value).map_err(|e| format!("not a COSE_Sign1: {e}"))
}

/// The key id, from the protected header if present there, else from the unprotected one (the DCC allows both).
pub(crate) fn sign1_kid(sign1: &CoseSign1) -> Option<&[u8]> {
    [&sign1.protected.header.key_id, &sign1.unprotected.key_id].into_iter().find(|k| !k.is_empty()).map(Vec::as_slice)
}

/// The algorithm, from either header, as its COSE number.
pub(crate) fn sign1_alg(sign1: &CoseSign1) -> Option<i64> {
    [&sign1.protected.header.alg, &sign1.unprotected.alg].into_iter().flatten().find_map(|alg| match alg {
        coset::Algorithm::Assigned(a) => Some(*a as i64),
        coset::Algorithm::PrivateUse(a) => Some(*a),
        coset::Algorithm::Text(_) => None,
    })
}

/// Encodes a COSE_Sign1 with its tag 18, as DCC and Surge tokens are sent.
pub(crate) fn sign1_to_tagged_bytes(sign1: CoseSign1) -> Result<Vec<u8>, PassError> {
    let value =
        Value::Tag(TAG_COSE_SIGN1, Box::new(sign1.to_cbor_value().map_err(|e| PassError::Encoding(e.to_string()))?));
    let mut out = Vec::with_capacity(256);
    ciborium::into_writer(&value, &mut out).map_err(|e| PassError::Encoding(e.to_string()))?;
    Ok(out)
}
