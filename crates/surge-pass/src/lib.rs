//! The signed e-pass: claims, CWT/COSE_Sign1 signing and verification, base45/zlib transport, QR rendering and
//! reading, the signed trust list, the chunked revocation status list, and the EU DCC (`HC1:`) verifier.
//!
//! Nothing here does IO or reads the clock: the current time and randomness are parameters, so an offline
//! checkpoint verifier is this crate plus a trust list and a status list it was handed.

mod claims;
mod codec;
pub mod dcc;
mod error;
mod id;
mod issue;
mod keys;
mod qr;
mod status;
mod trust;
mod verify;

pub use claims::{FORMAT_VERSION, Pass, PassClaims, PassKind, TestResult};
pub use codec::{MAX_INFLATED_LEN, PREFIX};
pub use error::PassError;
pub use id::{ControlCode, PassId};
pub use issue::Issuer;
pub use keys::{Algorithm, Kid, SigningKey, VerifyingKey};
pub use qr::{QrImage, decode_qr_image, qr_modules, qr_png, qr_svg, qr_version};
pub use status::{
    ChunkInfo, STATUS_INVALID, STATUS_SUSPENDED, STATUS_VALID, StatusListBuilder, StatusListFile, StatusLookup,
    StatusSnapshot,
};
pub use trust::{KeyStatus, TrustList, TrustedKey};
pub use verify::{Accept, Check, CheckName, Outcome, Reason, Verification, Verifier, VerifyOptions, decode_unverified};
