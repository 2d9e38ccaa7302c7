//! FHIR R4 results: a Bundle (message or collection) with DiagnosticReport, Observation, Patient and Specimen
//! resources, read into the same shape as an HL7 v2 message, so one set of rules routes both. Codings are chosen by
//! system (LOINC for tests, SNOMED CT for results); statuses map to HL7 v2 OBX-11 (final F, corrected or amended C,
//! preliminary P …).

#[cfg(test)]
mod tests;

use serde_json::Value;
use time::Date;
use time::macros::format_description;

use crate::oru::{Coded, Header, Hl7Error, Observation, Order, OruMessage, Patient};

const LOINC: &str = "http://loinc.org";
const SNOMED: &str = "http://snomed.info/sct";

fn text(value: &Value, key: &str) -> String {
    value.get(key).and_then(Value::as_str).unwrap_or("").to_owned()
}

/// The resource a reference (`Patient/123`, or a bundle entry's full URL) points to.
fn resolve<'a>(bundle: &'a [&'a Value], reference: &str) -> Option<&'a Value> {
    bundle.iter().copied().find(|r| {
        let id = format!("{}/{}", text(r, "resourceType"), text(r, "id"));
        id == reference || reference.ends_with(&format!("/{id}")) || reference == text(r, "fullUrl")
    })
}

fn coding(concept: Option<&Value>, system: &str, short: &str) -> Option<Coded> {
    concept?.get("coding")?.as_array()?.iter().find(|c| text(c, "system") == system).map(|c| Coded {
        code: text(c, "code"),
        text: text(c, "display"),
        system: short.to_owned(),
    })
}

/// OBX-11 for an Observation.status.
fn status(fhir: &str) -> &'static str {
    match fhir {
        "final" => "F",
        "corrected" | "amended" => "C",
        "preliminary" => "P",
        "registered" => "I",
        "cancelled" => "X",
        "entered-in-error" => "W",
        _ => "",
    }
}

fn missing(what: &'static str) -> Hl7Error {
    Hl7Error::Missing { segment: "Bundle", field: 0, what }
}

/// Reads a FHIR R4 Bundle of lab results.
pub fn parse_bundle(bundle: &Value) -> Result<OruMessage, Hl7Error> {
    if text(bundle, "resourceType") != "Bundle" {
        return Err(Hl7Error::NotFhir("its resourceType is not \"Bundle\"".into()));
    }
    let resources: Vec<&Value> = bundle
        .get("entry")
        .and_then(Value::as_array)
        .map(|entries| entries.iter().filter_map(|e| e.get("resource")).collect())
        .unwrap_or_default();
    let of = |kind: &'static str| resources.iter().copied().filter(move |r| text(r, "resourceType") == kind);
    let header_resource = of("MessageHeader").next();
    let control_id = bundle
        .get("identifier")
        .map(|i| text(i, "value"))
        .filter(|v| !v.is_empty())
        .or_else(|| header_resource.map(|h| text(h, "id")))
        .filter(|v| !v.is_empty())
        .or_else(|| Some(text(bundle, "id")).filter(|v| !v.is_empty()))
        .ok_or_else(|| missing("an identifier (Bundle.identifier, MessageHeader.id or Bundle.id)"))?;
    let sender = header_resource
        .and_then(|h| h.get("source"))
        .map(|s| {
            let name = text(s, "name");
            if name.is_empty() { text(s, "endpoint") } else { name }
        })
        .unwrap_or_default();
    let patient_resource = of("Patient").next().ok_or_else(|| missing("a Patient"))?;
    let name = patient_resource.get("name").and_then(Value::as_array).and_then(|n| n.first());
    let patient = Patient {
        ids: patient_resource
            .get("identifier")
            .and_then(Value::as_array)
            .map(|ids| ids.iter().map(|i| text(i, "value")).filter(|v| !v.is_empty()).collect())
            .unwrap_or_default(),
        family: name.map(|n| text(n, "family")).unwrap_or_default(),
        given: name
            .and_then(|n| n.get("given"))
            .and_then(Value::as_array)
            .and_then(|g| g.first())
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        birth_date: Date::parse(&text(patient_resource, "birthDate"), format_description!("[year]-[month]-[day]")).ok(),
        phones: patient_resource
            .get("telecom")
            .and_then(Value::as_array)
            .map(|t| t.iter().filter(|c| text(c, "system") == "phone").map(|c| text(c, "value")).collect())
            .unwrap_or_default(),
    };
    let mut orders = Vec::new();
    for report in of("DiagnosticReport") {
        let identifiers = report.get("identifier").and_then(Value::as_array).cloned().unwrap_or_default();
        let identifier = |code: &str| {
            identifiers.iter().find(|i| {
                i.get("type")
                    .and_then(|t| t.get("coding"))
                    .and_then(Value::as_array)
                    .is_some_and(|c| c.iter().any(|c| text(c, "code") == code))
            })
        };
        let typed = |code: &str| identifier(code).map(|i| text(i, "value"));
        let filler = typed("FILL").filter(|f| !f.is_empty()).unwrap_or_else(|| text(report, "id"));
        // The identifier's system is its namespace, as OBR-3.2 is in HL7 v2.
        let filler_order_id = match identifier("FILL").map(|i| text(i, "system")).filter(|s| !s.is_empty()) {
            Some(system) => format!("{filler}^{system}"),
            None => filler.clone(),
        };
        let specimen = report
            .get("specimen")
            .and_then(Value::as_array)
            .and_then(|s| s.first())
            .and_then(|s| resolve(&resources, &text(s, "reference")));
        let specimen_id = specimen
            .and_then(|s| {
                s.get("identifier").and_then(Value::as_array).and_then(|i| i.first()).map(|i| text(i, "value"))
            })
            .unwrap_or_else(|| filler.clone());
        let collected = specimen
            .and_then(|s| s.get("collection"))
            .map(|c| {
                let at = text(c, "collectedDateTime");
                if at.is_empty() { c.get("collectedPeriod").map(|p| text(p, "start")).unwrap_or_default() } else { at }
            })
            .unwrap_or_default();
        let mut observations = Vec::new();
        for reference in report.get("result").and_then(Value::as_array).into_iter().flatten() {
            let Some(obs) = resolve(&resources, &text(reference, "reference")) else { continue };
            let value_coded = coding(obs.get("valueCodeableConcept"), SNOMED, "SCT");
            let value_text = match &value_coded {
                Some(c) => format!("{}^{}^SCT", c.code, c.text),
                None => text(obs, "valueString"),
            };
            observations.push(Observation {
                set_id: text(obs, "id"),
                value_type: if obs.get("valueCodeableConcept").is_some() { "CWE".into() } else { "ST".into() },
                test: coding(obs.get("code"), LOINC, "LN").unwrap_or_default(),
                value_text,
                value_coded: obs.get("valueCodeableConcept").map(|_| value_coded.clone().unwrap_or_default()),
                abnormal_flag: String::new(),
                status: status(&text(obs, "status")).to_owned(),
                observed_at: text(obs, "effectiveDateTime"),
                performing_lab: sender.clone(),
                observation_type: String::new(),
            });
        }
        // An HL7-style date for the text: 2022-06-21T13:36 → 20220621.
        let collected_at = collected.get(..10).map(|d| d.replace('-', "")).unwrap_or_default();
        orders.push(Order {
            placer_order: typed("PLAC").unwrap_or_default(),
            filler_order: filler,
            filler_order_id,
            specimen_id,
            collected_at,
            observations,
        });
    }
    if orders.iter().all(|o| o.observations.is_empty()) {
        return Err(missing("a DiagnosticReport with at least one Observation"));
    }
    Ok(OruMessage {
        header: Header {
            sending_application: sender.clone(),
            sending_facility: sender,
            message_type: "FHIR^Bundle".into(),
            control_id,
            version: "R4".into(),
            ..Header::default()
        },
        patient,
        orders,
    })
}
