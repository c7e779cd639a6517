//! Merchant sources: the TSV files of `data/merchants/` (format in
//! `data/README.md`), parsed and merged.

use std::collections::HashMap;
use std::fmt;

use crate::taxonomy::{Taxonomy, Tree};

/// Salt Edge's merchant name modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NameMode {
    /// The name.
    Name = 0,
    /// A brand.
    Brand = 1,
    /// The operating company.
    Operator = 2,
    /// Another name.
    AlternativeName = 3,
    /// The name in Latin script.
    TransliteratedName = 4,
}

impl NameMode {
    /// Every mode, in Salt Edge's order.
    pub const ALL: [NameMode; 5] = [
        NameMode::Name,
        NameMode::Brand,
        NameMode::Operator,
        NameMode::AlternativeName,
        NameMode::TransliteratedName,
    ];

    /// The mode as Salt Edge spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            NameMode::Name => "name",
            NameMode::Brand => "brand",
            NameMode::Operator => "operator",
            NameMode::AlternativeName => "alternative_name",
            NameMode::TransliteratedName => "transliterated_name",
        }
    }

    /// Parses a mode.
    pub fn from_name(s: &str) -> Option<NameMode> {
        NameMode::ALL.into_iter().find(|m| m.as_str() == s)
    }

    pub(crate) fn from_u8(b: u8) -> Option<NameMode> {
        NameMode::ALL.get(usize::from(b)).copied()
    }
}

/// Where a merchant may be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CountryScope {
    /// Anywhere.
    Any,
    /// Only in these countries.
    Only(Vec<[u8; 2]>),
    /// Anywhere except these countries.
    Except(Vec<[u8; 2]>),
}

impl CountryScope {
    /// True when a merchant with this scope can be in `country`.
    pub fn admits(&self, country: [u8; 2]) -> bool {
        match self {
            CountryScope::Any => true,
            CountryScope::Only(list) => list.contains(&country),
            CountryScope::Except(list) => !list.contains(&country),
        }
    }

    /// The union of two scopes.
    pub fn union(&self, other: &CountryScope) -> CountryScope {
        use CountryScope::*;
        match (self, other) {
            (Any, _) | (_, Any) => Any,
            (Only(a), Only(b)) => {
                let mut v = a.clone();
                v.extend(b.iter().filter(|c| !a.contains(c)));
                v.sort();
                Only(v)
            }
            (Except(e), Only(o)) | (Only(o), Except(e)) => {
                let v: Vec<_> =
                    e.iter().filter(|c| !o.contains(c)).copied().collect();
                if v.is_empty() { Any } else { Except(v) }
            }
            (Except(a), Except(b)) => {
                let v: Vec<_> =
                    a.iter().filter(|c| b.contains(c)).copied().collect();
                if v.is_empty() { Any } else { Except(v) }
            }
        }
    }

    fn parse(s: &str) -> Result<CountryScope, String> {
        let s = s.trim();
        if s == "*" || s.is_empty() {
            return Ok(CountryScope::Any);
        }
        let mut parts = s.split(',').map(str::trim);
        let code = |p: &str| -> Result<[u8; 2], String> {
            match p.as_bytes() {
                &[a, b]
                    if a.is_ascii_uppercase() && b.is_ascii_uppercase() =>
                {
                    Ok([a, b])
                }
                _ => Err(format!(
                    "bad country code {p:?} (two upper-case letters)"
                )),
            }
        };
        if s.starts_with('*') {
            parts.next();
            let mut ex = Vec::new();
            for p in parts {
                let p = p.strip_prefix('-').ok_or_else(|| {
                    format!("after '*', expected -XX, got {p:?}")
                })?;
                ex.push(code(p)?);
            }
            ex.sort();
            ex.dedup();
            return Ok(if ex.is_empty() {
                CountryScope::Any
            } else {
                CountryScope::Except(ex)
            });
        }
        let mut only = parts.map(code).collect::<Result<Vec<_>, _>>()?;
        only.sort();
        only.dedup();
        Ok(CountryScope::Only(only))
    }
}

/// Which kind of source a merchant comes from; decides precedence when two
/// merchants share an alias (curated first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Origin {
    /// Written by the project.
    Curated = 0,
    /// name-suggestion-index.
    Nsi = 1,
    /// A card network's brand row.
    CardNetwork = 2,
}

/// One merchant as read from the sources.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceMerchant {
    /// Stable id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Other names.
    pub names: Vec<(NameMode, String)>,
    /// Descriptor spellings.
    pub aliases: Vec<String>,
    /// Where it may be.
    pub countries: CountryScope,
    /// Website, or empty.
    pub website: String,
    /// Personal category codes, primary first.
    pub personal: Vec<String>,
    /// Business category codes, primary first.
    pub business: Vec<String>,
    /// Provenance note.
    pub source: String,
    /// Curated, NSI or card network.
    pub origin: Origin,
    /// The file and line it was first read from, for error messages.
    pub location: String,
}

/// An error in a merchant source, at a file and line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceError {
    /// The file.
    pub file: String,
    /// 1-based line number, 0 when not about a line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        } else {
            write!(f, "{}: {}", self.file, self.message)
        }
    }
}

impl std::error::Error for SourceError {}

/// The merchant source files of a `data/merchants` directory, in
/// precedence order: the generated files of the directory (sorted by name),
/// then the curated files of `curated/` (sorted by name), which extend them.
/// Files that are not merchant lists (`osm_categories.tsv`, a mapping used to
/// generate `nsi.tsv`) are left out.
pub fn merchant_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let list = |d: &std::path::Path| -> Vec<std::path::PathBuf> {
        let mut v: Vec<std::path::PathBuf> = std::fs::read_dir(d)
            .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        v.retain(|p| {
            p.extension().is_some_and(|e| e == "tsv")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("osm_"))
        });
        v.sort();
        v
    };
    let mut files = list(dir);
    files.extend(list(&dir.join("curated")));
    files
}

fn split_list(s: &str, sep: char) -> impl Iterator<Item = &str> {
    s.split(sep).map(str::trim).filter(|x| !x.is_empty())
}

/// Parses one merchant TSV file. Lines of a file in a `curated` directory
/// are curated, whatever the prefix of their id.
pub fn parse_tsv(
    file: &str,
    text: &str,
) -> Result<Vec<SourceMerchant>, SourceError> {
    let tax = Taxonomy::builtin();
    let curated_file = file.split(['/', '\\']).any(|part| part == "curated");
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let err = |message: String| SourceError {
            file: file.to_string(),
            line: i + 1,
            message,
        };
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 8 || cols.len() > 9 {
            return Err(err(format!(
                "expected 9 columns, found {}",
                cols.len()
            )));
        }
        let id = cols[0].trim();
        let by_id = match id.split_once(':').map(|(p, _)| p) {
            Some("cur") => Origin::Curated,
            Some("wd" | "nsi") => Origin::Nsi,
            Some("iso") => Origin::CardNetwork,
            _ => {
                return Err(err(format!(
                    "id {id:?} must start with wd:, nsi:, iso: or cur:"
                )));
            }
        };
        // A line of a curated file is curated whatever merchant it extends.
        let origin = if curated_file { Origin::Curated } else { by_id };
        if id.len() < 5 || id.contains(char::is_whitespace) {
            return Err(err(format!("bad id {id:?}")));
        }
        let mut names = Vec::new();
        for pair in split_list(cols[2], '|') {
            let (mode, value) = pair.split_once('=').ok_or_else(|| {
                err(format!("name {pair:?} is not mode=value"))
            })?;
            let mode = NameMode::from_name(mode.trim())
                .filter(|m| *m != NameMode::Name)
                .ok_or_else(|| err(format!("unknown name mode {mode:?}")))?;
            names.push((mode, value.trim().to_string()));
        }
        let countries = CountryScope::parse(cols[4]).map_err(err)?;
        let website = cols[5].trim().to_string();
        let web_ok = website.is_empty()
            || website.starts_with("https://")
            || website.starts_with("http://");
        if !web_ok {
            return Err(err(format!(
                "website {website:?} must start with https://"
            )));
        }
        let mut cats = [Vec::new(), Vec::new()];
        for (k, tree) in [(6, Tree::Personal), (7, Tree::Business)] {
            for code in split_list(cols[k], ',') {
                if tax.find(tree, code).is_none() {
                    return Err(err(format!(
                        "{code:?} is not a {tree} category"
                    )));
                }
                cats[tree as usize].push(code.to_string());
            }
        }
        let [personal, business] = cats;
        out.push(SourceMerchant {
            id: id.to_string(),
            name: cols[1].trim().to_string(),
            names,
            aliases: split_list(cols[3], '|').map(str::to_string).collect(),
            countries,
            website,
            personal,
            business,
            source: cols
                .get(8)
                .map_or(String::new(), |s| s.trim().to_string()),
            origin,
            location: format!("{file}:{}", i + 1),
        });
    }
    Ok(out)
}

/// Merges the merchants of several files: lines with the same id are one
/// merchant (later lines add names and aliases, replace a non-empty name,
/// website or category list, and widen the countries); a card-network brand
/// row whose name equals another merchant's name is folded into it.
/// Returns merchants sorted by id; every merchant has a name and categories.
pub fn merge(
    all: Vec<SourceMerchant>,
) -> Result<Vec<SourceMerchant>, SourceError> {
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut merged: Vec<SourceMerchant> = Vec::new();
    for m in all {
        match by_id.get(&m.id) {
            None => {
                by_id.insert(m.id.clone(), merged.len());
                merged.push(m);
            }
            Some(&i) => extend(&mut merged[i], m),
        }
    }
    // Fold card-network rows into a merchant of the same name.
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for (i, m) in merged.iter().enumerate() {
        if m.origin != Origin::CardNetwork {
            by_name.entry(crate::text::normalize(&m.name)).or_insert(i);
        }
    }
    let mut drop = vec![false; merged.len()];
    for i in 0..merged.len() {
        if merged[i].origin != Origin::CardNetwork {
            continue;
        }
        if let Some(&j) = by_name.get(&crate::text::normalize(&merged[i].name))
        {
            let row = merged[i].clone();
            let target = &mut merged[j];
            for a in std::iter::once(row.name.clone()).chain(row.aliases) {
                if !target.aliases.contains(&a) {
                    target.aliases.push(a);
                }
            }
            drop[i] = true;
        }
    }
    let mut out: Vec<SourceMerchant> = merged
        .into_iter()
        .zip(drop)
        .filter(|(_, d)| !d)
        .map(|(m, _)| m)
        .collect();
    for m in &out {
        let err = |message: String| SourceError {
            file: m.location.clone(),
            line: 0,
            message,
        };
        if m.name.is_empty() {
            return Err(err(format!(
                "merchant {} has no name (a line extending a merchant must use an id some source defines)",
                m.id
            )));
        }
        if m.personal.is_empty() || m.business.is_empty() {
            return Err(err(format!(
                "merchant {} lacks a personal or business category (a line extending a merchant must use an id some source defines)",
                m.id
            )));
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

fn extend(base: &mut SourceMerchant, more: SourceMerchant) {
    if !more.name.is_empty() && more.name != base.name {
        let old = std::mem::replace(&mut base.name, more.name);
        if !old.is_empty() {
            base.names.push((NameMode::AlternativeName, old));
        }
    }
    for n in more.names {
        if !base.names.contains(&n) {
            base.names.push(n);
        }
    }
    for a in more.aliases {
        if !base.aliases.contains(&a) {
            base.aliases.push(a);
        }
    }
    base.countries = base.countries.union(&more.countries);
    if !more.website.is_empty() {
        base.website = more.website;
    }
    if !more.personal.is_empty() {
        base.personal = more.personal;
    }
    if !more.business.is_empty() {
        base.business = more.business;
    }
    if more.origin < base.origin {
        base.origin = more.origin;
    }
    if !more.source.is_empty() && !base.source.contains(&more.source) {
        base.source = format!("{}; {}", base.source, more.source);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NSI: &str = "# comment\nwd:Q1\tTesco\tbrand=Tesco\tTESCO STORES\tGB,IE\thttps://www.tesco.com\tgroceries,gas_and_fuel\tconsumer_goods\tshop=supermarket\n";
    const CUR: &str = "wd:Q1\t\t\tTESCO PFS|!TSC\tCZ\t\t\t\tcurated\ncur:netflix\tNetflix\t\tNETFLIX.COM\t*\thttps://netflix.com\tmovies_and_music\tonline_subscriptions\tcurated\n";
    const ISO: &str = "iso:3005\tBritish Airways\t\tBRITISH AWYS\t*\t\ttransportation\ttravel\tiso18245\niso:3001\tNetflix\t\tNFLX\t*\t\ttransportation\ttravel\tiso18245\n";

    #[test]
    fn parses_and_merges() {
        let mut all = parse_tsv("nsi.tsv", NSI).unwrap();
        all.extend(parse_tsv("curated/x.tsv", CUR).unwrap());
        all.extend(parse_tsv("iso.tsv", ISO).unwrap());
        let m = merge(all).unwrap();
        assert_eq!(m.len(), 3);
        let netflix = m.iter().find(|x| x.id == "cur:netflix").unwrap();
        assert!(
            netflix.aliases.contains(&"NFLX".to_string()),
            "card row folded in"
        );
        let tesco = m.iter().find(|x| x.id == "wd:Q1").unwrap();
        assert_eq!(tesco.name, "Tesco");
        assert_eq!(tesco.aliases, ["TESCO STORES", "TESCO PFS", "!TSC"]);
        assert_eq!(
            tesco.countries,
            CountryScope::Only(vec![*b"CZ", *b"GB", *b"IE"])
        );
        assert_eq!(tesco.personal, ["groceries", "gas_and_fuel"]);
        assert_eq!(tesco.origin, Origin::Curated);
        assert_eq!(tesco.names, [(NameMode::Brand, "Tesco".to_string())]);
    }

    #[test]
    fn scopes() {
        let any = CountryScope::parse("*").unwrap();
        let ex = CountryScope::parse("*,-CN,-RU").unwrap();
        let only = CountryScope::parse("GB,IE").unwrap();
        assert!(any.admits(*b"FR"));
        assert!(!ex.admits(*b"CN") && ex.admits(*b"FR"));
        assert!(only.admits(*b"IE") && !only.admits(*b"FR"));
        assert_eq!(
            ex.union(&CountryScope::Only(vec![*b"CN"])),
            CountryScope::Except(vec![*b"RU"])
        );
        assert!(CountryScope::parse("gb").is_err());
        assert!(CountryScope::parse("*,CN").is_err());
    }

    #[test]
    fn errors_point_at_lines() {
        let bad = [
            (
                "x:1\tA\t\t\t*\t\tgroceries\tconsumer_goods\t",
                "must start with",
            ),
            (
                "cur:a\tA\t\t\t*\t\tgrocery\tconsumer_goods\t",
                "\"grocery\" is not a personal category",
            ),
            (
                "cur:a\tA\tfoo=B\t\t*\t\tgroceries\tconsumer_goods\t",
                "unknown name mode",
            ),
            (
                "cur:a\tA\t\t\t*\twww.a.com\tgroceries\tconsumer_goods\t",
                "website",
            ),
            ("cur:a\tA\t\t\t*", "expected 9 columns"),
        ];
        for (line, msg) in bad {
            let e = parse_tsv("f.tsv", &format!("# h\n{line}\n")).unwrap_err();
            assert_eq!(e.line, 2);
            assert!(e.to_string().contains(msg), "{e}");
        }
        let m = parse_tsv("f.tsv", "cur:a\tA\t\t\t*\t\t\t\t\n").unwrap();
        assert!(merge(m).unwrap_err().message.contains("lacks"));
    }
}
