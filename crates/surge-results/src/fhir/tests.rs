//! The sample Bundle reads as its resources say; statuses and codings map as HL7 v2 would carry them.

use serde_json::json;

use super::*;
use crate::{Interpretation, TestTable, interpret};

const SAMPLE: &str = include_str!("../../tests/data/fhir/reportstream_valid_data_bundle.fhir.json");

#[test]
fn the_sample_bundle_reads_into_orders_and_observations() {
    let bundle: Value = serde_json::from_str(SAMPLE).unwrap();
    let message = parse_bundle(&bundle).unwrap();
    assert!(!message.header.control_id.is_empty());
    assert!(message.patient.birth_date.is_some());
    assert_eq!(message.orders.len(), 3);
    let first = &message.orders[0];
    assert_eq!(first.filler_order, "22:NB:B0016908S.2");
    assert_eq!(first.specimen_id, "05187084");
    assert_eq!(first.collected_at, "20220621");
    let obs = &first.observations[0];
    assert_eq!((obs.test.code.as_str(), obs.test.system.as_str(), obs.status.as_str()), ("41458-1", "LN", "F"));
    assert!(TestTable::seeded().name(&obs.test).is_none(), "41458-1 (SARS coronavirus, not SARS-CoV-2) is not guessed");
}

#[test]
fn statuses_and_results_map_like_hl7() {
    let bundle = |status: &str, code: &str, display: &str| {
        json!({"resourceType": "Bundle", "type": "collection", "identifier": {"value": "B1"}, "entry": [
            {"resource": {"resourceType": "Patient", "id": "p", "name": [{"family": "Kim", "given": ["Minji"]}],
             "birthDate": "1990-01-02", "telecom": [{"system": "phone", "value": "010-1234-5678"}]}},
            {"resource": {"resourceType": "Specimen", "id": "s", "identifier": [{"value": "S-77"}],
             "collection": {"collectedDateTime": "2026-03-01T08:00:00+09:00"}}},
            {"resource": {"resourceType": "Observation", "id": "o", "status": status,
             "code": {"coding": [{"system": "http://loinc.org", "code": "94500-6"}]},
             "valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": code, "display": display}]}}},
            {"resource": {"resourceType": "DiagnosticReport", "id": "d", "status": status,
             "identifier": [{"type": {"coding": [{"code": "FILL"}]}, "value": "F-1"}],
             "specimen": [{"reference": "Specimen/s"}], "result": [{"reference": "Observation/o"}]}}
        ]})
    };
    let message = parse_bundle(&bundle("final", "260415000", "Not detected")).unwrap();
    let order = &message.orders[0];
    assert_eq!(
        (order.filler_order.as_str(), order.specimen_id.as_str(), order.collected_at.as_str()),
        ("F-1", "S-77", "20260301")
    );
    assert_eq!(message.patient.phones, ["010-1234-5678"]);
    let obs = &order.observations[0];
    assert_eq!(obs.status, "F");
    assert_eq!(interpret(obs), Interpretation::NotDetected);
    let corrected = parse_bundle(&bundle("amended", "260373001", "Detected")).unwrap();
    assert_eq!(corrected.orders[0].observations[0].status, "C");
    assert_eq!(interpret(&corrected.orders[0].observations[0]), Interpretation::Detected);
    let odd = parse_bundle(&bundle("final", "260415000", "Detected")).unwrap();
    assert_eq!(interpret(&odd.orders[0].observations[0]), Interpretation::Unknown, "code and display disagree");
    assert_eq!(parse_bundle(&json!({"resourceType": "Patient"})).unwrap_err().code(), "fhir_unreadable");
    let mut empty = bundle("final", "260415000", "Not detected");
    empty["entry"].as_array_mut().unwrap().retain(|e| e["resource"]["resourceType"] != "DiagnosticReport");
    assert_eq!(parse_bundle(&empty).unwrap_err().code(), "hl7_field_missing");
}
