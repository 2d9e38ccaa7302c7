//! The scan log: every verification at a checkpoint is recorded, and a valid pass seen at two checkpoints too far
//! apart for the time between the scans raises a "possible cloned pass" alert, in the same transaction.

use surge_domain::FieldError;
use surge_domain::travel::{Position, impossible_travel};

use crate::{AppError, Checkpoints, NewScan};

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
    now: time::OffsetDateTime,
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
