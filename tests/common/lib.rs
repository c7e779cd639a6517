//! Support shared by the workspace's cross-crate tests and benches: the
//! case corpus of `tests/cases/` (format in `tests/cases/README.md`).

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// One case of the corpus.
#[derive(Clone, Debug)]
pub struct Case {
    /// The file it comes from.
    pub file: String,
    /// Unique id.
    pub id: String,
    /// `personal` or `business`.
    pub tree: String,
    /// Engine options (`{"country": "DE"}`), possibly empty.
    pub options: Value,
    /// The transaction as a client sends it.
    pub transaction: Value,
    /// The expected category code.
    pub category: String,
    /// The expected merchant name; `None` when no merchant may be returned.
    pub merchant: Option<String>,
    /// `Some(None)`: the merchant must be one read from the descriptor;
    /// `Some(Some(id))`: this dictionary id; `None`: not checked.
    pub merchant_id: Option<Option<String>>,
}

/// Every case of every `*.jsonl` file of `tests/cases/`, in file order.
pub fn cases() -> Vec<Case> {
    let dir = root().join("tests/cases");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/cases exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).expect("readable");
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let v: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{name}:{}: {e}", n + 1));
            let s = |k: &str| {
                v[k].as_str()
                    .unwrap_or_else(|| panic!("{name}:{}: no {k}", n + 1))
                    .to_string()
            };
            let expect = &v["expect"];
            out.push(Case {
                file: name.clone(),
                id: s("id"),
                tree: s("tree"),
                options: v.get("options").cloned().unwrap_or(Value::Null),
                transaction: v["transaction"].clone(),
                category: expect["category"]
                    .as_str()
                    .unwrap_or_else(|| {
                        panic!("{name}:{}: no expect.category", n + 1)
                    })
                    .to_string(),
                merchant: expect["merchant"].as_str().map(str::to_string),
                merchant_id: expect
                    .get("merchant_id")
                    .map(|m| m.as_str().map(str::to_string)),
            });
        }
    }
    out
}

/// A merchant name folded for comparison: accents, case, punctuation and
/// `&` folded, legal suffixes dropped (the same folding as the evaluation
/// script).
pub fn fold_name(name: &str) -> String {
    const SUFFIXES: [&str; 24] = [
        "ltd", "limited", "plc", "gmbh", "ag", "sa", "sas", "sarl", "srl",
        "spa", "bv", "nv", "inc", "llc", "co", "kg", "oy", "ab", "as", "aps",
        "sp", "zoo", "se", "the",
    ];
    let s: String = name
        .nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .collect();
    let s =
        s.to_lowercase().replace('&', " and ").replace(['\'', '\u{2019}'], "");
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty() && !SUFFIXES.contains(w))
        .collect()
}

/// What an output line says about a case, or why it does not match.
pub fn check(case: &Case, out: &Value) -> Result<(), String> {
    let mut problems = Vec::new();
    if out["category"].as_str() != Some(case.category.as_str()) {
        problems.push(format!(
            "category {} (expected {})",
            out["category"], case.category
        ));
    }
    let merchant = &out["merchant"];
    let names: Vec<String> = merchant["names"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|n| n["value"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    match &case.merchant {
        None if !merchant.is_null() => {
            problems.push(format!("merchant {names:?} (expected none)"))
        }
        None => {}
        Some(want) => {
            let w = fold_name(want);
            if !names.iter().any(|n| fold_name(n) == w) {
                problems
                    .push(format!("merchant {names:?} (expected {want:?})"));
            }
            match &case.merchant_id {
                Some(None) if !merchant["id"].is_null() => {
                    problems.push(format!("merchant id {} (expected a name read from the descriptor)", merchant["id"]))
                }
                Some(Some(id)) if merchant["id"].as_str() != Some(id) => {
                    problems.push(format!("merchant id {} (expected {id})", merchant["id"]))
                }
                _ => {}
            }
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
}
