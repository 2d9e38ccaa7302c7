//! Pass policy as data: an ordered list of rules, each a CertLogic expression over an application's facts with
//! an outcome (approve, review, reject) and a reason in Korean and English. The first rule that holds decides;
//! when none does, an official reviews. Admins replace the list as a new version; any list can be tried against
//! sample applications before it goes live.

use serde_json::{Value, json};

/// What a rule decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyOutcome {
    Approve,
    Review,
    Reject,
}

impl PolicyOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Review => "review",
            Self::Reject => "reject",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Self::Approve, Self::Review, Self::Reject].into_iter().find(|o| o.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyRule {
    pub id: String,
    pub outcome: PolicyOutcome,
    pub when: Value,
    pub reason_en: String,
    pub reason_ko: String,
}

/// A problem in a policy document, by rule and field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyProblem {
    /// The rule's position (0-based), or `None` for the document itself.
    pub rule: Option<usize>,
    pub field: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub rules: Vec<PolicyRule>,
}

/// What the policy decided for one application, and which rule did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDecision {
    pub outcome: PolicyOutcome,
    /// `None` when no rule held and review is the default.
    pub rule: Option<String>,
    pub reason_en: String,
    pub reason_ko: String,
}

/// The policy a new service starts with.
pub fn default_policy() -> Value {
    json!({"rules": [
        {"id": "weekly-quota", "outcome": "reject",
         "when": {">=": [{"var": "applicant.applications_this_week"}, 3]},
         "reason": {"en": "You have applied 3 times this week; apply again next week",
                    "ko": "이번 주에 이미 3번 신청했습니다. 다음 주에 다시 신청하십시오"}},
        {"id": "medical-local-short", "outcome": "approve",
         "when": {"and": [
             {"===": [{"var": "application.purpose"}, "medical-emergency"]},
             {"===": [{"var": "application.from_zone"}, {"var": "application.to_zone"}]},
             {"<=": [{"var": "application.days"}, 3]}]},
         "reason": {"en": "Medical emergency within your zone for up to 3 days",
                    "ko": "3일 이내 관할 구역 내 응급 의료"}},
        {"id": "funeral-short", "outcome": "approve",
         "when": {"and": [{"===": [{"var": "application.purpose"}, "funeral"]}, {"<=": [{"var": "application.days"}, 3]}]},
         "reason": {"en": "Funeral, up to 3 days", "ko": "3일 이내 장례"}},
        {"id": "goods-vehicles", "outcome": "review",
         "when": {"===": [{"var": "application.purpose"}, "goods-transport"]},
         "reason": {"en": "Goods vehicles are checked by a transport official",
                    "ko": "화물 차량은 교통 담당 공무원이 확인합니다"}}
    ]})
}

/// The policy document in force and its version (0: the built-in default, never replaced).
pub async fn in_force<S: crate::AuditLog>(store: &S) -> Result<(i64, Value), crate::AppError> {
    match store.current_policy().await? {
        Some((version, text)) => {
            let document = serde_json::from_str(&text).map_err(|e| {
                crate::AppError::Store(crate::StoreError::Corrupt(format!("policy version {version}: {e}")))
            })?;
            Ok((version, document))
        }
        None => Ok((0, default_policy())),
    }
}

/// Replaces the policy in force with a new version, stored with its audit entry in one transaction, once the whole
/// document checks out; with any problem nothing is stored. Returns the new version and its number of rules.
pub async fn replace_policy<S: crate::AuditLog>(
    store: &S,
    actor: &str,
    document: &Value,
    now: time::OffsetDateTime,
) -> Result<(i64, usize), crate::AppError> {
    let policy = Policy::parse(document).map_err(crate::AppError::InvalidPolicy)?;
    let audit = surge_domain::audit::AuditEntry {
        actor: actor.to_owned(),
        action: "policy.replaced".into(),
        subject: "policy".into(),
        detail: format!("{} rules", policy.rules.len()),
    };
    let version = store.insert_policy(&document.to_string(), &audit, now).await?;
    tracing::info!(version, rules = policy.rules.len(), "policy replaced");
    Ok((version, policy.rules.len()))
}

impl Policy {
    /// Reads and checks a policy document: every rule has an id, a known outcome, a valid CertLogic `when` and a
    /// reason in both languages. Returns every problem, not only the first.
    pub fn parse(document: &Value) -> Result<Self, Vec<PolicyProblem>> {
        let mut problems = Vec::new();
        let Some(items) = document.get("rules").and_then(Value::as_array) else {
            return Err(vec![PolicyProblem {
                rule: None,
                field: "rules",
                message: "expected {\"rules\": [ … ]}".into(),
            }]);
        };
        let mut rules = Vec::new();
        let mut ids = std::collections::HashSet::new();
        for (i, item) in items.iter().enumerate() {
            let mut problem =
                |field: &'static str, message: String| problems.push(PolicyProblem { rule: Some(i), field, message });
            let id = item.get("id").and_then(Value::as_str).unwrap_or("").trim().to_owned();
            if id.is_empty() || id.len() > 64 {
                problem("id", "a rule needs an id of 1 to 64 characters".into());
            } else if !ids.insert(id.clone()) {
                problem("id", format!("the id {id:?} is used twice"));
            }
            let outcome = item.get("outcome").and_then(Value::as_str).and_then(PolicyOutcome::parse);
            if outcome.is_none() {
                problem("outcome", "the outcome is approve, review or reject".into());
            }
            let when = item.get("when").cloned().unwrap_or(Value::Null);
            for issue in surge_certlogic::validate(&when) {
                problem("when", format!("{} (in {})", issue.message, issue.expr));
            }
            let reason = |lang: &str| {
                item.get("reason").and_then(|r| r.get(lang)).and_then(Value::as_str).unwrap_or("").trim().to_owned()
            };
            let (reason_en, reason_ko) = (reason("en"), reason("ko"));
            if reason_en.is_empty() || reason_ko.is_empty() {
                problem("reason", "give the reason in English and Korean: {\"en\": …, \"ko\": …}".into());
            }
            if let Some(outcome) = outcome {
                rules.push(PolicyRule { id, outcome, when, reason_en, reason_ko });
            }
        }
        if problems.is_empty() { Ok(Self { rules }) } else { Err(problems) }
    }

    /// The first rule whose `when` holds for `data` decides. A rule that cannot be evaluated on these facts (a
    /// missing value of the wrong kind) sends the application to review rather than decide wrongly.
    pub fn decide(&self, data: &Value) -> PolicyDecision {
        for rule in &self.rules {
            match surge_certlogic::evaluate(&rule.when, data) {
                Ok(value) if value.to_json() != Value::Null && truthy(&value.to_json()) => {
                    return PolicyDecision {
                        outcome: rule.outcome,
                        rule: Some(rule.id.clone()),
                        reason_en: rule.reason_en.clone(),
                        reason_ko: rule.reason_ko.clone(),
                    };
                }
                Ok(_) => {}
                Err(e) => {
                    return PolicyDecision {
                        outcome: PolicyOutcome::Review,
                        rule: Some(rule.id.clone()),
                        reason_en: format!(
                            "An official will check this application (rule {} could not be applied: {e})",
                            rule.id
                        ),
                        reason_ko: "담당 공무원이 이 신청을 확인합니다".into(),
                    };
                }
            }
        }
        PolicyDecision {
            outcome: PolicyOutcome::Review,
            rule: None,
            reason_en: "An official will check this application".into(),
            reason_ko: "담당 공무원이 이 신청을 확인합니다".into(),
        }
    }
}

/// CertLogic truthiness for a result.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// A rule of the kinds most authorities write, as a form fills it in: any of four conditions, all of which must hold
/// (a purpose, travel within one zone, at most so many days, at least so many applications this week), an outcome
/// and a reason in both languages. It is written as CertLogic like any rule, and read back from a rule of its shape,
/// so the page can show and edit rules in words while the JSON stays the advanced view.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommonRule {
    pub id: String,
    pub outcome: Option<PolicyOutcome>,
    pub purpose: Option<String>,
    pub same_zone: bool,
    pub max_days: Option<i64>,
    pub min_this_week: Option<i64>,
    pub reason_en: String,
    pub reason_ko: String,
}

/// The largest day count or weekly count a common rule may name.
const MOST: i64 = 366;

impl CommonRule {
    /// Its conditions as CertLogic, in a fixed order.
    fn conditions(&self) -> Vec<Value> {
        let mut all = Vec::new();
        if let Some(purpose) = &self.purpose {
            all.push(json!({"===": [{"var": "application.purpose"}, purpose]}));
        }
        if self.same_zone {
            all.push(json!({"===": [{"var": "application.from_zone"}, {"var": "application.to_zone"}]}));
        }
        if let Some(days) = self.max_days {
            all.push(json!({"<=": [{"var": "application.days"}, days]}));
        }
        if let Some(n) = self.min_this_week {
            all.push(json!({">=": [{"var": "applicant.applications_this_week"}, n]}));
        }
        all
    }

    /// The rule as the policy document holds it.
    pub fn to_json(&self) -> Value {
        let mut conditions = self.conditions();
        let when = if conditions.len() == 1 { conditions.remove(0) } else { json!({"and": conditions}) };
        json!({
            "id": self.id,
            "outcome": self.outcome.map_or("review", PolicyOutcome::as_str),
            "when": when,
            "reason": {"en": self.reason_en, "ko": self.reason_ko},
        })
    }

    /// The common rule a rule is, when its condition is one this form writes; `None` for any other CertLogic.
    pub fn read(rule: &PolicyRule) -> Option<Self> {
        let parts = match rule.when.get("and").and_then(Value::as_array) {
            Some(parts) if rule.when.as_object().is_some_and(|o| o.len() == 1) => parts.clone(),
            _ => vec![rule.when.clone()],
        };
        let mut common = Self {
            id: rule.id.clone(),
            outcome: Some(rule.outcome),
            reason_en: rule.reason_en.clone(),
            reason_ko: rule.reason_ko.clone(),
            ..Self::default()
        };
        let var = |v: &Value| v.get("var").and_then(Value::as_str).map(str::to_owned);
        for part in &parts {
            let (op, args) = part.as_object().filter(|o| o.len() == 1)?.iter().next()?;
            let [a, b] = args.as_array()?.as_slice() else { return None };
            match (op.as_str(), var(a).as_deref(), var(b).as_deref()) {
                ("===", Some("application.purpose"), None) if common.purpose.is_none() => {
                    common.purpose = Some(b.as_str()?.to_owned());
                }
                ("===", Some("application.from_zone"), Some("application.to_zone")) if !common.same_zone => {
                    common.same_zone = true;
                }
                ("<=", Some("application.days"), None) if common.max_days.is_none() => {
                    common.max_days = Some(b.as_i64()?);
                }
                (">=", Some("applicant.applications_this_week"), None) if common.min_this_week.is_none() => {
                    common.min_this_week = Some(b.as_i64()?);
                }
                _ => return None,
            }
        }
        // Written back, it must be the very rule read: anything else is not this form's to show.
        (common.to_json()["when"] == rule.when).then_some(common)
    }

    /// What is wrong with the form: `(field, code)`, in the form's order; the page words them.
    pub fn problems(&self, purposes: &[String], taken: &[String]) -> Vec<(&'static str, &'static str)> {
        let mut problems = Vec::new();
        let id_ok = |id: &str| {
            !id.is_empty()
                && id.len() <= 64
                && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        };
        if !id_ok(&self.id) {
            problems.push(("id", "id_invalid"));
        } else if taken.contains(&self.id) {
            problems.push(("id", "id_taken"));
        }
        if self.outcome.is_none() {
            problems.push(("outcome", "outcome_missing"));
        }
        if self.purpose.as_ref().is_some_and(|p| !purposes.contains(p)) {
            problems.push(("purpose", "purpose_unknown"));
        }
        if self.max_days.is_some_and(|d| !(1..=MOST).contains(&d)) {
            problems.push(("max_days", "number_out_of_range"));
        }
        if self.min_this_week.is_some_and(|n| !(1..=MOST).contains(&n)) {
            problems.push(("min_this_week", "number_out_of_range"));
        }
        if self.conditions().is_empty() {
            problems.push(("purpose", "no_condition"));
        }
        for (field, reason) in [("reason_en", &self.reason_en), ("reason_ko", &self.reason_ko)] {
            if reason.trim().is_empty() || reason.chars().count() > 300 || reason.chars().any(char::is_control) {
                problems.push((field, "reason_invalid"));
            }
        }
        problems
    }
}

/// The document with `rule` added first or last; the whole is checked again as any document is.
pub fn with_rule(document: &Value, rule: &CommonRule, first: bool) -> Result<Value, Vec<PolicyProblem>> {
    let mut rules = document.get("rules").and_then(Value::as_array).cloned().unwrap_or_default();
    if first {
        rules.insert(0, rule.to_json())
    } else {
        rules.push(rule.to_json())
    }
    let document = json!({"rules": rules});
    Policy::parse(&document)?;
    Ok(document)
}

/// The document without the rule `id`; `None` when it has no such rule.
pub fn without_rule(document: &Value, id: &str) -> Option<Value> {
    let rules = document.get("rules").and_then(Value::as_array)?;
    let kept: Vec<Value> = rules.iter().filter(|r| r.get("id").and_then(Value::as_str) != Some(id)).cloned().collect();
    (kept.len() < rules.len()).then(|| json!({"rules": kept}))
}

#[cfg(test)]
mod tests;
