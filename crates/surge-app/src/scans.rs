//! The scan log: every verification at a checkpoint is recorded, and a valid pass seen at two checkpoints too far
//! apart for the time between the scans raises a "possible cloned pass" alert, in the same transaction.

use surge_domain::FieldError;
use surge_domain::travel::{Position, impossible_travel};

use time::{Duration, OffsetDateTime};

use crate::{Alert, AppError, Checkpoint, Checkpoints, NewScan};

/// Road travel faster than this between two scans of one pass is taken as two copies of it.
pub const MAX_TRAVEL_KMH: f64 = 150.0;

/// Records a scan; returns whether it raised an alert.
pub async fn record_scan<S: Checkpoints>(store: &S, scan: &NewScan) -> Result<bool, AppError> {
    Ok(record(store, scan).await?.unwrap_or(false))
}

/// Records a scan; returns whether it raised an alert, or `None` when the same scan (by `client_id`) was
/// recorded before and nothing was done.
pub async fn record<S: Checkpoints>(store: &S, scan: &NewScan) -> Result<Option<bool>, AppError> {
    let mut alert = None;
    if let (true, Some(index), Some(here)) = (scan.valid, scan.status_index, scan.checkpoint_id) {
        if let Some(last) = store.last_scan(index).await? {
            if last.checkpoint_id != here {
                let checkpoints = store.checkpoints().await?;
                let position = |id: i64| {
                    checkpoints
                        .iter()
                        .find(|c| c.id == id)
                        .map(|c| (Position { lat: c.lat, lon: c.lon }, c.name.clone()))
                };
                if let (Some((a, a_name)), Some((b, b_name))) = (position(last.checkpoint_id), position(here)) {
                    let seconds = (scan.at - last.at).whole_seconds();
                    if impossible_travel(a, b, seconds, MAX_TRAVEL_KMH) {
                        let km = surge_domain::travel::distance_km(a, b);
                        alert = Some(format!(
                            "pass {index} scanned at {a_name} and {b_name}, {km:.0} km apart, {seconds} s between"
                        ));
                    }
                }
            }
        }
    }
    let recorded = store.record_scan(scan, alert.as_deref().map(|detail| ("possible_cloned_pass", detail))).await?;
    if recorded.is_none() {
        return Ok(None);
    }
    if alert.is_some() {
        tracing::warn!(status_index = scan.status_index, "possible cloned pass");
    }
    Ok(Some(alert.is_some()))
}

/// Registers a checkpoint where officers verify passes, with its position for the cloned-pass check. Every problem
/// with the form is named by its field, and nothing is stored until all are right.
pub async fn register_checkpoint<S: Checkpoints>(
    store: &S,
    name: &str,
    zone: &str,
    lat: f64,
    lon: f64,
    now: OffsetDateTime,
) -> Result<i64, AppError> {
    let mut problems = Vec::new();
    if name.trim().is_empty() || name.len() > 100 {
        problems.push(FieldError::new("name", "required", "Give the checkpoint a name of up to 100 characters"));
    }
    if !(-90.0..=90.0).contains(&lat) {
        problems.push(FieldError::new("lat", "lat_invalid", "Latitude is between -90 and 90"));
    }
    if !(-180.0..=180.0).contains(&lon) {
        problems.push(FieldError::new("lon", "lon_invalid", "Longitude is between -180 and 180"));
    }
    if !problems.is_empty() {
        return Err(AppError::InvalidForm(problems));
    }
    let zone = zone.trim().to_ascii_uppercase();
    Ok(store.insert_checkpoint(name.trim(), &zone, lat, lon, now).await?)
}

/// A registered checkpoint: where a check is made, and so the zone it is made for. An unknown id is the caller's
/// mistake (422 `checkpoint_unknown` on `checkpoint_id`), never a storage failure.
pub async fn checkpoint<S: Checkpoints>(store: &S, id: i64) -> Result<Checkpoint, AppError> {
    store.checkpoints().await?.into_iter().find(|c| c.id == id).ok_or_else(|| AppError::Unprocessable {
        code: "checkpoint_unknown",
        field: Some("checkpoint_id"),
        message: format!("no checkpoint has the id {id}"),
    })
}

/// The checkpoints, for officers to choose theirs and for the map.
pub async fn checkpoints<S: Checkpoints>(store: &S) -> Result<Vec<Checkpoint>, AppError> {
    Ok(store.checkpoints().await?)
}

/// The newest alerts (possible cloned passes), at most `limit`.
pub async fn alerts<S: Checkpoints>(store: &S, limit: u32) -> Result<Vec<Alert>, AppError> {
    Ok(store.alerts(limit).await?)
}

/// The most scans one offline upload may carry.
pub const MAX_UPLOAD_SCANS: usize = 1000;

/// One check a checkpoint made without a network, as its page queued it.
#[derive(Debug, Clone)]
pub struct OfflineScan {
    /// The page's own id for the scan: the same scan uploaded twice is recorded once.
    pub id: Option<String>,
    pub checkpoint_id: Option<i64>,
    pub status_index: Option<u64>,
    pub valid: bool,
    pub reason: Option<String>,
    /// When the officer checked the pass, as sent (RFC 3339).
    pub at: String,
}

/// What an offline upload did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadOutcome {
    pub received: usize,
    /// Scans not seen before (a retried upload records nothing twice).
    pub recorded: usize,
    pub alerts: usize,
}

/// Records the scans a checkpoint made offline, with their own times and in their order, through the same
/// cloned-pass check as live scans. Every scan is checked before any is recorded, and a bad one is named by its
/// position.
pub async fn record_offline<S: Checkpoints>(
    store: &S,
    actor: &str,
    upload: &[OfflineScan],
    now: OffsetDateTime,
) -> Result<UploadOutcome, AppError> {
    if upload.len() > MAX_UPLOAD_SCANS {
        return Err(AppError::BadRequest(format!("at most {MAX_UPLOAD_SCANS} scans per upload")));
    }
    let known: Vec<i64> = store.checkpoints().await?.iter().map(|c| c.id).collect();
    let mut scans = Vec::with_capacity(upload.len());
    for (i, scan) in upload.iter().enumerate() {
        let invalid = |what: String| AppError::Unprocessable {
            code: "scan_invalid",
            field: None,
            message: format!("scans[{i}]: {what}"),
        };
        let at = OffsetDateTime::parse(&scan.at, &time::format_description::well_known::Rfc3339)
            .map_err(|_| invalid(format!("at {:?} is not an RFC 3339 time", scan.at)))?;
        // Offline checks are days old at most; anything else is a wrong clock or a forged upload.
        if at > now + Duration::minutes(5) || at < now - Duration::days(7) {
            return Err(invalid("at must be within the last 7 days".into()));
        }
        if let Some(id) = scan.checkpoint_id.filter(|id| !known.contains(id)) {
            return Err(invalid(format!("checkpoint_id {id} is not a checkpoint")));
        }
        if scan.reason.as_ref().is_some_and(|r| r.len() > 64) {
            return Err(invalid("reason is a reason code of at most 64 characters".into()));
        }
        scans.push(NewScan {
            checkpoint_id: scan.checkpoint_id,
            actor: actor.to_owned(),
            status_index: scan.status_index,
            valid: scan.valid,
            reason: scan.reason.clone(),
            at: at.replace_nanosecond(0).unwrap_or(at),
            // Per caller, so one officer's ids never collide with another's.
            client_id: scan.id.as_ref().filter(|id| !id.is_empty() && id.len() <= 64).map(|id| format!("{actor}:{id}")),
        });
    }
    scans.sort_by_key(|s| s.at);
    let mut outcome = UploadOutcome { received: scans.len(), recorded: 0, alerts: 0 };
    for scan in &scans {
        // `None`: sent before (the page retried after a lost answer), so not recorded again.
        if let Some(alert) = record(store, scan).await? {
            outcome.recorded += 1;
            outcome.alerts += usize::from(alert);
        }
    }
    Ok(outcome)
}
