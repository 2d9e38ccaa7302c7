//! Page sessions: the session cookie (HttpOnly, SameSite=Lax, Secure unless turned off for plain-HTTP testing),
//! and CSRF tokens. A token is an HMAC, under the server's secret, of the session token, or before sign-in of a
//! random pre-session cookie, so any server behind the load balancer can check it without shared memory, and a
//! cookie planted by someone else yields no token they can compute.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::COOKIE;
use axum::http::{HeaderMap, HeaderValue, request::Parts};
use rand_core::RngCore;

pub const SESSION_COOKIE: &str = "surge_session";
pub const CSRF_COOKIE: &str = "surge_csrf";
/// The phone a sign-in code went to, between the two sign-in pages.
pub const LOGIN_PHONE_COOKIE: &str = "surge_login_phone";

/// How pages set cookies and find the client's address.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure`. Browsers still accept them from `http://127.0.0.1` and `localhost`.
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (its last entry), for servers behind a proxy.
    pub trust_forwarded_for: bool,
    pub access: surge_app::access::AccessPolicy,
    /// Signs delivery-receipt URLs given to gateways.
    pub receipt_secret: Vec<u8>,
    /// Shared with the webhook provider; its delivery reports are signed with it. Empty: none accepted.
    pub webhook_secret: Vec<u8>,
    /// Keys the CSRF tokens; the same on every server of one deployment.
    pub csrf_secret: Vec<u8>,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: true,
            trust_forwarded_for: false,
            access: surge_app::access::AccessPolicy::default(),
            receipt_secret: Vec::new(),
            webhook_secret: Vec::new(),
            csrf_secret: Vec::new(),
        }
    }
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get_all(COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        (key == name && !value.is_empty()).then_some(value)
    })
}

/// A `Set-Cookie` value; `max_age` 0 deletes the cookie.
pub fn set_cookie(config: &WebConfig, name: &str, value: &str, max_age_seconds: i64) -> Option<HeaderValue> {
    let secure = if config.secure_cookies { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; Max-Age={max_age_seconds}; HttpOnly; SameSite=Lax{secure}").parse().ok()
}

/// The CSRF token that goes with a session or pre-session cookie value, keyed by the server's secret.
pub fn csrf_token(secret: &[u8], seed: &str) -> String {
    let message = [b"surge-csrf\0".as_slice(), seed.as_bytes()].concat();
    hex::encode(&surge_domain::mac::hmac_sha256(secret, &message)[..16])
}

/// Compares in constant time.
fn same_token(expected: &str, submitted: &str) -> bool {
    expected.len() == submitted.len()
        && expected.bytes().zip(submitted.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// What a form needs for CSRF: the token to embed, and a pre-session cookie to set if the visitor had none.
#[derive(Debug)]
pub struct Csrf {
    pub token: String,
    pub new_cookie: Option<String>,
}

/// The token for a page's forms: bound to the session if there is one, else to a pre-session cookie.
pub fn csrf_for(headers: &HeaderMap, secret: &[u8]) -> Csrf {
    if let Some(seed) = cookie(headers, SESSION_COOKIE).or_else(|| cookie(headers, CSRF_COOKIE)) {
        return Csrf { token: csrf_token(secret, seed), new_cookie: None };
    }
    let mut bytes = [0u8; 16];
    rand_core::OsRng.fill_bytes(&mut bytes);
    let seed = hex::encode(bytes);
    Csrf { token: csrf_token(secret, &seed), new_cookie: Some(seed) }
}

/// Whether `submitted` is this request's own token: the session's when there is a session (a pre-session cookie
/// beside it counts for nothing), else the pre-session cookie's.
pub fn csrf_valid(headers: &HeaderMap, secret: &[u8], submitted: Option<&str>) -> bool {
    let Some(submitted) = submitted else { return false };
    let Some(seed) = cookie(headers, SESSION_COOKIE).or_else(|| cookie(headers, CSRF_COOKIE)) else { return false };
    same_token(&csrf_token(secret, seed), submitted)
}

/// The client's address, for rate limits: the socket peer, or the proxy's `X-Forwarded-For` when trusted.
pub fn client_address(
    parts_headers: &HeaderMap,
    connect: Option<&ConnectInfo<SocketAddr>>,
    config: &WebConfig,
) -> String {
    if config.trust_forwarded_for {
        let forwarded = parts_headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty());
        if let Some(address) = forwarded {
            return address.to_owned();
        }
    }
    connect.map(|ConnectInfo(addr)| addr.ip().to_string()).unwrap_or_else(|| "unknown".into())
}

/// The client's address, as an extractor.
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);

impl<S: Send + Sync> FromRequestParts<crate::AppState<S>> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &crate::AppState<S>) -> Result<Self, Self::Rejection> {
        Ok(Self(client_address(&parts.headers, parts.extensions.get::<ConnectInfo<SocketAddr>>(), &state.web)))
    }
}

#[cfg(test)]
mod tests;
