//! Errors in Salt Edge's shape.
//!
//! Every error a caller can cause carries one of Salt Edge's error classes
//! ([`ErrorClass`]) so that it can be reported exactly as Salt Edge reports
//! it: `{"error": {"class", "message", "documentation_url"}, "request": …}`.

use std::fmt;

/// A Salt Edge error class.
///
/// The names and meanings are Salt Edge's (Data Enrichment and Account
/// Information APIs, v5). Only the classes this library can produce are
/// listed; new ones may be added, so match with a wildcard arm.
///
/// # Example
///
/// ```
/// use txenrich::ErrorClass;
///
/// assert_eq!(ErrorClass::BatchSizeLimitExceeded.as_str(), "BatchSizeLimitExceeded");
/// assert!(ErrorClass::JsonParseError.documentation_url().ends_with("#errors-json_parse_error"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorClass {
    /// The JSON request is well-formed JSON but not what was expected: a
    /// missing or mistyped field, a value outside its domain.
    WrongRequestFormat,
    /// The body is not JSON or cannot be parsed.
    JsonParseError,
    /// More than 100 objects were sent in one request.
    BatchSizeLimitExceeded,
    /// A report's `from_date` is invalid or after `to_date`.
    InvalidFromDate,
    /// A report's `to_date` is invalid.
    InvalidToDate,
    /// A date lies outside the range the request allows.
    DateOutOfRange,
    /// A transaction names an account the request does not contain.
    AccountNotFound,
    /// A merchant id is not known.
    MerchantNotFound,
    /// A value is outside the range the field allows.
    ValueOutOfRange,
    /// The text is not valid UTF-8.
    InvalidEncoding,
    /// A bug or an exhausted resource inside the library.
    InternalServerError,
}

impl ErrorClass {
    /// Every class, in declaration order.
    pub const ALL: [ErrorClass; 11] = [
        ErrorClass::WrongRequestFormat,
        ErrorClass::JsonParseError,
        ErrorClass::BatchSizeLimitExceeded,
        ErrorClass::InvalidFromDate,
        ErrorClass::InvalidToDate,
        ErrorClass::DateOutOfRange,
        ErrorClass::AccountNotFound,
        ErrorClass::MerchantNotFound,
        ErrorClass::ValueOutOfRange,
        ErrorClass::InvalidEncoding,
        ErrorClass::InternalServerError,
    ];

    /// The class name as Salt Edge spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::WrongRequestFormat => "WrongRequestFormat",
            ErrorClass::JsonParseError => "JsonParseError",
            ErrorClass::BatchSizeLimitExceeded => "BatchSizeLimitExceeded",
            ErrorClass::InvalidFromDate => "InvalidFromDate",
            ErrorClass::InvalidToDate => "InvalidToDate",
            ErrorClass::DateOutOfRange => "DateOutOfRange",
            ErrorClass::AccountNotFound => "AccountNotFound",
            ErrorClass::MerchantNotFound => "MerchantNotFound",
            ErrorClass::ValueOutOfRange => "ValueOutOfRange",
            ErrorClass::InvalidEncoding => "InvalidEncoding",
            ErrorClass::InternalServerError => "InternalServerError",
        }
    }

    /// Parses a class name as Salt Edge spells it.
    pub fn from_name(name: &str) -> Option<ErrorClass> {
        ErrorClass::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// The Salt Edge documentation anchor for this class.
    pub fn documentation_url(self) -> String {
        let mut anchor = String::new();
        for (i, c) in self.as_str().char_indices() {
            if c.is_ascii_uppercase() {
                if i > 0 {
                    anchor.push('_');
                }
                anchor.push(c.to_ascii_lowercase());
            } else {
                anchor.push(c);
            }
        }
        format!(
            "https://docs.saltedge.com/data_enrichment/v5/#errors-{anchor}"
        )
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error a request caused, with its Salt Edge class and a message that
/// names the offending field and value.
///
/// # Example
///
/// ```
/// use txenrich::{Error, ErrorClass};
///
/// let err = Error::new(ErrorClass::WrongRequestFormat, "made_on: expected YYYY-MM-DD, got \"12/03/2026\"");
/// assert_eq!(err.class(), ErrorClass::WrongRequestFormat);
/// let json = err.to_json(None);
/// assert_eq!(json["error"]["class"], "WrongRequestFormat");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    class: ErrorClass,
    message: String,
}

impl Error {
    /// Creates an error of `class` with a human-readable message.
    pub fn new(class: ErrorClass, message: impl Into<String>) -> Error {
        Error { class, message: message.into() }
    }

    /// A `WrongRequestFormat` error about `field` holding `value`.
    pub(crate) fn field(
        field: &str,
        expected: &str,
        value: impl fmt::Display,
    ) -> Error {
        Error::new(
            ErrorClass::WrongRequestFormat,
            format!("{field}: expected {expected}, got {value}"),
        )
    }

    /// The Salt Edge error class.
    pub fn class(&self) -> ErrorClass {
        self.class
    }

    /// The message, naming the field and value at fault where there is one.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The error as Salt Edge's JSON error object. `request` is the body of
    /// the failing request, echoed back; `null` when absent.
    pub fn to_json(
        &self,
        request: Option<serde_json::Value>,
    ) -> serde_json::Value {
        serde_json::json!({
            "error": {
                "class": self.class.as_str(),
                "message": self.message,
                "documentation_url": self.class.documentation_url(),
            },
            "request": request.unwrap_or(serde_json::Value::Null),
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.class, self.message)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documentation_anchor_is_snake_case() {
        assert_eq!(
            ErrorClass::BatchSizeLimitExceeded.documentation_url(),
            "https://docs.saltedge.com/data_enrichment/v5/#errors-batch_size_limit_exceeded"
        );
    }

    #[test]
    fn names_round_trip() {
        for class in ErrorClass::ALL {
            assert_eq!(ErrorClass::from_name(class.as_str()), Some(class));
        }
        assert_eq!(ErrorClass::from_name("Nope"), None);
    }

    #[test]
    fn json_shape() {
        let e = Error::field("amount", "a finite number", "\"abc\"");
        let j = e.to_json(Some(serde_json::json!({"id": "1"})));
        assert_eq!(j["error"]["class"], "WrongRequestFormat");
        assert_eq!(
            j["error"]["message"],
            "amount: expected a finite number, got \"abc\""
        );
        assert_eq!(j["request"]["id"], "1");
    }
}
