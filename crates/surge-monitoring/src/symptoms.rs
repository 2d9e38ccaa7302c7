//! The fixed list of symptoms a patient ticks on the report page, with their codes.

/// A symptom from the report page's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Symptom {
    Fever,
    Cough,
    ShortnessOfBreath,
    ChestPain,
    SoreThroat,
    LossOfTasteOrSmell,
    Diarrhoea,
    Headache,
    Fatigue,
    Other,
}

impl Symptom {
    pub const ALL: [Symptom; 10] = [
        Symptom::Fever,
        Symptom::Cough,
        Symptom::ShortnessOfBreath,
        Symptom::ChestPain,
        Symptom::SoreThroat,
        Symptom::LossOfTasteOrSmell,
        Symptom::Diarrhoea,
        Symptom::Headache,
        Symptom::Fatigue,
        Symptom::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Symptom::Fever => "fever",
            Symptom::Cough => "cough",
            Symptom::ShortnessOfBreath => "shortness_of_breath",
            Symptom::ChestPain => "chest_pain",
            Symptom::SoreThroat => "sore_throat",
            Symptom::LossOfTasteOrSmell => "loss_of_taste_or_smell",
            Symptom::Diarrhoea => "diarrhoea",
            Symptom::Headache => "headache",
            Symptom::Fatigue => "fatigue",
            Symptom::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Symptom> {
        Symptom::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Symptoms that point at the lungs or heart, which a centre wants a clinician to look at soon.
    pub fn is_warning(self) -> bool {
        matches!(self, Symptom::ShortnessOfBreath | Symptom::ChestPain)
    }
}
