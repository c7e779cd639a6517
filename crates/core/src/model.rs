//! Salt Edge's data types: transactions, their `extra` fields, dates.
//!
//! [`Transaction`] is the owned, serde-friendly form of Salt Edge's
//! transaction: the fields the engine reads are typed, everything else is
//! kept verbatim in [`Transaction::other`] and [`Extra::other`], so a
//! transaction that goes through the engine comes out with every field it
//! came in with.
//!
//! [`TransactionView`] is what the engine reads: borrowed text fields, no
//! allocation. Both [`Transaction::view`] and the JSON Lines reader produce
//! one.
//!
//! # Example
//!
//! ```
//! use txenrich::model::Transaction;
//!
//! let tx = Transaction::from_json(r#"{"id":"1","made_on":"2026-03-12","amount":-47.83,
//!     "currency_code":"EUR","description":"MERCADONA VALENCIA","extra":{"mcc":"5411","tags":["x"]}}"#).unwrap();
//! assert_eq!(tx.extra.mcc.as_deref(), Some("5411"));
//! assert!(tx.extra.other.contains_key("tags"));
//! assert_eq!(tx.view().mcc, Some(5411));
//!
//! let err = Transaction::from_json(r#"{"id":"1","made_on":"12/03/2026","amount":1,"currency_code":"EUR","description":"x"}"#).unwrap_err();
//! assert!(err.message().contains("made_on"));
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, ErrorClass};

/// A calendar date (proleptic Gregorian), as Salt Edge's `YYYY-MM-DD`.
///
/// ```
/// use txenrich::model::Date;
///
/// let d: Date = "2024-02-28".parse().unwrap();
/// assert_eq!(d.add_days(1).to_string(), "2024-02-29");
/// assert_eq!(d.add_days(2).to_string(), "2024-03-01");
/// assert_eq!(Date::from_ymd(2024, 3, 1).unwrap() - d, 2);
/// assert!("2023-02-29".parse::<Date>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date(i32);

impl Date {
    /// The date for a year, month (1–12) and day (1–31), if it exists.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=9999).contains(&year)
            || !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
        {
            return None;
        }
        Some(Date(days_from_civil(year, month, day)))
    }

    /// Year, month (1–12) and day (1–31).
    pub fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.0)
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.ymd().0
    }

    /// The month, 1–12.
    pub fn month(self) -> u32 {
        self.ymd().1
    }

    /// The day of the month, 1–31.
    pub fn day(self) -> u32 {
        self.ymd().2
    }

    /// The date `n` days later (earlier for negative `n`).
    pub fn add_days(self, n: i32) -> Date {
        Date(self.0 + n)
    }

    /// Days since 1970-01-01.
    pub fn days_since_epoch(self) -> i32 {
        self.0
    }

    /// Day of the week, Monday = 0 … Sunday = 6.
    pub fn weekday(self) -> u32 {
        // 1970-01-01 was a Thursday (3).
        (self.0 + 3).rem_euclid(7) as u32
    }

    /// The first day of this date's month.
    pub fn first_of_month(self) -> Date {
        let (y, m, _) = self.ymd();
        Date(days_from_civil(y, m, 1))
    }

    /// The last day of this date's month.
    pub fn last_of_month(self) -> Date {
        let (y, m, _) = self.ymd();
        Date(days_from_civil(y, m, days_in_month(y, m)))
    }
}

impl std::ops::Sub for Date {
    type Output = i32;

    /// Days between two dates.
    fn sub(self, rhs: Date) -> i32 {
        self.0 - rhs.0
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl std::str::FromStr for Date {
    type Err = String;

    fn from_str(s: &str) -> Result<Date, String> {
        let b = s.as_bytes();
        // The digits' values, or `None` at the first byte that is not one.
        let number = |r: std::ops::Range<usize>| {
            b[r].iter().try_fold(0u32, |n, &d| {
                d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
            })
        };
        let parts = (b.len() == 10 && b[4] == b'-' && b[7] == b'-')
            .then(|| Some((number(0..4)?, number(5..7)?, number(8..10)?)))
            .flatten();
        let Some((y, m, d)) = parts else {
            return Err(format!("expected YYYY-MM-DD, got {s:?}"));
        };
        Date::from_ymd(y as i32, m, d)
            .ok_or_else(|| format!("no such date: {s:?}"))
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(
        &self,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Date, D::Error> {
        let s = std::borrow::Cow::<str>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub(crate) fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        _ => 28,
    }
}

// Howard Hinnant's days_from_civil / civil_from_days.
fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy as i32;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Which tree to categorize into, Salt Edge's `categorization` option.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Categorization {
    /// No category: merchants are still identified.
    None,
    /// The personal tree (Salt Edge's default).
    #[default]
    Personal,
    /// The business tree.
    Business,
}

impl Categorization {
    /// Parses `none`, `personal` or `business`.
    pub fn from_name(name: &str) -> Option<Categorization> {
        match name {
            "none" => Some(Categorization::None),
            "personal" => Some(Categorization::Personal),
            "business" => Some(Categorization::Business),
            _ => None,
        }
    }

    /// The tree, if any.
    pub fn tree(self) -> Option<crate::taxonomy::Tree> {
        match self {
            Categorization::None => None,
            Categorization::Personal => Some(crate::taxonomy::Tree::Personal),
            Categorization::Business => Some(crate::taxonomy::Tree::Business),
        }
    }
}

/// Salt Edge's account `nature`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum AccountNature {
    Account,
    Bonus,
    Card,
    Checking,
    Credit,
    CreditCard,
    DebitCard,
    Ewallet,
    Insurance,
    Investment,
    Loan,
    Mortgage,
    Savings,
}

impl AccountNature {
    /// Every nature, in Salt Edge's order.
    pub const ALL: [AccountNature; 13] = [
        AccountNature::Account,
        AccountNature::Bonus,
        AccountNature::Card,
        AccountNature::Checking,
        AccountNature::Credit,
        AccountNature::CreditCard,
        AccountNature::DebitCard,
        AccountNature::Ewallet,
        AccountNature::Insurance,
        AccountNature::Investment,
        AccountNature::Loan,
        AccountNature::Mortgage,
        AccountNature::Savings,
    ];

    /// The nature as Salt Edge spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountNature::Account => "account",
            AccountNature::Bonus => "bonus",
            AccountNature::Card => "card",
            AccountNature::Checking => "checking",
            AccountNature::Credit => "credit",
            AccountNature::CreditCard => "credit_card",
            AccountNature::DebitCard => "debit_card",
            AccountNature::Ewallet => "ewallet",
            AccountNature::Insurance => "insurance",
            AccountNature::Investment => "investment",
            AccountNature::Loan => "loan",
            AccountNature::Mortgage => "mortgage",
            AccountNature::Savings => "savings",
        }
    }

    /// Parses a nature as Salt Edge spells it.
    pub fn from_name(name: &str) -> Option<AccountNature> {
        AccountNature::ALL.into_iter().find(|n| n.as_str() == name)
    }

    /// Credit-card-like accounts, where a credit is a repayment.
    pub fn is_credit_card(self) -> bool {
        matches!(
            self,
            AccountNature::CreditCard
                | AccountNature::Credit
                | AccountNature::Card
        )
    }
}

/// Salt Edge's transaction.
///
/// Deserializing checks JSON types only; [`Transaction::validate`] checks
/// Salt Edge's data types (dates, currency, finite amounts) and
/// [`Transaction::from_json`] does both, with errors naming the field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Transaction {
    /// The transaction's id.
    pub id: String,
    /// The date the transaction was made, `YYYY-MM-DD`.
    pub made_on: String,
    /// Signed amount: negative is money out.
    pub amount: f64,
    /// ISO 4217 code, three upper-case letters.
    pub currency_code: String,
    /// The bank's description.
    pub description: String,
    /// `normal`, `fee` or `transfer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// `posted` or `pending`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The category code: set by the engine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// The account the transaction belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// Salt Edge's `extra` object.
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
    /// Every other field, kept verbatim (`duplicated`, `created_at`, …).
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// Salt Edge's transaction `extra`: the fields the engine reads or writes,
/// typed; everything else in [`Extra::other`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct Extra {
    /// To whom the money was paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payee: Option<String>,
    /// Who paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer: Option<String>,
    /// Extra information; Salt Edge recommends reading it with the
    /// description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional: Option<String>,
    /// Free-text information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub information: Option<String>,
    /// Merchant category code, four digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcc: Option<String>,
    /// Amount in the original currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_amount: Option<f64>,
    /// The original currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_currency_code: Option<String>,
    /// Set by the engine: 0..1 probability that `category` is right.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categorization_confidence: Option<f64>,
    /// Set by the engine: the identified merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_id: Option<String>,
    /// Set by the engine: a learned customer rule's code from the tree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_category_code: Option<String>,
    /// Set by the engine: a learned customer rule's own category name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_category_name: Option<String>,
    /// Every other field, kept verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl Extra {
    fn is_empty(&self) -> bool {
        *self == Extra::default()
    }
}

impl Transaction {
    /// Parses and validates one transaction, with errors naming the field
    /// and value at fault (`WrongRequestFormat`), or `JsonParseError` when
    /// the text is not JSON.
    pub fn from_json(json: &str) -> Result<Transaction, Error> {
        let value: Value = serde_json::from_str(json).map_err(|e| {
            Error::new(
                ErrorClass::JsonParseError,
                format!("invalid JSON: {e}"),
            )
        })?;
        Transaction::from_value(value)
    }

    /// Validates a JSON value as a transaction.
    pub fn from_value(value: Value) -> Result<Transaction, Error> {
        crate::json::RawTransaction::from_value_ref(&value)?;
        let tx: Transaction = serde_json::from_value(value).map_err(|e| {
            Error::new(ErrorClass::WrongRequestFormat, e.to_string())
        })?;
        Ok(tx)
    }

    /// Checks Salt Edge's data types: `made_on` is a date, `amount` finite,
    /// `currency_code` three upper-case letters, the `extra` fields the
    /// engine reads of the right type.
    pub fn validate(&self) -> Result<(), Error> {
        let value = serde_json::to_value(self).map_err(|e| {
            Error::new(ErrorClass::WrongRequestFormat, e.to_string())
        })?;
        crate::json::RawTransaction::from_value_ref(&value).map(drop)
    }

    /// The borrowed view the engine reads.
    pub fn view(&self) -> TransactionView<'_> {
        TransactionView {
            description: &self.description,
            amount: self.amount,
            currency_code: &self.currency_code,
            mode: self.mode.as_deref(),
            payee: self.extra.payee.as_deref(),
            payer: self.extra.payer.as_deref(),
            additional: self.extra.additional.as_deref(),
            information: self.extra.information.as_deref(),
            mcc: self.extra.mcc.as_deref().and_then(parse_mcc),
            account_nature: self
                .other
                .get("account_nature")
                .and_then(Value::as_str)
                .and_then(AccountNature::from_name),
            original_currency_code: self
                .extra
                .original_currency_code
                .as_deref(),
        }
    }
}

/// What the engine reads of a transaction: borrowed text, no allocation.
///
/// ```
/// use txenrich::model::TransactionView;
///
/// let tx = TransactionView::new("NETFLIX.COM", -12.99, "EUR");
/// assert_eq!(tx.description, "NETFLIX.COM");
/// assert!(tx.mcc.is_none());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TransactionView<'a> {
    /// The bank's description.
    pub description: &'a str,
    /// Signed amount: negative is money out.
    pub amount: f64,
    /// ISO 4217 code.
    pub currency_code: &'a str,
    /// Salt Edge's `mode`: `normal`, `fee` or `transfer`.
    pub mode: Option<&'a str>,
    /// `extra.payee`
    pub payee: Option<&'a str>,
    /// `extra.payer`
    pub payer: Option<&'a str>,
    /// `extra.additional`
    pub additional: Option<&'a str>,
    /// `extra.information`
    pub information: Option<&'a str>,
    /// `extra.mcc`, when it is a 4-digit code.
    pub mcc: Option<u16>,
    /// The account's nature, when the caller knows it (Salt Edge
    /// transactions do not carry it; an `account_nature` field is read when
    /// present).
    pub account_nature: Option<AccountNature>,
    /// `extra.original_currency_code`
    pub original_currency_code: Option<&'a str>,
}

impl<'a> TransactionView<'a> {
    /// A view with a description, amount and currency, nothing else.
    pub fn new(
        description: &'a str,
        amount: f64,
        currency_code: &'a str,
    ) -> Self {
        TransactionView {
            description,
            amount,
            currency_code,
            ..Default::default()
        }
    }
}

/// Parses an MCC: four ASCII digits (surrounding blanks allowed).
pub fn parse_mcc(s: &str) -> Option<u16> {
    let s = s.trim();
    if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

/// True for three upper-case ASCII letters.
pub fn is_currency_code(s: &str) -> bool {
    s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase())
}

/// True for an ISO-8601 date-time as Salt Edge writes them
/// (`2026-03-12T10:20:30Z`, with optional fraction and offset).
pub fn is_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 19
        || s.get(..10).and_then(|d| d.parse::<Date>().ok()).is_none()
    {
        return false;
    }
    let two = |i: usize| b[i].is_ascii_digit() && b[i + 1].is_ascii_digit();
    if !(matches!(b[10], b'T' | b't' | b' ')
        && two(11)
        && b[13] == b':'
        && two(14)
        && b[16] == b':'
        && two(17))
    {
        return false;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    match rest.as_bytes() {
        [] | [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2]
        | [b'+' | b'-', h1, h2, m1, m2] => {
            [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit())
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_over_centuries() {
        let mut d = Date::from_ymd(1899, 12, 25).unwrap();
        let end = Date::from_ymd(2101, 1, 5).unwrap();
        let mut last = d;
        while d < end {
            let s = d.to_string();
            assert_eq!(s.parse::<Date>().unwrap(), d, "{s}");
            last = d;
            d = d.add_days(1);
        }
        assert_eq!(last.to_string(), "2101-01-04");
        assert_eq!(Date::from_ymd(1970, 1, 1).unwrap().days_since_epoch(), 0);
        assert_eq!(Date::from_ymd(2026, 11, 24).unwrap().weekday(), 1); // a Tuesday
    }

    #[test]
    fn rejects_bad_dates() {
        for s in [
            "2026-13-01",
            "2026-02-30",
            "26-01-01",
            "2026/01/01",
            "2026-1-1",
            "",
            "2026-01-01T00:00:00",
            "2026-0a-01",
            "+026-01-01",
            "2026-01-0 ",
            "2026-00-10",
            "0000-01-01",
            "2026-01-1\u{e9}",
        ] {
            assert!(s.parse::<Date>().is_err(), "{s}");
        }
        assert_eq!("2000-02-29".parse::<Date>().unwrap().day(), 29);
        assert!("1900-02-29".parse::<Date>().is_err());
    }

    #[test]
    fn month_edges() {
        let d: Date = "2025-02-14".parse().unwrap();
        assert_eq!(d.first_of_month().to_string(), "2025-02-01");
        assert_eq!(d.last_of_month().to_string(), "2025-02-28");
    }

    #[test]
    fn datetimes() {
        for ok in [
            "2026-03-12T10:20:30Z",
            "2026-03-12T10:20:30.123+02:00",
            "2026-03-12T10:20:30",
            "2026-03-12 10:20:30-0500",
        ] {
            assert!(is_datetime(ok), "{ok}");
        }
        for bad in [
            "2026-03-12",
            "2026-03-12T1:20:30Z",
            "2026-13-12T10:20:30Z",
            "2026-03-12T10:20:30.Z",
            "2026-03-12T10:20:30+2",
        ] {
            assert!(!is_datetime(bad), "{bad}");
        }
    }

    #[test]
    fn mcc_and_currency() {
        assert_eq!(parse_mcc("5411"), Some(5411));
        assert_eq!(parse_mcc(" 0742 "), Some(742));
        assert_eq!(parse_mcc("54111"), None);
        assert_eq!(parse_mcc("54a1"), None);
        assert!(is_currency_code("EUR"));
        assert!(!is_currency_code("eur"));
        assert!(!is_currency_code("EURO"));
    }

    #[test]
    fn unknown_fields_survive_a_round_trip() {
        let json = r#"{"id":"a","made_on":"2026-01-02","amount":-1.5,"currency_code":"GBP","description":"X","duplicated":false,"extra":{"payee":"Y","tags":["t"],"mcc":"5411"},"custom":{"k":1}}"#;
        let tx = Transaction::from_json(json).unwrap();
        let back = serde_json::to_value(&tx).unwrap();
        let orig: Value = serde_json::from_str(json).unwrap();
        assert_eq!(back, orig);
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (
                r#"{"id":"1","made_on":"2026-01-01","amount":"x","currency_code":"EUR","description":"d"}"#,
                "amount",
            ),
            (
                r#"{"id":"1","made_on":"2026-01-01","amount":1,"currency_code":"eur","description":"d"}"#,
                "currency_code",
            ),
            (
                r#"{"id":"1","made_on":"2026-01-01","amount":1,"currency_code":"EUR"}"#,
                "description",
            ),
            (
                r#"{"id":"1","made_on":"2026-01-01","amount":1,"currency_code":"EUR","description":"d","created_at":"yesterday"}"#,
                "created_at",
            ),
            (
                r#"{"id":"1","made_on":"2026-01-01","amount":1,"currency_code":"EUR","description":"d","extra":{"mcc":"abcd"}}"#,
                "extra.mcc",
            ),
        ];
        for (json, field) in cases {
            let e = Transaction::from_json(json).unwrap_err();
            assert_eq!(e.class(), ErrorClass::WrongRequestFormat, "{json}");
            assert!(
                e.message().starts_with(field),
                "{} vs {field}",
                e.message()
            );
        }
        assert_eq!(
            Transaction::from_json("{").unwrap_err().class(),
            ErrorClass::JsonParseError
        );
    }

    #[test]
    fn validate_checks_types() {
        let mut tx = Transaction::from_json(r#"{"id":"1","made_on":"2026-01-01","amount":1,"currency_code":"EUR","description":"d"}"#).unwrap();
        assert!(tx.validate().is_ok());
        tx.made_on = "2026-02-31".into();
        assert!(tx.validate().unwrap_err().message().contains("made_on"));
    }
}

/// An ISO 3166-1 alpha-2 country code, upper case.
///
/// ```
/// use txenrich::model::Country;
///
/// let gb: Country = "GB".parse().unwrap();
/// assert_eq!(gb.as_str(), "GB");
/// assert_eq!("gb".parse::<Country>().unwrap(), gb);
/// assert!("GBR".parse::<Country>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Country([u8; 2]);

impl Country {
    /// The code, upper case.
    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    /// The code as two upper-case bytes.
    pub fn bytes(self) -> [u8; 2] {
        self.0
    }

    /// From two ASCII letters of either case.
    pub fn from_bytes(b: [u8; 2]) -> Option<Country> {
        if b.iter().all(u8::is_ascii_alphabetic) {
            Some(Country([
                b[0].to_ascii_uppercase(),
                b[1].to_ascii_uppercase(),
            ]))
        } else {
            None
        }
    }
}

impl std::str::FromStr for Country {
    type Err = String;

    fn from_str(s: &str) -> Result<Country, String> {
        match s.as_bytes() {
            &[a, b] => Country::from_bytes([a, b]),
            _ => None,
        }
        .ok_or_else(|| {
            format!("expected a two-letter country code, got {s:?}")
        })
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
