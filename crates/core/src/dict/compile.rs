//! Compiling merchant sources into a dictionary artifact.

use std::collections::{BTreeMap, HashMap};

use super::format::{self, Section};
use super::source::{self, CountryScope, NameMode, Origin, SourceError};
use crate::lexicon::Lexicon;
use crate::taxonomy::Tree;
use crate::text;

/// Alias flags, stored in the high byte of a candidate entry.
pub mod flags {
    /// The alias is one of the merchant's names.
    pub const NAME: u8 = 1;
    /// The alias is a descriptor spelling from the sources.
    pub const ALIAS: u8 = 2;
    /// The alias is the merchant's website host.
    pub const DOMAIN: u8 = 4;
    /// The alias is a name written without its spaces.
    pub const NOSPACE: u8 = 8;
    /// One common word: names a merchant only where it stands alone on a
    /// shop or bill line.
    pub const WEAK: u8 = 16;
    /// A three-letter name of an uncurated source: names a merchant only
    /// where it starts a name on a shop or bill line (`OBI BAU-MARKT`).
    pub const SHORT: u8 = 32;
}

/// What a compilation produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompileStats {
    /// Merchants in the artifact.
    pub merchants: usize,
    /// Distinct normalized aliases.
    pub aliases: usize,
    /// Aliases dropped as generic (stop-words, numbers).
    pub dropped_aliases: usize,
    /// Size of the artifact in bytes.
    pub bytes: usize,
}

/// Compiles merchant sources, given as `(file name, TSV text)` pairs in
/// precedence order (later files extend earlier ones), into an artifact.
///
/// The `lexicon` decides which one-word aliases are too common to match on
/// their own and which legal forms to strip from aliases.
pub fn compile(
    sources: &[(&str, &str)],
    lexicon: &Lexicon,
) -> Result<(Vec<u8>, CompileStats), SourceError> {
    let mut all = Vec::new();
    for &(file, text) in sources {
        all.extend(source::parse_tsv(file, text)?);
    }
    let merchants = source::merge(all)?;
    if merchants.len() >= 1 << 24 {
        return Err(SourceError {
            file: "sources".into(),
            line: 0,
            message: "too many merchants".into(),
        });
    }
    let mut stats =
        CompileStats { merchants: merchants.len(), ..CompileStats::default() };

    // Alias keys → (origin, merchant, flags), deduplicated per merchant.
    let mut keys: BTreeMap<String, Vec<(u8, u32, u8)>> = BTreeMap::new();
    for (idx, m) in merchants.iter().enumerate() {
        // Ordered, so that the joined forms below are added in one order
        // and the artifact is the same from one compile to the next.
        let mut local: BTreeMap<String, u8> = BTreeMap::new();
        let mut add =
            |raw: &str, kind: u8, local: &mut BTreeMap<String, u8>| {
                let (forced, raw) = match raw.strip_prefix('!') {
                    Some(r) => (true, r),
                    None => (false, raw),
                };
                for variant in text::spellings(raw) {
                    for (key, stripped) in alias_keys(&variant, lexicon) {
                        // A city's name, a common word, a person's name or a
                        // short code is weak on its own; NSI's three-letter
                        // names too (curated ones are reviewed for this).
                        let single = !key.contains(' ');
                        // A word left by stripping a legal form (`Blue` of
                        // `Blue Inc`) is a name only when it stands alone.
                        let weak_one_word = (single
                            && (stripped || lexicon.is_weak_word(&key)))
                            || lexicon.cities.contains_key(&key);
                        let short = single
                            && key.len() == 3
                            && m.origin != Origin::Curated;
                        if !forced
                            && m.origin != Origin::Curated
                            && all_generic(&key, lexicon)
                            && key.contains(' ')
                        {
                            stats.dropped_aliases += 1;
                            continue;
                        }
                        // A website's host is matched only with its name part
                        // (`netflix com`), never as a bare domain ending.
                        if kind == flags::DOMAIN
                            && key.split(' ').next().is_none_or(|t| {
                                t.len() < 3 || !key.contains(' ')
                            })
                        {
                            stats.dropped_aliases += 1;
                            continue;
                        }
                        let legal_form = !key.contains(' ')
                            && lexicon
                                .legal_forms
                                .iter()
                                .any(|f| f.len() == 1 && f[0] == key);
                        if (legal_form && !forced)
                            || key
                                .bytes()
                                .all(|b| b.is_ascii_digit() || b == b' ')
                        {
                            stats.dropped_aliases += 1;
                            continue;
                        }
                        let mut f = kind;
                        if weak_one_word && !forced {
                            f |= flags::WEAK;
                        } else if short && !forced {
                            f |= flags::SHORT;
                        }
                        let e = local.entry(key).or_insert(f);
                        // Keep the strongest reading: a restriction stays only
                        // when every reading of the key has it; kinds
                        // accumulate.
                        let restrictions = flags::WEAK | flags::SHORT;
                        let kept = *e & f & restrictions;
                        *e = ((*e | f) & !restrictions) | kept;
                    }
                }
            };
        add(&m.name, flags::NAME, &mut local);
        for (mode, value) in &m.names {
            let kind = if *mode == NameMode::Operator {
                flags::ALIAS
            } else {
                flags::NAME
            };
            add(value, kind, &mut local);
        }
        for a in &m.aliases {
            add(a, flags::ALIAS, &mut local);
        }
        if let Some(host) = website_host(&m.website) {
            add(&host, flags::DOMAIN, &mut local);
        }
        // Names written without their spaces (`PRETAMANGER`).
        let spaced: Vec<(String, u8)> = local
            .iter()
            .filter(|(k, f)| {
                k.contains(' ') && **f & (flags::NAME | flags::ALIAS) != 0
            })
            .map(|(k, f)| (k.replace(' ', ""), *f & !flags::DOMAIN))
            .collect();
        for (joined, f) in spaced {
            if joined.len() >= 5 && !lexicon.is_weak_word(&joined) {
                local.entry(joined).or_insert(f | flags::NOSPACE);
            }
        }
        for (key, f) in local {
            keys.entry(key).or_default().push((m.origin as u8, idx as u32, f));
        }
    }
    stats.aliases = keys.len();

    // Candidates: per key, strong before weak, curated before NSI before
    // card networks, then by id order (the merchants are sorted by id).
    let mut candidates: Vec<u8> = Vec::new();
    let mut alias_map = fst::MapBuilder::memory();
    let mut key_entries: Vec<(u64, u32)> = Vec::new();
    let continuations =
        format::Continuations::build(keys.keys().map(String::as_str));
    for (key, mut list) in keys {
        list.sort_by_key(|&(origin, idx, f)| {
            (
                f & (flags::WEAK | flags::SHORT) != 0,
                origin,
                f & flags::NAME == 0,
                idx,
            )
        });
        list.truncate(255);
        let offset = (candidates.len() / 4) as u64;
        for &(_, idx, f) in &list {
            candidates.extend_from_slice(
                &(idx | (u32::from(f) << 24)).to_le_bytes(),
            );
        }
        let value = (offset << 8) | list.len() as u64;
        alias_map.insert(&key, value).map_err(|e| SourceError {
            file: "aliases".into(),
            line: 0,
            message: e.to_string(),
        })?;
        if offset >= 1 << 22 {
            return Err(SourceError {
                file: "aliases".into(),
                line: 0,
                message: "too many alias candidates".into(),
            });
        }
        // The alias, and each of its first tokens as a prefix, by hash.
        let mut h = format::HASH_START;
        for (k, token) in key.split(' ').enumerate() {
            if k > 0 {
                key_entries.push((h, format::KEY_IS_PREFIX));
                h = format::hash_more(h, b" ");
            }
            h = format::hash_more(h, token.as_bytes());
        }
        key_entries.push((h, format::KEY_IS_ALIAS | value as u32));
    }
    let aliases = alias_map.into_inner().map_err(|e| SourceError {
        file: "aliases".into(),
        line: 0,
        message: e.to_string(),
    })?;

    // Records.
    let mut strings = StringTable::default();
    let mut names: Vec<u8> = Vec::new();
    let mut records: Vec<u8> = Vec::new();
    let mut countries = CountrySets::default();
    let mut categories = CategoryCodes::default();
    let mut ids = fst::MapBuilder::memory();
    for (idx, m) in merchants.iter().enumerate() {
        let name_start = (names.len() / format::NAME_RECORD) as u32;
        let mut name_count: u16 = 0;
        let mut seen: Vec<String> = vec![m.name.to_lowercase()];
        for (mode, value) in
            std::iter::once(&(NameMode::Name, m.name.clone())).chain(&m.names)
        {
            if *mode != NameMode::Name
                && seen.contains(&value.to_lowercase())
                && *mode != NameMode::Brand
            {
                continue;
            }
            seen.push(value.to_lowercase());
            let (off, len) = strings.add(value);
            names.push(*mode as u8);
            names.extend_from_slice(&[0, 0, 0]);
            names.extend_from_slice(&off.to_le_bytes());
            names.extend_from_slice(&len.to_le_bytes());
            name_count += 1;
            if name_count == u16::MAX {
                break;
            }
        }
        let mut rec = Vec::with_capacity(format::MERCHANT_RECORD);
        for s in [&m.id, &m.name, &m.website, &m.source] {
            let (off, len) = strings.add(s);
            rec.extend_from_slice(&off.to_le_bytes());
            rec.extend_from_slice(&len.to_le_bytes());
        }
        rec.extend_from_slice(&name_start.to_le_bytes());
        rec.extend_from_slice(&name_count.to_le_bytes());
        rec.push(0); // flags, reserved
        rec.push(m.origin as u8);
        rec.extend_from_slice(&countries.add(&m.countries).to_le_bytes());
        for (tree, codes) in
            [(Tree::Personal, &m.personal), (Tree::Business, &m.business)]
        {
            let mut slots = [255u8; 4];
            for (slot, code) in slots.iter_mut().zip(codes.iter()) {
                *slot = categories.add(tree, code);
            }
            rec.extend_from_slice(&slots);
        }
        debug_assert_eq!(rec.len(), format::MERCHANT_RECORD);
        records.extend_from_slice(&rec);
        ids.insert(&m.id, idx as u64).map_err(|e| SourceError {
            file: m.location.clone(),
            line: 0,
            message: format!("merchant id {}: {e}", m.id),
        })?;
    }
    let ids = ids.into_inner().map_err(|e| SourceError {
        file: "ids".into(),
        line: 0,
        message: e.to_string(),
    })?;
    let sections = vec![
        (Section::Aliases, aliases),
        (Section::Candidates, candidates),
        (Section::Keys, format::KeyTable::build(&key_entries)),
        (Section::Merchants, records),
        (Section::Names, names),
        (Section::Strings, strings.bytes),
        (Section::Countries, countries.bytes),
        (Section::Categories, categories.text.into_bytes()),
        (Section::Ids, ids),
        (Section::Continuations, continuations),
    ];
    let bytes = format::write(&sections);
    stats.bytes = bytes.len();
    Ok((bytes, stats))
}

/// The keys an alias is matched under: its normalized form, and the same
/// without a trailing legal form (`Tesco Stores Ltd` → `tesco stores`),
/// marked as stripped.
fn alias_keys(raw: &str, lexicon: &Lexicon) -> Vec<(String, bool)> {
    let norm = text::normalize(raw);
    if norm.is_empty() {
        return Vec::new();
    }
    let tokens: Vec<&str> = norm.split(' ').collect();
    let mut out = vec![(norm.clone(), false)];
    // Strip a legal form at the end, when what is left is still a name
    // (`G.A.S.` must not become `g`).
    for start in 1..tokens.len() {
        let n = lexicon.legal_form_at(&tokens[start..]);
        if n > 0 && start + n == tokens.len() {
            let rest = tokens[..start].join(" ");
            if rest.len() - (start - 1) >= 4 {
                out.push((rest, true));
            }
            break;
        }
    }
    out
}

/// True for a key made only of stop-words and numbers (`the shop`,
/// `online store 24`). Letters count as a name: `b q`, `q 8 easy`.
fn all_generic(key: &str, lexicon: &Lexicon) -> bool {
    key.split(' ').all(|t| {
        lexicon.stopwords.contains(t) || t.bytes().all(|b| b.is_ascii_digit())
    })
}

/// The host of a website URL without `www.`: `https://www.netflix.com/x` →
/// `netflix.com`.
pub(crate) fn website_host(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let host = rest.split(['/', '?', '#', ':']).next()?;
    let host = host.strip_prefix("www.").unwrap_or(host);
    (host.contains('.') && host.len() >= 4).then(|| host.to_ascii_lowercase())
}

#[derive(Default)]
struct StringTable {
    bytes: Vec<u8>,
    index: HashMap<String, (u32, u32)>,
}

impl StringTable {
    fn add(&mut self, s: &str) -> (u32, u32) {
        if let Some(&r) = self.index.get(s) {
            return r;
        }
        let r = (self.bytes.len() as u32, s.len() as u32);
        self.bytes.extend_from_slice(s.as_bytes());
        self.index.insert(s.to_string(), r);
        r
    }
}

/// Country sets: `[mode u8][count u8][count × 2 bytes]`; offset 0 is "any".
struct CountrySets {
    bytes: Vec<u8>,
    index: HashMap<Vec<u8>, u32>,
}

impl Default for CountrySets {
    fn default() -> Self {
        CountrySets { bytes: vec![0, 0], index: HashMap::new() }
    }
}

impl CountrySets {
    fn add(&mut self, scope: &CountryScope) -> u32 {
        let (mode, list) = match scope {
            CountryScope::Any => return 0,
            CountryScope::Only(l) => (1u8, l),
            CountryScope::Except(l) => (2u8, l),
        };
        let mut enc = vec![mode, list.len().min(255) as u8];
        for c in list.iter().take(255) {
            enc.extend_from_slice(c);
        }
        if let Some(&off) = self.index.get(&enc) {
            return off;
        }
        let off = self.bytes.len() as u32;
        self.bytes.extend_from_slice(&enc);
        self.index.insert(enc, off);
        off
    }
}

#[derive(Default)]
struct CategoryCodes {
    text: String,
    index: HashMap<(Tree, String), u8>,
}

impl CategoryCodes {
    fn add(&mut self, tree: Tree, code: &str) -> u8 {
        let n = self.index.len();
        *self.index.entry((tree, code.to_string())).or_insert_with(|| {
            let t = if tree == Tree::Personal { 'p' } else { 'b' };
            self.text.push_str(&format!("{t} {code}\n"));
            // At most 149 codes exist in both trees together.
            n as u8
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiles_the_same_bytes_every_time() {
        // Two spaced keys of one merchant that join to the same word
        // (`mcdonalds`) with different flags: the one kept must not depend
        // on a hash map's order.
        let tsv = "cur:m\tMc Donalds\t\tMCDO NALDS\tGB\t\tcafes_and_restaurants\tmeals\tcurated\n";
        let lex = Lexicon::default();
        let first = compile(&[("t.tsv", tsv)], &lex).unwrap().0;
        for _ in 0..16 {
            assert_eq!(compile(&[("t.tsv", tsv)], &lex).unwrap().0, first);
        }
    }

    #[test]
    fn hosts() {
        assert_eq!(
            website_host("https://www.netflix.com/gb/"),
            Some("netflix.com".into())
        );
        assert_eq!(website_host("http://bol.com"), Some("bol.com".into()));
        assert_eq!(website_host("ftp://x.com"), None);
        assert_eq!(website_host(""), None);
    }

    #[test]
    fn legal_forms_are_stripped_from_aliases() {
        let lex = Lexicon::parse(&crate::lexicon::LexiconSources {
            legal_forms: "Ltd\nGmbH & Co. KG\n",
            ..Default::default()
        })
        .unwrap();
        let keys = |s: &str| -> Vec<String> {
            alias_keys(s, &lex).into_iter().map(|(k, _)| k).collect()
        };
        assert_eq!(
            keys("Tesco Stores Ltd"),
            ["tesco stores ltd", "tesco stores"]
        );
        assert_eq!(
            alias_keys("IKEA Deutschland GmbH & Co. KG", &lex),
            [
                ("ikea deutschland gmbh co kg".to_string(), false),
                ("ikea deutschland".to_string(), true)
            ]
        );
        assert_eq!(keys("Ltd"), ["ltd"]);
        let lex = Lexicon::parse(&crate::lexicon::LexiconSources {
            legal_forms: "A/S\n",
            ..Default::default()
        })
        .unwrap();
        assert_eq!(alias_keys("G.A.S.", &lex), [("g a s".to_string(), false)]);
    }
}
