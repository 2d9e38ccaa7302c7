//! Cookie parsing and CSRF tokens.

use axum::http::HeaderMap;

use super::*;

fn headers(cookie_header: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(COOKIE, cookie_header.parse().unwrap());
    h
}

#[test]
fn cookies_are_found_by_exact_name() {
    let h = headers("lang=ko; surge_session=abc; surge_session_old=zzz");
    assert_eq!(cookie(&h, "surge_session"), Some("abc"));
    assert_eq!(cookie(&h, "lang"), Some("ko"));
    assert_eq!(cookie(&h, "surge"), None);
    assert_eq!(cookie(&headers("surge_session="), "surge_session"), None);
}

#[test]
fn a_csrf_token_is_valid_only_with_its_own_cookie() {
    let token = csrf_token("seed-one");
    assert!(csrf_valid(&headers("surge_session=seed-one"), Some(&token)));
    assert!(csrf_valid(&headers("surge_csrf=seed-one"), Some(&token)));
    assert!(!csrf_valid(&headers("surge_session=seed-two"), Some(&token)));
    assert!(!csrf_valid(&headers("surge_session=seed-one"), None));
    assert!(!csrf_valid(&HeaderMap::new(), Some(&token)));
    assert!(!csrf_valid(&headers("surge_session=seed-one"), Some(&token[..31])));
}

#[test]
fn a_visitor_without_cookies_gets_a_pre_session_cookie_that_matches_the_token() {
    let csrf = csrf_for(&HeaderMap::new());
    let seed = csrf.new_cookie.unwrap();
    assert!(csrf_valid(&headers(&format!("surge_csrf={seed}")), Some(&csrf.token)));
    let again = csrf_for(&headers(&format!("surge_csrf={seed}")));
    assert_eq!(again.token, csrf.token);
    assert!(again.new_cookie.is_none());
}

#[test]
fn cookies_are_http_only_and_secure_unless_turned_off() {
    let mut config = WebConfig::default();
    let value = set_cookie(&config, "surge_session", "x", 60).unwrap();
    let text = value.to_str().unwrap();
    assert!(text.contains("HttpOnly") && text.contains("SameSite=Lax") && text.ends_with("; Secure"), "{text}");
    config.secure_cookies = false;
    assert!(!set_cookie(&config, "surge_session", "x", 60).unwrap().to_str().unwrap().contains("Secure"));
}
