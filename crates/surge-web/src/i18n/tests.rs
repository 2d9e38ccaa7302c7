//! Screening findings, recorded in English, read in Korean with the right particles.

use super::Lang;

#[test]
fn screening_findings_read_in_korean_with_their_particles() {
    let ko = Lang::Ko;
    assert_eq!(ko.finding_detail("format and check digit are valid"), "형식과 검증 숫자가 올바릅니다");
    assert_eq!(ko.finding_detail("no similar name in this zone"), "이 구역에 비슷한 이름이 없습니다");
    assert_eq!(
        ko.finding_detail("registry number already used by \"부산식품\""),
        "\"부산식품\"이 이미 쓰는 등록번호입니다"
    );
    assert_eq!(
        ko.finding_detail("name is 93% like \"Busan Foods\" in KR-26"),
        "KR-26의 \"Busan Foods\"와 이름이 93% 비슷합니다"
    );
    assert_eq!(Lang::En.finding_detail("no similar name in this zone"), "no similar name in this zone");
    assert_eq!(ko.finding_detail("something new"), "something new", "unknown details are shown as recorded");
}
