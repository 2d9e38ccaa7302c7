//! Organisations: the registration form's rules, and the screening state machine that officials drive
//! (submitted → in review → approved with a quota | rejected with a reason | more information asked).

#[cfg(test)]
mod tests;

use crate::{FieldError, Phone, RegistryScheme};

/// Essential categories offered when a deployment configures none.
pub const DEFAULT_CATEGORIES: &[&str] =
    &["essential-worker", "healthcare", "food-supply", "utilities", "logistics", "media", "government"];

/// The registration form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistrationInput {
    pub legal_name: String,
    pub registry_number: String,
    pub category: String,
    pub address: String,
    pub zone: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub requested_quota: String,
}

/// A registration that passed the form's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub legal_name: String,
    pub registry_number: String,
    pub category: String,
    pub address: String,
    pub zone: String,
    pub contact_phone: Phone,
    pub contact_email: String,
    pub requested_quota: u32,
}

/// The most passes one organisation may ask for; larger needs are split or raised by an official.
const MAX_REQUESTED_QUOTA: u32 = 100_000;

fn text_field(errors: &mut Vec<FieldError>, field: &'static str, value: &str, label: &str, max: usize) -> String {
    let value = value.trim();
    if value.is_empty() {
        errors.push(FieldError::new(field, "required", format!("Enter the {label}")));
    } else if value.chars().count() > max {
        errors.push(FieldError::new(field, "too_long", format!("The {label} must be {max} characters or fewer")));
    } else if value.chars().any(crate::is_unsafe_char) {
        errors.push(FieldError::new(field, "invalid", format!("The {label} must not contain control characters")));
    }
    value.to_owned()
}

/// Checks every field and reports every problem, so a form can list them all at once.
pub fn validate_registration(
    input: &RegistrationInput,
    scheme: RegistryScheme,
    categories: &[String],
    zones: &crate::ZoneList,
    phone_region: &str,
) -> Result<Registration, Vec<FieldError>> {
    let mut errors = Vec::new();
    let legal_name = text_field(&mut errors, "legal_name", &input.legal_name, "legal name", 200);
    let registry_number = match scheme.validate(&input.registry_number) {
        Ok(n) => n,
        Err(reason) => {
            errors.push(FieldError::new(
                "registry_number",
                "registry_number_invalid",
                format!("The registry number {reason}"),
            ));
            String::new()
        }
    };
    let category = input.category.trim().to_owned();
    if !categories.iter().any(|c| c == &category) {
        errors.push(FieldError::new(
            "category",
            "category_not_allowed",
            "Choose one of the listed essential categories",
        ));
    }
    let address = text_field(&mut errors, "address", &input.address, "address", 500);
    let zone = input.zone.trim().to_ascii_uppercase();
    if zone.is_empty() || zone.len() > 16 || !zone.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        errors.push(FieldError::new("zone", "zone_invalid", "Enter a zone code such as KR-26"));
    } else if !zones.is_empty() && !zones.takes(&zone) {
        // Only a listed zone reaches an official's queue.
        errors.push(FieldError::new("zone", "zone_unknown", "Choose the area from the list"));
    }
    let contact_phone = match Phone::parse(&input.contact_phone, phone_region) {
        Ok(p) => Some(p),
        Err(reason) => {
            errors.push(FieldError::new("contact_phone", "phone_invalid", format!("The contact phone {reason}")));
            None
        }
    };
    let contact_email = input.contact_email.trim().to_owned();
    let email_ok = contact_email.len() <= 254
        && contact_email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        })
        && !contact_email.chars().any(|c| c.is_whitespace() || c.is_control());
    if !email_ok {
        errors.push(FieldError::new("contact_email", "email_invalid", "Enter an email address like name@example.org"));
    }
    let requested_quota = match input.requested_quota.trim().parse::<u32>() {
        Ok(q) if (1..=MAX_REQUESTED_QUOTA).contains(&q) => q,
        _ => {
            errors.push(FieldError::new(
                "requested_quota",
                "quota_invalid",
                format!("Enter a number of passes from 1 to {MAX_REQUESTED_QUOTA}"),
            ));
            0
        }
    };
    match (errors.is_empty(), contact_phone) {
        (true, Some(contact_phone)) => Ok(Registration {
            legal_name,
            registry_number,
            category,
            address,
            zone,
            contact_phone,
            contact_email,
            requested_quota,
        }),
        _ => Err(errors),
    }
}

/// Where an organisation stands in screening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgStatus {
    /// Registered by the public and not yet seen by officials: the contact phone must first be confirmed by
    /// signing in with a code texted to it, so that no one fills the screening queue in another's name.
    AwaitingContact,
    /// Waiting for an official; automatic findings are attached.
    InReview,
    Approved {
        quota: u32,
    },
    Rejected {
        reason: String,
    },
    /// The official asked for more information; the organisation answers and goes back to review.
    InfoRequested {
        question: String,
    },
    /// Approved once and stopped by an official: no new lists are taken and its waiting rows are not issued until
    /// it is reinstated with the quota it had. Passes already issued are not touched; officials revoke them apart.
    Suspended {
        quota: u32,
        reason: String,
    },
}

impl OrgStatus {
    pub fn code(&self) -> &'static str {
        match self {
            Self::AwaitingContact => "contact_unconfirmed",
            Self::InReview => "in_review",
            Self::Approved { .. } => "approved",
            Self::Rejected { .. } => "rejected",
            Self::InfoRequested { .. } => "info_requested",
            Self::Suspended { .. } => "suspended",
        }
    }
}

/// What an official or the organisation does to an organisation's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    Approve {
        quota: u32,
    },
    Reject {
        reason: String,
    },
    AskForInformation {
        question: String,
    },
    /// The organisation answered a question.
    Resubmit,
    /// An official changes the quota of an approved organisation.
    SetQuota {
        quota: u32,
    },
    /// The contact phone signed in with a code texted to it: the registration goes to officials.
    ConfirmContact,
    /// An official stops an approved organisation, with the reason it is told.
    Suspend {
        reason: String,
    },
    /// An official lifts a suspension: the organisation is approved again with the quota it had.
    Reinstate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("an organisation that is {from} cannot be {action}")]
    NotAllowed { from: &'static str, action: &'static str },
    #[error("{0}")]
    Invalid(&'static str),
}

impl TransitionError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotAllowed { .. } => "transition_not_allowed",
            Self::Invalid(_) => "transition_invalid",
        }
    }
}

impl OrgStatus {
    /// The status after `transition`, or why it is not allowed.
    pub fn apply(&self, transition: &Transition) -> Result<OrgStatus, TransitionError> {
        let not_allowed = |action| TransitionError::NotAllowed { from: self.code(), action };
        match (self, transition) {
            (Self::InReview, Transition::Approve { quota }) => {
                if *quota == 0 {
                    return Err(TransitionError::Invalid("the quota must be at least 1"));
                }
                Ok(Self::Approved { quota: *quota })
            }
            (Self::InReview, Transition::Reject { reason }) => {
                if reason.trim().is_empty() {
                    return Err(TransitionError::Invalid("give the organisation a reason"));
                }
                Ok(Self::Rejected { reason: reason.trim().to_owned() })
            }
            (Self::InReview, Transition::AskForInformation { question }) => {
                if question.trim().is_empty() {
                    return Err(TransitionError::Invalid("say what information is needed"));
                }
                Ok(Self::InfoRequested { question: question.trim().to_owned() })
            }
            (Self::InfoRequested { .. }, Transition::Resubmit) => Ok(Self::InReview),
            (Self::AwaitingContact, Transition::ConfirmContact) => Ok(Self::InReview),
            (Self::Approved { .. }, Transition::SetQuota { quota }) => Ok(Self::Approved { quota: *quota }),
            (Self::Approved { quota }, Transition::Suspend { reason }) => {
                if reason.trim().is_empty() {
                    return Err(TransitionError::Invalid("give the organisation a reason"));
                }
                Ok(Self::Suspended { quota: *quota, reason: reason.trim().to_owned() })
            }
            (Self::Suspended { quota, .. }, Transition::Reinstate) => Ok(Self::Approved { quota: *quota }),
            (_, Transition::Approve { .. }) => Err(not_allowed("approved")),
            (_, Transition::Reject { .. }) => Err(not_allowed("rejected")),
            (_, Transition::AskForInformation { .. }) => Err(not_allowed("asked for information")),
            (_, Transition::Resubmit) => Err(not_allowed("resubmitted")),
            (_, Transition::SetQuota { .. }) => Err(not_allowed("given a new quota")),
            (_, Transition::ConfirmContact) => Err(not_allowed("confirmed")),
            (_, Transition::Suspend { .. }) => Err(not_allowed("suspended")),
            (_, Transition::Reinstate) => Err(not_allowed("reinstated")),
        }
    }
}
