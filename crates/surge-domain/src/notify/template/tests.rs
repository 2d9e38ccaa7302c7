//! Template parsing and rendering.

use super::*;

#[test]
fn every_built_in_template_parses_and_has_both_languages() {
    for (kind, lang, source) in DEFAULTS {
        Template::parse(source).unwrap_or_else(|e| panic!("{kind}/{lang}: {e}"));
        let other = if *lang == "en" { "ko" } else { "en" };
        let twin = Templates::defaults().get(kind, other).cloned().unwrap_or_else(|| panic!("{kind} has no {other}"));
        let parsed = Template::parse(source).unwrap();
        let mut mine = parsed.placeholders();
        let mut theirs = twin.placeholders();
        mine.sort();
        theirs.sort();
        assert_eq!(mine, theirs, "{kind}: both languages take the same values");
    }
}

#[test]
fn rendering_fills_every_placeholder_and_fails_on_a_missing_one() {
    let t = Templates::defaults();
    let text = t.render("login_code", "en", &[("code", "123456"), ("minutes", "5")]).unwrap();
    assert_eq!(text, "Your Surge sign-in code is 123456. It expires in 5 minutes. Do not share it with anyone.");
    assert_eq!(
        t.render("login_code", "ko", &[("code", "123456")]),
        Err(TemplateError::MissingValue { kind: "login_code".into(), name: "minutes".into() })
    );
    assert!(matches!(t.render("nope", "en", &[]), Err(TemplateError::UnknownKind { .. })));
    assert!(matches!(t.render("login_code", "fr", &[]), Err(TemplateError::UnknownKind { .. })));
}

#[test]
fn values_are_not_read_as_templates_and_braces_can_be_written() {
    let mut t = Templates::defaults();
    t.set("x", "en", "{{literal}} {name}").unwrap();
    assert_eq!(t.render("x", "en", &[("name", "{code}")]).unwrap(), "{literal} {code}");
}

#[test]
fn malformed_templates_are_refused_with_where() {
    for (source, at) in [("Hi {name", 3), ("Hi name}", 7), ("Hi {}", 3), ("Hi {na me}", 6)] {
        match Template::parse(source) {
            Err(TemplateError::Malformed { at: found, .. }) => assert_eq!(found, at, "{source}"),
            other => panic!("{source}: {other:?}"),
        }
    }
}

/// Issue 21: Korean texts read `ABCDE-FGH12이(가) 취소되었습니다`, a placeholder left in.
#[test]
fn a_korean_particle_after_a_value_takes_the_form_the_value_needs() {
    let templates = Templates::builtin();
    let revoked = |code: &str| templates.render("pass_revoked", "ko", &[("control_code", code), ("reason", "퇴사")]);
    assert_eq!(revoked("ABCDE-FGH12").unwrap(), "이동 허가증 ABCDE-FGH12가 취소되었습니다: 퇴사", "2 is read 이");
    assert_eq!(revoked("ABCDE-FGH13").unwrap(), "이동 허가증 ABCDE-FGH13이 취소되었습니다: 퇴사", "3 is read 삼");
    let reinstated = templates.render("pass_reinstated", "ko", &[("control_code", "ABCDE-FGH1A"), ("reason", "")]);
    assert!(reinstated.unwrap().contains("ABCDE-FGH1A를 다시"));
    for (kind, lang, text) in DEFAULTS {
        if *lang == "ko" {
            let template = Template::parse(text).unwrap();
            let values: Vec<(&str, &str)> = template
                .0
                .iter()
                .filter_map(|p| if let Piece::Value(name) = p { Some((name.as_str(), "값")) } else { None })
                .collect();
            let rendered = templates.render(kind, lang, &values).unwrap();
            assert!(
                !rendered.contains("(가)") && !rendered.contains("(를)") && !rendered.contains("(으)로"),
                "{rendered}"
            );
        }
    }
}
