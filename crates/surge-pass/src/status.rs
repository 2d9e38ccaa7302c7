//! Revocation that works offline: a status list in the IETF Token Status List's CWT form (a zlib-compressed
//! bitstring, one or more bits per pass), split into signed chunks under a signed head, so a verifier fetches the
//! small head and only the chunks that changed since the sequence number it holds.
//!
//! Each pass carries its index; nothing about the holder is in the list, no per-verifier secret is needed, and a
//! set bit is never a false positive.

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use ciborium::Value;
use time::OffsetDateTime;

use crate::claims::{as_time, as_u64, map_get};
use crate::codec::{deflate, inflate_capped, parse_sign1};
use crate::issue::sign_cose;
use crate::trust::KeyMatch;
use crate::{PassError, SigningKey, TrustList};

pub const STATUS_VALID: u8 = 0;
pub const STATUS_INVALID: u8 = 1;
pub const STATUS_SUSPENDED: u8 = 2;

/// CWT claim `status_list` (draft-ietf-oauth-status-list) and its keys `bits` and `lst`.
const CWT_STATUS_LIST: i64 = 65533;
const SL_BITS: i64 = 1;
const SL_LST: i64 = 2;
/// Private-use claim with Surge's chunking metadata.
const CWT_SURGE_STATUS: i64 = -65538;
const S_SEQUENCE: i64 = 0;
const S_CHUNK_SIZE: i64 = 1;
const S_BITS: i64 = 2;
const S_LEN: i64 = 3;
const S_CHUNK_SEQS: i64 = 4;
const S_CHUNK: i64 = 5;
const CWT_ISS: i64 = 1;
const CWT_IAT: i64 = 6;
/// COSE header `typ` (RFC 9596).
const HEADER_TYP: i64 = 16;
const TYP_CHUNK: &str = "application/statuslist+cwt";
const TYP_HEAD: &str = "application/surge-status-head+cwt";

fn bad(what: impl Into<String>) -> PassError {
    PassError::InvalidStatusList(what.into())
}

fn int(i: i64) -> Value {
    Value::Integer(i.into())
}

fn uint(u: u64) -> Value {
    Value::Integer(u.into())
}

/// The issuer's side: the whole list in memory, with the sequence number of each chunk's last change.
#[derive(Debug, Clone)]
pub struct StatusListBuilder {
    bits: u8,
    chunk_size: u32,
    len: u64,
    packed: Vec<u8>,
    chunk_seqs: Vec<u64>,
    sequence: u64,
}

/// Size and sequence of one published chunk, for reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkInfo {
    pub number: u32,
    pub sequence: u64,
    pub signed_len: usize,
}

impl StatusListBuilder {
    /// A list of `len` entries, all valid, of `bits` bits each (1, 2, 4 or 8), in chunks of `chunk_size` entries.
    pub fn new(bits: u8, chunk_size: u32, len: u64) -> Result<Self, PassError> {
        if ![1, 2, 4, 8].contains(&bits) {
            return Err(bad("bits must be 1, 2, 4 or 8"));
        }
        if chunk_size < 8 || chunk_size % 8 != 0 {
            return Err(bad("the chunk size must be a positive multiple of 8"));
        }
        let chunks = len.div_ceil(u64::from(chunk_size));
        let bytes = (len * u64::from(bits)).div_ceil(8);
        let bytes = usize::try_from(bytes).map_err(|_| bad("list too large"))?;
        Ok(Self {
            bits,
            chunk_size,
            len,
            packed: vec![0; bytes],
            chunk_seqs: vec![0; usize::try_from(chunks).map_err(|_| bad("list too large"))?],
            sequence: 0,
        })
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn sequence(&self) -> u64 {
        self.sequence
    }

    pub fn get(&self, index: u64) -> Option<u8> {
        (index < self.len).then(|| read_status(&self.packed, self.bits, index))
    }

    /// Sets a status; a change bumps the list's sequence and marks the chunk as changed at it.
    pub fn set(&mut self, index: u64, status: u8) -> Result<(), PassError> {
        if index >= self.len {
            return Err(bad(format!("index {index} is beyond the list's {} entries", self.len)));
        }
        if u16::from(status) >= 1u16 << self.bits {
            return Err(bad(format!("status {status} does not fit in {} bits", self.bits)));
        }
        if read_status(&self.packed, self.bits, index) == status {
            return Ok(());
        }
        let bit = index * u64::from(self.bits);
        let byte = (bit / 8) as usize;
        let shift = (bit % 8) as u8;
        let mask = (((1u16 << self.bits) - 1) as u8) << shift;
        if let Some(b) = self.packed.get_mut(byte) {
            *b = (*b & !mask) | (status << shift);
        }
        self.sequence += 1;
        let chunk = (index / u64::from(self.chunk_size)) as usize;
        if let Some(seq) = self.chunk_seqs.get_mut(chunk) {
            *seq = self.sequence;
        }
        Ok(())
    }

    /// Signs a head and the chunks changed after `since` (all chunks when `None`).
    /// Numbers the whole list as of `sequence`: a publisher that rebuilds its list from a numbered change feed
    /// gives the feed's number, so lists never seem to go back. Every chunk carries it, so a verifier holding an
    /// older list fetches them all again.
    pub fn set_sequence(&mut self, sequence: u64) {
        self.sequence = sequence;
        self.chunk_seqs.iter_mut().for_each(|s| *s = sequence);
    }

    pub fn publish(
        &self,
        key: &SigningKey,
        issuer: &str,
        now: OffsetDateTime,
        since: Option<u64>,
    ) -> Result<StatusListFile, PassError> {
        let head_claims = Value::Map(vec![
            (int(CWT_ISS), Value::Text(issuer.to_owned())),
            (int(CWT_IAT), int(now.unix_timestamp())),
            (
                int(CWT_SURGE_STATUS),
                Value::Map(vec![
                    (int(S_SEQUENCE), uint(self.sequence)),
                    (int(S_CHUNK_SIZE), uint(u64::from(self.chunk_size))),
                    (int(S_BITS), uint(u64::from(self.bits))),
                    (int(S_LEN), uint(self.len)),
                    (int(S_CHUNK_SEQS), Value::Array(self.chunk_seqs.iter().map(|s| uint(*s)).collect())),
                ]),
            ),
        ]);
        let head = sign_cose(key, to_cbor(&head_claims)?, &[(HEADER_TYP, Value::Text(TYP_HEAD.into()))])?;
        let chunk_bytes = (self.chunk_size as usize * self.bits as usize) / 8;
        let mut chunks = Vec::new();
        for (number, seq) in self.chunk_seqs.iter().enumerate() {
            if since.is_some_and(|since| *seq <= since) {
                continue;
            }
            let start = number * chunk_bytes;
            let end = (start + chunk_bytes).min(self.packed.len());
            let lst = deflate(&self.packed[start..end])?;
            let claims = Value::Map(vec![
                (int(CWT_ISS), Value::Text(issuer.to_owned())),
                (int(CWT_IAT), int(now.unix_timestamp())),
                (
                    int(CWT_STATUS_LIST),
                    Value::Map(vec![(int(SL_BITS), uint(u64::from(self.bits))), (int(SL_LST), Value::Bytes(lst))]),
                ),
                (
                    int(CWT_SURGE_STATUS),
                    Value::Map(vec![
                        (int(S_SEQUENCE), uint(*seq)),
                        (int(S_CHUNK_SIZE), uint(u64::from(self.chunk_size))),
                        (int(S_CHUNK), uint(number as u64)),
                    ]),
                ),
            ]);
            chunks.push(sign_cose(key, to_cbor(&claims)?, &[(HEADER_TYP, Value::Text(TYP_CHUNK.into()))])?);
        }
        Ok(StatusListFile { head, chunks })
    }
}

fn to_cbor(value: &Value) -> Result<Vec<u8>, PassError> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).map_err(|e| PassError::Encoding(e.to_string()))?;
    Ok(out)
}

/// Reads entry `index` from a packed list: least significant bits first within each byte, as the IETF draft packs.
fn read_status(packed: &[u8], bits: u8, index: u64) -> u8 {
    let bit = index * u64::from(bits);
    let byte = packed.get((bit / 8) as usize).copied().unwrap_or(0);
    (byte >> (bit % 8)) & (((1u16 << bits) - 1) as u8)
}

/// What a verifier downloads: one signed head and some signed chunks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusListFile {
    pub head: Vec<u8>,
    pub chunks: Vec<Vec<u8>>,
}

impl StatusListFile {
    /// A CBOR array `[head, [chunk, ...]]` of byte strings.
    pub fn to_bytes(&self) -> Result<Vec<u8>, PassError> {
        to_cbor(&Value::Array(vec![
            Value::Bytes(self.head.clone()),
            Value::Array(self.chunks.iter().cloned().map(Value::Bytes).collect()),
        ]))
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PassError> {
        let value: Value = ciborium::from_reader(bytes).map_err(|_| bad("not a CBOR status list file"))?;
        let Value::Array(items) = value else {
            return Err(bad("not a status list file"));
        };
        match items.as_slice() {
            [Value::Bytes(head), Value::Array(chunks)] => Ok(Self {
                head: head.clone(),
                chunks: chunks
                    .iter()
                    .map(|c| c.as_bytes().cloned().ok_or_else(|| bad("a chunk is not a byte string")))
                    .collect::<Result<_, _>>()?,
            }),
            _ => Err(bad("not a status list file")),
        }
    }

    /// Total size in bytes of the signed head and chunks, as a verifier would download them.
    pub fn signed_len(&self) -> usize {
        self.head.len() + self.chunks.iter().map(Vec::len).sum::<usize>()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Head {
    issuer: String,
    issued_at: OffsetDateTime,
    sequence: u64,
    chunk_size: u32,
    bits: u8,
    len: u64,
    chunk_seqs: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Chunk {
    sequence: u64,
    statuses: Vec<u8>,
}

/// The answer to "what is the status of pass N".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusLookup {
    Status(u8),
    /// The newest head is older than allowed: statuses may have changed since.
    Stale {
        age_seconds: i64,
    },
    /// The index is beyond the list, or its chunk is missing or older than the head says it should be.
    Missing,
}

/// A verifier's verified copy of the list, updated from files holding a new head and the changed chunks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusSnapshot {
    head: Option<Head>,
    chunks: BTreeMap<u32, Chunk>,
}

/// Parses a signed head or chunk, checks its type and signature, and returns its claims.
fn verified_claims(bytes: &[u8], trust: &TrustList, typ: &str) -> Result<Vec<(Value, Value)>, PassError> {
    let sign1 = parse_sign1(bytes).map_err(bad)?;
    let header_typ = sign1.protected.header.rest.iter().find(|(l, _)| *l == coset::Label::Int(HEADER_TYP));
    if header_typ.and_then(|(_, v)| v.as_text()) != Some(typ) {
        return Err(bad(format!("not a {typ}")));
    }
    match trust.verify_sign1(&sign1) {
        KeyMatch::Verified(_) => {}
        KeyMatch::UnknownKid { .. } => {
            return Err(bad("signed by a key that is not in the trust list"));
        }
        KeyMatch::BadSignature => return Err(bad("a signature does not verify")),
    }
    let payload = sign1.payload.as_deref().ok_or_else(|| bad("no payload"))?;
    match ciborium::from_reader(payload) {
        Ok(Value::Map(map)) => Ok(map),
        _ => Err(bad("payload is not a CBOR map")),
    }
}

fn surge_claim(map: &[(Value, Value)]) -> Result<&[(Value, Value)], PassError> {
    match map_get(map, CWT_SURGE_STATUS) {
        Some(Value::Map(m)) => Ok(m),
        _ => Err(bad("no chunking metadata")),
    }
}

fn req_u64(map: &[(Value, Value)], key: i64, what: &str) -> Result<u64, PassError> {
    map_get(map, key).and_then(as_u64).ok_or_else(|| bad(format!("{what} is missing")))
}

impl StatusSnapshot {
    pub fn new() -> Self {
        Self::default()
    }

    /// The head's sequence number: ask the issuer for what changed after it.
    pub fn sequence(&self) -> Option<u64> {
        self.head.as_ref().map(|h| h.sequence)
    }

    pub fn issued_at(&self) -> Option<OffsetDateTime> {
        self.head.as_ref().map(|h| h.issued_at)
    }

    /// Verifies every signature in `file` against the trust list and takes what is newer than what it holds.
    /// Nothing is taken from a file with any bad part.
    pub fn apply(&mut self, file: &StatusListFile, trust: &TrustList) -> Result<(), PassError> {
        let map = verified_claims(&file.head, trust, TYP_HEAD)?;
        let meta = surge_claim(&map)?;
        let bits = u8::try_from(req_u64(meta, S_BITS, "bits")?).map_err(|_| bad("bits out of range"))?;
        if ![1, 2, 4, 8].contains(&bits) {
            return Err(bad("bits must be 1, 2, 4 or 8"));
        }
        let chunk_size =
            u32::try_from(req_u64(meta, S_CHUNK_SIZE, "chunk size")?).map_err(|_| bad("chunk size out of range"))?;
        if chunk_size < 8 || chunk_size % 8 != 0 {
            return Err(bad("bad chunk size"));
        }
        let head = Head {
            issuer: match map_get(&map, CWT_ISS) {
                Some(Value::Text(s)) => s.clone(),
                _ => return Err(bad("no issuer")),
            },
            issued_at: map_get(&map, CWT_IAT).and_then(as_time).ok_or_else(|| bad("no issue time"))?,
            sequence: req_u64(meta, S_SEQUENCE, "sequence")?,
            chunk_size,
            bits,
            len: req_u64(meta, S_LEN, "length")?,
            chunk_seqs: match map_get(meta, S_CHUNK_SEQS) {
                Some(Value::Array(a)) => {
                    a.iter().map(as_u64).collect::<Option<Vec<_>>>().ok_or_else(|| bad("bad chunk sequences"))?
                }
                _ => return Err(bad("no chunk sequences")),
            },
        };
        if head.chunk_seqs.len() as u64 != head.len.div_ceil(u64::from(chunk_size)) {
            return Err(bad("the head's chunk count does not match its length"));
        }
        let chunk_bytes = chunk_size as usize * bits as usize / 8;
        let mut chunks = Vec::with_capacity(file.chunks.len());
        for bytes in &file.chunks {
            let map = verified_claims(bytes, trust, TYP_CHUNK)?;
            let meta = surge_claim(&map)?;
            if req_u64(meta, S_CHUNK_SIZE, "chunk size")? != u64::from(chunk_size) {
                return Err(bad("a chunk's size differs from the head's"));
            }
            let number = u32::try_from(req_u64(meta, S_CHUNK, "chunk number")?).map_err(|_| bad("bad chunk number"))?;
            let sequence = req_u64(meta, S_SEQUENCE, "chunk sequence")?;
            let Some(Value::Map(list)) = map_get(&map, CWT_STATUS_LIST) else {
                return Err(bad("no status_list claim"));
            };
            if map_get(list, SL_BITS).and_then(as_u64) != Some(u64::from(bits)) {
                return Err(bad("a chunk's bits differ from the head's"));
            }
            let Some(Value::Bytes(lst)) = map_get(list, SL_LST) else {
                return Err(bad("no lst"));
            };
            let statuses = inflate_capped(lst, chunk_bytes).map_err(|_| bad("a chunk's list does not inflate"))?;
            chunks.push((number, Chunk { sequence, statuses }));
        }
        let newer_head =
            self.head.as_ref().is_none_or(|h| head.sequence >= h.sequence && head.issued_at >= h.issued_at);
        if newer_head {
            self.head = Some(head);
        }
        for (number, chunk) in chunks {
            let keep = self.chunks.get(&number).is_none_or(|c| chunk.sequence > c.sequence);
            if keep {
                self.chunks.insert(number, chunk);
            }
        }
        Ok(())
    }

    /// The status of entry `index` at `now`, if the list is fresh enough and holds the entry's current chunk.
    pub fn lookup(&self, index: u64, now: OffsetDateTime, max_age_seconds: i64) -> StatusLookup {
        let Some(head) = &self.head else {
            return StatusLookup::Missing;
        };
        let age = (now - head.issued_at).whole_seconds();
        if age > max_age_seconds {
            return StatusLookup::Stale { age_seconds: age };
        }
        if index >= head.len {
            return StatusLookup::Missing;
        }
        let number = (index / u64::from(head.chunk_size)) as u32;
        let Some(chunk) = self.chunks.get(&number) else {
            return StatusLookup::Missing;
        };
        if head.chunk_seqs.get(number as usize) != Some(&chunk.sequence) {
            return StatusLookup::Missing;
        }
        let within = index % u64::from(head.chunk_size);
        StatusLookup::Status(read_status(&chunk.statuses, head.bits, within))
    }

    pub fn issuer(&self) -> Option<&str> {
        self.head.as_ref().map(|h| h.issuer.as_str())
    }
}
