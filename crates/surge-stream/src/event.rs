//! The platform's events as the analytics read them: what happened, when (event time, Unix milliseconds), where
//! (zone, checkpoint) and its id, by which a repeated delivery is known. Compact and free of text, so millions a
//! second can pass through the windows.

/// An event's id, unique across the platform (the outbox log's sequence): a delivery seen twice is counted once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId(pub u64);

/// A zone, as a small number the consumer gives each zone code it meets (`Zones`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Zone(pub u32);

/// Event time: Unix milliseconds, when the thing happened (not when the event arrived).
pub type Millis = i64;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    pub id: EventId,
    pub at: Millis,
    pub zone: Zone,
    pub kind: EventKind,
}

/// What a checkpoint's verification of a pass said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ScanOutcome {
    Valid,
    /// Not a pass Surge signed, or altered: a forgery or a damaged code.
    Invalid,
    Expired,
    Revoked,
}

impl ScanOutcome {
    pub const ALL: [Self; 4] = [Self::Valid, Self::Invalid, Self::Expired, Self::Revoked];

    pub fn code(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Invalid => "invalid",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
        }
    }
}

/// Where a text message stands with the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SmsState {
    /// Taken by the gateway.
    Sent,
    Delivered,
    /// Refused, undeliverable or expired.
    Failed,
}

impl SmsState {
    pub const ALL: [Self; 3] = [Self::Sent, Self::Delivered, Self::Failed];

    pub fn code(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EventKind {
    /// A pass checked at a checkpoint (`pass`: the pass's status index, when the code could be read).
    Scan {
        checkpoint: i64,
        pass: Option<u64>,
        outcome: ScanOutcome,
    },
    ApplicationSubmitted,
    ApplicationDecided {
        approved: bool,
    },
    PassIssued {
        pass: u64,
    },
    PassRevoked {
        pass: u64,
    },
    /// A lab result arrived; `auto_text` when it is final and not detected, the only kind texted automatically.
    ResultReceived {
        result: u64,
        auto_text: bool,
    },
    /// A result's text reached the gateway.
    ResultTexted {
        result: u64,
    },
    /// A result went to clinicians to phone.
    ResultQueued {
        result: u64,
    },
    Sms {
        message: u64,
        state: SmsState,
    },
}

/// What is counted: each event counts once under its zone and, for scans, once more under its checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Measure {
    Scan(ScanOutcome),
    ApplicationSubmitted,
    ApplicationApproved,
    ApplicationRefused,
    PassIssued,
    PassRevoked,
    ResultReceived,
    ResultTexted,
    ResultQueued,
    Sms(SmsState),
}

impl Measure {
    /// A stable name for storage and pages: `scan.invalid`, `sms.failed`, `result.texted`.
    pub fn code(self) -> String {
        match self {
            Self::Scan(o) => format!("scan.{}", o.code()),
            Self::ApplicationSubmitted => "application.submitted".into(),
            Self::ApplicationApproved => "application.approved".into(),
            Self::ApplicationRefused => "application.refused".into(),
            Self::PassIssued => "pass.issued".into(),
            Self::PassRevoked => "pass.revoked".into(),
            Self::ResultReceived => "result.received".into(),
            Self::ResultTexted => "result.texted".into(),
            Self::ResultQueued => "result.queued".into(),
            Self::Sms(s) => format!("sms.{}", s.code()),
        }
    }

    /// The inverse of `code`.
    pub fn parse(code: &str) -> Option<Self> {
        let simple = [
            Self::ApplicationSubmitted,
            Self::ApplicationApproved,
            Self::ApplicationRefused,
            Self::PassIssued,
            Self::PassRevoked,
            Self::ResultReceived,
            Self::ResultTexted,
            Self::ResultQueued,
        ];
        let all = simple.into_iter().chain(ScanOutcome::ALL.map(Self::Scan)).chain(SmsState::ALL.map(Self::Sms));
        all.into_iter().find(|m| m.code() == code)
    }
}

impl EventKind {
    pub fn measure(&self) -> Measure {
        match *self {
            Self::Scan { outcome, .. } => Measure::Scan(outcome),
            Self::ApplicationSubmitted => Measure::ApplicationSubmitted,
            Self::ApplicationDecided { approved: true } => Measure::ApplicationApproved,
            Self::ApplicationDecided { approved: false } => Measure::ApplicationRefused,
            Self::PassIssued { .. } => Measure::PassIssued,
            Self::PassRevoked { .. } => Measure::PassRevoked,
            Self::ResultReceived { .. } => Measure::ResultReceived,
            Self::ResultTexted { .. } => Measure::ResultTexted,
            Self::ResultQueued { .. } => Measure::ResultQueued,
            Self::Sms { state, .. } => Measure::Sms(state),
        }
    }
}

/// Where a count is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    Zone(Zone),
    Checkpoint(i64),
}

/// One counter: a scope and a measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub scope: Scope,
    pub measure: Measure,
}

impl Event {
    /// The counters the event adds one to.
    pub fn keys(&self) -> impl Iterator<Item = Key> {
        let measure = self.kind.measure();
        let checkpoint = match self.kind {
            EventKind::Scan { checkpoint, .. } => Some(Key { scope: Scope::Checkpoint(checkpoint), measure }),
            _ => None,
        };
        std::iter::once(Key { scope: Scope::Zone(self.zone), measure }).chain(checkpoint)
    }
}

/// Zone codes (`KR-26`) as the small numbers events carry, given in the order first met.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Zones {
    codes: Vec<String>,
    index: std::collections::HashMap<String, Zone>,
}

impl Zones {
    pub fn of(&mut self, code: &str) -> Zone {
        if let Some(zone) = self.index.get(code) {
            return *zone;
        }
        let zone = Zone(self.codes.len() as u32);
        self.codes.push(code.to_owned());
        self.index.insert(code.to_owned(), zone);
        zone
    }

    pub fn code(&self, zone: Zone) -> Option<&str> {
        self.codes.get(zone.0 as usize).map(String::as_str)
    }

    /// The codes in number order, to be stored beside an engine's snapshot (whose zones are numbers).
    pub fn codes(&self) -> &[String] {
        &self.codes
    }

    /// Zones numbered as `codes` lists them, as `codes()` gave them.
    pub fn from_codes(codes: Vec<String>) -> Self {
        let index = codes.iter().enumerate().map(|(i, code)| (code.clone(), Zone(i as u32))).collect();
        Self { codes, index }
    }
}
