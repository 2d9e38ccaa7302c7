//! A provider with an HTTP API: each message is POSTed as JSON, signed with HMAC-SHA256 over the body in the
//! `X-Surge-Signature: sha256=<hex>` header, so the provider can check it came from Surge. A 2xx answer accepts the
//! message (its JSON `message_id`, if any, is kept); 408, 429 and 5xx are temporary; other 4xx refuse it for good.

use std::time::Duration;

use surge_domain::notify::{SendOutcome, webhook_signature};

use crate::gateway::{OutgoingSms, SendFuture, SmsGateway};

#[derive(Debug, Clone)]
pub struct WebhookConfig {
    pub url: String,
    pub secret: Vec<u8>,
}

#[derive(Debug)]
pub struct WebhookGateway {
    config: WebhookConfig,
    client: reqwest::Client,
}

impl WebhookGateway {
    pub fn new(config: WebhookConfig) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("building the HTTP client: {e}"))?;
        Ok(Self { config, client })
    }
}

impl SmsGateway for WebhookGateway {
    fn name(&self) -> &str {
        "webhook"
    }

    fn send<'a>(&'a self, sms: OutgoingSms<'a>) -> SendFuture<'a> {
        Box::pin(async move {
            let body = serde_json::json!({
                "id": sms.id, "to": sms.to, "body": sms.body, "encoding": sms.encoding.as_str(),
            })
            .to_string();
            let signature = webhook_signature(&self.config.secret, body.as_bytes());
            let response = self
                .client
                .post(&self.config.url)
                .header("content-type", "application/json")
                .header("x-surge-signature", signature)
                .body(body)
                .send()
                .await;
            let response = match response {
                Ok(response) => response,
                Err(e) => return SendOutcome::Temporary(format!("webhook unreachable: {e}")),
            };
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            if status.is_success() {
                let gateway_message_id = serde_json::from_str::<serde_json::Value>(&text)
                    .ok()
                    .and_then(|v| v.get("message_id").and_then(|id| id.as_str()).map(str::to_owned));
                SendOutcome::Accepted { gateway_message_id }
            } else if status.is_server_error() || matches!(status.as_u16(), 408 | 429) {
                SendOutcome::Temporary(format!("webhook answered {status}"))
            } else {
                let text: String = text.chars().take(200).collect();
                SendOutcome::Permanent(format!("webhook refused the message: {status} {text}"))
            }
        })
    }
}

#[cfg(test)]
mod tests;
