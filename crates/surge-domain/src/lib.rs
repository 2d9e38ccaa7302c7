//! Surge's domain: organisations and their screening, employee lists for bulk issuance, notification rules, and the
//! validated values they are made of. Pure functions and types: no IO, no async, no clock (dates are parameters), no wire formats.

mod application;
pub mod audit;
pub mod csv_quotes;
mod employees;
mod field;
mod kinds;
pub mod korean;
mod local_time;
pub mod mac;
pub mod names;
pub mod notify;
mod organisation;
mod phone;
mod registry;
mod screening;
pub mod travel;
mod zones;

pub use application::{
    Application, ApplicationInput, ApplicationRules, ApplicationStatus, DocumentKind, Purpose, default_purposes,
    validate_application,
};
pub use employees::{
    EmployeeList, EmployeeRow, ListRules, MAX_ROWS, RowError, parse_employee_csv, renew_from_today, zone_covers,
};
pub use field::{BirthDateError, FieldError, is_unsafe_char, parse_date_of_birth};
pub use kinds::{BatchStatus, FactKind, KeyScope, PassStatus, Role};
pub use local_time::{LocalZone, UnknownZone};
pub use organisation::{
    DEFAULT_CATEGORIES, OrgStatus, Registration, RegistrationInput, Transition, TransitionError, validate_registration,
};
pub use phone::Phone;
pub use registry::RegistryScheme;
pub use screening::{ExistingOrganisation, Finding, Screening, clashes_with, normalise_name, screen};
pub use zones::{Zone, ZoneList};
