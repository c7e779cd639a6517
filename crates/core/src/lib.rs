/*!
Offline transaction enrichment in Salt Edge's shape.

`txenrich` takes bank and card transactions as Salt Edge represents them and
tells, in microseconds and without any network call:

- what each one is: a category of Salt Edge's personal tree (80 codes) or
  business tree (69 codes), with a confidence;
- who was paid: the merchant behind a cluttered descriptor, with a stable id
  and a Salt Edge merchant record, or the shop's name read from the
  descriptor when no dictionary holds it;
- what the customer taught it: Salt Edge's `categories/learn` rules.

# Overview

- [`Engine`]: the immutable, thread-safe engine. [`Engine::builtin`] is
  built from the data embedded in the library (`data/` of the repository);
  [`EngineBuilder`] builds one from other data.
- [`model::Transaction`] / [`model::TransactionView`]: Salt Edge's
  transaction, owned or borrowed.
- [`Enrichment`]: the category, confidence, merchant and learned category
  of one transaction.
- [`json`]: the borrowed JSON path used by the command line: parse a line,
  enrich it, splice the result into the original bytes.
- [`insights`]: Salt Edge's Financial Insights report over a customer's
  accounts: balances, income, expenses, streams, savings.
- [`taxonomy`], [`rules`], [`dict`], [`learn`], [`text`]: the parts, each
  usable on its own.

# Example

```
use txenrich::{Engine, EnrichOptions};
use txenrich::model::{Categorization, TransactionView};

let engine = Engine::builtin();
let tx = TransactionView::new("SALARY ACME LTD BGC", 2450.00, "GBP");
let e = engine.enrich(&tx, &EnrichOptions::default());
assert_eq!(engine.category_code(&e), Some("paycheck"));
assert!(e.merchant.is_none());

// The JSON path: every input field is kept, the enrichment is added.
let mut out = Vec::new();
engine.enrich_json(
    r#"{"id":"1","made_on":"2026-03-12","amount":-60,"currency_code":"GBP","description":"ATM WITHDRAWAL","custom":1}"#,
    &EnrichOptions { categorization: Categorization::Personal, ..Default::default() },
    &mut out,
).unwrap();
let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
assert_eq!(v["category"], "transfer");
assert_eq!(v["custom"], 1);
```

# Errors

Everything a caller can get wrong yields an [`Error`] carrying one of Salt
Edge's error classes ([`ErrorClass`]): `WrongRequestFormat` names the field
and value at fault, `BatchSizeLimitExceeded` is returned for more than
[`BATCH_LIMIT`] transactions, `JsonParseError` for text that is not JSON.
Nothing in this crate panics on bad input.
*/

#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]
#![forbid(unsafe_code)]

/// The data the build script prepared from `data/` (see `build.rs`).
mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin.rs"));
}
pub mod dict;
mod engine;
pub mod error;
mod image;
pub mod insights;
pub mod json;
pub mod learn;
pub mod lexicon;
pub mod model;
mod output;
mod phrase;
pub mod rules;
mod slots;
pub mod synth;
pub mod taxonomy;
pub mod text;

pub use engine::{
    BATCH_LIMIT, BuildError, CustomerCategory, Engine, EngineBuilder,
    EnrichOptions, Enrichment, MerchantRef, Source, check_batch,
};
pub use error::{Error, ErrorClass};

// The README's Rust examples are compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
