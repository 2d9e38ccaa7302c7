//! NEWS2 at every boundary of the RCP chart, the bands, the total as the sum of its parts (property tests), and
//! the hard triggers.

use proptest::prelude::*;

use super::*;

/// Scores one parameter alone from a figure (scale 1 unless given) and checks its score.
fn check(parameter: Parameter, figure: f64, expect: u8) {
    check_on(parameter, figure, Spo2Scale::One, None, expect);
}

fn check_on(parameter: Parameter, figure: f64, scale: Spo2Scale, on_oxygen: Option<bool>, expect: u8) {
    let mut vitals = Vitals { on_oxygen, ..Vitals::default() };
    vitals.set_figure(parameter, figure).unwrap();
    let score = News2::of(&vitals, scale);
    assert_eq!(score.part(parameter), Some(expect), "{parameter} {figure} on scale {scale:?}, oxygen {on_oxygen:?}");
}

#[test]
fn respiration_rate_at_every_boundary_of_the_chart() {
    for (rr, score) in [(1, 3), (8, 3), (9, 1), (11, 1), (12, 0), (20, 0), (21, 2), (24, 2), (25, 3), (80, 3)] {
        check(Parameter::RespirationRate, f64::from(rr), score);
    }
}

#[test]
fn spo2_scale_1_at_every_boundary_of_the_chart() {
    for (spo2, score) in [(1, 3), (91, 3), (92, 2), (93, 2), (94, 1), (95, 1), (96, 0), (100, 0)] {
        check(Parameter::Spo2, f64::from(spo2), score);
        // Oxygen is scored on its own line on scale 1, never in the saturation's score.
        check_on(Parameter::Spo2, f64::from(spo2), Spo2Scale::One, Some(true), score);
    }
}

#[test]
fn spo2_scale_2_at_every_boundary_of_the_chart_on_air_and_on_oxygen() {
    let two = Spo2Scale::Two;
    for on_oxygen in [false, true] {
        for (spo2, score) in [(1, 3), (83, 3), (84, 2), (85, 2), (86, 1), (87, 1), (88, 0), (92, 0)] {
            check_on(Parameter::Spo2, f64::from(spo2), two, Some(on_oxygen), score);
        }
    }
    for (spo2, score) in [(93, 0), (97, 0), (100, 0)] {
        check_on(Parameter::Spo2, f64::from(spo2), two, Some(false), score);
    }
    for (spo2, score) in [(93, 1), (94, 1), (95, 2), (96, 2), (97, 3), (100, 3)] {
        check_on(Parameter::Spo2, f64::from(spo2), two, Some(true), score);
    }
    // At 93 % or more scale 2 cannot be scored without knowing about oxygen; below that it can.
    let mut vitals = Vitals { spo2: Some(93), ..Vitals::default() };
    assert_eq!(News2::of(&vitals, two).part(Parameter::Spo2), None);
    vitals.spo2 = Some(92);
    assert_eq!(News2::of(&vitals, two).part(Parameter::Spo2), Some(0));
}

#[test]
fn air_or_oxygen_and_consciousness_score_as_charted() {
    for (on_oxygen, score) in [(false, 0), (true, 2)] {
        let vitals = Vitals { on_oxygen: Some(on_oxygen), ..Vitals::default() };
        assert_eq!(News2::of(&vitals, Spo2Scale::One).part(Parameter::OnOxygen), Some(score));
    }
    for (letter, score) in [("A", 0), ("C", 3), ("V", 3), ("P", 3), ("U", 3), ("a", 0), ("u", 3)] {
        let vitals = Vitals { consciousness: Some(Consciousness::parse(letter).unwrap()), ..Vitals::default() };
        assert_eq!(News2::of(&vitals, Spo2Scale::One).part(Parameter::Consciousness), Some(score), "{letter}");
    }
    for bad in ["", "X", "Alert", " A", "AA"] {
        assert_eq!(Consciousness::parse(bad), Err(VitalError::Impossible(Parameter::Consciousness)), "{bad:?}");
    }
}

#[test]
fn systolic_pressure_at_every_boundary_of_the_chart() {
    for (bp, score) in [(1, 3), (90, 3), (91, 2), (100, 2), (101, 1), (110, 1), (111, 0), (219, 0), (220, 3), (300, 3)]
    {
        check(Parameter::SystolicBp, f64::from(bp), score);
    }
}

#[test]
fn pulse_at_every_boundary_of_the_chart() {
    let table = [(1, 3), (40, 3), (41, 1), (50, 1), (51, 0), (90, 0), (91, 1), (110, 1), (111, 2), (130, 2), (131, 3)];
    for (pulse, score) in table {
        check(Parameter::Pulse, f64::from(pulse), score);
    }
}

#[test]
fn temperature_at_every_boundary_of_the_chart() {
    let table =
        [(25.0, 3), (35.0, 3), (35.1, 1), (36.0, 1), (36.1, 0), (38.0, 0), (38.1, 1), (39.0, 1), (39.1, 2), (45.0, 2)];
    for (t, score) in table {
        check(Parameter::Temperature, t, score);
    }
}

#[test]
fn figures_are_rounded_as_charted_and_impossible_ones_are_refused() {
    check(Parameter::Pulse, 90.4, 0);
    check(Parameter::Pulse, 90.5, 1);
    check(Parameter::Temperature, 38.04, 0);
    check(Parameter::Temperature, 38.06, 1);
    let cases = [
        (Parameter::RespirationRate, 0.0),
        (Parameter::RespirationRate, -4.0),
        (Parameter::RespirationRate, 81.0),
        (Parameter::Spo2, 101.0),
        (Parameter::Spo2, 0.0),
        (Parameter::SystolicBp, 301.0),
        (Parameter::Pulse, 0.0),
        (Parameter::Pulse, 1000.0),
        // 370 is 37.0 typed without its point; it must not score as a fever.
        (Parameter::Temperature, 370.0),
        (Parameter::Temperature, 24.9),
        (Parameter::Temperature, 45.1),
        (Parameter::Pulse, f64::NAN),
        (Parameter::Pulse, f64::INFINITY),
        (Parameter::OnOxygen, 1.0),
        (Parameter::Consciousness, 0.0),
    ];
    for (parameter, figure) in cases {
        let mut vitals = Vitals::default();
        assert_eq!(
            vitals.set_figure(parameter, figure),
            Err(VitalError::Impossible(parameter)),
            "{parameter} {figure}"
        );
        assert_eq!(vitals, Vitals::default(), "nothing set by a refused figure");
    }
}

fn whole(rr: u16, spo2: u8, on_oxygen: bool, bp: u16, pulse: u16, c: Consciousness, tenths: i16) -> Vitals {
    Vitals {
        respiration_rate: Some(rr),
        spo2: Some(spo2),
        on_oxygen: Some(on_oxygen),
        systolic_bp: Some(bp),
        pulse: Some(pulse),
        consciousness: Some(c),
        temperature: Some(Temperature::from_tenths(tenths)),
    }
}

#[test]
fn the_bands_follow_the_rcp_clinical_response() {
    let well = whole(16, 98, false, 120, 70, Consciousness::Alert, 368);
    let cases = [
        (well, 0, Risk::Low),
        // 4 from several parameters is low.
        (
            Vitals {
                respiration_rate: Some(22),
                pulse: Some(95),
                temperature: Some(Temperature::from_tenths(385)),
                ..well
            },
            4,
            Risk::Low,
        ),
        // One parameter scoring 3 with a total under 5 is low-medium.
        (Vitals { consciousness: Some(Consciousness::Confusion), ..well }, 3, Risk::LowMedium),
        (Vitals { spo2: Some(91), pulse: Some(95), ..well }, 4, Risk::LowMedium),
        // 5 and 6 are medium whether or not one parameter scores 3.
        (Vitals { spo2: Some(91), on_oxygen: Some(true), ..well }, 5, Risk::Medium),
        (Vitals { respiration_rate: Some(22), spo2: Some(93), on_oxygen: Some(true), ..well }, 6, Risk::Medium),
        (Vitals { respiration_rate: Some(25), spo2: Some(94), pulse: Some(115), ..well }, 6, Risk::Medium),
        // 7 or more is high.
        (Vitals { respiration_rate: Some(25), spo2: Some(93), pulse: Some(115), ..well }, 7, Risk::High),
        (whole(30, 85, true, 85, 140, Consciousness::Unresponsive, 395), 19, Risk::High),
    ];
    for (vitals, total, risk) in cases {
        let score = News2::complete(&vitals, Spo2Scale::One).unwrap();
        assert_eq!((score.total(), score.risk()), (total, risk), "{vitals:?}");
    }
    assert_eq!(Risk::from_code("low-medium"), Some(Risk::LowMedium));
    assert_eq!(Risk::from_code("urgent"), None);
}

#[test]
fn an_incomplete_set_names_the_first_missing_parameter_and_scores_what_it_has() {
    let vitals = Vitals { spo2: Some(92), temperature: Some(Temperature::from_tenths(386)), ..Vitals::default() };
    assert_eq!(News2::complete(&vitals, Spo2Scale::One), Err(VitalError::Missing(Parameter::RespirationRate)));
    let partial = News2::of(&vitals, Spo2Scale::One);
    assert_eq!(partial.total(), 3);
    assert!(!partial.is_complete());
    let missing: Vec<_> = partial.missing().collect();
    let expect = [
        Parameter::RespirationRate,
        Parameter::OnOxygen,
        Parameter::SystolicBp,
        Parameter::Pulse,
        Parameter::Consciousness,
    ];
    assert_eq!(missing, expect);
    assert_eq!(VitalError::Missing(Parameter::Pulse).code(), "value_missing");
    assert_eq!(VitalError::Impossible(Parameter::Pulse).parameter(), Parameter::Pulse);
}

fn consciousness() -> impl Strategy<Value = Consciousness> {
    prop_oneof![
        Just(Consciousness::Alert),
        Just(Consciousness::Confusion),
        Just(Consciousness::Voice),
        Just(Consciousness::Pain),
        Just(Consciousness::Unresponsive),
    ]
}

fn vitals() -> impl Strategy<Value = Vitals> {
    (
        proptest::option::of(1u16..=80),
        proptest::option::of(1u8..=100),
        proptest::option::of(any::<bool>()),
        proptest::option::of(1u16..=300),
        proptest::option::of(1u16..=300),
        proptest::option::of(consciousness()),
        proptest::option::of((250i16..=450).prop_map(Temperature::from_tenths)),
    )
        .prop_map(|(respiration_rate, spo2, on_oxygen, systolic_bp, pulse, consciousness, temperature)| Vitals {
            respiration_rate,
            spo2,
            on_oxygen,
            systolic_bp,
            pulse,
            consciousness,
            temperature,
        })
}

fn band(total: u8, any_three: bool) -> Risk {
    if total >= 7 {
        Risk::High
    } else if total >= 5 {
        Risk::Medium
    } else if any_three {
        Risk::LowMedium
    } else {
        Risk::Low
    }
}

proptest! {
    #[test]
    fn the_total_is_the_sum_of_the_parts_and_the_risk_follows_the_bands(
        vitals in vitals(),
        two in any::<bool>(),
    ) {
        let scale = if two { Spo2Scale::Two } else { Spo2Scale::One };
        let score = News2::of(&vitals, scale);
        let parts: Vec<u8> = Parameter::ALL.iter().filter_map(|p| score.part(*p)).collect();
        prop_assert!(parts.iter().all(|s| *s <= 3));
        prop_assert_eq!(u32::from(score.total()), parts.iter().map(|s| u32::from(*s)).sum::<u32>());
        prop_assert_eq!(score.risk(), band(score.total(), parts.contains(&3)));
        // Every parameter observed is scored, but scale 2's saturation at 93 % or more without the oxygen line.
        for p in Parameter::ALL {
            let unscorable = p == Parameter::Spo2 && two && vitals.on_oxygen.is_none() && vitals.spo2 >= Some(93);
            prop_assert_eq!(score.part(p).is_some(), vitals.has(p) && !unscorable, "{}", p);
        }
        prop_assert_eq!(News2::complete(&vitals, scale).is_ok(), score.is_complete());
    }

    #[test]
    fn a_figure_inside_the_possible_range_is_kept_and_one_outside_is_refused(figure in -1000.0f64..1000.0) {
        for p in [Parameter::RespirationRate, Parameter::Spo2, Parameter::SystolicBp, Parameter::Pulse, Parameter::Temperature] {
            let (low, high) = p.possible().unwrap();
            let charted = if p == Parameter::Temperature { (figure * 10.0).round() } else { figure.round() };
            let mut vitals = Vitals::default();
            let result = vitals.set_figure(p, figure);
            prop_assert_eq!(result.is_ok(), charted >= f64::from(low) && charted <= f64::from(high));
            prop_assert_eq!(vitals.figure(p), result.ok().map(|()| charted as i32));
        }
    }
}

#[test]
fn hard_triggers_parse_fire_and_print_back() {
    let spo2 = HardTrigger::parse("spo2 <= 94").unwrap();
    let fever = HardTrigger::parse("temperature>=38.0").unwrap();
    assert_eq!(HardTrigger::defaults(), vec![spo2, fever]);
    assert_eq!((spo2.to_string(), fever.to_string()), ("spo2 <= 94".to_owned(), "temperature >= 38.0".to_owned()));
    let at = |spo2: u8, tenths: i16| Vitals {
        spo2: Some(spo2),
        temperature: Some(Temperature::from_tenths(tenths)),
        ..Vitals::default()
    };
    let one = Spo2Scale::One;
    assert!(spo2.fires(&at(94, 370), one));
    assert!(!spo2.fires(&at(95, 370), one));
    assert!(fever.fires(&at(98, 380), one));
    assert!(!fever.fires(&at(98, 379), one));
    // A patient on scale 2 is aiming at 88–92 %: a saturation trigger would fire at every report.
    assert!(!spo2.fires(&at(90, 370), Spo2Scale::Two));
    assert!(!spo2.fires(&Vitals::default(), one), "nothing observed fires nothing");
    for bad in ["spo2 < 94", "spo2", "oxygen <= 94", "on_oxygen >= 1", "spo2 <= x", "spo2 <= 140", "temperature >= 380"]
    {
        assert!(HardTrigger::parse(bad).is_err(), "{bad}");
    }
    assert_eq!(HardTrigger::parse("pulse >= 120").unwrap().to_string(), "pulse >= 120");
}

mod check_ins {
    use surge_domain::LocalZone;
    use time::macros::{date, datetime, time};
    use time::{Duration, OffsetDateTime};

    use crate::*;

    fn seoul() -> LocalZone {
        LocalZone::named("Asia/Seoul").unwrap()
    }

    #[test]
    fn check_ins_fall_at_local_times_across_local_midnight() {
        let c = CheckIns::twice_daily();
        // 2026-12-06 00:00 UTC is 09:00 in Seoul: due at exactly `from` counts, at `to` does not.
        let due = c.due_between(seoul(), datetime!(2026-12-06 00:00 UTC), datetime!(2026-12-07 00:00 UTC));
        let times: Vec<OffsetDateTime> = due.iter().map(|c| c.due).collect();
        assert_eq!(times, [datetime!(2026-12-06 00:00 UTC), datetime!(2026-12-06 08:00 UTC)]);
        assert_eq!((due[0].day, due[0].number, due[1].number), (date!(2026 - 12 - 06), 0, 1));
        assert_eq!(due[1].closes, datetime!(2026-12-06 10:00 UTC));
        // A window that crosses local midnight (15:00 UTC) takes the 17:00 of one day and the 09:00 of the next.
        let due = c.due_between(seoul(), datetime!(2026-12-06 07:00 UTC), datetime!(2026-12-07 01:00 UTC));
        let days: Vec<_> = due.iter().map(|c| (c.day, c.number)).collect();
        assert_eq!(days, [(date!(2026 - 12 - 06), 1), (date!(2026 - 12 - 07), 0)]);
        assert!(c.due_between(seoul(), datetime!(2026-12-07 01:00 UTC), datetime!(2026-12-06 01:00 UTC)).is_empty());
    }

    #[test]
    fn in_berlin_a_check_in_keeps_its_local_time_across_the_clock_change() {
        let berlin = LocalZone::named("Europe/Berlin").unwrap();
        let c = CheckIns::twice_daily();
        let due = c.due_between(berlin, datetime!(2026-03-28 00:00 UTC), datetime!(2026-03-30 00:00 UTC));
        let times: Vec<OffsetDateTime> = due.iter().map(|c| c.due).collect();
        let expect = [
            datetime!(2026-03-28 08:00 UTC),
            datetime!(2026-03-28 16:00 UTC),
            datetime!(2026-03-29 07:00 UTC),
            datetime!(2026-03-29 15:00 UTC),
        ];
        assert_eq!(times, expect);
    }

    #[test]
    fn schedules_are_checked_when_set() {
        assert_eq!(CheckIns::parse_times("09:00, 17:30").unwrap(), [time!(09:00), time!(17:30)]);
        for bad in ["9:00", "25:00", "09:60", "09-00", "", "09:00,", "０９:00"] {
            assert!(CheckIns::parse_times(bad).is_err(), "{bad:?}");
        }
        let (hour, two) = (Duration::hours(1), Duration::hours(2));
        assert_eq!(CheckIns::new(vec![], hour, two), Err(ScheduleError::Count));
        assert_eq!(CheckIns::new(vec![time!(09:00), time!(09:00)], hour, two), Err(ScheduleError::Count));
        assert_eq!(CheckIns::new(vec![time!(09:00)], hour, Duration::minutes(5)), Err(ScheduleError::Window));
        assert_eq!(CheckIns::new(vec![time!(09:00)], -hour, two), Err(ScheduleError::Window));
        let c = CheckIns::new(vec![time!(17:00), time!(09:00)], hour, two).unwrap();
        assert_eq!(c.times(), [time!(09:00), time!(17:00)], "kept in order");
        assert_eq!(ScheduleError::Window.code(), "check_in_window_invalid");
    }

    #[test]
    fn a_report_answers_from_an_hour_early_until_the_check_in_closes_and_misses_are_counted_in_a_row() {
        let c = CheckIns::twice_daily();
        let admitted = datetime!(2026-12-05 20:00 UTC); // 05:00 on the 6th in Seoul
        // Check-ins: 6th 09:00 (00:00 UTC), 6th 17:00 (08:00 UTC), 7th 09:00 (7th 00:00 UTC).
        let reports = [datetime!(2026-12-05 23:00 UTC), datetime!(2026-12-07 01:59:59 UTC)];
        let now = datetime!(2026-12-07 02:00 UTC);
        let steps = c.follow(seoul(), admitted, admitted, now, &reports, 0);
        let seen: Vec<_> = steps
            .iter()
            .map(|s| match s {
                Step::Answered(c) => (c.day, c.number, 0),
                Step::Missed { check_in, in_row } => (check_in.day, check_in.number, *in_row),
            })
            .collect();
        assert_eq!(seen, [(date!(2026 - 12 - 06), 0, 0), (date!(2026 - 12 - 06), 1, 1), (date!(2026 - 12 - 07), 0, 0)]);
        // Followed again from the last close, nothing is found twice; without the late report two are missed.
        assert!(c.follow(seoul(), admitted, now, now + Duration::hours(1), &reports, 0).is_empty());
        let steps = c.follow(seoul(), admitted, datetime!(2026-12-06 02:00 UTC), now, &[], 1);
        assert_eq!(steps.len(), 2);
        assert!(matches!(steps[1], Step::Missed { in_row: 3, .. }));
        // A check-in due before the admission is not the patient's.
        let late_admission = datetime!(2026-12-06 00:30 UTC);
        let steps = c.follow(seoul(), late_admission, late_admission, now, &[], 0);
        assert!(steps.iter().all(|s| matches!(s, Step::Missed { check_in, .. } if check_in.due > late_admission)));
        assert_eq!(steps.len(), 2);
        // A check-in still open is not judged yet.
        let steps = c.follow(seoul(), admitted, admitted, datetime!(2026-12-06 01:00 UTC), &[], 0);
        assert!(steps.is_empty());
    }
}

mod admissions_and_board {
    use time::macros::{date, datetime};

    use crate::*;

    #[test]
    fn an_admission_moves_forward_only_and_ends_once() {
        use AdmissionState::*;
        for (from, to, ok) in [
            (Admitted, Monitoring, true),
            (Admitted, Transferred, true),
            (Admitted, Discharged, true),
            (Monitoring, Transferred, true),
            (Monitoring, Discharged, true),
            (Monitoring, Admitted, false),
            (Monitoring, Monitoring, false),
            (Transferred, Discharged, false),
            (Discharged, Monitoring, false),
            (Discharged, Transferred, false),
        ] {
            assert_eq!(from.move_to(to).is_ok(), ok, "{from} → {to}");
        }
        assert_eq!(AdmissionState::from_code("transferred"), Some(Transferred));
        assert!(Monitoring.is_open() && !Discharged.is_open());
        assert_eq!(Reason::parse("  SpO2 falling on oxygen ").unwrap().as_str(), "SpO2 falling on oxygen");
        assert_eq!(Reason::parse(" "), Err(AdmissionError::ReasonMissing));
        assert_eq!(Reason::parse("a\u{7}b"), Err(AdmissionError::ReasonInvalid));
        assert_eq!(Reason::parse(&"가".repeat(501)), Err(AdmissionError::ReasonInvalid));
        assert!(Reason::parse(&"가".repeat(500)).is_ok());
    }

    fn scored(total_from_rr_and_pulse: (u16, u16)) -> News2 {
        let vitals = Vitals {
            respiration_rate: Some(total_from_rr_and_pulse.0),
            pulse: Some(total_from_rr_and_pulse.1),
            ..Vitals::default()
        };
        News2::of(&vitals, Spo2Scale::One)
    }

    #[test]
    fn trend_rising_flag_and_day_of_illness() {
        let (zero, two, three) = (scored((16, 70)), scored((22, 70)), scored((16, 140)));
        assert_eq!(Trend::of(None, &zero), Trend::First);
        assert_eq!(Trend::of(Some(&zero), &two), Trend::Rising);
        assert_eq!(Trend::of(Some(&two), &two), Trend::Steady);
        assert_eq!(Trend::of(Some(&two), &zero).code(), "falling");
        assert!(rising_score(Some(&zero), &two), "up by two");
        assert!(rising_score(Some(&two), &three), "up by one, into low-medium");
        assert!(!rising_score(Some(&zero), &scored((16, 95))), "up by one in the same band");
        assert!(!rising_score(None, &three));
        assert_eq!(day_of_illness(date!(2026 - 12 - 01), date!(2026 - 12 - 01)), 1);
        assert_eq!(day_of_illness(date!(2026 - 11 - 28), date!(2026 - 12 - 07)), 10);
    }

    #[test]
    fn the_board_lists_the_most_urgent_first() {
        let at = datetime!(2026-12-06 00:00 UTC);
        let quiet = Standing {
            latest: Some(scored((16, 70))),
            hard_trigger: false,
            missed_in_row: 0,
            rising: false,
            last_report: Some(at),
        };
        let high = Standing { latest: Some(scored((30, 140))), ..quiet };
        let medium = Standing { latest: Some(scored((25, 115))), ..quiet };
        let single_three = Standing { latest: Some(scored((16, 140))), ..quiet };
        let trigger = Standing { hard_trigger: true, ..quiet };
        let twice_missed = Standing { missed_in_row: 2, last_report: Some(at - time::Duration::hours(20)), ..quiet };
        let once_missed = Standing { missed_in_row: 1, ..quiet };
        let rising = Standing { rising: true, latest: Some(scored((22, 70))), ..quiet };
        let never = Standing { latest: None, last_report: None, ..quiet };
        let mut rows = vec![
            ("quiet", quiet),
            ("never", never),
            ("rising", rising),
            ("once", once_missed),
            ("twice", twice_missed),
            ("trigger", trigger),
            ("three", single_three),
            ("medium", medium),
            ("high", high),
        ];
        rows.sort_by_key(|(_, s)| urgency(s));
        let order: Vec<&str> = rows.iter().map(|(n, _)| *n).collect();
        assert_eq!(order, ["high", "medium", "three", "twice", "trigger", "rising", "once", "never", "quiet"]);
    }
}

#[test]
fn every_symptom_code_reads_back_and_unknown_ones_do_not() {
    for s in Symptom::ALL {
        assert_eq!(Symptom::from_code(s.code()), Some(s));
    }
    assert_eq!(Symptom::from_code("Fever"), None);
    assert!(Symptom::ChestPain.is_warning() && !Symptom::Cough.is_warning());
}
