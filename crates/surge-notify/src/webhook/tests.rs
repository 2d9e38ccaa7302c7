//! The webhook gateway against a small HTTP server on 127.0.0.1 that checks the signature.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use surge_domain::notify::Encoding;

use super::*;

/// Starts a provider that answers with the given statuses in turn and keeps the bodies it accepted.
async fn provider(statuses: Vec<u16>) -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let answers = Arc::new(Mutex::new(statuses));
    let app = Router::new().route(
        "/sms",
        post({
            let seen = seen.clone();
            move |headers: HeaderMap, body: Bytes| async move {
                let signed = headers.get("x-surge-signature").and_then(|v| v.to_str().ok()).unwrap_or("");
                if signed != webhook_signature(b"shared", &body) {
                    return (StatusCode::UNAUTHORIZED, String::new());
                }
                let status = {
                    let mut answers = answers.lock().unwrap();
                    if answers.is_empty() { 200 } else { answers.remove(0) }
                };
                if status == 200 {
                    seen.lock().unwrap().push(String::from_utf8_lossy(&body).into_owned());
                }
                (StatusCode::from_u16(status).unwrap(), r#"{"message_id": "prov-7"}"#.to_owned())
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

fn sms() -> OutgoingSms<'static> {
    OutgoingSms { id: 9, to: "+821012345678", body: "안녕하세요", encoding: Encoding::Ucs2 }
}

#[tokio::test]
async fn a_signed_message_is_accepted_with_the_providers_id() {
    let (url, seen) = provider(vec![]).await;
    let gateway = WebhookGateway::new(WebhookConfig { url, secret: b"shared".to_vec() }).unwrap();
    assert_eq!(gateway.send(sms()).await, SendOutcome::Accepted { gateway_message_id: Some("prov-7".into()) });
    let body: serde_json::Value = serde_json::from_str(&seen.lock().unwrap()[0]).unwrap();
    assert_eq!(body, serde_json::json!({"id": 9, "to": "+821012345678", "body": "안녕하세요", "encoding": "ucs2"}));
}

#[tokio::test]
async fn answers_map_to_retry_or_refusal_and_a_wrong_secret_is_refused() {
    let (url, _) = provider(vec![503, 429, 400]).await;
    let gateway = WebhookGateway::new(WebhookConfig { url: url.clone(), secret: b"shared".to_vec() }).unwrap();
    assert!(matches!(gateway.send(sms()).await, SendOutcome::Temporary(_)), "503");
    assert!(matches!(gateway.send(sms()).await, SendOutcome::Temporary(_)), "429");
    assert!(matches!(gateway.send(sms()).await, SendOutcome::Permanent(_)), "400");
    let wrong = WebhookGateway::new(WebhookConfig { url, secret: b"other".to_vec() }).unwrap();
    assert!(matches!(wrong.send(sms()).await, SendOutcome::Permanent(reason) if reason.contains("401")));
    let nowhere = WebhookGateway::new(WebhookConfig { url: "http://127.0.0.1:9/sms".into(), secret: vec![1] }).unwrap();
    assert!(matches!(nowhere.send(sms()).await, SendOutcome::Temporary(_)), "unreachable is temporary");
}
