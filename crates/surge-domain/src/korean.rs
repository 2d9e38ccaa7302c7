//! Korean particles chosen by the word before them: `주소를`, `코드가`, `01로` instead of the placeholder forms
//! `주소을(를)`, `코드이(가)`, `01(으)로` that read as unfinished. A particle follows the sound of the word's last
//! syllable as read aloud, so digits and Latin letters are read the Korean way (`1` 일, `M` 엠).

/// The particle pairs a template may write after a value: the form after a final consonant, then the form after a
/// vowel. `(으)로` takes `로` after ㄹ too.
const MARKERS: &[(&str, &str, &str)] = &[
    ("이(가)", "이", "가"),
    ("을(를)", "을", "를"),
    ("은(는)", "은", "는"),
    ("과(와)", "과", "와"),
    ("아(야)", "아", "야"),
    ("(으)로", "으로", "로"),
];

/// How a word ends when read aloud.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Vowel,
    /// ㄹ, which takes `로` rather than `으로`.
    Rieul,
    Consonant,
}

/// The ending of the last character that is read aloud; punctuation and spaces after it are skipped.
fn ending(word: &str) -> Ending {
    let Some(last) = word.chars().rev().find(|c| c.is_alphanumeric()) else { return Ending::Vowel };
    match last {
        '가'..='힣' => match (u32::from(last) - 0xAC00) % 28 {
            0 => Ending::Vowel,
            8 => Ending::Rieul,
            _ => Ending::Consonant,
        },
        // 영, 일, 삼, 육, 칠, 팔 end in a consonant; 이, 사, 오, 구 in a vowel.
        '0' | '3' | '6' => Ending::Consonant,
        '1' | '7' | '8' => Ending::Rieul,
        // 엘, 알; 엠, 엔.
        'l' | 'L' | 'r' | 'R' => Ending::Rieul,
        'm' | 'M' | 'n' | 'N' => Ending::Consonant,
        _ => Ending::Vowel,
    }
}

/// The particle for `word` from a marker such as `이(가)`; `None` when `marker` is not one.
pub fn particle(word: &str, marker: &str) -> Option<&'static str> {
    let (_, after_consonant, after_vowel) = MARKERS.iter().find(|(m, _, _)| *m == marker)?;
    Some(match (ending(word), marker) {
        (Ending::Rieul, "(으)로") | (Ending::Vowel, _) => after_vowel,
        _ => after_consonant,
    })
}

/// The particle marker `text` starts with, and its form after a vowel.
pub fn marker_at(text: &str) -> Option<(&'static str, &'static str)> {
    MARKERS.iter().find(|(m, _, _)| text.starts_with(m)).map(|(m, _, vowel)| (*m, *vowel))
}

/// Fills `{name}` placeholders with `values` and resolves a particle marker right after a placeholder by its
/// value: `"{label}을(를) 입력하십시오"` with `주소` gives `주소를 입력하십시오`. Unknown placeholders stay as written.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let Some(close) = after.find('}') else {
            out.push_str(after);
            return out;
        };
        let name = &after[1..close];
        rest = &after[close + 1..];
        match values.iter().find(|(k, _)| *k == name) {
            Some((_, value)) => {
                out.push_str(value);
                if let Some((marker, _)) = marker_at(rest) {
                    out.push_str(particle(value, marker).unwrap_or_default());
                    rest = &rest[marker.len()..];
                }
            }
            None => out.push_str(&after[..=close]),
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn particles_follow_the_last_syllable_as_read_aloud() {
        assert_eq!(particle("주소", "을(를)"), Some("를"));
        assert_eq!(particle("이름", "을(를)"), Some("을"));
        assert_eq!(particle("사업자등록번호", "이(가)"), Some("가"));
        assert_eq!(particle("생년월일", "이(가)"), Some("이"));
        assert_eq!(particle("서울", "(으)로"), Some("로"), "ㄹ takes 로");
        assert_eq!(particle("부산항", "(으)로"), Some("으로"));
        assert_eq!(particle("+82 10-****-5601", "(으)로"), Some("로"), "1 is read 일");
        assert_eq!(particle("AB12C-3D4EM", "이(가)"), Some("이"), "M is read 엠");
        assert_eq!(particle("AB12C-3D4EF", "이(가)"), Some("가"), "F is read 에프");
        assert_eq!(particle("KR-26-0003", "을(를)"), Some("을"), "3 is read 삼");
        assert_eq!(particle("검사(PCR)", "은(는)"), Some("은"), "brackets are not read; R is 알");
        assert_eq!(particle("x", "의"), None);
    }

    #[test]
    fn fill_resolves_a_marker_only_right_after_a_value() {
        assert_eq!(fill("{label}을(를) 입력하십시오", &[("label", "주소")]), "주소를 입력하십시오");
        assert_eq!(fill("{phone}(으)로 보냅니다", &[("phone", "010-****-5678")]), "010-****-5678로 보냅니다");
        assert_eq!(fill("허가증 {code}이(가) 취소", &[("code", "ABCDE-FGH3M")]), "허가증 ABCDE-FGH3M이 취소");
        assert_eq!(fill("그대로 이(가) {missing}", &[]), "그대로 이(가) {missing}");
        assert_eq!(fill("끝 {", &[]), "끝 {");
    }
}
