//! The JSON entry points: Salt Edge's request and response bodies.

use std::ptr;

use rayon::prelude::*;
use serde::Deserialize;
use serde_json::value::RawValue;
use txenrich::model::{Categorization, Country};
use txenrich::taxonomy::Tree;
use txenrich::{EnrichOptions, Error, ErrorClass, check_batch, insights};

use crate::boundary::{
    Failure, guard, handle, output, required_str, txe_error, txe_status,
};
use crate::bytes::Buffer;
use crate::engine::txe_engine;
use crate::rules::txe_rules;

/// Which tree of categories `txe_categories_json` lists.
pub type txe_tree = u32;
/// Both trees.
pub const TXE_TREE_ALL: txe_tree = 0;
/// Salt Edge's personal tree.
pub const TXE_TREE_PERSONAL: txe_tree = 1;
/// Salt Edge's business tree.
pub const TXE_TREE_BUSINESS: txe_tree = 2;

/// A request that is not what was expected: `JsonParseError` for text that
/// is not JSON, `WrongRequestFormat` for JSON of the wrong shape.
fn request_error(what: &str, e: serde_json::Error) -> Failure {
    let class = if e.is_data() {
        ErrorClass::WrongRequestFormat
    } else {
        ErrorClass::JsonParseError
    };
    Error::new(class, format!("{what}: {e}")).into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EnrichRequest<'a> {
    #[serde(borrow)]
    data: EnrichData<'a>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EnrichData<'a> {
    #[serde(default)]
    customer_id: Option<String>,
    #[serde(default)]
    categorization: Option<String>,
    #[serde(default)]
    country: Option<String>,
    #[serde(borrow)]
    transactions: Vec<&'a RawValue>,
}

/// Enriches the transactions of a request and writes the response body.
fn enrich_request(
    engine: &txe_engine,
    rules: Option<&txe_rules>,
    text: &str,
) -> Result<Buffer, Failure> {
    let request: EnrichRequest<'_> =
        serde_json::from_str(text).map_err(|e| request_error("request", e))?;
    let data = request.data;
    check_batch(data.transactions.len())?;
    let categorization = match data.categorization.as_deref() {
        None => Categorization::Personal,
        Some(name) => Categorization::from_name(name).ok_or_else(|| {
            Error::new(
                ErrorClass::WrongRequestFormat,
                format!(
                    "data.categorization: expected \"none\", \"personal\" or \"business\", got {name:?}"
                ),
            )
        })?,
    };
    let country = match data.country.as_deref() {
        None => None,
        Some(c) => Some(c.parse::<Country>().map_err(|e| {
            Error::new(
                ErrorClass::WrongRequestFormat,
                format!("data.country: {e}"),
            )
        })?),
    };
    let customer = match (rules, data.customer_id.as_deref()) {
        (Some(r), Some(id)) => r.rules.customer(id),
        _ => None,
    };
    let opts = EnrichOptions { categorization, country, customer };
    let engine = &engine.engine;
    let lines: Vec<Result<Vec<u8>, Error>> = data
        .transactions
        .par_iter()
        .with_min_len(8)
        .map(|raw| {
            let mut out = Vec::with_capacity(raw.get().len() + 512);
            engine.enrich_json(raw.get(), &opts, &mut out).map(|_| out)
        })
        .collect();
    let mut total = 16;
    for (i, line) in lines.iter().enumerate() {
        match line {
            Ok(l) => total += l.len() + 1,
            Err(e) => {
                return Err(Failure::from(e.clone())
                    .within(&format!("data.transactions[{i}]")));
            }
        }
    }
    let mut buf = Buffer::new(total);
    buf.extend(b"{\"data\":[");
    for (i, line) in lines.into_iter().flatten().enumerate() {
        if i > 0 {
            buf.extend(b",");
        }
        buf.extend(&line);
    }
    buf.extend(b"]}");
    Ok(buf)
}

/// The part every `txe_*_json` call that answers a request shares: checks
/// the output pointers first (so that a failure leaves them NULL and 0),
/// then the engine and the request's text, and publishes the buffer
/// `respond` builds.
///
/// # Safety
///
/// The arguments follow the calling function's documented contract.
unsafe fn answer(
    engine: *const txe_engine,
    request: *const u8,
    request_len: usize,
    response_out: *mut *mut u8,
    response_len: *mut usize,
    respond: impl FnOnce(&txe_engine, &str) -> Result<Buffer, Failure>,
) -> Result<(), Failure> {
    // SAFETY: per the caller's contract.
    let out =
        unsafe { output(response_out, ptr::null_mut(), "response_out") }?;
    // SAFETY: as above.
    let len = unsafe { output(response_len, 0, "response_len") }?;
    // SAFETY: as above.
    let engine = unsafe { handle(engine, "engine") }?;
    // SAFETY: as above.
    let text = unsafe { required_str(request, request_len, "request") }?;
    respond(engine, text)?.publish(out, len);
    Ok(())
}

/// Enriches the transactions of a Salt Edge-shaped request:
/// `{"data":{"customer_id":"…","categorization":"personal","country":"GB","transactions":[…]}}`.
///
/// `transactions` holds at most `TXE_BATCH_LIMIT` Salt Edge transactions
/// (`id`, `made_on`, `amount`, `currency_code`, `description`, optionally
/// `mode`, `status`, `account_id`, `extra` with `payee`, `payer`,
/// `additional`, `information`, `mcc`, …); more is
/// `TXE_STATUS_BATCH_SIZE_LIMIT_EXCEEDED`. `categorization` is `"none"`,
/// `"personal"` (the default) or `"business"`. `customer_id` selects that
/// customer's learned rules in `rules` (`rules` may be NULL: no learned
/// rules). `country` (a txenrich extension, ISO 3166-1 alpha-2) is the
/// statement's country when the caller knows it. Other fields of `data`
/// are `TXE_STATUS_WRONG_REQUEST_FORMAT`.
///
/// The response is `{"data":[…]}`: each transaction, in order, with every
/// field it came with kept, `category` set, `extra.categorization_confidence`
/// (0..1), `extra.merchant_id` for a dictionary merchant,
/// `extra.customer_category_code`/`_name` when a learned rule applied, and
/// `merchant`: the Salt Edge merchant record, a record with `"id":null` and
/// the name read from the descriptor, or `null`.
///
/// As Salt Edge does, one invalid transaction fails the whole request: the
/// status names its class and the error's message its index and field
/// (`data.transactions[3].amount: expected a finite number, got "x"`).
/// `txe_error_json` gives Salt Edge's error object.
///
/// On success `*response_out` is a NUL-terminated buffer of
/// `*response_len` bytes (the NUL not counted) that the caller frees with
/// `txe_bytes_free`; on failure NULL and 0. `engine`, `request`,
/// `response_out` and `response_len` may not be NULL. Thread safety: any
/// number of calls at once with the same engine and rules, as long as no
/// `txe_rules_learn_json` changes the rules meanwhile.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn txe_enrich_json(
    engine: *const txe_engine,
    rules: *const txe_rules,
    request: *const u8,
    request_len: usize,
    response_out: *mut *mut u8,
    response_len: *mut usize,
    error: *mut *mut txe_error,
) -> txe_status {
    guard(error, || {
        // SAFETY: per the documented contract.
        let rules = unsafe { rules.as_ref() };
        // SAFETY: as above.
        unsafe {
            answer(
                engine,
                request,
                request_len,
                response_out,
                response_len,
                |engine, text| enrich_request(engine, rules, text),
            )
        }
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MerchantsRequest {
    data: Vec<String>,
}

/// Looks merchants up by id (as found in `extra.merchant_id`): Salt Edge's
/// `POST /merchants`, request `{"data":["id",…]}` (at most
/// `TXE_BATCH_LIMIT` ids), response `{"data":[merchant,…]}` in the order
/// asked, each Salt Edge's merchant record (`id`, `names`, `address`,
/// `contact`).
///
/// An id the dictionary does not hold fails the request with
/// `TXE_STATUS_MERCHANT_NOT_FOUND`, its message listing every such id. On
/// success `*response_out` is a NUL-terminated buffer of `*response_len`
/// bytes that the caller frees with `txe_bytes_free`; on failure NULL and
/// 0. No pointer argument but `error` may be NULL. Thread safety: any
/// number of calls at once with the same engine.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn txe_merchants_json(
    engine: *const txe_engine,
    request: *const u8,
    request_len: usize,
    response_out: *mut *mut u8,
    response_len: *mut usize,
    error: *mut *mut txe_error,
) -> txe_status {
    guard(error, || {
        // SAFETY: per the documented contract.
        unsafe {
            answer(
                engine,
                request,
                request_len,
                response_out,
                response_len,
                merchants_response,
            )
        }
    })
}

/// Looks up the ids of a `txe_merchants_json` request.
fn merchants_response(
    engine: &txe_engine,
    text: &str,
) -> Result<Buffer, Failure> {
    let req: MerchantsRequest =
        serde_json::from_str(text).map_err(|e| request_error("request", e))?;
    check_batch(req.data.len())?;
    let mut found = Vec::with_capacity(req.data.len());
    let mut missing = Vec::new();
    for id in &req.data {
        match engine.engine.merchant_json(id) {
            Ok(m) => found.push(m),
            Err(_) => missing.push(format!("{id:?}")),
        }
    }
    if !missing.is_empty() {
        return Err(Error::new(
            ErrorClass::MerchantNotFound,
            format!("no merchant with id {}", missing.join(", ")),
        )
        .into());
    }
    json_buffer(&serde_json::json!({ "data": found }))
}

/// Lists Salt Edge's categories (`GET /categories`):
/// `{"data":{"personal":{parent:[child,…],…},"business":{…}}}`, one tree
/// (`TXE_TREE_PERSONAL`, `TXE_TREE_BUSINESS`) or both (`TXE_TREE_ALL`).
///
/// Another `tree` value is `TXE_STATUS_INVALID_ARGUMENT`. On success
/// `*response_out` is a NUL-terminated buffer of `*response_len` bytes that
/// the caller frees with `txe_bytes_free`; on failure NULL and 0. Thread
/// safety: any number of calls at once with the same engine.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn txe_categories_json(
    engine: *const txe_engine,
    tree: txe_tree,
    response_out: *mut *mut u8,
    response_len: *mut usize,
    error: *mut *mut txe_error,
) -> txe_status {
    guard(error, || {
        // SAFETY: per the documented contract.
        let out =
            unsafe { output(response_out, ptr::null_mut(), "response_out") }?;
        // SAFETY: as above.
        let len = unsafe { output(response_len, 0, "response_len") }?;
        // SAFETY: as above.
        let engine = unsafe { handle(engine, "engine") }?;
        let only = match tree {
            TXE_TREE_ALL => None,
            TXE_TREE_PERSONAL => Some(Tree::Personal),
            TXE_TREE_BUSINESS => Some(Tree::Business),
            n => {
                return Err(Failure::invalid(
                    "tree",
                    format!("expected a TXE_TREE_* value, got {n}"),
                ));
            }
        };
        json_buffer(&engine.engine.taxonomy().to_json(only))?
            .publish(out, len);
        Ok(())
    })
}

/// Computes Salt Edge's Financial Insights report (`POST /reports`) over a
/// customer's accounts and transactions: request
/// `{"customer_id","currency_code","from_date","to_date","report_types":[…],"exchange_rates"?,"accounts":[…],"transactions":[…]}`
/// (bare or inside `{"data":…}`), response
/// `{"data":{…,"result":{"accounts":[…],"accounts_summary":{…}}}}`.
///
/// Transactions without a `category` are enriched first. Errors:
/// `TXE_STATUS_JSON_PARSE_ERROR`, `TXE_STATUS_WRONG_REQUEST_FORMAT`,
/// `TXE_STATUS_INVALID_FROM_DATE`, `TXE_STATUS_INVALID_TO_DATE`,
/// `TXE_STATUS_DATE_OUT_OF_RANGE`, `TXE_STATUS_ACCOUNT_NOT_FOUND`, with
/// messages naming the field and value. On success `*response_out` is a
/// NUL-terminated buffer of `*response_len` bytes that the caller frees
/// with `txe_bytes_free`; on failure NULL and 0. Thread safety: any number
/// of calls at once with the same engine.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn txe_report_json(
    engine: *const txe_engine,
    request: *const u8,
    request_len: usize,
    response_out: *mut *mut u8,
    response_len: *mut usize,
    error: *mut *mut txe_error,
) -> txe_status {
    guard(error, || {
        // SAFETY: per the documented contract.
        unsafe {
            answer(
                engine,
                request,
                request_len,
                response_out,
                response_len,
                |engine, text| {
                    json_buffer(&insights::report_json(&engine.engine, text)?)
                },
            )
        }
    })
}

/// A JSON value serialized into a buffer for the caller.
fn json_buffer(value: &serde_json::Value) -> Result<Buffer, Failure> {
    let mut buf = Buffer::new(1024);
    serde_json::to_writer(buf.writer(), value)
        .map_err(|e| Failure::new(txe_status::Internal, e.to_string()))?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boundary::{txe_error_free, txe_error_message};
    use crate::bytes::txe_bytes_free;
    use crate::engine::{txe_engine_builtin, txe_engine_free};

    struct Call {
        status: txe_status,
        json: Option<serde_json::Value>,
        message: String,
    }

    fn engine() -> *mut txe_engine {
        let mut e = ptr::null_mut();
        unsafe { txe_engine_builtin(&mut e, ptr::null_mut()) };
        e
    }

    fn call(
        f: impl FnOnce(*mut *mut u8, *mut usize, *mut *mut txe_error) -> txe_status,
    ) -> Call {
        let mut out = ptr::null_mut();
        let mut len = 0;
        let mut err = ptr::null_mut();
        let status = f(&mut out, &mut len, &mut err);
        let json = (!out.is_null()).then(|| unsafe {
            let v =
                serde_json::from_slice(std::slice::from_raw_parts(out, len))
                    .unwrap();
            txe_bytes_free(out);
            v
        });
        let message = if err.is_null() {
            String::new()
        } else {
            unsafe {
                let m = std::ffi::CStr::from_ptr(txe_error_message(err))
                    .to_string_lossy()
                    .into_owned();
                txe_error_free(err);
                m
            }
        };
        assert_eq!(
            status == txe_status::Ok,
            json.is_some(),
            "output iff success"
        );
        Call { status, json, message }
    }

    fn enrich(e: *const txe_engine, request: &[u8]) -> Call {
        call(|o, l, err| unsafe {
            txe_enrich_json(
                e,
                ptr::null(),
                request.as_ptr(),
                request.len(),
                o,
                l,
                err,
            )
        })
    }

    fn tx(i: usize, desc: &str) -> serde_json::Value {
        serde_json::json!({"id": i.to_string(), "made_on": "2026-03-12", "amount": -12.5,
            "currency_code": "GBP", "description": desc, "custom": [i]})
    }

    #[test]
    fn enrich_json_keeps_order_and_fields() {
        let e = engine();
        let txs: Vec<_> = (0..100)
            .map(|i| {
                tx(
                    i,
                    if i % 2 == 0 {
                        "TESCO STORES 2345 LONDON GB"
                    } else {
                        "ATM WITHDRAWAL"
                    },
                )
            })
            .collect();
        let req = serde_json::json!({"data": {"transactions": txs, "categorization": "personal"}});
        let c = enrich(e, req.to_string().as_bytes());
        assert_eq!(c.status, txe_status::Ok, "{}", c.message);
        let data = c.json.unwrap()["data"].as_array().unwrap().clone();
        assert_eq!(data.len(), 100);
        for (i, t) in data.iter().enumerate() {
            assert_eq!(t["id"], i.to_string());
            assert_eq!(t["custom"][0], i);
            let want = if i % 2 == 0 { "groceries" } else { "transfer" };
            assert_eq!(t["category"], want, "{t}");
        }
        unsafe { txe_engine_free(e) };
    }

    #[test]
    fn enrich_json_errors() {
        let e = engine();
        let many: Vec<_> = (0..101).map(|i| tx(i, "X")).collect();
        let c = enrich(
            e,
            serde_json::json!({"data": {"transactions": many}})
                .to_string()
                .as_bytes(),
        );
        assert_eq!(c.status, txe_status::BatchSizeLimitExceeded);
        let mut bad = tx(3, "X");
        bad["amount"] = "forty".into();
        let c = enrich(
            e,
            serde_json::json!({"data": {"transactions": [tx(0, "X"), bad]}})
                .to_string()
                .as_bytes(),
        );
        assert_eq!(c.status, txe_status::WrongRequestFormat);
        assert!(
            c.message.starts_with("data.transactions[1].amount: "),
            "{}",
            c.message
        );
        assert_eq!(enrich(e, b"{").status, txe_status::JsonParseError);
        assert_eq!(enrich(e, b"[]").status, txe_status::WrongRequestFormat);
        assert_eq!(
            enrich(e, b"{\"data\":{}}").status,
            txe_status::WrongRequestFormat
        );
        let c =
            enrich(e, br#"{"data":{"transactions":[],"categorisation":"x"}}"#);
        assert_eq!(c.status, txe_status::WrongRequestFormat);
        assert!(c.message.contains("categorisation"), "{}", c.message);
        let c =
            enrich(e, br#"{"data":{"transactions":[],"categorization":"x"}}"#);
        assert!(c.message.starts_with("data.categorization"), "{}", c.message);
        let c = enrich(e, br#"{"data":{"transactions":[],"country":"GBR"}}"#);
        assert_eq!(c.status, txe_status::WrongRequestFormat);
        assert_eq!(
            enrich(e, b"{\"data\":{\"transactions\":[]}}").json.unwrap()["data"],
            serde_json::json!([])
        );
        assert_eq!(enrich(e, b"\xff").status, txe_status::InvalidUtf8);
        let c = call(|o, l, err| unsafe {
            txe_enrich_json(
                ptr::null(),
                ptr::null(),
                b"{}".as_ptr(),
                2,
                o,
                l,
                err,
            )
        });
        assert_eq!(c.status, txe_status::NullArgument);
        let c = call(|o, l, err| unsafe {
            txe_enrich_json(e, ptr::null(), ptr::null(), 0, o, l, err)
        });
        assert_eq!(c.status, txe_status::NullArgument);
        unsafe { txe_engine_free(e) };
    }

    #[test]
    fn merchants_categories_report() {
        let e = engine();
        let c = call(|o, l, err| unsafe {
            let r = br#"{"data":["wd:Q487494"]}"#;
            txe_merchants_json(e, r.as_ptr(), r.len(), o, l, err)
        });
        assert_eq!(c.status, txe_status::Ok, "{}", c.message);
        assert_eq!(c.json.unwrap()["data"][0]["id"], "wd:Q487494");
        let c = call(|o, l, err| unsafe {
            let r = br#"{"data":["wd:Q487494","nope:1","nope:2"]}"#;
            txe_merchants_json(e, r.as_ptr(), r.len(), o, l, err)
        });
        assert_eq!(c.status, txe_status::MerchantNotFound);
        assert!(c.message.contains("\"nope:1\", \"nope:2\""), "{}", c.message);
        for (tree, personal, business) in [
            (TXE_TREE_ALL, true, true),
            (TXE_TREE_PERSONAL, true, false),
            (TXE_TREE_BUSINESS, false, true),
        ] {
            let c = call(|o, l, err| unsafe {
                txe_categories_json(e, tree, o, l, err)
            });
            let j = c.json.unwrap();
            assert_eq!(j["data"].get("personal").is_some(), personal);
            assert_eq!(j["data"].get("business").is_some(), business);
        }
        let c =
            call(|o, l, err| unsafe { txe_categories_json(e, 3, o, l, err) });
        assert_eq!(c.status, txe_status::InvalidArgument);
        let req = br#"{"customer_id":"c1","currency_code":"EUR","from_date":"2024-01-01","to_date":"2024-01-31","report_types":["balance"],"accounts":[{"id":"a1","balance":250.0}]}"#;
        let c = call(|o, l, err| unsafe {
            txe_report_json(e, req.as_ptr(), req.len(), o, l, err)
        });
        assert_eq!(c.status, txe_status::Ok, "{}", c.message);
        assert_eq!(c.json.unwrap()["data"]["status"], "success");
        let bad = br#"{"customer_id":"c1","currency_code":"EUR","from_date":"2024-13-01","to_date":"2024-01-31","report_types":["balance"],"accounts":[]}"#;
        let c = call(|o, l, err| unsafe {
            txe_report_json(e, bad.as_ptr(), bad.len(), o, l, err)
        });
        assert_eq!(c.status, txe_status::InvalidFromDate);
        unsafe { txe_engine_free(e) };
    }
}
