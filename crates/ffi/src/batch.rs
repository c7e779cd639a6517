//! The hot path: arrays of `#[repr(C)]` transactions in, results out, no
//! JSON.

use std::ffi::c_char;
use std::ptr;

use txenrich::model::{AccountNature, TransactionView, is_currency_code};
use txenrich::{
    BATCH_LIMIT, CustomerCategory, Engine, EnrichOptions, Enrichment,
    MerchantRef, Source, check_batch,
};

use crate::boundary::{
    Failure, free_box, guard, guard_or, handle, handle_mut, optional_bytes,
    txe_error, txe_status, utf8,
};
use crate::engine::txe_engine;
use crate::rules::txe_options;

/// The most transactions (or merchant ids) one call takes: Salt Edge's
/// limit. More is `TXE_STATUS_BATCH_SIZE_LIMIT_EXCEEDED`.
pub const TXE_BATCH_LIMIT: usize = 100;

/// A string as bytes and a length: not NUL-terminated, UTF-8.
///
/// In a `txe_transaction`, `{NULL, 0}` means "absent" (a zeroed struct has
/// every optional field absent) and `{p, 0}` with `p` not NULL the empty
/// string; a NULL `ptr` with a non-zero `len` is
/// `TXE_STATUS_NULL_ARGUMENT`. In a `txe_result`, `ptr` is NULL when the
/// value is absent; print one with `printf("%.*s", (int)s.len, (const char *)s.ptr)`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct txe_str {
    /// The first byte; NULL when absent.
    pub ptr: *const u8,
    /// The number of bytes.
    pub len: usize,
}

impl txe_str {
    const ABSENT: txe_str = txe_str { ptr: ptr::null(), len: 0 };

    fn of(s: &str) -> txe_str {
        txe_str { ptr: s.as_ptr(), len: s.len() }
    }

    fn of_option(s: Option<&str>) -> txe_str {
        s.map_or(txe_str::ABSENT, txe_str::of)
    }
}

/// The nature of the account a transaction belongs to (Salt Edge's
/// account `nature`), when the caller knows it.
pub type txe_account_nature = u32;
/// Not known (the default).
pub const TXE_ACCOUNT_NATURE_UNKNOWN: txe_account_nature = 0;
/// `account`
pub const TXE_ACCOUNT_NATURE_ACCOUNT: txe_account_nature = 1;
/// `bonus`
pub const TXE_ACCOUNT_NATURE_BONUS: txe_account_nature = 2;
/// `card`
pub const TXE_ACCOUNT_NATURE_CARD: txe_account_nature = 3;
/// `checking`
pub const TXE_ACCOUNT_NATURE_CHECKING: txe_account_nature = 4;
/// `credit`
pub const TXE_ACCOUNT_NATURE_CREDIT: txe_account_nature = 5;
/// `credit_card`
pub const TXE_ACCOUNT_NATURE_CREDIT_CARD: txe_account_nature = 6;
/// `debit_card`
pub const TXE_ACCOUNT_NATURE_DEBIT_CARD: txe_account_nature = 7;
/// `ewallet`
pub const TXE_ACCOUNT_NATURE_EWALLET: txe_account_nature = 8;
/// `insurance`
pub const TXE_ACCOUNT_NATURE_INSURANCE: txe_account_nature = 9;
/// `investment`
pub const TXE_ACCOUNT_NATURE_INVESTMENT: txe_account_nature = 10;
/// `loan`
pub const TXE_ACCOUNT_NATURE_LOAN: txe_account_nature = 11;
/// `mortgage`
pub const TXE_ACCOUNT_NATURE_MORTGAGE: txe_account_nature = 12;
/// `savings`
pub const TXE_ACCOUNT_NATURE_SAVINGS: txe_account_nature = 13;

/// What decided a result's category.
pub type txe_source = u32;
/// Categorization was not asked for (`TXE_CATEGORIZATION_NONE`).
pub const TXE_SOURCE_NONE: txe_source = 0;
/// A rule the customer taught (`txe_options_set_customer`).
pub const TXE_SOURCE_LEARNED: txe_source = 1;
/// A strong rule: salary, ATM, transfer, fee, tax, rent…
pub const TXE_SOURCE_RULE: txe_source = 2;
/// The identified merchant's category.
pub const TXE_SOURCE_MERCHANT: txe_source = 3;
/// The merchant category code.
pub const TXE_SOURCE_MCC: txe_source = 4;
/// A weak rule: a word in a shop's name.
pub const TXE_SOURCE_KEYWORD: txe_source = 5;
/// Nothing matched: `uncategorized`.
pub const TXE_SOURCE_DEFAULT: txe_source = 6;

/// One transaction for `txe_enrich_batch`: what the engine reads of a Salt
/// Edge transaction. Zero it, then fill what you have.
///
/// The strings are borrowed for the duration of the call only.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct txe_transaction {
    /// The bank's description. Required (may be empty, not absent).
    pub description: txe_str,
    /// Signed amount: negative is money out. Must be finite.
    pub amount: f64,
    /// ISO 4217 code, three upper-case letters. Required.
    pub currency_code: txe_str,
    /// Salt Edge's `mode`: `normal`, `fee` or `transfer`; may be absent.
    pub mode: txe_str,
    /// `extra.payee`: to whom the money was paid; may be absent.
    pub payee: txe_str,
    /// `extra.payer`: who paid; may be absent.
    pub payer: txe_str,
    /// `extra.additional`; may be absent.
    pub additional: txe_str,
    /// `extra.information`; may be absent.
    pub information: txe_str,
    /// `extra.original_currency_code`; may be absent.
    pub original_currency_code: txe_str,
    /// `extra.mcc` as a number, 1..9999; 0 when there is none.
    pub mcc: u16,
    /// The account's nature (`TXE_ACCOUNT_NATURE_*`), when known.
    pub account_nature: txe_account_nature,
}

/// The engine's answer for one transaction of `txe_enrich_batch`.
///
/// Lifetimes of the strings: `category` and `customer_category_code` are
/// static; `merchant_id` and the name of a dictionary merchant belong to
/// the engine (valid until `txe_engine_free`); a name read from the
/// descriptor and `customer_category_name` live in the `txe_arena` passed
/// to the call (valid until the arena's next use or `txe_arena_free`).
/// Copy what you keep longer.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct txe_result {
    /// The category code in the tree asked for (`"groceries"`); absent
    /// only with `TXE_CATEGORIZATION_NONE`.
    pub category: txe_str,
    /// 0..1: how likely the category is right.
    pub confidence: f32,
    /// What decided the category (`TXE_SOURCE_*`).
    pub source: txe_source,
    /// The stable id of a dictionary merchant (`"wd:Q487494"`); absent
    /// when there is no merchant or it was read from the descriptor.
    pub merchant_id: txe_str,
    /// The merchant's display name; absent when the transaction names no
    /// merchant (transfers to people, salaries, cash, bank lines).
    pub merchant_name: txe_str,
    /// A learned rule's category code from the tree in use
    /// (`extra.customer_category_code`); absent otherwise.
    pub customer_category_code: txe_str,
    /// A learned rule's own category name (`extra.customer_category_name`);
    /// absent otherwise.
    pub customer_category_name: txe_str,
    /// The ISO 3166-1 alpha-2 country the engine placed the transaction in,
    /// NUL-terminated; empty when unknown.
    pub country: [c_char; 3],
}

#[cfg(test)]
impl txe_result {
    const EMPTY: txe_result = txe_result {
        category: txe_str::ABSENT,
        confidence: 0.0,
        source: TXE_SOURCE_NONE,
        merchant_id: txe_str::ABSENT,
        merchant_name: txe_str::ABSENT,
        customer_category_code: txe_str::ABSENT,
        customer_category_name: txe_str::ABSENT,
        country: [0; 3],
    };
}

/// Storage for the strings of `txe_enrich_batch` results that neither the
/// engine nor the program holds: merchant names read from descriptors and
/// customers' own category names.
///
/// Each call clears the arena and refills it, reusing its memory, so that
/// a warm arena allocates nothing; the strings of the previous call's
/// results become invalid. Ownership: created by `txe_arena_new`, freed
/// with `txe_arena_free`. Thread safety: one call at a time; give each
/// thread its own arena.
#[derive(Debug, Default)]
pub struct txe_arena {
    bytes: Vec<u8>,
}

/// Creates an empty arena. Returns NULL only if the library failed
/// internally. Free with `txe_arena_free`. Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn txe_arena_new() -> *mut txe_arena {
    guard_or(ptr::null_mut(), || Box::into_raw(Box::<txe_arena>::default()))
}

/// Frees an arena. NULL is a no-op. Strings of results it holds become
/// invalid. Thread safety: once, when no call uses it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn txe_arena_free(arena: *mut txe_arena) {
    // SAFETY: see the documented contract.
    unsafe { free_box(arena) }
}

/// Reads one optional string field of transaction `i`.
fn field<'a>(
    s: txe_str,
    i: usize,
    name: &str,
) -> Result<Option<&'a str>, Failure> {
    let what = || format!("transactions[{i}].{name}");
    // SAFETY: the caller of `txe_enrich_batch` passes readable strings.
    match unsafe { optional_bytes(s.ptr, s.len, name) } {
        Ok(None) => Ok(None),
        Ok(Some(b)) => utf8(b, &what()).map(Some),
        Err(f) => Err(f.within(&format!("transactions[{i}]"))),
    }
}

/// Validates transaction `i` and makes the view the engine reads.
fn view<'a>(
    tx: &txe_transaction,
    i: usize,
) -> Result<TransactionView<'a>, Failure> {
    let invalid = |name: &str, detail: String| {
        Failure::new(
            txe_status::WrongRequestFormat,
            format!("transactions[{i}].{name}: {detail}"),
        )
    };
    let description =
        field(tx.description, i, "description")?.ok_or_else(|| {
            Failure::null(&format!("transactions[{i}].description"))
        })?;
    let currency_code = field(tx.currency_code, i, "currency_code")?
        .ok_or_else(|| {
            Failure::null(&format!("transactions[{i}].currency_code"))
        })?;
    if !is_currency_code(currency_code) {
        return Err(invalid(
            "currency_code",
            format!(
                "expected three upper-case letters (ISO 4217), got {currency_code:?}"
            ),
        ));
    }
    if !tx.amount.is_finite() {
        return Err(invalid(
            "amount",
            format!("expected a finite number, got {}", tx.amount),
        ));
    }
    let mode = field(tx.mode, i, "mode")?;
    if let Some(m) = mode
        && !matches!(m, "normal" | "fee" | "transfer")
    {
        return Err(invalid(
            "mode",
            format!("expected \"normal\", \"fee\" or \"transfer\", got {m:?}"),
        ));
    }
    if tx.mcc > 9999 {
        return Err(invalid(
            "mcc",
            format!("expected 0 (none) or a code up to 9999, got {}", tx.mcc),
        ));
    }
    let account_nature = match tx.account_nature {
        TXE_ACCOUNT_NATURE_UNKNOWN => None,
        n => {
            Some(*AccountNature::ALL.get(n as usize - 1).ok_or_else(|| {
                Failure::invalid(
                    &format!("transactions[{i}].account_nature"),
                    format!("expected a TXE_ACCOUNT_NATURE_* value, got {n}"),
                )
            })?)
        }
    };
    Ok(TransactionView {
        description,
        amount: tx.amount,
        currency_code,
        mode,
        payee: field(tx.payee, i, "payee")?,
        payer: field(tx.payer, i, "payer")?,
        additional: field(tx.additional, i, "additional")?,
        information: field(tx.information, i, "information")?,
        mcc: (tx.mcc != 0).then_some(tx.mcc),
        account_nature,
        original_currency_code: field(
            tx.original_currency_code,
            i,
            "original_currency_code",
        )?,
    })
}

fn source(s: Source) -> txe_source {
    match s {
        Source::None => TXE_SOURCE_NONE,
        Source::Learned => TXE_SOURCE_LEARNED,
        Source::Rule(_) => TXE_SOURCE_RULE,
        Source::Merchant(_) => TXE_SOURCE_MERCHANT,
        Source::Mcc(_) => TXE_SOURCE_MCC,
        Source::Keyword(_) => TXE_SOURCE_KEYWORD,
        Source::Default => TXE_SOURCE_DEFAULT,
    }
}

/// The strings of an enrichment that go into the arena.
fn arena_strings(e: &Enrichment) -> (Option<&str>, Option<&str>) {
    let name = match &e.merchant {
        Some(MerchantRef::Cleansed(n)) => Some(n.as_str()),
        _ => None,
    };
    let customer = match &e.customer_category {
        Some(CustomerCategory::Name(n)) => Some(n.as_str()),
        _ => None,
    };
    (name, customer)
}

/// Writes the results, copying the strings the engine does not hold into
/// the arena (one reservation, so that no pointer moves).
fn write_results(
    engine: &Engine,
    enrichments: &[Enrichment],
    arena: &mut txe_arena,
    results: &mut [txe_result],
) {
    let total: usize = enrichments
        .iter()
        .map(|e| {
            let (a, b) = arena_strings(e);
            a.map_or(0, str::len) + b.map_or(0, str::len)
        })
        .sum();
    arena.bytes.clear();
    arena.bytes.reserve(total);
    // (offset, len) of each arena string, written once the arena is full.
    let mut spans = Vec::with_capacity(enrichments.len());
    let mut push = |s: Option<&str>| {
        s.map(|s| {
            let at = arena.bytes.len();
            arena.bytes.extend_from_slice(s.as_bytes());
            (at, s.len())
        })
    };
    for e in enrichments {
        let (name, customer) = arena_strings(e);
        spans.push((push(name), push(customer)));
    }
    let base = arena.bytes.as_ptr();
    let span = |s: Option<(usize, usize)>| match s {
        // SAFETY: the span lies inside the arena's bytes.
        Some((at, len)) => txe_str { ptr: unsafe { base.add(at) }, len },
        None => txe_str::ABSENT,
    };
    let dict = engine.dictionary();
    for ((e, r), (name, customer)) in
        enrichments.iter().zip(results.iter_mut()).zip(spans)
    {
        let (merchant_id, merchant_name) = match &e.merchant {
            Some(MerchantRef::Known(idx)) => {
                let m = dict.merchant(*idx);
                (txe_str::of(m.id()), txe_str::of(m.name()))
            }
            Some(MerchantRef::Cleansed(_)) => (txe_str::ABSENT, span(name)),
            None => (txe_str::ABSENT, txe_str::ABSENT),
        };
        let customer_category_code = match &e.customer_category {
            Some(CustomerCategory::Code(c)) => {
                txe_str::of(engine.taxonomy().code(*c))
            }
            _ => txe_str::ABSENT,
        };
        let mut country = [0; 3];
        if let Some(c) = e.country {
            let b = c.bytes();
            country = [b[0] as c_char, b[1] as c_char, 0];
        }
        *r = txe_result {
            category: txe_str::of_option(engine.category_code(e)),
            confidence: e.confidence,
            source: source(e.source),
            merchant_id,
            merchant_name,
            customer_category_code,
            customer_category_name: span(customer),
            country,
        };
    }
}

/// Enriches `count` transactions (at most `TXE_BATCH_LIMIT`) in parallel
/// and writes one result per transaction, in order, into `results`: the
/// hot path, with no JSON.
///
/// `options` NULL means the defaults of `txe_options_new`. `transactions`
/// and `results` are caller-allocated arrays of `count` elements (either
/// may be NULL when `count` is 0). Strings the results point to are
/// described at `txe_result`; those that are neither static nor the
/// engine's are written into `arena`, which may not be NULL.
///
/// Every transaction is checked first (UTF-8, required fields, a currency
/// code of three upper-case letters, a finite amount, a known `mode`, an
/// MCC up to 9999, a known account nature); one invalid transaction fails
/// the call with a status and a message naming its index and field, and
/// then neither `results` nor `arena` is touched. Thread safety: any
/// number of calls may share the engine and the options; each needs its
/// own arena and results.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn txe_enrich_batch(
    engine: *const txe_engine,
    options: *const txe_options,
    transactions: *const txe_transaction,
    count: usize,
    results: *mut txe_result,
    arena: *mut txe_arena,
    error: *mut *mut txe_error,
) -> txe_status {
    guard(error, || {
        // SAFETY: per the documented contract.
        let engine = unsafe { handle(engine, "engine") }?;
        // SAFETY: as above.
        let arena = unsafe { handle_mut(arena, "arena") }?;
        check_batch(count)?;
        debug_assert!(count <= BATCH_LIMIT);
        if count > 0 && transactions.is_null() {
            return Err(Failure::null("transactions"));
        }
        if count > 0 && results.is_null() {
            return Err(Failure::null("results"));
        }
        let defaults = txe_options::default();
        // SAFETY: as above.
        let options = unsafe { options.as_ref() }.unwrap_or(&defaults);
        let opts: EnrichOptions<'_> = options.get();
        let txs: &[txe_transaction] = if count == 0 {
            &[]
        } else {
            // SAFETY: `transactions` points to `count` elements.
            unsafe { std::slice::from_raw_parts(transactions, count) }
        };
        let views = txs
            .iter()
            .enumerate()
            .map(|(i, tx)| view(tx, i))
            .collect::<Result<Vec<_>, _>>()?;
        let enrichments = engine.engine.enrich_batch(&views, &opts)?;
        if count == 0 {
            arena.bytes.clear();
            return Ok(());
        }
        // SAFETY: `results` points to `count` writable elements.
        let out = unsafe { std::slice::from_raw_parts_mut(results, count) };
        write_results(&engine.engine, &enrichments, arena, out);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{txe_engine_builtin, txe_engine_free};

    fn s(text: &'static str) -> txe_str {
        txe_str::of(text)
    }

    fn tx(
        desc: &'static str,
        amount: f64,
        cur: &'static str,
    ) -> txe_transaction {
        txe_transaction {
            description: s(desc),
            amount,
            currency_code: s(cur),
            mode: txe_str::ABSENT,
            payee: txe_str::ABSENT,
            payer: txe_str::ABSENT,
            additional: txe_str::ABSENT,
            information: txe_str::ABSENT,
            original_currency_code: txe_str::ABSENT,
            mcc: 0,
            account_nature: 0,
        }
    }

    fn text(s: txe_str) -> Option<&'static str> {
        (!s.ptr.is_null()).then(|| unsafe {
            std::str::from_utf8(std::slice::from_raw_parts(s.ptr, s.len))
                .unwrap()
        })
    }

    #[test]
    fn results_match_the_engine() {
        let mut e = ptr::null_mut();
        unsafe { txe_engine_builtin(&mut e, ptr::null_mut()) };
        let arena = txe_arena_new();
        let txs = [
            tx("TESCO STORES 2345 LONDON GB", -23.47, "GBP"),
            tx("TST* BLUE HERON TAVERN PORTLAND OR", -38.5, "USD"),
            tx("SALARY ACME LTD BGC", 2450.0, "GBP"),
        ];
        let mut results = [txe_result::EMPTY; 3];
        let status = unsafe {
            txe_enrich_batch(
                e,
                ptr::null(),
                txs.as_ptr(),
                3,
                results.as_mut_ptr(),
                arena,
                ptr::null_mut(),
            )
        };
        assert_eq!(status, txe_status::Ok);
        assert_eq!(text(results[0].category), Some("groceries"));
        assert_eq!(text(results[0].merchant_id), Some("wd:Q487494"));
        assert_eq!(text(results[0].merchant_name), Some("Tesco"));
        assert_eq!(results[0].source, TXE_SOURCE_MERCHANT);
        assert_eq!(results[0].country[..2], [b'G' as c_char, b'B' as c_char]);
        assert_eq!(text(results[1].merchant_id), None);
        assert_eq!(text(results[1].merchant_name), Some("Blue Heron Tavern"));
        assert_eq!(text(results[2].category), Some("paycheck"));
        assert_eq!(text(results[2].merchant_name), None);
        assert!(results.iter().all(|r| (0.0..=1.0).contains(&r.confidence)));
        unsafe {
            txe_arena_free(arena);
            txe_engine_free(e);
        }
    }

    #[test]
    fn invalid_transactions_touch_nothing() {
        let mut e = ptr::null_mut();
        unsafe { txe_engine_builtin(&mut e, ptr::null_mut()) };
        let arena = txe_arena_new();
        let mut results = [txe_result::EMPTY; 2];
        results[0].confidence = 7.0;
        let run = |txs: &[txe_transaction], results: &mut [txe_result]| unsafe {
            let mut err = ptr::null_mut();
            let s = txe_enrich_batch(
                e,
                ptr::null(),
                txs.as_ptr(),
                txs.len(),
                results.as_mut_ptr(),
                arena,
                &mut err,
            );
            let msg = if err.is_null() {
                String::new()
            } else {
                let m = (*err).message().to_string();
                crate::boundary::txe_error_free(err);
                m
            };
            (s, msg)
        };
        let good = tx("X", -1.0, "EUR");
        let mut bad = tx("X", f64::NAN, "EUR");
        assert_eq!(
            run(&[good, bad], &mut results).0,
            txe_status::WrongRequestFormat
        );
        bad = tx("X", 1.0, "eur");
        let (st, msg) = run(&[good, bad], &mut results);
        assert_eq!(st, txe_status::WrongRequestFormat);
        assert!(msg.starts_with("transactions[1].currency_code"), "{msg}");
        bad = good;
        bad.description = txe_str::ABSENT;
        let (st, msg) = run(&[good, bad], &mut results);
        assert_eq!(st, txe_status::NullArgument);
        assert!(msg.starts_with("transactions[1].description"), "{msg}");
        bad = good;
        bad.payee = txe_str { ptr: b"\xff".as_ptr(), len: 1 };
        let (st, msg) = run(&[bad, good], &mut results);
        assert_eq!(st, txe_status::InvalidUtf8);
        assert!(msg.starts_with("transactions[0].payee"), "{msg}");
        bad = good;
        bad.payer = txe_str { ptr: ptr::null(), len: 3 };
        assert_eq!(
            run(&[bad, good], &mut results).0,
            txe_status::NullArgument
        );
        bad = good;
        bad.mode = s("card");
        assert_eq!(
            run(&[bad], &mut results).0,
            txe_status::WrongRequestFormat
        );
        bad = good;
        bad.mcc = 10000;
        assert_eq!(
            run(&[bad], &mut results).0,
            txe_status::WrongRequestFormat
        );
        bad = good;
        bad.account_nature = 14;
        assert_eq!(run(&[bad], &mut results).0, txe_status::InvalidArgument);
        assert_eq!(results[0].confidence, 7.0, "results untouched");
        let many = vec![good; TXE_BATCH_LIMIT + 1];
        let mut out = vec![txe_result::EMPTY; many.len()];
        assert_eq!(run(&many, &mut out).0, txe_status::BatchSizeLimitExceeded);
        unsafe {
            assert_eq!(
                txe_enrich_batch(
                    e,
                    ptr::null(),
                    ptr::null(),
                    0,
                    ptr::null_mut(),
                    arena,
                    ptr::null_mut()
                ),
                txe_status::Ok
            );
            assert_eq!(
                txe_enrich_batch(
                    e,
                    ptr::null(),
                    ptr::null(),
                    1,
                    results.as_mut_ptr(),
                    arena,
                    ptr::null_mut()
                ),
                txe_status::NullArgument
            );
            assert_eq!(
                txe_enrich_batch(
                    e,
                    ptr::null(),
                    [good].as_ptr(),
                    1,
                    results.as_mut_ptr(),
                    ptr::null_mut(),
                    ptr::null_mut()
                ),
                txe_status::NullArgument
            );
            assert_eq!(
                txe_enrich_batch(
                    ptr::null(),
                    ptr::null(),
                    [good].as_ptr(),
                    1,
                    results.as_mut_ptr(),
                    arena,
                    ptr::null_mut()
                ),
                txe_status::NullArgument
            );
            txe_arena_free(arena);
            txe_arena_free(ptr::null_mut());
            txe_engine_free(e);
        }
    }

    #[test]
    fn batch_limit_matches_the_core() {
        assert_eq!(TXE_BATCH_LIMIT, BATCH_LIMIT);
        assert_eq!(
            AccountNature::ALL.len() as u32,
            TXE_ACCOUNT_NATURE_SAVINGS
        );
        assert_eq!(
            AccountNature::ALL[TXE_ACCOUNT_NATURE_CREDIT_CARD as usize - 1],
            AccountNature::CreditCard
        );
    }
}
