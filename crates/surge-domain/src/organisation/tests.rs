//! Tests for the registration form's rules and the screening state machine.

use super::*;

fn input() -> RegistrationInput {
    RegistrationInput {
        legal_name: "Busan Fresh Foods Co.".into(),
        registry_number: "220-81-62517".into(),
        category: "food-supply".into(),
        address: "1 Jungang-daero, Busan".into(),
        zone: "kr-26".into(),
        contact_phone: "010-1234-5678".into(),
        contact_email: "ops@busanfresh.example".into(),
        requested_quota: "250".into(),
    }
}

fn categories() -> Vec<String> {
    DEFAULT_CATEGORIES.iter().map(|c| c.to_string()).collect()
}

fn check(edit: impl FnOnce(&mut RegistrationInput), expect: &[(&str, &str)]) {
    let mut form = input();
    edit(&mut form);
    let got = match validate_registration(&form, RegistryScheme::KrBrn, &categories(), &crate::ZoneList::korea(), "KR")
    {
        Ok(_) => vec![],
        Err(errors) => errors.into_iter().map(|e| (e.field, e.code)).collect(),
    };
    assert_eq!(got, expect);
}

#[test]
fn a_good_registration_is_normalised() {
    let reg =
        validate_registration(&input(), RegistryScheme::KrBrn, &categories(), &crate::ZoneList::korea(), "KR").unwrap();
    assert_eq!(reg.registry_number, "2208162517");
    assert_eq!(reg.zone, "KR-26");
    assert_eq!(reg.contact_phone.as_str(), "+821012345678");
    assert_eq!(reg.requested_quota, 250);
}

#[test]
fn every_bad_field_is_reported_at_once() {
    check(|_| {}, &[]);
    check(
        |f| {
            f.legal_name = " ".into();
            f.registry_number = "220-81-62518".into();
            f.category = "casino".into();
            f.contact_email = "ops@localhost".into();
            f.requested_quota = "0".into();
        },
        &[
            ("legal_name", "required"),
            ("registry_number", "registry_number_invalid"),
            ("category", "category_not_allowed"),
            ("contact_email", "email_invalid"),
            ("requested_quota", "quota_invalid"),
        ],
    );
    check(|f| f.contact_phone = "12".into(), &[("contact_phone", "phone_invalid")]);
    check(|f| f.zone = "KR 26".into(), &[("zone", "zone_invalid")]);
    // "Busan" typed as a zone reached no official's queue: only the authority's listed zones are taken.
    check(|f| f.zone = "Busan".into(), &[("zone", "zone_unknown")]);
    check(|f| f.zone = "kr-26-110".into(), &[]);
    // Busan's districts are listed, so a district code that is none of them is refused.
    check(|f| f.zone = "KR-26-999".into(), &[("zone", "zone_unknown")]);
    check(|f| f.requested_quota = "100001".into(), &[("requested_quota", "quota_invalid")]);
}

#[test]
fn screening_moves_only_along_allowed_transitions() {
    let review = OrgStatus::InReview;
    assert_eq!(review.apply(&Transition::Approve { quota: 100 }), Ok(OrgStatus::Approved { quota: 100 }));
    assert_eq!(review.apply(&Transition::Approve { quota: 0 }).unwrap_err().code(), "transition_invalid");
    assert_eq!(review.apply(&Transition::Reject { reason: "  ".into() }).unwrap_err().code(), "transition_invalid");
    let asked = review.apply(&Transition::AskForInformation { question: "Send your licence".into() }).unwrap();
    assert_eq!(asked.apply(&Transition::Resubmit), Ok(OrgStatus::InReview));
    let rejected = review.apply(&Transition::Reject { reason: "Not essential".into() }).unwrap();
    let err = rejected.apply(&Transition::Approve { quota: 5 }).unwrap_err();
    assert_eq!(err.to_string(), "an organisation that is rejected cannot be approved");
    let approved = OrgStatus::Approved { quota: 10 };
    assert_eq!(approved.apply(&Transition::SetQuota { quota: 20 }), Ok(OrgStatus::Approved { quota: 20 }));
    assert_eq!(review.apply(&Transition::SetQuota { quota: 20 }).unwrap_err().code(), "transition_not_allowed");
}

#[test]
fn a_registration_awaiting_its_contact_phone_can_only_be_confirmed() {
    let waiting = OrgStatus::AwaitingContact;
    assert_eq!(waiting.code(), "contact_unconfirmed");
    assert_eq!(waiting.apply(&Transition::ConfirmContact), Ok(OrgStatus::InReview));
    let err = waiting.apply(&Transition::Approve { quota: 5 }).unwrap_err();
    assert_eq!(err.to_string(), "an organisation that is contact_unconfirmed cannot be approved");
    assert!(waiting.apply(&Transition::AskForInformation { question: "Who are you?".into() }).is_err());
    assert_eq!(OrgStatus::InReview.apply(&Transition::ConfirmContact).unwrap_err().code(), "transition_not_allowed");
}

#[test]
fn an_approved_organisation_is_suspended_with_a_reason_and_reinstated_with_its_quota() {
    let approved = OrgStatus::Approved { quota: 40 };
    assert_eq!(approved.apply(&Transition::Suspend { reason: " ".into() }).unwrap_err().code(), "transition_invalid");
    let suspended = approved.apply(&Transition::Suspend { reason: " Lists of people who do not work here ".into() });
    let suspended = suspended.unwrap();
    assert_eq!(suspended, OrgStatus::Suspended { quota: 40, reason: "Lists of people who do not work here".into() });
    assert_eq!(suspended.code(), "suspended");
    // Nothing else moves a suspended organisation: not a new quota, not a second suspension.
    assert_eq!(suspended.apply(&Transition::SetQuota { quota: 99 }).unwrap_err().code(), "transition_not_allowed");
    assert_eq!(
        suspended.apply(&Transition::Suspend { reason: "again".into() }).unwrap_err().code(),
        "transition_not_allowed"
    );
    assert_eq!(suspended.apply(&Transition::Reinstate), Ok(OrgStatus::Approved { quota: 40 }));
    // Only an approved organisation can be suspended, and only a suspended one reinstated.
    assert!(OrgStatus::InReview.apply(&Transition::Suspend { reason: "x".into() }).is_err());
    assert!(approved.apply(&Transition::Reinstate).is_err());
}
