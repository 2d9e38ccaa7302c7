//! Fixtures: a valid registration, employee rows, configuration, and a fake signer that makes distinct passes
//! without cryptography (the real worker is tested separately).

use surge_app::{Config, IssuedPass, OutboxMessage, PendingRow};
use surge_domain::{
    DEFAULT_CATEGORIES, EmployeeRow, Phone, Registration, RegistrationInput, RegistryScheme, Screening,
};
use time::OffsetDateTime;
use time::macros::datetime;

pub const NOW: OffsetDateTime = datetime!(2026-03-01 09:00 UTC);

pub fn config() -> Config {
    Config {
        registry_scheme: RegistryScheme::KrBrn,
        zones: surge_domain::ZoneList::korea(),
        categories: DEFAULT_CATEGORIES.iter().map(|c| c.to_string()).collect(),
        phone_region: "KR".into(),
        max_pass_days: 90,
        max_requested_quota: 10_000,
        applications: surge_app::applications::ApplicationConfig::default(),
        zone: surge_domain::LocalZone::default(),
    }
}

pub fn registration_input(name: &str, number: &str) -> RegistrationInput {
    RegistrationInput {
        legal_name: name.into(),
        registry_number: number.into(),
        category: "food-supply".into(),
        address: "1 Jungang-daero, Busan".into(),
        zone: "KR-26".into(),
        contact_phone: "010-1234-5678".into(),
        contact_email: "ops@example.org".into(),
        requested_quota: "100".into(),
    }
}

pub fn registration(name: &str, number: &str, zone: &str) -> Registration {
    Registration {
        legal_name: name.into(),
        registry_number: number.into(),
        category: "food-supply".into(),
        address: "1 Jungang-daero, Busan".into(),
        zone: zone.into(),
        contact_phone: Phone::parse("010-1234-5678", "KR").unwrap(),
        contact_email: "ops@example.org".into(),
        requested_quota: 100,
    }
}

pub fn screening_passed() -> Screening {
    Screening {
        findings: vec![surge_domain::Finding {
            rule: "registry_number_unique",
            passed: true,
            detail: "no other organisation has this number".into(),
            related: None,
        }],
    }
}

/// `n` employees with distinct phones, starting at `first`; line numbers start at 2 like a file's.
pub fn employees(first: u32, n: u32) -> Vec<EmployeeRow> {
    (0..n)
        .map(|i| {
            let k = first + i;
            EmployeeRow {
                line: i + 2,
                name: format!("Employee {k}"),
                phone: Phone::parse(&format!("010-{:04}-{:04}", 1000 + k / 10_000, k % 10_000), "KR").unwrap(),
                masked_id: format!("{:04}", k % 10_000),
                zones: vec!["KR-26".into()],
                valid_from: datetime!(2026-03-01 00:00 UTC),
                valid_to: datetime!(2026-03-08 00:00 UTC),
                vehicle_plate: None,
            }
        })
        .collect()
}

/// The same rows as a CSV file.
pub fn employees_csv(rows: &[EmployeeRow]) -> String {
    let mut csv = String::from("name,phone,id_last4,zones,valid_from,valid_to,vehicle_plate\n");
    for r in rows {
        csv.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            r.name,
            r.phone,
            r.masked_id,
            r.zones.join(";"),
            r.valid_from.date(),
            (r.valid_to - time::Duration::days(1)).date(),
            r.vehicle_plate.clone().unwrap_or_default()
        ));
    }
    csv
}

/// Makes a distinct, recognisable pass for a row without signing anything.
pub fn fake_sign(row: &PendingRow, status_index: u64) -> Result<IssuedPass, String> {
    let mut id = [0u8; 16];
    id[..8].copy_from_slice(&row.batch_id.to_be_bytes());
    id[8..12].copy_from_slice(&row.row.line.to_be_bytes());
    let mut link_hash = [0u8; 32];
    link_hash[..16].copy_from_slice(&id);
    Ok(IssuedPass {
        pass_id: id,
        status_index,
        // Unique, as a signer's random codes are (the store refuses a code twice).
        control_code: format!("B{status_index:09}"),
        token: format!("EP1:FAKE-{}-{}", row.batch_id, row.row.line),
        link_hash,
        sms: OutboxMessage {
            idempotency_key: format!("pass-issued:{}:{}", row.batch_id, row.row.line),
            kind: "pass_issued".into(),
            recipient: row.row.phone.as_str().into(),
            body: format!("pass for {}", row.row.name),
        },
    })
}

/// A valid application from `phone` for a person (`masked_id`) in Busan, 1 to 3 March.
pub fn application(phone: &str, masked_id: &str) -> surge_app::NewApplication {
    surge_app::NewApplication {
        phone: phone.into(),
        application: surge_domain::Application {
            purpose: "medical-emergency".into(),
            category: "healthcare".into(),
            from_zone: "KR-26".into(),
            to_zone: "KR-26-110".into(),
            valid_from: datetime!(2026-03-01 00:00 UTC),
            valid_to: datetime!(2026-03-04 00:00 UTC),
            holder: "Kim Minji".into(),
            masked_id: masked_id.into(),
            vehicle_plate: None,
        },
        document: None,
        status: surge_domain::ApplicationStatus::Review,
        rule: None,
        reason_en: "An official will check this application".into(),
        reason_ko: "담당 공무원이 이 신청을 확인합니다".into(),
        created_at: NOW,
    }
}

/// Makes a distinct, recognisable pass for an application without signing anything.
pub fn fake_sign_application(record: &surge_app::ApplicationRecord, status_index: u64) -> Result<IssuedPass, String> {
    let mut id = [0xA0u8; 16];
    id[..8].copy_from_slice(&record.id.to_be_bytes());
    Ok(IssuedPass {
        pass_id: id,
        status_index,
        control_code: format!("A{status_index:09}"),
        token: format!("EP1:FAKE-A{}", record.id),
        link_hash: [7; 32],
        sms: OutboxMessage {
            idempotency_key: format!("pass-issued:{status_index}"),
            kind: "pass_issued".into(),
            recipient: record.phone.clone(),
            body: format!("pass for {}", record.application.holder),
        },
    })
}

/// A lab message as kept, received at `NOW`.
pub fn lab_message(facility: &str, control_id: &str) -> surge_app::lab::NewLabMessage {
    surge_app::lab::NewLabMessage {
        sending_facility: facility.into(),
        control_id: control_id.into(),
        raw: format!("MSH|^~\\&|{facility}|{control_id}"),
        ack_code: "AA".into(),
        error: None,
        received_at: NOW,
    }
}

/// A SARS-CoV-2 PCR result for registration 7: texted when `reason` is `None`, else queued with it.
pub fn lab_result(
    filler: &str,
    status: &str,
    interpretation: &str,
    reason: Option<&str>,
) -> surge_app::lab::NewLabResult {
    surge_app::lab::NewLabResult {
        lab: "FLH".into(),
        filler_order: filler.into(),
        test_code: "94500-6".into(),
        status: status.into(),
        specimen_id: filler.into(),
        test_name: "SARS coronavirus 2 RNA".into(),
        interpretation: interpretation.into(),
        value: interpretation.to_uppercase(),
        family: "Kim".into(),
        given: "Minji".into(),
        birth_date: None,
        collected_at: "20260301".into(),
        performing_lab: "FLH".into(),
        registration_id: Some(7),
        texted: reason.is_none(),
        reason: reason.map(str::to_owned),
        urgency: if reason.is_none() { 9 } else { 1 },
    }
}

/// A negative result's text.
pub fn result_sms(key: &str, to: &str) -> OutboxMessage {
    OutboxMessage {
        idempotency_key: key.into(),
        kind: "result_negative".into(),
        recipient: to.into(),
        body: "NEGATIVE".into(),
    }
}

/// A scan of the pass with `status_index` at a checkpoint, recorded by account 3; one not valid has a bad signature.
pub fn scan(checkpoint_id: i64, status_index: u64, valid: bool, at: OffsetDateTime) -> surge_app::NewScan {
    surge_app::NewScan {
        checkpoint_id: Some(checkpoint_id),
        actor: "account:3".into(),
        status_index: Some(status_index),
        valid,
        reason: (!valid).then(|| "bad_signature".to_owned()),
        at,
        client_id: None,
    }
}
