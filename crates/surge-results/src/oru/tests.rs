//! The sample messages (real feeds' test files, see `tests/data/SOURCES.md`) read as the standard says, their ACKs,
//! and where each result goes.

use time::macros::{date, datetime};

use super::*;
use crate::{
    AckCode, Identity, Interpretation, QueueReason, Registration, Route, TestKind, TestTable, ack, interpret, route,
    route_test,
};

const NEGATIVE_23: &str = include_str!("../../tests/data/01_reportstream_pcr_94500-6_negative_v2.3.hl7");
const BATCH: &str = include_str!("../../tests/data/03_reportstream_batch_FHS-BHS_v2.5.1.hl7");
const DETECTED: &str = include_str!("../../tests/data/04_reportstream_multiplex_94500-6_detected_v2.5.1.hl7");
const GLUCOSE: &str = include_str!("../../tests/data/07_python-hl7_hl7-normative_glucose_ORU_R01_v2.4.hl7");

fn results(message: &OruMessage) -> Vec<&Observation> {
    message.orders.iter().flat_map(|o| &o.observations).filter(|o| !o.is_order_entry_answer()).collect()
}

#[test]
fn escapes_are_decoded_whatever_the_text_around_them() {
    let s = Separators::default();
    for (raw, want) in [
        (r"a\F\b\S\c\T\d\R\e\E\f", "a|b^c&d~e\\f"),
        (r"line\X0A\next\.br\end", "line\nnext\rend"),
        (r"검사\F\결과", "검사|결과"),
        ("symp\u{fffd}oms \\F\\", "symp\u{fffd}oms |"),
        (r"\Zxx\kept", "Zxxkept"),
        (r"open\F", r"open\F"),
        ("plain", "plain"),
    ] {
        assert_eq!(decode(&s, raw), want, "{raw:?}");
    }
}

#[test]
fn hl7_times_are_read_with_their_offset_to_the_second() {
    use time::macros::datetime;
    for (text, want) in [
        ("20200314", Some(datetime!(2020-03-14 00:00 UTC))),
        ("202003141230", Some(datetime!(2020-03-14 12:30 UTC))),
        ("20200314123045.1234+0900", Some(datetime!(2020-03-14 12:30:45 +9))),
        ("20200314123045-0530", Some(datetime!(2020-03-14 12:30:45 -5:30))),
        ("2020031412", Some(datetime!(2020-03-14 12:00 UTC))),
        ("202003141", None),
        ("20201314", None),
        ("20200314126000", None),
        ("20200314+09", None),
        ("", None),
    ] {
        assert_eq!(hl7_time(text), want, "{text:?}");
    }
}

#[test]
fn a_v2_3_negative_reads_with_its_loinc_from_the_alternate_code() {
    let message = parse_oru(NEGATIVE_23).unwrap();
    assert_eq!(message.header.version, "2.3");
    assert_eq!(message.header.control_id, "04903212");
    assert_eq!(message.header.sending_facility, "FLH");
    assert_eq!((message.patient.family.as_str(), message.patient.given.as_str()), ("X7TEST", "DONOTUSE"));
    assert_eq!(message.patient.birth_date, Some(date!(1963 - 02 - 02)));
    assert_eq!(message.patient.phones, vec!["(904)9995555".to_owned()]);
    let order = &message.orders[0];
    assert_eq!(order.filler_order, "2107662558");
    let obs = results(&message);
    assert_eq!(obs.len(), 1);
    assert_eq!((obs[0].test.code.as_str(), obs[0].test.system.as_str()), ("94500-6", "LN"));
    assert_eq!((obs[0].value_type.as_str(), obs[0].value_text.as_str()), ("ST", "NEGATIVE"));
    assert_eq!(obs[0].status, "F");
    assert_eq!(obs[0].performing_lab, "FLH", "no OBX-23 in 2.3: the sending facility");
    assert_eq!(interpret(obs[0]), Interpretation::NotDetected);
    assert!(TestTable::seeded().name(&obs[0].test).is_some());
}

#[test]
fn a_multiplex_panel_reads_each_target_and_skips_the_order_entry_answers() {
    let message = parse_oru(DETECTED).unwrap();
    assert_eq!(message.header.version, "2.5.1");
    assert_eq!(message.patient.birth_date, Some(date!(2000 - 12 - 18)));
    assert_eq!(message.patient.phones, vec!["+13405555555".to_owned()], "XTN in 2.5: country, area and number");
    let order = &message.orders[0];
    assert_eq!(order.specimen_id, "3ad338c6-125d-4141-9ce1-6040481304ab", "SPM-2");
    let table = TestTable::seeded();
    let seen: Vec<(&str, Interpretation, bool)> =
        results(&message).iter().map(|o| (o.test.code.as_str(), interpret(o), table.name(&o.test).is_some())).collect();
    assert_eq!(
        seen,
        vec![
            ("85479-4", Interpretation::Detected, false),
            ("94500-6", Interpretation::Detected, true),
            ("85478-6", Interpretation::Detected, false),
        ]
    );
}

#[test]
fn a_batch_splits_into_its_messages() {
    let messages = split_batch(BATCH).unwrap();
    assert_eq!(messages.len(), 2);
    let ids: Vec<String> = messages.iter().map(|m| parse_oru(m).unwrap().header.control_id).collect();
    assert_eq!(ids, ["371784", "612092"]);
    for m in &messages {
        let message = parse_oru(m).unwrap();
        let obs = results(&message);
        assert_eq!(obs.len(), 1, "four order-entry answers are not results");
        assert_eq!((obs[0].test.code.as_str(), interpret(obs[0])), ("94558-4", Interpretation::NotDetected));
    }
    assert_eq!(split_batch(NEGATIVE_23).unwrap().len(), 1, "a lone message is a batch of one");
    assert!(split_batch("PID|1\rOBX|1").is_err());
}

#[test]
fn any_line_ending_reads_the_same() {
    let cr = parse_oru(NEGATIVE_23).unwrap();
    assert_eq!(parse_oru(&NEGATIVE_23.replace('\r', "\n")).unwrap(), cr);
    assert_eq!(parse_oru(&NEGATIVE_23.replace('\r', "\r\n")).unwrap(), cr);
}

#[test]
fn messages_this_interface_does_not_take_are_refused_with_the_right_code() {
    let adt = NEGATIVE_23.replacen("ORU^R01", "ADT^A01", 1);
    let e = parse_oru(&adt).unwrap_err();
    assert_eq!((e.code(), e.ack().0), ("hl7_unsupported_type", AckCode::Reject));
    let v26 = NEGATIVE_23.replacen("|T|2.3|", "|T|2.6|", 1);
    let e = parse_oru(&v26).unwrap_err();
    assert_eq!((e.code(), e.ack().0), ("hl7_unsupported_version", AckCode::Reject));
    let no_obx: String = NEGATIVE_23.lines().filter(|s| !s.starts_with("OBX")).collect::<Vec<_>>().join("\r");
    let e = parse_oru(&no_obx).unwrap_err();
    assert_eq!((e.code(), e.ack().0), ("hl7_field_missing", AckCode::Error));
    assert_eq!(e.to_string(), "OBX is required: at least one observation");
    assert_eq!(parse_oru("hello").unwrap_err().code(), "hl7_unreadable");
}

#[test]
fn acks_echo_the_control_id_and_carry_the_reason() {
    let header = read_header(NEGATIVE_23).unwrap();
    let now = datetime!(2026-03-01 09:00 UTC);
    let accepted = ack(Some(&header), AckCode::Accept, None, now, "SURGE-1");
    assert_eq!(
        accepted,
        "MSH|^~\\&|SURGE|SURGE|HL7LAB_IN|FLH|20260301090000||ACK^R01^ACK|SURGE-1|P|2.3\rMSA|AA|04903212\r"
    );
    let parsed = hl7_parser::Message::parse(accepted.trim_end_matches('\r')).unwrap();
    assert_eq!(parsed.segment("MSA").unwrap().field(2).unwrap().raw_value(), "04903212");
    let error = ack(
        Some(&header),
        AckCode::Error,
        Some((crate::ErrorCode::RequiredFieldMissing, "PID-7 | date of birth")),
        now,
        "SURGE-2",
    );
    assert!(
        error.contains("\rMSA|AE|04903212|PID-7 \\F\\ date of birth\rERR|||101^Required field missing^HL70357|E"),
        "{error}"
    );
    let unreadable = ack(None, AckCode::Error, Some((crate::ErrorCode::ApplicationError, "not HL7")), now, "SURGE-3");
    assert!(unreadable.starts_with("MSH|^~\\&|SURGE|SURGE|||20260301090000||ACK^R01^ACK|SURGE-3|P|2.5.1\rMSA|AE|"));
}

#[test]
fn only_a_final_negative_of_a_known_test_for_one_registered_person_is_texted() {
    let message = parse_oru(NEGATIVE_23).unwrap();
    let order = &message.orders[0];
    let obs = &order.observations[0];
    let table = TestTable::seeded();
    let person = |id: i64, specimen: Option<&str>, phone: Option<&str>| Registration {
        id,
        specimen_id: specimen.map(str::to_owned),
        phone: phone.map(str::to_owned),
        family: "x7test".into(),
        given: "DonotUse".into(),
        birth_date: date!(1963 - 02 - 02),
    };
    let by_specimen =
        crate::match_identity(&message.patient, order, &[person(1, Some("2107662558"), Some("+19045550100"))], "US");
    assert_eq!(by_specimen, Identity::Matched { registration: 1, phone: Some("+19045550100".into()) });
    let by_phone_and_name =
        crate::match_identity(&message.patient, order, &[person(2, None, Some("+19049995555"))], "US");
    assert!(matches!(by_phone_and_name, Identity::Matched { registration: 2, .. }), "{by_phone_and_name:?}");
    let mut other_birthday = person(3, Some("2107662558"), Some("+19049995555"));
    other_birthday.birth_date = date!(1963 - 02 - 03);
    assert_eq!(crate::match_identity(&message.patient, order, &[other_birthday], "US"), Identity::Unmatched);
    let two = [person(4, Some("2107662558"), Some("+19045550100")), person(5, None, Some("+19049995555"))];
    assert_eq!(crate::match_identity(&message.patient, order, &two, "US"), Identity::Ambiguous(2));

    let known = table.name(&obs.test).is_some();
    let i = interpret(obs);
    assert_eq!(route(&obs.status, known, i, &by_specimen, false), Route::AutoText { phone: "+19045550100".into() });
    assert_eq!(route("P", known, i, &by_specimen, false), Route::Clinician(QueueReason::NotFinal));
    assert_eq!(route("F", false, i, &by_specimen, false), Route::Clinician(QueueReason::UnknownTest));
    assert_eq!(
        route("F", known, Interpretation::Detected, &by_specimen, false),
        Route::Clinician(QueueReason::Detected)
    );
    assert_eq!(route("F", known, i, &Identity::Unmatched, false), Route::Clinician(QueueReason::Unmatched));
    assert_eq!(route("F", known, i, &Identity::Ambiguous(2), false), Route::Clinician(QueueReason::Ambiguous));
    let no_phone = Identity::Matched { registration: 1, phone: None };
    assert_eq!(route("F", known, i, &no_phone, false), Route::Clinician(QueueReason::NoPhone));
    assert_eq!(
        route("C", known, Interpretation::Detected, &by_specimen, true),
        Route::Clinician(QueueReason::CorrectedAfterText),
        "a correction that turns a texted negative positive is urgent"
    );
    assert_eq!(route("F", known, i, &by_specimen, true), Route::Clinician(QueueReason::AlreadyTexted));
    assert!(QueueReason::CorrectedAfterText.urgency() < QueueReason::Detected.urgency());
}

#[test]
fn results_are_read_by_code_and_words_and_never_guessed() {
    let coded = |code: &str, text: &str, system: &str| Observation {
        value_type: "CWE".into(),
        value_coded: Some(Coded { code: code.into(), text: text.into(), system: system.into() }),
        ..Observation::default()
    };
    let words = |text: &str| Observation { value_type: "ST".into(), value_text: text.into(), ..Observation::default() };
    assert_eq!(interpret(&coded("260415000", "Not detected", "SCT")), Interpretation::NotDetected);
    assert_eq!(interpret(&coded("260373001", "Detected", "SCT")), Interpretation::Detected);
    assert_eq!(interpret(&coded("419984006", "Inconclusive", "SCT")), Interpretation::Inconclusive);
    assert_eq!(
        interpret(&coded("455371000124106", "Invalid result", "SCT")),
        Interpretation::Unknown,
        "the words must agree"
    );
    assert_eq!(interpret(&coded("260415000", "Detected", "SCT")), Interpretation::Unknown, "code and text disagree");
    assert_eq!(interpret(&coded("260415000", "", "L")), Interpretation::Unknown, "a local code is not SNOMED");
    assert_eq!(interpret(&words(" not  detected ")), Interpretation::NotDetected);
    assert_eq!(interpret(&words("Negative")), Interpretation::NotDetected);
    assert_eq!(interpret(&words("NEGATIVE?")), Interpretation::Unknown);
    assert_eq!(interpret(&words("<1.0")), Interpretation::Unknown);
    let glucose = parse_oru(GLUCOSE).unwrap();
    let obs = results(&glucose);
    assert_eq!(obs[0].test.code, "1554-5");
    assert!(TestTable::seeded().name(&obs[0].test).is_none(), "glucose is not a known test");
    assert_eq!(interpret(obs[0]), Interpretation::Unknown);
}

#[test]
fn the_seed_table_holds_the_issue_s_tests_and_a_bad_table_names_its_line() {
    let table = TestTable::seeded();
    assert!(table.len() >= 30, "{}", table.len());
    for code in ["94500-6", "94309-2", "94533-7", "94558-4", "97097-0", "95209-3"] {
        let test = Coded { code: code.into(), text: String::new(), system: "LN".into() };
        assert!(table.name(&test).is_some(), "{code}");
    }
    let antibody = Coded { code: "94563-4".into(), text: String::new(), system: "LN".into() };
    assert!(table.name(&antibody).is_none(), "antibody tests are not infection results");
    assert_eq!(TestTable::from_tsv("94500-6\tok\nbanana\tno\n").unwrap_err().0, 2);
}

/// Issue 21: a multiplex message's influenza and RSV results were queued as "test code not known". The other tests
/// of a SARS-CoV-2 panel are recorded only, whatever they say; a code in neither table still goes to clinicians.
#[test]
fn a_panels_other_tests_are_recorded_and_unknown_codes_still_go_to_clinicians() {
    let table = TestTable::seeded();
    let coded = |code: &str| Coded { code: code.into(), text: String::new(), system: "LN".into() };
    for code in ["76078-5", "76080-1", "85479-4", "92142-9"] {
        assert!(table.name(&coded(code)).is_none() && table.panel_companion(&coded(code)).is_some(), "{code}");
    }
    assert!(table.panel_companion(&coded("94500-6")).is_none(), "SARS-CoV-2 is not a companion");
    assert!(table.panel_companion(&coded("2345-7")).is_none(), "glucose is in neither table");
    let not_loinc = Coded { code: "76078-5".into(), text: String::new(), system: "L".into() };
    assert!(table.panel_companion(&not_loinc).is_none(), "a local code is not guessed to be LOINC");
    // A deployment's own table that names a companion code makes it a known test.
    let own = TestTable::from_tsv("94500-6\tSARS-CoV-2 RNA\n76078-5\tInfluenza A RNA\n").unwrap();
    assert!(own.name(&coded("76078-5")).is_some() && own.panel_companion(&coded("76078-5")).is_none());
    let matched = Identity::Matched { registration: 1, phone: Some("+821012345678".into()) };
    for (status, i) in
        [("F", Interpretation::Detected), ("P", Interpretation::NotDetected), ("F", Interpretation::Unknown)]
    {
        assert_eq!(route_test(status, TestKind::PanelCompanion, i, &matched, false), Route::Recorded);
    }
    assert_eq!(
        route_test("F", TestKind::Unknown, Interpretation::NotDetected, &matched, false),
        Route::Clinician(QueueReason::UnknownTest)
    );
    assert_eq!(
        route_test("F", TestKind::Known, Interpretation::NotDetected, &matched, false),
        Route::AutoText { phone: "+821012345678".into() }
    );
    // The multiplex sample: its SARS-CoV-2 result and each other test are routed apart.
    let message = parse_oru(DETECTED).unwrap();
    let kinds: Vec<(String, TestKind)> = message.orders[0]
        .observations
        .iter()
        .filter(|o| !o.is_order_entry_answer())
        .map(|o| (o.test.code.clone(), table.kind(&o.test)))
        .collect();
    let expected =
        [("85479-4", TestKind::PanelCompanion), ("94500-6", TestKind::Known), ("85478-6", TestKind::PanelCompanion)];
    assert_eq!(kinds, expected.map(|(c, k)| (c.to_owned(), k)).to_vec());
}

mod fuzz {
    use proptest::prelude::*;

    use super::*;

    fn check_all(text: &str) -> Result<(), TestCaseError> {
        let table = TestTable::seeded();
        let _ = read_header(text);
        let Ok(messages) = split_batch(text) else { return Ok(()) };
        for m in messages {
            let Ok(message) = parse_oru(&m) else { continue };
            for obs in message.orders.iter().flat_map(|o| &o.observations) {
                let identity = Identity::Matched { registration: 1, phone: Some("+821012345678".into()) };
                let known = table.name(&obs.test).is_some();
                if let Route::AutoText { .. } = route(&obs.status, known, interpret(obs), &identity, false) {
                    prop_assert_eq!(obs.status.as_str(), "F");
                    prop_assert_eq!(interpret(obs), Interpretation::NotDetected);
                    prop_assert!(known);
                }
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn mutated_samples_never_panic_and_only_final_negatives_of_known_tests_are_texted(
            which in 0usize..4,
            edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..24),
        ) {
            let mut bytes = [NEGATIVE_23, BATCH, DETECTED, GLUCOSE][which].as_bytes().to_vec();
            for (at, byte) in edits {
                let i = at % bytes.len();
                // Delimiters and letters are the interesting mutations; any byte may land.
                bytes[i] = byte;
            }
            check_all(&String::from_utf8_lossy(&bytes))?;
        }

        #[test]
        fn random_text_never_panics(text in "MSH[|^~\\\\&A-Z0-9\r\n.-]{0,400}", bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            check_all(&text)?;
            check_all(&String::from_utf8_lossy(&bytes))?;
        }

        #[test]
        fn a_detected_result_is_never_texted_whatever_else_changes(
            edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..24),
        ) {
            // Mutations anywhere except the result values themselves: the positive sample must stay untexted.
            let text = DETECTED.replace('\n', "\r");
            let protected: Vec<std::ops::Range<usize>> =
                text.match_indices("260373001^Detected^SCT").map(|(i, m)| i..i + m.len()).collect();
            let mut bytes = text.as_bytes().to_vec();
            for (at, byte) in edits {
                let i = at % bytes.len();
                if !protected.iter().any(|r| r.contains(&i)) && byte.is_ascii() {
                    bytes[i] = byte;
                }
            }
            let table = TestTable::seeded();
            if let Ok(message) = parse_oru(&String::from_utf8_lossy(&bytes)) {
                for obs in message.orders.iter().flat_map(|o| &o.observations) {
                    if obs.value_text.contains("260373001") {
                        let identity = Identity::Matched { registration: 1, phone: Some("+821012345678".into()) };
                        let r = route(&obs.status, table.name(&obs.test).is_some(), interpret(obs), &identity, false);
                        prop_assert!(!matches!(r, Route::AutoText { .. }), "{obs:?}");
                    }
                }
            }
        }
    }
}
