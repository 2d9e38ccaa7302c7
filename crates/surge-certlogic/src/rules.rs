//! Business rules for EU health certificates, in the EU gateway's format: each rule has an identifier, a type, a
//! country, the certificate type it applies to (`Test`, `Vaccination`, `Recovery` or `General`), a validity window,
//! its CertLogic and a description per language. A signature only says who issued a certificate; the rules say
//! whether what it certifies is acceptable here (a negative test, a complete series, a recovery still in its window).
//!
//! `default_rules` is the set Surge ships; a deployment may load its own file (`parse_rules`).

#[cfg(test)]
mod tests;

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The set Surge ships: test results negative and recent enough, vaccination series complete, recovery in window.
const DEFAULT_RULES: &str = include_str!("rules/default.json");

/// One business rule, read from the gateway's format.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub identifier: String,
    pub rule_type: String,
    pub country: String,
    /// `Test`, `Vaccination`, `Recovery` or `General` (every type).
    pub certificate_type: String,
    pub valid_from: OffsetDateTime,
    pub valid_to: OffsetDateTime,
    pub logic: Value,
    /// (language, description), as the rule gives them.
    pub descriptions: Vec<(String, String)>,
}

impl Rule {
    /// The description in `lang`, else in English, else the first there is.
    pub fn description(&self, lang: &str) -> &str {
        let find = |l: &str| self.descriptions.iter().find(|(dl, _)| dl == l).map(|(_, d)| d.as_str());
        find(lang).or_else(|| find("en")).or_else(|| self.descriptions.first().map(|(_, d)| d.as_str())).unwrap_or("")
    }

    fn applies(&self, certificate_type: &str, now: OffsetDateTime) -> bool {
        (self.certificate_type.eq_ignore_ascii_case(certificate_type)
            || self.certificate_type.eq_ignore_ascii_case("General"))
            && self.valid_from <= now
            && now < self.valid_to
    }
}

/// A problem with a rule file, naming the rule (by position and identifier) and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rule {index} ({identifier}): {message}")]
pub struct RuleFileError {
    pub index: usize,
    pub identifier: String,
    pub message: String,
}

/// Reads rules in the gateway's format: a JSON array of rule objects. Every rule's CertLogic is checked; the first
/// problem is named.
pub fn parse_rules(text: &str) -> Result<Vec<Rule>, RuleFileError> {
    let file_error = |message: String| RuleFileError { index: 0, identifier: String::new(), message };
    let value: Value = serde_json::from_str(text).map_err(|e| file_error(format!("not JSON: {e}")))?;
    let Value::Array(items) = value else { return Err(file_error("expected a JSON array of rules".into())) };
    items.iter().enumerate().map(|(index, item)| rule(index, item)).collect()
}

fn rule(index: usize, item: &Value) -> Result<Rule, RuleFileError> {
    let identifier = item.get("Identifier").and_then(Value::as_str).unwrap_or_default().to_owned();
    let problem = |message: String| RuleFileError { index, identifier: identifier.clone(), message };
    let text = |field: &str| {
        item.get(field)
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .map(str::to_owned)
            .ok_or_else(|| problem(format!("{field} is missing")))
    };
    let time = |field: &str| {
        let value = text(field)?;
        OffsetDateTime::parse(&value, &Rfc3339)
            .map_err(|_| problem(format!("{field} {value:?} is not an RFC 3339 time")))
    };
    let certificate_type = text("CertificateType")?;
    if !["Test", "Vaccination", "Recovery", "General"].iter().any(|t| t.eq_ignore_ascii_case(&certificate_type)) {
        return Err(problem(format!(
            "CertificateType {certificate_type:?} is not Test, Vaccination, Recovery or General"
        )));
    }
    let logic = item.get("Logic").cloned().ok_or_else(|| problem("Logic is missing".into()))?;
    if let Some(issue) = crate::validate(&logic).first() {
        return Err(problem(format!("Logic: {}", issue.message)));
    }
    let descriptions: Vec<(String, String)> = item
        .get("Description")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|d| Some((d.get("lang")?.as_str()?.to_owned(), d.get("desc")?.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    if descriptions.is_empty() {
        return Err(problem("Description needs at least one {\"lang\", \"desc\"}".into()));
    }
    Ok(Rule {
        identifier: text("Identifier")?,
        rule_type: text("Type")?,
        country: text("Country")?,
        certificate_type,
        valid_from: time("ValidFrom")?,
        valid_to: time("ValidTo")?,
        logic,
        descriptions,
    })
}

/// The rules Surge ships.
pub fn default_rules() -> Vec<Rule> {
    // Checked by `tests::the_default_rules_parse_and_decide_as_they_say`.
    parse_rules(DEFAULT_RULES).unwrap_or_default()
}

/// What one rule said of a certificate.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleOutcome<'a> {
    pub rule: &'a Rule,
    /// True when the rule held; false when it did not, or could not be evaluated (`error`).
    pub passed: bool,
    pub error: Option<String>,
}

/// Applies every rule for `certificate_type` in force at `now` to the certificate's payload (as JSON), with
/// `external.validationClock` set to `now`.
pub fn apply<'a>(
    rules: &'a [Rule],
    certificate_type: &str,
    payload: &Value,
    country: &str,
    now: OffsetDateTime,
) -> Vec<RuleOutcome<'a>> {
    let clock = now.format(&Rfc3339).unwrap_or_default();
    let data = serde_json::json!({
        "payload": payload,
        "external": {"validationClock": clock, "countryCode": country, "valueSets": {}},
    });
    rules
        .iter()
        .filter(|rule| rule.applies(certificate_type, now))
        .map(|rule| match crate::evaluate(&rule.logic, &data) {
            Ok(value) => RuleOutcome { rule, passed: value.is_truthy(), error: None },
            Err(e) => RuleOutcome { rule, passed: false, error: Some(e.0) },
        })
        .collect()
}
