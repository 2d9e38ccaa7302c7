//! The engine with events made here and a clock that is just the events' own times: windows, watermark, late and
//! repeated events, restarts, and each rule.

use std::collections::HashMap;

use surge_domain::travel::Position;

use super::*;

const T0: Millis = 1_764_000_000_000; // a whole minute
const S: Millis = 1000;

fn scan(id: u64, at: Millis, checkpoint: i64, pass: u64, outcome: ScanOutcome) -> Event {
    Event { id: EventId(id), at, zone: Zone(0), kind: EventKind::Scan { checkpoint, pass: Some(pass), outcome } }
}

fn event(id: u64, at: Millis, kind: EventKind) -> Event {
    Event { id: EventId(id), at, zone: Zone(0), kind }
}

fn run(engine: &mut Engine, events: &[Event]) -> Output {
    let mut out = Output::default();
    for e in events {
        engine.push(e, &mut out);
    }
    out
}

fn valid_at(checkpoint: i64) -> Key {
    Key { scope: Scope::Checkpoint(checkpoint), measure: Measure::Scan(ScanOutcome::Valid) }
}

/// Closed counts of one key, by minute offset from T0.
fn counts(out: &Output, key: Key) -> Vec<(i64, u64)> {
    out.closed.iter().filter(|c| c.key == key).map(|c| (c.minute - T0 / MINUTE, c.count)).collect()
}

#[test]
fn out_of_order_events_inside_the_watermark_count_in_their_window_and_later_ones_are_late() {
    let mut engine = Engine::new(Settings::default());
    let v = ScanOutcome::Valid;
    let out = run(
        &mut engine,
        &[
            scan(1, T0 + 10 * S, 7, 1, v),
            scan(2, T0 + 62 * S, 7, 2, v), // minute 1; the watermark is now T0 + 57 s: minute 0 still open
            scan(3, T0 + 59 * S, 7, 3, v), // 3 s out of order: still minute 0
            scan(4, T0 + 66 * S, 7, 4, v), // watermark T0 + 61 s: minute 0 closes
            scan(5, T0 + 58 * S, 7, 5, v), // too late for minute 0
        ],
    );
    assert_eq!(counts(&out, valid_at(7)), [(0, 2)]);
    let late: Vec<(EventId, i64, Key)> = out.late.iter().map(|c| (c.event, c.minute - T0 / MINUTE, c.key)).collect();
    assert!(late.contains(&(EventId(5), 0, valid_at(7))), "{late:?}");
    assert_eq!(late.len(), 2, "once under the checkpoint, once under the zone");
    assert_eq!(engine.watermark(), Some(T0 + 61 * S));
    // The zone counts the same events.
    let zone = Key { scope: Scope::Zone(Zone(0)), measure: Measure::Scan(v) };
    assert_eq!(counts(&out, zone), [(0, 2)]);
    // Minute 1 holds events 2 and 4 until the watermark passes its end.
    assert_eq!(engine.live().open.get(&valid_at(7)), Some(&2));
}

#[test]
fn a_repeated_delivery_counts_once_even_when_late() {
    let mut engine = Engine::new(Settings::default());
    let v = ScanOutcome::Valid;
    let first = scan(1, T0 + 10 * S, 7, 1, v);
    let late = scan(2, T0 + 20 * S, 7, 2, v);
    let out = run(&mut engine, &[first, first, scan(3, T0 + 70 * S, 7, 3, v), late, late, first]);
    assert_eq!(out.duplicates, 3);
    assert_eq!(counts(&out, valid_at(7)), [(0, 1)]);
    assert_eq!(out.late.iter().filter(|c| c.key == valid_at(7)).count(), 1, "the late event once, its repeat not");
}

#[test]
fn an_idle_stream_still_closes_its_minutes() {
    let mut engine = Engine::new(Settings::default());
    let mut out = run(&mut engine, &[scan(1, T0 + 10 * S, 7, 1, ScanOutcome::Valid)]);
    assert!(out.closed.is_empty());
    engine.idle(T0 + 64 * S, &mut out);
    assert!(out.closed.is_empty(), "the watermark is at 59 s");
    engine.idle(T0 + 65 * S, &mut out);
    assert_eq!(counts(&out, valid_at(7)), [(0, 1)]);
}

#[test]
fn sliding_sums_hold_the_last_fifteen_and_sixty_closed_minutes_and_the_open_ones() {
    let mut engine = Engine::new(Settings::default());
    // One valid scan a minute for 90 minutes, then the watermark moves into minute 90.
    let events: Vec<Event> =
        (0..91).map(|m| scan(m as u64, T0 + m * MINUTE + 30 * S, 7, m as u64, ScanOutcome::Valid)).collect();
    let out = run(&mut engine, &events);
    assert_eq!(out.closed.iter().filter(|c| c.key == valid_at(7)).count(), 90);
    let live = engine.live();
    assert_eq!(live.open.get(&valid_at(7)), Some(&1));
    assert_eq!(live.fifteen.get(&valid_at(7)), Some(&16), "15 closed minutes and the open one");
    assert_eq!(live.hour.get(&valid_at(7)), Some(&61));
    // A jump of two hours with nothing between leaves nothing in the windows but the new minute.
    let mut out = Output::default();
    engine.push(&scan(500, T0 + 210 * MINUTE + 30 * S, 8, 500, ScanOutcome::Valid), &mut out);
    let live = engine.live();
    assert_eq!((live.fifteen.get(&valid_at(7)), live.hour.get(&valid_at(7))), (None, None));
    assert_eq!(counts(&out, valid_at(7)), [(90, 1)]);
}

/// Many events from a few checkpoints, zones and outcomes, a few percent out of order by up to 8 s (so some are
/// late), a few repeated, and every rule given something to find.
fn mixed_events(n: u64) -> Vec<Event> {
    let mut x: u64 = 42;
    let mut next = move |m: u64| {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (x >> 33) % m
    };
    let mut events = Vec::new();
    for i in 0..n {
        let mut at = T0 + (i as i64) * 700;
        if next(20) == 0 {
            at -= next(8_000) as i64;
        }
        let zone = Zone(next(3) as u32);
        let kind = match next(10) {
            0..=4 => EventKind::Scan {
                checkpoint: next(4) as i64,
                pass: Some(next(200)),
                outcome: ScanOutcome::ALL[(next(7) as usize).min(3)],
            },
            5 => EventKind::ResultReceived { result: i, auto_text: next(2) == 0 },
            6 => EventKind::ResultTexted { result: i.saturating_sub(next(3_000)) },
            7 => EventKind::Sms { message: i, state: SmsState::ALL[next(3) as usize] },
            8 => EventKind::ApplicationDecided { approved: next(2) == 0 },
            _ => EventKind::PassIssued { pass: i },
        };
        let e = Event { id: EventId(i), at, zone, kind };
        events.push(e);
        if next(50) == 0 {
            events.push(e);
        }
    }
    events
}

fn far_apart() -> Settings {
    let mut settings = Settings::default();
    // Four checkpoints a few hundred kilometres apart, so a pass seen at two within minutes is cloned.
    for c in 0..4 {
        settings.checkpoints.insert(c, Position { lat: 33.0 + c as f64 * 1.5, lon: 126.0 + c as f64 });
    }
    settings.invalid_scans_15m = 50;
    settings
}

/// Closed counts, late counts, alerts and repeats of a run, in a form two runs can be compared by.
type Totals = (HashMap<(i64, Key), u64>, HashMap<(i64, Key), u64>, Vec<(Rule, Subject, Millis)>, u64);

fn totals(outs: &[Output]) -> Totals {
    let (mut closed, mut late, mut alerts, mut duplicates) = (HashMap::new(), HashMap::new(), Vec::new(), 0);
    for out in outs {
        for c in &out.closed {
            assert!(closed.insert((c.minute, c.key), c.count).is_none(), "a minute closed twice: {c:?}");
        }
        for c in &out.late {
            *late.entry((c.minute, c.key)).or_insert(0) += 1;
        }
        alerts.extend(out.alerts.iter().map(|a| (a.rule, a.subject, a.at)));
        duplicates += out.duplicates;
    }
    (closed, late, alerts, duplicates)
}

#[test]
fn a_restart_anywhere_gives_the_same_counts_and_alerts_as_no_restart() {
    let events = mixed_events(12_000);
    let mut whole = Engine::new(far_apart());
    let mut out = run(&mut whole, &events);
    whole.idle(T0 + 3 * 60 * MINUTE, &mut out);
    let expected = totals(&[out]);
    let (closed, late, alerts, duplicates) = &expected;
    // The run has something of everything to compare.
    assert!(closed.len() > 100 && !late.is_empty() && *duplicates > 0, "{} {} {duplicates}", closed.len(), late.len());
    for rule in Rule::ALL {
        assert!(alerts.iter().any(|a| a.0 == rule), "no {rule:?} alert in {alerts:?}");
    }

    for stop in [1, 777, 5_000, 5_001, 9_999, events.len() - 1] {
        let mut first = Engine::new(far_apart());
        let before = run(&mut first, &events[..stop]);
        // The consumer stores the snapshot with its position and stops; a new process restores it.
        let snapshot = first.snapshot();
        drop(first);
        let mut second = Engine::restore(far_apart(), &snapshot);
        assert_eq!(second.snapshot(), snapshot, "restoring at {stop} loses nothing");
        let mut after = run(&mut second, &events[stop..]);
        second.idle(T0 + 3 * 60 * MINUTE, &mut after);
        assert_eq!(totals(&[before, after]), expected, "stopped after {stop} events");
    }
}

#[test]
fn a_pass_seen_too_far_apart_too_soon_raises_one_alert_per_cool_down() {
    let mut engine = Engine::new(far_apart());
    let v = ScanOutcome::Valid;
    let out = run(
        &mut engine,
        &[
            scan(1, T0, 0, 9, v),
            scan(2, T0 + 60 * S, 0, 9, v),      // the same checkpoint: nothing
            scan(3, T0 + 120 * S, 1, 9, v),     // ~180 km in a minute
            scan(4, T0 + 180 * S, 0, 9, v),     // again, inside the cool-down: quiet
            scan(5, T0 + 150 * S, 2, 10, v),    // another pass, once only: nothing
            scan(6, T0 + 20 * MINUTE, 3, 9, v), // after the cool-down, ~500 km in 17 min: again
            scan(7, T0 + 25 * MINUTE, 3, 11, ScanOutcome::Revoked),
        ],
    );
    let cloned: Vec<(Subject, Millis)> =
        out.alerts.iter().filter(|a| a.rule == Rule::ClonedPass).map(|a| (a.subject, a.at)).collect();
    assert_eq!(cloned, [(Subject::Pass(9), T0 + 120 * S), (Subject::Pass(9), T0 + 20 * MINUTE)]);
    assert!(out.alerts[0].detail.contains("km apart"), "{}", out.alerts[0].detail);
    // A scan arriving out of order that is older than the pass's last keeps the last as it was.
    let mut more = Output::default();
    engine.push(&scan(8, T0 + 20 * MINUTE - 2 * S, 3, 9, v), &mut more);
    assert!(more.alerts.is_empty(), "same checkpoint as its last scan: {:?}", more.alerts);
}

#[test]
fn a_spike_of_scans_that_were_not_valid_alerts_for_that_checkpoint() {
    let mut engine = Engine::new(Settings { invalid_scans_15m: 5, ..Settings::default() });
    let mut events: Vec<Event> =
        (0..5).map(|i| scan(i, T0 + i as i64 * 10 * S, 3, 100 + i, ScanOutcome::Invalid)).collect();
    events.extend((0..4).map(|i| scan(10 + i, T0 + i as i64 * 10 * S, 4, 200 + i, ScanOutcome::Expired)));
    events.push(scan(99, T0 + 2 * MINUTE, 1, 1, ScanOutcome::Valid));
    let out = run(&mut engine, &events);
    let spikes: Vec<(Subject, Millis)> =
        out.alerts.iter().filter(|a| a.rule == Rule::InvalidScans).map(|a| (a.subject, a.at)).collect();
    assert_eq!(spikes, [(Subject::Checkpoint(3), T0 + MINUTE)], "checkpoint 4 had 4, below the threshold");
}

#[test]
fn failing_texts_and_results_left_waiting_raise_alerts_for_their_zone() {
    let mut engine = Engine::new(Settings { sms_min_finished: 10, result_wait_ms: 30 * MINUTE, ..Settings::default() });
    let sms = |id: u64, zone: u32, state| Event {
        id: EventId(id),
        at: T0 + id as i64 * S,
        zone: Zone(zone),
        kind: EventKind::Sms { message: id, state },
    };
    let mut events = Vec::new();
    // Zone 1: 2 of 10 failed (20%); zone 2: 1 of 12 (8%).
    for i in 0..10 {
        events.push(sms(i, 1, if i < 2 { SmsState::Failed } else { SmsState::Delivered }));
    }
    for i in 10..22 {
        events.push(sms(i, 2, if i == 10 { SmsState::Failed } else { SmsState::Delivered }));
    }
    // Results: 40 is texted in time; 41 is texted before its arrival event comes (out of order); 42 never is;
    // 43 is a positive, never texted automatically.
    events.push(event(40, T0, EventKind::ResultReceived { result: 40, auto_text: true }));
    events.push(event(41, T0 + 5 * S, EventKind::ResultTexted { result: 41 }));
    events.push(event(42, T0 + 2 * S, EventKind::ResultReceived { result: 41, auto_text: true }));
    events.push(event(43, T0 + 3 * S, EventKind::ResultReceived { result: 42, auto_text: true }));
    events.push(event(44, T0 + 3 * S, EventKind::ResultReceived { result: 43, auto_text: false }));
    events.push(event(45, T0 + 10 * MINUTE, EventKind::ResultTexted { result: 40 }));
    events.push(event(46, T0 + 40 * MINUTE, EventKind::ApplicationSubmitted));
    let out = run(&mut engine, &events);
    let got: Vec<(Rule, Subject)> = out.alerts.iter().map(|a| (a.rule, a.subject)).collect();
    assert_eq!(got, [(Rule::SmsFailures, Subject::Zone(Zone(1))), (Rule::ResultsWaiting, Subject::Zone(Zone(0)))]);
    let waiting = &out.alerts[1];
    // Rules look when minutes close: the event at 40 minutes closes every minute up to the 39th at once.
    assert_eq!(waiting.at, T0 + 39 * MINUTE);
    assert!(waiting.detail.starts_with("1 results"), "{}", waiting.detail);
}

#[test]
fn measures_and_rules_have_stable_codes() {
    let measures = ScanOutcome::ALL.map(Measure::Scan).into_iter().chain(SmsState::ALL.map(Measure::Sms)).chain([
        Measure::ApplicationApproved,
        Measure::ResultTexted,
        Measure::PassRevoked,
    ]);
    for m in measures {
        assert_eq!(Measure::parse(&m.code()), Some(m));
    }
    assert_eq!(Measure::Scan(ScanOutcome::Invalid).code(), "scan.invalid");
    for rule in Rule::ALL {
        assert_eq!(Rule::parse(rule.code()), Some(rule));
    }
    let mut zones = Zones::default();
    assert_eq!((zones.of("KR-26"), zones.of("KR-11"), zones.of("KR-26")), (Zone(0), Zone(1), Zone(0)));
    assert_eq!(zones.code(Zone(1)), Some("KR-11"));
}
