//! An event as published to the stream: a small JSON object, so other tools reading the stream can use it too.

use serde::{Deserialize, Serialize};
use surge_app::{EventPosition, LoggedEvent};

#[derive(Serialize, Deserialize)]
struct Wire<'a> {
    tx: i64,
    id: i64,
    at_ms: i64,
    kind: &'a str,
    #[serde(default, skip_serializing_if = "str::is_empty")]
    zone: &'a str,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    checkpoint: Option<i64>,
    #[serde(default, skip_serializing_if = "str::is_empty")]
    subject: &'a str,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    auto_text: Option<bool>,
}

pub fn encode(row: &LoggedEvent) -> Vec<u8> {
    let wire = Wire {
        tx: row.position.tx,
        id: row.position.id,
        at_ms: row.at_ms,
        kind: &row.kind,
        zone: &row.zone,
        checkpoint: row.checkpoint_id,
        subject: &row.subject,
        auto_text: row.auto_text,
    };
    // Serialising a struct of numbers and strings to a vector cannot fail.
    serde_json::to_vec(&wire).unwrap_or_default()
}

/// The event a message carries; `None` for one that is not an event of this layout.
pub fn decode(bytes: &[u8]) -> Option<LoggedEvent> {
    // Owned strings: a zone or subject with an escaped character cannot be borrowed.
    #[derive(Deserialize)]
    struct Owned {
        tx: i64,
        id: i64,
        at_ms: i64,
        kind: String,
        #[serde(default)]
        zone: String,
        #[serde(default)]
        checkpoint: Option<i64>,
        #[serde(default)]
        subject: String,
        #[serde(default)]
        auto_text: Option<bool>,
    }
    let w: Owned = serde_json::from_slice(bytes).ok()?;
    Some(LoggedEvent {
        position: EventPosition { tx: w.tx, id: w.id },
        at_ms: w.at_ms,
        kind: w.kind,
        zone: w.zone,
        checkpoint_id: w.checkpoint,
        subject: w.subject,
        auto_text: w.auto_text,
    })
}
