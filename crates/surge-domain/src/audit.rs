//! The audit log's hash chain: each entry carries the SHA-256 of the one before and of its own content, so editing,
//! removing or reordering any entry breaks every hash after it. `verify_chain` names the first entry that breaks.
//! Deleting the newest entries leaves a shorter chain that is still whole, so the chain's head (its last sequence
//! number and hash) is published, signed, from time to time: `check_head` then names the entries that are gone.

use sha2::{Digest, Sha256};

/// What happened, by whom, to what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// `account:7`, `api-key:3`, `system`.
    pub actor: String,
    /// `organisation.approve`, `pass.revoke`, `staff.sign_in`, …
    pub action: String,
    /// `organisation:12`, `pass:4031`, `account:7`.
    pub subject: String,
    pub detail: String,
}

/// An entry as stored, with its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: i64,
    /// Unix seconds.
    pub at: i64,
    pub entry: AuditEntry,
    pub prev_hash: [u8; 32],
    pub hash: [u8; 32],
}

/// The hash before the first entry.
pub const GENESIS: [u8; 32] = [0; 32];

/// SHA-256 over the previous hash and the entry's fields, each length-prefixed so no two entries encode alike.
pub fn chain_hash(prev: &[u8; 32], seq: i64, at: i64, entry: &AuditEntry) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(b"surge-audit-v1");
    hasher.update(prev);
    hasher.update(seq.to_be_bytes());
    hasher.update(at.to_be_bytes());
    for field in [&entry.actor, &entry.action, &entry.subject, &entry.detail] {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    hasher.finalize().into()
}

/// Where the chain breaks and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the audit log is broken at entry {seq}: {reason}")]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: &'static str,
}

/// Checks records in order, continuing from `prev` (the hash of the entry before the first, or `GENESIS`) and
/// `expected_seq`; returns the last hash, to continue with the next page.
pub fn verify_chain<'a>(
    records: impl IntoIterator<Item = &'a AuditRecord>,
    mut prev: [u8; 32],
    mut expected_seq: i64,
) -> Result<[u8; 32], ChainBreak> {
    for record in records {
        if record.seq != expected_seq {
            return Err(ChainBreak { seq: record.seq, reason: "an entry before it is missing" });
        }
        if record.prev_hash != prev {
            return Err(ChainBreak { seq: record.seq, reason: "it does not follow the entry before it" });
        }
        if chain_hash(&prev, record.seq, record.at, &record.entry) != record.hash {
            return Err(ChainBreak { seq: record.seq, reason: "its content does not match its hash" });
        }
        prev = record.hash;
        expected_seq += 1;
    }
    Ok(prev)
}

/// A point of the chain as published: entry `seq` had `hash`, as seen at `at` (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainHead {
    pub seq: i64,
    pub hash: [u8; 32],
    pub at: i64,
}

impl ChainHead {
    /// The bytes the authority signs: a fixed format, so a signature cannot be taken for anything else.
    pub fn signing_text(&self) -> Vec<u8> {
        format!("surge-audit-head/1\n{}\n{}\n{}", self.seq, hex::encode(self.hash), self.at).into_bytes()
    }
}

/// What a whole chain says about a published head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadCheck {
    /// The chain holds the head's entry with the head's hash.
    Holds,
    /// The chain ends before the head: entries `from` to `to` are gone.
    Missing { from: i64, to: i64 },
    /// The chain's entry at the head's number has another hash: the log was rewritten from there back.
    Differs,
}

/// Checks a verified chain against a head: `last_seq` is the chain's last entry (0 when empty), `hash_at_head` the
/// hash of its entry `head.seq`, if it has one.
pub fn check_head(head: &ChainHead, last_seq: i64, hash_at_head: Option<[u8; 32]>) -> HeadCheck {
    if head.seq == 0 {
        return HeadCheck::Holds;
    }
    match hash_at_head {
        _ if last_seq < head.seq => HeadCheck::Missing { from: last_seq + 1, to: head.seq },
        Some(hash) if hash == head.hash => HeadCheck::Holds,
        _ => HeadCheck::Differs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_names_the_entries_cut_from_the_end() {
        let records = chain(5);
        let head = ChainHead { seq: 5, hash: records[4].hash, at: 2_000 };
        assert_eq!(check_head(&head, 5, Some(records[4].hash)), HeadCheck::Holds);
        // The newest two deleted: the rest still verifies, but the head names what is gone.
        assert_eq!(verify_chain(&records[..3], GENESIS, 1), Ok(records[2].hash));
        assert_eq!(check_head(&head, 3, None), HeadCheck::Missing { from: 4, to: 5 });
        assert_eq!(check_head(&head, 0, None), HeadCheck::Missing { from: 1, to: 5 });
        assert_eq!(check_head(&head, 7, Some(records[3].hash)), HeadCheck::Differs, "rewritten");
        let empty = ChainHead { seq: 0, hash: GENESIS, at: 0 };
        assert_eq!(check_head(&empty, 0, None), HeadCheck::Holds);
        assert!(String::from_utf8(head.signing_text()).unwrap().starts_with("surge-audit-head/1\n5\n"));
    }

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut prev = GENESIS;
        (1..=n)
            .map(|seq| {
                let entry = AuditEntry {
                    actor: "account:1".into(),
                    action: "pass.revoke".into(),
                    subject: format!("pass:{seq}"),
                    detail: "stolen".into(),
                };
                let hash = chain_hash(&prev, seq, 1_000 + seq, &entry);
                let record = AuditRecord { seq, at: 1_000 + seq, entry, prev_hash: prev, hash };
                prev = hash;
                record
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies_and_any_change_is_named() {
        let records = chain(5);
        assert_eq!(verify_chain(&records, GENESIS, 1), Ok(records[4].hash));
        assert_eq!(verify_chain(&records[2..], records[1].hash, 3), Ok(records[4].hash), "page by page");

        let mut edited = records.clone();
        edited[2].entry.detail = "lost".into();
        assert_eq!(verify_chain(&edited, GENESIS, 1).unwrap_err().seq, 3);

        let mut removed = records.clone();
        removed.remove(1);
        assert_eq!(verify_chain(&removed, GENESIS, 1).unwrap_err().seq, 3);

        // Rewriting one entry and its hash still breaks the next.
        let mut rehashed = records.clone();
        rehashed[2].entry.actor = "account:2".into();
        rehashed[2].hash = chain_hash(&rehashed[2].prev_hash, 3, rehashed[2].at, &rehashed[2].entry);
        let broken = verify_chain(&rehashed, GENESIS, 1).unwrap_err();
        assert_eq!((broken.seq, broken.reason), (4, "it does not follow the entry before it"));
    }

    #[test]
    fn fields_cannot_be_shifted_into_each_other() {
        let a = AuditEntry { actor: "ab".into(), action: "c".into(), subject: String::new(), detail: String::new() };
        let b = AuditEntry { actor: "a".into(), action: "bc".into(), subject: String::new(), detail: String::new() };
        assert_ne!(chain_hash(&GENESIS, 1, 0, &a), chain_hash(&GENESIS, 1, 0, &b));
    }
}
