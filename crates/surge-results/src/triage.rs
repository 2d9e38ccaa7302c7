//! Who is told what: the one rule that lets a result be texted automatically, and the reason every other result
//! goes to the clinician queue. The rule is the whole safeguard against texting "negative" to a positive patient.

use crate::identity::Identity;
use crate::mapping::Interpretation;

/// Why a result is in the clinician queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueueReason {
    /// A corrected result changes a negative that was already texted: call the patient now.
    CorrectedAfterText,
    Detected,
    Inconclusive,
    Invalid,
    UnknownResult,
    UnknownTest,
    /// Preliminary, corrected, cancelled: anything but final.
    NotFinal,
    Unmatched,
    Ambiguous,
    NoPhone,
    /// The same negative again, already texted: nobody is texted twice.
    AlreadyTexted,
}

impl QueueReason {
    pub fn code(self) -> &'static str {
        match self {
            Self::CorrectedAfterText => "corrected_after_text",
            Self::Detected => "detected",
            Self::Inconclusive => "inconclusive",
            Self::Invalid => "invalid",
            Self::UnknownResult => "unknown_result",
            Self::UnknownTest => "unknown_test",
            Self::NotFinal => "not_final",
            Self::Unmatched => "unmatched",
            Self::Ambiguous => "ambiguous",
            Self::NoPhone => "no_phone",
            Self::AlreadyTexted => "already_texted",
        }
    }

    /// Lower is more urgent: the queue is sorted by this, then by age.
    pub fn urgency(self) -> u8 {
        match self {
            Self::CorrectedAfterText => 0,
            Self::Detected => 1,
            Self::Inconclusive | Self::Invalid => 2,
            _ => 3,
        }
    }
}

/// Where a result goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Text the result to this phone (E.164).
    AutoText {
        phone: String,
    },
    Clinician(QueueReason),
    /// Another test of a multiplex panel (influenza, RSV…): kept with its message, neither texted nor queued.
    Recorded,
}

/// Routes a result by its test first: another test of a SARS-CoV-2 panel is recorded only, whatever its status or
/// value (this service reports SARS-CoV-2, and a flu result is no reason to call); a test known to the table goes
/// through `route`; any other code, which could be a SARS-CoV-2 test the table lacks, goes to the clinicians.
pub fn route_test(
    status: &str,
    test: TestKind,
    interpretation: Interpretation,
    identity: &Identity,
    texted_negative: bool,
) -> Route {
    match test {
        TestKind::PanelCompanion => Route::Recorded,
        TestKind::Known => route(status, true, interpretation, identity, texted_negative),
        TestKind::Unknown => route(status, false, interpretation, identity, texted_negative),
    }
}

/// What the table says of a result's test code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestKind {
    Known,
    PanelCompanion,
    Unknown,
}

/// Decides a result's route. `status` is OBX-11; `known_test` whether the test code is in the table;
/// `texted_negative` whether a negative for the same result was already texted.
pub fn route(
    status: &str,
    known_test: bool,
    interpretation: Interpretation,
    identity: &Identity,
    texted_negative: bool,
) -> Route {
    if texted_negative && interpretation != Interpretation::NotDetected {
        return Route::Clinician(QueueReason::CorrectedAfterText);
    }
    if status != "F" {
        return Route::Clinician(QueueReason::NotFinal);
    }
    if !known_test {
        return Route::Clinician(QueueReason::UnknownTest);
    }
    match interpretation {
        Interpretation::NotDetected => {}
        Interpretation::Detected => return Route::Clinician(QueueReason::Detected),
        Interpretation::Inconclusive => return Route::Clinician(QueueReason::Inconclusive),
        Interpretation::Invalid => return Route::Clinician(QueueReason::Invalid),
        Interpretation::Unknown => return Route::Clinician(QueueReason::UnknownResult),
    }
    if texted_negative {
        return Route::Clinician(QueueReason::AlreadyTexted);
    }
    match identity {
        Identity::Unmatched => Route::Clinician(QueueReason::Unmatched),
        Identity::Ambiguous(_) => Route::Clinician(QueueReason::Ambiguous),
        Identity::Matched { phone: None, .. } => Route::Clinician(QueueReason::NoPhone),
        Identity::Matched { phone: Some(phone), .. } => Route::AutoText { phone: phone.clone() },
    }
}
