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

use crate::error::{Error, ErrorClass};
use crate::model::{self, AccountNature, Date, TransactionView};

/// One field of a [`RawObject`]: its key, decoded and as written, and its
/// value's JSON text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawField<'a> {
    /// The key, unescaped.
    pub key: Cow<'a, str>,
    /// The key as written, quotes included.
    pub raw_key: &'a str,
    /// The value's JSON text, exactly as written.
    pub value: &'a str,
}

/// A JSON object as its fields in order: keys and raw value text.
///
/// ```
/// use txenrich::json::RawObject;
///
/// let o = RawObject::parse(r#"{"a": [1, 2.50], "b": "x", "a": null}"#).unwrap();
/// assert_eq!(o.fields.len(), 3);
/// assert_eq!(o.fields[0].value, "[1, 2.50]");
/// assert_eq!(o.get("a"), Some("null"), "the last one wins");
/// ```
#[derive(Clone, Debug, Default)]
pub struct RawObject<'a> {
    /// The fields in input order, duplicates kept.
    pub fields: Vec<RawField<'a>>,
    /// The object's JSON text, braces included, that the fields point
    /// into; empty when it is not known.
    text: &'a str,
    /// Bit `i` set when the value of field `i` (of the first 64) was read
    /// as a string without escapes.
    plain: u64,
}

impl<'a> RawObject<'a> {
    /// Parses a JSON object, validating all of the text; `JsonParseError`
    /// when the text is not JSON, `WrongRequestFormat` when it is JSON but
    /// not an object.
    pub fn parse(json: &'a str) -> Result<RawObject<'a>, Error> {
        let mut sc = Scanner::at_object(json)?;
        let object = sc.object(json, None)?;
        sc.end()?;
        Ok(object)
    }

    /// The object's JSON text, which its fields point into (empty for an
    /// object not made by [`RawObject::parse`]).
    pub(crate) fn text(&self) -> &'a str {
        self.text
    }

    /// The last value of `key` (JSON's "last one wins").
    pub fn get(&self, key: &str) -> Option<&'a str> {
        self.fields.iter().rev().find(|f| f.key == key).map(|f| f.value)
    }
}

/// The elements of a JSON array, as their JSON text.
///
/// ```
/// assert_eq!(txenrich::json::parse_array(r#"[1, {"a": 2}, "x"]"#).unwrap(), ["1", r#"{"a": 2}"#, r#""x""#]);
/// ```
pub fn parse_array(json: &str) -> Result<Vec<&str>, Error> {
    let mut sc = Scanner { s: json.as_bytes(), i: 0, depth: 0 };
    sc.ws();
    if sc.peek() != Some(b'[') {
        return match sc.value().and_then(|()| sc.end()) {
            Ok(()) => Err(Error::new(
                ErrorClass::WrongRequestFormat,
                "expected a JSON array",
            )),
            Err(e) => Err(e),
        };
    }
    sc.i += 1;
    sc.depth = 1;
    let mut items = Vec::new();
    sc.ws();
    if sc.peek() == Some(b']') {
        sc.i += 1;
    } else {
        loop {
            sc.ws();
            let vs = sc.i;
            sc.value()?;
            items.push(&json[vs..sc.i]);
            sc.ws();
            match sc.next() {
                Some(b',') => continue,
                Some(b']') => break,
                _ => return Err(sc.error("expected ',' or ']'")),
            }
        }
    }
    sc.end()?;
    Ok(items)
}

/// The content of a JSON string literal (`"…"`, as found in raw value
/// text); `None` when the text is not a string.
pub fn decode_str(raw: &str) -> Option<Cow<'_, str>> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    if !inner.contains('\\') {
        return Some(Cow::Borrowed(inner));
    }
    serde_json::from_str::<String>(raw).ok().map(Cow::Owned)
}

fn decode_string(raw: &str, escaped: bool) -> Result<Cow<'_, str>, Error> {
    if !escaped {
        return Ok(Cow::Borrowed(&raw[1..raw.len() - 1]));
    }
    serde_json::from_str::<String>(raw).map(Cow::Owned).map_err(|e| {
        Error::new(ErrorClass::JsonParseError, format!("invalid JSON: {e}"))
    })
}

/// The index of the first byte at or after `i` that ends a string's plain
/// run: a quote, a backslash or a control character (`s.len()` if none).
///
/// Eight bytes at a time: the classic "has a zero byte" test, applied to
/// the bytes xor-ed with `"` and `\\`, and a "has a byte below 0x20" test.
/// Both may flag bytes above a real match (borrows run upwards), never
/// below, so the lowest flagged byte is the first real one.
#[inline]
fn special_byte(s: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = s.get(i..i + 8) {
        let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let quote = x ^ (ONES * u64::from(b'"'));
        let backslash = x ^ (ONES * u64::from(b'\\'));
        let found = (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (x.wrapping_sub(ONES * 0x20) & !x);
        let found = found & HIGHS;
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&b) = s.get(i) {
        if b < 0x20 || b == b'"' || b == b'\\' {
            break;
        }
        i += 1;
    }
    i
}

/// Nesting deeper than this is an error, as in serde_json.
const MAX_DEPTH: u32 = 128;

/// A validating JSON scanner over bytes that are valid UTF-8.
struct Scanner<'a> {
    s: &'a [u8],
    i: usize,
    depth: u32,
}

impl<'a> Scanner<'a> {
    /// A scanner at the `{` that starts `json`, past white space; the error
    /// of [`RawObject::parse`] when `json` is not an object.
    fn at_object(json: &'a str) -> Result<Scanner<'a>, Error> {
        let mut sc = Scanner { s: json.as_bytes(), i: 0, depth: 0 };
        sc.ws();
        if sc.peek() == Some(b'{') {
            return Ok(sc);
        }
        // Valid JSON that is not an object, or not JSON at all.
        match sc.value().and_then(|()| sc.end()) {
            Ok(()) => Err(Error::new(
                ErrorClass::WrongRequestFormat,
                "expected a JSON object",
            )),
            Err(e) => Err(e),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.i += 1;
        Some(b)
    }

    #[cold]
    #[inline(never)]
    fn error(&self, what: &str) -> Error {
        let what = if self.i >= self.s.len() {
            "unexpected end of input"
        } else {
            what
        };
        Error::new(
            ErrorClass::JsonParseError,
            format!("invalid JSON at byte {}: {what}", self.i),
        )
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    #[inline]
    fn expect(&mut self, b: u8) -> Result<(), Error> {
        if self.peek() == Some(b) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.expected(b))
        }
    }

    #[cold]
    #[inline(never)]
    fn expected(&self, b: u8) -> Error {
        self.error(&format!("expected '{}'", b as char))
    }

    /// Only white space may follow.
    fn end(&mut self) -> Result<(), Error> {
        self.ws();
        if self.i == self.s.len() {
            Ok(())
        } else {
            Err(self.error("trailing characters"))
        }
    }

    /// Skips a string; returns whether it holds escapes.
    #[inline]
    fn string(&mut self) -> Result<bool, Error> {
        self.expect(b'"')?;
        // Most strings end at the first special byte: their closing quote.
        let end = special_byte(self.s, self.i);
        self.i = end + 1;
        if self.s.get(end) == Some(&b'"') {
            return Ok(false);
        }
        self.i = end;
        self.string_from_special_byte()
    }

    /// The rest of a string whose next byte is a backslash, a control
    /// character or the end of the input.
    #[inline(never)]
    fn string_from_special_byte(&mut self) -> Result<bool, Error> {
        let mut escaped = false;
        loop {
            match self.next() {
                Some(b'"') => return Ok(escaped),
                Some(b'\\') => {
                    escaped = true;
                    match self.next() {
                        Some(
                            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r'
                            | b't',
                        ) => {}
                        Some(b'u') => {
                            for _ in 0..4 {
                                if !self
                                    .next()
                                    .is_some_and(|h| h.is_ascii_hexdigit())
                                {
                                    return Err(
                                        self.error("invalid \\u escape")
                                    );
                                }
                            }
                        }
                        _ => return Err(self.error("invalid escape")),
                    }
                }
                Some(_) => {
                    return Err(self.error("control character in a string"));
                }
                None => return Err(self.error("unterminated string")),
            }
            self.i = special_byte(self.s, self.i);
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), Error> {
        if self.s[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(())
        } else {
            Err(self.error("expected a value"))
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Result<(), Error> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.error("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        Ok(())
    }

    fn value(&mut self) -> Result<(), Error> {
        match self.peek() {
            Some(b'"') => self.string().map(drop),
            Some(b'{') => self.container(b'}', true),
            Some(b'[') => self.container(b']', false),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.error("expected a value")),
        }
    }

    /// Reads the object at the cursor (`{` already peeked) into its fields.
    /// With `extra`, the fields of an object under the key `extra` are read
    /// in the same pass into it (the last `extra` wins; `None` when that one
    /// is not an object).
    fn object(
        &mut self,
        json: &'a str,
        mut extra: Option<&mut Option<RawObject<'a>>>,
    ) -> Result<RawObject<'a>, Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("nesting is too deep"));
        }
        let start = self.i;
        self.i += 1;
        let mut fields = Vec::with_capacity(12);
        let mut plain = 0u64;
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            self.depth -= 1;
            return Ok(RawObject {
                fields,
                text: &json[start..self.i],
                plain: 0,
            });
        }
        loop {
            self.ws();
            let ks = self.i;
            let escaped = self.string()?;
            let raw_key = &json[ks..self.i];
            let key = decode_string(raw_key, escaped)?;
            self.ws();
            self.expect(b':')?;
            self.ws();
            let vs = self.i;
            match extra.as_deref_mut() {
                Some(slot) if key == "extra" => {
                    *slot = if self.peek() == Some(b'{') {
                        Some(self.object(json, None)?)
                    } else {
                        self.value()?;
                        None
                    };
                }
                _ if self.peek() == Some(b'"') => {
                    if !self.string()? && fields.len() < 64 {
                        plain |= 1 << fields.len();
                    }
                }
                _ => self.value()?,
            }
            fields.push(RawField { key, raw_key, value: &json[vs..self.i] });
            self.ws();
            match self.next() {
                Some(b',') => continue,
                Some(b'}') => break,
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
        self.depth -= 1;
        Ok(RawObject { fields, text: &json[start..self.i], plain })
    }

    fn container(&mut self, close: u8, object: bool) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("nesting is too deep"));
        }
        self.i += 1;
        self.ws();
        if self.peek() == Some(close) {
            self.i += 1;
            self.depth -= 1;
            return Ok(());
        }
        loop {
            self.ws();
            if object {
                self.string()?;
                self.ws();
                self.expect(b':')?;
                self.ws();
            }
            self.value()?;
            self.ws();
            match self.next() {
                Some(b',') => continue,
                Some(c) if c == close => break,
                _ => {
                    return Err(
                        self.error("expected ',' or the end of a container")
                    );
                }
            }
        }
        self.depth -= 1;
        Ok(())
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
        // One pass reads the fields of `extra` too.
        let mut sc = Scanner::at_object(json)?;
        let mut extra = None;
        let object = sc.object(json, Some(&mut extra))?;
        sc.end()?;
        RawTransaction::validate(object, extra, true)
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
        // The caller may have changed the fields since they were read: read
        // every string value as written.
        RawTransaction::validate(object, None, false)
    }

    /// Validates the fields of a parsed object, with those of its last
    /// `extra` when they were read already; `fresh` when the objects are
    /// as the scanner made them, so that a string it read without escapes
    /// is taken between its quotes.
    fn validate(
        object: RawObject<'a>,
        extra: Option<RawObject<'a>>,
        fresh: bool,
    ) -> Result<RawTransaction<'a>, Error> {
        let plain = |o: &RawObject<'_>| if fresh { o.plain } else { 0 };
        let known = Known::find(&object, plain(&object));
        match known.id.map(|v| v.text) {
            None => return Err(missing("id")),
            Some(v) => {
                let t = v.as_bytes()[0];
                if t != b'"' && !(t == b'-' || t.is_ascii_digit()) {
                    return Err(Error::field("id", "a string", abbreviate(v)));
                }
            }
        }
        let made_on = required_str(known.made_on, "made_on")?;
        let made_on = made_on.parse::<Date>().map_err(|_| {
            Error::field("made_on", "a date YYYY-MM-DD", quoted(&made_on))
        })?;
        let amount = required_number(known.amount.map(|v| v.text), "amount")?;
        let currency_code =
            required_str(known.currency_code, "currency_code")?;
        if !model::is_currency_code(&currency_code) {
            return Err(Error::field(
                "currency_code",
                "three upper-case letters (ISO 4217)",
                quoted(&currency_code),
            ));
        }
        let description = required_str(known.description, "description")?;
        let mode =
            optional_enum(known.mode, "mode", &["normal", "fee", "transfer"])?;
        optional_enum(known.status, "status", &["posted", "pending"])?;
        optional_str(known.category, "category")?;
        let account_id = optional_id(known.account_id, "account_id")?;
        optional_bool(known.duplicated.map(|v| v.text), "duplicated")?;
        for (value, field) in [
            (known.created_at, "created_at"),
            (known.updated_at, "updated_at"),
        ] {
            if let Some(s) = optional_str(value, field)?
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
            match optional_str(known.account_nature, "account_nature")? {
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
        if let Some(text) = known.extra.map(|v| v.text)
            && text != "null"
        {
            let extra = match extra {
                Some(extra) => extra,
                None => RawObject::parse(text).map_err(|_| {
                    Error::field("extra", "an object", abbreviate(text))
                })?,
            };
            raw.read_extra(&extra, plain(&extra))?;
            raw.extra = Some(extra);
        }
        Ok(raw)
    }

    fn read_extra(
        &mut self,
        extra: &RawObject<'a>,
        plain: u64,
    ) -> Result<(), Error> {
        let extra = KnownExtra::find(extra, plain);
        self.payee = optional_str(extra.payee, "extra.payee")?;
        self.payer = optional_str(extra.payer, "extra.payer")?;
        self.additional = optional_str(extra.additional, "extra.additional")?;
        self.information =
            optional_str(extra.information, "extra.information")?;
        if let Some(v) = extra.mcc {
            let text = v.text;
            let mcc = match decode_str(text) {
                Some(s) => model::parse_mcc(&s),
                None => text.parse::<u16>().ok().filter(|&n| n <= 9999),
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
        if let Some(v) = extra.original_amount.map(|v| v.text)
            && v != "null"
        {
            number(v, "extra.original_amount")?;
        }
        if let Some(c) = optional_str(
            extra.original_currency_code,
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
            optional_str(extra.posting_date, "extra.posting_date")?
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

/// The raw values of the top-level fields a transaction's validation
/// reads, found in one pass over the object (the last of a repeated key
/// wins, as in [`RawObject::get`]).
#[derive(Default)]
struct Known<'a> {
    id: Option<Val<'a>>,
    made_on: Option<Val<'a>>,
    amount: Option<Val<'a>>,
    currency_code: Option<Val<'a>>,
    description: Option<Val<'a>>,
    mode: Option<Val<'a>>,
    status: Option<Val<'a>>,
    category: Option<Val<'a>>,
    account_id: Option<Val<'a>>,
    duplicated: Option<Val<'a>>,
    created_at: Option<Val<'a>>,
    updated_at: Option<Val<'a>>,
    account_nature: Option<Val<'a>>,
    extra: Option<Val<'a>>,
}

impl<'a> Known<'a> {
    /// `plain`: a bit per field, set when its value is a string read
    /// without escapes.
    fn find(object: &RawObject<'a>, plain: u64) -> Known<'a> {
        let mut k = Known::default();
        for (i, f) in object.fields.iter().enumerate() {
            let slot = match f.key.as_ref() {
                "id" => &mut k.id,
                "made_on" => &mut k.made_on,
                "amount" => &mut k.amount,
                "currency_code" => &mut k.currency_code,
                "description" => &mut k.description,
                "mode" => &mut k.mode,
                "status" => &mut k.status,
                "category" => &mut k.category,
                "account_id" => &mut k.account_id,
                "duplicated" => &mut k.duplicated,
                "created_at" => &mut k.created_at,
                "updated_at" => &mut k.updated_at,
                "account_nature" => &mut k.account_nature,
                "extra" => &mut k.extra,
                _ => continue,
            };
            *slot = Some(Val::of(f.value, i, plain));
        }
        k
    }
}

/// The raw values of the fields of `extra` a transaction's validation
/// reads, found in one pass (the last of a repeated key wins, as in
/// [`RawObject::get`]).
#[derive(Default)]
struct KnownExtra<'a> {
    payee: Option<Val<'a>>,
    payer: Option<Val<'a>>,
    additional: Option<Val<'a>>,
    information: Option<Val<'a>>,
    mcc: Option<Val<'a>>,
    original_amount: Option<Val<'a>>,
    original_currency_code: Option<Val<'a>>,
    posting_date: Option<Val<'a>>,
}

impl<'a> KnownExtra<'a> {
    /// `plain` as for [`Known::find`].
    fn find(extra: &RawObject<'a>, plain: u64) -> KnownExtra<'a> {
        let mut k = KnownExtra::default();
        for (i, f) in extra.fields.iter().enumerate() {
            let slot = match f.key.as_ref() {
                "payee" => &mut k.payee,
                "payer" => &mut k.payer,
                "additional" => &mut k.additional,
                "information" => &mut k.information,
                "mcc" => &mut k.mcc,
                "original_amount" => &mut k.original_amount,
                "original_currency_code" => &mut k.original_currency_code,
                "posting_date" => &mut k.posting_date,
                _ => continue,
            };
            *slot = Some(Val::of(f.value, i, plain));
        }
        k
    }
}

/// A field's raw value, and whether it is a string read without escapes
/// (then its content is the text between its quotes).
#[derive(Clone, Copy)]
struct Val<'a> {
    text: &'a str,
    plain: bool,
}

impl<'a> Val<'a> {
    /// Field `i`'s value, `plain` as its bit in `mask`.
    fn of(text: &'a str, i: usize, mask: u64) -> Val<'a> {
        Val { text, plain: i < 64 && mask >> i & 1 != 0 }
    }

    /// The content of a string value; `None` when it is not a string.
    fn string(self) -> Option<Cow<'a, str>> {
        if self.plain {
            Some(Cow::Borrowed(&self.text[1..self.text.len() - 1]))
        } else {
            decode_str(self.text)
        }
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
    v: Option<Val<'a>>,
    field: &str,
) -> Result<Cow<'a, str>, Error> {
    optional_str(v, field)?.ok_or_else(|| missing(field))
}

#[inline]
fn optional_str<'a>(
    v: Option<Val<'a>>,
    field: &str,
) -> Result<Option<Cow<'a, str>>, Error> {
    let Some(v) = v else { return Ok(None) };
    if v.text == "null" {
        return Ok(None);
    }
    match v.string() {
        Some(s) => Ok(Some(s)),
        None => Err(not_a_string(field, v.text)),
    }
}

#[cold]
#[inline(never)]
fn not_a_string(field: &str, text: &str) -> Error {
    Error::field(field, "a string", abbreviate(text))
}

fn optional_id<'a>(
    v: Option<Val<'a>>,
    field: &str,
) -> Result<Option<Cow<'a, str>>, Error> {
    let Some(v) = v else { return Ok(None) };
    let text = v.text;
    if text == "null" {
        return Ok(None);
    }
    if let Some(s) = v.string() {
        return Ok(Some(s));
    }
    if text.parse::<i64>().is_ok() {
        return Ok(Some(Cow::Borrowed(text)));
    }
    Err(Error::field(field, "a string", abbreviate(text)))
}

fn optional_enum<'a>(
    v: Option<Val<'a>>,
    field: &str,
    allowed: &[&str],
) -> Result<Option<Cow<'a, str>>, Error> {
    let v = optional_str(v, field)?;
    if let Some(s) = &v
        && !allowed.contains(&s.as_ref())
    {
        return Err(Error::field(
            field,
            &format!("one of {}", allowed.join(", ")),
            quoted(s),
        ));
    }
    Ok(v)
}

fn optional_bool(v: Option<&str>, field: &str) -> Result<(), Error> {
    match v {
        None | Some("null" | "true" | "false") => Ok(()),
        Some(other) => {
            Err(Error::field(field, "true or false", abbreviate(other)))
        }
    }
}

fn required_number(v: Option<&str>, field: &str) -> Result<f64, Error> {
    number(v.ok_or_else(|| missing(field))?, field)
}

fn number(v: &str, field: &str) -> Result<f64, Error> {
    let text = v;
    let first = text.as_bytes()[0];
    if !(first == b'-' || first.is_ascii_digit()) {
        return Err(Error::field(field, "a finite number", abbreviate(text)));
    }
    match plain_decimal(text).map_or_else(|| text.parse::<f64>(), Ok) {
        Ok(x) if x.is_finite() => Ok(x),
        _ => Err(Error::field(field, "a finite number", abbreviate(text))),
    }
}

/// Writes `s` as a JSON string.
/// The value of a JSON number written as `-?digits[.digits]` with at most
/// 15 digits in all; `None` for any other number.
///
/// Such a number is an integer below 2^53 divided by a power of ten up to
/// 10^15, both exact in an `f64`, so the one division is correctly rounded:
/// the same value `str::parse` gives (Clinger's fast path), without its
/// general set-up.
fn plain_decimal(text: &str) -> Option<f64> {
    const POWERS: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
        1e13, 1e14, 1e15,
    ];
    let (negative, digits) = match text.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        all => (false, all),
    };
    let (mut mantissa, mut count, mut fraction) = (0u64, 0usize, None);
    for (i, &b) in digits.iter().enumerate() {
        match b {
            b'0'..=b'9' if count < 15 => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                count += 1;
            }
            b'.' if fraction.is_none() && i > 0 => fraction = Some(i + 1),
            _ => return None,
        }
    }
    if count == 0 || fraction == Some(digits.len()) {
        return None;
    }
    let scale = fraction.map_or(0, |f| digits.len() - f);
    let x = mantissa as f64 / POWERS[scale];
    Some(if negative { -x } else { x })
}

pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    // Most strings need no escaping: copy them between quotes. Otherwise
    // serde_json's escaping is the reference (writing into a Vec cannot
    // fail).
    if special_byte(s.as_bytes(), 0) == s.len() {
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
        // Fields changed after reading are read as written: an escaped
        // string put where a plain one was read is still decoded.
        let mut object = RawObject::parse(OK).unwrap();
        let desc = object.fields.iter().position(|f| f.key == "description");
        object.fields[desc.unwrap()].value = "\"A\\u0042\"";
        let raw = RawTransaction::from_object(object).unwrap();
        assert_eq!(raw.view().description, "AB");
    }

    #[test]
    fn strings_are_accepted_and_decoded_as_serde_json_does() {
        let pieces = [
            "a",
            "\\\"",
            "\\\\",
            "\\/",
            "\\n",
            "\\u00e9",
            "\\u12",
            "\\x",
            "\\",
            "\u{1}",
            "\u{1f}",
            "é",
            "\"",
            "        ",
            "0123456789",
        ];
        // Every string of up to three pieces, quoted, as a description.
        let mut n = 0;
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let text = format!("{a}{b}{c}");
                    for line in [
                        format!(
                            "{{\"id\":\"1\",\"description\":\"{text}\",\"amount\":1,\"currency_code\":\"EUR\",\"made_on\":\"2026-01-01\"}}"
                        ),
                        format!("{{\"description\":\"{text}"),
                    ] {
                        let ours = RawTransaction::parse(&line);
                        let theirs =
                            serde_json::from_str::<serde_json::Value>(&line);
                        assert_eq!(ours.is_ok(), theirs.is_ok(), "{line:?}");
                        if let (Ok(ours), Ok(theirs)) = (ours, theirs) {
                            assert_eq!(
                                ours.view().description,
                                theirs["description"],
                                "{line:?}"
                            );
                            n += 1;
                        }
                    }
                }
            }
        }
        assert!(n > 500, "{n} strings were valid");
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
    fn plain_decimals_parse_as_str_parse_does() {
        let mut rng = crate::synth::SplitMix64::new(5);
        let mut next = move || rng.next_u64();
        let mut fast = 0;
        for _ in 0..200_000 {
            let int = next() % 10u64.pow((next() % 16) as u32);
            let frac_digits = (next() % 17) as usize;
            let frac = next() % 10u64.pow(frac_digits.min(15) as u32);
            let mut text = String::new();
            if next() % 2 == 0 {
                text.push('-');
            }
            text.push_str(&int.to_string());
            if frac_digits > 0 {
                text.push_str(&format!(".{frac:0frac_digits$}"));
            }
            let want = text.parse::<f64>().unwrap();
            if let Some(got) = plain_decimal(&text) {
                assert_eq!(got.to_bits(), want.to_bits(), "{text}");
                fast += 1;
            }
        }
        assert!(fast > 50_000, "only {fast} numbers took the fast path");
        for text in
            ["1e5", "1.", ".5", "-", "", "1.2.3", "12345678901234567", "1-2"]
        {
            assert_eq!(plain_decimal(text), None, "{text}");
        }
        assert_eq!(
            plain_decimal("-0").map(f64::to_bits),
            Some((-0.0f64).to_bits())
        );
        assert_eq!(plain_decimal("-440.16"), Some(-440.16));
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
    fn extra_read_in_one_pass_is_extra_read_after() {
        let base = OK.trim_end_matches('}');
        for tail in [
            r#","extra":{"payee":"Y","payee":"Z","mcc":"5411"}}"#,
            r#","extra":{"payee":"A"},"extra":null}"#,
            r#","extra":null,"extra":{"payer":"B"}}"#,
            r#","extra":{"payee":"A"},"extra":5}"#,
            r#","extra":{"payee":"A"},"extra":{"payer":"B"}}"#,
            r#","extra":{"a":{"b":[1,{"c":"é"}]},"payee":"É "q""}}"#,
            r#","extra":{}}"#,
            r#","extra":{"mcc":"54x1"}}"#,
            r#","extra":{"payee":1}}"#,
            r#","extra":[1]}"#,
            r#","extra":{"payee":"A",}}"#,
            r#","extra":{"payee":"A"}"#,
        ] {
            let json = format!("{base}{tail}");
            let one_pass = RawTransaction::parse(&json);
            let after =
                RawObject::parse(&json).and_then(RawTransaction::from_object);
            match (one_pass, after) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(format!("{a:?}"), format!("{b:?}"), "{tail}");
                }
                // The class and the place; the wording of a nested
                // object's error may differ.
                (Err(a), Err(b)) => {
                    let at = |e: Error| {
                        let m = e.to_string();
                        m[..m.rfind(':').unwrap_or(m.len())].to_string()
                    };
                    assert_eq!(at(a), at(b), "{tail}");
                }
                (a, b) => panic!("{tail}: {a:?} against {b:?}"),
            }
        }
        let deep = format!(
            "{base},\"extra\":{}1{}}}",
            "[".repeat(MAX_DEPTH as usize),
            "]".repeat(MAX_DEPTH as usize)
        );
        assert!(RawTransaction::parse(&deep).is_err(), "depth counts extra");
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
    fn special_byte_finds_the_first_quote_backslash_or_control() {
        let naive = |s: &[u8], i: usize| {
            (i..s.len())
                .find(|&k| s[k] < 0x20 || s[k] == b'"' || s[k] == b'\\')
                .unwrap_or(s.len())
        };
        // Every placement of each special byte among plain bytes, with
        // bytes that sit next to the specials' values (0x1f, 0x21, 0x5b,
        // 0x5d, 0x7f, 0x80, 0xff) around it.
        let plain = [b'a', 0x21, 0x5b, 0x5d, 0x7f, 0x80, 0xff, 0x20, 0x23];
        for special in [b'"', b'\\', 0x00, 0x1f, 0x0a] {
            for len in 0..20 {
                for at in 0..=len {
                    let mut s: Vec<u8> =
                        (0..len).map(|k| plain[k % plain.len()]).collect();
                    if at < len {
                        s[at] = special;
                    }
                    for start in 0..=len {
                        assert_eq!(
                            special_byte(&s, start),
                            naive(&s, start),
                            "{s:?} from {start}"
                        );
                    }
                }
            }
        }
        // Any bytes, several specials among them.
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..2000 {
            let s: Vec<u8> = (0..24)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    (x >> 24) as u8
                })
                .collect();
            for start in 0..=s.len() {
                assert_eq!(special_byte(&s, start), naive(&s, start));
            }
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
