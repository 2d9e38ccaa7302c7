//! Sending text messages: the gateways (a log file by default, Kannel's HTTP `sendsms` for real SMSCs, SMPP 3.4
//! straight to an SMSC, a signed JSON webhook for providers with an HTTP API) and the outbox worker. The worker claims due messages, checks each (opt-out, phone number, length), sends through a
//! gateway chosen by weight within its rate, fails over when one errors, retries temporary failures with backoff,
//! and records every result in one transaction per claim. Rules without IO live in `surge_domain::notify`.

mod gateway;
mod kannel;
mod log_gateway;
mod smpp;
mod webhook;
mod worker;

pub use gateway::{OutgoingSms, SendFuture, SmsGateway};
pub use kannel::{KannelConfig, KannelGateway};
pub use log_gateway::LogGateway;
pub use smpp::{SmppConfig, SmppGateway, SmppReceipt};
pub use webhook::{WebhookConfig, WebhookGateway};
pub use worker::{NotifyWorker, Route, WorkOutcome, WorkerConfig};
