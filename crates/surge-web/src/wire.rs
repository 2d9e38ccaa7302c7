//! What every context's wire types share: times written as RFC 3339 text, page sizes held to what the document
//! says.

/// A time as the API writes it: RFC 3339, UTC.
pub(crate) fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// An optional whole number, read as JSON Schema reads one: `12` and `12.0` are both the integer 12 (a client
/// library may write either); `12.5` or one out of range is refused.
pub(crate) fn whole<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    use serde::Deserialize;
    use serde::de::Error;
    let Some(number) = Option::<serde_json::Number>::deserialize(deserializer)? else { return Ok(None) };
    let value = if let Some(i) = number.as_i64() {
        T::try_from(i).ok()
    } else if let Some(u) = number.as_u64() {
        T::try_from(u).ok()
    } else {
        // Exactly representable whole numbers only: beyond 2^53 a float no longer names one integer.
        number
            .as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0)
            .and_then(|f| T::try_from(f as i64).ok())
    };
    value.map(Some).ok_or_else(|| D::Error::custom(format!("{number} is not a whole number in range")))
}

/// A required whole number, read as [`whole`] reads one.
pub(crate) fn whole_required<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    whole(deserializer)?.ok_or_else(|| serde::de::Error::custom("a whole number is required here"))
}

/// A page size as asked (`default` when absent), refused outside 1 to `most` as the OpenAPI document says.
pub(crate) fn page_limit(limit: Option<u32>, default: u32, most: u32) -> Result<u32, crate::error::ApiError> {
    match limit {
        None => Ok(default),
        Some(n) if (1..=most).contains(&n) => Ok(n),
        Some(n) => Err(crate::error::ApiError::bad_request(format!("limit {n} is outside 1 to {most}"))),
    }
}
