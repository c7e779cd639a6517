//! The report's serialized shape: Salt Edge's field names and nesting.
//!
//! Numbers go through [`Money`] (two decimals) and [`Ratio`] (four
//! decimals), which write `null` for anything that is not finite, so that no
//! NaN or infinity can ever reach the JSON.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Serialize, Serializer};

use crate::model::Date;

/// An amount in the report currency, written with two decimals; `null`
/// when not finite.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Money(pub f64);

/// A rate or score, written with four decimals; `null` when not finite.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Ratio(pub f64);

fn round(x: f64, scale: f64) -> f64 {
    let r = (x * scale).round() / scale;
    // No "-0.0" in the output.
    if r == 0.0 { 0.0 } else { r }
}

fn write_rounded<S: Serializer>(
    x: f64,
    scale: f64,
    s: S,
) -> Result<S::Ok, S::Error> {
    let r = round(x, scale);
    if r.is_finite() { s.serialize_f64(r) } else { s.serialize_none() }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        write_rounded(self.0, 100.0, s)
    }
}

impl Serialize for Ratio {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        write_rounded(self.0, 10_000.0, s)
    }
}

/// `Some(Money)` for a finite value, `None` (written `null`) otherwise.
pub(crate) fn money(x: f64) -> Option<Money> {
    x.is_finite().then_some(Money(x))
}

/// `Some(Ratio)` for a finite value, `None` (written `null`) otherwise.
pub(crate) fn ratio(x: f64) -> Option<Ratio> {
    x.is_finite().then_some(Ratio(x))
}

/// The transaction ids of a report, in one string.
#[derive(Debug, Default)]
pub(crate) struct IdTable {
    text: String,
    /// Where each id ends in `text`.
    ends: Vec<u32>,
}

impl IdTable {
    pub fn push(&mut self, id: &str) {
        self.text.push_str(id);
        self.ends.push(self.text.len() as u32);
    }

    pub fn get(&self, i: u32) -> &str {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }
}

/// Transaction ids, as indices into one table shared by the whole report
/// (a report lists each id twice or more: once per account and in the
/// summary).
#[derive(Clone, Debug)]
pub(crate) struct Ids {
    pub table: Arc<IdTable>,
    pub items: Vec<u32>,
}

impl Serialize for Ids {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.items.iter().map(|&i| self.table.get(i)))
    }
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct ReportOut {
    pub report_id: Option<String>,
    pub customer_id: String,
    pub connection_ids: Vec<String>,
    pub connections: Vec<ConnectionOut>,
    pub currency_code: String,
    pub exchange_rates: BTreeMap<String, f64>,
    pub report_types: Vec<&'static str>,
    pub status: &'static str,
    pub from_date: Date,
    pub to_date: Date,
    pub result: ResultOut,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct ConnectionOut {
    pub id: Option<String>,
    pub customer_id: String,
    pub provider_code: Option<String>,
    pub provider_name: Option<String>,
    pub holder_info: Option<String>,
    pub client_name: Option<String>,
    pub accounts: Vec<ConnectionAccountOut>,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct ConnectionAccountOut {
    pub id: String,
    pub name: Option<String>,
    pub nature: Option<&'static str>,
    pub balance: Money,
    pub original_balance: Money,
    pub original_currency_code: String,
    pub transactions: TransactionsOut,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct TransactionsOut {
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub first_id: Option<String>,
    pub last_id: Option<String>,
    pub count: usize,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct ResultOut {
    pub accounts: Vec<AccountOut>,
    pub accounts_summary: ScopeOut,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct AccountOut {
    pub id: String,
    pub name: Option<String>,
    pub nature: Option<&'static str>,
    pub connection_id: Option<String>,
    #[serde(flatten)]
    pub scope: ScopeOut,
}

/// One account, or all of them together (`accounts_summary`).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ScopeOut {
    pub start_date: Date,
    pub end_date: Date,
    pub whole_months_count: u32,
    pub days_count: u32,
    /// Only in `accounts_summary`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transactions_count: Option<usize>,
    pub monthly_average_transactions_count: TxCountOut,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub balance: Option<BalanceOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub income: Option<FlowOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expense: Option<FlowOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub savings: Option<SavingsOut>,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct TxCountOut {
    pub total: Money,
    pub income: Money,
    pub expense: Money,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct BalanceOut {
    pub start_date_amount: Money,
    pub end_date_amount: Money,
    pub minimum: Money,
    pub maximum: Money,
    pub average: BalanceAverageOut,
    pub forecasted_average: ForecastOut,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct BalanceAverageOut {
    pub daily: SpanOut,
    pub monthly: SpanOut,
    pub quarterly: SpanOut,
    pub annual: SpanOut,
    pub minimum_monthly: SpanOut,
    pub maximum_monthly: SpanOut,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct SpanOut {
    pub amount: Money,
    pub start_date: Date,
    pub end_date: Date,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct ForecastOut {
    pub next_month: Money,
    pub next_quarter: Money,
    pub next_year: Money,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct AverageOut {
    pub monthly: Money,
    pub quarterly: Money,
    pub annual: Money,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct MonthOut {
    pub year: i32,
    pub month: u32,
    pub is_whole_month: bool,
    pub amount: Money,
}

/// An `income` or `expense` section.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct FlowOut {
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub transactions_count: usize,
    pub last_year_amount: Option<Money>,
    pub total: Money,
    pub total_per_month: Vec<MonthOut>,
    pub average: AverageOut,
    pub forecasted_average: ForecastOut,
    pub streams: StreamsOut,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct StreamsOut {
    pub regular_amount: Money,
    pub irregular_amount: Money,
    pub count: StreamCountOut,
    pub regular: Vec<StreamOut>,
    pub irregular: IrregularOut,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct StreamCountOut {
    pub regular: usize,
    pub irregular: usize,
    pub maximum_overlapping: usize,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct StreamOut {
    pub transactions_count: usize,
    pub transaction_ids: Ids,
    pub start_date: Date,
    pub end_date: Date,
    pub amount: AmountOut,
    pub frequency: &'static str,
    pub days_count: Money,
    pub category_code: Option<String>,
    pub description: String,
    pub merchant: Option<MerchantOut>,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct AmountOut {
    pub total: Money,
    pub average: Money,
    pub median: Money,
    pub stdev: Money,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct MerchantOut {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub website: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct IrregularOut {
    pub transactions_count: usize,
    pub transaction_ids: Ids,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct SavingsOut {
    pub per_month: Vec<MonthOut>,
    pub average: AverageOut,
    pub forecasted_average: ForecastOut,
    pub runway: Option<Money>,
    pub stress_runway: Option<Money>,
    pub expense_to_savings_rate: Option<Money>,
    pub income_stability: Option<Ratio>,
    pub income_regularity: Option<Ratio>,
    pub income_to_expense_rate: Option<Ratio>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_numbers_are_null() {
        let v = serde_json::to_value([
            Money(f64::NAN),
            Money(f64::INFINITY),
            Money(-0.001),
            Money(1.005),
            Money(2.0 / 3.0),
        ])
        .unwrap();
        assert_eq!(v, serde_json::json!([null, null, 0.0, 1.0, 0.67]));
        let v =
            serde_json::to_value([Ratio(f64::NEG_INFINITY), Ratio(1.0 / 3.0)])
                .unwrap();
        assert_eq!(v, serde_json::json!([null, 0.3333]));
        assert_eq!(money(f64::NAN), None);
        assert_eq!(ratio(0.5), Some(Ratio(0.5)));
    }
}
