//! Notification rules without IO: what a text may contain and how it splits into parts, templates in Korean and
//! English, the states of a message and the receipts that move them, retry timing, and sending speed. The
//! gateways and the worker that use them are in `surge-notify`.

pub mod inbound;
pub mod message;
pub mod template;
pub mod text;
pub mod throttle;

pub use inbound::{InboundCommand, parse_command};
pub use message::{
    MessageState, Receipt, RetryPolicy, SECRET_UNTIL_DELIVERED, SECRET_UNTIL_SENT, SendOutcome, after_receipt,
    kannel_receipt, kind_in, receipt_signature, receipt_signature_valid, smpp_receipt, webhook_signature,
    webhook_signature_valid,
};
pub use template::{Template, TemplateError, Templates};
pub use text::{Encoding, SmsText, TextError, split};
