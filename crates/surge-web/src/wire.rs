//! What every context's wire types share: times written as RFC 3339 text.

/// A time as the API writes it: RFC 3339, UTC.
pub(crate) fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}
