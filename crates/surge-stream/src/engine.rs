//! The windows: events are counted in one-minute tumbling windows by event time, and 15-minute and one-hour sliding
//! counts are kept as running sums of the closed minutes. A watermark trails the latest event time by a bounded
//! disorder (5 s by default); a minute closes when the watermark passes its end, and an event for a closed minute is
//! late: counted in a side table, never added to a window already given out. A delivery seen twice (the same event
//! id) is counted once. The engine's whole state can be taken as a `Snapshot` and restored, so a consumer that
//! stores it with its position resumes as if it had never stopped.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use crate::rules::{Alert, Rules};
use crate::{Event, EventId, Key, Millis};

/// A minute in milliseconds; windows are numbered in minutes since the Unix epoch.
pub const MINUTE: Millis = 60_000;

/// How the engine counts and when its rules fire.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// How far behind the latest event time the watermark trails: events up to this much out of order still
    /// count in their own window.
    pub disorder_ms: Millis,
    /// Closed minutes whose event ids are still kept to know a repeated delivery (late duplicates included).
    pub dedupe_minutes: i64,
    /// A rule that fired for one subject stays quiet for it this long.
    pub cooldown_ms: Millis,
    /// Two valid scans of one pass further apart than this speed allows are taken as two copies of the pass.
    pub max_travel_kmh: f64,
    /// Checkpoint positions (id, latitude, longitude), for cloned-pass detection.
    pub checkpoints: HashMap<i64, surge_domain::travel::Position>,
    /// Scans that were not valid, at one checkpoint over 15 minutes, that make a spike.
    pub invalid_scans_15m: u64,
    /// A result to be texted that has waited this long raises an alert.
    pub result_wait_ms: Millis,
    /// The share of failed texts, over 15 minutes in a zone, that raises an alert...
    pub sms_failure_rate: f64,
    /// ...once at least this many texts have finished (delivered or failed) there.
    pub sms_min_finished: u64,
    /// How long a pass's last scan is remembered for the cloned-pass rule.
    pub pass_memory_ms: Millis,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            disorder_ms: 5_000,
            dedupe_minutes: 10,
            cooldown_ms: 15 * MINUTE,
            max_travel_kmh: 150.0,
            checkpoints: HashMap::new(),
            invalid_scans_15m: 20,
            result_wait_ms: 60 * MINUTE,
            sms_failure_rate: 0.10,
            sms_min_finished: 20,
            pass_memory_ms: 24 * 60 * MINUTE,
        }
    }
}

/// One counter's count in one minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct WindowCount {
    /// Minutes since the Unix epoch: the window is `[minute × 60 s, (minute + 1) × 60 s)`.
    pub minute: i64,
    pub key: Key,
    pub count: u64,
}

/// An event that came after its minute had closed, under one of its counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Late {
    pub event: EventId,
    pub minute: i64,
    pub key: Key,
}

/// What the events given to the engine changed: minutes closed (to be stored), late events (for the side table;
/// keyed by event, so storing one twice counts it once), alerts raised, and repeated deliveries ignored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Output {
    pub closed: Vec<WindowCount>,
    pub late: Vec<Late>,
    pub alerts: Vec<Alert>,
    pub duplicates: u64,
}

impl Output {
    pub fn is_empty(&self) -> bool {
        self.closed.is_empty() && self.late.is_empty() && self.alerts.is_empty() && self.duplicates == 0
    }
}

/// A closed minute kept for the sliding sums.
#[derive(Debug, Clone, PartialEq)]
struct Closed {
    minute: i64,
    counts: HashMap<Key, u64>,
    /// Still inside the 15-minute sum.
    in_fifteen: bool,
}

/// The windows and rules over one stream of events.
#[derive(Debug, Clone, PartialEq)]
pub struct Engine {
    settings: Settings,
    /// The latest event time seen.
    max_seen: Option<Millis>,
    /// Minutes before this one are closed; `None` until the first closes.
    closed_before: Option<i64>,
    open: BTreeMap<i64, HashMap<Key, u64>>,
    /// Event ids by their minute, for open minutes and the last `dedupe_minutes` closed ones.
    seen: BTreeMap<i64, HashSet<EventId>>,
    history: VecDeque<Closed>,
    fifteen: HashMap<Key, u64>,
    hour: HashMap<Key, u64>,
    rules: Rules,
}

/// Counts as the live dashboard shows them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Live {
    pub watermark: Option<Millis>,
    /// The minutes not yet closed, summed.
    pub open: HashMap<Key, u64>,
    /// The last 15 and 60 closed minutes, plus the open ones.
    pub fifteen: HashMap<Key, u64>,
    pub hour: HashMap<Key, u64>,
}

impl Engine {
    pub fn new(settings: Settings) -> Self {
        Self {
            settings,
            max_seen: None,
            closed_before: None,
            open: BTreeMap::new(),
            seen: BTreeMap::new(),
            history: VecDeque::new(),
            fifteen: HashMap::new(),
            hour: HashMap::new(),
            rules: Rules::default(),
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Replaces the checkpoints' positions (officials add checkpoints while the stream runs).
    pub fn set_checkpoints(&mut self, checkpoints: HashMap<i64, surge_domain::travel::Position>) {
        self.settings.checkpoints = checkpoints;
    }

    /// The latest event time seen less the allowed disorder: every minute that ends before it is closed.
    pub fn watermark(&self) -> Option<Millis> {
        self.max_seen.map(|m| m - self.settings.disorder_ms)
    }

    /// Takes one event.
    pub fn push(&mut self, event: &Event, out: &mut Output) {
        let minute = event.at.div_euclid(MINUTE);
        let keep_ids_from = self.closed_before.map_or(i64::MIN, |c| c - self.settings.dedupe_minutes);
        if minute >= keep_ids_from && !self.seen.entry(minute).or_default().insert(event.id) {
            out.duplicates += 1;
            return;
        }
        if self.closed_before.is_some_and(|c| minute < c) {
            out.late.extend(event.keys().map(|key| Late { event: event.id, minute, key }));
        } else {
            let counts = self.open.entry(minute).or_default();
            for key in event.keys() {
                *counts.entry(key).or_insert(0) += 1;
            }
        }
        // Late or not, the event is evidence for the rules (a scan of a cloned pass, a text finally sent).
        self.rules.on_event(event, &self.settings, out);
        if self.max_seen.is_none_or(|m| event.at > m) {
            self.max_seen = Some(event.at);
            self.advance(event.at - self.settings.disorder_ms, out);
        }
    }

    /// Moves the watermark to `now` less the disorder when no event has come for a while, so that the minutes of a
    /// quiet stream close too. `now` is the consumer's clock; an event time beyond it is not taken back.
    pub fn idle(&mut self, now: Millis, out: &mut Output) {
        if self.max_seen.is_none_or(|m| now > m) {
            self.max_seen = Some(now);
            self.advance(now - self.settings.disorder_ms, out);
        }
    }

    fn advance(&mut self, watermark: Millis, out: &mut Output) {
        let target = watermark.div_euclid(MINUTE);
        if self.closed_before.is_some_and(|c| c >= target) {
            return;
        }
        while let Some(entry) = self.open.first_entry() {
            if *entry.key() >= target {
                break;
            }
            let (minute, counts) = entry.remove_entry();
            self.close(minute, counts, out);
        }
        self.closed_before = Some(target);
        self.evict(target - 1);
        let keep_ids_from = target - self.settings.dedupe_minutes;
        while let Some(entry) = self.seen.first_entry() {
            if *entry.key() >= keep_ids_from {
                break;
            }
            entry.remove();
        }
        self.rules.on_watermark(target * MINUTE, &self.settings, &self.fifteen, out);
    }

    fn close(&mut self, minute: i64, counts: HashMap<Key, u64>, out: &mut Output) {
        let start = out.closed.len();
        out.closed.extend(counts.iter().map(|(key, count)| WindowCount { minute, key: *key, count: *count }));
        // Sorted for a stable order: storage and tests see the same minute the same way.
        out.closed[start..].sort_unstable();
        self.evict(minute);
        for (key, count) in &counts {
            *self.fifteen.entry(*key).or_insert(0) += count;
            *self.hour.entry(*key).or_insert(0) += count;
        }
        self.history.push_back(Closed { minute, counts, in_fifteen: true });
    }

    /// Takes out of the sliding sums the minutes that fall out of windows ending with minute `last`.
    fn evict(&mut self, last: i64) {
        let subtract = |sums: &mut HashMap<Key, u64>, counts: &HashMap<Key, u64>| {
            for (key, count) in counts {
                if let Some(sum) = sums.get_mut(key) {
                    *sum -= count;
                    if *sum == 0 {
                        sums.remove(key);
                    }
                }
            }
        };
        for closed in self.history.iter_mut() {
            if closed.minute > last - 15 {
                break;
            }
            if closed.in_fifteen {
                subtract(&mut self.fifteen, &closed.counts);
                closed.in_fifteen = false;
            }
        }
        while let Some(closed) = self.history.front() {
            if closed.minute > last - 60 {
                break;
            }
            subtract(&mut self.hour, &closed.counts);
            self.history.pop_front();
        }
    }

    /// The counts as they stand: the open minutes, and the sliding windows with the open minutes added.
    pub fn live(&self) -> Live {
        let mut open: HashMap<Key, u64> = HashMap::new();
        for counts in self.open.values() {
            for (key, count) in counts {
                *open.entry(*key).or_insert(0) += count;
            }
        }
        let with_open = |sums: &HashMap<Key, u64>| {
            let mut all = sums.clone();
            for (key, count) in &open {
                *all.entry(*key).or_insert(0) += count;
            }
            all
        };
        Live { watermark: self.watermark(), fifteen: with_open(&self.fifteen), hour: with_open(&self.hour), open }
    }

    /// The engine's whole state, to be stored with the consumer's position.
    pub fn snapshot(&self) -> Snapshot {
        let mut open: Vec<WindowCount> = self.open.iter().flat_map(|(m, c)| window_counts(*m, c)).collect();
        let mut history: Vec<WindowCount> =
            self.history.iter().flat_map(|c| window_counts(c.minute, &c.counts)).collect();
        let mut seen: Vec<(i64, EventId)> =
            self.seen.iter().flat_map(|(m, ids)| ids.iter().map(move |id| (*m, *id))).collect();
        open.sort_unstable();
        history.sort_unstable();
        seen.sort_unstable();
        Snapshot {
            max_seen: self.max_seen,
            closed_before: self.closed_before,
            open,
            history,
            seen,
            rules: self.rules.snapshot(),
        }
    }

    /// An engine as a snapshot left it.
    pub fn restore(settings: Settings, snapshot: &Snapshot) -> Self {
        let mut engine = Self::new(settings);
        engine.max_seen = snapshot.max_seen;
        engine.closed_before = snapshot.closed_before;
        for c in &snapshot.open {
            *engine.open.entry(c.minute).or_default().entry(c.key).or_insert(0) += c.count;
        }
        for (minute, id) in &snapshot.seen {
            engine.seen.entry(*minute).or_default().insert(*id);
        }
        let mut history: BTreeMap<i64, HashMap<Key, u64>> = BTreeMap::new();
        for c in &snapshot.history {
            *history.entry(c.minute).or_default().entry(c.key).or_insert(0) += c.count;
        }
        let last = snapshot.closed_before.map_or(i64::MIN, |c| c - 1);
        for (minute, counts) in history {
            let in_fifteen = minute > last - 15;
            for (key, count) in &counts {
                *engine.hour.entry(*key).or_insert(0) += count;
                if in_fifteen {
                    *engine.fifteen.entry(*key).or_insert(0) += count;
                }
            }
            engine.history.push_back(Closed { minute, counts, in_fifteen });
        }
        engine.rules = Rules::restore(&snapshot.rules);
        engine
    }
}

fn window_counts(minute: i64, counts: &HashMap<Key, u64>) -> impl Iterator<Item = WindowCount> + '_ {
    counts.iter().map(move |(key, count)| WindowCount { minute, key: *key, count: *count })
}

/// An engine's state as plain rows, for storage.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub max_seen: Option<Millis>,
    pub closed_before: Option<i64>,
    /// Counts of the minutes not yet closed.
    pub open: Vec<WindowCount>,
    /// Counts of the closed minutes still inside the hour.
    pub history: Vec<WindowCount>,
    /// Event ids kept to know repeats, by minute.
    pub seen: Vec<(i64, EventId)>,
    pub rules: crate::rules::RulesSnapshot,
}
