//! Enriches the sample statement with the Rust library.
//!
//! Run: `cargo run -p txenrich --example enrich`

use txenrich::model::{Categorization, TransactionView};
use txenrich::{Engine, EnrichOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let engine = Engine::builtin();
    let opts = EnrichOptions {
        categorization: Categorization::Personal,
        ..Default::default()
    };

    // Borrowed views: the fastest way in.
    let txs = [
        TransactionView::new(
            "CARD PAYMENT TO TESCO STORES 2345 ON 12 MAR",
            -23.47,
            "GBP",
        ),
        TransactionView::new(
            "TST* BLUE HERON TAVERN PORTLAND OR",
            -38.50,
            "USD",
        ),
        TransactionView::new("SALARY ACME LTD BGC", 2450.00, "GBP"),
    ];
    for (tx, e) in txs.iter().zip(engine.enrich_batch(&txs, &opts)?) {
        println!(
            "{:44} {:24} {:.2} {}",
            tx.description,
            engine.category_code(&e).unwrap_or("-"),
            e.confidence,
            engine.merchant_name(&e).unwrap_or("-"),
        );
    }

    // The JSON path: every line of the sample statement, every field kept.
    let sample = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/transactions.jsonl"
    );
    for line in std::fs::read_to_string(sample)?.lines() {
        let mut out = Vec::new();
        match engine.enrich_json(line, &opts, &mut out) {
            Ok(_) => println!("{}", String::from_utf8_lossy(&out)),
            Err(e) => println!("{}", e.to_json(None)),
        }
    }
    Ok(())
}
