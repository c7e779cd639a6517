/*!
Financial insights: Salt Edge's report over a customer's accounts.

Given a customer's accounts (with their balances at the end of the
report's last day) and their transactions, [`profile`] computes Salt Edge's
Financial Insights report: for each account and for all accounts together
(`accounts_summary`), the `balance`, `income`, `expense` and `savings`
sections asked for in `report_types`, with income and expenses split into
regular streams (a salary, rent, subscriptions) and one irregular stream.
[`report_json`] does the same from the request as JSON text, which is what
`txenrich report` and the C ABI use.

# Example

```
use txenrich::Engine;
use txenrich::insights;

let request = r#"{
  "customer_id": "c1", "currency_code": "EUR",
  "from_date": "2024-01-01", "to_date": "2024-03-31",
  "report_types": ["balance", "income", "expense", "savings"],
  "accounts": [{"id": "a1", "name": "Current", "nature": "checking", "balance": 1500, "currency_code": "EUR"}],
  "transactions": [
    {"id": "1", "account_id": "a1", "made_on": "2024-01-25", "amount": 2000, "currency_code": "EUR", "description": "SALARY ACME LTD"},
    {"id": "2", "account_id": "a1", "made_on": "2024-02-23", "amount": 2000, "currency_code": "EUR", "description": "SALARY ACME LTD"},
    {"id": "3", "account_id": "a1", "made_on": "2024-03-25", "amount": 2000, "currency_code": "EUR", "description": "SALARY ACME LTD"},
    {"id": "4", "account_id": "a1", "made_on": "2024-03-01", "amount": -4800, "currency_code": "EUR", "description": "CAR DEALER"}
  ]
}"#;
let report = insights::report_json(&Engine::builtin(), request).unwrap();
let summary = &report["data"]["result"]["accounts_summary"];
assert_eq!(summary["income"]["total"], 6000.0);
assert_eq!(summary["income"]["streams"]["regular"][0]["frequency"], "monthly");
// 1500 at the end, so 1500 - (6000 - 4800) = 300 at the start.
assert_eq!(summary["balance"]["start_date_amount"], 300.0);
assert_eq!(summary["whole_months_count"], 3);
```

# Request and report

The request ([`ReportInput`]): `customer_id`, `currency_code`, `from_date`,
`to_date`, `report_types` (any of `balance`, `income`, `expense`,
`savings`), optional `exchange_rates`, optional `categorization`
(`personal`, `business` or `none`), optional `report_id` (echoed),
`accounts` (`id`, `name`, `nature`, `balance` at the end of `to_date`,
`currency_code`, optional `connection_id`) and `transactions` (Salt Edge's
shape, each with `account_id`). As JSON it may come bare or inside
`{"data": …}`.

The report is Salt Edge's `{"data": {report_id, customer_id,
connection_ids, connections, currency_code, exchange_rates, report_types,
status, from_date, to_date, result}}`. `connections` groups the accounts by
`connection_id` (one connection with a `null` id for accounts without
one); each account there has its `balance` in the report currency, its
`original_balance` and `original_currency_code`, and its `transactions`
(`start_date`, `end_date`, `first_id`, `last_id`, `count`). The provider
fields of a connection are `null`: the request does not carry them.
`result.accounts[]` has, per account, `id`, `name`, `nature`,
`connection_id`, `start_date`, `end_date`, `whole_months_count`,
`days_count`, `monthly_average_transactions_count` and the sections asked
for; `result.accounts_summary` the same for all accounts together (without
the account's own fields), plus `transactions_count`.

# Method

**Amounts.** Every amount is converted to the report currency with
`exchange_rates` (the value of one unit of a currency in the report
currency); a currency without a rate is an error naming it. Income and
expense amounts are positive magnitudes: income is money in (a positive
`amount`), expense money out. Transactions marked `duplicated: true` are
left out; pending ones count like posted ones. A transaction without a `category` is categorized by the engine
first (into the tree named by the request's `categorization`, personal when
absent), which also identifies its merchant.

**Periods.** An account's period runs from the first day of the month of
its first transaction (or `from_date`, whichever is later; `from_date` for
an account without transactions) to `to_date`, so that a short history
inside a long window is not averaged over months it has no data for. The
summary's period starts at the earliest account's start. A month is whole
(`is_whole_month`) when the period covers all its days.
`whole_months_count` counts them; `days_count` is the period's length in
days.

**Averages.** A monthly average is the mean over the whole months; with no
whole month, the total divided by the period's length in months (at least
one). The quarterly and annual averages are three and twelve times the
monthly one. `last_year_amount` is the sum of the last twelve months when
they are all whole, `null` otherwise. `monthly_average_transactions_count`
averages the number of transactions (`total` counts all of them, transfers
between own accounts included).

**Balances.** End-of-day balances are reconstructed backward from the
account's `balance`, which is the balance at the end of `to_date`: the
balance at the end of a day is the next day's minus the next day's
transactions. `start_date_amount` is the opening balance (before the first
day's transactions); `minimum` and `maximum` are over the end-of-day
balances. The averages: `daily` is the mean end-of-day balance; `monthly`
the mean over whole months of each month's mean (all months when none is
whole); `quarterly` and `annual` the mean over blocks of 3 and 12 whole
months, counted back from the last whole month (the whole period when there
is not one block); `minimum_monthly` and `maximum_monthly` the month with
the lowest and highest mean. Each carries the dates it covers.

**Own-account transfers.** An outflow of one account and an inflow of
another account of the request, of the same amount (to the cent; within 2%
between accounts in different currencies) at most 3 days apart, are the
two legs of one transfer when neither is categorized as something a
transfer is not: each is `mode: transfer`, or categorized `transfer` or
`uncategorized`, or has no category (a credit into a credit card account
is a repayment whatever its category). Such legs are neither income nor
expense, in the accounts and in the summary alike (so that the summary is
the sum of the accounts, and moving money to savings is not spending), and
so count in no stream and no `savings` figure; they do move balances, and
`monthly_average_transactions_count.total` counts them.

**Streams.** Income and expense are clustered by counterparty: the
merchant id when the transaction has one (`extra.merchant_id`, or the
merchant the engine identified), else the description's normalized words
([`crate::learn::description_key`] without month names, word order
ignored, so that `SALARY ACME JAN` and `ACME SALARY FEB 2024` are one
counterparty). The transactions of one day count as one payment. For each
counterparty:

- *Cadence.* A few quantiles of the intervals between payments, their
  mean and the nearest nominal period are tried as the cadence; the one
  that makes a stream of the most payments wins. An interval is *on time*
  when within the tolerance of the cadence: 20% of it plus a day, at most
  5% plus five days, at least two days (±2.4 days for weekly, ±6.5 for
  monthly, ±9.6 for quarterly, ±23 for annual), so that pay moved to the
  previous working day is on time. An interval of two or three cadences
  is a skipped payment.
- *Extras.* A payment that comes well before the cadence allows (earlier
  than 1.5 tolerances before it: a bonus between two salaries) is peeled
  off to the irregular stream; of two payments too close together, the one
  with the less typical amount goes.
- *Regular* when: at most a quarter of the payments are peeled off; at
  least 75% of the intervals are on time or skips and at least half are on
  time; the cadence is within the tolerance of one of Salt Edge's periods
  (a 22-day or 40-day rhythm is none); for monthly and longer cadences,
  the payments keep to the calendar (three quarters of them within 4.5
  days of one day of the month, counted from its start or its end, or the
  intervals are very steady, as for pay every four weeks); there are
  payments for at least 60% of the periods the stream spans; and the
  amounts are steady: for five payments or more, three quarters within
  ±30% of the median (so a raise, or a bill varying ±20%, stays one
  stream), for three or four a variation (standard deviation over mean) of
  at most 0.2. Three payments need both intervals on time; two payments
  make a stream only a year (±10 days) apart with amounts within 15%.
  Frequencies need a minimum of payments: 7 for daily, 5 for 3 times a
  week, 4 for twice a week, 3 otherwise (2 for annual).
- *Split.* A counterparty whose payments are not one stream is split where
  the sorted amounts jump by half (two subscriptions with one merchant, a
  salary and one-off payments from the same employer) and each part of
  nearly constant amounts (variation at most 0.15) is tried again.

The frequency is the nearest of Salt Edge's 13 (`daily` … `few_years`) to
the mean on-time interval. Everything else is pooled in the one irregular
stream. A stream's `days_count` is the average number of days between its
transactions; `amount.stdev` is the population standard deviation;
`description` and `category_code` are the most common among its
transactions; `merchant` is the dictionary's record of its merchant (name,
website), or the name the engine read from the descriptor, or `null`.
`maximum_overlapping` is the most streams running (first to last
transaction) on one day.

For speed, a description is given its key only when a cheap grouping (its
ASCII words as a set) finds enough transactions that may share it to make
a stream: three payment days in one direction, or two a year apart; the
others can only be irregular.

**Forecasts.** The forecast for the next month of income or expense is the
sum of the regular streams still running (the last payment no more than
1.5 cadences plus the tolerance before `to_date`), each at the median of
its last three payments times the number of payments its frequency makes
in an average month (once for monthly, 30.4375 / 7 for weekly, 1/12 for
annual), plus the irregular stream's monthly average. The next quarter and year are 3 and 12 times that. The balance's
forecast averages are the mean balance over the next 30, 91 and 365 days if
the balance moves from the end balance at the forecast net monthly rate
(income minus expense forecasts, plus the average net of own-account
transfers): `end + rate / 30.4375 * (days + 1) / 2`.

**Savings.** `per_month` is income minus expense per month, its averages
and forecasts the differences of those of income and expense. With `B` the
end balance and monthly averages `I` (income) and `E` (expense):

- `runway` = `B / (E - I)`, months the balance lasts; only when `B > 0` and
  `E > I`, `null` otherwise;
- `stress_runway` = `max(B, 0) / R`, months the balance covers the regular
  expenses if income stops, with `R` the monthly amount of the running
  regular expense streams (`E` when there are none); `null` without
  expenses;
- `expense_to_savings_rate` = `E / |I - E|`, months of saving (or
  dissaving) that add up to one month of expenses; `null` when `E` or
  `I - E` is zero;
- `income_to_expense_rate` = `I / E`; `null` when `E` is zero;
- `income_stability` = the mean over income sources, weighted by their
  totals, of `1 - min(1, v)`, where `v` is the variation (standard
  deviation over mean) of a regular stream's amounts, or of the irregular
  stream's whole-month totals (an irregular stream with fewer than two
  months scores 0);
- `income_regularity` = the mean over income sources, weighted by their
  totals, of the share of a regular stream's intervals that are on time
  (the irregular stream scores 0).

Both are `null` without income. No figure is ever NaN or infinite: a value
that cannot be computed is `null`.

# Errors

[`report_json`] and [`profile`] return Salt Edge's error classes:
`JsonParseError` for text that is not JSON; `WrongRequestFormat` for a
missing or mistyped field, a transaction that the JSON path rejects, an
unknown report type, an account given twice, a currency without an
exchange rate; `InvalidFromDate` for a missing or malformed `from_date` or
one after `to_date`; `InvalidToDate` for a missing or malformed `to_date`;
`DateOutOfRange` for a window longer than twenty years (transactions
dated outside `from_date..to_date` are left out of the report, not an
error);
`AccountNotFound` for a transaction whose `account_id` is not one of the
request's accounts. Messages name the field and the value at fault.
*/

mod compute;
mod input;
mod output;
mod streams;
mod transfers;

use serde::{Serialize, Serializer};

use crate::engine::Engine;
use crate::error::{Error, ErrorClass};

pub use input::{AccountInput, ReportInput, ReportType};

/// A computed report. [`Report::to_json`] gives Salt Edge's shape,
/// `{"data": {…, "result": {"accounts": […], "accounts_summary": {…}}}}`;
/// serializing a `Report` writes the same.
///
/// ```
/// use txenrich::Engine;
/// use txenrich::insights::{self, ReportInput};
///
/// let input: ReportInput = serde_json::from_str(r#"{
///     "customer_id": "c1", "currency_code": "GBP",
///     "from_date": "2024-01-01", "to_date": "2024-01-31",
///     "report_types": ["balance"],
///     "accounts": [{"id": "a1", "balance": 250.0}]
/// }"#).unwrap();
/// let report = insights::profile(&Engine::builtin(), &input).unwrap();
/// let json = report.to_json();
/// assert_eq!(json["data"]["status"], "success");
/// assert_eq!(json["data"]["result"]["accounts"][0]["balance"]["minimum"], 250.0);
/// ```
#[derive(Clone, Debug)]
pub struct Report {
    out: output::ReportOut,
}

impl Report {
    /// The report as Salt Edge's JSON object.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

impl Serialize for Report {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wrapper<'a> {
            data: &'a output::ReportOut,
        }
        Wrapper { data: &self.out }.serialize(s)
    }
}

/// Computes the report for a typed request.
///
/// The request is checked as [`report_json`] checks it, except that of
/// each transaction only the fields the report reads are checked (`made_on`,
/// `amount`, `currency_code`, `mode`, `account_id`); use
/// [`crate::model::Transaction::validate`] for the rest.
///
/// ```
/// use txenrich::{Engine, ErrorClass};
/// use txenrich::insights::{self, ReportInput};
///
/// let mut input: ReportInput = serde_json::from_str(r#"{
///     "customer_id": "c1", "currency_code": "GBP",
///     "from_date": "2024-01-01", "to_date": "2024-01-31",
///     "report_types": ["income"],
///     "accounts": [{"id": "a1", "balance": 0}],
///     "transactions": [{"id": "t1", "account_id": "a2", "made_on": "2024-01-05",
///                       "amount": 10, "currency_code": "GBP", "description": "x"}]
/// }"#).unwrap();
/// let err = insights::profile(&Engine::builtin(), &input).unwrap_err();
/// assert_eq!(err.class(), ErrorClass::AccountNotFound);
/// ```
pub fn profile(engine: &Engine, input: &ReportInput) -> Result<Report, Error> {
    let prepared = input::prepare_input(engine, input)?;
    Ok(compute_report(engine, prepared))
}

/// Computes the report for a request given as JSON text (Salt Edge's
/// `POST /reports` body, bare or inside `{"data": …}`) and returns it in
/// Salt Edge's shape. Each transaction is validated by the rules of the
/// JSON path ([`crate::json::RawTransaction`]); errors name the field and
/// value at fault.
///
/// ```
/// use txenrich::{Engine, ErrorClass};
/// use txenrich::insights;
///
/// let err = insights::report_json(&Engine::builtin(), r#"{"customer_id": "c1",
///     "currency_code": "EUR", "from_date": "2024-13-01", "to_date": "2024-12-31",
///     "report_types": ["balance"], "accounts": []}"#).unwrap_err();
/// assert_eq!(err.class(), ErrorClass::InvalidFromDate);
/// assert!(err.message().contains("\"2024-13-01\""));
/// ```
pub fn report_json(
    engine: &Engine,
    text: &str,
) -> Result<serde_json::Value, Error> {
    let prepared = input::prepare_json(engine, text)?;
    let report = compute_report(engine, prepared);
    serde_json::to_value(&report).map_err(|e| {
        Error::new(
            ErrorClass::InternalServerError,
            format!("report serialization: {e}"),
        )
    })
}

fn compute_report(
    engine: &Engine,
    mut prepared: input::Prepared<'_>,
) -> Report {
    transfers::mark_internal(&mut prepared);
    let ctx = compute::Ctx::new(engine, &prepared);
    Report { out: compute::report(&ctx) }
}

#[cfg(test)]
mod tests;
