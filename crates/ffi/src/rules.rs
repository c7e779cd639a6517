//! Customer rules (Salt Edge's `categories/learn`) and enrichment options.

use std::ptr;

use txenrich::EnrichOptions;
use txenrich::learn::{Customer, CustomerRules};
use txenrich::model::{Categorization, Country};

use crate::boundary::{
    Failure, free_box, guard, guard_or, handle, handle_mut, optional_str,
    output, required_str, txe_error, txe_status,
};
use crate::bytes::Buffer;

/// The rules end users taught by re-categorizing their transactions, for
/// any number of customers (Salt Edge's `POST /categories/learn`).
///
/// Ownership: created by `txe_rules_new` or `txe_rules_from_json`, freed
/// with `txe_rules_free`. Thread safety: functions taking a
/// `const txe_rules *` may run at the same time from many threads;
/// `txe_rules_learn_json` (which takes a `txe_rules *`) needs the rules to
/// itself: no other call may use them while it runs.
pub struct txe_rules {
    pub(crate) rules: CustomerRules,
}

/// Which category tree to categorize into: Salt Edge's `categorization`.
pub type txe_categorization = u32;
/// No category: merchants are still identified.
pub const TXE_CATEGORIZATION_NONE: txe_categorization = 0;
/// Salt Edge's personal tree (the default).
pub const TXE_CATEGORIZATION_PERSONAL: txe_categorization = 1;
/// Salt Edge's business tree.
pub const TXE_CATEGORIZATION_BUSINESS: txe_categorization = 2;

pub(crate) fn categorization(
    value: txe_categorization,
    what: &str,
) -> Result<Categorization, Failure> {
    match value {
        TXE_CATEGORIZATION_NONE => Ok(Categorization::None),
        TXE_CATEGORIZATION_PERSONAL => Ok(Categorization::Personal),
        TXE_CATEGORIZATION_BUSINESS => Ok(Categorization::Business),
        n => Err(Failure::invalid(
            what,
            format!("expected a TXE_CATEGORIZATION_* value, got {n}"),
        )),
    }
}

/// Options of `txe_enrich_batch`: the category tree, the transactions'
/// country, the customer whose rules apply.
///
/// Ownership: created by `txe_options_new`, freed with
/// `txe_options_free`. Thread safety: any number of `txe_enrich_batch`
/// calls may read the same options at the same time; the
/// `txe_options_set_*` functions need the options to themselves.
#[derive(Debug, Default)]
pub struct txe_options {
    categorization: Categorization,
    country: Option<Country>,
    customer: Option<Customer>,
}

impl txe_options {
    /// The options as the engine takes them.
    pub(crate) fn get(&self) -> EnrichOptions<'_> {
        EnrichOptions {
            categorization: self.categorization,
            country: self.country,
            customer: self.customer.as_ref(),
        }
    }
}

/// Creates empty customer rules. Returns NULL only if the library failed
/// internally. Free with `txe_rules_free`. Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn txe_rules_new() -> *mut txe_rules {
    guard_or(ptr::null_mut(), || {
        Box::into_raw(Box::new(txe_rules { rules: CustomerRules::new() }))
    })
}

/// Reads customer rules saved by `txe_rules_to_json`
/// (`{"version":1,"customers":{…}}`).
///
/// Rules that are not valid are an error (`TXE_STATUS_JSON_PARSE_ERROR`,
/// `TXE_STATUS_WRONG_REQUEST_FORMAT`), never empty rules. On success
/// `*rules_out` is new rules the caller frees with `txe_rules_free`; on
/// failure it is NULL. `json` and `rules_out` may not be NULL. Thread
/// safety: any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn txe_rules_from_json(
    json: *const u8,
    json_len: usize,
    rules_out: *mut *mut txe_rules,
    error: *mut *mut txe_error,
) -> txe_status {
    guard(error, || {
        // SAFETY: per the documented contract.
        let out = unsafe { output(rules_out, ptr::null_mut(), "rules_out") }?;
        // SAFETY: as above.
        let text = unsafe { required_str(json, json_len, "json") }?;
        let rules = CustomerRules::from_json(text)?;
        *out = Box::into_raw(Box::new(txe_rules { rules }));
        Ok(())
    })
}

/// Writes the rules as JSON, to be kept in a file or a database and read
/// back with `txe_rules_from_json`.
///
/// On success `*json_out` is a NUL-terminated buffer of `*json_len` bytes
/// (the NUL not counted) that the caller frees with `txe_bytes_free`; on
/// failure NULL and 0. No pointer argument but `error` may be NULL. Thread
/// safety: any number of readers at once, while no `txe_rules_learn_json`
/// runs on the same rules.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn txe_rules_to_json(
    rules: *const txe_rules,
    json_out: *mut *mut u8,
    json_len: *mut usize,
    error: *mut *mut txe_error,
) -> txe_status {
    guard(error, || {
        // SAFETY: per the documented contract.
        let out = unsafe { output(json_out, ptr::null_mut(), "json_out") }?;
        // SAFETY: as above.
        let len = unsafe { output(json_len, 0, "json_len") }?;
        // SAFETY: as above.
        let rules = unsafe { handle(rules, "rules") }?;
        let text = rules.rules.to_json();
        let mut buf = Buffer::new(text.len());
        buf.extend(text.as_bytes());
        buf.publish(out, len);
        Ok(())
    })
}

/// Applies Salt Edge's learn request body:
/// `{"data":{"customer_id":"…","transactions":[{"id":…,"category_code":"…","immediate":false,"description":"…"}]}}`
/// (at most `TXE_BATCH_LIMIT` items; txenrich keeps no transactions, so
/// each item carries the `description` it is about).
///
/// After a description's category was changed 3 times, or at once with
/// `"immediate":true`, the customer's transactions with that description
/// get it. A `category_code` of the tree in use sets `category` and
/// `extra.customer_category_code`; any other name only sets
/// `extra.customer_category_name`. Nothing is learned when any item is
/// invalid. On success `*learned_out` (when not NULL) is the number of
/// items recorded; on failure it is 0. Thread safety: needs the rules to
/// itself (no other call may use them meanwhile).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn txe_rules_learn_json(
    rules: *mut txe_rules,
    body: *const u8,
    body_len: usize,
    learned_out: *mut usize,
    error: *mut *mut txe_error,
) -> txe_status {
    guard(error, || {
        // SAFETY: per the documented contract.
        let learned = unsafe { learned_out.as_mut() };
        let learned = learned.map(|l| {
            *l = 0;
            l
        });
        // SAFETY: as above.
        let rules = unsafe { handle_mut(rules, "rules") }?;
        // SAFETY: as above.
        let text = unsafe { required_str(body, body_len, "body") }?;
        let n = rules.rules.learn_json(text)?;
        if let Some(l) = learned {
            *l = n;
        }
        Ok(())
    })
}

/// Frees rules. NULL is a no-op. Options that were given these rules keep
/// their own copy. Thread safety: once, when no other call uses them.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn txe_rules_free(rules: *mut txe_rules) {
    // SAFETY: see the documented contract.
    unsafe { free_box(rules) }
}

/// Creates options with the defaults: the personal tree, the country read
/// from each transaction, no customer rules. Returns NULL only if the
/// library failed internally. Free with `txe_options_free`. Thread safety:
/// any thread.
#[unsafe(no_mangle)]
pub extern "C" fn txe_options_new() -> *mut txe_options {
    guard_or(ptr::null_mut(), || Box::into_raw(Box::<txe_options>::default()))
}

/// Sets the category tree (`TXE_CATEGORIZATION_*`). Another value is
/// `TXE_STATUS_INVALID_ARGUMENT` and changes nothing. Thread safety: needs
/// the options to itself.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn txe_options_set_categorization(
    options: *mut txe_options,
    categorization: txe_categorization,
    error: *mut *mut txe_error,
) -> txe_status {
    guard(error, || {
        // SAFETY: per the documented contract.
        let options = unsafe { handle_mut(options, "options") }?;
        options.categorization =
            self::categorization(categorization, "categorization")?;
        Ok(())
    })
}

/// Sets the country of the transactions, as an ISO 3166-1 alpha-2 code of
/// either case (`"GB"`), when the caller knows it; otherwise the engine
/// reads it from each descriptor and currency. `(NULL, 0)` clears it. A
/// code that is not two ASCII letters is `TXE_STATUS_INVALID_ARGUMENT` and
/// changes nothing. Thread safety: needs the options to itself.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn txe_options_set_country(
    options: *mut txe_options,
    country: *const u8,
    country_len: usize,
    error: *mut *mut txe_error,
) -> txe_status {
    guard(error, || {
        // SAFETY: per the documented contract.
        let options = unsafe { handle_mut(options, "options") }?;
        // SAFETY: as above.
        let code = unsafe { optional_str(country, country_len, "country") }?;
        options.country = match code {
            None => None,
            Some(c) => {
                Some(c.parse().map_err(|e| Failure::invalid("country", e))?)
            }
        };
        Ok(())
    })
}

/// Makes the rules `rules` learned for customer `customer_id` apply.
///
/// The options keep a copy of that customer's rules as they are now:
/// `rules` may be freed or changed afterwards without affecting them (set
/// them again to see new learning). A customer the rules do not know has no
/// rules. `rules` NULL clears the customer; otherwise `customer_id` may not
/// be NULL. Thread safety: needs the options to itself; other calls may
/// read `rules` meanwhile.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn txe_options_set_customer(
    options: *mut txe_options,
    rules: *const txe_rules,
    customer_id: *const u8,
    customer_id_len: usize,
    error: *mut *mut txe_error,
) -> txe_status {
    guard(error, || {
        // SAFETY: per the documented contract.
        let options = unsafe { handle_mut(options, "options") }?;
        // SAFETY: as above.
        let Some(rules) = (unsafe { rules.as_ref() }) else {
            options.customer = None;
            return Ok(());
        };
        // SAFETY: as above.
        let id = unsafe {
            required_str(customer_id, customer_id_len, "customer_id")
        }?;
        options.customer = rules.rules.customer(id).cloned();
        Ok(())
    })
}

/// Frees options. NULL is a no-op. Thread safety: once, when no other call
/// uses them.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn txe_options_free(options: *mut txe_options) {
    // SAFETY: see the documented contract.
    unsafe { free_box(options) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(s: &str) -> (*const u8, usize) {
        (s.as_ptr(), s.len())
    }

    #[test]
    fn learn_save_load() {
        unsafe {
            let r = txe_rules_new();
            let body = r#"{"data":{"customer_id":"c1","transactions":[{"id":"1","category_code":"gifts","immediate":true,"description":"AMAZON MKTP 1"}]}}"#;
            let (p, n) = bytes(body);
            let mut learned = 9;
            assert_eq!(
                txe_rules_learn_json(r, p, n, &mut learned, ptr::null_mut()),
                txe_status::Ok
            );
            assert_eq!(learned, 1);
            let mut out = ptr::null_mut();
            let mut len = 0;
            assert_eq!(
                txe_rules_to_json(r, &mut out, &mut len, ptr::null_mut()),
                txe_status::Ok
            );
            let mut back = ptr::null_mut();
            assert_eq!(
                txe_rules_from_json(out, len, &mut back, ptr::null_mut()),
                txe_status::Ok
            );
            assert_eq!((*back).rules, (*r).rules);
            crate::bytes::txe_bytes_free(out);
            let o = txe_options_new();
            let (p, n) = bytes("c1");
            assert_eq!(
                txe_options_set_customer(o, back, p, n, ptr::null_mut()),
                txe_status::Ok
            );
            txe_rules_free(back);
            assert!((*o).customer.is_some(), "a copy survives the rules");
            assert_eq!(
                txe_options_set_customer(
                    o,
                    r,
                    ptr::null(),
                    0,
                    ptr::null_mut()
                ),
                txe_status::NullArgument
            );
            assert_eq!(
                txe_options_set_customer(
                    o,
                    ptr::null(),
                    ptr::null(),
                    0,
                    ptr::null_mut()
                ),
                txe_status::Ok
            );
            assert!((*o).customer.is_none());
            txe_options_free(o);
            txe_rules_free(r);
        }
    }

    #[test]
    fn bad_input() {
        unsafe {
            let mut r = ptr::null_mut();
            let (p, n) = bytes("{");
            assert_eq!(
                txe_rules_from_json(p, n, &mut r, ptr::null_mut()),
                txe_status::JsonParseError
            );
            assert!(r.is_null());
            let r = txe_rules_new();
            let (p, n) = bytes(
                r#"{"data":{"customer_id":"c","transactions":[{"id":1}]}}"#,
            );
            let mut learned = 5;
            assert_eq!(
                txe_rules_learn_json(r, p, n, &mut learned, ptr::null_mut()),
                txe_status::WrongRequestFormat
            );
            assert_eq!(learned, 0);
            assert_eq!(
                txe_rules_learn_json(
                    ptr::null_mut(),
                    p,
                    n,
                    ptr::null_mut(),
                    ptr::null_mut()
                ),
                txe_status::NullArgument
            );
            txe_rules_free(r);
            txe_rules_free(ptr::null_mut());
            let o = txe_options_new();
            assert_eq!(
                txe_options_set_categorization(o, 7, ptr::null_mut()),
                txe_status::InvalidArgument
            );
            assert_eq!(
                txe_options_set_categorization(
                    o,
                    TXE_CATEGORIZATION_BUSINESS,
                    ptr::null_mut()
                ),
                txe_status::Ok
            );
            assert_eq!((*o).categorization, Categorization::Business);
            let (p, n) = bytes("GBR");
            assert_eq!(
                txe_options_set_country(o, p, n, ptr::null_mut()),
                txe_status::InvalidArgument
            );
            let (p, n) = bytes("gb");
            assert_eq!(
                txe_options_set_country(o, p, n, ptr::null_mut()),
                txe_status::Ok
            );
            assert_eq!((*o).country.unwrap().as_str(), "GB");
            assert_eq!(
                txe_options_set_country(o, ptr::null(), 0, ptr::null_mut()),
                txe_status::Ok
            );
            assert!((*o).country.is_none());
            let bad = [b'G', 0xff];
            assert_eq!(
                txe_options_set_country(o, bad.as_ptr(), 2, ptr::null_mut()),
                txe_status::InvalidUtf8
            );
            txe_options_free(o);
            txe_options_free(ptr::null_mut());
        }
    }
}
