//! Writing an enriched transaction as JSON without re-serializing the
//! fields it came with.
//!
//! The input's fields are copied byte for byte, in order; `category` is
//! replaced, the engine's `extra` fields replace any previous values and
//! come after the input's own `extra` fields, and `merchant` is written (or
//! replaced) last. The result parses to the same JSON as building the
//! object field by field would, which the tests check.

use std::sync::OnceLock;

use crate::engine::{CustomerCategory, Engine, Enrichment, MerchantRef};
use crate::json::{RawField, RawObject, RawTransaction, write_f64, write_str};

/// `extra` fields the engine owns: any input value is replaced.
const ENGINE_EXTRA: [&str; 4] = [
    "categorization_confidence",
    "merchant_id",
    "customer_category_code",
    "customer_category_name",
];

pub(crate) fn write_enriched(
    engine: &Engine,
    raw: &RawTransaction<'_>,
    e: &Enrichment,
    categorized: bool,
    out: &mut Vec<u8>,
) {
    out.push(b'{');
    let mut first = true;
    let category = if categorized { engine.category_code(e) } else { None };
    // The parts the engine writes: category, extra and merchant, each at
    // the place of the input's field of that name, or else at the end.
    let write_part = |out: &mut Vec<u8>, part: usize| match part {
        0 => write_category(out, category),
        1 => write_extra(out, raw.extra.as_ref(), engine, e, categorized),
        _ => write_merchant(out, engine, e),
    };
    let mut wrote = [category.is_none(), false, false];
    let fields = &raw.object.fields;
    // Untouched fields are copied as written, key and value, a run of them
    // at a time.
    let mut run = 0;
    for (k, field) in fields.iter().enumerate() {
        let part = match field.key.as_ref() {
            "category" if category.is_some() => 0,
            "extra" => 1,
            "merchant" => 2,
            _ => continue,
        };
        if run < k {
            sep(out, &mut first);
            write_fields(out, raw.object.text(), &fields[run..k]);
        }
        run = k + 1;
        if !wrote[part] {
            sep(out, &mut first);
            write_part(out, part);
            wrote[part] = true;
        }
    }
    if run < fields.len() {
        sep(out, &mut first);
        write_fields(out, raw.object.text(), &fields[run..]);
    }
    for (part, _) in wrote.iter().enumerate().filter(|(_, w)| !**w) {
        sep(out, &mut first);
        write_part(out, part);
    }
    out.push(b'}');
}

/// Writes `fields` as `key:value` pairs between commas, each as written.
/// Where they lie in `text` exactly so (compact JSON), that is one copy of
/// the text.
fn write_fields(out: &mut Vec<u8>, text: &str, fields: &[RawField<'_>]) {
    if let Some(span) = written_as_pairs(text, fields) {
        out.extend_from_slice(span);
        return;
    }
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(field.raw_key.as_bytes());
        out.push(b':');
        out.extend_from_slice(field.value.as_bytes());
    }
}

/// The bytes of `text` that hold `fields` (at least one) as `key:value`
/// pairs separated by single commas, when they do: each key and value is
/// checked to start in `text` where the previous one and one separator
/// byte end, and the separator bytes to be `:` and `,`.
fn written_as_pairs<'t>(
    text: &'t str,
    fields: &[RawField<'_>],
) -> Option<&'t [u8]> {
    let bytes = text.as_bytes();
    // Where `s` starts in `text`, if it lies within it.
    let offset = |s: &str| {
        (s.as_ptr() as usize)
            .checked_sub(bytes.as_ptr() as usize)
            .filter(|&o| o + s.len() <= bytes.len())
    };
    let start = offset(fields.first()?.raw_key)?;
    let mut at = start;
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            (bytes.get(at) == Some(&b',')).then_some(())?;
            at += 1;
        }
        (offset(field.raw_key)? == at).then_some(())?;
        at += field.raw_key.len();
        (bytes.get(at) == Some(&b':')).then_some(())?;
        at += 1;
        (offset(field.value)? == at).then_some(())?;
        at += field.value.len();
    }
    Some(&bytes[start..at])
}

fn sep(out: &mut Vec<u8>, first: &mut bool) {
    if !*first {
        out.push(b',');
    }
    *first = false;
}

fn write_category(out: &mut Vec<u8>, code: Option<&str>) {
    out.extend_from_slice(b"\"category\":");
    match code {
        Some(c) => write_str(out, c),
        None => out.extend_from_slice(b"null"),
    }
}

fn write_extra(
    out: &mut Vec<u8>,
    extra: Option<&RawObject<'_>>,
    engine: &Engine,
    e: &Enrichment,
    categorized: bool,
) {
    out.extend_from_slice(b"\"extra\":{");
    let mut first = true;
    if let Some(extra) = extra {
        // The input's own fields of extra, but those the engine writes.
        let fields = &extra.fields;
        let mut run = 0;
        for k in 0..=fields.len() {
            let ours = fields
                .get(k)
                .is_none_or(|f| ENGINE_EXTRA.contains(&f.key.as_ref()));
            if !ours {
                continue;
            }
            if run < k {
                sep(out, &mut first);
                write_fields(out, extra.text(), &fields[run..k]);
            }
            run = k + 1;
        }
    }
    if categorized && e.category.is_some() {
        sep(out, &mut first);
        out.extend_from_slice(b"\"categorization_confidence\":");
        write_hundredths(out, (f64::from(e.confidence) * 100.0).round());
    }
    if let Some(MerchantRef::Known(idx)) = &e.merchant {
        sep(out, &mut first);
        out.extend_from_slice(b"\"merchant_id\":");
        write_str(out, engine.dictionary().merchant(*idx).id());
    }
    match &e.customer_category {
        Some(CustomerCategory::Code(id)) => {
            sep(out, &mut first);
            out.extend_from_slice(b"\"customer_category_code\":");
            write_str(out, engine.taxonomy().code(*id));
        }
        Some(CustomerCategory::Name(name)) => {
            sep(out, &mut first);
            out.extend_from_slice(b"\"customer_category_name\":");
            write_str(out, name);
        }
        None => {}
    }
    out.push(b'}');
}

/// Writes `hundredths / 100` as [`write_f64`] does. The 101 values from 0
/// to 1 are written once and copied: a confidence is one of them.
fn write_hundredths(out: &mut Vec<u8>, hundredths: f64) {
    static WRITTEN: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    let table = WRITTEN.get_or_init(|| {
        (0..=100)
            .map(|k| {
                let mut text = Vec::new();
                write_f64(&mut text, f64::from(k) / 100.0);
                text
            })
            .collect()
    });
    let whole =
        (0.0..=100.0).contains(&hundredths) && hundredths.fract() == 0.0;
    match table.get(hundredths as usize) {
        Some(text) if whole => out.extend_from_slice(text),
        _ => write_f64(out, hundredths / 100.0),
    }
}

fn write_merchant(out: &mut Vec<u8>, engine: &Engine, e: &Enrichment) {
    out.extend_from_slice(b"\"merchant\":");
    let country = e.country.map(|c| c.bytes());
    match &e.merchant {
        None => out.extend_from_slice(b"null"),
        Some(MerchantRef::Known(idx)) => {
            let m = engine.dictionary().merchant(*idx);
            out.extend_from_slice(b"{\"id\":");
            write_str(out, m.id());
            out.extend_from_slice(b",\"names\":[");
            for (i, (mode, value)) in m.names().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(b"{\"mode\":");
                write_str(out, mode.as_str());
                out.extend_from_slice(b",\"value\":");
                write_str(out, value);
                out.push(b'}');
            }
            out.extend_from_slice(b"],\"address\":{");
            let cc = m.only_country().or(country.filter(|c| m.in_country(*c)));
            if let Some(cc) = cc {
                out.extend_from_slice(b"\"country_code\":");
                write_str(out, std::str::from_utf8(&cc).unwrap_or(""));
            }
            out.extend_from_slice(b"},\"contact\":[");
            if !m.website().is_empty() {
                out.extend_from_slice(b"{\"mode\":\"website\",\"value\":");
                write_str(out, m.website());
                out.push(b'}');
            }
            out.extend_from_slice(b"]}");
        }
        Some(MerchantRef::Cleansed(name)) => {
            out.extend_from_slice(
                b"{\"id\":null,\"names\":[{\"mode\":\"name\",\"value\":",
            );
            write_str(out, name);
            out.extend_from_slice(b"}],\"address\":{");
            if let Some(cc) = country {
                out.extend_from_slice(b"\"country_code\":");
                write_str(out, std::str::from_utf8(&cc).unwrap_or(""));
            }
            out.extend_from_slice(b"},\"contact\":[]}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{write_fields, written_as_pairs};
    use crate::json::{RawField, RawObject};
    use crate::model::Categorization;
    use crate::{Engine, EnrichOptions};
    use serde_json::Value;

    fn run(line: &str, categorization: Categorization) -> Value {
        let engine = Engine::builtin();
        let mut out = Vec::new();
        let opts = EnrichOptions { categorization, ..Default::default() };
        engine.enrich_json(line, &opts, &mut out).unwrap();
        serde_json::from_slice(&out).expect("output is JSON")
    }

    #[test]
    fn keeps_every_input_field_verbatim_and_in_order() {
        let line = r#"{"id":"a","made_on":"2026-01-02","amount":-1.50,"currency_code":"GBP","description":"ATM WITHDRAWAL","category":"old","x":{"deep":[1,2.0]},"extra":{"payee":"Y","categorization_confidence":0.1,"tags":["t"]},"duplicated":false}"#;
        let engine = Engine::builtin();
        let mut out = Vec::new();
        engine.enrich_json(line, &EnrichOptions::default(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        // Untouched fields are copied byte for byte.
        assert!(text.starts_with(r#"{"id":"a","made_on":"2026-01-02","amount":-1.50,"currency_code":"GBP","description":"ATM WITHDRAWAL","category":"#), "{text}");
        assert!(text.contains(r#""x":{"deep":[1,2.0]}"#));
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_ne!(v["category"], "old");
        assert_eq!(v["extra"]["payee"], "Y");
        assert_eq!(v["extra"]["tags"][0], "t");
        assert_ne!(v["extra"]["categorization_confidence"], 0.1);
        assert_eq!(v["duplicated"], false);
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys.last().unwrap().as_str(), "merchant");
    }

    #[test]
    fn adds_category_extra_and_merchant_when_absent() {
        let v = run(
            r#"{"id":"a","made_on":"2026-01-02","amount":-60,"currency_code":"GBP","description":"ATM WITHDRAWAL"}"#,
            Categorization::Personal,
        );
        assert!(v["category"].is_string());
        assert!(v["extra"]["categorization_confidence"].is_number());
        assert!(v.get("merchant").is_some());
    }

    #[test]
    fn hundredths_are_written_as_write_f64_writes_them() {
        for hundredths in
            (0..=100).map(f64::from).chain([-3.0, 250.0, 50.5, f64::NAN])
        {
            let (mut fast, mut plain) = (Vec::new(), Vec::new());
            super::write_hundredths(&mut fast, hundredths);
            crate::json::write_f64(&mut plain, hundredths / 100.0);
            assert_eq!(fast, plain, "{hundredths}");
        }
    }

    #[test]
    fn categorization_none_keeps_input_category() {
        let v = run(
            r#"{"id":"a","made_on":"2026-01-02","amount":-60,"currency_code":"GBP","description":"X","category":"mine"}"#,
            Categorization::None,
        );
        assert_eq!(v["category"], "mine");
        assert!(v["extra"].get("categorization_confidence").is_none());
    }

    #[test]
    fn fields_written_as_pairs_are_copied_in_one_piece() {
        let compact =
            RawObject::parse(r#"{"a":1,"b":"x,y","c":[1, 2]}"#).unwrap();
        let spaced =
            RawObject::parse(r#"{"a": 1,"b":"x,y" ,"c":[1, 2]}"#).unwrap();
        let written = |o: &RawObject<'_>, range: std::ops::Range<usize>| {
            let mut out = Vec::new();
            write_fields(&mut out, o.text(), &o.fields[range]);
            String::from_utf8(out).unwrap()
        };
        for o in [&compact, &spaced] {
            assert_eq!(written(o, 0..3), r#""a":1,"b":"x,y","c":[1, 2]"#);
            assert_eq!(written(o, 1..3), r#""b":"x,y","c":[1, 2]"#);
        }
        let text = compact.text();
        assert!(written_as_pairs(text, &compact.fields).is_some());
        assert!(written_as_pairs(text, &compact.fields[1..2]).is_some());
        assert!(written_as_pairs(spaced.text(), &spaced.fields).is_none());
        // Fields out of order, or not from the text, are written one by
        // one.
        let swapped = [compact.fields[1].clone(), compact.fields[0].clone()];
        assert!(written_as_pairs(text, &swapped).is_none());
        let elsewhere =
            [RawField { key: "a".into(), raw_key: "\"a\"", value: "1" }];
        assert!(written_as_pairs(text, &elsewhere).is_none());
        assert!(written_as_pairs(text, &[]).is_none());
    }
}
