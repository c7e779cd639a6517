//! The Financial Insights report on hand-checkable statements.
//!
//! Every expected figure is worked out by hand in the comments next to it.
//! Calendar facts used below: 2024-01-01 is a Monday; 2024 is a leap year.

use serde_json::{Value, json};
use txenrich::insights::{self, ReportInput};
use txenrich::synth::SplitMix64;
use txenrich::{Engine, ErrorClass};

/// A transaction of `account`, in `currency`; `category` may be `None`
/// (then the engine categorizes it).
fn tx(
    id: &str,
    account: &str,
    date: &str,
    amount: f64,
    currency: &str,
    description: &str,
    category: Option<&str>,
) -> Value {
    let mut t = json!({
        "id": id, "account_id": account, "made_on": date, "amount": amount,
        "currency_code": currency, "description": description,
    });
    if let Some(c) = category {
        t["category"] = json!(c);
    }
    t
}

fn request(
    currency: &str,
    from: &str,
    to: &str,
    accounts: Value,
    transactions: Vec<Value>,
) -> Value {
    json!({
        "customer_id": "customer-1",
        "currency_code": currency,
        "from_date": from,
        "to_date": to,
        "report_types": ["balance", "income", "expense", "savings"],
        "accounts": accounts,
        "transactions": transactions,
    })
}

/// Runs a request; returns `data`.
fn run(req: &Value) -> Value {
    let text = req.to_string();
    let report = insights::report_json(&Engine::builtin(), &text)
        .unwrap_or_else(|e| panic!("{e}"));
    no_non_finite(&serde_json::to_string(&report).unwrap());
    report["data"].clone()
}

fn error(req: &Value) -> txenrich::Error {
    insights::report_json(&Engine::builtin(), &req.to_string()).unwrap_err()
}

/// Asserts a JSON number, to the cent.
#[track_caller]
fn eq(v: &Value, expected: f64) {
    let got = v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"));
    assert!((got - expected).abs() < 0.005, "got {got}, expected {expected}");
}

/// Asserts the report text holds only finite numbers: it parses back as
/// JSON (which has no NaN or infinity) and every number is finite.
#[track_caller]
fn no_non_finite(text: &str) {
    fn walk(v: &Value) {
        match v {
            Value::Number(n) => {
                assert!(n.as_f64().is_some_and(f64::is_finite), "{n}")
            }
            Value::Array(a) => a.iter().for_each(walk),
            Value::Object(o) => o.values().for_each(walk),
            _ => {}
        }
    }
    let v: Value = serde_json::from_str(text).expect("the report parses");
    walk(&v);
}

fn months(v: &Value) -> Vec<(i64, i64, bool, f64)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["year"].as_i64().unwrap(),
                m["month"].as_i64().unwrap(),
                m["is_whole_month"].as_bool().unwrap(),
                m["amount"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn one_account(currency: &str, balance: f64) -> Value {
    json!([{"id": "a1", "name": "Current", "nature": "checking",
            "balance": balance, "currency_code": currency}])
}

#[test]
fn salaried() {
    // Paid 2500 on the 25th, on the Friday before when the 25th is a
    // weekend: Jan 25 (Thu), Feb 23 (25th is a Sunday), Mar 25 (Mon),
    // Apr 25 (Thu), May 24 (25th is a Saturday), Jun 25 (Tue).
    // No categories given: the engine categorizes.
    let mut t = Vec::new();
    for (i, d) in ["01-25", "02-23", "03-25", "04-25", "05-24", "06-25"]
        .iter()
        .enumerate()
    {
        let date = format!("2024-{d}");
        t.push(tx(
            &format!("s{i}"),
            "a1",
            &date,
            2500.0,
            "GBP",
            "SALARY ACME LTD",
            None,
        ));
    }
    for m in 1..=6 {
        let first = format!("2024-{m:02}-01");
        let ninth = format!("2024-{m:02}-09");
        t.push(tx(
            &format!("r{m}"),
            "a1",
            &first,
            -900.0,
            "GBP",
            "STANDING ORDER RENT J SMITH",
            None,
        ));
        t.push(tx(
            &format!("n{m}"),
            "a1",
            &ninth,
            -12.99,
            "GBP",
            "NETFLIX.COM",
            None,
        ));
    }
    // Groceries at no cadence: 45.20 + 88.10 + 23.75 + 61.40 + 102.35
    // + 37.80 = 358.60.
    for (i, (d, a)) in [
        ("01-06", 45.20),
        ("01-20", 88.10),
        ("02-14", 23.75),
        ("03-02", 61.40),
        ("04-27", 102.35),
        ("06-08", 37.80),
    ]
    .iter()
    .enumerate()
    {
        let date = format!("2024-{d}");
        t.push(tx(
            &format!("g{i}"),
            "a1",
            &date,
            -a,
            "GBP",
            "TESCO STORES 2345",
            None,
        ));
    }
    let data = run(&request(
        "GBP",
        "2024-01-01",
        "2024-06-30",
        one_account("GBP", 10_000.0),
        t,
    ));
    let s = &data["result"]["accounts_summary"];
    let a = &data["result"]["accounts"][0];
    assert_eq!(data["status"], "success");
    assert_eq!(a["id"], "a1");
    // Jan 31 + Feb 29 + Mar 31 + Apr 30 + May 31 + Jun 30 = 182 days.
    assert_eq!(s["days_count"], 182);
    assert_eq!(s["whole_months_count"], 6);
    assert_eq!(s["start_date"], "2024-01-01");
    assert_eq!(s["end_date"], "2024-06-30");
    assert_eq!(s["transactions_count"], 24);

    let income = &s["income"];
    eq(&income["total"], 15_000.0);
    assert_eq!(income["transactions_count"], 6);
    assert_eq!(income["start_date"], "2024-01-25");
    assert_eq!(income["end_date"], "2024-06-25");
    assert!(
        months(&income["total_per_month"])
            .iter()
            .all(|m| m.2 && m.3 == 2500.0)
    );
    eq(&income["average"]["monthly"], 2500.0);
    eq(&income["average"]["quarterly"], 7500.0);
    eq(&income["average"]["annual"], 30_000.0);
    // Six months: no last twelve whole months.
    assert!(income["last_year_amount"].is_null());
    // One stream of 2500 a month, nothing irregular.
    eq(&income["forecasted_average"]["next_month"], 2500.0);
    eq(&income["forecasted_average"]["next_year"], 30_000.0);
    let streams = &income["streams"];
    assert_eq!(
        streams["count"],
        json!({"regular": 1, "irregular": 1, "maximum_overlapping": 1})
    );
    let salary = &streams["regular"][0];
    assert_eq!(salary["frequency"], "monthly");
    assert_eq!(salary["transactions_count"], 6);
    assert_eq!(salary["category_code"], "paycheck");
    assert_eq!(salary["description"], "SALARY ACME LTD");
    assert!(salary["merchant"].is_null());
    assert_eq!(
        salary["transaction_ids"],
        json!(["s0", "s1", "s2", "s3", "s4", "s5"])
    );
    assert_eq!(
        salary["amount"],
        json!({"total": 15000.0, "average": 2500.0, "median": 2500.0, "stdev": 0.0})
    );
    // Jan 25 to Jun 25 is 152 days, over 5 intervals: 30.4.
    eq(&salary["days_count"], 30.4);
    eq(&streams["irregular_amount"], 0.0);

    // Expenses per month: rent 900 + Netflix 12.99 + groceries:
    // Jan 912.99 + 45.20 + 88.10 = 1046.29, Feb + 23.75 = 936.74,
    // Mar + 61.40 = 974.39, Apr + 102.35 = 1015.34, May 912.99,
    // Jun + 37.80 = 950.79; total 5400 + 77.94 + 358.60 = 5836.54.
    let expense = &s["expense"];
    eq(&expense["total"], 5836.54);
    let per_month: Vec<f64> =
        months(&expense["total_per_month"]).iter().map(|m| m.3).collect();
    assert_eq!(per_month, [1046.29, 936.74, 974.39, 1015.34, 912.99, 950.79]);
    // 5836.54 / 6 = 972.7567.
    eq(&expense["average"]["monthly"], 972.76);
    let streams = &expense["streams"];
    assert_eq!(
        streams["count"],
        json!({"regular": 2, "irregular": 1, "maximum_overlapping": 2})
    );
    // Largest first: rent, then Netflix.
    assert_eq!(streams["regular"][0]["category_code"], "rent");
    eq(&streams["regular"][0]["amount"]["total"], 5400.0);
    assert_eq!(streams["regular"][1]["frequency"], "monthly");
    assert_eq!(streams["regular"][1]["merchant"]["name"], "Netflix");
    eq(&streams["regular_amount"], 5477.94);
    eq(&streams["irregular_amount"], 358.60);
    assert_eq!(streams["irregular"]["transactions_count"], 6);
    assert_eq!(streams["irregular"]["start_date"], "2024-01-06");
    assert_eq!(streams["irregular"]["end_date"], "2024-06-08");
    // Rent 900 + Netflix 12.99 + the irregular average 358.60 / 6 =
    // 59.7667: 972.7567.
    eq(&expense["forecasted_average"]["next_month"], 972.76);

    // Balances: 10000 at the end, 15000 - 5836.54 = 9163.46 earned over
    // the period, so 836.54 at the start. The lowest end of day: Jan 1
    // 836.54 - 900 = -63.46, Jan 6 -108.66, Jan 9 -121.65, Jan 20
    // -209.75, then the salary. The highest: 10000 from Jun 25.
    let b = &s["balance"];
    eq(&b["start_date_amount"], 836.54);
    eq(&b["end_date_amount"], 10_000.0);
    eq(&b["minimum"], -209.75);
    eq(&b["maximum"], 10_000.0);
    assert_eq!(b["average"]["minimum_monthly"]["start_date"], "2024-01-01");
    assert_eq!(b["average"]["maximum_monthly"]["end_date"], "2024-06-30");

    // Savings: 2500 minus each month's expenses.
    let sv = &s["savings"];
    let per_month: Vec<f64> =
        months(&sv["per_month"]).iter().map(|m| m.3).collect();
    assert_eq!(
        per_month,
        [1453.71, 1563.26, 1525.61, 1484.66, 1587.01, 1549.21]
    );
    // 2500 - 972.7567 = 1527.2433.
    eq(&sv["average"]["monthly"], 1527.24);
    // Income exceeds expenses: no runway.
    assert!(sv["runway"].is_null());
    // 10000 over the regular expenses, 900 + 12.99: 10.95 months.
    eq(&sv["stress_runway"], 10.95);
    // 972.7567 / 1527.2433 = 0.6369.
    eq(&sv["expense_to_savings_rate"], 0.64);
    // One steady source, always on time.
    assert_eq!(sv["income_stability"], 1.0);
    assert_eq!(sv["income_regularity"], 1.0);
    // 2500 / 972.7567 = 2.5700.
    eq(&sv["income_to_expense_rate"], 2.57);

    // One account: the account is the summary.
    for k in ["balance", "income", "expense", "savings", "days_count"] {
        assert_eq!(a[k], s[k], "{k}");
    }
}

#[test]
fn weekly_wages() {
    // 450 every Friday from Jan 5 to Mar 22 (12), and Thursday Mar 28:
    // Friday Mar 29 2024 is Good Friday. Jan 4, Feb 4, Mar 5 payments.
    let fridays = [
        "01-05", "01-12", "01-19", "01-26", "02-02", "02-09", "02-16",
        "02-23", "03-01", "03-08", "03-15", "03-22", "03-28",
    ];
    let t = fridays
        .iter()
        .enumerate()
        .map(|(i, d)| {
            tx(
                &format!("w{i}"),
                "a1",
                &format!("2024-{d}"),
                450.0,
                "GBP",
                "WEEKLY WAGES BOBS BUILDERS",
                Some("paycheck"),
            )
        })
        .collect();
    let data = run(&request(
        "GBP",
        "2024-01-01",
        "2024-03-31",
        one_account("GBP", 6000.0),
        t,
    ));
    let s = &data["result"]["accounts_summary"];
    // 31 + 29 + 31 days.
    assert_eq!(s["days_count"], 91);
    let income = &s["income"];
    // 13 x 450.
    eq(&income["total"], 5850.0);
    let per_month: Vec<f64> =
        months(&income["total_per_month"]).iter().map(|m| m.3).collect();
    assert_eq!(per_month, [1800.0, 1800.0, 2250.0]);
    // 5850 / 3.
    eq(&income["average"]["monthly"], 1950.0);
    let w = &income["streams"]["regular"][0];
    assert_eq!(w["frequency"], "weekly");
    assert_eq!(w["transactions_count"], 13);
    // Jan 5 to Mar 28 is 26 + 29 + 28 = 83 days, over 12 intervals.
    eq(&w["days_count"], 6.92);
    // A week's pay times 30.4375 / 7 weeks a month: 1956.696.
    eq(&income["forecasted_average"]["next_month"], 1956.70);
    // 6000 at the end, 5850 received: 150 at the start.
    eq(&s["balance"]["start_date_amount"], 150.0);
    let sv = &s["savings"];
    assert_eq!(sv["income_regularity"], 1.0);
    assert_eq!(sv["income_stability"], 1.0);
    // No expenses: none of the expense-based figures can be computed.
    for k in [
        "runway",
        "stress_runway",
        "expense_to_savings_rate",
        "income_to_expense_rate",
    ] {
        assert!(sv[k].is_null(), "{k}");
    }
    assert_eq!(s["expense"]["transactions_count"], 0);
    assert!(s["expense"]["start_date"].is_null());
}

#[test]
fn freelancer_with_irregular_income() {
    let t = vec![
        tx(
            "i1",
            "a1",
            "2024-01-07",
            1200.0,
            "EUR",
            "INVOICE 2024-001 CLIENT ALPHA GMBH",
            Some("income"),
        ),
        tx(
            "i2",
            "a1",
            "2024-02-20",
            800.0,
            "EUR",
            "PAYMENT BETA SARL",
            Some("income"),
        ),
        tx(
            "i3",
            "a1",
            "2024-03-03",
            1500.0,
            "EUR",
            "INVOICE 7 GAMMA BV",
            Some("income"),
        ),
        tx(
            "i4",
            "a1",
            "2024-03-28",
            400.0,
            "EUR",
            "INVOICE 2024-009 CLIENT ALPHA GMBH",
            Some("income"),
        ),
        tx(
            "r1",
            "a1",
            "2024-01-01",
            -700.0,
            "EUR",
            "STANDING ORDER RENT",
            Some("rent"),
        ),
        tx(
            "r2",
            "a1",
            "2024-02-01",
            -700.0,
            "EUR",
            "STANDING ORDER RENT",
            Some("rent"),
        ),
        tx(
            "r3",
            "a1",
            "2024-03-01",
            -700.0,
            "EUR",
            "STANDING ORDER RENT",
            Some("rent"),
        ),
        tx(
            "r4",
            "a1",
            "2024-04-01",
            -700.0,
            "EUR",
            "STANDING ORDER RENT",
            Some("rent"),
        ),
    ];
    let data = run(&request(
        "EUR",
        "2024-01-01",
        "2024-04-30",
        one_account("EUR", 5000.0),
        t,
    ));
    let s = &data["result"]["accounts_summary"];
    let income = &s["income"];
    // 1200 + 800 + 1500 + 400; by month 1200, 800, 1900, 0.
    eq(&income["total"], 3900.0);
    let per_month: Vec<f64> =
        months(&income["total_per_month"]).iter().map(|m| m.3).collect();
    assert_eq!(per_month, [1200.0, 800.0, 1900.0, 0.0]);
    // Client Alpha paid twice, 81 days apart: no stream. All irregular.
    assert_eq!(income["streams"]["count"]["regular"], 0);
    assert_eq!(income["streams"]["irregular"]["transactions_count"], 4);
    eq(&income["streams"]["irregular_amount"], 3900.0);
    // 3900 / 4 whole months; the forecast is the irregular average.
    eq(&income["average"]["monthly"], 975.0);
    eq(&income["forecasted_average"]["next_month"], 975.0);
    // Rent: monthly, 4 x 700.
    let rent = &s["expense"]["streams"]["regular"][0];
    assert_eq!(rent["frequency"], "monthly");
    eq(&rent["amount"]["total"], 2800.0);
    let sv = &s["savings"];
    // The only source is irregular: regularity 0. Its stability is
    // 1 - sd/mean of the monthly totals 1200, 800, 1900, 0: mean 975,
    // squared deviations 50625 + 30625 + 855625 + 950625 = 1887500,
    // variance 471875, sd 686.93, 686.93 / 975 = 0.70455 -> 0.29545.
    assert_eq!(sv["income_regularity"], 0.0);
    let stability = sv["income_stability"].as_f64().unwrap();
    assert!((stability - 0.29545).abs() < 1e-4, "{stability}");
    // Savings 975 - 700 = 275 a month.
    eq(&sv["average"]["monthly"], 275.0);
    // 975 / 700 = 1.392857.
    eq(&sv["income_to_expense_rate"], 1.3929);
    // 700 / 275 = 2.545.
    eq(&sv["expense_to_savings_rate"], 2.55);
    // 5000 / 700 = 7.142857.
    eq(&sv["stress_runway"], 7.14);
    assert!(sv["runway"].is_null());
}

#[test]
fn two_currencies() {
    let accounts = json!([
        {"id": "eur", "name": "Girokonto", "nature": "checking", "balance": 1000.0, "currency_code": "EUR"},
        {"id": "usd", "name": "Dollar", "nature": "account", "balance": 500.0, "currency_code": "USD"},
    ]);
    let t = vec![
        tx(
            "e1",
            "eur",
            "2024-01-25",
            2000.0,
            "EUR",
            "GEHALT",
            Some("paycheck"),
        ),
        tx(
            "e2",
            "eur",
            "2024-01-10",
            -300.0,
            "EUR",
            "SUPERMARKT",
            Some("groceries"),
        ),
        // A card payment in pounds on the euro account: 20 x 1.15 = 23.
        tx(
            "e3",
            "eur",
            "2024-01-12",
            -20.0,
            "GBP",
            "LONDON CAFE",
            Some("cafes_and_restaurants"),
        ),
        // 100 x 0.9 = 90 and 50 x 0.9 = 45.
        tx(
            "u1",
            "usd",
            "2024-01-15",
            100.0,
            "USD",
            "DIVIDEND",
            Some("investment_income"),
        ),
        tx(
            "u2",
            "usd",
            "2024-01-20",
            -50.0,
            "USD",
            "SOFTWARE",
            Some("electronics_and_software"),
        ),
    ];
    let mut req = request("EUR", "2024-01-01", "2024-01-31", accounts, t);
    req["exchange_rates"] = json!({"USD": 0.9, "GBP": 1.15});
    let data = run(&req);
    assert_eq!(data["exchange_rates"], json!({"GBP": 1.15, "USD": 0.9}));
    assert_eq!(data["currency_code"], "EUR");
    let s = &data["result"]["accounts_summary"];
    // 2000 + 90; 300 + 23 + 45.
    eq(&s["income"]["total"], 2090.0);
    eq(&s["expense"]["total"], 368.0);
    // 1000 + 500 x 0.9 at the end; 1450 - (2090 - 368) = -272 at the start.
    eq(&s["balance"]["end_date_amount"], 1450.0);
    eq(&s["balance"]["start_date_amount"], -272.0);
    let usd = &data["result"]["accounts"][1];
    eq(&usd["income"]["total"], 90.0);
    eq(&usd["expense"]["total"], 45.0);
    // 450 - 90 + 45.
    eq(&usd["balance"]["start_date_amount"], 405.0);
    let conn = &data["connections"][0]["accounts"][1];
    eq(&conn["balance"], 450.0);
    eq(&conn["original_balance"], 500.0);
    assert_eq!(conn["original_currency_code"], "USD");
    assert_eq!(
        conn["transactions"],
        json!({"start_date": "2024-01-15", "end_date": "2024-01-20", "first_id": "u1", "last_id": "u2", "count": 2})
    );

    // Without the pound's rate: an error naming the currency.
    req["exchange_rates"] = json!({"USD": 0.9});
    let e = error(&req);
    assert_eq!(e.class(), ErrorClass::WrongRequestFormat);
    assert!(e.message().contains("\"GBP\""), "{}", e.message());
}

#[test]
fn overspender() {
    // Paid 1000 on the 28th (Jan 28 is a Sunday: Friday Jan 26), rent
    // 1500 on the 2nd.
    let t = vec![
        tx(
            "s1",
            "a1",
            "2024-01-26",
            1000.0,
            "GBP",
            "SALARY",
            Some("paycheck"),
        ),
        tx(
            "s2",
            "a1",
            "2024-02-28",
            1000.0,
            "GBP",
            "SALARY",
            Some("paycheck"),
        ),
        tx(
            "s3",
            "a1",
            "2024-03-28",
            1000.0,
            "GBP",
            "SALARY",
            Some("paycheck"),
        ),
        tx("r1", "a1", "2024-01-02", -1500.0, "GBP", "RENT", Some("rent")),
        tx("r2", "a1", "2024-02-02", -1500.0, "GBP", "RENT", Some("rent")),
        tx("r3", "a1", "2024-03-02", -1500.0, "GBP", "RENT", Some("rent")),
    ];
    let data = run(&request(
        "GBP",
        "2024-01-01",
        "2024-03-31",
        one_account("GBP", 3000.0),
        t,
    ));
    let s = &data["result"]["accounts_summary"];
    let sv = &s["savings"];
    let per_month: Vec<f64> =
        months(&sv["per_month"]).iter().map(|m| m.3).collect();
    assert_eq!(per_month, [-500.0, -500.0, -500.0]);
    eq(&sv["average"]["monthly"], -500.0);
    eq(&sv["forecasted_average"]["next_month"], -500.0);
    // 3000 / (1500 - 1000).
    eq(&sv["runway"], 6.0);
    // 3000 / 1500 of regular expenses.
    eq(&sv["stress_runway"], 2.0);
    // 1500 / |-500|.
    eq(&sv["expense_to_savings_rate"], 3.0);
    // 1000 / 1500.
    eq(&sv["income_to_expense_rate"], 0.6667);
    let b = &s["balance"];
    // 3000 + 3 x 500 at the start.
    eq(&b["start_date_amount"], 4500.0);
    // Losing 500 a month, 500 / 30.4375 = 16.4271 a day, from 3000: the
    // next 30 days average 3000 - 16.4271 x 31 / 2 = 2745.38; the next
    // 91, 3000 - 16.4271 x 46 = 2244.35; the next 365,
    // 3000 - 16.4271 x 183 = -6.16.
    eq(&b["forecasted_average"]["next_month"], 2745.38);
    eq(&b["forecasted_average"]["next_quarter"], 2244.35);
    eq(&b["forecasted_average"]["next_year"], -6.16);
}

#[test]
fn short_history_inside_a_long_window() {
    let accounts = json!([
        {"id": "new", "name": "New", "nature": "checking", "balance": 5000.0, "currency_code": "GBP"},
        {"id": "old", "name": "Old", "nature": "savings", "balance": 100.0, "currency_code": "GBP"},
    ]);
    let mut t = Vec::new();
    for m in 10..=12 {
        t.push(tx(
            &format!("s{m}"),
            "new",
            &format!("2024-{m}-05"),
            2000.0,
            "GBP",
            "SALARY",
            Some("paycheck"),
        ));
        t.push(tx(
            &format!("r{m}"),
            "new",
            &format!("2024-{m}-10"),
            -500.0,
            "GBP",
            "RENT",
            Some("rent"),
        ));
    }
    let data = run(&request("GBP", "2024-01-01", "2024-12-31", accounts, t));
    let new = &data["result"]["accounts"][0];
    // The history starts in October: the account's period is Oct 1 to
    // Dec 31, 31 + 30 + 31 = 92 days, three whole months.
    assert_eq!(new["start_date"], "2024-10-01");
    assert_eq!(new["days_count"], 92);
    assert_eq!(new["whole_months_count"], 3);
    assert_eq!(months(&new["income"]["total_per_month"]).len(), 3);
    // 6000 over 3 months, not over 12.
    eq(&new["income"]["average"]["monthly"], 2000.0);
    assert!(new["income"]["last_year_amount"].is_null());
    assert_eq!(new["income"]["streams"]["regular"][0]["frequency"], "monthly");
    // 5000 - (6000 - 1500).
    eq(&new["balance"]["start_date_amount"], 500.0);
    let old = &data["result"]["accounts"][1];
    assert_eq!(old["start_date"], "2024-01-01");
    // The summary covers the whole window (the old account's balance is
    // known all year): 12 whole months, 366 days.
    let s = &data["result"]["accounts_summary"];
    assert_eq!(s["start_date"], "2024-01-01");
    assert_eq!(s["days_count"], 366);
    assert_eq!(s["whole_months_count"], 12);
    eq(&s["income"]["last_year_amount"], 6000.0);
    eq(&s["income"]["average"]["monthly"], 500.0);
    // 500 + 100 at the start, 5100 at the end; the lowest end of day is
    // 600 (January to October 4).
    eq(&s["balance"]["start_date_amount"], 600.0);
    eq(&s["balance"]["end_date_amount"], 5100.0);
    eq(&s["balance"]["minimum"], 600.0);
}

#[test]
fn annual_and_quarterly_payments() {
    let mut t = vec![
        tx(
            "a21",
            "a1",
            "2021-03-10",
            -420.0,
            "GBP",
            "AVIVA HOME INSURANCE",
            Some("property_insurance"),
        ),
        tx(
            "a22",
            "a1",
            "2022-03-10",
            -432.0,
            "GBP",
            "AVIVA HOME INSURANCE",
            Some("property_insurance"),
        ),
        tx(
            "a23",
            "a1",
            "2023-03-10",
            -445.0,
            "GBP",
            "AVIVA HOME INSURANCE",
            Some("property_insurance"),
        ),
    ];
    for y in 2021..=2023 {
        for m in [1, 4, 7, 10] {
            t.push(tx(
                &format!("w{y}{m}"),
                "a1",
                &format!("{y}-{m:02}-15"),
                -90.0,
                "GBP",
                "ANGLIAN WATER",
                Some("utilities"),
            ));
        }
    }
    let data = run(&request(
        "GBP",
        "2021-01-01",
        "2023-12-31",
        one_account("GBP", 10_000.0),
        t,
    ));
    let s = &data["result"]["accounts_summary"];
    // Three years of 365 days.
    assert_eq!(s["days_count"], 1095);
    assert_eq!(s["whole_months_count"], 36);
    let e = &s["expense"];
    // 420 + 432 + 445 = 1297, and 12 x 90 = 1080.
    eq(&e["total"], 2377.0);
    // 2023: 445 + 4 x 90.
    eq(&e["last_year_amount"], 805.0);
    // 2377 / 36 = 66.0278.
    eq(&e["average"]["monthly"], 66.03);
    let streams = &e["streams"];
    assert_eq!(
        streams["count"],
        json!({"regular": 2, "irregular": 1, "maximum_overlapping": 2})
    );
    let insurance = &streams["regular"][0];
    assert_eq!(insurance["frequency"], "annual");
    // Mean 432.333; deviations -12.333, -0.333, 12.667; squares 152.11 +
    // 0.11 + 160.44 = 312.67; / 3 = 104.22; sd 10.21.
    assert_eq!(
        insurance["amount"],
        json!({"total": 1297.0, "average": 432.33, "median": 432.0, "stdev": 10.21})
    );
    // 730 days over 2 intervals.
    eq(&insurance["days_count"], 365.0);
    let water = &streams["regular"][1];
    assert_eq!(water["frequency"], "quarterly");
    assert_eq!(water["transactions_count"], 12);
    // 2021-01-15 to 2023-10-15: 730 + 273 = 1003 days over 11 intervals.
    eq(&water["days_count"], 91.18);
    // Forecast: the annual stream at the median of its last three
    // payments, 432 / 12 = 36 a month, and the water 90 / 3 = 30.
    eq(&e["forecasted_average"]["next_month"], 66.0);
    eq(&e["forecasted_average"]["next_year"], 792.0);
}

#[test]
fn empty_account() {
    let data = run(&request(
        "GBP",
        "2024-02-01",
        "2024-02-29",
        one_account("GBP", 250.0),
        vec![],
    ));
    let s = &data["result"]["accounts_summary"];
    assert_eq!(s["days_count"], 29);
    assert_eq!(s["whole_months_count"], 1);
    assert_eq!(s["transactions_count"], 0);
    let b = &s["balance"];
    for k in ["start_date_amount", "end_date_amount", "minimum", "maximum"] {
        eq(&b[k], 250.0);
    }
    for k in [
        "daily",
        "monthly",
        "quarterly",
        "annual",
        "minimum_monthly",
        "maximum_monthly",
    ] {
        assert_eq!(
            b["average"][k],
            json!({"amount": 250.0, "start_date": "2024-02-01", "end_date": "2024-02-29"}),
            "{k}"
        );
    }
    eq(&b["forecasted_average"]["next_year"], 250.0);
    let income = &s["income"];
    assert_eq!(
        income["total_per_month"],
        json!([{"year": 2024, "month": 2, "is_whole_month": true, "amount": 0.0}])
    );
    assert!(income["start_date"].is_null());
    assert_eq!(
        income["streams"],
        json!({"regular_amount": 0.0, "irregular_amount": 0.0,
               "count": {"regular": 0, "irregular": 1, "maximum_overlapping": 0},
               "regular": [],
               "irregular": {"transactions_count": 0, "transaction_ids": [], "start_date": null, "end_date": null}})
    );
    let sv = &s["savings"];
    for k in [
        "runway",
        "stress_runway",
        "expense_to_savings_rate",
        "income_stability",
        "income_regularity",
        "income_to_expense_rate",
    ] {
        assert!(sv[k].is_null(), "{k}");
    }
    eq(&sv["average"]["monthly"], 0.0);
    assert_eq!(
        s["monthly_average_transactions_count"],
        json!({"total": 0.0, "income": 0.0, "expense": 0.0})
    );
}

#[test]
fn single_transaction() {
    let t = vec![tx(
        "p1",
        "a1",
        "2024-03-16",
        -31.0,
        "GBP",
        "BOOTS PHARMACY",
        Some("pharmacy"),
    )];
    let data = run(&request(
        "GBP",
        "2024-03-01",
        "2024-03-31",
        one_account("GBP", 100.0),
        t,
    ));
    let s = &data["result"]["accounts_summary"];
    let b = &s["balance"];
    // 131 from Mar 1 to 15, 100 from Mar 16 to 31.
    eq(&b["start_date_amount"], 131.0);
    eq(&b["minimum"], 100.0);
    eq(&b["maximum"], 131.0);
    // (15 x 131 + 16 x 100) / 31 = 3565 / 31 = 115.
    eq(&b["average"]["daily"]["amount"], 115.0);
    eq(&b["average"]["monthly"]["amount"], 115.0);
    assert_eq!(b["average"]["minimum_monthly"]["start_date"], "2024-03-01");
    // Spending 31 a month: 100 - 31 / 30.4375 x 31 / 2 = 84.21.
    eq(&b["forecasted_average"]["next_month"], 84.21);
    let e = &s["expense"];
    eq(&e["total"], 31.0);
    assert_eq!(e["streams"]["count"]["regular"], 0);
    assert_eq!(e["streams"]["irregular"]["transaction_ids"], json!(["p1"]));
    assert_eq!(e["start_date"], "2024-03-16");
    let sv = &s["savings"];
    // 100 / (31 - 0) = 3.2258, with no regular expenses the same.
    eq(&sv["runway"], 3.23);
    eq(&sv["stress_runway"], 3.23);
    // 31 / |0 - 31|.
    eq(&sv["expense_to_savings_rate"], 1.0);
    eq(&sv["income_to_expense_rate"], 0.0);
    assert!(sv["income_stability"].is_null());
    assert_eq!(
        s["monthly_average_transactions_count"],
        json!({"total": 1.0, "income": 0.0, "expense": 1.0})
    );
}

#[test]
fn transfers_between_own_accounts_are_neither_income_nor_expense() {
    let accounts = json!([
        {"id": "cur", "name": "Current", "nature": "checking", "balance": 2000.0, "currency_code": "GBP"},
        {"id": "sav", "name": "Savings", "nature": "savings", "balance": 1500.0, "currency_code": "GBP"},
        {"id": "cc", "name": "Card", "nature": "credit_card", "balance": -40.0, "currency_code": "GBP"},
    ]);
    let t = vec![
        tx(
            "s1",
            "cur",
            "2024-01-25",
            2000.0,
            "GBP",
            "SALARY",
            Some("paycheck"),
        ),
        tx(
            "o1",
            "cur",
            "2024-01-26",
            -500.0,
            "GBP",
            "TRANSFER TO SAVINGS",
            None,
        ),
        tx(
            "i1",
            "sav",
            "2024-01-26",
            500.0,
            "GBP",
            "FROM CURRENT ACCOUNT",
            None,
        ),
        // A card repayment (categorized) a day after the debit.
        tx(
            "o2",
            "cur",
            "2024-01-27",
            -120.0,
            "GBP",
            "CREDIT CARD PAYMENT",
            Some("transfer"),
        ),
        tx(
            "i2",
            "cc",
            "2024-01-28",
            120.0,
            "GBP",
            "PAYMENT RECEIVED THANK YOU",
            Some("loans"),
        ),
        tx(
            "c1",
            "cc",
            "2024-01-10",
            -160.0,
            "GBP",
            "AMAZON",
            Some("shopping"),
        ),
        // Same amount as the transfer but rent: not a transfer.
        tx("r1", "cur", "2024-01-26", -500.0, "GBP", "RENT", Some("rent")),
    ];
    let data = run(&request("GBP", "2024-01-01", "2024-01-31", accounts, t));
    let s = &data["result"]["accounts_summary"];
    // Income: the salary only; expenses: rent 500 + card purchase 160.
    eq(&s["income"]["total"], 2000.0);
    eq(&s["expense"]["total"], 660.0);
    let cur = &data["result"]["accounts"][0];
    eq(&cur["expense"]["total"], 500.0);
    let sav = &data["result"]["accounts"][1];
    eq(&sav["income"]["total"], 0.0);
    // Transfers move balances: savings went from 1000 to 1500.
    eq(&sav["balance"]["start_date_amount"], 1000.0);
    // But count as transactions.
    eq(&sav["monthly_average_transactions_count"]["total"], 1.0);
    let cc = &data["result"]["accounts"][2];
    eq(&cc["income"]["total"], 0.0);
    eq(&cc["expense"]["total"], 160.0);
}

#[test]
fn report_types_select_sections_and_echo() {
    let mut req = request(
        "GBP",
        "2024-01-01",
        "2024-01-31",
        one_account("GBP", 1.0),
        vec![],
    );
    req["report_types"] = json!(["savings", "balance"]);
    req["report_id"] = json!("r-9");
    let data = run(&req);
    assert_eq!(data["report_types"], json!(["balance", "savings"]));
    assert_eq!(data["report_id"], "r-9");
    assert_eq!(data["customer_id"], "customer-1");
    let s = &data["result"]["accounts_summary"];
    assert!(s.get("balance").is_some() && s.get("savings").is_some());
    assert!(s.get("income").is_none() && s.get("expense").is_none());
    // Wrapped in {"data": …} as Salt Edge's POST /reports body: the same.
    let wrapped = json!({"data": req});
    assert_eq!(run(&wrapped), data);
}

#[test]
fn typed_and_json_requests_agree() {
    let t = vec![
        tx("1", "a1", "2024-01-05", 100.0, "GBP", "SALE", Some("income")),
        tx("2", "a1", "2024-01-09", -40.0, "GBP", "SHOP", Some("shopping")),
    ];
    let req = request(
        "GBP",
        "2024-01-01",
        "2024-01-31",
        one_account("GBP", 60.0),
        t,
    );
    let input: ReportInput = serde_json::from_value(req.clone()).unwrap();
    let typed =
        insights::profile(&Engine::builtin(), &input).unwrap().to_json();
    assert_eq!(typed["data"], run(&req));
}

/// Draws from `lo..hi`.
fn range(rng: &mut SplitMix64, lo: i64, hi: i64) -> i64 {
    lo + rng.below((hi - lo) as usize) as i64
}

#[test]
fn summary_is_the_accounts_combined() {
    const DESCRIPTIONS: [&str; 6] = [
        "SALARY ACME",
        "TESCO",
        "RENT",
        "NETFLIX.COM",
        "TRANSFER",
        "CAFE NERO",
    ];
    for seed in 0..12 {
        let mut rng = SplitMix64::new(seed);
        let n_accounts = range(&mut rng, 1, 5) as usize;
        let currencies = ["GBP", "USD", "EUR"];
        let accounts: Vec<Value> = (0..n_accounts)
            .map(|i| {
                json!({"id": format!("acc{i}"), "name": format!("Account {i}"), "nature": "checking",
                       "balance": range(&mut rng, -50_000, 500_000) as f64 / 100.0,
                       "currency_code": currencies[i % 3]})
            })
            .collect();
        let mut t = Vec::new();
        let n = range(&mut rng, 0, 300);
        for k in 0..n {
            let acc = range(&mut rng, 0, n_accounts as i64) as usize;
            // Accounts start at different times of the year.
            let day = range(&mut rng, 30 * acc as i64, 366);
            let date = chrono_like(2024, day);
            let amount = range(&mut rng, -40_000, 30_000) as f64 / 100.0;
            let desc = DESCRIPTIONS[range(&mut rng, 0, 6) as usize];
            let category = if range(&mut rng, 0, 2) == 0 {
                Some("uncategorized")
            } else {
                None
            };
            t.push(tx(
                &format!("t{k}"),
                &format!("acc{acc}"),
                &date,
                amount,
                currencies[acc % 3],
                desc,
                category,
            ));
            // Sometimes a transfer to another account, same currency.
            if n_accounts > 1 && range(&mut rng, 0, 8) == 0 {
                let to = (acc + 3) % n_accounts;
                if to != acc && to % 3 == acc % 3 {
                    t.push(tx(
                        &format!("x{k}a"),
                        &format!("acc{acc}"),
                        &date,
                        -123.45,
                        currencies[acc % 3],
                        "TRANSFER",
                        None,
                    ));
                    t.push(tx(
                        &format!("x{k}b"),
                        &format!("acc{to}"),
                        &date,
                        123.45,
                        currencies[to % 3],
                        "TRANSFER",
                        None,
                    ));
                }
            }
        }
        let mut req = request(
            "GBP",
            "2024-01-01",
            "2024-12-31",
            Value::Array(accounts),
            t.clone(),
        );
        req["exchange_rates"] = json!({"USD": 0.8, "EUR": 0.85});
        let data = run(&req);
        let s = &data["result"]["accounts_summary"];
        let accs = data["result"]["accounts"].as_array().unwrap();
        let sum = |f: &dyn Fn(&Value) -> f64| accs.iter().map(f).sum::<f64>();
        let close = |a: f64, b: f64, what: &str| {
            // Each figure is rounded to the cent: allow a cent per account.
            assert!(
                (a - b).abs() <= 0.01 * (accs.len() as f64 + 1.0),
                "seed {seed} {what}: {a} vs {b}"
            );
        };
        for sec in ["income", "expense"] {
            let f = |a: &Value| a[sec]["total"].as_f64().unwrap();
            close(f(s), sum(&f), sec);
            let count =
                |a: &Value| a[sec]["transactions_count"].as_f64().unwrap();
            close(count(s), sum(&count), sec);
            // Regular and irregular amounts make the total.
            for scope in accs.iter().chain([s]) {
                let st = &scope[sec]["streams"];
                close(
                    st["regular_amount"].as_f64().unwrap()
                        + st["irregular_amount"].as_f64().unwrap(),
                    scope[sec]["total"].as_f64().unwrap(),
                    "streams",
                );
            }
            // Month by month.
            for m in months(&s[sec]["total_per_month"]) {
                let in_accounts: f64 = accs
                    .iter()
                    .flat_map(|a| months(&a[sec]["total_per_month"]))
                    .filter(|x| (x.0, x.1) == (m.0, m.1))
                    .map(|x| x.3)
                    .sum();
                close(m.3, in_accounts, "month");
            }
        }
        for k in ["start_date_amount", "end_date_amount"] {
            let f = |a: &Value| a["balance"][k].as_f64().unwrap();
            close(f(s), sum(&f), k);
        }
        let counted: u64 = data["connections"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["accounts"].as_array().unwrap())
            .map(|a| a["transactions"]["count"].as_u64().unwrap())
            .sum();
        assert_eq!(s["transactions_count"].as_u64().unwrap(), counted);
        assert_eq!(counted, t.len() as u64);
    }
}

/// The date `day` days after Jan 1 of `year`, as `YYYY-MM-DD`.
fn chrono_like(year: i32, day: i64) -> String {
    let d = txenrich::model::Date::from_ymd(year, 1, 1)
        .unwrap()
        .add_days(day as i32);
    let last = txenrich::model::Date::from_ymd(year, 12, 31).unwrap();
    d.min(last).to_string()
}

#[test]
fn nothing_is_nan_or_infinite() {
    // Zero amounts, a zero balance, a huge amount, a one-day window.
    let t = vec![
        tx(
            "z",
            "a1",
            "2024-05-05",
            0.0,
            "GBP",
            "NOTHING",
            Some("uncategorized"),
        ),
        tx("h", "a1", "2024-05-05", 1e12, "GBP", "WINDFALL", Some("income")),
        tx("m", "a1", "2024-05-05", -1e12, "GBP", "SPENT", Some("shopping")),
    ];
    let data = run(&request(
        "GBP",
        "2024-05-05",
        "2024-05-05",
        one_account("GBP", 0.0),
        t,
    ));
    let s = &data["result"]["accounts_summary"];
    assert_eq!(s["days_count"], 1);
    assert_eq!(s["whole_months_count"], 0);
    // 1e12 in, 1e12 out: savings 0, no expense_to_savings_rate.
    assert!(s["savings"]["expense_to_savings_rate"].is_null());
    eq(&s["savings"]["income_to_expense_rate"], 1.0);
    // Every number anywhere in the report is finite (`run` checks).
    no_non_finite(&data.to_string());
}

#[test]
fn errors_name_the_field_and_value() {
    let base = || {
        request(
            "GBP",
            "2024-01-01",
            "2024-01-31",
            one_account("GBP", 10.0),
            vec![tx(
                "t1",
                "a1",
                "2024-01-05",
                5.0,
                "GBP",
                "X",
                Some("income"),
            )],
        )
    };
    let check = |req: Value, class: ErrorClass, needle: &str| {
        let e = error(&req);
        assert_eq!(e.class(), class, "{}", e.message());
        assert!(
            e.message().contains(needle),
            "{:?} lacks {needle:?}",
            e.message()
        );
    };
    // JsonParseError.
    let e = insights::report_json(&Engine::builtin(), "{\"customer_id\":")
        .unwrap_err();
    assert_eq!(e.class(), ErrorClass::JsonParseError);
    // WrongRequestFormat.
    let mut r = base();
    r.as_object_mut().unwrap().remove("customer_id");
    check(
        r,
        ErrorClass::WrongRequestFormat,
        "customer_id: required field is missing",
    );
    let mut r = base();
    r["report_types"] = json!(["balance", "wealth"]);
    check(r, ErrorClass::WrongRequestFormat, "\"wealth\"");
    let mut r = base();
    r["report_types"] = json!([]);
    check(r, ErrorClass::WrongRequestFormat, "report_types");
    let mut r = base();
    r["transactions"][0]["amount"] = json!("5");
    check(
        r,
        ErrorClass::WrongRequestFormat,
        "transactions[0].amount: expected a finite number, got \"5\"",
    );
    let mut r = base();
    r["transactions"][0]["made_on"] = json!("2024-02-30");
    check(r, ErrorClass::WrongRequestFormat, "transactions[0].made_on");
    let mut r = base();
    r["accounts"][0]["nature"] = json!("wallet");
    check(r, ErrorClass::WrongRequestFormat, "accounts[0].nature");
    let mut r = base();
    r["accounts"][0]["balance"] = json!(null);
    check(
        r,
        ErrorClass::WrongRequestFormat,
        "accounts[0].balance: required field is missing",
    );
    let mut r = base();
    r["accounts"][0]["currency_code"] = json!("USD");
    check(r, ErrorClass::WrongRequestFormat, "no rate for \"USD\"");
    let mut r = base();
    r["exchange_rates"] = json!({"USD": -1});
    check(r, ErrorClass::WrongRequestFormat, "exchange_rates.USD");
    let mut r = base();
    r["transactions"][0].as_object_mut().unwrap().remove("account_id");
    check(
        r,
        ErrorClass::WrongRequestFormat,
        "account_id: required field is missing",
    );
    // InvalidFromDate / InvalidToDate.
    let mut r = base();
    r["from_date"] = json!("01/01/2024");
    check(
        r,
        ErrorClass::InvalidFromDate,
        "from_date: expected a date YYYY-MM-DD, got \"01/01/2024\"",
    );
    let mut r = base();
    r["from_date"] = json!("2024-02-01");
    check(
        r,
        ErrorClass::InvalidFromDate,
        "from_date: 2024-02-01 is after to_date 2024-01-31",
    );
    let mut r = base();
    r.as_object_mut().unwrap().remove("to_date");
    check(r, ErrorClass::InvalidToDate, "to_date: required field is missing");
    let mut r = base();
    r["to_date"] = json!("2024-01-32");
    check(r, ErrorClass::InvalidToDate, "\"2024-01-32\"");
    // DateOutOfRange: a window longer than a report covers.
    let mut r = base();
    r["from_date"] = json!("1990-01-01");
    check(r, ErrorClass::DateOutOfRange, "spans more than 20 years");
    // A transaction outside the window is left out, not an error.
    let mut r = base();
    r["transactions"][0]["made_on"] = json!("2024-02-01");
    let out =
        insights::report_json(&Engine::builtin(), &r.to_string()).unwrap();
    let all = insights::report_json(&Engine::builtin(), &base().to_string())
        .unwrap();
    assert_ne!(out, all, "the outside transaction is not counted");
    // AccountNotFound.
    let mut r = base();
    r["transactions"][0]["account_id"] = json!("a9");
    check(r, ErrorClass::AccountNotFound, "account_id \"a9\"");

    // The typed path reports the same classes.
    let mut input: ReportInput = serde_json::from_value(base()).unwrap();
    input.from_date = "1990-01-01".parse().unwrap();
    let e = insights::profile(&Engine::builtin(), &input).unwrap_err();
    assert_eq!(e.class(), ErrorClass::DateOutOfRange);
    let mut input: ReportInput = serde_json::from_value(base()).unwrap();
    input.transactions[0].made_on = "31.12.2023".into();
    let e = insights::profile(&Engine::builtin(), &input).unwrap_err();
    assert_eq!(e.class(), ErrorClass::WrongRequestFormat);
    assert!(
        e.message().starts_with("transactions[0].made_on"),
        "{}",
        e.message()
    );
}

#[test]
fn duplicates_are_left_out() {
    let mut dup = tx("d", "a1", "2024-01-05", 5.0, "GBP", "X", Some("income"));
    dup["duplicated"] = json!(true);
    let t = vec![
        tx("t", "a1", "2024-01-05", 5.0, "GBP", "X", Some("income")),
        dup,
    ];
    let data = run(&request(
        "GBP",
        "2024-01-01",
        "2024-01-31",
        one_account("GBP", 10.0),
        t,
    ));
    eq(&data["result"]["accounts_summary"]["income"]["total"], 5.0);
}
