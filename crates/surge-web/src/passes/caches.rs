//! What the busiest endpoint would otherwise read from the database on every request: API keys, dropped the
//! moment they are revoked here and within the feed's poll (half a second) when revoked on another server, and the
//! live status of passes that are not plainly valid, followed through the status-change feed.

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use surge_app::{ApiKeyRecord, AppError, PassStatus, Store};

/// A key read from the database is kept this long, then read again.
const KEY_KEPT: Duration = Duration::from_secs(300);
/// Kept keys serve only while the revocation feed was read this recently: when the database stops answering the
/// feed, every request asks the database again rather than trust a key that may have been revoked meanwhile.
const KEY_FEED_FRESH: Duration = Duration::from_secs(3);
/// At most this many keys are kept.
const KEYS_KEPT: usize = 10_000;

/// A status list as signed: its sequence, length, signing key and bytes.
type Published = (i64, u64, surge_pass::Kid, std::sync::Arc<Vec<u8>>);

/// API keys by hash, and how far the revocation feed has been read.
#[derive(Debug, Default)]
struct Keys {
    by_hash: HashMap<[u8; 32], (ApiKeyRecord, Instant)>,
    /// The last revocation applied; -1 before the feed was first read.
    seq: i64,
    /// Counts every change that may drop a key (revocations from the feed, or made here), so that a key read from
    /// the database across one is not kept.
    generation: u64,
    /// When the feed was last read to its end.
    read_at: Option<Instant>,
}

#[derive(Debug, Default)]
pub struct Caches {
    keys: RwLock<Keys>,
    refreshing_keys: tokio::sync::Mutex<()>,
    /// Passes that are suspended or revoked; any other pass signed by the authority is valid.
    statuses: RwLock<HashMap<u64, (PassStatus, Option<String>)>>,
    /// The last status change applied; -1 before the first load.
    status_seq: AtomicI64,
    refreshing: tokio::sync::Mutex<()>,
    /// The last signed status list: the change sequence and length it was built for, and its bytes.
    published: std::sync::Mutex<Option<Published>>,
}

impl Caches {
    pub fn new() -> Self {
        Self {
            status_seq: AtomicI64::new(-1),
            keys: RwLock::new(Keys { seq: -1, ..Keys::default() }),
            ..Self::default()
        }
    }

    /// The key with this hash if it is kept and the revocation feed is current; `None` sends the caller to the
    /// database.
    pub fn key(&self, hash: &[u8; 32]) -> Option<ApiKeyRecord> {
        let keys = self.keys.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        if keys.read_at.is_none_or(|at| at.elapsed() >= KEY_FEED_FRESH) {
            return None;
        }
        keys.by_hash.get(hash).filter(|(_, at)| at.elapsed() < KEY_KEPT).map(|(record, _)| record.clone())
    }

    /// Which revocations have been applied: read before looking a key up in the database, and given back to
    /// `remember_key`. `None` before the feed was first read.
    pub fn key_feed_position(&self) -> Option<u64> {
        let keys = self.keys.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        (keys.seq >= 0).then_some(keys.generation)
    }

    /// Keeps a key read from the database, unless a revocation was applied since `position` was read: it may be
    /// this key's, committed after the read, and keeping the key would undo its revocation here.
    pub fn remember_key(&self, hash: [u8; 32], record: ApiKeyRecord, position: Option<u64>) {
        let mut keys = self.keys.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if position != Some(keys.generation) || keys.seq < 0 {
            return;
        }
        if keys.by_hash.len() >= KEYS_KEPT {
            keys.by_hash.retain(|_, (_, at)| at.elapsed() < KEY_KEPT);
            if keys.by_hash.len() >= KEYS_KEPT {
                keys.by_hash.clear();
            }
        }
        keys.by_hash.insert(hash, (record, Instant::now()));
    }

    /// Drops a key revoked on this server, before the feed brings the revocation.
    pub fn forget_key(&self, id: i64) {
        let mut keys = self.keys.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        keys.by_hash.retain(|_, (record, _)| record.id != id);
        keys.generation += 1;
    }

    /// Applies key revocations made since the last refresh (by any server) and marks the feed current.
    pub async fn refresh_keys<S: Store>(&self, store: &S) -> Result<(), AppError> {
        let Ok(_one_at_a_time) = self.refreshing_keys.try_lock() else { return Ok(()) };
        loop {
            let since = self.keys.read().unwrap_or_else(std::sync::PoisonError::into_inner).seq.max(0);
            let revoked = surge_app::access::api_key_revocations(store, since).await?;
            let mut keys = self.keys.write().unwrap_or_else(std::sync::PoisonError::into_inner);
            let Some(last) = revoked.last().map(|(seq, _)| *seq) else {
                keys.seq = keys.seq.max(since);
                keys.read_at = Some(Instant::now());
                return Ok(());
            };
            let ids: std::collections::HashSet<i64> = revoked.iter().map(|(_, id)| *id).collect();
            keys.by_hash.retain(|_, (record, _)| !ids.contains(&record.id));
            keys.seq = last;
            keys.generation += 1;
        }
    }

    /// The live status of the pass at `index`, loading the feed first if it never was.
    pub async fn status<S: Store>(&self, store: &S, index: u64) -> Result<(PassStatus, Option<String>), AppError> {
        if self.status_seq.load(Ordering::Acquire) < 0 {
            self.refresh_statuses(store).await?;
        }
        let statuses = self.statuses.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(statuses.get(&index).cloned().unwrap_or((PassStatus::Valid, None)))
    }

    /// Applies status changes made since the last refresh (by any server). Cheap when there are none.
    pub async fn refresh_statuses<S: Store>(&self, store: &S) -> Result<(), AppError> {
        let Ok(_one_at_a_time) = self.refreshing.try_lock() else { return Ok(()) };
        loop {
            let since = self.status_seq.load(Ordering::Acquire).max(0);
            let (changes, _) =
                surge_app::passes::status_feed(store, Some(since), Some(surge_app::passes::MAX_FEED_PAGE)).await?;
            let Some(last) = changes.last().map(|c| c.seq) else {
                self.status_seq.fetch_max(since, Ordering::AcqRel);
                return Ok(());
            };
            {
                let mut statuses = self.statuses.write().unwrap_or_else(std::sync::PoisonError::into_inner);
                for change in &changes {
                    match change.status {
                        PassStatus::Valid => statuses.remove(&change.status_index),
                        status => statuses.insert(change.status_index, (status, None)),
                    };
                }
            }
            self.status_seq.store(last, Ordering::Release);
        }
    }

    /// Passes that are suspended or revoked, by status index.
    pub fn not_valid(&self) -> Vec<(u64, PassStatus)> {
        let statuses = self.statuses.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut list: Vec<_> = statuses.iter().map(|(index, (status, _))| (*index, *status)).collect();
        list.sort_unstable_by_key(|(index, _)| *index);
        list
    }

    /// Records a change this server just made, with its reason, without waiting for the next refresh.
    pub fn set_status(&self, index: u64, status: PassStatus, reason: Option<String>) {
        let mut statuses = self.statuses.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        match status {
            PassStatus::Valid => statuses.remove(&index),
            status => statuses.insert(index, (status, reason)),
        };
    }
}

/// The key and issuer that sign status lists (the authority's pass key).
#[derive(Debug)]
pub struct StatusSigner {
    /// The pass key's slot: status lists are signed by whichever key signs passes now.
    pub key: surge_app::keys::SigningSlot,
    pub issuer: String,
}

/// Status-list chunks hold this many passes: 16 KiB each at two bits a pass.
pub const STATUS_CHUNK: u32 = 65_536;

impl Caches {
    /// The signed status list as of now, rebuilt only when a status changed or the list must grow a chunk.
    pub async fn status_list<S: Store>(
        &self,
        store: &S,
        signer: &StatusSigner,
        now: time::OffsetDateTime,
    ) -> Result<std::sync::Arc<Vec<u8>>, String> {
        self.refresh_statuses(store).await.map_err(|e| e.to_string())?;
        let len = surge_app::passes::status_list_len(store).await.map_err(|e| e.to_string())?;
        let len = len.div_ceil(u64::from(STATUS_CHUNK)).max(1) * u64::from(STATUS_CHUNK);
        let seq = self.status_seq.load(Ordering::Acquire).max(0);
        {
            let published = self.published.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some((s, l, kid, bytes)) = published.as_ref() {
                // Signed again after the keys rotate: the old key may have been withdrawn.
                if *s == seq && *l == len && *kid == signer.key.key().kid() {
                    return Ok(bytes.clone());
                }
            }
        }
        let mut list = surge_pass::StatusListBuilder::new(2, STATUS_CHUNK, len).map_err(|e| e.to_string())?;
        {
            let statuses = self.statuses.read().unwrap_or_else(std::sync::PoisonError::into_inner);
            for (index, (status, _)) in statuses.iter() {
                if *index < len {
                    list.set(*index, status.list_value()).map_err(|e| e.to_string())?;
                }
            }
        }
        list.set_sequence(seq as u64);
        let key = signer.key.key();
        let file = list.publish(&key, &signer.issuer, now, None).map_err(|e| e.to_string())?;
        let bytes = std::sync::Arc::new(file.to_bytes().map_err(|e| e.to_string())?);
        *self.published.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((seq, len, key.kid(), bytes.clone()));
        Ok(bytes)
    }
}
