//! The JSON path against serde_json on mutated lines: the hand-written
//! scanner behind `Engine::enrich_json` must accept exactly the JSON that
//! serde_json accepts, classify what it rejects, never panic, and write
//! output that is valid JSON keeping every input field.
//!
//! The mutations are seeded, so a failure names a line that reproduces it.

use serde_json::Value;
use txenrich::synth::SplitMix64;
use txenrich::{Engine, EnrichOptions, ErrorClass};

/// Valid transactions with what the scanner must handle: escapes, Unicode,
/// nested and unknown fields, numbers in every JSON form.
const SEEDS: &[&str] = &[
    r#"{"id":"t1","made_on":"2026-03-12","amount":-47.83,"currency_code":"EUR","description":"MERCADONA VALENCIA"}"#,
    r#"{"id":"t2","made_on":"2026-03-12","amount":1.5e2,"currency_code":"GBP","description":"SALARY \"ACME\" LTD\\REF","extra":{"payee":"Łódź €","mcc":"5411","tags":[1,-0.5,true,null,{"a":[]}]}}"#,
    r#" { "id" : 17 , "made_on" : "2026-01-31" , "amount" : 0 , "currency_code" : "USD" , "description" : "TST* BLUE HERON\u0020TAVERN" , "status" : "posted" , "unknown" : { "deep" : [ [ ] , { } ] } } "#,
    r#"{"id":"t4","made_on":"2026-02-28","amount":-12,"currency_code":"SEK","description":"Kortköp APOTEKET","account_id":"a1","mode":"normal","extra":{"additional":"x","information":null,"original_amount":-1.25E-1}}"#,
];

/// Bytes that make and break JSON structure.
const ALPHABET: &[u8] = b"{}[]\",:\\ \n\t0123456789-+.eEnulltrueu\x01a";

/// One to three random edits of `seed`: delete, insert, replace, truncate,
/// or repeat a slice.
fn mutate(rng: &mut SplitMix64, seed: &str) -> Vec<u8> {
    let mut b = seed.as_bytes().to_vec();
    for _ in 0..1 + rng.below(3) {
        if b.is_empty() {
            break;
        }
        let at = rng.below(b.len());
        match rng.below(5) {
            0 => {
                b.remove(at);
            }
            1 => b.insert(at, ALPHABET[rng.below(ALPHABET.len())]),
            2 => b[at] = ALPHABET[rng.below(ALPHABET.len())],
            3 => b.truncate(at),
            _ => {
                let end = (at + 1 + rng.below(8)).min(b.len());
                let piece = b[at..end].to_vec();
                b.splice(at..at, piece);
            }
        }
    }
    b
}

/// The input's top-level fields are all in the output, unchanged.
fn keeps_fields(input: &Value, output: &Value) -> bool {
    let (Some(i), Some(o)) = (input.as_object(), output.as_object()) else {
        return false;
    };
    i.iter().all(|(k, v)| match k.as_str() {
        // The engine adds its fields to `extra`; the rest must survive.
        "extra" => v.as_object().is_none_or(|e| {
            e.iter().all(|(ek, ev)| o["extra"].get(ek) == Some(ev))
        }),
        _ => o.get(k) == Some(v),
    })
}

#[test]
fn scanner_accepts_what_serde_json_accepts() {
    let engine = Engine::builtin();
    let opts = EnrichOptions::default();
    let mut rng = SplitMix64::new(20_261_124);
    let (mut tried, mut enriched) = (0, 0);
    for round in 0..12_000 {
        let seed = SEEDS[round % SEEDS.len()];
        let Ok(line) = String::from_utf8(mutate(&mut rng, seed)) else {
            continue;
        };
        tried += 1;
        let mut out = Vec::new();
        let ours = engine.enrich_json(&line, &opts, &mut out);
        match serde_json::from_str::<Value>(&line) {
            Err(_) => {
                let e = ours.expect_err(&format!("accepted bad JSON: {line}"));
                assert_eq!(e.class(), ErrorClass::JsonParseError, "{line}");
                assert!(out.is_empty(), "wrote output for {line}");
            }
            Ok(Value::Object(_)) if ours.is_ok() => {
                enriched += 1;
                let input: Value = serde_json::from_str(&line).unwrap();
                let output: Value = serde_json::from_slice(&out)
                    .unwrap_or_else(|e| {
                        panic!(
                            "invalid output ({e}) for {line}: {}",
                            String::from_utf8_lossy(&out)
                        )
                    });
                assert!(keeps_fields(&input, &output), "{line} -> {output}");
            }
            Ok(_) => {
                // Valid JSON that is not a valid transaction: an error of
                // the request's shape, never a parse error.
                let e = ours.expect_err(&format!("accepted {line}"));
                assert_eq!(
                    e.class(),
                    ErrorClass::WrongRequestFormat,
                    "{line}: {e}"
                );
                assert!(out.is_empty(), "wrote output for {line}");
            }
        }
    }
    // The mutations must exercise both sides.
    assert!(tried > 10_000, "{tried} mutated lines");
    assert!(enriched > 500, "only {enriched} of {tried} lines enriched");
}

#[test]
fn nesting_deeper_than_the_limit_is_an_error_not_a_crash() {
    let engine = Engine::builtin();
    for depth in [127, 128, 129, 10_000, 1_000_000] {
        let line = format!(
            r#"{{"id":"t","made_on":"2026-03-12","amount":-1,"currency_code":"EUR","description":"X","extra":{{"deep":{}{}}}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let mut out = Vec::new();
        let ours =
            engine.enrich_json(&line, &EnrichOptions::default(), &mut out);
        if depth > 200 {
            let e = ours.expect_err("too deep");
            assert_eq!(e.class(), ErrorClass::JsonParseError);
        } else if ours.is_ok() {
            let _: Value = serde_json::from_slice(&out).expect("valid output");
        }
    }
}
