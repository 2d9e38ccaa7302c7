//! Lab results in, with no IO: MLLP framing, HL7 v2 ORU^R01 reading (versions 2.3 to 2.5.1, single messages and
//! FHS/BHS batches) and the ACK for each, FHIR R4 Bundles read into the same shape, the table of known tests and result codes, patient matching, and the rule
//! that decides which results may be texted. Only a final, not-detected result of a known test, for one confidently
//! matched person with a registered phone, is ever auto-texted; everything else goes to clinicians with the reason.

pub mod ack;
pub mod csv_file;
pub mod fhir;
pub mod identity;
pub mod mapping;
pub mod mllp;
pub mod oru;
pub mod triage;

pub use ack::{AckCode, ErrorCode, ack};
pub use csv_file::{CsvProblem, parse_results_csv};
pub use fhir::parse_bundle;
pub use identity::{Identity, Registration, match_identity};
pub use mapping::{Interpretation, TestTable, interpret};
pub use oru::{
    Coded, Header, Hl7Error, Observation, Order, OruMessage, Patient, hl7_time, parse_oru, read_header, split_batch,
};
pub use triage::{QueueReason, Route, TestKind, route, route_test};
