//! Kinds that storage records and use cases share: who may act (roles and their scope), a batch's and a pass's
//! status, and the platform's own fact kinds. Plain values with their stable text codes; no IO.

/// Who may do what. Officials screen organisations; an organisation admin acts for one organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Admin,
    Official,
    OrganisationAdmin,
    Checkpoint,
    /// A citizen signed in with a code sent to their phone. They act as the organisation admin of every
    /// organisation whose contact phone is theirs.
    Applicant,
    /// Sees lab results that were not texted, calls patients, releases negatives one at a time.
    Clinician,
    /// A laboratory's API key: sends results (HL7 v2 files, FHIR, CSV) and nothing else.
    Lab,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::Official,
        Role::OrganisationAdmin,
        Role::Checkpoint,
        Role::Applicant,
        Role::Clinician,
        Role::Lab,
    ];
    /// Roles of staff, who sign in with a password.
    pub const STAFF: [Role; 4] = [Role::Admin, Role::Official, Role::Checkpoint, Role::Clinician];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Official => "official",
            Self::OrganisationAdmin => "organisation_admin",
            Self::Checkpoint => "checkpoint",
            Self::Applicant => "applicant",
            Self::Clinician => "clinician",
            Self::Lab => "lab",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// Which organisations an official may see and decide on: those in these zones (and their sub-zones) and of
/// these categories. An empty list does not limit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyScope {
    pub zones: Vec<String>,
    pub categories: Vec<String>,
}

impl KeyScope {
    pub fn covers(&self, zone: &str, category: &str) -> bool {
        let zone_ok = self.zones.is_empty() || self.zones.iter().any(|z| crate::zone_covers(z, zone));
        let category_ok = self.categories.is_empty() || self.categories.iter().any(|c| c == category);
        zone_ok && category_ok
    }

    pub fn is_unlimited(&self) -> bool {
        self.zones.is_empty() && self.categories.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchStatus {
    Issuing,
    Completed,
}

impl BatchStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Issuing => "issuing",
            Self::Completed => "completed",
        }
    }
}

/// A pass's live status, which checkpoints see online and in the status list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassStatus {
    Valid,
    /// Not valid for now; an official can reinstate it.
    Suspended,
    /// Not valid, for good.
    Revoked,
}

impl PassStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Suspended => "suspended",
            Self::Revoked => "revoked",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Valid, Self::Suspended, Self::Revoked].into_iter().find(|s| s.as_str() == text)
    }

    /// The value in the status list (IETF Token Status List: 0 valid, 1 invalid, 2 suspended).
    pub fn list_value(self) -> u8 {
        match self {
            Self::Valid => 0,
            Self::Revoked => 1,
            Self::Suspended => 2,
        }
    }
}

/// Which of the platform's own facts a count is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FactKind {
    /// Passes issued a day; `place` is the pass's zones as stored (`from_zones`).
    PassesIssued,
    /// Passes revoked a day; `place` as for issued.
    PassesRevoked,
    /// Checkpoint scans an hour; `place` the checkpoint id, `outcome` `valid` or `invalid`.
    Scans,
    /// Lab results received a day; `outcome` `texted` or `queued`.
    Results,
    /// Text messages created a day; `place` the kind, `outcome` the state now.
    Sms,
    /// Negatives texted automatically a day (by the day they were received): `outcome` the whole minutes from the
    /// lab's message to the gateway taking the text, so a median can be read from the counts.
    ResultTextMinutes,
}

impl FactKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PassesIssued => "passes_issued",
            Self::PassesRevoked => "passes_revoked",
            Self::Scans => "scans",
            Self::Results => "results",
            Self::Sms => "sms",
            Self::ResultTextMinutes => "result_text_minutes",
        }
    }

    /// The length of its time buckets, in seconds.
    pub fn bucket_seconds(self) -> i64 {
        if self == Self::Scans { 3600 } else { 86_400 }
    }
}
