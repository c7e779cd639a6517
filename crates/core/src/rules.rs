//! Keyword and regex rules, and the MCC table.
//!
//! Rules are data (`data/rules/*.toml`, format in `data/README.md`). Their
//! keywords are normalized like descriptors. Keywords of whole tokens (all
//! but a few dozen) go into a table of token phrases, probed once per token
//! of a transaction's normalized text; keywords that may begin or end inside
//! a word (`gehalt*`, `*versicherung`) are compared at the token edges that
//! share their first or last letters; the rare keywords that may sit inside
//! a word on both sides (`*miete*`) go into one Aho-Corasick automaton;
//! regexes into one multi-pattern regex (a regex set,
//! `regex_automata::meta`).
//!
//! # Example
//!
//! ```
//! use txenrich::rules::RuleSet;
//!
//! let rules = RuleSet::from_sources(&[("pay.toml", r#"
//! [[rule]]
//! id = "salary"
//! strength = "strong"
//! priority = 80
//! direction = "in"
//! personal = "paycheck"
//! keywords.en = ["salary"]
//! keywords.de = ["gehalt*"]
//! "#)]).unwrap();
//! let mut hits = Vec::new();
//! rules.find("gutschrift gehaltszahlung", &mut hits);
//! assert_eq!(rules.rule(hits[0].rule).id(), "salary");
//! ```

use std::collections::HashMap;
use std::fmt;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex_automata::{Anchored, Input, PatternSet, meta};
use regex_syntax::hir::{Hir, HirKind, Look};
use rustc_hash::FxHashMap;
use serde::Deserialize;

use crate::model::{AccountNature, Country};
use crate::phrase::{self, EdgeTable, PhraseTable, PhraseTableBuilder};
use crate::taxonomy::{CategoryId, Taxonomy, Tree};
use crate::text;

/// Identifies a rule within its [`RuleSet`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleId(u32);

impl RuleId {
    /// The id as an index.
    pub fn as_usize(self) -> usize {
        self.0 as usize
    }
}

/// How much a rule's match says about a transaction.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Strength {
    /// A hint, used when neither a merchant nor the MCC decided.
    Weak,
    /// The line says what it is, whatever the counterparty.
    Strong,
}

/// The amount sign a rule applies to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Money in: amount > 0.
    In,
    /// Money out: amount < 0.
    Out,
    /// Either.
    #[default]
    Any,
}

impl Direction {
    /// True when a transaction of `amount` has this direction.
    pub fn admits(self, amount: f64) -> bool {
        match self {
            Direction::In => amount > 0.0,
            Direction::Out => amount < 0.0,
            Direction::Any => true,
        }
    }
}

/// How money moved, independently of what it paid for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A card purchase.
    Card,
    /// A direct debit.
    DirectDebit,
    /// A credit transfer, in or out.
    Transfer,
    /// A standing order.
    StandingOrder,
    /// An instant-payment scheme (Bizum, BLIK, Swish, TWINT…).
    Instant,
    /// A cash machine.
    Atm,
    /// Cash paid in.
    CashDeposit,
    /// A charge by the bank.
    Fee,
}

impl Channel {
    /// True for channels whose lines may name a merchant read from the
    /// descriptor (card purchases and direct debits).
    pub fn names_merchants(self) -> bool {
        matches!(self, Channel::Card | Channel::DirectDebit)
    }
}

/// One rule, compiled.
#[derive(Clone, Debug)]
pub struct Rule {
    id: String,
    strength: Strength,
    priority: u8,
    direction: Direction,
    natures: u16,
    countries: Vec<Country>,
    categories: [Option<CategoryId>; 2],
    channel: Option<Channel>,
    forbids_merchant: bool,
}

impl Rule {
    /// The rule's id as written in its file.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Strong or weak.
    pub fn strength(&self) -> Strength {
        self.strength
    }

    /// 1..100; higher wins among rules of one strength.
    pub fn priority(&self) -> u8 {
        self.priority
    }

    /// The amount sign it applies to.
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// The category it gives in a tree, if it applies there.
    pub fn category(&self, tree: Tree) -> Option<CategoryId> {
        self.categories[tree as usize]
    }

    /// The channel it marks, if any.
    pub fn channel(&self) -> Option<Channel> {
        self.channel
    }

    /// True when matching lines must not name a merchant.
    pub fn forbids_merchant(&self) -> bool {
        self.forbids_merchant
    }

    /// True when the rule applies to a transaction with this amount, account
    /// nature and country.
    pub fn admits(
        &self,
        amount: f64,
        nature: Option<AccountNature>,
        country: Option<Country>,
    ) -> bool {
        if !self.direction.admits(amount) {
            return false;
        }
        if self.natures != 0 {
            match nature {
                Some(n) if self.natures & nature_bit(n) != 0 => {}
                _ => return false,
            }
        }
        if !self.countries.is_empty() {
            match country {
                Some(c) if self.countries.contains(&c) => {}
                _ => return false,
            }
        }
        true
    }
}

fn nature_bit(n: AccountNature) -> u16 {
    1 << AccountNature::ALL.iter().position(|&x| x == n).unwrap_or(0)
}

/// A rule's keyword or regex found in a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleHit {
    /// The rule.
    pub rule: RuleId,
    /// Byte range in the normalized text; empty for regex hits.
    pub start: u32,
    /// End of the byte range.
    pub end: u32,
}

/// Per-thread buffers of [`RuleSet::find_with`].
#[derive(Clone, Debug)]
pub struct RuleScratch {
    serial: u64,
    /// One cache and result set per group of [`RuleSet::regexes`].
    regex: [(meta::Cache, PatternSet); 2],
    vetoed: Vec<RuleId>,
    /// Token ranges of the text being matched, their hashes, and the
    /// keyword table's entry for each.
    tokens: Vec<(u32, u32)>,
    hashes: Vec<u64>,
    first: Vec<Option<u32>>,
}

/// Regexes of rules compiled together.
#[derive(Clone, Debug)]
struct RegexGroup {
    regexes: meta::Regex,
    rules: Vec<RuleId>,
    /// Every pattern matches only at the start of the text: the search
    /// stops where the text stops matching any of them, usually within a
    /// few bytes, instead of scanning the whole text.
    anchored: bool,
    /// For a group whose every pattern starts at a word, the words one of
    /// them must start with; `None` when some pattern has no such set.
    gate: Option<WordStartGate>,
}

/// The literals every match of a group of word-initial regexes starts
/// with, checked at token starts: a few comparisons per token, where the
/// regex's own prefilter scans every byte of the text.
#[derive(Clone, Debug)]
struct WordStartGate {
    /// Bit `b` of word `a`: some literal starts with byte `a`, then `b`
    /// (any second byte for a one-byte literal).
    pairs: Box<[[u64; 4]; 256]>,
    literals: Vec<Vec<u8>>,
    /// Every pattern starts with `^`: only the first token is checked.
    at_text_start: bool,
}

impl WordStartGate {
    /// The gate of `patterns`, when each one begins with `^` or `(^| )`
    /// and then has a finite set of literal prefixes that start with a word
    /// byte.
    fn new(patterns: &[Hir]) -> Option<WordStartGate> {
        use regex_syntax::hir::literal::{ExtractKind, Extractor};
        let mut literals = Vec::new();
        let mut at_text_start = true;
        for hir in patterns {
            let (rest, at_start) = after_word_start(hir)?;
            at_text_start &= at_start;
            let seq = Extractor::new()
                .kind(ExtractKind::Prefix)
                .extract(&Hir::concat(rest.to_vec()));
            for lit in seq.literals()? {
                // Only a word byte is sure to sit at a token start.
                let first = *lit.as_bytes().first()?;
                if !(first.is_ascii_alphanumeric() || first >= 0x80) {
                    return None;
                }
                // A literal's start is a prefix of every match too, and
                // short ones dedupe into a list quick to check.
                let keep = lit.as_bytes().len().min(GATE_PREFIX);
                literals.push(lit.as_bytes()[..keep].to_vec());
            }
        }
        let mut pairs = Box::new([[0u64; 4]; 256]);
        for lit in &literals {
            let row = &mut pairs[usize::from(lit[0])];
            match lit.get(1) {
                Some(&b) => row[usize::from(b >> 6)] |= 1 << (b & 63),
                None => *row = [u64::MAX; 4],
            }
        }
        literals.sort();
        literals.dedup();
        Some(WordStartGate { pairs, literals, at_text_start })
    }

    /// True when some token of `text` starts with one of the literals.
    fn passes(&self, text: &[u8], tokens: &[(u32, u32)]) -> bool {
        let tokens = match tokens {
            [first, ..] if self.at_text_start => {
                if first.0 != 0 {
                    return false;
                }
                std::slice::from_ref(first)
            }
            _ => tokens,
        };
        tokens.iter().any(|&(s, _)| {
            let rest = &text[s as usize..];
            let (a, b) = (rest[0], rest.get(1).copied().unwrap_or(0));
            self.pairs[usize::from(a)][usize::from(b >> 6)] & (1 << (b & 63))
                != 0
                && self.literals.iter().any(|l| rest.starts_with(l))
        })
    }
}

/// The bytes of each literal a [`WordStartGate`] compares.
const GATE_PREFIX: usize = 4;

/// The pieces of a pattern after a leading `^` or `(^| )`, when it has
/// one, and whether it was `^`: a match of them starts at the start of the
/// text, or there or after a space.
fn after_word_start(hir: &Hir) -> Option<(&[Hir], bool)> {
    let HirKind::Concat(parts) = hir.kind() else { return None };
    let mut head = parts.first()?;
    while let HirKind::Capture(c) = head.kind() {
        head = &c.sub;
    }
    let rest = (parts.len() > 1).then(|| &parts[1..])?;
    if *head.kind() == HirKind::Look(Look::Start) {
        return Some((rest, true));
    }
    let HirKind::Alternation(alts) = head.kind() else { return None };
    let word_start = alts.len() == 2
        && alts.iter().any(|a| *a.kind() == HirKind::Look(Look::Start))
        && alts
            .iter()
            .any(|a| matches!(a.kind(), HirKind::Literal(l) if &*l.0 == b" "));
    word_start.then_some((rest, false))
}

impl RegexGroup {
    fn new(
        patterns: &[Hir],
        rules: Vec<RuleId>,
        anchored: bool,
    ) -> Result<RegexGroup, RuleError> {
        // Every pattern that matches is wanted, as a regex set reports them.
        let regexes = meta::Regex::builder()
            .configure(
                meta::Config::new().match_kind(regex_automata::MatchKind::All),
            )
            .build_many_from_hir(patterns)
            .map_err(|e| RuleError::new("rules", None, e.to_string()))?;
        let gate = if patterns.is_empty() {
            None
        } else {
            WordStartGate::new(patterns)
        };
        Ok(RegexGroup { regexes, rules, anchored, gate })
    }

    fn scratch(&self) -> (meta::Cache, PatternSet) {
        (
            self.regexes.create_cache(),
            PatternSet::new(self.regexes.pattern_len()),
        )
    }
}

/// True when every match of `pattern` starts at the start of the text.
fn anchored_at_start(pattern: &Hir) -> bool {
    pattern.properties().look_set_prefix().contains(Look::Start)
}

/// Where a keyword may sit relative to token boundaries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Anchor {
    Whole,
    Prefix,
    Suffix,
    Infix,
}

#[derive(Clone, Copy, Debug)]
struct PatternUse {
    rule: RuleId,
    anchor: Anchor,
    veto: bool,
}

/// A set of compiled rules.
#[derive(Clone, Debug)]
pub struct RuleSet {
    /// Unique per set: buffers made for one set are never used with another.
    serial: u64,
    rules: Vec<Rule>,
    by_id: HashMap<String, RuleId>,
    /// Keywords whose every use is [`Anchor::Whole`], by pattern index.
    phrases: PhraseTable,
    /// Keywords that may begin or end inside a word, by pattern index.
    edges: EdgeTable,
    /// Keywords that may sit anywhere inside words, and the pattern index
    /// of each.
    infixes: Option<(AhoCorasick, Vec<u32>)>,
    uses: Vec<Vec<PatternUse>>,
    /// The regexes anchored at the start, then the others.
    regexes: [RegexGroup; 2],
}

/// An error in a rule source, with the file and rule it is in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleError {
    file: String,
    rule: Option<String>,
    message: String,
}

impl RuleError {
    fn new(
        file: &str,
        rule: Option<&str>,
        message: impl Into<String>,
    ) -> RuleError {
        RuleError {
            file: file.to_string(),
            rule: rule.map(str::to_string),
            message: message.into(),
        }
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.rule {
            Some(r) => write!(f, "{}: rule {r}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for RuleError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    rule: Vec<RuleSource>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSource {
    id: String,
    #[serde(default = "default_strength")]
    strength: Strength,
    #[serde(default = "default_priority")]
    priority: u8,
    #[serde(default)]
    direction: Direction,
    #[serde(default)]
    natures: Vec<String>,
    #[serde(default)]
    countries: Vec<String>,
    personal: Option<String>,
    business: Option<String>,
    channel: Option<Channel>,
    merchant: Option<String>,
    #[serde(default)]
    unless: Vec<String>,
    #[serde(default)]
    regex: Vec<String>,
    #[serde(default)]
    keywords: std::collections::BTreeMap<String, Vec<String>>,
    #[serde(default)]
    note: Option<String>,
}

fn default_strength() -> Strength {
    Strength::Weak
}

fn default_priority() -> u8 {
    50
}

impl RuleSet {
    /// Compiles rules from `(file name, TOML text)` pairs.
    pub fn from_sources(
        sources: &[(&str, &str)],
    ) -> Result<RuleSet, RuleError> {
        RuleSet::from_texts(sources, |text| toml::from_str(text))
    }

    /// [`RuleSet::from_sources`] of the same files written as JSON (the
    /// build script's copies of the embedded rules).
    pub(crate) fn from_json(
        sources: &[(&str, &str)],
    ) -> Result<RuleSet, RuleError> {
        RuleSet::from_texts(sources, |text| serde_json::from_str(text))
    }

    /// Compiles `(file name, text)` pairs that `parse` reads.
    fn from_texts<E: fmt::Display>(
        sources: &[(&str, &str)],
        parse: impl Fn(&str) -> Result<RuleFile, E>,
    ) -> Result<RuleSet, RuleError> {
        let files = sources
            .iter()
            .map(|&(file, text)| {
                parse(text)
                    .map(|parsed| (file, parsed))
                    .map_err(|e| RuleError::new(file, None, e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        RuleSet::from_files(files)
    }

    fn from_files(files: Vec<(&str, RuleFile)>) -> Result<RuleSet, RuleError> {
        let tax = Taxonomy::builtin();
        let mut rules = Vec::new();
        let mut by_id = HashMap::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut pattern_index: FxHashMap<String, usize> = FxHashMap::default();
        let mut uses: Vec<Vec<PatternUse>> = Vec::new();
        let mut regexes = Vec::new();
        let mut regex_rules = Vec::new();
        for (file, parsed) in files {
            for src in parsed.rule {
                let id = RuleId(rules.len() as u32);
                let err = |m: String| RuleError::new(file, Some(&src.id), m);
                if by_id.insert(src.id.clone(), id).is_some() {
                    return Err(err("duplicate rule id".into()));
                }
                if !(1..=100).contains(&src.priority) {
                    return Err(err(format!(
                        "priority {} is not in 1..100",
                        src.priority
                    )));
                }
                let mut categories = [None, None];
                for (tree, code) in [
                    (Tree::Personal, &src.personal),
                    (Tree::Business, &src.business),
                ] {
                    if let Some(code) = code {
                        categories[tree as usize] =
                            Some(tax.find(tree, code).ok_or_else(|| {
                                err(format!(
                                    "{code:?} is not a {tree} category"
                                ))
                            })?);
                    }
                }
                if categories == [None, None]
                    && src.channel.is_none()
                    && src.merchant.is_none()
                {
                    return Err(err(
                        "gives neither a category nor a channel".into()
                    ));
                }
                let mut natures = 0;
                for n in &src.natures {
                    let nature =
                        AccountNature::from_name(n).ok_or_else(|| {
                            err(format!("{n:?} is not an account nature"))
                        })?;
                    natures |= nature_bit(nature);
                }
                let countries = src
                    .countries
                    .iter()
                    .map(|c| c.parse::<Country>().map_err(&err))
                    .collect::<Result<Vec<_>, _>>()?;
                let forbids_merchant = match src.merchant.as_deref() {
                    None => false,
                    Some("none") => true,
                    Some(other) => {
                        return Err(err(format!(
                            "merchant = {other:?}: only \"none\" is allowed"
                        )));
                    }
                };
                let _ = &src.note;
                let mut add = |kw: &str,
                               veto: bool|
                 -> Result<(), RuleError> {
                    let (anchor, body) = parse_keyword(kw);
                    let mut any = false;
                    // Most keywords have one spelling and are normalized
                    // already: neither step copies them.
                    for variant in text::spellings(body) {
                        let norm = text::normalize_cow(&variant);
                        if norm.is_empty() {
                            continue;
                        }
                        if matches!(anchor, Anchor::Infix | Anchor::Suffix)
                            && norm.len() < 3
                        {
                            return Err(err(format!(
                                "keyword {kw:?} is too short to match inside words"
                            )));
                        }
                        any = true;
                        let k = match pattern_index.get(norm.as_ref()) {
                            Some(&k) => k,
                            None => {
                                let norm = norm.into_owned();
                                pattern_index
                                    .insert(norm.clone(), patterns.len());
                                patterns.push(norm);
                                uses.push(Vec::new());
                                patterns.len() - 1
                            }
                        };
                        let u = PatternUse { rule: id, anchor, veto };
                        if !uses[k].iter().any(|x| {
                            x.rule == id
                                && x.anchor == anchor
                                && x.veto == veto
                        }) {
                            uses[k].push(u);
                        }
                    }
                    if any {
                        Ok(())
                    } else {
                        Err(err(format!(
                            "keyword {kw:?} is empty once normalized"
                        )))
                    }
                };
                let mut n_keywords = 0;
                for (lang, kws) in &src.keywords {
                    if lang.len() < 2
                        || lang.len() > 3
                        || !lang.bytes().all(|b| b.is_ascii_lowercase())
                    {
                        return Err(err(format!(
                            "{lang:?} is not a language code"
                        )));
                    }
                    for kw in kws {
                        add(kw, false)?;
                        n_keywords += 1;
                    }
                }
                for kw in &src.unless {
                    add(kw, true)?;
                }
                for re in &src.regex {
                    // Parsed once, here, to name the rule of a bad regex;
                    // its group is compiled from what the parse gives.
                    let hir = regex_automata::util::syntax::parse(re)
                        .map_err(|e| err(format!("regex {re:?}: {e}")))?;
                    regexes.push(hir);
                    regex_rules.push(id);
                }
                if n_keywords == 0 && src.regex.is_empty() {
                    return Err(
                        err("has neither keywords nor regexes".into()),
                    );
                }
                rules.push(Rule {
                    id: src.id,
                    strength: src.strength,
                    priority: src.priority,
                    direction: src.direction,
                    natures,
                    countries,
                    categories,
                    channel: src.channel,
                    forbids_merchant,
                });
            }
        }
        let mut phrases = PhraseTableBuilder::default();
        let mut edges = EdgeTable::default();
        let (mut infix_patterns, mut infix_ids) = (Vec::new(), Vec::new());
        for (k, pattern) in patterns.iter().enumerate() {
            let has = |a: Anchor| uses[k].iter().any(|u| u.anchor == a);
            let id = k as u32;
            if has(Anchor::Infix) {
                infix_patterns.push(pattern.as_str());
                infix_ids.push(id);
            } else if has(Anchor::Prefix) || has(Anchor::Suffix) {
                // Whole-word uses are found with either edge.
                edges.insert(
                    pattern,
                    id,
                    has(Anchor::Prefix),
                    has(Anchor::Suffix),
                );
            } else if !phrases.insert(pattern, id) {
                // A phrase whose hash another phrase took: found by its
                // first edge, the bounds checked by its uses.
                edges.insert(pattern, id, true, false);
            }
        }
        let infixes = if infix_patterns.is_empty() {
            None
        } else {
            let ac = AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .build(&infix_patterns)
                .map_err(|e| RuleError::new("rules", None, e.to_string()))?;
            Some((ac, infix_ids))
        };
        let (mut anchored, mut floating) =
            ((vec![], vec![]), (vec![], vec![]));
        for (re, rule) in regexes.into_iter().zip(regex_rules) {
            let group = if anchored_at_start(&re) {
                &mut anchored
            } else {
                &mut floating
            };
            group.0.push(re);
            group.1.push(rule);
        }
        let regexes = [
            RegexGroup::new(&anchored.0, anchored.1, true)?,
            RegexGroup::new(&floating.0, floating.1, false)?,
        ];
        static SERIAL: std::sync::atomic::AtomicU64 =
            std::sync::atomic::AtomicU64::new(1);
        let serial = SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(RuleSet {
            serial,
            rules,
            by_id,
            phrases: phrases.build(),
            edges,
            infixes,
            uses,
            regexes,
        })
    }

    /// The rule with this id.
    pub fn rule(&self, id: RuleId) -> &Rule {
        &self.rules[id.as_usize()]
    }

    /// Looks a rule up by the id written in its file.
    pub fn find_id(&self, id: &str) -> Option<RuleId> {
        self.by_id.get(id).copied()
    }

    /// The number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// True when there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The number of distinct keyword patterns (after spelling variants).
    pub fn keyword_count(&self) -> usize {
        self.uses.len()
    }

    /// Appends to `hits` every rule whose keyword or regex matches the
    /// normalized `text`, minus rules vetoed by an `unless` keyword. A rule
    /// may appear more than once (one hit per keyword occurrence).
    pub fn find(&self, text: &str, hits: &mut Vec<RuleHit>) {
        let mut scratch = self.scratch();
        self.find_with(text, hits, &mut scratch);
    }

    /// Buffers for [`RuleSet::find_with`], to keep between calls on one
    /// thread.
    pub fn scratch(&self) -> RuleScratch {
        RuleScratch {
            serial: self.serial,
            regex: [self.regexes[0].scratch(), self.regexes[1].scratch()],
            vetoed: Vec::new(),
            tokens: Vec::new(),
            hashes: Vec::new(),
            first: Vec::new(),
        }
    }

    /// [`RuleSet::find`] with buffers kept by the caller: no allocation
    /// and no shared cache once they are warm.
    pub fn find_with(
        &self,
        text: &str,
        hits: &mut Vec<RuleHit>,
        scratch: &mut RuleScratch,
    ) {
        let mut tokens = std::mem::take(&mut scratch.tokens);
        let mut hashes = std::mem::take(&mut scratch.hashes);
        tokens.clear();
        hashes.clear();
        phrase::split_tokens(text.as_bytes(), &mut tokens, &mut hashes);
        let mut first = std::mem::take(&mut scratch.first);
        first.clear();
        first.extend(hashes.iter().map(|&h| self.phrase_entry(h)));
        self.find_in_tokens(text, &tokens, &hashes, &first, hits, scratch);
        scratch.tokens = tokens;
        scratch.hashes = hashes;
        scratch.first = first;
    }

    /// The keyword table's entry for a token's hash: what
    /// [`RuleSet::find_in_tokens`] takes in `entries`.
    #[inline]
    pub(crate) fn phrase_entry(&self, h: u64) -> Option<u32> {
        self.phrases.entry(h)
    }

    /// Every entry of the keyword table, as (hash, entry), for a caller
    /// that keeps them in a table of its own.
    pub(crate) fn phrase_entries(
        &self,
    ) -> impl Iterator<Item = (u64, u32)> + '_ {
        self.phrases.entries()
    }

    /// [`RuleSet::find_with`] over the tokens of `text` already read: the
    /// byte range of each word or number, in order (the field separators
    /// may be left out), its hash, `hash_more(HASH_START, token)`, and the
    /// keyword table's entry for that hash (`entries`, as
    /// [`RuleSet::phrase_entry`] gives them).
    pub(crate) fn find_in_tokens(
        &self,
        text: &str,
        tokens: &[(u32, u32)],
        hashes: &[u64],
        entries: &[Option<u32>],
        hits: &mut Vec<RuleHit>,
        scratch: &mut RuleScratch,
    ) {
        if scratch.serial != self.serial {
            *scratch = self.scratch();
        }
        let first = hits.len();
        let bytes = text.as_bytes();
        let vetoed = &mut scratch.vetoed;
        vetoed.clear();
        let mut add = |k: u32, s: u32, e: u32| {
            let (s, e) = (s as usize, e as usize);
            let left = s == 0 || bytes[s - 1] == b' ';
            let right = e == bytes.len() || bytes[e] == b' ';
            for u in &self.uses[k as usize] {
                let ok = match u.anchor {
                    Anchor::Whole => left && right,
                    Anchor::Prefix => left,
                    Anchor::Suffix => right,
                    Anchor::Infix => true,
                };
                if !ok {
                    continue;
                }
                if u.veto {
                    vetoed.push(u.rule);
                } else {
                    hits.push(RuleHit {
                        rule: u.rule,
                        start: s as u32,
                        end: e as u32,
                    });
                }
            }
        };
        self.phrases.find(bytes, tokens, hashes, entries, &mut add);
        self.edges.find(bytes, tokens, &mut add);
        if let Some((ac, ids)) = &self.infixes {
            for m in ac.find_overlapping_iter(text) {
                add(
                    ids[m.pattern().as_usize()],
                    m.start() as u32,
                    m.end() as u32,
                );
            }
        }
        // Keyword hits by where they end, the longer first: the order in
        // which one scan of the text meets them.
        hits[first..]
            .sort_by_key(|h| (h.end, std::cmp::Reverse(h.end - h.start)));
        let vetoed = &scratch.vetoed;
        for (group, (cache, matched)) in
            self.regexes.iter().zip(&mut scratch.regex)
        {
            if group.rules.is_empty() {
                continue;
            }
            matched.clear();
            if let Some(gate) = &group.gate
                && !gate.passes(bytes, tokens)
            {
                continue;
            }
            let input = Input::new(text).anchored(if group.anchored {
                Anchored::Yes
            } else {
                Anchored::No
            });
            // Most texts match none: say so with the cheaper search that
            // stops at the first match (and may skip ahead on literals)
            // before asking which patterns match.
            if !group.anchored
                && group
                    .regexes
                    .search_with(cache, &input.clone().earliest(true))
                    .is_none()
            {
                continue;
            }
            group
                .regexes
                .which_overlapping_matches_with(cache, &input, matched);
            for pid in matched.iter() {
                hits.push(RuleHit {
                    rule: group.rules[pid.as_usize()],
                    start: 0,
                    end: 0,
                });
            }
        }
        if !vetoed.is_empty() {
            let mut i = first;
            while i < hits.len() {
                if vetoed.contains(&hits[i].rule) {
                    hits.swap_remove(i);
                } else {
                    i += 1;
                }
            }
            hits[first..].sort_by_key(|h| (h.start, h.end));
        }
    }
}

fn parse_keyword(kw: &str) -> (Anchor, &str) {
    match text::keyword_stars(kw) {
        (true, body, true) => (Anchor::Infix, body),
        (true, body, false) => (Anchor::Suffix, body),
        (false, body, true) => (Anchor::Prefix, body),
        (false, body, false) => (Anchor::Whole, body),
    }
}

/// The MCC table: each of the 10,000 codes to a personal and a business
/// category, from `data/mcc/categories.tsv` (exact codes over the narrowest
/// enclosing range).
///
/// ```
/// use txenrich::rules::MccTable;
/// use txenrich::taxonomy::{Taxonomy, Tree};
///
/// let table = MccTable::parse("5400-5499\tgroceries\tconsumer_goods\n5462\tcafes_and_restaurants\tmeals\n").unwrap();
/// let tax = Taxonomy::builtin();
/// assert_eq!(tax.code(table.category(5411, Tree::Personal).unwrap()), "groceries");
/// assert_eq!(tax.code(table.category(5462, Tree::Business).unwrap()), "meals");
/// assert!(table.category(7011, Tree::Personal).is_none());
/// ```
#[derive(Clone, Debug)]
pub struct MccTable {
    codes: Vec<[Option<CategoryId>; 2]>,
}

impl MccTable {
    /// Parses `code or start-end<TAB>personal<TAB>business[<TAB>note]`.
    pub fn parse(text: &str) -> Result<MccTable, String> {
        let tax = Taxonomy::builtin();
        // (width of the range, categories) per code; narrower wins.
        let mut best: Vec<(u32, [Option<CategoryId>; 2])> =
            vec![(u32::MAX, [None, None]); 10_000];
        for (lineno, line) in crate::taxonomy::data_lines(text) {
            let mut cols = line.split('\t');
            let (Some(codes), Some(p), Some(b)) =
                (cols.next(), cols.next(), cols.next())
            else {
                return Err(format!(
                    "line {lineno}: expected code, personal, business"
                ));
            };
            let (start, end) = match codes.split_once('-') {
                Some((s, e)) => {
                    (parse_code(s, lineno)?, parse_code(e, lineno)?)
                }
                None => {
                    let c = parse_code(codes, lineno)?;
                    (c, c)
                }
            };
            if start > end {
                return Err(format!("line {lineno}: empty range {codes}"));
            }
            let lookup = |tree: Tree, code: &str| {
                tax.find(tree, code.trim()).ok_or_else(|| {
                    format!("line {lineno}: {code:?} is not a {tree} category")
                })
            };
            let cats = [
                Some(lookup(Tree::Personal, p)?),
                Some(lookup(Tree::Business, b)?),
            ];
            let width = u32::from(end - start);
            for slot in &mut best[usize::from(start)..=usize::from(end)] {
                if width < slot.0 {
                    *slot = (width, cats);
                }
            }
        }
        Ok(MccTable { codes: best.into_iter().map(|(_, c)| c).collect() })
    }

    /// The category of an MCC in a tree.
    pub fn category(&self, mcc: u16, tree: Tree) -> Option<CategoryId> {
        self.codes.get(usize::from(mcc)).and_then(|c| c[tree as usize])
    }
}

fn parse_code(s: &str, lineno: usize) -> Result<u16, String> {
    let s = s.trim();
    match s.parse::<u16>() {
        Ok(n) if n <= 9999 && s.len() == 4 => Ok(n),
        _ => Err(format!("line {lineno}: {s:?} is not a 4-digit MCC")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hir(pattern: &str) -> Hir {
        regex_automata::util::syntax::parse(pattern).unwrap()
    }

    fn set(toml: &str) -> RuleSet {
        RuleSet::from_sources(&[("t.toml", toml)]).unwrap()
    }

    fn ids(rules: &RuleSet, text: &str) -> Vec<String> {
        let mut hits = Vec::new();
        rules.find(text, &mut hits);
        let mut v: Vec<String> =
            hits.iter().map(|h| rules.rule(h.rule).id().to_string()).collect();
        v.dedup();
        v
    }

    const RULES: &str = r#"
[[rule]]
id = "rent"
strength = "strong"
priority = 70
direction = "out"
personal = "rent"
business = "office_rent"
unless = ["rental car"]
keywords.en = ["rent"]
keywords.de = ["miet*", "*miete"]

[[rule]]
id = "insurance"
personal = "insurance"
keywords.de = ["*versicherung*"]

[[rule]]
id = "card"
channel = "card"
keywords.fr = ["achat cb", "cb"]
keywords.de = ["kartenzahlung"]

[[rule]]
id = "us_payroll"
strength = "strong"
personal = "paycheck"
regex = ['\bdes payroll\b']
"#;

    #[test]
    fn embedded_rules_read_from_json_as_from_toml() {
        let toml = RuleSet::from_sources(crate::builtin::RULES).unwrap();
        let json = RuleSet::from_json(crate::builtin::RULES_JSON).unwrap();
        assert!(toml.len() > 100);
        assert_eq!(format!("{:?}", toml.rules), format!("{:?}", json.rules));
        assert_eq!(format!("{:?}", toml.uses), format!("{:?}", json.uses));
        assert_eq!(toml.keyword_count(), json.keyword_count());
        // A JSON file that is not rules is an error naming it.
        let e = RuleSet::from_json(&[("x.toml", "{\"rule\":[{\"idd\":1}]}")])
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("x.toml") && e.contains("unknown field"), "{e}");
    }

    #[test]
    fn anchors() {
        let r = set(RULES);
        assert_eq!(ids(&r, "so flat 3 rent"), ["rent"]);
        assert!(ids(&r, "parent teacher").is_empty());
        assert!(ids(&r, "rentals").is_empty());
        assert_eq!(ids(&r, "mietzahlung"), ["rent"]);
        assert_eq!(ids(&r, "wohnungsmiete"), ["rent"]);
        assert!(ids(&r, "vermietung").is_empty());
        assert_eq!(ids(&r, "hausratversicherungen ag"), ["insurance"]);
    }

    #[test]
    fn unless_vetoes() {
        let r = set(RULES);
        assert!(ids(&r, "hertz rental car rent").is_empty());
    }

    #[test]
    fn phrases_do_not_cross_fields() {
        let r = set(RULES);
        assert_eq!(ids(&r, "achat cb leclerc"), ["card"]);
        assert!(ids(&r, "achat | cb").iter().all(|i| i == "card"));
        let mut hits = Vec::new();
        r.find("achat | cbx", &mut hits);
        assert!(hits.is_empty());
    }

    #[test]
    fn tokens_of_a_norm_text_find_what_its_text_finds() {
        use crate::dict::format::{HASH_START, hash_more};
        use crate::text::{Field, NormText, TokenKind};
        let r = set(RULES);
        for fields in [
            &["ACHAT CB", "LECLERC"][..],
            &["ACHAT", "CB LECLERC 12/03"],
            &["ACHAT 4970XXXXXXXX1234 CB", "X"],
            &["CB", ""],
            &["Miete Kfzversicherung", "rental car rent"],
            &["DES PAYROLL 0412", "Mietzahlung Wohnungsmiete"],
        ] {
            let mut norm = NormText::new();
            for (text, field) in
                fields.iter().zip([Field::Description, Field::Payee])
            {
                norm.push_field(text, field);
            }
            let text = norm.text();
            let (mut spans, mut hashes) = (Vec::new(), Vec::new());
            for t in
                norm.tokens().iter().filter(|t| t.kind != TokenKind::Noise)
            {
                spans.push((t.start, t.end));
                hashes
                    .push(hash_more(HASH_START, &text.as_bytes()[t.range()]));
            }
            let mut scratch = r.scratch();
            let (mut from_text, mut from_tokens) = (Vec::new(), Vec::new());
            r.find_with(text, &mut from_text, &mut scratch);
            let first: Vec<Option<u32>> =
                hashes.iter().map(|&h| r.phrase_entry(h)).collect();
            r.find_in_tokens(
                text,
                &spans,
                &hashes,
                &first,
                &mut from_tokens,
                &mut scratch,
            );
            assert_eq!(from_text, from_tokens, "{fields:?}");
        }
    }

    #[test]
    fn spelling_variants_are_matched() {
        let r = set(r#"
[[rule]]
id = "fee"
personal = "provider_fee"
keywords.de = ["gebühr"]
"#);
        assert_eq!(ids(&r, "kontofuhrungs gebuhr"), ["fee"]);
        assert_eq!(ids(&r, "gebuehr"), ["fee"]);
    }

    #[test]
    fn regex_rules() {
        let r = set(RULES);
        assert_eq!(ids(&r, "acme co des payroll ppd"), ["us_payroll"]);
        // Every matching regex is reported, anchored or not.
        let two = set(r#"
[[rule]]
id = "a"
personal = "paycheck"
regex = ['^lon (mars|april)( |$)']
[[rule]]
id = "b"
personal = "bonus"
regex = ['mars']
"#);
        assert_eq!(ids(&two, "lon mars | anders"), ["a", "b"]);
        assert_eq!(ids(&two, "anders lon mars"), ["b"]);
    }

    #[test]
    fn anchored_regexes_are_told_apart() {
        let anchored = |p: &str| anchored_at_start(&hir(p));
        assert!(anchored("^lon (mars|april)( |$)"));
        assert!(anchored("^(from|to) a c"));
        assert!(!anchored("^a|b"));
        assert!(!anchored("(^| )(insurance|ins)( |$)"));
        assert!(!anchored("mars"));
    }

    #[test]
    fn word_start_gate_is_built_only_where_it_is_sound() {
        let gate = WordStartGate::new(&[
            hir("(^| )(insurance|ins)( [a-z0-9]+){0,3} (motor|car)( |$)"),
            hir("(?:^| )cash (notemachine|euronet)"),
        ])
        .expect("both patterns start at a word");
        assert!(gate.literals.iter().all(|l| l.len() <= GATE_PREFIX));
        let has = |l: &[u8]| gate.literals.iter().any(|g| g == l);
        assert!(has(b"ins ") && has(b"insu") && has(b"cash"), "{gate:?}");
        assert!(!has(b"") && !has(b"moto"), "{gate:?}");
        for pattern in [
            "mars",
            "(^| )( )?ins",
            "(^| )[a-z]+ motor",
            "(^| )|x",
            "(^|-)ins",
            "(^| )",
            "^",
            "^[a-z]+ x",
            "^ ins",
        ] {
            assert!(
                WordStartGate::new(&[hir(pattern)]).is_none(),
                "{pattern}"
            );
        }
        // One pattern without a gate leaves the whole group ungated.
        assert!(
            WordStartGate::new(&[hir("(^| )ins( |$)"), hir("mars")]).is_none()
        );
    }

    #[test]
    fn gated_regexes_find_what_ungated_ones_find() {
        let gated = set(r#"
[[rule]]
id = "motor"
personal = "car_insurance"
regex = ['(^| )(insurance|ins|assur)( [a-z0-9]+){0,2} (motor|car)( |$)']
[[rule]]
id = "cash"
personal = "service_fee"
regex = ['(^| )cash (notemachine|euronet)( |$)', '(^| )4 ?you( |$)']
[[rule]]
id = "pay"
personal = "paycheck"
regex = ['^(lon|lonn) (mars|april)( |$)', '^check( \d+)?$']
"#);
        assert!(gated.regexes.iter().all(|g| g.gate.is_some()));
        assert!(gated.regexes[0].gate.as_ref().unwrap().at_text_start);
        let mut ungated = gated.clone();
        for group in &mut ungated.regexes {
            group.gate = None;
        }
        let words = [
            "insurance",
            "ins",
            "in",
            "motor",
            "car",
            "assur",
            "assurance",
            "a",
            "x1",
            "|",
            "cash",
            "euronet",
            "4",
            "you",
            "4you",
            "inst",
            "lon",
            "lonn",
            "mars",
            "check",
            "12",
            "checks",
        ];
        let mut rng = crate::synth::SplitMix64::new(3);
        let mut matched = 0;
        for _ in 0..5_000 {
            let n = 1 + rng.below(7);
            let text: Vec<&str> =
                (0..n).map(|_| words[rng.below(words.len())]).collect();
            let text = text.join(" ");
            let found = ids(&gated, &text);
            assert_eq!(found, ids(&ungated, &text), "{text:?}");
            matched += usize::from(!found.is_empty());
        }
        assert!(matched > 200, "only {matched} texts matched");
    }

    #[test]
    fn admits_direction_nature_country() {
        let r = set(r#"
[[rule]]
id = "x"
direction = "in"
natures = ["credit_card"]
countries = ["GB"]
personal = "transfer"
keywords.en = ["payment thank you"]
"#);
        let rule = r.rule(RuleId(0));
        let gb = Some("GB".parse().unwrap());
        assert!(rule.admits(10.0, Some(AccountNature::CreditCard), gb));
        assert!(!rule.admits(-10.0, Some(AccountNature::CreditCard), gb));
        assert!(!rule.admits(10.0, Some(AccountNature::Checking), gb));
        assert!(!rule.admits(10.0, None, gb));
        assert!(!rule.admits(10.0, Some(AccountNature::CreditCard), None));
    }

    #[test]
    fn source_errors_name_file_and_rule() {
        let bad = [
            (
                "[[rule]]\nid='a'\npersonal='nope'\nkeywords.en=['x']",
                "rule a: \"nope\" is not a personal category",
            ),
            (
                "[[rule]]\nid='a'\npersonal='rent'\nkeywords.en=['x']\n[[rule]]\nid='a'\npersonal='rent'\nkeywords.en=['y']",
                "rule a: duplicate rule id",
            ),
            (
                "[[rule]]\nid='a'\npersonal='rent'",
                "rule a: has neither keywords nor regexes",
            ),
            (
                "[[rule]]\nid='a'\nkeywords.en=['x']",
                "rule a: gives neither a category nor a channel",
            ),
            (
                "[[rule]]\nid='a'\npersonal='rent'\nkeywords.en=['*ab']",
                "too short",
            ),
            ("[[rule]]\nid='a'\npersonal='rent'\nregex=['(']", "regex"),
            (
                "[[rule]]\nid='a'\npersonal='rent'\nkeywords.en=['x']\nprio=3",
                "unknown field",
            ),
            (
                "[[rule]]\nid='a'\npersonal='rent'\npriority=0\nkeywords.en=['x']",
                "priority 0",
            ),
        ];
        for (src, msg) in bad {
            let e = RuleSet::from_sources(&[("f.toml", src)])
                .unwrap_err()
                .to_string();
            assert!(e.starts_with("f.toml"), "{e}");
            assert!(e.contains(msg), "{e} should contain {msg}");
        }
    }

    #[test]
    fn mcc_table_rejects_bad_lines() {
        assert!(MccTable::parse("54\tgroceries\tconsumer_goods").is_err());
        assert!(MccTable::parse("5411\tgrocery\tconsumer_goods").is_err());
        assert!(
            MccTable::parse("5499-5400\tgroceries\tconsumer_goods").is_err()
        );
        assert!(MccTable::parse("5411\tgroceries").is_err());
    }
}
