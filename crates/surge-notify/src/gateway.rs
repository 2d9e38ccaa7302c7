//! The gateway port: hand one message over and say what happened.

use std::future::Future;
use std::pin::Pin;

use surge_domain::notify::{Encoding, SendOutcome};

/// A message as a gateway receives it.
#[derive(Debug, Clone, Copy)]
pub struct OutgoingSms<'a> {
    /// The outbox id: Kannel's receipts name it.
    pub id: i64,
    /// E.164.
    pub to: &'a str,
    pub body: &'a str,
    pub encoding: Encoding,
}

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = SendOutcome> + Send + 'a>>;

pub trait SmsGateway: Send + Sync + std::fmt::Debug {
    /// The name recorded with each message it accepts.
    fn name(&self) -> &str;

    fn send<'a>(&'a self, sms: OutgoingSms<'a>) -> SendFuture<'a>;
}
