//! Organisation registry numbers, validated by the scheme the deployment configures: format and check digit, so
//! typos and invented numbers are caught at registration.

#[cfg(test)]
mod tests;

/// How registry numbers are checked in this deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RegistryScheme {
    /// Korea's business registration number (사업자등록번호): 10 digits, the last a weighted check digit.
    KrBrn,
    /// India's GSTIN: 15 characters (state code, PAN, entity, `Z`, check character mod 36).
    InGstin,
    /// No national scheme: 4 to 20 letters, digits or hyphens.
    Generic,
}

impl RegistryScheme {
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "kr-brn" => Ok(Self::KrBrn),
            "in-gstin" => Ok(Self::InGstin),
            "generic" => Ok(Self::Generic),
            other => Err(format!("unknown registry scheme {other:?}: use kr-brn, in-gstin or generic")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::KrBrn => "kr-brn",
            Self::InGstin => "in-gstin",
            Self::Generic => "generic",
        }
    }

    /// A stored (normalised) number as people write it: Korea's as `123-45-67891`; others as stored.
    pub fn display(self, normalised: &str) -> String {
        match self {
            Self::KrBrn if normalised.len() == 10 && normalised.bytes().all(|b| b.is_ascii_digit()) => {
                format!("{}-{}-{}", &normalised[..3], &normalised[3..5], &normalised[5..])
            }
            _ => normalised.to_owned(),
        }
    }

    /// Validates and normalises (separators removed, upper case). The error says what is wrong in plain words.
    pub fn validate(self, text: &str) -> Result<String, String> {
        let normalised: String =
            text.chars().filter(|c| !matches!(c, '-' | ' ' | '.')).map(|c| c.to_ascii_uppercase()).collect();
        match self {
            Self::KrBrn => {
                let digits: Vec<u32> = normalised.chars().filter_map(|c| c.to_digit(10)).collect();
                if digits.len() != 10 || normalised.len() != 10 {
                    return Err("must be 10 digits, like 123-45-67891".into());
                }
                let weights = [1, 3, 7, 1, 3, 7, 1, 3, 5];
                let mut sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
                sum += digits[8] * 5 / 10;
                if (10 - sum % 10) % 10 != digits[9] {
                    return Err("the check digit does not match: please check the number".into());
                }
                Ok(normalised)
            }
            Self::InGstin => {
                const CHARS: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
                if normalised.len() != 15 || !normalised.chars().all(|c| c.is_ascii_alphanumeric()) {
                    return Err("must be 15 letters and digits, like 27AAPFU0939F1ZV".into());
                }
                let values: Vec<u32> = normalised.chars().filter_map(|c| CHARS.find(c).map(|v| v as u32)).collect();
                let sum: u32 = values[..14]
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        let product = v * if i % 2 == 0 { 1 } else { 2 };
                        product / 36 + product % 36
                    })
                    .sum();
                let check = (36 - sum % 36) % 36;
                if check != values[14] {
                    return Err("the check character does not match: please check the number".into());
                }
                Ok(normalised)
            }
            Self::Generic => {
                if !(4..=20).contains(&normalised.len()) || !normalised.chars().all(|c| c.is_ascii_alphanumeric()) {
                    return Err("must be 4 to 20 letters and digits".into());
                }
                Ok(normalised)
            }
        }
    }
}
