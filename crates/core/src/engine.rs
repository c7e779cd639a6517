//! The engine: builder, immutable [`Engine`], single and batch enrichment.
//!
//! An [`Engine`] is built once from its data (rules, MCC table, merchant
//! dictionary, word lists) and never changes: it is `Send + Sync` and cheap
//! to clone (an `Arc` inside). To change the data, build a new engine.
//!
//! # Example
//!
//! ```
//! use txenrich::{Engine, EnrichOptions};
//! use txenrich::model::TransactionView;
//!
//! let engine = Engine::builtin();
//! let tx = TransactionView::new("ATM WITHDRAWAL 12/03 HIGH STREET", -60.0, "GBP");
//! let e = engine.enrich(&tx, &EnrichOptions::default());
//! assert_eq!(engine.category_code(&e), Some("transfer"));
//! assert!(e.merchant.is_none());
//! ```

use std::cell::RefCell;
use std::fmt;
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::builtin;
use crate::dict::format::{HASH_START, hash_more};
use crate::dict::{DictMatch, Dictionary, MerchantIdx, flags};
use crate::error::{Error, ErrorClass};
use crate::json::RawTransaction;
use crate::learn::Customer;
use crate::lexicon::{FacilitatorKind, Lexicon, word};
use crate::model::{AccountNature, Categorization, Country, TransactionView};
use crate::rules::{
    Channel, MccTable, RuleHit, RuleId, RuleScratch, RuleSet, Strength,
};
use crate::slots::HashSlots;
use crate::taxonomy::{CategoryId, Taxonomy, Tree};
use crate::text::{self, Field, NormText, Token, TokenKind};

/// The most transactions one batch may hold (Salt Edge's limit).
pub const BATCH_LIMIT: usize = 100;

/// Options of one enrichment call.
///
/// ```
/// use txenrich::EnrichOptions;
/// use txenrich::model::Categorization;
///
/// let opts = EnrichOptions { categorization: Categorization::Business, ..Default::default() };
/// assert!(opts.customer.is_none());
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct EnrichOptions<'a> {
    /// Which tree to categorize into; `None` identifies merchants only.
    pub categorization: Categorization,
    /// The transactions' country, when the caller knows it. Otherwise it is
    /// read from the descriptor and the currency.
    pub country: Option<Country>,
    /// The customer's learned rules.
    pub customer: Option<&'a Customer>,
}

/// What decided a transaction's category.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// A rule the customer taught.
    Learned,
    /// A strong rule.
    Rule(RuleId),
    /// The identified merchant's category.
    Merchant(MerchantIdx),
    /// The merchant category code.
    Mcc(u16),
    /// A weak rule (a word in the merchant's name).
    Keyword(RuleId),
    /// Nothing matched.
    Default,
    /// Categorization was not asked for.
    None,
}

/// The merchant behind a transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MerchantRef {
    /// A merchant of the dictionary.
    Known(MerchantIdx),
    /// A name read from the descriptor: a shop no dictionary holds.
    Cleansed(String),
}

/// A learned customer category.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CustomerCategory {
    /// A code of the tree in use (`extra.customer_category_code`).
    Code(CategoryId),
    /// The customer's own category (`extra.customer_category_name`).
    Name(String),
}

/// The engine's answer for one transaction.
#[derive(Clone, Debug, PartialEq)]
pub struct Enrichment {
    /// The category; `None` only when categorization was not asked for.
    pub category: Option<CategoryId>,
    /// 0..1: how likely the category is right.
    pub confidence: f32,
    /// What decided the category.
    pub source: Source,
    /// The merchant, if the line names one.
    pub merchant: Option<MerchantRef>,
    /// A learned customer category, when one applied.
    pub customer_category: Option<CustomerCategory>,
    /// The country the engine placed the transaction in, if any.
    pub country: Option<Country>,
}

/// An error in the engine's data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildError {
    message: String,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for BuildError {}

fn build_err(e: impl fmt::Display) -> BuildError {
    BuildError { message: e.to_string() }
}

/// Builds an [`Engine`] from data other than the embedded defaults.
///
/// ```
/// use txenrich::EngineBuilder;
///
/// let engine = EngineBuilder::new()
///     .rules(vec![("mine.toml".into(), "[[rule]]\nid='gym'\npersonal='sports'\nkeywords.en=['gym']".into())])
///     .build()
///     .unwrap();
/// assert_eq!(engine.rules().len(), 1);
/// ```
#[derive(Clone, Debug, Default)]
pub struct EngineBuilder {
    dictionary: Option<Dictionary>,
    rules: Option<Vec<(String, String)>>,
    mcc: Option<String>,
    lexicon: Option<Lexicon>,
}

impl EngineBuilder {
    /// A builder with the embedded defaults.
    pub fn new() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// Uses this merchant dictionary instead of the embedded one.
    pub fn dictionary(
        &mut self,
        dictionary: Dictionary,
    ) -> &mut EngineBuilder {
        self.dictionary = Some(dictionary);
        self
    }

    /// Uses these rule files (`(name, TOML text)`) instead of the embedded
    /// ones.
    pub fn rules(
        &mut self,
        sources: Vec<(String, String)>,
    ) -> &mut EngineBuilder {
        self.rules = Some(sources);
        self
    }

    /// Uses this MCC table (`data/mcc/categories.tsv` format).
    pub fn mcc_table(&mut self, text: String) -> &mut EngineBuilder {
        self.mcc = Some(text);
        self
    }

    /// Uses these word lists instead of the embedded ones.
    pub fn lexicon(&mut self, lexicon: Lexicon) -> &mut EngineBuilder {
        self.lexicon = Some(lexicon);
        self
    }

    /// Builds the engine.
    pub fn build(&self) -> Result<Engine, BuildError> {
        // The rules are the bulk of the start-up, and the word lists, the
        // MCC table and the dictionary do not depend on them: with a second
        // core, build the two sides side by side.
        let ((lexicon, mcc, dict), rules) = rayon::join(
            || {
                let lexicon = match &self.lexicon {
                    Some(l) => Ok(l.clone()),
                    None => Lexicon::try_builtin().map_err(build_err),
                };
                let mcc = MccTable::parse(
                    self.mcc.as_deref().unwrap_or(builtin::MCC_CATEGORIES),
                )
                .map_err(|e| build_err(format!("mcc table: {e}")));
                let dict = match &self.dictionary {
                    Some(d) => Ok(d.clone()),
                    None => Dictionary::from_static(builtin::DICTIONARY)
                        .map_err(build_err),
                };
                (lexicon, mcc, dict)
            },
            || match &self.rules {
                Some(src) => {
                    let pairs: Vec<(&str, &str)> = src
                        .iter()
                        .map(|(a, b)| (a.as_str(), b.as_str()))
                        .collect();
                    RuleSet::from_sources(&pairs).map_err(build_err)
                }
                None => {
                    RuleSet::from_json(builtin::RULES_JSON).map_err(build_err)
                }
            },
        );
        let (lexicon, rules, mcc, dict) = (lexicon?, rules?, mcc?, dict?);
        let mut facilitators: FxHashMap<String, Vec<usize>> =
            FxHashMap::default();
        for (i, f) in lexicon.facilitators.iter().enumerate() {
            facilitators.entry(f.tokens[0].clone()).or_default().push(i);
        }
        // The country a currency places a transaction in: the issuer whose
        // code starts the currency's (GBP: GB, not Jersey; CHF: CH), or
        // the only country using it. The euro places nothing.
        let mut single_currency = FxHashMap::default();
        let mut currency_countries = FxHashMap::default();
        for (cur, list) in &lexicon.currency_countries {
            let Some(key) = currency_key(cur) else { continue };
            currency_countries.insert(key, list.clone());
            let issuer = cur
                .as_bytes()
                .get(..2)
                .and_then(|p| list.iter().find(|c| c[..] == *p));
            match (issuer, list.as_slice()) {
                (Some(c), _) | (None, [c]) => {
                    single_currency.insert(key, *c);
                }
                _ => {}
            }
        }
        let token_facts = token_facts(&lexicon, &rules);
        Ok(Engine {
            inner: Arc::new(Inner {
                taxonomy: Taxonomy::builtin(),
                rules,
                mcc,
                dict,
                lexicon,
                facilitators,
                token_facts,
                single_currency,
                currency_countries,
            }),
        })
    }
}

/// In a [`Inner::token_facts`] value: the token's hash has an entry in the
/// keyword table, held in the high 32 bits.
const TOKEN_IN_PHRASES: u64 = 1 << 31;

/// The table of [`Inner::token_facts`]: the word lists' bits of each word,
/// and the keyword table's entries.
fn token_facts(lexicon: &Lexicon, rules: &RuleSet) -> HashSlots<u64> {
    let mut facts = lexicon.word_bits(rules.phrase_entries().count());
    for (h, entry) in rules.phrase_entries() {
        *facts.entry(h, 0) |= TOKEN_IN_PHRASES | u64::from(entry) << 32;
    }
    facts
}

/// The enrichment engine. See the [crate docs](crate).
#[derive(Clone, Debug)]
pub struct Engine {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    taxonomy: &'static Taxonomy,
    rules: RuleSet,
    mcc: MccTable,
    dict: Dictionary,
    lexicon: Lexicon,
    facilitators: FxHashMap<String, Vec<usize>>,
    /// What is known of a token, by its hash: its [`word`] bits (low 32
    /// bits, with [`TOKEN_IN_PHRASES`]) and, when that bit is set, the
    /// keyword table's entry (high 32 bits). One probe per token serves the
    /// word lists and the keywords. (Hashes are 64 bits, as in the
    /// dictionary's key table: a token taken for a listed word it is not
    /// is a chance of about one in 10¹⁴.)
    token_facts: HashSlots<u64>,
    /// Keyed by [`currency_key`].
    single_currency: FxHashMap<[u8; 3], [u8; 2]>,
    /// Keyed by [`currency_key`].
    currency_countries: FxHashMap<[u8; 3], Vec<[u8; 2]>>,
}

/// Per-thread buffers, so that enriching allocates nothing once warm.
#[derive(Default)]
struct Scratch {
    norm: NormText,
    /// The [`word`] bits of each token of `norm` (none for noise).
    bits: Vec<u32>,
    /// The keyword table's entry for each word or number token.
    first_phrases: Vec<Option<u32>>,
    /// The hash of each token of `norm` (`hash_more(HASH_START, text)`).
    hashes: Vec<u64>,
    /// The text range and hash of each word or number token, for the rules.
    spans: Vec<(u32, u32)>,
    span_hashes: Vec<u64>,
    /// The rules' buffers, made for the engine that used them last.
    rules: Option<RuleScratch>,
    hits: Vec<RuleHit>,
    matches: Vec<DictMatch>,
    weak_categories: Vec<WeakHint>,
    /// The place at the end of the description, read once per line.
    location: Option<Location>,
    /// The facilitators printed on the line.
    facilitators: Vec<FacilitatorSpan>,
    /// The buffers of [`Inner::cleansed_name`].
    name: NameScratch,
}

/// Per-thread buffers of [`Inner::cleansed_name`].
#[derive(Default)]
struct NameScratch {
    /// Whether each token may be part of the name.
    keep: Vec<bool>,
    /// Where legal forms that end a name start.
    legal_starts: Vec<usize>,
    /// Runs of kept tokens, first and last.
    runs: Vec<(usize, usize)>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl Engine {
    /// The engine built from the data embedded in the library, built once
    /// per process and shared.
    pub fn builtin() -> Engine {
        static ENGINE: OnceLock<Engine> = OnceLock::new();
        ENGINE
            .get_or_init(|| {
                EngineBuilder::new()
                    .build()
                    .expect("the embedded data is valid (checked by tests)")
            })
            .clone()
    }

    /// A builder for an engine with other data.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::new()
    }

    /// The taxonomy.
    pub fn taxonomy(&self) -> &'static Taxonomy {
        self.inner.taxonomy
    }

    /// The rules.
    pub fn rules(&self) -> &RuleSet {
        &self.inner.rules
    }

    /// The merchant dictionary.
    pub fn dictionary(&self) -> &Dictionary {
        &self.inner.dict
    }

    /// The code of an enrichment's category, if any.
    pub fn category_code(&self, e: &Enrichment) -> Option<&'static str> {
        e.category.map(|c| self.inner.taxonomy.code(c))
    }

    /// The merchant's display name, if any.
    pub fn merchant_name<'a>(&'a self, e: &'a Enrichment) -> Option<&'a str> {
        match e.merchant.as_ref()? {
            MerchantRef::Known(idx) => {
                Some(self.inner.dict.merchant(*idx).name())
            }
            MerchantRef::Cleansed(name) => Some(name),
        }
    }

    /// Enriches one transaction.
    pub fn enrich(
        &self,
        tx: &TransactionView<'_>,
        opts: &EnrichOptions<'_>,
    ) -> Enrichment {
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => self.inner.enrich(tx, opts, &mut scratch),
            Err(_) => self.inner.enrich(tx, opts, &mut Scratch::default()),
        })
    }

    /// Enriches at most [`BATCH_LIMIT`] transactions in parallel, in order.
    /// More is `BatchSizeLimitExceeded`, and nothing is enriched.
    pub fn enrich_batch(
        &self,
        txs: &[TransactionView<'_>],
        opts: &EnrichOptions<'_>,
    ) -> Result<Vec<Enrichment>, Error> {
        check_batch(txs.len())?;
        Ok(txs
            .par_iter()
            .with_min_len(8)
            .map(|tx| self.enrich(tx, opts))
            .collect())
    }

    /// Parses one JSON transaction, enriches it and appends the output line
    /// (without a newline) to `out`: the input with every field kept and the
    /// enrichment spliced in. On error nothing is appended.
    pub fn enrich_json(
        &self,
        line: &str,
        opts: &EnrichOptions<'_>,
        out: &mut Vec<u8>,
    ) -> Result<Enrichment, Error> {
        let raw = RawTransaction::parse(line)?;
        let e = self.enrich(&raw.view(), opts);
        self.write_enriched(&raw, &e, opts, out);
        Ok(e)
    }

    /// Writes a parsed transaction with its enrichment as one JSON object.
    pub fn write_enriched(
        &self,
        raw: &RawTransaction<'_>,
        e: &Enrichment,
        opts: &EnrichOptions<'_>,
        out: &mut Vec<u8>,
    ) {
        crate::output::write_enriched(
            self,
            raw,
            e,
            opts.categorization != Categorization::None,
            out,
        );
    }

    /// A merchant of the dictionary by its stable id, as Salt Edge's
    /// merchant object; `MerchantNotFound` for an unknown id.
    pub fn merchant_json(&self, id: &str) -> Result<serde_json::Value, Error> {
        let idx = self.inner.dict.find_id(id).ok_or_else(|| {
            Error::new(
                ErrorClass::MerchantNotFound,
                format!("merchant {id:?} was not found"),
            )
        })?;
        Ok(self.inner.dict.merchant(idx).to_json())
    }
}

impl Engine {
    /// Why the engine decides what it decides for one transaction: the
    /// normalized text and tokens, the rules that matched (and whether they
    /// apply to this amount, nature and country), the aliases found in the
    /// dictionary with their candidate merchants, and the result. For
    /// people tuning data; the shape may change between versions.
    pub fn explain(
        &self,
        tx: &TransactionView<'_>,
        opts: &EnrichOptions<'_>,
    ) -> serde_json::Value {
        use serde_json::json;
        let inner = &*self.inner;
        let mut s = Scratch::default();
        let e = inner.enrich(tx, opts, &mut s);
        let norm = &s.norm;
        let tokens: Vec<serde_json::Value> = norm
            .tokens()
            .iter()
            .map(|t| {
                json!({
                    "text": norm.token_text(t),
                    "raw": norm.raw_text(t),
                    "field": format!("{:?}", t.field),
                    "kind": format!("{:?}", t.kind),
                    "flags": t.flags,
                })
            })
            .collect();
        let country = e.country;
        let hits: Vec<serde_json::Value> = s
            .hits
            .iter()
            .map(|h| {
                let r = inner.rules.rule(h.rule);
                json!({
                    "rule": r.id(),
                    "text": norm.text().get(h.start as usize..h.end as usize).unwrap_or(""),
                    "strength": format!("{:?}", r.strength()),
                    "priority": r.priority(),
                    "channel": r.channel().map(|c| format!("{c:?}")),
                    "applies": r.admits(tx.amount, tx.account_nature, country),
                })
            })
            .collect();
        let matches: Vec<serde_json::Value> = s
            .matches
            .iter()
            .map(|m| {
                let toks = &norm.tokens()[m.first as usize..=m.last as usize];
                let text: Vec<&str> = toks.iter().map(|t| norm.token_text(t)).collect();
                let cands: Vec<serde_json::Value> = m
                    .candidates(&inner.dict)
                    .map(|(idx, f)| {
                        let mm = inner.dict.merchant(idx);
                        json!({"id": mm.id(), "name": mm.name(), "flags": f,
                               "in_country": country.map(|c| mm.in_country(c.bytes()))})
                    })
                    .collect();
                json!({"tokens": text.join(" "), "len": m.len, "how": m.how, "candidates": cands})
            })
            .collect();
        json!({
            "text": norm.text(),
            "tokens": tokens,
            "country": country.map(|c| c.to_string()),
            "rules": hits,
            "dictionary": matches,
            "category": self.category_code(&e),
            "confidence": e.confidence,
            "source": format!("{:?}", e.source),
            "merchant": self.merchant_name(&e),
        })
    }
}

/// `BatchSizeLimitExceeded` when a batch holds more than [`BATCH_LIMIT`].
pub fn check_batch(len: usize) -> Result<(), Error> {
    if len > BATCH_LIMIT {
        return Err(Error::new(
            ErrorClass::BatchSizeLimitExceeded,
            format!(
                "Batch size limit ({BATCH_LIMIT} transactions) was exceeded: {len} were sent."
            ),
        ));
    }
    Ok(())
}

/// A facilitator found in a descriptor.
#[derive(Clone, Copy, Debug)]
struct FacilitatorSpan {
    first: usize,
    last: usize,
    kind: FacilitatorKind,
}

/// Channels seen on a line, as a bit set.
#[derive(Clone, Copy, Debug, Default)]
struct Channels(u16);

impl Channels {
    fn add(&mut self, c: Channel) {
        self.0 |= 1 << c as u16;
    }
    fn has(self, c: Channel) -> bool {
        self.0 & (1 << c as u16) != 0
    }
}

/// A category a weak rule's keyword points to, and where the keyword is.
#[derive(Clone, Copy, Debug)]
struct WeakHint {
    category: CategoryId,
    start: u32,
    end: u32,
    rule: RuleId,
    priority: u8,
}

/// A place printed at the end of a description.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Location {
    /// The country it names, if it names one.
    country: Option<[u8; 2]>,
    /// The index of its first token.
    start: usize,
}

/// What the rest of a line says about where a merchant may be named.
#[derive(Clone, Copy, Debug)]
struct LineContext {
    /// The transaction's country, if known.
    country: Option<Country>,
    /// Whether a common-word alias may name a merchant on this line.
    weak_ok: bool,
    /// A payment facilitator on the line.
    facilitator: Option<FacilitatorSpan>,
    /// The line is a card purchase.
    card_line: bool,
    /// The line is a transfer, a standing order or an instant payment.
    transfer_like: bool,
    /// A strong rule explains the line (a tax, a salary, rent).
    explained: bool,
    /// The personal category of the line's MCC, if it has one.
    mcc_personal: Option<CategoryId>,
}

/// Whether a merchant's categories agree with a category the line gives
/// (the MCC's, or a keyword's): the same, or one of the same family.
fn agrees(tax: &Taxonomy, merchant: CategoryId, hint: CategoryId) -> bool {
    let family = |c: CategoryId| tax.parent(c).unwrap_or(c);
    merchant == hint || family(merchant) == family(hint)
}

/// A dictionary merchant chosen for a line: the merchant, the flags of the
/// alias that named it, and where it was found.
type ChosenMerchant = (MerchantIdx, u8, DictMatch);
/// How a match ranks: strong alias, field, earliness, length.
type MatchRank = (u8, u8, i64, u32);

/// The best rule of a strength.
#[derive(Clone, Copy, Debug)]
struct RuleChoice {
    rule: RuleId,
    category: CategoryId,
    priority: u8,
}

impl Inner {
    fn enrich(
        &self,
        tx: &TransactionView<'_>,
        opts: &EnrichOptions<'_>,
        s: &mut Scratch,
    ) -> Enrichment {
        let (e, weak_categories) = self.enrich_line(tx, opts, s);
        // Give the buffer back for the next line.
        s.weak_categories = weak_categories;
        e
    }

    fn enrich_line(
        &self,
        tx: &TransactionView<'_>,
        opts: &EnrichOptions<'_>,
        s: &mut Scratch,
    ) -> (Enrichment, Vec<WeakHint>) {
        let tree = opts.categorization.tree();
        s.norm.clear();
        s.hits.clear();
        s.matches.clear();
        s.norm.push_field(tx.description, Field::Description);
        for (text, field) in [
            (tx.payee, Field::Payee),
            (tx.payer, Field::Payer),
            (tx.additional, Field::Additional),
            (tx.information, Field::Information),
        ] {
            if let Some(t) = text {
                s.norm.push_field(t, field);
            }
        }
        // Each token is hashed once, for the word lists, the rules and the
        // dictionary.
        s.bits.clear();
        s.hashes.clear();
        s.spans.clear();
        s.span_hashes.clear();
        s.first_phrases.clear();
        let text = s.norm.text().as_bytes();
        for t in s.norm.tokens() {
            let h = hash_more(HASH_START, &text[t.range()]);
            s.hashes.push(h);
            if t.kind == TokenKind::Noise {
                s.bits.push(0);
                continue;
            }
            let known = self.token_facts.get(h).unwrap_or(0);
            s.bits.push(known as u32 & word::ALL);
            s.first_phrases.push(
                (known & TOKEN_IN_PHRASES != 0)
                    .then_some((known >> 32) as u32),
            );
            s.spans.push((t.start, t.end));
            s.span_hashes.push(h);
        }
        let rule_scratch = s.rules.get_or_insert_with(|| self.rules.scratch());
        self.rules.find_in_tokens(
            s.norm.text(),
            &s.spans,
            &s.span_hashes,
            &s.first_phrases,
            &mut s.hits,
            rule_scratch,
        );
        let currency = tx.original_currency_code.unwrap_or(tx.currency_code);
        let card_line = s
            .hits
            .iter()
            .any(|h| self.rules.rule(h.rule).channel() == Some(Channel::Card));
        s.location =
            self.trailing_location(&s.norm, &s.bits, currency, card_line);
        let country = opts.country.or_else(|| self.infer_country(tx, s));
        let nature = tx.account_nature;

        // Rules.
        let mut strong: Option<RuleChoice> = None;
        let mut weak: Option<RuleChoice> = None;
        let mut weak_cats = std::mem::take(&mut s.weak_categories);
        weak_cats.clear();
        let mut channels = Channels::default();
        let mut forbid = false;
        for h in &s.hits {
            let r = self.rules.rule(h.rule);
            if !r.admits(tx.amount, nature, country) {
                continue;
            }
            // A channel phrase inside a longer one (`MOKĖJIMAS` of
            // `MOKĖJIMAS KORTELE`) is that longer phrase's word.
            let nested = r.channel().is_some()
                && s.hits.iter().any(|o| {
                    o.rule != h.rule
                        && self.rules.rule(o.rule).channel().is_some()
                        && o.start <= h.start
                        && h.end <= o.end
                        && o.end - o.start > h.end - h.start
                });
            if nested {
                continue;
            }
            if let Some(c) = r.channel() {
                channels.add(c);
            }
            let cat = tree.and_then(|t| r.category(t));
            // A rule speaks for the tree it has a category in (a personal
            // salary rule says nothing of a business account's lines).
            if r.forbids_merchant()
                && (cat.is_some() || r.channel().is_some() || tree.is_none())
            {
                forbid = true;
            }
            let Some(cat) = cat else { continue };
            if r.strength() == Strength::Weak {
                weak_cats.push(WeakHint {
                    category: cat,
                    start: h.start,
                    end: h.end,
                    rule: h.rule,
                    priority: r.priority(),
                });
            } else if strong.is_none_or(|c| r.priority() > c.priority) {
                strong = Some(RuleChoice {
                    rule: h.rule,
                    category: cat,
                    priority: r.priority(),
                });
            }
        }
        let transfer_like = channels.has(Channel::Transfer)
            || channels.has(Channel::Instant)
            || channels.has(Channel::StandingOrder);
        // On a transfer, the sender's note says what the money was for
        // between people, not what the payee is: keywords of the free-text
        // fields, and words after a reference label (`REF CONCERT
        // TICKETS`), do not categorize it.
        // (On a business account, the note is the invoice's purpose and
        // does categorize: `Rechnung Webdesign`.)
        let personal_transfer = transfer_like && tree == Some(Tree::Personal);
        if personal_transfer {
            let tokens = s.norm.tokens();
            weak_cats.retain(|h| {
                tokens.iter().find(|t| t.end > h.start).is_none_or(|t| {
                    !matches!(t.field, Field::Additional | Field::Information)
                })
            });
        }
        if personal_transfer
            && let Some(label) = s
                .norm
                .tokens()
                .iter()
                .zip(&s.bits)
                .find(|(_, b)| **b & word::REFERENCE_LABEL != 0)
                .map(|(t, _)| t)
        {
            weak_cats.retain(|h| h.start < label.end);
        }
        for h in &weak_cats {
            if weak.is_none_or(|c: RuleChoice| h.priority > c.priority) {
                weak = Some(RuleChoice {
                    rule: h.rule,
                    category: h.category,
                    priority: h.priority,
                });
            }
        }
        let mcc_cat = match (tx.mcc, tree) {
            (Some(m), Some(t)) => self.mcc.category(m, t),
            _ => None,
        };

        // Merchant.
        let facilitator = self.find_facilitators(
            &s.norm,
            &s.bits,
            tx.amount,
            &mut s.facilitators,
        );
        let located = s.location.is_some();
        let card_context = channels.has(Channel::Card)
            || tx.mcc.is_some()
            || nature.is_some_and(|n| {
                matches!(
                    n,
                    AccountNature::CreditCard
                        | AccountNature::DebitCard
                        | AccountNature::Card
                )
            })
            || facilitator
                .is_some_and(|f| f.kind == FacilitatorKind::Intermediary);
        // Where a one-word alias that is also a common word or a name may
        // stand for a merchant: shop and bill lines, not transfers.
        let weak_ok = !transfer_like
            && (card_context
                || channels.has(Channel::DirectDebit)
                || located
                || facilitator.is_some());
        let mut merchant: Option<ChosenMerchant> = None;
        if !forbid {
            self.dict.find_hashed(&s.norm, &s.hashes, &mut s.matches);
            let line = LineContext {
                country,
                weak_ok,
                facilitator,
                card_line: channels.has(Channel::Card),
                transfer_like,
                explained: strong.is_some(),
                mcc_personal: tx
                    .mcc
                    .and_then(|m| self.mcc.category(m, Tree::Personal)),
            };
            // Keywords of the line in the personal tree, to corroborate an
            // ambiguous name (`ZURICH Kfz-Versicherung`).
            let personal_hints: Vec<CategoryId> = s
                .hits
                .iter()
                .filter(|h| {
                    self.rules.rule(h.rule).strength() == Strength::Weak
                })
                .filter_map(|h| {
                    self.rules.rule(h.rule).category(Tree::Personal)
                })
                .collect();
            merchant = self.choose_merchant(s, tx, &line, &personal_hints);
        }
        // A line a strong rule explains (a tax, a salary, a fee) names no
        // shop; only the dictionary may still name an institution on it.
        let cleansed = if merchant.is_none() && !forbid && strong.is_none() {
            let mut buffers = std::mem::take(&mut s.name);
            let name = self.cleansed_name(
                s,
                &mut buffers,
                tx,
                channels,
                card_context || located,
                facilitator,
            );
            s.name = buffers;
            name
        } else {
            None
        };

        // A wallet payment (PayPal, Satispay) with no shop behind it is money
        // between people.
        let wallet_only = merchant.is_none()
            && cleansed.is_none()
            && facilitator.is_some_and(|f| f.kind == FacilitatorKind::Wallet);

        // Category.
        let mut out = Enrichment {
            category: None,
            confidence: 0.0,
            source: Source::None,
            merchant: match (&merchant, cleansed) {
                (Some((idx, _, _)), _) => Some(MerchantRef::Known(*idx)),
                (None, Some(name)) => Some(MerchantRef::Cleansed(name)),
                (None, None) => None,
            },
            customer_category: None,
            country,
        };
        let Some(tree) = tree else { return (out, weak_cats) };
        if let Some(learned) =
            opts.customer.and_then(|c| c.lookup(tx.description))
        {
            match self.taxonomy.find(tree, learned.category()) {
                Some(id) => {
                    out.category = Some(id);
                    out.confidence = 0.99;
                    out.source = Source::Learned;
                    out.customer_category = Some(CustomerCategory::Code(id));
                    return (out, weak_cats);
                }
                None => {
                    out.customer_category = Some(CustomerCategory::Name(
                        learned.category().to_string(),
                    ))
                }
            }
        }
        let (category, confidence, source) = if let Some(r) = strong {
            (
                r.category,
                0.90 + f32::from(r.priority) / 1000.0,
                Source::Rule(r.rule),
            )
        } else if let Some((idx, aflags, m)) = merchant {
            // Words of the merchant's own name (`GAILS BAKERY`) say what the
            // merchant is called, not what this purchase was.
            let tokens = s.norm.tokens();
            let (ms, me) =
                (tokens[m.first as usize].start, tokens[m.last as usize].end);
            let all_hints: Vec<CategoryId> =
                weak_cats.iter().map(|h| h.category).collect();
            let hints: Vec<CategoryId> = weak_cats
                .iter()
                .filter(|h| !(h.start >= ms && h.end <= me))
                .map(|h| h.category)
                .collect();
            let cat =
                self.merchant_category(idx, tree, mcc_cat, &all_hints, &hints);
            let sure =
                aflags & flags::WEAK == 0 && m.how & DictMatch::TRUNCATED == 0;
            (cat, if sure { 0.88 } else { 0.76 }, Source::Merchant(idx))
        } else if let (Some(cat), Some(mcc)) = (mcc_cat, tx.mcc) {
            let hints: Vec<CategoryId> =
                weak_cats.iter().map(|h| h.category).collect();
            let cat = refine(self.taxonomy, cat, &hints);
            (cat, 0.78, Source::Mcc(mcc))
        } else if let Some(w) = weak {
            (w.category, 0.60, Source::Keyword(w.rule))
        } else if let Some(t) = (transfer_like || wallet_only)
            .then(|| self.taxonomy.find(tree, "transfer"))
            .flatten()
        {
            // Money sent to or received from someone the line does not
            // name as a merchant.
            (t, 0.50, Source::Default)
        } else {
            (self.taxonomy.uncategorized(tree), 0.30, Source::Default)
        };
        out.category = Some(category);
        out.confidence = confidence;
        out.source = source;
        (out, weak_cats)
    }

    /// The merchant's category in a tree: the one of its categories the MCC
    /// or a weak rule (`selecting`) points to, else its primary one refined
    /// by a keyword outside its name (`weak`) or the MCC.
    fn merchant_category(
        &self,
        idx: MerchantIdx,
        tree: Tree,
        mcc: Option<CategoryId>,
        selecting: &[CategoryId],
        weak: &[CategoryId],
    ) -> CategoryId {
        let m = self.dict.merchant(idx);
        let mut cats = m.categories(tree);
        let Some(primary) = cats.next() else {
            return self.taxonomy.uncategorized(tree);
        };
        let all: Vec<CategoryId> =
            std::iter::once(primary).chain(cats).collect();
        if all.len() > 1 {
            if let Some(c) = mcc.filter(|c| all.contains(c)) {
                return c;
            }
            // Any word of the line, the alias included (`TESCO PFS`),
            // selects among the merchant's own categories.
            if let Some(c) = selecting.iter().find(|c| all.contains(c)) {
                return *c;
            }
        }
        // A word of the line naming a sibling of the merchant's category is
        // more precise than the merchant's general line of business (an
        // insurer's `FLOTA VEHICULOS` is vehicle insurance).
        if let Some(parent) = self.taxonomy.parent(primary)
            && let Some(&c) = weak.iter().find(|&&c| {
                c != primary && self.taxonomy.parent(c) == Some(parent)
            })
        {
            return c;
        }
        let mut hints: Vec<CategoryId> = weak.to_vec();
        hints.extend(mcc);
        refine(self.taxonomy, primary, &hints)
    }

    fn choose_merchant(
        &self,
        s: &Scratch,
        tx: &TransactionView<'_>,
        line: &LineContext,
        personal_hints: &[CategoryId],
    ) -> Option<ChosenMerchant> {
        let LineContext {
            country,
            weak_ok,
            facilitator,
            card_line,
            transfer_like,
            explained,
            mcc_personal,
        } = *line;
        let tokens = s.norm.tokens();
        let location = s.location.map(|l| l.start);
        let mut best: Option<(MatchRank, ChosenMerchant)> = None;
        let mut accepted: Vec<ChosenMerchant> = Vec::new();
        for m in &s.matches {
            let (first, last) = (m.first as usize, m.last as usize);
            // A bank's phrase is not a merchant (`Dankort-køb`, `BEA`).
            let (ts, te) = (tokens[first].start, tokens[last].end);
            let in_phrase = s.hits.iter().any(|h| {
                self.rules.rule(h.rule).channel().is_some()
                    && h.start <= ts
                    && te <= h.end
                    && h.end > h.start
            });
            if in_phrase {
                continue;
            }
            // The city and country a card network prints after the name.
            if tokens[first].field == Field::Description
                && location.is_some_and(|l| first >= l)
            {
                continue;
            }
            let mut rank_field = match tokens[first].field {
                Field::Payee if tx.amount < 0.0 => 2,
                Field::Payer if tx.amount > 0.0 => 2,
                Field::Description => 1,
                _ => 0,
            };
            let in_go_between = s.facilitators.iter().any(|f| {
                f.kind != FacilitatorKind::Platform
                    && first >= f.first
                    && last <= f.last
            });
            if in_go_between {
                continue;
            }
            if let Some(f) = facilitator {
                let inside = first >= f.first && last <= f.last;
                match f.kind {
                    FacilitatorKind::Intermediary
                    | FacilitatorKind::Wallet
                        if inside =>
                    {
                        continue;
                    }
                    FacilitatorKind::Platform
                        if first > f.last
                            && tokens[first].field
                                == tokens[f.first].field =>
                    {
                        rank_field = 3;
                    }
                    _ => {}
                }
            }
            // On a transfer, a brand's name next to a person's (`PAUL
            // SMITH`, `KATIE BOOTS`, `T NEXT`) is a person.
            if transfer_like && self.near_person(s, first, last) {
                continue;
            }
            if self.field_is_person(s, tokens[first].field) {
                continue;
            }
            // Two generic words read together (`EN EL` is not Enel).
            if m.how & DictMatch::JOINED != 0
                && tokens[first..=last].iter().all(|t| {
                    let w = s.norm.token_text(t);
                    w.len() <= 2 || self.lexicon.stopwords.contains(w)
                })
            {
                continue;
            }
            let (left, right) =
                self.isolation(s, first, last, facilitator, location);
            // Free-text fields name a merchant only with a distinctive alias.
            let free_text = matches!(
                tokens[first].field,
                Field::Additional | Field::Information
            );
            // When a rule already explains the line, names in its free
            // text (`Miete Whg 3 OG links`) are words, not merchants.
            if free_text && explained {
                continue;
            }
            // Past a label of the purpose or reference (`OMSCHRIJVING:
            // FACTUUR APRIL`), the words are the payer's text: an ambiguous
            // name there needs corroboration.
            let after_label = tokens[..first].iter().any(|t| {
                t.field == tokens[first].field
                    && self
                        .lexicon
                        .reference_labels
                        .contains(s.norm.token_text(t))
            });
            let allowed = if !weak_ok || free_text || after_label {
                0
            } else if left && right {
                flags::WEAK | flags::SHORT
            } else if left {
                flags::SHORT
            } else {
                0
            };
            let Some((idx, aflags)) = self.pick_candidate(
                m,
                tx,
                country,
                allowed,
                mcc_personal,
                personal_hints,
            ) else {
                continue;
            };
            // On a card purchase, a bank named on the line is the card's
            // issuer, not the shop.
            if card_line && tx.amount < 0.0 && self.is_bank(idx) {
                continue;
            }
            // A one-word name, ambiguous or inside a longer run of words
            // (`SQ *GREEN APPLE FLORIST`), may be part of a local shop's.
            if first == last
                && (aflags & (flags::WEAK | flags::SHORT) != 0 || !left)
                && self.kind_contradicts(s, first, idx, mcc_personal)
            {
                continue;
            }
            let strong = u8::from(aflags & (flags::WEAK | flags::SHORT) == 0);
            let key = (strong, rank_field, -(m.first as i64), m.len);
            let better = best.as_ref().is_none_or(|(k, _)| key > *k);
            if better {
                best = Some((key, (idx, aflags, *m)));
            }
            accepted.push((idx, aflags, *m));
        }
        // A line that names a brand and one of its sub-brands (`LINKEDIN-123
        // LNKD.IN/BILL`: LinkedIn and LinkedIn Ads) is the sub-brand's.
        let (_, chosen) = best?;
        let name = self.dict.merchant(chosen.0).name();
        let sub_brand = accepted.into_iter().find(|(idx, _, _)| {
            let other = self.dict.merchant(*idx).name();
            other.len() > name.len() + 1
                && other.starts_with(name)
                && other.as_bytes()[name.len()] == b' '
        });
        Some(sub_brand.unwrap_or(chosen))
    }

    /// True when a word of a shop's kind in the same run of words as the
    /// one-word ambiguous name at token `at` (`SQ *BLUE DOOR BAKERY`, `BAR
    /// PASTICCERIA ROMA`) says the shop is of another kind than the brand,
    /// and the MCC does not vouch for the brand: the name is then a local
    /// shop's, read from the descriptor.
    fn kind_contradicts(
        &self,
        s: &Scratch,
        at: usize,
        idx: MerchantIdx,
        mcc_personal: Option<CategoryId>,
    ) -> bool {
        let merchant = self.dict.merchant(idx);
        let fits = |hint: CategoryId| {
            merchant
                .categories(Tree::Personal)
                .any(|c| agrees(self.taxonomy, c, hint))
        };
        if mcc_personal.is_some_and(fits) {
            return false;
        }
        let tokens = s.norm.tokens();
        let field = tokens[at].field;
        let word = |k: usize| {
            tokens[k].field == field && tokens[k].kind == TokenKind::Word
        };
        let (mut lo, mut hi) = (at, at);
        while lo > 0 && word(lo - 1) {
            lo -= 1;
        }
        while hi + 1 < tokens.len() && word(hi + 1) {
            hi += 1;
        }
        let (run_start, run_end) = (tokens[lo].start, tokens[hi].end);
        let (name_start, name_end) = (tokens[at].start, tokens[at].end);
        s.hits.iter().any(|h| {
            let rule = self.rules.rule(h.rule);
            rule.strength() == Strength::Weak
                && rule.channel().is_none()
                && h.end > h.start
                && run_start <= h.start
                && h.end <= run_end
                && (h.end <= name_start || name_end <= h.start)
                && rule.category(Tree::Personal).is_some_and(|c| !fits(c))
        })
    }

    /// True for a bank or card issuer: a merchant whose primary personal
    /// category is a bank fee or a transfer.
    fn is_bank(&self, idx: MerchantIdx) -> bool {
        self.dict.merchant(idx).categories(Tree::Personal).next().is_some_and(
            |c| matches!(self.taxonomy.code(c), "provider_fee" | "transfer"),
        )
    }

    /// True when the words of a match, or the word just before it, are a
    /// person's: given names and surnames only, or an initial or given name
    /// in front.
    fn near_person(&self, s: &Scratch, first: usize, last: usize) -> bool {
        let tokens = s.norm.tokens();
        let word = |k: usize| s.norm.token_text(&tokens[k]);
        if self.looks_like_person(&s.norm, &tokens[first..=last])
            && first < last
        {
            return true;
        }
        let neighbour_is_name = |k: usize, initial_ok: bool| {
            tokens[k].field == tokens[first].field
                && tokens[k].kind == TokenKind::Word
                && ((initial_ok && word(k).len() == 1)
                    || self.lexicon.first_names.contains(word(k)))
        };
        // `T NEXT`, `KATIE BOOTS`; and surname first, `FERRARI MARCO`.
        (first > 0 && neighbour_is_name(first - 1, true))
            || (last + 1 < tokens.len() && neighbour_is_name(last + 1, false))
    }

    /// True when a payee or payer field holds a person's name and nothing
    /// else (`Penny Schulz`): brand names in it are the person's.
    fn field_is_person(&self, s: &Scratch, field: Field) -> bool {
        if !matches!(field, Field::Payee | Field::Payer) {
            return false;
        }
        let tokens: Vec<Token> = s
            .norm
            .tokens()
            .iter()
            .filter(|t| t.field == field && t.kind == TokenKind::Word)
            .copied()
            .collect();
        let words: Vec<&str> =
            tokens.iter().map(|t| s.norm.token_text(t)).collect();
        (2..=4).contains(&tokens.len())
            && self.lexicon.legal_form_at(&words[words.len() - 1..]) == 0
            && (self.looks_like_person(&s.norm, &tokens)
                || self.lexicon.surnames.contains(words[words.len() - 1]))
    }

    /// Whether the tokens before and after a match are not words of a
    /// longer name: absent, numbers or noise, the bank's phrase, a
    /// facilitator, the trailing location, or generic words.
    fn isolation(
        &self,
        s: &Scratch,
        first: usize,
        last: usize,
        facilitator: Option<FacilitatorSpan>,
        location: Option<usize>,
    ) -> (bool, bool) {
        let tokens = s.norm.tokens();
        let field = tokens[first].field;
        let neutral = |k: usize| -> bool {
            let t = &tokens[k];
            if t.field != field || t.kind != TokenKind::Word {
                return true;
            }
            if facilitator.is_some_and(|f| k >= f.first && k <= f.last) {
                return true;
            }
            if field == Field::Description && location.is_some_and(|l| k >= l)
            {
                return true;
            }
            if s.bits[k]
                & (word::STOPWORD | word::DESCRIPTOR | word::LEGAL_FORM)
                != 0
            {
                return true;
            }
            s.hits.iter().any(|h| {
                h.end > h.start
                    && self.rules.rule(h.rule).channel().is_some()
                    && t.start >= h.start
                    && t.end <= h.end
            })
        };
        (
            first == 0 || neutral(first - 1),
            last + 1 >= tokens.len() || neutral(last + 1),
        )
    }

    fn pick_candidate(
        &self,
        m: &DictMatch,
        tx: &TransactionView<'_>,
        country: Option<Country>,
        allowed: u8,
        mcc_personal: Option<CategoryId>,
        hints: &[CategoryId],
    ) -> Option<(MerchantIdx, u8)> {
        // Without a country, the currency says where the merchant may be.
        let currency = tx.original_currency_code.unwrap_or(tx.currency_code);
        let region = if country.is_none() {
            currency_key(currency)
                .and_then(|k| self.currency_countries.get(&k))
        } else {
            None
        };
        for (idx, aflags) in m.candidates(&self.dict) {
            let restricted = aflags & (flags::WEAK | flags::SHORT);
            // An ambiguous name the MCC agrees with is the merchant (`BP`
            // with a fuel station's code).
            let corroborated = restricted != 0
                && self.dict.merchant(idx).categories(Tree::Personal).any(
                    |c| {
                        mcc_personal
                            .is_some_and(|m| agrees(self.taxonomy, c, m))
                            || hints
                                .iter()
                                .any(|&h| agrees(self.taxonomy, c, h))
                    },
                );
            if restricted & !allowed != 0 && !corroborated {
                continue;
            }
            let merchant = self.dict.merchant(idx);
            let fits = match (country, region) {
                (Some(c), _) => merchant.in_country(c.bytes()),
                (None, Some(list)) => {
                    list.iter().any(|c| merchant.in_country(*c))
                }
                (None, None) => true,
            };
            if fits {
                return Some((idx, aflags));
            }
        }
        None
    }

    /// Every facilitator printed on the line, in order, into `spans`; the
    /// first one is returned.
    fn find_facilitators(
        &self,
        norm: &NormText,
        bits: &[u32],
        amount: f64,
        spans: &mut Vec<FacilitatorSpan>,
    ) -> Option<FacilitatorSpan> {
        spans.clear();
        let tokens = norm.tokens();
        let mut i = 0;
        'tokens: while i < tokens.len() {
            let t = &tokens[i];
            i += 1;
            if t.kind != TokenKind::Word
                || !matches!(t.field, Field::Description | Field::Payee)
                || bits[i - 1] & word::FACILITATOR_START == 0
            {
                continue;
            }
            let Some(cands) = self.facilitators.get(norm.token_text(t)) else {
                continue;
            };
            let i = i - 1;
            for &fi in cands {
                let f = &self.lexicon.facilitators[fi];
                let end = i + f.tokens.len();
                if end > tokens.len() {
                    continue;
                }
                let same =
                    f.tokens.iter().zip(&tokens[i..end]).all(|(w, tk)| {
                        tk.field == t.field
                            && tk.kind != TokenKind::Noise
                            && norm.token_text(tk) == w
                    });
                if !same
                    || (f.needs_star
                        && !tokens[end - 1].has(Token::STAR_AFTER))
                {
                    continue;
                }
                // Money in from a facilitator is its payout: it is then the
                // counterparty itself, not a go-between.
                if amount > 0.0 && f.kind != FacilitatorKind::Platform {
                    return None;
                }
                spans.push(FacilitatorSpan {
                    first: i,
                    last: end - 1,
                    kind: f.kind,
                });
                continue 'tokens;
            }
        }
        spans.first().copied()
    }

    /// The country of a transaction: the place at the end of the
    /// description, or a currency used by one country. (A city named
    /// elsewhere in a line is not enough: `Santander` is also a bank.)
    fn infer_country(
        &self,
        tx: &TransactionView<'_>,
        s: &Scratch,
    ) -> Option<Country> {
        let currency = tx.original_currency_code.unwrap_or(tx.currency_code);
        if let Some(Location { country: Some(cc), .. }) = s.location {
            return Country::from_bytes(cc);
        }
        if let Some(cc) =
            currency_key(currency).and_then(|k| self.single_currency.get(&k))
        {
            return Country::from_bytes(*cc);
        }
        None
    }

    /// The place a card network prints after the merchant's name: a city,
    /// a state or country code, or both (`PORTLAND OR`, `Berlin/DE`,
    /// `LISBOA`), possibly followed by numbers, references and card words.
    /// Returns the country it names, if any, and the index of its first
    /// token. A description that is only a place has none.
    fn trailing_location(
        &self,
        norm: &NormText,
        bits: &[u32],
        currency: &str,
        card_line: bool,
    ) -> Option<Location> {
        let tokens = norm.tokens();
        let is_desc_word = |t: &Token| {
            t.field == Field::Description && t.kind == TokenKind::Word
        };
        // The description's word tokens, from the end.
        let prev_word =
            |i: usize| (0..i).rev().find(|&k| is_desc_word(&tokens[k]));
        let first_word = tokens.iter().position(is_desc_word)?;
        let mut last = prev_word(tokens.len())?;
        // Card words, references and a company's legal form may follow
        // the place (`… STOCKHOLM AB` is a company, not Alberta).
        loop {
            let w = norm.token_text(&tokens[last]);
            let skip = w.len() <= 1
                || bits[last] & (word::DESCRIPTOR | word::LEGAL_FORM) != 0;
            if !skip {
                break;
            }
            last = prev_word(last)?;
        }
        let word = norm.token_text(&tokens[last]);
        let raw = norm.raw_text(&tokens[last]);
        // Codes must be printed in capitals: `GB`, `DEU`, `CA`.
        let upper = raw.bytes().all(|b| b.is_ascii_uppercase());
        // The city before a code, looked up only for a line that ends in
        // one (few do).
        let city_before_last = || {
            prev_word(last)
                .and_then(|k| self.city_ending_at(norm, bits, k, true))
        };
        let mut city_before = None;
        let mut code = None;
        if upper && (word.len() == 2 || word.len() == 3) {
            let as_country = self.lexicon.country_names.get(word).copied();
            let as_state = if word.len() == 2 {
                self.lexicon.regions.get(word).copied()
            } else {
                None
            };
            code = match (as_state, as_country) {
                (None, c) => c,
                (Some(st), None) => Some(st),
                // `Hamburg/DE` is Germany, `DOVER DE` is Delaware: read a
                // code that is both by the city before it, else by the
                // currency.
                (Some(st), Some(c)) => match *city_before
                    .insert(city_before_last())
                {
                    Some((_, cities, _)) if cities.contains(&c) => Some(c),
                    Some((_, cities, _)) if cities.contains(&st) => Some(st),
                    _ if currency == "USD" => Some(st),
                    _ => Some(c),
                },
            };
        } else if word.len() > 3 {
            code = self.lexicon.country_names.get(word).copied();
        }
        // A country's name of several words (`CZECH REPUBLIC`).
        let mut name_start = last;
        if code.is_none() && !upper_code(raw, word) {
            for n in 2..=3 {
                let Some(first) =
                    (0..n - 1).try_fold(last, |k, _| prev_word(k))
                else {
                    break;
                };
                if first + n - 1 != last {
                    break;
                }
                let key = &norm.text()
                    [tokens[first].start as usize..tokens[last].end as usize];
                if let Some(&cc) = self.lexicon.country_names.get(key) {
                    code = Some(cc);
                    name_start = first;
                }
            }
        }
        let city_before = match code {
            None => None,
            Some(_) if name_start != last => prev_word(name_start)
                .and_then(|k| self.city_ending_at(norm, bits, k, true)),
            Some(_) => city_before.unwrap_or_else(city_before_last),
        };
        // A code or country name is a place when a city comes before it or
        // when the currency is that country's (`HBO MAX ES` in euros); a
        // three-letter code needs the city (`VAT`, `CAN` are words).
        if let Some(cc) = code {
            let currency_fits = currency_key(currency)
                .and_then(|k| self.currency_countries.get(&k))
                .is_some_and(|list| list.contains(&cc))
                || (cc == *b"US" && currency == "USD")
                || (cc == *b"CA" && currency == "CAD");
            let three = word.len() == 3;
            if !(city_before.is_some() || (currency_fits && !three)) {
                code = None;
            }
        }
        let location = match code {
            Some(cc) => Location {
                country: Some(cc),
                start: city_before.map_or(name_start, |(start, _, _)| start),
            },
            None => {
                // A town alone counts only on a card purchase, where the
                // network prints it; it never places the line in a country.
                let (start, countries, town) =
                    self.city_ending_at(norm, bits, last, card_line)?;
                let countries: &[[u8; 2]] = if town { &[] } else { countries };
                // A city's country counts when the currency agrees: there is
                // a Republic in Missouri and a Salt in Catalonia.
                let local = currency_key(currency)
                    .and_then(|k| self.currency_countries.get(&k));
                let country = match countries {
                    [one] if local.is_none_or(|l| l.contains(one)) => {
                        Some(*one)
                    }
                    _ => countries
                        .iter()
                        .find(|c| local.is_some_and(|l| l.contains(c)))
                        .copied(),
                };
                // A city alone ends a name only when a real name is left
                // before it (`HOTEL BRISTOL` stays whole).
                let name_left = (first_word..start).any(|k| {
                    is_desc_word(&tokens[k])
                        && tokens[k].end - tokens[k].start > 1
                        && bits[k] & (word::STOPWORD | word::DESCRIPTOR) == 0
                });
                if !name_left {
                    return None;
                }
                Location { country, start }
            }
        };
        // Something must come before the place.
        (first_word < location.start).then_some(location)
    }

    /// When a city's name starts at token `start` (and ends by `limit`),
    /// the index of the token after it.
    fn city_starting_at(
        &self,
        norm: &NormText,
        bits: &[u32],
        start: usize,
        limit: usize,
    ) -> Option<usize> {
        let tokens = norm.tokens();
        let max = word::city_start_tokens(bits[start]);
        if max == 0 {
            return None;
        }
        let mut best = None;
        for end in start..=limit.min(start + max - 1) {
            if tokens[end].kind != TokenKind::Word
                || tokens[end].field != tokens[start].field
            {
                break;
            }
            let key = &norm.text()
                [tokens[start].start as usize..tokens[end].end as usize];
            if self.lexicon.cities.contains_key(key) {
                best = Some(end + 1);
            }
        }
        best
    }

    /// The city whose name ends at token `end`, longest first: the index of
    /// its first token and its countries.
    fn city_ending_at(
        &self,
        norm: &NormText,
        bits: &[u32],
        end: usize,
        towns: bool,
    ) -> Option<(usize, &[[u8; 2]], bool)> {
        let tokens = norm.tokens();
        let max = word::place_end_tokens(bits[end]);
        if max == 0 {
            return None;
        }
        let mut best = None;
        for n in 1..=max.min(end + 1) {
            let first = end + 1 - n;
            let t = &tokens[first];
            if t.kind != TokenKind::Word || t.field != tokens[end].field {
                break;
            }
            // Words of one field are separated by one space in the text.
            let key = &norm.text()[t.start as usize..tokens[end].end as usize];
            // A one-word city that is also a common word (`ABO`, German for
            // a subscription, is Turku in Swedish) is not a place.
            if n == 1 && bits[first] & word::STOPWORD != 0 {
                continue;
            }
            let person_name = || match n {
                1 => bits[first] & (word::FIRST_NAME | word::SURNAME) != 0,
                _ => self.lexicon.is_person_name(key),
            };
            if let Some(c) = self.lexicon.cities.get(key) {
                best = Some((first, c, false));
            } else if towns
                && let Some(c) = self.lexicon.towns.get(key)
                && !person_name()
            {
                // A village's name that is also a person's (`ROBLEDO`) is
                // more likely the shop owner's.
                best = Some((first, c, true));
            }
        }
        best
    }

    /// The merchant's name read from the descriptor, for card purchases and
    /// direct debits to shops no dictionary holds.
    fn cleansed_name(
        &self,
        s: &Scratch,
        buffers: &mut NameScratch,
        tx: &TransactionView<'_>,
        channels: Channels,
        card_like: bool,
        facilitator: Option<FacilitatorSpan>,
    ) -> Option<String> {
        if tx.amount > 0.0 && facilitator.is_none() {
            return None;
        }
        let debit = channels.has(Channel::DirectDebit);
        let transfer = channels.has(Channel::Transfer)
            || channels.has(Channel::StandingOrder)
            || channels.has(Channel::Instant);
        if channels.has(Channel::Atm)
            || channels.has(Channel::Fee)
            || channels.has(Channel::CashDeposit)
        {
            return None;
        }
        let norm = &s.norm;
        let tokens = norm.tokens();
        // The payee names the creditor of a direct debit or transfer.
        let field = if tx.payee.is_some() && !channels.has(Channel::Card) {
            Field::Payee
        } else {
            Field::Description
        };
        let keep = &mut buffers.keep;
        keep.clear();
        keep.extend(
            tokens
                .iter()
                .map(|t| t.field == field && t.kind == TokenKind::Word),
        );
        for h in &s.hits {
            if self.rules.rule(h.rule).channel().is_none() || h.end <= h.start
            {
                continue;
            }
            for (k, t) in tokens.iter().enumerate() {
                if t.start >= h.start && t.end <= h.end {
                    keep[k] = false;
                }
            }
        }
        for f in &s.facilitators {
            for k in keep.iter_mut().take(f.last + 1).skip(f.first) {
                *k = false;
            }
        }
        if field == Field::Description
            && let Some(Location { start, .. }) = s.location
        {
            for k in keep.iter_mut().skip(start) {
                *k = false;
            }
        }
        // A legal form ends an organisation's name (`GmbH`, `S.A.`, `Sp. z
        // o.o.`): it is dropped from the name as people write it, and marks
        // the name before it as a company's. Short forms (`AS`, `SA`) are
        // words elsewhere, so a form counts only where a name ends.
        let word = |k: usize| norm.token_text(&tokens[k]);
        // Every token's text, made only on a line where a legal form may
        // start.
        let mut all_words: Option<Vec<&str>> = None;
        let location_start = s.location.map(|l| l.start);
        let legal_starts = &mut buffers.legal_starts;
        legal_starts.clear();
        let mut k = 0;
        while k < tokens.len() {
            let n = if tokens[k].field == field
                && tokens[k].kind == TokenKind::Word
                && s.bits[k] & word::LEGAL_FORM_START != 0
            {
                let words = all_words.get_or_insert_with(|| {
                    (0..tokens.len()).map(word).collect()
                });
                self.lexicon.legal_form_at(&words[k..])
            } else {
                0
            };
            if n > 0 {
                let n = n.min(tokens.len() - k);
                let after = k + n;
                let ends_name = after >= tokens.len()
                    || tokens[after].field != field
                    || tokens[after].kind != TokenKind::Word
                    || Some(after) == location_start
                    || (s.bits[after] & word::LEGAL_FORM_START != 0
                        && all_words.as_ref().is_some_and(|words| {
                            self.lexicon.legal_form_at(&words[after..]) > 0
                        }))
                    // A name before it (not the bank's words).
                    || (k > 0
                        && keep[k - 1]
                        && all_words.as_ref().is_some_and(|words| {
                            self.lexicon.closing_legal_form_at(&words[k..])
                                == n
                        }));
                if ends_name
                    && tokens[k..k + n].iter().all(|t| t.field == field)
                {
                    legal_starts.push(k);
                    keep[k..after].iter_mut().for_each(|x| *x = false);
                    k = after;
                    continue;
                }
            }
            k += 1;
        }
        // The first run of kept words that is a name once the bank's
        // words at its edges are trimmed (`NOK 412,00 FJORDKROA RESTAURANT`
        // has a run `NOK` before the name).
        for (k, &b) in s.bits.iter().enumerate() {
            if b & word::REFERENCE_LABEL != 0 {
                keep[k] = false;
            }
        }
        let runs = &mut buffers.runs;
        runs.clear();
        for (k, &kept) in keep.iter().enumerate() {
            match runs.last_mut() {
                Some((_, e)) if kept && *e + 1 == k => *e = k,
                _ if kept => runs.push((k, k)),
                _ => {}
            }
        }
        let (first, last) =
            runs.iter().find_map(|&(mut first, mut last)| {
                while first <= last
                    && self.is_edge_word(word(first), s.bits[first])
                {
                    first += 1;
                }
                // Trailing function words are the bank's sentence going on
                // (`LIBRERIA EL BUHO LECTOR, CON LA TARJETA`).
                let shop_word_at = |k: usize| {
                    s.hits.iter().any(|h| {
                        let r = self.rules.rule(h.rule);
                        r.channel().is_none()
                            && h.end > h.start
                            && tokens[k].start >= h.start
                            && tokens[k].end <= h.end
                    })
                };
                while last > first
                    && (self.is_edge_word(word(last), s.bits[last])
                        || (word(last).len() <= 3
                            && s.bits[last] & word::STOPWORD != 0
                            && !shop_word_at(last)))
                {
                    last -= 1;
                }
                if first > last {
                    return None;
                }
                last = last.min(first + 5);
                // The card issuer's name (`Einkauf ZKB Visa Debit`).
                let issuer = s.matches.iter().any(|m| {
                    (m.first as usize) <= first
                        && last <= m.last as usize
                        && m.candidates(&self.dict)
                            .any(|(idx, _)| self.is_bank(idx))
                });
                if issuer {
                    return None;
                }
                let run = &tokens[first..=last];
                let letters: usize =
                    run.iter().map(|t| (t.end - t.start) as usize).sum();
                // A place the bank prints before the name (`LYON AU PAIN
                // DORÉ`), when a name of two words or more follows it.
                if let Some(after) =
                    self.city_starting_at(norm, &s.bits, first, last)
                    && last + 1 >= after + 2
                    && s.bits[after] & word::STOPWORD != 0
                {
                    first = after;
                }
                let run = &tokens[first..=last];
                // Generic words alone are no name, unless they are a shop
                // word and its complement (`PHARMACIE DU MARCHE`).
                let generic = s.bits[first..=last]
                    .iter()
                    .all(|&b| b & word::STOPWORD != 0);
                let shop_named =
                    run.len() >= 2 && (first..=last).any(&shop_word_at);
                (letters >= 3 && (!generic || shop_named))
                    .then_some((first, last))
            })?;
        let run = &tokens[first..=last];
        let mut org = legal_starts.iter().any(|&k| k > last && k <= last + 2);
        let shop_word = s.hits.iter().any(|h| {
            let r = self.rules.rule(h.rule);
            r.strength() == Strength::Weak
                && r.channel().is_none()
                && run.iter().any(|t| {
                    // Overlap, not containment: a compound holds the
                    // word (`SCHEEPVAARTMUSEUM`).
                    h.end > h.start && t.start < h.end && h.start < t.end
                })
        });
        org |= shop_word;
        let person = !org && self.looks_like_person(norm, run);
        if person {
            return None;
        }
        let allowed =
            card_like || debit || org || (facilitator.is_some() && !transfer);
        if !allowed || (transfer && !org) {
            return None;
        }
        Some(display_name(norm, run))
    }

    /// A word at the edge of a run that is the bank's, not the name's: a
    /// letter, a descriptor word (`bits` are the token's [`word`] bits), a
    /// currency code.
    fn is_edge_word(&self, w: &str, bits: u32) -> bool {
        w.len() <= 1
            || bits & word::DESCRIPTOR != 0
            || currency_key(w).is_some_and(|k| {
                self.currency_countries
                    .contains_key(&k.map(|b| b.to_ascii_uppercase()))
            })
    }

    /// Two to four words that start or end with a given name, or consist of
    /// listed names only.
    fn looks_like_person(&self, norm: &NormText, run: &[Token]) -> bool {
        // Initials and two-letter remnants (`PP`, `J.`) say nothing.
        let mut kept = [""; 4];
        let mut n = 0;
        for w in run.iter().map(|t| norm.token_text(t)).filter(|w| w.len() > 2)
        {
            // More than four words is not a name.
            if n == kept.len() {
                return false;
            }
            kept[n] = w;
            n += 1;
        }
        let words = &kept[..n];
        let firsts = |w: &str| self.lexicon.first_names.contains(w);
        match words.len() {
            0 => false,
            1 => {
                let w = words[0];
                (self.lexicon.first_names.contains(w)
                    && (self.lexicon.surnames.contains(w) || run.len() > 1))
                    // A name and surname written together (`SARAHMILLER`).
                    || (w.len() >= 7
                        && (3..=w.len() - 3).any(|k| {
                            w.is_char_boundary(k)
                                && self.lexicon.first_names.contains(&w[..k])
                                && self.lexicon.surnames.contains(&w[k..])
                        }))
            }
            2..=4 => {
                firsts(words[0])
                    || firsts(words[words.len() - 1])
                    || words.iter().all(|w| {
                        self.lexicon.is_person_name(w) || w.len() == 1
                    })
            }
            _ => false,
        }
    }
}

/// True for a token printed like a country code: two or three capitals.
fn upper_code(raw: &str, word: &str) -> bool {
    (word.len() == 2 || word.len() == 3)
        && raw.bytes().all(|b| b.is_ascii_uppercase())
}

/// Narrows `cat` to a child named by a hint, when one is.
fn refine(
    tax: &Taxonomy,
    cat: CategoryId,
    hints: &[CategoryId],
) -> CategoryId {
    hints
        .iter()
        .copied()
        .find(|&h| h != cat && tax.parent(h) == Some(cat))
        .unwrap_or(cat)
}

/// A name as a person would write it: the original spelling of the tokens,
/// title-cased when the bank printed it all in capitals or small letters.
fn display_name(norm: &NormText, run: &[Token]) -> String {
    let raw_len: usize =
        run.iter().map(|t| (t.raw_end - t.raw_start) as usize + 1).sum();
    let mut out = String::with_capacity(raw_len);
    for (i, t) in run.iter().enumerate() {
        if i > 0 && !t.has(Token::GLUED) {
            out.push(' ');
        }
        out.push_str(norm.raw_text(t));
    }
    if out.is_ascii() { ascii_title_case(out) } else { title_case(out) }
}

/// A name as written when it has both cases, else title-cased.
fn title_case(name: String) -> String {
    let has_lower = name.chars().any(char::is_lowercase);
    let has_upper = name.chars().any(char::is_uppercase);
    if has_lower && has_upper {
        return name;
    }
    let mut titled = String::with_capacity(name.len());
    let mut start = true;
    for c in name.chars() {
        if start {
            titled.extend(c.to_uppercase());
        } else {
            titled.extend(c.to_lowercase());
        }
        start = !text::is_alphanumeric(c) && c != '\'' && c != '\u{2019}';
    }
    titled
}

/// [`title_case`] of an ASCII name, in place: most names are ASCII, and
/// their letters need no case table nor a second buffer.
fn ascii_title_case(mut name: String) -> String {
    let bytes = name.as_bytes();
    if bytes.iter().any(u8::is_ascii_lowercase)
        && bytes.iter().any(u8::is_ascii_uppercase)
    {
        return name;
    }
    name.make_ascii_lowercase();
    let mut start = true;
    for i in 0..name.len() {
        let b = name.as_bytes()[i];
        if start {
            name[i..=i].make_ascii_uppercase();
        }
        start = !b.is_ascii_alphanumeric() && b != b'\'';
    }
    name
}

/// A currency code as a map key: its three bytes, as written.
fn currency_key(code: &str) -> Option<[u8; 3]> {
    code.as_bytes().try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_is_send_sync_and_cheap_to_clone() {
        fn assert_traits<
            T: Send
                + Sync
                + Clone
                + std::panic::UnwindSafe
                + std::panic::RefUnwindSafe,
        >() {
        }
        assert_traits::<Engine>();
        let a = Engine::builtin();
        let b = a.clone();
        assert!(Arc::ptr_eq(&a.inner, &b.inner));
    }

    #[test]
    fn batch_limit() {
        let engine = Engine::builtin();
        let tx = TransactionView::new("NETFLIX.COM", -9.99, "EUR");
        let txs = vec![tx; 101];
        let e =
            engine.enrich_batch(&txs, &EnrichOptions::default()).unwrap_err();
        assert_eq!(e.class(), ErrorClass::BatchSizeLimitExceeded);
        assert_eq!(
            engine
                .enrich_batch(&txs[..100], &EnrichOptions::default())
                .unwrap()
                .len(),
            100
        );
        assert!(
            engine
                .enrich_batch(&[], &EnrichOptions::default())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn display_names() {
        let mut n = NormText::new();
        n.push_field("BLUE HERON TAVERN", Field::Description);
        assert_eq!(display_name(&n, n.tokens()), "Blue Heron Tavern");
        n.clear();
        n.push_field("Kaffeerösterei Nord", Field::Description);
        assert_eq!(display_name(&n, n.tokens()), "Kaffeerösterei Nord");
        n.clear();
        n.push_field("AU PAIN DORÉ", Field::Description);
        assert_eq!(display_name(&n, n.tokens()), "Au Pain Doré");
        n.clear();
        n.push_field("O'BRIEN'S BAR", Field::Description);
        assert_eq!(display_name(&n, n.tokens()), "O'brien's Bar");
        // ASCII takes a path of its own, to the same names: every printable
        // character at the start, inside and after a word, in both cases.
        for c in (0x20u8..0x7f).map(char::from) {
            for raw in [
                format!("{c}ACME CO{c}"),
                format!("joe{c}s diner{c}x"),
                format!("Mixed{c}Case"),
                format!("{c}{c} 24/7{c}"),
            ] {
                assert_eq!(
                    ascii_title_case(raw.clone()),
                    title_case(raw.clone()),
                    "{raw:?}"
                );
            }
        }
    }

    fn code(engine: &Engine, tx: &TransactionView<'_>) -> &'static str {
        engine
            .category_code(&engine.enrich(tx, &EnrichOptions::default()))
            .unwrap()
    }

    #[test]
    fn batch_gives_what_single_calls_give() {
        let engine = Engine::builtin();
        let descriptions = [
            "NETFLIX.COM",
            "ATM WITHDRAWAL",
            "SALARY ACME LTD",
            "TESCO STORES 2345",
            "SQ *THE LITTLE CAFE",
            "PRZELEW DO JAN KOWALSKI",
            "CB LECLERC 12/03",
        ];
        let txs: Vec<TransactionView<'_>> = (0..100)
            .map(|i| {
                TransactionView::new(
                    descriptions[i % descriptions.len()],
                    if i % 3 == 0 { 1500.0 } else { -12.5 },
                    "GBP",
                )
            })
            .collect();
        let opts = EnrichOptions::default();
        let batch = engine.enrich_batch(&txs, &opts).unwrap();
        let single: Vec<Enrichment> =
            txs.iter().map(|t| engine.enrich(t, &opts)).collect();
        assert_eq!(batch, single);
    }

    #[test]
    fn a_refund_at_a_shop_keeps_the_shop_category() {
        let engine = Engine::builtin();
        let buy =
            code(&engine, &TransactionView::new("NETFLIX.COM", -9.99, "GBP"));
        let refund =
            code(&engine, &TransactionView::new("NETFLIX.COM", 9.99, "GBP"));
        assert_eq!(buy, refund);
        assert_ne!(refund, "paycheck");
    }

    #[test]
    fn a_card_repayment_is_a_transfer_on_both_sides() {
        let engine = Engine::builtin();
        let card_side = TransactionView {
            account_nature: Some(AccountNature::CreditCard),
            ..TransactionView::new("PAYMENT THANK YOU", 500.0, "GBP")
        };
        assert_eq!(code(&engine, &card_side), "transfer");
        assert!(
            engine
                .enrich(&card_side, &EnrichOptions::default())
                .merchant
                .is_none()
        );
    }

    #[test]
    fn a_learned_rule_wins_over_everything() {
        let engine = Engine::builtin();
        let mut rules = crate::learn::CustomerRules::new();
        rules
            .learn_json(r#"{"data":{"customer_id":"c","transactions":[{"id":"1","category_code":"gifts","immediate":true,"description":"ATM WITHDRAWAL"}]}}"#)
            .unwrap();
        let opts = EnrichOptions {
            customer: rules.customer("c"),
            ..Default::default()
        };
        let e = engine.enrich(
            &TransactionView::new("ATM WITHDRAWAL", -20.0, "GBP"),
            &opts,
        );
        assert_eq!(engine.category_code(&e), Some("gifts"));
        assert_eq!(e.source, Source::Learned);
        assert_eq!(
            e.customer_category,
            Some(CustomerCategory::Code(e.category.unwrap()))
        );
        assert!(e.confidence > 0.95);
    }

    #[test]
    fn confidence_is_in_range_and_ordered_by_source() {
        let engine = Engine::builtin();
        let strong = engine.enrich(
            &TransactionView::new("ATM WITHDRAWAL", -20.0, "GBP"),
            &EnrichOptions::default(),
        );
        let nothing = engine.enrich(
            &TransactionView::new("QWXZ", -20.0, "GBP"),
            &EnrichOptions::default(),
        );
        assert!((0.0..=1.0).contains(&strong.confidence));
        assert!(nothing.confidence < strong.confidence);
        assert_eq!(engine.category_code(&nothing), Some("uncategorized"));
    }

    #[test]
    fn a_currency_places_a_line_in_its_issuing_country() {
        let engine = Engine::builtin();
        for (currency, country) in [
            ("GBP", "GB"),
            ("CHF", "CH"),
            ("DKK", "DK"),
            ("USD", "US"),
            ("PLN", "PL"),
        ] {
            let e = engine.enrich(
                &TransactionView::new("SOMETHING", -1.0, currency),
                &EnrichOptions::default(),
            );
            assert_eq!(
                e.country.map(|c| c.to_string()).as_deref(),
                Some(country),
                "{currency}"
            );
        }
        let e = engine.enrich(
            &TransactionView::new("SOMETHING", -1.0, "EUR"),
            &EnrichOptions::default(),
        );
        assert_eq!(e.country, None);
    }

    #[test]
    fn categorization_none_gives_no_category() {
        let engine = Engine::builtin();
        let opts = EnrichOptions {
            categorization: Categorization::None,
            ..Default::default()
        };
        let e = engine.enrich(
            &TransactionView::new("ATM WITHDRAWAL", -20.0, "GBP"),
            &opts,
        );
        assert_eq!(e.category, None);
        assert_eq!(e.source, Source::None);
    }
}
