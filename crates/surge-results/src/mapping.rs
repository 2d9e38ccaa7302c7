//! Which tests Surge knows and what their results mean. Test codes are LOINC, from a table seeded with the LIVD
//! SARS-CoV-2 mapping (infection tests only) that a deployment may replace; results are SNOMED CT codes or the
//! plain words labs send. Anything not recognised is `Unknown`, never guessed.

use std::collections::HashMap;

use crate::oru::{Coded, Observation};

/// What a result says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Interpretation {
    NotDetected,
    Detected,
    Inconclusive,
    Invalid,
    Unknown,
}

impl Interpretation {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotDetected => "not_detected",
            Self::Detected => "detected",
            Self::Inconclusive => "inconclusive",
            Self::Invalid => "invalid",
            Self::Unknown => "unknown",
        }
    }
}

/// The seed: LOINC codes of SARS-CoV-2 infection tests, from the LIVD mapping (see the file's header).
const SEED: &str = include_str!("../data/livd-sars-cov-2.tsv");

/// The other tests of the same multiplex devices (influenza, RSV…), from the same LIVD mapping.
const PANEL_COMPANIONS: &str = include_str!("../data/livd-panel-companions.tsv");

/// Known tests by LOINC code, with their names, and the other tests of their panels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestTable {
    tests: HashMap<String, String>,
    /// Tests a multiplex panel reports beside SARS-CoV-2: not this service's, so recorded only.
    companions: HashMap<String, String>,
}

impl TestTable {
    /// The built-in table.
    pub fn seeded() -> Self {
        // The seed is checked by a test, so it always reads.
        Self::from_tsv(SEED).unwrap_or_else(|_| Self { tests: HashMap::new(), companions: HashMap::new() })
    }

    /// A table from tab-separated `loinc<TAB>long_name` lines (a header line and `#` comments are skipped), with
    /// the built-in panel companions less any code the table names. Returns the line number and problem of the
    /// first bad line.
    pub fn from_tsv(text: &str) -> Result<Self, (usize, String)> {
        let tests = Self::codes(text)?;
        // Checked by a test, so it always reads.
        let mut companions = Self::codes(PANEL_COMPANIONS).unwrap_or_default();
        companions.retain(|code, _| !tests.contains_key(code));
        Ok(Self { tests, companions })
    }

    fn codes(text: &str) -> Result<HashMap<String, String>, (usize, String)> {
        let mut tests = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.is_empty() || line.starts_with('#') || line.starts_with("loinc\t") {
                continue;
            }
            let (code, name) = line.split_once('\t').ok_or((i + 1, "expected loinc<TAB>name".to_owned()))?;
            let valid = code.split_once('-').is_some_and(|(n, check)| {
                !n.is_empty()
                    && n.chars().all(|c| c.is_ascii_digit())
                    && check.len() == 1
                    && check.chars().all(|c| c.is_ascii_digit())
            });
            if !valid {
                return Err((i + 1, format!("{code:?} is not a LOINC code such as 94500-6")));
            }
            tests.insert(code.to_owned(), name.trim().to_owned());
        }
        Ok(tests)
    }

    /// The test's name when its code is known.
    pub fn name(&self, code: &Coded) -> Option<&str> {
        if !matches!(code.system.as_str(), "LN" | "LOINC") {
            return None;
        }
        self.tests.get(&code.code).map(String::as_str)
    }

    /// The name of another test of a multiplex panel (influenza A, RSV…) when the code is one and not a known test.
    pub fn panel_companion(&self, code: &Coded) -> Option<&str> {
        if !matches!(code.system.as_str(), "LN" | "LOINC") {
            return None;
        }
        self.companions.get(&code.code).map(String::as_str)
    }

    /// What the table says of a test code: known, another test of a panel, or unknown.
    pub fn kind(&self, code: &Coded) -> crate::TestKind {
        match (self.name(code), self.panel_companion(code)) {
            (Some(_), _) => crate::TestKind::Known,
            (None, Some(_)) => crate::TestKind::PanelCompanion,
            (None, None) => crate::TestKind::Unknown,
        }
    }

    pub fn len(&self) -> usize {
        self.tests.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tests.is_empty()
    }
}

fn snomed(code: &str) -> Interpretation {
    match code {
        "260415000" => Interpretation::NotDetected,
        "260373001" => Interpretation::Detected,
        "419984006" => Interpretation::Inconclusive,
        "455371000124106" | "125154007" => Interpretation::Invalid,
        _ => Interpretation::Unknown,
    }
}

fn words(text: &str) -> Interpretation {
    let normal: String = text.trim().to_ascii_uppercase().split_whitespace().collect::<Vec<_>>().join(" ");
    match normal.as_str() {
        "NEGATIVE" | "NOT DETECTED" | "NOT-DETECTED" | "NEG" => Interpretation::NotDetected,
        "POSITIVE" | "DETECTED" | "POS" | "PRESUMPTIVE POSITIVE" => Interpretation::Detected,
        "INCONCLUSIVE" | "EQUIVOCAL" | "INDETERMINATE" => Interpretation::Inconclusive,
        "INVALID" | "SPECIMEN UNSATISFACTORY" => Interpretation::Invalid,
        _ => Interpretation::Unknown,
    }
}

/// What an observation's value says. A coded value is read by its SNOMED code; its text must not say otherwise
/// (a code and a text that disagree are `Unknown`, for a clinician to read). A text value is read by its words.
pub fn interpret(observation: &Observation) -> Interpretation {
    match &observation.value_coded {
        Some(coded) if !coded.code.is_empty() => {
            let by_code = match coded.system.as_str() {
                "SCT" | "SNM" | "SNOMED" | "SNOMED-CT" | "" => snomed(&coded.code),
                _ => Interpretation::Unknown,
            };
            let by_text = if coded.text.is_empty() { by_code } else { words(&coded.text) };
            if by_text == by_code || by_text == Interpretation::Unknown && coded.text.is_empty() {
                by_code
            } else {
                Interpretation::Unknown
            }
        }
        Some(coded) => words(&coded.text),
        None if matches!(observation.value_type.as_str(), "ST" | "TX" | "FT") => words(&observation.value_text),
        None => Interpretation::Unknown,
    }
}
