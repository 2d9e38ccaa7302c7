//! Patient monitoring: `surge monitor score` as a checker runs it (JSON lines in, one answer per line, exit 2 when
//! a line was refused), and the centre's journey through the use cases on a SQLite store with the clock passed in:
//! admission, check-in texts at local times, reports, missed check-ins, a rising score and a transfer, each step
//! seen on the board.

use std::io::Write;
use std::process::{Command, Stdio};

use surge_app::monitoring::{self, AdmissionFilter, AdmitRequest, Monitoring, MonitoringSettings, Report, Source};
use surge_app::{MessageFilter, Outbox};
use surge_monitoring::{AdmissionState, Consciousness, Symptom, Temperature, Trend, Vitals};
use time::OffsetDateTime;
use time::macros::datetime;

fn score(input: &str) -> (Vec<serde_json::Value>, Option<i32>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_surge"))
        .args(["monitor", "score"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let lines = String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    (lines, out.status.code())
}

#[test]
fn monitor_score_answers_every_line_and_exits_2_when_one_was_refused() {
    let good = r#"{"respiration_rate": 24, "spo2": 95, "spo2_scale": 1, "on_oxygen": false, "systolic_bp": 105, "pulse": 112, "consciousness": "A", "temperature": 38.4}"#;
    let (lines, code) = score(&format!("{good}\n{good}\n"));
    assert_eq!(code, Some(0));
    let expect = serde_json::json!({
        "news2": 7,
        "scores": {"respiration_rate": 2, "spo2": 1, "on_oxygen": 0, "systolic_bp": 1, "pulse": 2, "consciousness": 0, "temperature": 1},
        "risk": "high"
    });
    assert_eq!(lines, [expect.clone(), expect.clone()]);
    let (lines, code) = score(&format!("{good}\n{{\"spo2\": 95}}\n{}\n{good}", good.replace("38.4", "380")));
    assert_eq!(code, Some(2));
    assert_eq!(lines.len(), 4, "one answer per line, the bad ones included");
    assert_eq!(lines[1], serde_json::json!({"error": {"code": "value_missing", "field": "respiration_rate"}}));
    assert_eq!(lines[2], serde_json::json!({"error": {"code": "value_impossible", "field": "temperature"}}));
    assert_eq!((&lines[0], &lines[3]), (&expect, &expect));
    let (lines, code) = score("");
    assert_eq!((lines.len(), code), (0, Some(0)));
}

fn vitals(rr: u16, spo2: u8, pulse: u16, tenths: i16) -> Vitals {
    Vitals {
        respiration_rate: Some(rr),
        spo2: Some(spo2),
        on_oxygen: Some(false),
        systolic_bp: Some(124),
        pulse: Some(pulse),
        consciousness: Some(Consciousness::Alert),
        temperature: Some(Temperature::from_tenths(tenths)),
    }
}

async fn texts(store: &surge_store_sqlite::SqliteStore, kind: &str) -> Vec<(String, String)> {
    let filter = MessageFilter { kind: Some(kind.to_owned()), limit: 100, ..MessageFilter::default() };
    let mut found: Vec<_> =
        store.messages(&filter).await.unwrap().into_iter().map(|m| (m.recipient, m.body.unwrap_or_default())).collect();
    found.reverse();
    found
}

#[tokio::test]
async fn a_patient_is_admitted_texted_at_local_times_scored_missed_and_transferred_all_on_the_board() {
    let dir = tempfile::tempdir().unwrap();
    let store = surge_store_sqlite::open(&dir.path().join("surge.db")).await.unwrap();
    let settings =
        MonitoringSettings { duty_phones: vec!["+821099990000".to_owned()], ..MonitoringSettings::default() };
    let link = |a: &monitoring::AdmissionRecord| format!("https://surge.example.kr/m/{}", a.id);
    let board = |now: OffsetDateTime| {
        let store = &store;
        let settings = &settings;
        async move { monitoring::board(store, settings, &AdmissionFilter::default(), now).await.unwrap() }
    };
    // 05:00 in Seoul on 6 December.
    let admitted_at = datetime!(2026-12-05 20:00 UTC);
    let centre = monitoring::add_facility(&store, "서울 생활치료센터", "centre", 100, "17:00, 09:00", admitted_at)
        .await
        .unwrap();
    let request = AdmitRequest {
        facility_id: centre,
        name: "김민준".into(),
        birth_date: "1968-04-25".into(),
        phone: "010-1234-5678".into(),
        onset: "2026-12-03".into(),
        confirmed_on: "2026-12-05".into(),
        comorbidities: "고혈압".into(),
        room: "301".into(),
        language: "ko".into(),
        ..AdmitRequest::default()
    };
    let id = monitoring::admit(&store, &settings, &request, "account:2", admitted_at).await.unwrap();
    let welcome = texts(&store, "monitoring_admitted").await;
    assert_eq!(welcome.len(), 1);
    assert_eq!(welcome[0].0, "+821012345678");
    assert!(welcome[0].1.contains("09:00, 17:00"), "{}", welcome[0].1);
    // Admitting the same person again is refused with its own code.
    let again = monitoring::admit(&store, &settings, &request, "account:2", admitted_at).await.unwrap_err();
    assert_eq!(again.code(), "already_admitted");
    let rows = board(admitted_at).await;
    assert_eq!((rows.len(), rows[0].day_of_illness, rows[0].news2), (1, 4, None));

    // 09:00 KST: the morning's reminder, once however often the follower runs.
    let nine = datetime!(2026-12-06 00:00 UTC);
    for _ in 0..2 {
        monitoring::follow_check_ins(&store, &settings, nine, link).await.unwrap();
    }
    let reminders = texts(&store, "monitoring_check_in").await;
    assert_eq!(reminders.len(), 1);
    assert!(reminders[0].1.contains("09:00") && reminders[0].1.contains(&format!("/m/{id}")), "{}", reminders[0].1);

    // 09:30: the patient reports on the page; 11:00 the check-in closes answered.
    let report = |vitals: Vitals, source: Source, at: OffsetDateTime| Report {
        vitals,
        symptoms: vec![Symptom::Cough],
        note: String::new(),
        source,
        source_key: None,
        observed_at: at,
    };
    let at = datetime!(2026-12-06 00:30 UTC);
    let well =
        monitoring::record_report(&store, &settings, id, &report(vitals(16, 97, 72, 368), Source::Patient, at), at)
            .await;
    assert_eq!(well.unwrap().news2.total(), 0);
    let outcome = monitoring::follow_check_ins(&store, &settings, datetime!(2026-12-06 02:00 UTC), link).await.unwrap();
    assert_eq!((outcome.reminders, outcome.missed), (0, 0));
    let rows = board(at).await;
    assert_eq!(rows[0].record.state, AdmissionState::Monitoring);
    assert_eq!((rows[0].news2.map(|n| n.total()), rows[0].trend), (Some(0), Some(Trend::First)));

    // 17:00 reminder, no report; 19:00 one missed (an alert, no text yet); 09:00 next day reminder; 11:00 missed
    // again: the patient is texted again and the duty clinician alerted.
    let outcome = monitoring::follow_check_ins(&store, &settings, datetime!(2026-12-06 08:00 UTC), link).await.unwrap();
    assert_eq!(outcome.reminders, 1);
    let outcome = monitoring::follow_check_ins(&store, &settings, datetime!(2026-12-06 10:00 UTC), link).await.unwrap();
    assert_eq!(outcome.missed, 1);
    assert!(texts(&store, "monitoring_missed").await.is_empty());
    assert_eq!(board(datetime!(2026-12-06 10:00 UTC)).await[0].record.follow.missed_in_row, 1);
    monitoring::follow_check_ins(&store, &settings, datetime!(2026-12-07 00:00 UTC), link).await.unwrap();
    let outcome = monitoring::follow_check_ins(&store, &settings, datetime!(2026-12-07 02:00 UTC), link).await.unwrap();
    assert_eq!(outcome.missed, 1);
    let missed = texts(&store, "monitoring_missed").await;
    assert_eq!(missed.len(), 1);
    assert!(missed[0].1.contains('2'), "{}", missed[0].1);
    let duty = texts(&store, "monitoring_missed_alert").await;
    assert_eq!(duty.len(), 1);
    assert_eq!(duty[0].0, "+821099990000");
    assert!(
        duty[0].1.contains("301") && !duty[0].1.contains("김민준"),
        "initials and room, not the name: {}",
        duty[0].1
    );
    let alerts = store.monitoring_alerts(&[id], admitted_at).await.unwrap();
    assert_eq!(alerts.iter().filter(|a| a.alert.kind == "missed_check_in").count(), 2);

    // A device reports a worse set: the score rises through the hard trigger, and the patient goes to the top.
    let other = monitoring::admit(
        &store,
        &settings,
        &AdmitRequest { phone: "010-2222-3333".into(), name: "이서연".into(), ..request.clone() },
        "account:2",
        admitted_at,
    )
    .await
    .unwrap();
    let calm = datetime!(2026-12-07 02:10 UTC);
    monitoring::record_report(&store, &settings, other, &report(vitals(18, 98, 80, 366), Source::Patient, calm), calm)
        .await
        .unwrap();
    let at = datetime!(2026-12-07 02:30 UTC);
    let worse = Report { source_key: Some("obs-77".into()), ..report(vitals(23, 93, 112, 385), Source::Device, at) };
    let scored = monitoring::record_report(&store, &settings, id, &worse, at).await.unwrap();
    assert_eq!((scored.news2.total(), scored.rising), (7, true));
    assert_eq!(scored.hard_triggers.len(), 2, "SpO2 93 and 38.5 °C");
    let repeated = monitoring::record_report(&store, &settings, id, &worse, at).await.unwrap();
    assert_eq!(repeated.recorded, monitoring::Recorded::Repeated, "a retried device send is stored once");
    let rows = board(at).await;
    assert_eq!(rows.iter().map(|r| r.record.id).collect::<Vec<_>>(), [id, other], "the worse patient first");
    assert_eq!((rows[0].trend, rows[0].rising), (Some(Trend::Rising), true));
    assert_eq!(rows[0].hard_triggers, ["spo2 <= 94", "temperature >= 38.0"]);
    let kinds: Vec<String> =
        store.monitoring_alerts(&[id], at).await.unwrap().into_iter().map(|a| a.alert.kind).collect();
    for kind in ["hard_trigger", "high_score", "rising_score"] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} in {kinds:?}");
    }

    // A report from the future or with nothing in it is refused by name.
    let future = datetime!(2026-12-07 03:00 UTC);
    let refused =
        monitoring::record_report(&store, &settings, id, &report(vitals(16, 97, 72, 368), Source::Patient, future), at)
            .await;
    assert_eq!(refused.unwrap_err().code(), "observed_at_future");
    let empty =
        Report { vitals: Vitals::default(), symptoms: vec![], ..report(Vitals::default(), Source::Patient, at) };
    assert_eq!(monitoring::record_report(&store, &settings, id, &empty, at).await.unwrap_err().code(), "report_empty");

    // Transfer: texted, audited, off the open board, and no more check-ins followed or reports taken.
    let moved =
        monitoring::move_admission(&store, id, AdmissionState::Transferred, "SpO2 93 % on air", "account:2", at);
    moved.await.unwrap();
    assert_eq!(texts(&store, "monitoring_transferred").await.len(), 1);
    let twice = monitoring::move_admission(&store, id, AdmissionState::Discharged, "well", "account:2", at).await;
    assert_eq!(twice.unwrap_err().code(), "admission_state_invalid");
    let open = monitoring::board(&store, &settings, &AdmissionFilter { facility_id: None, open_only: true }, at)
        .await
        .unwrap();
    assert_eq!(open.iter().map(|r| r.record.id).collect::<Vec<_>>(), [other]);
    let late =
        monitoring::record_report(&store, &settings, id, &report(vitals(16, 97, 72, 368), Source::Patient, at), at)
            .await;
    assert_eq!(late.unwrap_err().code(), "admission_closed");
    let before = texts(&store, "monitoring_check_in").await.len();
    monitoring::follow_check_ins(&store, &settings, datetime!(2026-12-07 08:00 UTC), link).await.unwrap();
    let after = texts(&store, "monitoring_check_in").await;
    assert_eq!(after.len(), before + 1, "only the open admission is reminded");
    let transferred = after.iter().filter(|(to, _)| to == "+821012345678").count();
    assert_eq!(transferred, 3, "the transferred patient had the three before the transfer, and no more");
}
