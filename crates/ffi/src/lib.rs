/*!
The C ABI of [`txenrich`]: every capability of the engine behind opaque
handles, stable status codes and `(pointer, length)` byte strings, for C,
Go (cgo), Python (ctypes) and any language with a C FFI.

The header `include/txenrich.h` is generated from this crate by cbindgen
(`crates/ffi/cbindgen.toml`) and checked in; `tests/header.rs` fails when
it differs from what the code gives (regenerate with
`TXENRICH_BLESS=1 cargo test -p txenrich-ffi --test header`). The header is
the API's documentation; what follows is a summary.

# Overview

- `txe_engine`: the immutable, thread-safe engine (`txe_engine_builtin`,
  `txe_engine_load` for another dictionary, `txe_engine_free`).
- JSON in and out, Salt Edge's bodies: `txe_enrich_json` (≤ 100
  transactions), `txe_merchants_json`, `txe_categories_json`,
  `txe_report_json`; outputs freed with `txe_bytes_free`.
- The hot path, no JSON: `txe_enrich_batch` over caller-allocated arrays of
  `txe_transaction` and `txe_result`, with `txe_options` and a reusable
  `txe_arena` for the strings the results point to.
- `txe_rules`: customers' learned rules (`txe_rules_learn_json`, saved and
  read back as JSON).
- `txe_error`: the details of a failure (`txe_error_message`,
  `txe_error_class`, `txe_error_json`).

# Conventions

Every fallible function returns a [`txe_status`] and takes a last
`txe_error **error` argument: NULL when the caller does not want details,
else it is set to NULL on success and to a new error (freed with
`txe_error_free`) on failure. Outputs are written only on success, and
reset to NULL/0 on failure. Text inputs are `(const uint8_t *, size_t)`
UTF-8, never NUL-terminated; NULL pointers, invalid UTF-8 and values outside
their enumeration are statuses. Every export runs inside a panic boundary:
a panic becomes `TXE_STATUS_PANIC`, never an abort.
*/

#![allow(non_camel_case_types)]
// The contract of each export is in its documentation (and the header);
// they are `unsafe` because C passes raw pointers.
#![allow(clippy::missing_safety_doc)]
#![deny(missing_docs)]

// In this order in the header.
mod batch;
mod boundary;
mod bytes;
mod engine;
mod json;
mod rules;

pub use batch::*;
pub use boundary::{
    txe_error, txe_error_class, txe_error_free, txe_error_json,
    txe_error_message, txe_error_status, txe_status, txe_status_class,
    txe_status_name,
};
pub use bytes::txe_bytes_free;
pub use engine::*;
pub use json::*;
pub use rules::*;

/// Every public type is safe to share between threads as documented.
#[cfg(test)]
mod thread_safety {
    fn send_sync<T: Send + Sync>() {}

    #[test]
    fn handles() {
        send_sync::<txenrich::Engine>();
        send_sync::<txenrich::learn::CustomerRules>();
        send_sync::<super::txe_options>();
        send_sync::<super::txe_arena>();
        send_sync::<super::txe_error>();
    }
}
