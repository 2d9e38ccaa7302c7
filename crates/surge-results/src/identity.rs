//! Matching a result to the person who registered for it. A match needs at least two identifiers: the specimen
//! number and the date of birth, or the phone, the name and the date of birth. No match, or more than one person,
//! sends the result to a clinician; it is never texted to a guess.

use surge_domain::Phone;
use time::Date;

use crate::oru::{Order, Patient};

/// A person registered for their result, as the collection site or an SMS recorded them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub id: i64,
    pub specimen_id: Option<String>,
    /// E.164.
    pub phone: Option<String>,
    pub family: String,
    pub given: String,
    pub birth_date: Date,
}

/// The outcome of matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    Unmatched,
    /// Several people match.
    Ambiguous(usize),
    Matched {
        registration: i64,
        phone: Option<String>,
    },
}

fn same_name(a: &str, b: &str) -> bool {
    let fold = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    !a.trim().is_empty() && fold(a) == fold(b)
}

/// Matches a result's patient and order against registrations (usually those with its specimen number or phone).
/// Phones in the message are read with `phone_region` when they have no country code.
pub fn match_identity(
    patient: &Patient,
    order: &Order,
    registrations: &[Registration],
    phone_region: &str,
) -> Identity {
    let Some(birth) = patient.birth_date else { return Identity::Unmatched };
    let phones: Vec<String> = patient
        .phones
        .iter()
        .filter_map(|p| Phone::parse(p, phone_region).ok())
        .map(|p| p.as_str().to_owned())
        .collect();
    let specimen = order.specimen_id.trim();
    let matches: Vec<&Registration> = registrations
        .iter()
        .filter(|r| r.birth_date == birth)
        .filter(|r| {
            let by_specimen = !specimen.is_empty() && r.specimen_id.as_deref() == Some(specimen);
            let by_phone = r.phone.as_ref().is_some_and(|p| phones.contains(p))
                && same_name(&r.family, &patient.family)
                && same_name(&r.given, &patient.given);
            by_specimen || by_phone
        })
        .collect();
    match matches.as_slice() {
        [] => Identity::Unmatched,
        [one] => Identity::Matched { registration: one.id, phone: one.phone.clone() },
        many => Identity::Ambiguous(many.len()),
    }
}
