//! The request: its public types, and its validation into the internal
//! form every computation reads ([`Prepared`]).
//!
//! Two front ends lead to the same [`Prepared`]: [`prepare_json`] reads the
//! request text with the borrowed JSON path (each transaction is validated
//! by [`RawTransaction`], the rules of `txenrich enrich`), and
//! [`prepare_input`] reads a typed [`ReportInput`].

use std::borrow::Cow;
use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::compute::fingerprint;
use crate::dict::MerchantIdx;
use crate::engine::{Engine, EnrichOptions, MerchantRef};
use crate::error::{Error, ErrorClass};
use crate::json::{
    RawObject, RawTransaction, abbreviate, decode_str, parse_array,
};
use crate::model::{
    self, AccountNature, Categorization, Date, Transaction, TransactionView,
};

/// The longest window a report covers (its per-day tables grow with it).
pub(crate) const MAX_WINDOW_DAYS: i32 = 366 * 20;

/// A section of the report, Salt Edge's `report_types`.
///
/// ```
/// use txenrich::insights::ReportType;
///
/// assert_eq!(ReportType::from_name("savings"), Some(ReportType::Savings));
/// assert_eq!(ReportType::Income.as_str(), "income");
/// ```
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum ReportType {
    /// Balances: start, end, minimum, maximum, averages, forecasts.
    Balance,
    /// Income: totals per month, averages, forecasts, streams.
    Income,
    /// Expenses: the same as income, for money out.
    Expense,
    /// Savings: net savings per month and the indicators derived from
    /// income, expenses and the balance.
    Savings,
}

impl ReportType {
    /// Every section, in Salt Edge's order.
    pub const ALL: [ReportType; 4] = [
        ReportType::Balance,
        ReportType::Income,
        ReportType::Expense,
        ReportType::Savings,
    ];

    /// The name as Salt Edge spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportType::Balance => "balance",
            ReportType::Income => "income",
            ReportType::Expense => "expense",
            ReportType::Savings => "savings",
        }
    }

    /// Parses `balance`, `income`, `expense` or `savings`.
    pub fn from_name(name: &str) -> Option<ReportType> {
        ReportType::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

/// One account of a report request.
///
/// ```
/// use txenrich::insights::AccountInput;
///
/// let a: AccountInput = serde_json::from_str(
///     r#"{"id":"a1","name":"Current","nature":"checking","balance":1520.5,"currency_code":"EUR"}"#,
/// ).unwrap();
/// assert_eq!(a.balance, 1520.5);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountInput {
    /// The account's id, which transactions name in `account_id`.
    pub id: String,
    /// The account's name.
    #[serde(default)]
    pub name: Option<String>,
    /// Salt Edge's account nature.
    #[serde(default)]
    pub nature: Option<AccountNature>,
    /// The balance at the end of the report's `to_date`, in the account's
    /// currency.
    pub balance: f64,
    /// The account's currency; the report currency when absent.
    #[serde(default)]
    pub currency_code: Option<String>,
    /// The connection the account belongs to, echoed in the report.
    #[serde(default)]
    pub connection_id: Option<String>,
}

/// A report request: Salt Edge's `POST /reports` body, with the accounts
/// and transactions the report is computed over.
///
/// Deserializing checks JSON types only; [`crate::insights::profile`]
/// checks the rest. For a request in JSON text,
/// [`crate::insights::report_json`] validates each transaction with the
/// rules of the JSON path ([`RawTransaction`]).
///
/// ```
/// use txenrich::insights::ReportInput;
///
/// let input: ReportInput = serde_json::from_str(r#"{
///     "customer_id": "c1", "currency_code": "EUR",
///     "from_date": "2024-01-01", "to_date": "2024-01-31",
///     "report_types": ["balance", "income"],
///     "accounts": [{"id": "a1", "balance": 100}],
///     "transactions": []
/// }"#).unwrap();
/// assert_eq!(input.report_types.len(), 2);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportInput {
    /// An id to echo as `report_id`.
    #[serde(default)]
    pub report_id: Option<String>,
    /// The customer the accounts belong to.
    pub customer_id: String,
    /// The report currency: every amount is converted to it.
    pub currency_code: String,
    /// The first day of the report.
    pub from_date: Date,
    /// The last day of the report; account balances are at its end.
    pub to_date: Date,
    /// The sections to compute.
    pub report_types: Vec<ReportType>,
    /// The value of one unit of each other currency in the report
    /// currency.
    #[serde(default)]
    pub exchange_rates: BTreeMap<String, f64>,
    /// The tree transactions without a `category` are categorized into
    /// (personal when absent).
    #[serde(default)]
    pub categorization: Option<Categorization>,
    /// The customer's accounts.
    pub accounts: Vec<AccountInput>,
    /// Their transactions, each naming its account in `account_id`.
    #[serde(default)]
    pub transactions: Vec<Transaction>,
}

/// The merchant behind a transaction, as far as the report knows it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Merchant<'a> {
    None,
    /// A merchant of the engine's dictionary.
    Known(MerchantIdx),
    /// An `extra.merchant_id` the dictionary does not hold.
    Id(Cow<'a, str>),
    /// A shop name the engine read from the descriptor.
    Cleansed(String),
}

/// How a transaction's category bears on own-account transfer matching.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `mode: transfer`, or the `transfer` category.
    Transfer,
    /// No category, or `uncategorized`.
    Unknown,
    /// Any other category: never an own-account transfer.
    Specific,
}

/// One transaction, validated, in the report currency.
#[derive(Clone, Debug)]
pub(crate) struct Entry<'a> {
    pub id: Cow<'a, str>,
    pub account: u32,
    pub date: Date,
    /// Signed, in the report currency.
    pub amount: f64,
    /// Index into [`Prepared::descriptions`].
    pub desc: u32,
    pub category: Option<Cow<'a, str>>,
    pub merchant: Merchant<'a>,
    pub kind: Kind,
    /// Set by transfer matching: one leg of a transfer between two of the
    /// customer's accounts.
    pub internal: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct Account<'a> {
    pub id: Cow<'a, str>,
    pub name: Option<Cow<'a, str>>,
    pub nature: Option<AccountNature>,
    pub connection_id: Option<Cow<'a, str>>,
    /// In the report currency.
    pub balance: f64,
    pub original_balance: f64,
    pub currency: Cow<'a, str>,
}

/// A validated request.
#[derive(Clone, Debug)]
pub(crate) struct Prepared<'a> {
    pub report_id: Option<Cow<'a, str>>,
    pub customer_id: Cow<'a, str>,
    pub currency: Cow<'a, str>,
    pub from: Date,
    pub to: Date,
    pub types: Vec<ReportType>,
    pub rates: BTreeMap<String, f64>,
    pub accounts: Vec<Account<'a>>,
    /// Sorted by date, input order kept within a day.
    pub entries: Vec<Entry<'a>>,
    /// Distinct descriptions.
    pub descriptions: Vec<Cow<'a, str>>,
    /// Per description: its [`super::compute::fingerprint`], computed
    /// while its text is at hand.
    pub fingerprints: Vec<u64>,
}

fn wrong(message: String) -> Error {
    Error::new(ErrorClass::WrongRequestFormat, message)
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// Prefixes an error about a field of element `i` of `array` with its
/// path: `amount: …` becomes `transactions[3].amount: …`.
fn nested(array: &str, i: usize, e: Error) -> Error {
    let msg = e.message();
    let field_first = msg.split_once(": ").is_some_and(|(f, _)| {
        f.bytes().all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'.')
    });
    let message = if field_first {
        format!("{array}[{i}].{msg}")
    } else {
        format!("{array}[{i}]: {msg}")
    };
    Error::new(e.class(), message)
}

/// The state shared by both front ends while transactions are added.
struct Builder<'a, 'e> {
    engine: &'e Engine,
    opts: EnrichOptions<'static>,
    prepared: Prepared<'a>,
    account_index: FxHashMap<Cow<'a, str>, u32>,
    desc_index: FxHashMap<Cow<'a, str>, u32>,
    /// `extra.merchant_id` → the dictionary's merchant, looked up once.
    merchant_index: FxHashMap<Cow<'a, str>, Option<MerchantIdx>>,
    /// Scratch space for fingerprints.
    lower: Vec<u8>,
    words: Vec<std::ops::Range<usize>>,
}

/// What a front end read of one transaction.
struct TxFields<'a, 'v> {
    id: Cow<'a, str>,
    date: Date,
    amount: f64,
    currency: &'v str,
    account_id: Option<&'v str>,
    description: Cow<'a, str>,
    category: Option<Cow<'a, str>>,
    merchant_id: Option<Cow<'a, str>>,
    mode_transfer: bool,
    duplicated: bool,
}

impl<'a, 'e> Builder<'a, 'e> {
    #[allow(clippy::too_many_arguments)]
    fn new(
        engine: &'e Engine,
        report_id: Option<Cow<'a, str>>,
        customer_id: Cow<'a, str>,
        currency: Cow<'a, str>,
        from: Date,
        to: Date,
        types: Vec<ReportType>,
        rates: BTreeMap<String, f64>,
        categorization: Categorization,
    ) -> Result<Builder<'a, 'e>, Error> {
        if !model::is_currency_code(&currency) {
            return Err(Error::field(
                "currency_code",
                "three upper-case letters (ISO 4217)",
                quoted(&currency),
            ));
        }
        if from > to {
            return Err(Error::new(
                ErrorClass::InvalidFromDate,
                format!("from_date: {from} is after to_date {to}"),
            ));
        }
        if to - from > MAX_WINDOW_DAYS {
            return Err(Error::new(
                ErrorClass::DateOutOfRange,
                format!(
                    "from_date..to_date: {from}..{to} spans more than {} years, the longest window a report covers",
                    MAX_WINDOW_DAYS / 366
                ),
            ));
        }
        if types.is_empty() {
            return Err(wrong(
                "report_types: expected at least one of balance, income, expense, savings, got []"
                    .into(),
            ));
        }
        for (code, &rate) in &rates {
            if !model::is_currency_code(code) {
                return Err(Error::field(
                    "exchange_rates",
                    "currency codes (three upper-case letters) as keys",
                    quoted(code),
                ));
            }
            if !(rate.is_finite() && rate > 0.0) {
                return Err(Error::field(
                    &format!("exchange_rates.{code}"),
                    "a positive number",
                    rate,
                ));
            }
        }
        let mut types = types;
        types.sort();
        types.dedup();
        Ok(Builder {
            engine,
            opts: EnrichOptions { categorization, ..Default::default() },
            prepared: Prepared {
                report_id,
                customer_id,
                currency,
                from,
                to,
                types,
                rates,
                accounts: Vec::new(),
                entries: Vec::new(),
                descriptions: Vec::new(),
                fingerprints: Vec::new(),
            },
            account_index: FxHashMap::default(),
            desc_index: FxHashMap::default(),
            merchant_index: FxHashMap::default(),
            lower: Vec::new(),
            words: Vec::new(),
        })
    }

    /// The value of one unit of `code` in the report currency.
    fn rate(
        &self,
        code: &str,
        whose: impl FnOnce() -> String,
    ) -> Result<f64, Error> {
        if code == self.prepared.currency {
            return Ok(1.0);
        }
        self.prepared.rates.get(code).copied().ok_or_else(|| {
            wrong(format!(
                "exchange_rates: no rate for {} (the currency of {}); give the value of 1 {code} in {}",
                quoted(code),
                whose(),
                self.prepared.currency
            ))
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn add_account(
        &mut self,
        i: usize,
        id: Cow<'a, str>,
        name: Option<Cow<'a, str>>,
        nature: Option<AccountNature>,
        balance: f64,
        currency: Option<Cow<'a, str>>,
        connection_id: Option<Cow<'a, str>>,
    ) -> Result<(), Error> {
        if !balance.is_finite() {
            return Err(wrong(format!(
                "accounts[{i}].balance: expected a finite number, got {balance}"
            )));
        }
        let currency =
            currency.unwrap_or_else(|| self.prepared.currency.clone());
        if !model::is_currency_code(&currency) {
            return Err(wrong(format!(
                "accounts[{i}].currency_code: expected three upper-case letters (ISO 4217), got {}",
                quoted(&currency)
            )));
        }
        let rate =
            self.rate(&currency, || format!("account {}", quoted(&id)))?;
        let index = self.prepared.accounts.len() as u32;
        if self.account_index.insert(id.clone(), index).is_some() {
            return Err(wrong(format!(
                "accounts[{i}].id: {} is given twice",
                quoted(&id)
            )));
        }
        self.prepared.accounts.push(Account {
            id,
            name,
            nature,
            connection_id,
            balance: balance * rate,
            original_balance: balance,
            currency,
        });
        Ok(())
    }

    fn reserve(&mut self, transactions: usize) {
        self.prepared.entries.reserve(transactions);
        self.desc_index.reserve(transactions);
    }

    fn intern(&mut self, description: Cow<'a, str>) -> u32 {
        if let Some(&i) = self.desc_index.get(&description) {
            return i;
        }
        let i = self.prepared.descriptions.len() as u32;
        let f = fingerprint(&description, &mut self.lower, &mut self.words);
        self.prepared.fingerprints.push(f);
        self.prepared.descriptions.push(description.clone());
        self.desc_index.insert(description, i);
        i
    }

    /// Adds one transaction; `view` is asked for only when the engine has
    /// to categorize it.
    fn add_tx<'v>(
        &mut self,
        i: usize,
        f: TxFields<'a, 'v>,
        view: impl FnOnce() -> TransactionView<'v>,
    ) -> Result<(), Error> {
        if f.duplicated {
            return Ok(());
        }
        let at = || format!("transactions[{i}] (id {})", quoted(&f.id));
        let Some(account_id) = f.account_id else {
            return Err(wrong(format!(
                "{}: account_id: required field is missing",
                at()
            )));
        };
        let Some(&account) = self.account_index.get(account_id) else {
            return Err(Error::new(
                ErrorClass::AccountNotFound,
                format!(
                    "{}: account_id {} is not one of the request's accounts",
                    at(),
                    quoted(account_id)
                ),
            ));
        };
        // A statement may hold more than the report's window: what lies
        // outside it is not part of the report (the end balance is given at
        // to_date, so later transactions do not move it either).
        let (from, to) = (self.prepared.from, self.prepared.to);
        if f.date < from || f.date > to {
            return Ok(());
        }
        let rate = self
            .rate(f.currency, || format!("transaction {}", quoted(&f.id)))?;
        let mut category = f.category;
        let mut merchant = match f.merchant_id {
            None => Merchant::None,
            Some(id) => {
                let dict = self.engine.dictionary();
                let found = *self
                    .merchant_index
                    .entry(id.clone())
                    .or_insert_with(|| dict.find_id(&id));
                match found {
                    Some(idx) => Merchant::Known(idx),
                    None => Merchant::Id(id),
                }
            }
        };
        if category.is_none()
            && self.opts.categorization != Categorization::None
        {
            let e = self.engine.enrich(&view(), &self.opts);
            category = self.engine.category_code(&e).map(Cow::Borrowed);
            if merchant == Merchant::None {
                merchant = match e.merchant {
                    None => Merchant::None,
                    Some(MerchantRef::Known(idx)) => Merchant::Known(idx),
                    Some(MerchantRef::Cleansed(name)) => {
                        Merchant::Cleansed(name)
                    }
                };
            }
        }
        let kind = if f.mode_transfer
            || category.as_deref() == Some("transfer")
        {
            Kind::Transfer
        } else if matches!(category.as_deref(), None | Some("uncategorized")) {
            Kind::Unknown
        } else {
            Kind::Specific
        };
        let desc = self.intern(f.description);
        self.prepared.entries.push(Entry {
            id: f.id,
            account,
            date: f.date,
            amount: f.amount * rate,
            desc,
            category,
            merchant,
            kind,
            internal: false,
        });
        Ok(())
    }

    fn finish(mut self) -> Prepared<'a> {
        // By date, input order kept within a day: sort (date, index)
        // pairs and move each entry once.
        let entries = &mut self.prepared.entries;
        if !entries.is_sorted_by_key(|e| e.date) {
            let mut order: Vec<(Date, u32)> = entries
                .iter()
                .enumerate()
                .map(|(i, e)| (e.date, i as u32))
                .collect();
            order.sort_unstable();
            let mut slots: Vec<Option<Entry<'a>>> =
                std::mem::take(entries).into_iter().map(Some).collect();
            *entries = order
                .iter()
                .filter_map(|&(_, i)| slots[i as usize].take())
                .collect();
        }
        self.prepared
    }
}

/// Validates a typed request.
pub(crate) fn prepare_input<'a>(
    engine: &Engine,
    input: &'a ReportInput,
) -> Result<Prepared<'a>, Error> {
    let mut b = Builder::new(
        engine,
        input.report_id.as_deref().map(Cow::Borrowed),
        Cow::Borrowed(&input.customer_id),
        Cow::Borrowed(&input.currency_code),
        input.from_date,
        input.to_date,
        input.report_types.clone(),
        input.exchange_rates.clone(),
        input.categorization.unwrap_or_default(),
    )?;
    if input.accounts.is_empty() {
        return Err(wrong(
            "accounts: expected at least one account, got []".into(),
        ));
    }
    for (i, a) in input.accounts.iter().enumerate() {
        b.add_account(
            i,
            Cow::Borrowed(&a.id),
            a.name.as_deref().map(Cow::Borrowed),
            a.nature,
            a.balance,
            a.currency_code.as_deref().map(Cow::Borrowed),
            a.connection_id.as_deref().map(Cow::Borrowed),
        )?;
    }
    b.reserve(input.transactions.len());
    for (i, tx) in input.transactions.iter().enumerate() {
        let fields =
            typed_fields(tx).map_err(|e| nested("transactions", i, e))?;
        b.add_tx(i, fields, || tx.view())?;
    }
    Ok(b.finish())
}

/// The fields the report reads of a typed transaction, checked as the JSON
/// path checks them. (The fields the report does not read are not checked
/// here; [`Transaction::validate`] checks them all.)
fn typed_fields(tx: &Transaction) -> Result<TxFields<'_, '_>, Error> {
    let date = tx.made_on.parse::<Date>().map_err(|_| {
        Error::field("made_on", "a date YYYY-MM-DD", quoted(&tx.made_on))
    })?;
    if !tx.amount.is_finite() {
        return Err(Error::field("amount", "a finite number", tx.amount));
    }
    if !model::is_currency_code(&tx.currency_code) {
        return Err(Error::field(
            "currency_code",
            "three upper-case letters (ISO 4217)",
            quoted(&tx.currency_code),
        ));
    }
    if let Some(mode) = tx.mode.as_deref()
        && !matches!(mode, "normal" | "fee" | "transfer")
    {
        return Err(Error::field(
            "mode",
            "one of normal, fee, transfer",
            quoted(mode),
        ));
    }
    Ok(TxFields {
        id: Cow::Borrowed(&tx.id),
        date,
        amount: tx.amount,
        currency: &tx.currency_code,
        account_id: tx.account_id.as_deref(),
        description: Cow::Borrowed(&tx.description),
        category: tx.category.as_deref().map(Cow::Borrowed),
        merchant_id: tx.extra.merchant_id.as_deref().map(Cow::Borrowed),
        mode_transfer: tx.mode.as_deref() == Some("transfer"),
        duplicated: tx.other.get("duplicated").and_then(|v| v.as_bool())
            == Some(true),
    })
}

/// Reads a string field (numbers are taken as their text, for ids).
fn str_field<'a>(
    o: &RawObject<'a>,
    key: &str,
    path: &str,
    numbers: bool,
) -> Result<Option<Cow<'a, str>>, Error> {
    let Some(v) = o.get(key) else { return Ok(None) };
    let text = v;
    if text == "null" {
        return Ok(None);
    }
    if let Some(s) = decode_str(text) {
        return Ok(Some(s));
    }
    if numbers && text.parse::<f64>().is_ok() {
        return Ok(Some(Cow::Borrowed(text)));
    }
    Err(Error::field(path, "a string", abbreviate(text)))
}

fn required<T>(v: Option<T>, path: &str) -> Result<T, Error> {
    v.ok_or_else(|| wrong(format!("{path}: required field is missing")))
}

fn number_field(
    o: &RawObject<'_>,
    key: &str,
    path: &str,
) -> Result<Option<f64>, Error> {
    let Some(text) = o.get(key) else { return Ok(None) };
    if text == "null" {
        return Ok(None);
    }
    match serde_json::from_str::<f64>(text) {
        Ok(x) if x.is_finite() => Ok(Some(x)),
        _ => Err(Error::field(path, "a finite number", abbreviate(text))),
    }
}

fn array<'a>(v: &'a str, path: &str) -> Result<Vec<&'a str>, Error> {
    parse_array(v).map_err(|_| Error::field(path, "an array", abbreviate(v)))
}

fn date_field(
    o: &RawObject<'_>,
    key: &str,
    class: ErrorClass,
) -> Result<Date, Error> {
    let Some(v) = o.get(key) else {
        return Err(Error::new(
            class,
            format!("{key}: required field is missing"),
        ));
    };
    let s = decode_str(v);
    s.as_deref().and_then(|s| s.parse::<Date>().ok()).ok_or_else(|| {
        Error::new(
            class,
            format!(
                "{key}: expected a date YYYY-MM-DD, got {}",
                abbreviate(v)
            ),
        )
    })
}

/// Validates a request given as JSON text: Salt Edge's `POST /reports`
/// body, bare or wrapped in `{"data": …}`.
pub(crate) fn prepare_json<'a>(
    engine: &Engine,
    text: &'a str,
) -> Result<Prepared<'a>, Error> {
    let mut o = RawObject::parse(text)?;
    if o.fields.len() == 1
        && o.fields[0].key == "data"
        && o.fields[0].value.starts_with('{')
    {
        o = RawObject::parse(o.fields[0].value)?;
    }
    let report_id = str_field(&o, "report_id", "report_id", true)?;
    let customer_id = required(
        str_field(&o, "customer_id", "customer_id", true)?,
        "customer_id",
    )?;
    let currency = required(
        str_field(&o, "currency_code", "currency_code", false)?,
        "currency_code",
    )?;
    let from = date_field(&o, "from_date", ErrorClass::InvalidFromDate)?;
    let to = date_field(&o, "to_date", ErrorClass::InvalidToDate)?;
    let types_raw = required(o.get("report_types"), "report_types")?;
    let mut types = Vec::new();
    for v in array(types_raw, "report_types")? {
        let t = decode_str(v).and_then(|s| ReportType::from_name(&s));
        types.push(t.ok_or_else(|| {
            Error::field(
                "report_types",
                "balance, income, expense or savings",
                abbreviate(v),
            )
        })?);
    }
    let mut rates = BTreeMap::new();
    if let Some(v) = o.get("exchange_rates")
        && v != "null"
    {
        let r = RawObject::parse(v).map_err(|_| {
            Error::field("exchange_rates", "an object", abbreviate(v))
        })?;
        for field in &r.fields {
            let code = &field.key;
            let path = format!("exchange_rates.{code}");
            let rate = required(number_field(&r, code, &path)?, &path)?;
            rates.insert(code.to_string(), rate);
        }
    }
    let categorization =
        match str_field(&o, "categorization", "categorization", false)? {
            None => Categorization::Personal,
            Some(c) => Categorization::from_name(&c).ok_or_else(|| {
                Error::field(
                    "categorization",
                    "none, personal or business",
                    quoted(&c),
                )
            })?,
        };
    let mut b = Builder::new(
        engine,
        report_id,
        customer_id,
        currency,
        from,
        to,
        types,
        rates,
        categorization,
    )?;
    let accounts =
        array(required(o.get("accounts"), "accounts")?, "accounts")?;
    if accounts.is_empty() {
        return Err(wrong(
            "accounts: expected at least one account, got []".into(),
        ));
    }
    for (i, v) in accounts.into_iter().enumerate() {
        let path = |f: &str| format!("accounts[{i}].{f}");
        let a = RawObject::parse(v).map_err(|_| {
            Error::field(&format!("accounts[{i}]"), "an object", abbreviate(v))
        })?;
        let id =
            required(str_field(&a, "id", &path("id"), true)?, &path("id"))?;
        let name = str_field(&a, "name", &path("name"), false)?;
        let nature = match str_field(&a, "nature", &path("nature"), false)? {
            None => None,
            Some(n) => {
                Some(AccountNature::from_name(&n).ok_or_else(|| {
                    Error::field(
                        &path("nature"),
                        "a Salt Edge account nature",
                        quoted(&n),
                    )
                })?)
            }
        };
        let balance = required(
            number_field(&a, "balance", &path("balance"))?,
            &path("balance"),
        )?;
        let currency =
            str_field(&a, "currency_code", &path("currency_code"), false)?;
        let connection_id =
            str_field(&a, "connection_id", &path("connection_id"), true)?;
        b.add_account(i, id, name, nature, balance, currency, connection_id)?;
    }
    let txs = match o.get("transactions") {
        None => Vec::new(),
        Some("null") => Vec::new(),
        Some(v) => array(v, "transactions")?,
    };
    b.reserve(txs.len());
    for (i, v) in txs.into_iter().enumerate() {
        let raw = RawTransaction::parse(v)
            .map_err(|e| nested("transactions", i, e))?;
        let fields =
            json_fields(&raw).map_err(|e| nested("transactions", i, e))?;
        b.add_tx(i, fields, || raw.view())?;
    }
    Ok(b.finish())
}

/// The fields the report reads of a transaction the JSON path validated,
/// borrowed from the request text where they hold no escapes.
fn json_fields<'a, 'v>(
    raw: &'v RawTransaction<'a>,
) -> Result<TxFields<'a, 'v>, Error> {
    let o = &raw.object;
    let id = required(str_field(o, "id", "id", true)?, "id")?;
    let description = required(
        str_field(o, "description", "description", false)?,
        "description",
    )?;
    let category = str_field(o, "category", "category", false)?;
    let merchant_id = match &raw.extra {
        Some(extra) => {
            str_field(extra, "merchant_id", "extra.merchant_id", true)?
        }
        None => None,
    };
    Ok(TxFields {
        id,
        date: raw.made_on(),
        amount: raw.view().amount,
        currency: raw.view().currency_code,
        account_id: raw.account_id(),
        description,
        category,
        merchant_id,
        mode_transfer: raw.view().mode == Some("transfer"),
        duplicated: o.get("duplicated") == Some("true"),
    })
}
