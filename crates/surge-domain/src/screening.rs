//! Automatic screening of a new organisation: the rules that run on submission and whose findings an official
//! sees first. An organisation that passes every rule may be approved in bulk.

#[cfg(test)]
mod tests;

use crate::Registration;

/// An organisation already known, as far as screening needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingOrganisation {
    pub id: i64,
    pub legal_name: String,
    pub registry_number: String,
    pub zone: String,
}

/// The result of one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Stable rule code: `category_allowed`, `registry_number_valid`, `registry_number_unique`,
    /// `name_unique_in_zone`.
    pub rule: &'static str,
    pub passed: bool,
    pub detail: String,
    /// The organisation this finding points at, for duplicates.
    pub related: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screening {
    pub findings: Vec<Finding>,
}

impl Screening {
    pub fn passed_all(&self) -> bool {
        self.findings.iter().all(|f| f.passed)
    }
}

/// Names this similar (Jaro-Winkler on normalised names) in one zone are flagged as possible duplicates.
const NAME_SIMILARITY: f64 = 0.93;

/// Legal-form words that say nothing about which organisation it is.
const LEGAL_FORMS: &[&str] = &[
    "co",
    "company",
    "corp",
    "corporation",
    "inc",
    "ltd",
    "limited",
    "llc",
    "pvt",
    "private",
    "주식회사",
    "유한회사",
    "주",
];

/// Lower case, punctuation to spaces, legal forms dropped: "(주) Busan Fresh Foods Co., Ltd." → "busan fresh foods".
pub fn normalise_name(name: &str) -> String {
    let lowered: String =
        name.chars().map(|c| if c.is_alphanumeric() { c.to_lowercase().next().unwrap_or(c) } else { ' ' }).collect();
    lowered.split_whitespace().filter(|w| !LEGAL_FORMS.contains(w)).collect::<Vec<_>>().join(" ")
}

/// Whether an organisation clashes with one of `existing` as `screen` judges others: the same registry number, or
/// a name alike in the same zone.
pub fn clashes_with(legal_name: &str, registry_number: &str, zone: &str, existing: &[ExistingOrganisation]) -> bool {
    same_number(registry_number, existing).is_some() || most_alike(legal_name, zone, existing).is_some()
}

/// The organisation among `existing` with this registry number.
fn same_number<'a>(registry_number: &str, existing: &'a [ExistingOrganisation]) -> Option<&'a ExistingOrganisation> {
    existing.iter().find(|o| o.registry_number == registry_number)
}

/// The organisation in `zone` whose name is most like `legal_name`, with the likeness, if it reaches
/// `NAME_SIMILARITY`.
fn most_alike<'a>(
    legal_name: &str,
    zone: &str,
    existing: &'a [ExistingOrganisation],
) -> Option<(&'a ExistingOrganisation, f64)> {
    let name = normalise_name(legal_name);
    existing
        .iter()
        .filter(|o| o.zone == zone)
        .map(|o| (o, strsim::jaro_winkler(&name, &normalise_name(&o.legal_name))))
        .filter(|(_, score)| *score >= NAME_SIMILARITY)
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

/// Runs every rule. `existing` holds the organisations that could clash: same registry number or same zone.
/// Rejected organisations should be left out by the caller; they may register again.
pub fn screen(registration: &Registration, categories: &[String], existing: &[ExistingOrganisation]) -> Screening {
    let mut findings = vec![
        Finding {
            rule: "category_allowed",
            passed: categories.contains(&registration.category),
            detail: format!("category {}", registration.category),
            related: None,
        },
        // The form already refused invalid numbers; the finding records that the check ran.
        Finding {
            rule: "registry_number_valid",
            passed: true,
            detail: "format and check digit are valid".into(),
            related: None,
        },
    ];
    findings.push(match same_number(&registration.registry_number, existing) {
        Some(other) => Finding {
            rule: "registry_number_unique",
            passed: false,
            detail: format!("registry number already used by {:?}", other.legal_name),
            related: Some(other.id),
        },
        None => Finding {
            rule: "registry_number_unique",
            passed: true,
            detail: "no other organisation has this number".into(),
            related: None,
        },
    });
    findings.push(match most_alike(&registration.legal_name, &registration.zone, existing) {
        Some((other, score)) => Finding {
            rule: "name_unique_in_zone",
            passed: false,
            detail: format!("name is {:.0}% like {:?} in {}", score * 100.0, other.legal_name, other.zone),
            related: Some(other.id),
        },
        None => Finding {
            rule: "name_unique_in_zone",
            passed: true,
            detail: "no similar name in this zone".into(),
            related: None,
        },
    });
    Screening { findings }
}
