//! Cookie parsing and CSRF tokens.

use axum::http::HeaderMap;
use sha2::{Digest, Sha256};

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

const SECRET: &[u8] = b"server secret";

#[test]
fn a_csrf_token_is_valid_only_with_its_own_cookie() {
    let token = csrf_token(SECRET, "seed-one");
    assert!(csrf_valid(&headers("surge_session=seed-one"), SECRET, Some(&token)));
    assert!(csrf_valid(&headers("surge_csrf=seed-one"), SECRET, Some(&token)));
    assert!(!csrf_valid(&headers("surge_session=seed-two"), SECRET, Some(&token)));
    assert!(!csrf_valid(&headers("surge_session=seed-one"), SECRET, None));
    assert!(!csrf_valid(&HeaderMap::new(), SECRET, Some(&token)));
    assert!(!csrf_valid(&headers("surge_session=seed-one"), SECRET, Some(&token[..31])));
}

/// Issue 20 #14: the token was an unkeyed hash of the cookie, so anyone who could plant a `surge_csrf` cookie
/// beside a victim's session could compute a token the server accepted.
#[test]
fn a_planted_pre_session_cookie_beside_a_session_yields_no_valid_token() {
    // Knowing the cookie is not enough: the token needs the server's secret.
    let unkeyed = {
        let mut hasher = Sha256::new();
        hasher.update(b"surge-csrf\0planted");
        hex::encode(&hasher.finalize()[..16])
    };
    assert!(!csrf_valid(&headers("surge_csrf=planted"), SECRET, Some(&unkeyed)));
    assert_ne!(csrf_token(SECRET, "planted"), csrf_token(b"another server", "planted"));
    // Beside a session, only the session's token counts, even one rightly made for the planted cookie.
    let for_planted = csrf_token(SECRET, "planted");
    let both = headers("surge_csrf=planted; surge_session=victim");
    assert!(!csrf_valid(&both, SECRET, Some(&for_planted)));
    assert!(csrf_valid(&both, SECRET, Some(&csrf_token(SECRET, "victim"))));
}

#[test]
fn a_visitor_without_cookies_gets_a_pre_session_cookie_that_matches_the_token() {
    let csrf = csrf_for(&HeaderMap::new(), SECRET);
    let seed = csrf.new_cookie.unwrap();
    assert!(csrf_valid(&headers(&format!("surge_csrf={seed}")), SECRET, Some(&csrf.token)));
    let again = csrf_for(&headers(&format!("surge_csrf={seed}")), SECRET);
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
