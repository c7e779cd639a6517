//! The Financial Insights report over 10,000 and 100,000 transactions
//! spanning three years in five accounts, generated deterministically here.
//!
//! - `profile/precategorized`: the transactions carry `category` (and
//!   `extra.merchant_id` when the engine knows the merchant), as Salt Edge
//!   transactions do: the report alone.
//! - `profile/with_categorization`: no categories: the engine categorizes
//!   every transaction first.
//! - `report_json/precategorized`: the JSON entry point, parsing and
//!   validating the request text too.
//!
//! Run with `cargo bench --bench report`; pin to one core with
//! `taskset -c 1 cargo bench --bench report`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use txenrich::insights::{self, AccountInput, ReportInput, ReportType};
use txenrich::model::{AccountNature, Date, Extra, Transaction};
use txenrich::synth::{Generator, SplitMix64};
use txenrich::{Engine, EnrichOptions, MerchantRef};

/// The statement sizes measured.
const SIZES: [usize; 2] = [10_000, 100_000];
const ACCOUNTS: [(&str, AccountNature, &str); 5] = [
    ("current", AccountNature::Checking, "GBP"),
    ("savings", AccountNature::Savings, "GBP"),
    ("euro", AccountNature::Checking, "EUR"),
    ("dollar", AccountNature::Account, "USD"),
    ("card", AccountNature::CreditCard, "GBP"),
];

fn transaction(
    id: usize,
    account: usize,
    date: Date,
    amount: f64,
    description: &str,
) -> Transaction {
    Transaction {
        id: id.to_string(),
        made_on: date.to_string(),
        amount: (amount * 100.0).round() / 100.0,
        currency_code: ACCOUNTS[account].2.to_string(),
        description: description.to_string(),
        mode: None,
        status: None,
        category: None,
        account_id: Some(ACCOUNTS[account].0.to_string()),
        extra: Extra::default(),
        other: Default::default(),
    }
}

/// The statement: regular streams in every account, transfers to
/// savings, and card and bank lines from [`Generator`] up to `size`
/// transactions.
fn statement(engine: &Engine, size: usize) -> ReportInput {
    let from = Date::from_ymd(2022, 1, 1).unwrap();
    let to = Date::from_ymd(2024, 12, 31).unwrap();
    let days = (to - from + 1) as usize;
    let mut rng = SplitMix64::new(2024);
    let mut txs = Vec::with_capacity(size);
    let push =
        |txs: &mut Vec<Transaction>, account, date, amount, desc: &str| {
            let id = txs.len();
            txs.push(transaction(id, account, date, amount, desc));
        };
    let mut month = from;
    while month <= to {
        let day = |d: i32| month.add_days(d - 1);
        for account in [0, 2, 3] {
            push(&mut txs, account, day(25), 2450.0, "SALARY ACME LTD");
            push(&mut txs, account, day(1), -950.0, "STANDING ORDER RENT");
            push(&mut txs, account, day(9), -12.99, "NETFLIX.COM");
            push(&mut txs, account, day(12), -9.99, "SPOTIFY P0123");
            let bill = 60.0 * (0.8 + 0.4 * (rng.below(1000) as f64 / 1000.0));
            push(
                &mut txs,
                account,
                day(14),
                -bill,
                "DIRECT DEBIT BRITISH GAS",
            );
        }
        push(&mut txs, 0, day(26), -300.0, "TRANSFER TO SAVINGS");
        push(&mut txs, 1, day(26), 300.0, "TRANSFER FROM CURRENT ACCOUNT");
        push(&mut txs, 4, day(20), -45.0, "PUREGYM MEMBERSHIP");
        month = month.last_of_month().add_days(1);
    }
    let mut saturday = Date::from_ymd(2022, 1, 1).unwrap();
    while saturday <= to {
        push(&mut txs, 4, saturday, -80.0, "TESCO STORES 2345");
        saturday = saturday.add_days(7);
    }
    let mut synth = Generator::new(engine, 7);
    while txs.len() < size {
        let (description, amount, _) = synth.descriptor();
        let account = rng.below(ACCOUNTS.len());
        let date = from.add_days(rng.below(days) as i32);
        push(&mut txs, account, date, amount, &description);
    }
    ReportInput {
        report_id: None,
        customer_id: "bench".into(),
        currency_code: "GBP".into(),
        from_date: from,
        to_date: to,
        report_types: ReportType::ALL.to_vec(),
        exchange_rates: [("EUR".to_string(), 0.85), ("USD".to_string(), 0.79)]
            .into_iter()
            .collect(),
        categorization: None,
        accounts: ACCOUNTS
            .iter()
            .map(|&(id, nature, currency)| AccountInput {
                id: id.into(),
                name: Some(id.into()),
                nature: Some(nature),
                balance: 25_000.0,
                currency_code: Some(currency.into()),
                connection_id: None,
            })
            .collect(),
        transactions: txs,
    }
}

/// Sets each transaction's `category` and, for merchants of the
/// dictionary, `extra.merchant_id`, as Salt Edge transactions carry them.
fn categorize(engine: &Engine, mut input: ReportInput) -> ReportInput {
    let opts = EnrichOptions::default();
    for tx in &mut input.transactions {
        let e = engine.enrich(&tx.view(), &opts);
        tx.category = engine.category_code(&e).map(str::to_string);
        if let Some(MerchantRef::Known(idx)) = e.merchant {
            tx.extra.merchant_id =
                Some(engine.dictionary().merchant(idx).id().to_string());
        }
    }
    input
}

fn report(c: &mut Criterion) {
    let engine = Engine::builtin();
    let mut group = c.benchmark_group("report");
    group.sample_size(10);
    for size in SIZES {
        let raw = statement(&engine, size);
        let categorized = categorize(&engine, raw.clone());
        let text = serde_json::to_string(&categorized).unwrap();
        group.throughput(Throughput::Elements(size as u64));
        group.bench_function(format!("profile/precategorized/{size}"), |b| {
            b.iter(|| {
                insights::profile(&engine, black_box(&categorized)).unwrap()
            })
        });
        group.bench_function(
            format!("profile/with_categorization/{size}"),
            |b| {
                b.iter(|| insights::profile(&engine, black_box(&raw)).unwrap())
            },
        );
        group.bench_function(
            format!("report_json/precategorized/{size}"),
            |b| {
                b.iter(|| {
                    insights::report_json(&engine, black_box(&text)).unwrap()
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, report);
criterion_main!(benches);
