//! Live analytics over the platform's events (scans, applications and decisions, passes, lab results, texts):
//! event-time windows with a watermark, late and repeated events handled in the open, and rules that raise alerts
//! for officials. No IO: events come in, counts and alerts come out, and the whole state can be stored and restored
//! with the consumer's position. Transport (the outbox log, NATS JetStream) and storage live elsewhere.

mod engine;
mod event;
mod rules;

#[cfg(test)]
mod tests;

pub use engine::{Engine, Late, Live, MINUTE, Output, Settings, Snapshot, WindowCount};
pub use event::{Event, EventId, EventKind, Key, Measure, Millis, ScanOutcome, Scope, SmsState, Zone, Zones};
pub use rules::{Alert, Rule, RulesSnapshot, Subject};
