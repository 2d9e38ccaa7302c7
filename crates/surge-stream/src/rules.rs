//! Rules that act on the stream: a pass scanned at two checkpoints too far apart for the time between (a cloned
//! pass), a spike of scans that were not valid at one checkpoint, results waiting too long for their text, and a
//! zone whose texts fail too often. Each raises an alert for officials once per subject, then stays quiet for that
//! subject for a cool-down.

use std::collections::HashMap;

use surge_domain::travel::{distance_km, impossible_travel};

use crate::engine::{MINUTE, Settings};
use crate::{Event, EventKind, Key, Measure, Millis, Output, ScanOutcome, Scope, SmsState, Zone};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    ClonedPass,
    InvalidScans,
    ResultsWaiting,
    SmsFailures,
}

impl Rule {
    pub const ALL: [Self; 4] = [Self::ClonedPass, Self::InvalidScans, Self::ResultsWaiting, Self::SmsFailures];

    pub fn code(self) -> &'static str {
        match self {
            Self::ClonedPass => "possible_cloned_pass",
            Self::InvalidScans => "invalid_scan_spike",
            Self::ResultsWaiting => "results_waiting",
            Self::SmsFailures => "sms_failure_rate",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    /// A pass, by its status index.
    Pass(u64),
    Checkpoint(i64),
    Zone(Zone),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub rule: Rule,
    pub subject: Subject,
    /// Event time: the scan that showed it, or the end of the minute whose close showed it.
    pub at: Millis,
    pub detail: String,
}

/// A pass's last valid scan.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Seen {
    checkpoint: i64,
    at: Millis,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Rules {
    last_scan: HashMap<u64, Seen>,
    /// Results to be texted, with their zone and arrival, until their text is sent.
    waiting: HashMap<u64, (Zone, Millis)>,
    /// Results texted before their arrival was seen (events out of order), with when.
    texted_early: HashMap<u64, Millis>,
    last_alert: HashMap<(Rule, Subject), Millis>,
}

/// The rules' state as plain rows, for storage.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RulesSnapshot {
    /// Pass, checkpoint, time of its last valid scan.
    pub last_scan: Vec<(u64, i64, Millis)>,
    /// Result, zone, arrival.
    pub waiting: Vec<(u64, Zone, Millis)>,
    pub texted_early: Vec<(u64, Millis)>,
    pub last_alert: Vec<(Rule, Subject, Millis)>,
}

/// Outcomes that count towards a spike: every scan that was not valid.
fn not_valid(measure: Measure) -> bool {
    matches!(measure, Measure::Scan(o) if o != ScanOutcome::Valid)
}

impl Rules {
    /// Raises an alert unless the same rule fired for the same subject within the cool-down.
    fn raise(&mut self, alert: Alert, settings: &Settings, out: &mut Output) {
        let key = (alert.rule, alert.subject);
        if let Some(last) = self.last_alert.get(&key) {
            if (alert.at - last).abs() < settings.cooldown_ms {
                return;
            }
        }
        self.last_alert.insert(key, alert.at);
        out.alerts.push(alert);
    }

    pub(crate) fn on_event(&mut self, event: &Event, settings: &Settings, out: &mut Output) {
        match event.kind {
            EventKind::Scan { checkpoint, pass: Some(pass), outcome: ScanOutcome::Valid } => {
                let here = Seen { checkpoint, at: event.at };
                let Some(last) = self.last_scan.insert(pass, here) else { return };
                if last.at > here.at {
                    // An older scan arriving late: the newer one stays the pass's last.
                    self.last_scan.insert(pass, last);
                }
                if last.checkpoint == checkpoint {
                    return;
                }
                let (Some(a), Some(b)) =
                    (settings.checkpoints.get(&last.checkpoint), settings.checkpoints.get(&checkpoint))
                else {
                    return;
                };
                let seconds = (here.at - last.at) / 1000;
                if impossible_travel(*a, *b, seconds, settings.max_travel_kmh) {
                    let km = distance_km(*a, *b);
                    let detail = format!(
                        "pass {pass} scanned at checkpoints {} and {checkpoint}, {km:.0} km apart, {} s between",
                        last.checkpoint,
                        seconds.abs()
                    );
                    let alert = Alert { rule: Rule::ClonedPass, subject: Subject::Pass(pass), at: event.at, detail };
                    self.raise(alert, settings, out);
                }
            }
            // A text seen before its result (events out of order) settles the result: the guard takes it out.
            EventKind::ResultReceived { result, auto_text: true } if self.texted_early.remove(&result).is_none() => {
                self.waiting.insert(result, (event.zone, event.at));
            }
            EventKind::ResultTexted { result } if self.waiting.remove(&result).is_none() => {
                self.texted_early.insert(result, event.at);
            }
            _ => {}
        }
    }

    /// Runs the rules that look at windows, when minutes close: `now` is the end of the last closed minute and
    /// `fifteen` the counts of the 15 minutes before it.
    pub(crate) fn on_watermark(
        &mut self,
        now: Millis,
        settings: &Settings,
        fifteen: &HashMap<Key, u64>,
        out: &mut Output,
    ) {
        let mut invalid: HashMap<i64, u64> = HashMap::new();
        let mut sms: HashMap<Zone, (u64, u64)> = HashMap::new();
        for (key, count) in fifteen {
            match (key.scope, key.measure) {
                (Scope::Checkpoint(c), m) if not_valid(m) => *invalid.entry(c).or_insert(0) += count,
                (Scope::Zone(z), Measure::Sms(SmsState::Failed)) => sms.entry(z).or_default().0 += count,
                (Scope::Zone(z), Measure::Sms(SmsState::Delivered)) => sms.entry(z).or_default().1 += count,
                _ => {}
            }
        }
        let mut spikes: Vec<(i64, u64)> =
            invalid.into_iter().filter(|(_, n)| *n >= settings.invalid_scans_15m).collect();
        spikes.sort_unstable();
        for (checkpoint, n) in spikes {
            let detail = format!("{n} scans that were not valid at checkpoint {checkpoint} in 15 minutes");
            let alert = Alert { rule: Rule::InvalidScans, subject: Subject::Checkpoint(checkpoint), at: now, detail };
            self.raise(alert, settings, out);
        }
        let mut failing: Vec<(Zone, u64, u64)> = sms
            .into_iter()
            .filter(|(_, (failed, delivered))| {
                let finished = failed + delivered;
                finished >= settings.sms_min_finished && *failed as f64 >= settings.sms_failure_rate * finished as f64
            })
            .map(|(zone, (failed, delivered))| (zone, failed, delivered))
            .collect();
        failing.sort_unstable();
        for (zone, failed, delivered) in failing {
            let percent = 100.0 * failed as f64 / (failed + delivered) as f64;
            let detail = format!("{failed} of {} texts failed in 15 minutes ({percent:.0}%)", failed + delivered);
            self.raise(Alert { rule: Rule::SmsFailures, subject: Subject::Zone(zone), at: now, detail }, settings, out);
        }
        let mut late: HashMap<Zone, (u64, Millis)> = HashMap::new();
        for (zone, arrived) in self.waiting.values() {
            if now - arrived >= settings.result_wait_ms {
                let entry = late.entry(*zone).or_insert((0, *arrived));
                entry.0 += 1;
                entry.1 = entry.1.min(*arrived);
            }
        }
        let mut late: Vec<(Zone, (u64, Millis))> = late.into_iter().collect();
        late.sort_unstable();
        for (zone, (n, oldest)) in late {
            let minutes = (now - oldest) / MINUTE;
            let detail = format!("{n} results waiting to be texted for over the limit, the oldest {minutes} min");
            let alert = Alert { rule: Rule::ResultsWaiting, subject: Subject::Zone(zone), at: now, detail };
            self.raise(alert, settings, out);
        }
        // What no rule can use any more is let go, so memory follows the stream's rate, not its length. Every tenth
        // minute is enough: a scan a day old cannot make an impossible journey, and going through every pass each
        // minute would cost more than counting.
        if now.div_euclid(MINUTE) % 10 != 0 {
            return;
        }
        let forget = now - settings.pass_memory_ms;
        self.last_scan.retain(|_, seen| seen.at >= forget);
        self.texted_early.retain(|_, at| *at >= forget);
        let quiet = now - settings.cooldown_ms;
        self.last_alert.retain(|_, at| *at >= quiet);
    }

    pub(crate) fn snapshot(&self) -> RulesSnapshot {
        let mut s = RulesSnapshot {
            last_scan: self.last_scan.iter().map(|(p, s)| (*p, s.checkpoint, s.at)).collect(),
            waiting: self.waiting.iter().map(|(r, (z, at))| (*r, *z, *at)).collect(),
            texted_early: self.texted_early.iter().map(|(r, at)| (*r, *at)).collect(),
            last_alert: self.last_alert.iter().map(|((rule, subject), at)| (*rule, *subject, *at)).collect(),
        };
        s.last_scan.sort_unstable();
        s.waiting.sort_unstable();
        s.texted_early.sort_unstable();
        s.last_alert.sort_unstable();
        s
    }

    pub(crate) fn restore(s: &RulesSnapshot) -> Self {
        Self {
            last_scan: s.last_scan.iter().map(|(p, c, at)| (*p, Seen { checkpoint: *c, at: *at })).collect(),
            waiting: s.waiting.iter().map(|(r, z, at)| (*r, (*z, *at))).collect(),
            texted_early: s.texted_early.iter().map(|(r, at)| (*r, *at)).collect(),
            last_alert: s.last_alert.iter().map(|(rule, subject, at)| ((*rule, *subject), *at)).collect(),
        }
    }
}
