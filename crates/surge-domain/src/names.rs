//! A holder's name cut to what a printed pass may carry: enough for the holder to find theirs in a stack, little
//! for anyone who finds the sheet. Korean names keep the family name and hide the rest the way Korean notices do
//! (`홍○○`); names in other scripts become initials (`K. M.`).

/// Hangul syllables, the block Korean names are written in.
fn is_hangul(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// `홍길동` → `홍○○`, `Kim Min-jun` → `K. M.`, `김 Minjun` → `김 M.`; control characters and punctuation are dropped.
pub fn initials(name: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for word in name.split(|c: char| c.is_whitespace() || c == '-' || c == '.' || c == ',') {
        let letters: Vec<char> = word.chars().filter(|c| c.is_alphabetic()).collect();
        let Some(&first) = letters.first() else { continue };
        if is_hangul(first) {
            // Only the family name (the first word's first syllable) shows; a given name written apart is hidden.
            let shown = usize::from(out.is_empty());
            let mut hidden: String = letters[..shown].iter().collect();
            hidden.extend(std::iter::repeat_n('○', letters.len() - shown));
            out.push(hidden);
        } else {
            out.push(format!("{}.", first.to_uppercase()));
        }
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::initials;

    #[test]
    fn korean_names_keep_the_family_name_and_others_become_initials() {
        assert_eq!(initials("홍길동"), "홍○○");
        assert_eq!(initials("남궁 민수"), "남○ ○○");
        assert_eq!(initials("Kim Min-jun"), "K. M. J.");
        assert_eq!(initials("  élodie  durand "), "É. D.");
        assert_eq!(initials("김\u{7}철수\u{0}"), "김○○");
        assert_eq!(initials("..., --"), "");
        assert_eq!(initials(""), "");
    }
}
