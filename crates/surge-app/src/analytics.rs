//! The live analytics over the event log. Each logged row becomes a `surge_stream::Event` (its zone code a small
//! number, its subject the number the rules key on: a pass's status index as it is, a result's key by a stable
//! 64-bit hash, so a stored engine state means the same after a restart or upgrade). A `Consumer` reads the log in
//! batches, counts them, and stores each batch's results with its new place in one transaction, and its engine's
//! state now and then; restarted, it restores that state and reads on from the state's place, and whatever it
//! stores again is the same rows. So a restart neither loses nor double-counts a window.

use surge_stream::{
    Event, EventId, EventKind, Key, Measure, Rule, RulesSnapshot, ScanOutcome, Scope, SmsState, Snapshot, Subject,
    WindowCount, Zone, Zones,
};

use surge_stream::{Engine, Live, Output, Settings};
use time::OffsetDateTime;

use crate::{
    AppError, Checkpoints, EventLog, EventPosition, LateRow, LoggedEvent, Outbox, OutboxMessage, StreamAlert,
    StreamSave, WindowRow,
};

/// FNV-1a, 64 bits: stable across builds and platforms, unlike the standard library's hasher.
pub fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

/// The event a logged row records; `None` for a kind the analytics do not know (a newer server's), which is
/// skipped rather than stopping the stream.
pub fn to_event(row: &LoggedEvent, zones: &mut Zones) -> Option<Event> {
    let number = || row.subject.parse::<u64>().ok();
    let hashed = || stable_hash(&row.subject);
    let scan =
        |outcome| Some(EventKind::Scan { checkpoint: row.checkpoint_id.unwrap_or_default(), pass: number(), outcome });
    let kind = match row.kind.as_str() {
        "scan.valid" => scan(ScanOutcome::Valid)?,
        "scan.invalid" => scan(ScanOutcome::Invalid)?,
        "scan.expired" => scan(ScanOutcome::Expired)?,
        "scan.revoked" => scan(ScanOutcome::Revoked)?,
        "application.submitted" => EventKind::ApplicationSubmitted,
        "application.approved" => EventKind::ApplicationDecided { approved: true },
        "application.refused" => EventKind::ApplicationDecided { approved: false },
        "pass.issued" => EventKind::PassIssued { pass: number()? },
        "pass.revoked" => EventKind::PassRevoked { pass: number()? },
        "result.received" => EventKind::ResultReceived { result: hashed(), auto_text: row.auto_text.unwrap_or(false) },
        "result.texted" => EventKind::ResultTexted { result: hashed() },
        "result.queued" => EventKind::ResultQueued { result: hashed() },
        "sms.sent" => EventKind::Sms { message: number()?, state: SmsState::Sent },
        "sms.delivered" => EventKind::Sms { message: number()?, state: SmsState::Delivered },
        "sms.failed" => EventKind::Sms { message: number()?, state: SmsState::Failed },
        _ => return None,
    };
    Some(Event { id: EventId(row.position.id.max(0) as u64), at: row.at_ms, zone: zones.of(&row.zone), kind })
}

/// A counter's scope as stored: `zone:KR-26` or `checkpoint:3`.
pub fn scope_text(scope: Scope, zones: &Zones) -> String {
    match scope {
        Scope::Zone(zone) => format!("zone:{}", zones.code(zone).unwrap_or("")),
        Scope::Checkpoint(id) => format!("checkpoint:{id}"),
    }
}

/// An alert's subject as stored and shown: `pass:42`, `checkpoint:3`, `zone:KR-26`.
pub fn subject_text(subject: Subject, zones: &Zones) -> String {
    match subject {
        Subject::Pass(index) => format!("pass:{index}"),
        Subject::Checkpoint(id) => scope_text(Scope::Checkpoint(id), zones),
        Subject::Zone(zone) => scope_text(Scope::Zone(zone), zones),
    }
}

/// The first line of a stored engine state; a state of another layout is not read.
const STATE_FORMAT: &str = "surge-stream-state 1";

/// An engine's snapshot with the zone numbering it uses, as bytes to store: one record a line, numbers in text.
pub fn encode_state(zones: &Zones, snapshot: &Snapshot) -> Vec<u8> {
    use std::fmt::Write as _;
    let mut out = String::new();
    let key = |k: &Key| {
        let scope = match k.scope {
            Scope::Zone(z) => format!("z{}", z.0),
            Scope::Checkpoint(c) => format!("c{c}"),
        };
        format!("{scope} {}", k.measure.code())
    };
    let subject = |s: &Subject| match s {
        Subject::Pass(p) => format!("p{p}"),
        Subject::Checkpoint(c) => format!("c{c}"),
        Subject::Zone(z) => format!("z{}", z.0),
    };
    let optional = |v: Option<i64>| v.map_or("-".to_owned(), |v| v.to_string());
    let _ = writeln!(out, "{STATE_FORMAT}");
    for code in zones.codes() {
        // Zone codes are written last on their line, so any text but a line break is kept.
        let _ = writeln!(out, "zone {}", code.replace('\n', " "));
    }
    let _ = writeln!(out, "max_seen {}", optional(snapshot.max_seen));
    let _ = writeln!(out, "closed_before {}", optional(snapshot.closed_before));
    for (tag, counts) in [("open", &snapshot.open), ("history", &snapshot.history)] {
        for c in counts {
            let _ = writeln!(out, "{tag} {} {} {}", c.minute, c.count, key(&c.key));
        }
    }
    for (minute, id) in &snapshot.seen {
        let _ = writeln!(out, "seen {minute} {}", id.0);
    }
    let r = &snapshot.rules;
    for (pass, checkpoint, at) in &r.last_scan {
        let _ = writeln!(out, "last_scan {pass} {checkpoint} {at}");
    }
    for (result, zone, at) in &r.waiting {
        let _ = writeln!(out, "waiting {result} {} {at}", zone.0);
    }
    for (result, at) in &r.texted_early {
        let _ = writeln!(out, "texted_early {result} {at}");
    }
    for (rule, s, at) in &r.last_alert {
        let _ = writeln!(out, "last_alert {} {} {at}", rule.code(), subject(s));
    }
    // A state cut short (a failed write) lacks this line and is not read.
    out.push_str("end\n");
    out.into_bytes()
}

/// The inverse of `encode_state`; `None` for bytes it did not write (another layout, or damaged).
pub fn decode_state(bytes: &[u8]) -> Option<(Zones, Snapshot)> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut lines = text.lines();
    if lines.next()? != STATE_FORMAT {
        return None;
    }
    let mut codes = Vec::new();
    let mut snapshot = Snapshot::default();
    let mut rules = RulesSnapshot::default();
    let number = |t: Option<&str>| t?.parse::<i64>().ok();
    let unsigned = |t: Option<&str>| t?.parse::<u64>().ok();
    let optional = |t: Option<&str>| match t? {
        "-" => Some(None),
        v => v.parse::<i64>().ok().map(Some),
    };
    let zone = |t: &str| t.parse::<u32>().ok().map(Zone);
    let key = |scope: Option<&str>, measure: Option<&str>| {
        let scope = scope?;
        let scope = match scope.split_at_checked(1)? {
            ("z", n) => Scope::Zone(zone(n)?),
            ("c", n) => Scope::Checkpoint(n.parse().ok()?),
            _ => return None,
        };
        Some(Key { scope, measure: Measure::parse(measure?)? })
    };
    let mut ended = false;
    for line in lines {
        if ended {
            return None;
        }
        if line == "end" {
            ended = true;
            continue;
        }
        let (tag, rest) = line.split_once(' ')?;
        if tag == "zone" {
            codes.push(rest.to_owned());
            continue;
        }
        let mut f = rest.split(' ');
        match tag {
            "max_seen" => snapshot.max_seen = optional(f.next())?,
            "closed_before" => snapshot.closed_before = optional(f.next())?,
            "open" | "history" => {
                let (minute, count) = (number(f.next())?, unsigned(f.next())?);
                let c = WindowCount { minute, count, key: key(f.next(), f.next())? };
                if tag == "open" { snapshot.open.push(c) } else { snapshot.history.push(c) }
            }
            "seen" => snapshot.seen.push((number(f.next())?, EventId(unsigned(f.next())?))),
            "last_scan" => rules.last_scan.push((unsigned(f.next())?, number(f.next())?, number(f.next())?)),
            "waiting" => rules.waiting.push((unsigned(f.next())?, zone(f.next()?)?, number(f.next())?)),
            "texted_early" => rules.texted_early.push((unsigned(f.next())?, number(f.next())?)),
            "last_alert" => {
                let rule = Rule::parse(f.next()?)?;
                let subject = match f.next()?.split_at_checked(1)? {
                    ("p", n) => Subject::Pass(n.parse().ok()?),
                    ("c", n) => Subject::Checkpoint(n.parse().ok()?),
                    ("z", n) => Subject::Zone(zone(n)?),
                    _ => return None,
                };
                rules.last_alert.push((rule, subject, number(f.next())?));
            }
            _ => return None,
        }
    }
    snapshot.rules = rules;
    ended.then(|| (Zones::from_codes(codes), snapshot))
}

/// Kind of the text that tells the duty official of an alert.
pub const ALERT_SMS: &str = "stream_alert";

/// The text telling the duty official of an alert: one per rule, subject and time, whoever raises it.
pub fn alert_text(alert: &StreamAlert, to: &str) -> OutboxMessage {
    let what = match Rule::parse(&alert.rule) {
        Some(Rule::ClonedPass) => "possible copied pass",
        Some(Rule::InvalidScans) => "many scans not valid",
        Some(Rule::ResultsWaiting) => "results waiting to be texted",
        Some(Rule::SmsFailures) => "texts failing",
        None => alert.rule.as_str(),
    };
    // Two SMS parts at most.
    let detail: String = alert.detail.chars().take(200).collect();
    OutboxMessage {
        idempotency_key: format!("{ALERT_SMS}:{}:{}:{}", alert.rule, alert.subject, alert.at_ms),
        kind: ALERT_SMS.into(),
        recipient: to.into(),
        body: format!("Surge alert: {what}, {}. {detail} See /live.", alert.subject),
    }
}

/// How a consumer reads and keeps its state.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsumerSettings {
    /// Events read and stored at once.
    pub batch: u32,
    /// Batches between stored engine states: fewer means less to replay after a restart, more means less written.
    pub state_every: u32,
    /// A stream quiet for this long has its watermark moved by the clock, so its minutes close and the rules that
    /// wait for time (results left waiting) still run.
    pub idle_after_ms: i64,
    pub engine: Settings,
    /// The duty official's phone (E.164), texted each alert once; `None` texts nobody.
    pub alert_sms_to: Option<String>,
}

impl Default for ConsumerSettings {
    fn default() -> Self {
        Self { batch: 1000, state_every: 20, idle_after_ms: 10_000, engine: Settings::default(), alert_sms_to: None }
    }
}

/// One consumer of the event log, by name; its place, results and state are in the store.
#[derive(Debug)]
pub struct Consumer {
    name: String,
    settings: ConsumerSettings,
    engine: Engine,
    zones: Zones,
    position: EventPosition,
    batches_since_state: u32,
    /// When the last batch with events was read (the consumer's clock), for idle ticks.
    last_event_read: Option<i64>,
    /// For a replay: the first minute it stores. Earlier minutes would be counted from part of their events.
    first_minute: Option<i64>,
    checkpoint_zones: std::collections::HashMap<i64, String>,
}

/// What one `run_once` did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Batch {
    /// Events read from the log.
    pub read: usize,
    /// Minutes closed, late events and alerts stored.
    pub closed: usize,
    pub late: usize,
    pub alerts: usize,
}

impl Consumer {
    /// The consumer `name` as the store left it: its engine as the last stored state left it, reading on from
    /// that state's place (results it then stores again are the rows already there).
    pub async fn start<S: EventLog>(store: &S, name: &str, settings: ConsumerSettings) -> Result<Self, AppError> {
        let place = store.stream_place(name).await.map_err(AppError::Store)?;
        let restored = place.and_then(|p| p.state).and_then(|(at, bytes)| Some((at, decode_state(&bytes)?)));
        let (position, engine, zones) = match restored {
            Some((at, (zones, snapshot))) => (at, Engine::restore(settings.engine.clone(), &snapshot), zones),
            None => (EventPosition::default(), Engine::new(settings.engine.clone()), Zones::default()),
        };
        tracing::info!(consumer = name, tx = position.tx, id = position.id, "stream consumer starts");
        Ok(Self {
            name: name.to_owned(),
            settings,
            engine,
            zones,
            position,
            // The first batch stores a state, so a restart soon after has little to replay.
            batches_since_state: u32::MAX,
            last_event_read: None,
            first_minute: None,
            checkpoint_zones: Default::default(),
        })
    }

    /// A consumer that counts the log again with a fresh engine from `from`, storing the minutes from
    /// `first_minute` (Unix minutes) on, whose stored counts its own replace, and the late events and alerts of
    /// those minutes. `name` should not be a running consumer's: the replay stores its own place and state.
    pub fn replay(name: &str, settings: ConsumerSettings, from: EventPosition, first_minute: i64) -> Self {
        tracing::info!(consumer = name, tx = from.tx, id = from.id, first_minute, "stream replay starts");
        Self {
            name: name.to_owned(),
            engine: Engine::new(settings.engine.clone()),
            settings,
            zones: Zones::default(),
            position: from,
            batches_since_state: u32::MAX,
            last_event_read: None,
            first_minute: Some(first_minute),
            checkpoint_zones: Default::default(),
        }
    }

    /// Reads the next batch of events after the consumer's place, counts them, and stores the results with the
    /// new place in one transaction. `now` is the consumer's clock, used only when the stream has been quiet.
    pub async fn run_once<S: Checkpoints + EventLog + Outbox>(
        &mut self,
        store: &S,
        now: OffsetDateTime,
    ) -> Result<Batch, AppError> {
        let rows = store.events_after(self.position, self.settings.batch).await.map_err(AppError::Store)?;
        let place = rows.last().map(|row| row.position);
        self.count(store, &rows, place, now).await
    }

    /// Counts events read elsewhere (from a NATS stream) and stores the results with `place`, the place in that
    /// source just after them, in one transaction; `None` when nothing was read. Events the consumer has counted
    /// before are known by their ids.
    pub async fn count<S: Checkpoints + EventLog + Outbox>(
        &mut self,
        store: &S,
        rows: &[LoggedEvent],
        place: Option<EventPosition>,
        now: OffsetDateTime,
    ) -> Result<Batch, AppError> {
        // A checkpoint added since the positions were read is looked up before its scans are counted, so the
        // cloned-pass rule knows where it is.
        let known = &self.engine.settings().checkpoints;
        if rows.iter().any(|r| r.checkpoint_id.is_some_and(|id| !known.contains_key(&id))) {
            let checkpoints = store.checkpoints().await.map_err(AppError::Store)?;
            self.set_checkpoints(&checkpoints);
        }
        let now_ms = (now.unix_timestamp_nanos() / 1_000_000) as i64;
        let mut out = Output::default();
        for row in rows {
            if let Some(event) = to_event(row, &mut self.zones) {
                self.engine.push(&event, &mut out);
            }
        }
        if let Some(place) = place {
            self.position = place;
            self.last_event_read = Some(now_ms);
        }
        // A quiet stream's watermark follows the clock. The state is then stored with this batch, so that a replay
        // (which has no clock to follow) never has to cross a tick.
        let mut ticked = false;
        if rows.is_empty() && self.last_event_read.is_none_or(|at| now_ms - at >= self.settings.idle_after_ms) {
            let before = out.closed.len() + out.alerts.len();
            self.engine.idle(now_ms, &mut out);
            ticked = out.closed.len() + out.alerts.len() > before;
        }
        if rows.is_empty() && !ticked {
            return Ok(Batch::default());
        }
        if let Some(first) = self.first_minute {
            out.closed.retain(|c| c.minute >= first);
            out.late.retain(|l| l.minute >= first);
            out.alerts.retain(|a| a.at >= first * surge_stream::MINUTE);
        }
        self.batches_since_state = self.batches_since_state.saturating_add(1);
        let state = (ticked || self.batches_since_state >= self.settings.state_every)
            .then(|| (self.position, encode_state(&self.zones, &self.engine.snapshot())));
        let save = StreamSave {
            consumer: self.name.clone(),
            position: self.position,
            windows: out
                .closed
                .iter()
                .map(|c| WindowRow {
                    minute: c.minute,
                    scope: scope_text(c.key.scope, &self.zones),
                    measure: c.key.measure.code(),
                    count: c.count,
                })
                .collect(),
            late: out
                .late
                .iter()
                .map(|l| LateRow {
                    event_id: l.event.0 as i64,
                    minute: l.minute,
                    scope: scope_text(l.key.scope, &self.zones),
                    measure: l.key.measure.code(),
                })
                .collect(),
            alerts: out
                .alerts
                .iter()
                .map(|a| StreamAlert {
                    rule: a.rule.code().to_owned(),
                    subject: subject_text(a.subject, &self.zones),
                    at_ms: a.at,
                    detail: a.detail.clone(),
                })
                .collect(),
            state,
            at: now,
        };
        store.save_stream(&save).await.map_err(AppError::Store)?;
        if save.state.is_some() {
            self.batches_since_state = 0;
        }
        for alert in &save.alerts {
            tracing::warn!(rule = alert.rule, subject = alert.subject, "stream alert");
            // After the alert is stored, so a crash between the two raises it again after the restart; the key
            // makes that the same text.
            if let Some(to) = &self.settings.alert_sms_to {
                store.enqueue(&alert_text(alert, to), now).await.map_err(AppError::Store)?;
            }
        }
        Ok(Batch { read: rows.len(), closed: save.windows.len(), late: save.late.len(), alerts: save.alerts.len() })
    }

    /// The counts as they stand, for the live dashboard, with the zone codes their numbers stand for.
    pub fn live(&self) -> (Live, &Zones) {
        (self.engine.live(), &self.zones)
    }

    pub fn position(&self) -> EventPosition {
        self.position
    }

    /// Takes the checkpoints' current positions, for the cloned-pass rule, and their zones, for showing a
    /// checkpoint's counts in its zone.
    pub fn set_checkpoints(&mut self, checkpoints: &[crate::Checkpoint]) {
        let positions =
            checkpoints.iter().map(|c| (c.id, surge_domain::travel::Position { lat: c.lat, lon: c.lon })).collect();
        self.engine.set_checkpoints(positions);
        self.checkpoint_zones = checkpoints.iter().map(|c| (c.id, c.zone.clone())).collect();
    }

    /// The zone of a checkpoint the consumer knows. A scan's checkpoint is known once it is counted: the consumer
    /// reads the checkpoints again before counting one it does not know.
    pub fn checkpoint_zone(&self, id: i64) -> Option<&str> {
        self.checkpoint_zones.get(&id).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EventPosition;

    fn logged(kind: &str, subject: &str) -> LoggedEvent {
        LoggedEvent {
            position: EventPosition { tx: 0, id: 7 },
            at_ms: 1_000,
            kind: kind.into(),
            zone: "KR-26".into(),
            checkpoint_id: Some(3),
            subject: subject.into(),
            auto_text: Some(true),
        }
    }

    #[test]
    fn an_engines_state_reads_back_as_it_was_written() {
        use surge_stream::{Engine, Output, Settings};
        let mut zones = Zones::default();
        let mut engine = Engine::new(Settings::default());
        let mut out = Output::default();
        for (i, (kind, subject, zone)) in [
            ("scan.valid", "4", "KR-26"),
            ("scan.invalid", "", "KR 11 (old code)"),
            ("result.received", "result:X:1:F", "KR-26"),
            ("sms.failed", "12", ""),
            ("scan.valid", "4", "KR-26"),
        ]
        .into_iter()
        .enumerate()
        {
            let row = LoggedEvent {
                position: EventPosition { tx: 0, id: i as i64 + 1 },
                at_ms: 1_764_000_000_000 + i as i64 * 40_000,
                kind: kind.into(),
                zone: zone.into(),
                checkpoint_id: Some(i as i64 % 2),
                subject: subject.into(),
                auto_text: Some(true),
            };
            engine.push(&to_event(&row, &mut zones).unwrap(), &mut out);
        }
        let snapshot = engine.snapshot();
        assert!(!snapshot.open.is_empty() && !snapshot.history.is_empty() && !snapshot.seen.is_empty());
        assert!(!snapshot.rules.last_scan.is_empty() && !snapshot.rules.waiting.is_empty());
        let bytes = encode_state(&zones, &snapshot);
        let (read_zones, read) = decode_state(&bytes).unwrap();
        assert_eq!((read_zones, read), (zones, snapshot));
        assert_eq!(decode_state(b"surge-stream-state 2\n"), None, "another layout is not read");
        assert_eq!(decode_state(&bytes[..bytes.len() - 3]), None, "nor a cut one");
    }

    #[test]
    fn logged_rows_become_events_and_unknown_kinds_are_skipped() {
        let mut zones = Zones::default();
        let scan = to_event(&logged("scan.expired", "42"), &mut zones).unwrap();
        assert_eq!(scan.kind, EventKind::Scan { checkpoint: 3, pass: Some(42), outcome: ScanOutcome::Expired });
        assert_eq!((scan.id, scan.at, zones.code(scan.zone)), (EventId(7), 1_000, Some("KR-26")));
        // A scan of a code that could not be read names no pass.
        let unread = to_event(&logged("scan.invalid", ""), &mut zones).unwrap();
        assert_eq!(unread.kind, EventKind::Scan { checkpoint: 3, pass: None, outcome: ScanOutcome::Invalid });
        let key = "result:TM1:94500-6:F";
        let received = to_event(&logged("result.received", key), &mut zones).unwrap();
        let texted = to_event(&logged("result.texted", key), &mut zones).unwrap();
        assert_eq!(received.kind, EventKind::ResultReceived { result: stable_hash(key), auto_text: true });
        assert_eq!(texted.kind, EventKind::ResultTexted { result: stable_hash(key) }, "the same result");
        assert_eq!(stable_hash(""), 0xcbf2_9ce4_8422_2325, "FNV-1a's offset basis");
        assert_eq!(stable_hash("a"), 0xaf63_dc4c_8601_ec8c, "FNV-1a of \"a\"");
        assert_eq!(
            to_event(&logged("sms.failed", "9"), &mut zones).unwrap().kind,
            EventKind::Sms { message: 9, state: SmsState::Failed }
        );
        assert_eq!(to_event(&logged("drone.sighted", "1"), &mut zones), None);
        assert_eq!(to_event(&logged("pass.issued", "not a number"), &mut zones), None);
    }
}
