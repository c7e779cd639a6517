//! The JSON path: borrowed parsing and output splicing.
//!
//! A transaction line is parsed into its top-level fields as raw JSON spans
//! ([`RawTransaction`]); only the fields the engine reads are decoded, and
//! they are validated against Salt Edge's data types with errors naming the
//! field. The output is the input's own bytes with the enrichment spliced
//! in: every input field is written back exactly as it came (same number
//! formatting, same key order), `category` is replaced, the engine's `extra`
//! fields are added, and `merchant` is appended.
//!
//! ```
//! use txenrich::json::RawTransaction;
//!
//! let raw = RawTransaction::parse(r#"{"id":"1","made_on":"2026-01-02","amount":-1.50,"currency_code":"EUR","description":"X","z":[1]}"#).unwrap();
//! assert_eq!(raw.view().amount, -1.5);
//! assert_eq!(raw.view().description, "X");
//! ```

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::error::{Error, ErrorClass};
use crate::model::{self, AccountNature, Date, TransactionView};

/// A string that borrows from the input when it holds no escapes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CowStr<'a>(pub Cow<'a, str>);

impl<'de> Deserialize<'de> for CowStr<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CowStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(
                self,
                v: &'de str,
            ) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(
                self,
                v: &str,
            ) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(
                self,
                v: String,
            ) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// A JSON object as its fields in order: key and raw value text.
#[derive(Debug, Default)]
pub struct RawObject<'a> {
    /// The fields in input order, duplicates kept.
    pub fields: Vec<(Cow<'a, str>, &'a RawValue)>,
}

impl<'de> Deserialize<'de> for RawObject<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawObject<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut fields =
                    Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some(key) = map.next_key::<CowStr<'de>>()? {
                    let value: &'de RawValue = map.next_value()?;
                    fields.push((key.0, value));
                }
                Ok(RawObject { fields })
            }
        }
        d.deserialize_map(V)
    }
}

impl<'a> RawObject<'a> {
    /// Parses a JSON object; `JsonParseError` when the text is not JSON,
    /// `WrongRequestFormat` when it is JSON but not an object.
    pub fn parse(json: &'a str) -> Result<RawObject<'a>, Error> {
        match serde_json::from_str::<RawObject<'a>>(json) {
            Ok(o) => Ok(o),
            Err(e) if e.is_data() => Err(Error::new(
                ErrorClass::WrongRequestFormat,
                format!("expected a JSON object ({e})"),
            )),
            Err(e) => Err(Error::new(
                ErrorClass::JsonParseError,
                format!("invalid JSON: {e}"),
            )),
        }
    }

    /// The last value of `key` (JSON's "last one wins").
    pub fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.fields.iter().rev().find(|(k, _)| k == key).map(|&(_, v)| v)
    }
}

/// The text fields and typed values the engine reads, decoded and
/// validated, plus the raw fields for writing the output back.
#[derive(Debug)]
pub struct RawTransaction<'a> {
    /// Every top-level field in input order.
    pub object: RawObject<'a>,
    /// The `extra` object's fields, when there is one.
    pub extra: Option<RawObject<'a>>,
    description: Cow<'a, str>,
    amount: f64,
    currency_code: Cow<'a, str>,
    mode: Option<Cow<'a, str>>,
    payee: Option<Cow<'a, str>>,
    payer: Option<Cow<'a, str>>,
    additional: Option<Cow<'a, str>>,
    information: Option<Cow<'a, str>>,
    mcc: Option<u16>,
    account_nature: Option<AccountNature>,
    original_currency_code: Option<Cow<'a, str>>,
    made_on: Date,
    account_id: Option<Cow<'a, str>>,
}

impl<'a> RawTransaction<'a> {
    /// Parses and validates one transaction.
    pub fn parse(json: &'a str) -> Result<RawTransaction<'a>, Error> {
        RawTransaction::from_object(RawObject::parse(json)?)
    }

    /// Validates an already parsed `serde_json::Value` (used by the owned
    /// [`crate::model::Transaction`] path).
    pub(crate) fn from_value_ref(
        value: &serde_json::Value,
    ) -> Result<(), Error> {
        let text = value.to_string();
        RawTransaction::parse(&text).map(drop)
    }

    /// Validates the fields of a parsed object.
    pub fn from_object(
        object: RawObject<'a>,
    ) -> Result<RawTransaction<'a>, Error> {
        match object.get("id") {
            None => return Err(missing("id")),
            Some(v) => {
                let t = v.get().as_bytes()[0];
                if t != b'"' && !(t == b'-' || t.is_ascii_digit()) {
                    return Err(Error::field("id", "a string", v.get()));
                }
            }
        }
        let made_on = required_str(&object, "made_on")?;
        let made_on = made_on.parse::<Date>().map_err(|_| {
            Error::field("made_on", "a date YYYY-MM-DD", quoted(&made_on))
        })?;
        let amount = required_number(&object, "amount")?;
        let currency_code = required_str(&object, "currency_code")?;
        if !model::is_currency_code(&currency_code) {
            return Err(Error::field(
                "currency_code",
                "three upper-case letters (ISO 4217)",
                quoted(&currency_code),
            ));
        }
        let description = required_str(&object, "description")?;
        let mode =
            optional_enum(&object, "mode", &["normal", "fee", "transfer"])?;
        optional_enum(&object, "status", &["posted", "pending"])?;
        optional_str(&object, "category", "category")?;
        let account_id = optional_id(&object, "account_id")?;
        optional_bool(&object, "duplicated", "duplicated")?;
        for field in ["created_at", "updated_at"] {
            if let Some(s) = optional_str(&object, field, field)?
                && !model::is_datetime(&s)
            {
                return Err(Error::field(
                    field,
                    "an ISO-8601 date-time",
                    quoted(&s),
                ));
            }
        }
        let account_nature =
            match optional_str(&object, "account_nature", "account_nature")? {
                None => None,
                Some(s) => {
                    Some(AccountNature::from_name(&s).ok_or_else(|| {
                        Error::field(
                            "account_nature",
                            "a Salt Edge account nature",
                            quoted(&s),
                        )
                    })?)
                }
            };
        let mut raw = RawTransaction {
            object,
            extra: None,
            description,
            amount,
            currency_code,
            mode,
            payee: None,
            payer: None,
            additional: None,
            information: None,
            mcc: None,
            account_nature,
            original_currency_code: None,
            made_on,
            account_id,
        };
        if let Some(extra) = raw.object.get("extra")
            && extra.get() != "null"
        {
            let extra: RawObject<'a> = serde_json::from_str(extra.get())
                .map_err(|_| {
                    Error::field("extra", "an object", abbreviate(extra.get()))
                })?;
            raw.read_extra(&extra)?;
            raw.extra = Some(extra);
        }
        Ok(raw)
    }

    fn read_extra(&mut self, extra: &RawObject<'a>) -> Result<(), Error> {
        self.payee = optional_str(extra, "payee", "extra.payee")?;
        self.payer = optional_str(extra, "payer", "extra.payer")?;
        self.additional =
            optional_str(extra, "additional", "extra.additional")?;
        self.information =
            optional_str(extra, "information", "extra.information")?;
        if let Some(v) = extra.get("mcc") {
            let text = v.get();
            let mcc = match serde_json::from_str::<CowStr<'_>>(text) {
                Ok(s) => model::parse_mcc(&s.0),
                Err(_) => text.parse::<u16>().ok().filter(|&n| n <= 9999),
            };
            if text != "null" {
                self.mcc = Some(mcc.ok_or_else(|| {
                    Error::field(
                        "extra.mcc",
                        "a 4-digit merchant category code",
                        text,
                    )
                })?);
            }
        }
        if let Some(v) = extra.get("original_amount")
            && v.get() != "null"
        {
            number(v, "extra.original_amount")?;
        }
        if let Some(c) = optional_str(
            extra,
            "original_currency_code",
            "extra.original_currency_code",
        )? {
            if !model::is_currency_code(&c) {
                return Err(Error::field(
                    "extra.original_currency_code",
                    "three upper-case letters (ISO 4217)",
                    quoted(&c),
                ));
            }
            self.original_currency_code = Some(c);
        }
        if let Some(d) =
            optional_str(extra, "posting_date", "extra.posting_date")?
            && d.parse::<Date>().is_err()
        {
            return Err(Error::field(
                "extra.posting_date",
                "a date YYYY-MM-DD",
                quoted(&d),
            ));
        }
        Ok(())
    }

    /// The borrowed view the engine reads.
    pub fn view(&self) -> TransactionView<'_> {
        TransactionView {
            description: &self.description,
            amount: self.amount,
            currency_code: &self.currency_code,
            mode: self.mode.as_deref(),
            payee: self.payee.as_deref(),
            payer: self.payer.as_deref(),
            additional: self.additional.as_deref(),
            information: self.information.as_deref(),
            mcc: self.mcc,
            account_nature: self.account_nature,
            original_currency_code: self.original_currency_code.as_deref(),
        }
    }

    /// `made_on`.
    pub fn made_on(&self) -> Date {
        self.made_on
    }

    /// `account_id`, when present (numbers are given as their text).
    pub fn account_id(&self) -> Option<&str> {
        self.account_id.as_deref()
    }
}

fn missing(field: &str) -> Error {
    Error::new(
        ErrorClass::WrongRequestFormat,
        format!("{field}: required field is missing"),
    )
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// The raw JSON of a value, cut to a readable length for messages.
pub(crate) fn abbreviate(raw: &str) -> String {
    if raw.len() <= 60 {
        return raw.to_string();
    }
    let mut end = 57;
    while !raw.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &raw[..end])
}

fn required_str<'a>(
    o: &RawObject<'a>,
    field: &str,
) -> Result<Cow<'a, str>, Error> {
    optional_str(o, field, field)?.ok_or_else(|| missing(field))
}

fn optional_str<'a>(
    o: &RawObject<'a>,
    key: &str,
    field: &str,
) -> Result<Option<Cow<'a, str>>, Error> {
    let Some(v) = o.get(key) else { return Ok(None) };
    if v.get() == "null" {
        return Ok(None);
    }
    serde_json::from_str::<CowStr<'a>>(v.get())
        .map(|s| Some(s.0))
        .map_err(|_| Error::field(field, "a string", abbreviate(v.get())))
}

fn optional_id<'a>(
    o: &RawObject<'a>,
    key: &str,
) -> Result<Option<Cow<'a, str>>, Error> {
    let Some(v) = o.get(key) else { return Ok(None) };
    let text = v.get();
    if text == "null" {
        return Ok(None);
    }
    if let Ok(s) = serde_json::from_str::<CowStr<'a>>(text) {
        return Ok(Some(s.0));
    }
    if text.parse::<i64>().is_ok() {
        return Ok(Some(Cow::Borrowed(text)));
    }
    Err(Error::field(key, "a string", abbreviate(text)))
}

fn optional_enum<'a>(
    o: &RawObject<'a>,
    key: &str,
    allowed: &[&str],
) -> Result<Option<Cow<'a, str>>, Error> {
    let v = optional_str(o, key, key)?;
    if let Some(s) = &v
        && !allowed.contains(&s.as_ref())
    {
        return Err(Error::field(
            key,
            &format!("one of {}", allowed.join(", ")),
            quoted(s),
        ));
    }
    Ok(v)
}

fn optional_bool(
    o: &RawObject<'_>,
    key: &str,
    field: &str,
) -> Result<(), Error> {
    match o.get(key).map(|v| v.get()) {
        None | Some("null" | "true" | "false") => Ok(()),
        Some(other) => {
            Err(Error::field(field, "true or false", abbreviate(other)))
        }
    }
}

fn required_number(o: &RawObject<'_>, field: &str) -> Result<f64, Error> {
    let v = o.get(field).ok_or_else(|| missing(field))?;
    number(v, field)
}

fn number(v: &RawValue, field: &str) -> Result<f64, Error> {
    let text = v.get();
    let first = text.as_bytes()[0];
    if !(first == b'-' || first.is_ascii_digit()) {
        return Err(Error::field(field, "a finite number", abbreviate(text)));
    }
    match text.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        _ => Err(Error::field(field, "a finite number", abbreviate(text))),
    }
}

/// Writes `s` as a JSON string.
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    // Most strings need no escaping: copy them between quotes. Otherwise
    // serde_json's escaping is the reference (writing into a Vec cannot
    // fail).
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

/// Writes a finite `f64` the way serde_json does.
pub(crate) fn write_f64(out: &mut Vec<u8>, x: f64) {
    let _ = serde_json::to_writer(&mut *out, &x);
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"{"id":"t1","made_on":"2026-03-12","amount":-47.83,"currency_code":"EUR","description":"MERCADONA"}"#;

    fn err(json: &str) -> Error {
        RawTransaction::parse(json).unwrap_err()
    }

    #[test]
    fn borrows_unescaped_strings() {
        let raw = RawTransaction::parse(OK).unwrap();
        assert!(matches!(raw.description, Cow::Borrowed(_)));
        let esc = OK.replace("MERCADONA", "MERCA\\u0044ONA");
        let raw = RawTransaction::parse(&esc).unwrap();
        assert_eq!(raw.view().description, "MERCADONA");
    }

    #[test]
    fn json_errors_are_classified() {
        assert_eq!(err("{\"id\":").class(), ErrorClass::JsonParseError);
        assert_eq!(err("not json").class(), ErrorClass::JsonParseError);
        assert_eq!(err("[1,2]").class(), ErrorClass::WrongRequestFormat);
        assert_eq!(err("42").class(), ErrorClass::WrongRequestFormat);
    }

    #[test]
    fn field_errors_name_field_and_value() {
        let cases = [
            (
                OK.replace(r#""amount":-47.83"#, r#""amount":"-47.83""#),
                "amount: expected a finite number, got \"-47.83\"",
            ),
            (
                OK.replace(
                    r#""made_on":"2026-03-12""#,
                    r#""made_on":"2026-02-30""#,
                ),
                "made_on: expected a date YYYY-MM-DD, got \"2026-02-30\"",
            ),
            (
                OK.replace(
                    r#""currency_code":"EUR""#,
                    r#""currency_code":"Euro""#,
                ),
                "currency_code: expected three upper-case letters (ISO 4217), got \"Euro\"",
            ),
            (
                OK.replace(r#","description":"MERCADONA""#, ""),
                "description: required field is missing",
            ),
            (
                OK.replace(r#""id":"t1""#, r#""id":{"a":1}"#),
                "id: expected a string, got {\"a\":1}",
            ),
            (
                OK.replace('}', r#","mode":"card"}"#),
                "mode: expected one of normal, fee, transfer, got \"card\"",
            ),
            (
                OK.replace('}', r#","extra":[]}"#),
                "extra: expected an object, got []",
            ),
            (
                OK.replace('}', r#","extra":{"mcc":"54"}}"#),
                "extra.mcc: expected a 4-digit merchant category code, got \"54\"",
            ),
            (
                OK.replace('}', r#","extra":{"payee":7}}"#),
                "extra.payee: expected a string, got 7",
            ),
            (
                OK.replace('}', r#","duplicated":"no"}"#),
                "duplicated: expected true or false, got \"no\"",
            ),
            (
                OK.replace('}', r#","account_nature":"wallet"}"#),
                "account_nature: expected a Salt Edge account nature, got \"wallet\"",
            ),
        ];
        for (json, msg) in cases {
            let e = err(&json);
            assert_eq!(e.class(), ErrorClass::WrongRequestFormat, "{json}");
            assert_eq!(e.message(), msg);
        }
    }

    #[test]
    fn numbers_must_be_finite() {
        // serde_json rejects out-of-range literals while parsing.
        let big = OK.replace("-47.83", "1e999");
        assert!(RawTransaction::parse(&big).is_err());
    }

    #[test]
    fn extra_is_read() {
        let json = OK.replace('}', r#","extra":{"payee":"Y","mcc":5411,"original_currency_code":"USD","x":1}}"#);
        let raw = RawTransaction::parse(&json).unwrap();
        let v = raw.view();
        assert_eq!(v.payee, Some("Y"));
        assert_eq!(v.mcc, Some(5411));
        assert_eq!(v.original_currency_code, Some("USD"));
        assert_eq!(raw.extra.as_ref().unwrap().fields.len(), 4);
    }

    #[test]
    fn null_optionals_are_absent() {
        let json = OK.replace(
            '}',
            r#","mode":null,"extra":{"mcc":null,"payee":null}}"#,
        );
        let raw = RawTransaction::parse(&json).unwrap();
        assert_eq!(raw.view().mcc, None);
        assert_eq!(raw.view().payee, None);
    }

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        for s in [
            "plain",
            "",
            "quote \" here",
            "back\\slash",
            "tab\there",
            "\u{1}",
            "Łódź €",
            "\u{7f}",
        ] {
            let mut ours = Vec::new();
            write_str(&mut ours, s);
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                serde_json::to_string(s).unwrap(),
                "{s:?}"
            );
        }
    }

    #[test]
    fn numeric_ids_are_accepted() {
        let json = OK
            .replace(r#""id":"t1""#, r#""id":17"#)
            .replace('}', r#","account_id":99}"#);
        let raw = RawTransaction::parse(&json).unwrap();
        assert_eq!(raw.account_id(), Some("99"));
    }
}
