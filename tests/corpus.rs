//! Runs the shared case corpus (`tests/cases/`) through the Rust API and
//! the JSON path, and checks every expected category and merchant.

use txenrich::model::{Categorization, Country};
use txenrich::{Engine, EnrichOptions};
use txenrich_workspace::{cases, check};

#[test]
fn every_case_of_the_corpus() {
    let engine = Engine::builtin();
    let all = cases();
    assert!(all.len() >= 300, "the corpus has {} cases", all.len());
    let mut failures = Vec::new();
    for case in &all {
        let categorization =
            Categorization::from_name(&case.tree).expect("tree");
        let country = case.options["country"]
            .as_str()
            .map(|c| c.parse::<Country>().expect("country"));
        let opts = EnrichOptions { categorization, country, customer: None };
        let mut out = Vec::new();
        let line = case.transaction.to_string();
        if let Err(e) = engine.enrich_json(&line, &opts, &mut out) {
            failures.push(format!("{} ({}): error {e}", case.id, case.file));
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_slice(&out).expect("output is JSON");
        if let Err(why) = check(case, &v) {
            failures.push(format!(
                "{} ({}): {why}\n    {}",
                case.id, case.file, case.transaction["description"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

#[test]
fn corpus_ids_are_unique_and_transactions_carry_them() {
    let all = cases();
    let mut seen = std::collections::HashSet::new();
    for c in &all {
        assert!(seen.insert(c.id.clone()), "duplicate id {}", c.id);
        assert_eq!(
            c.transaction["id"].as_str(),
            Some(c.id.as_str()),
            "{}",
            c.id
        );
        assert!(c.tree == "personal" || c.tree == "business", "{}", c.id);
    }
}
