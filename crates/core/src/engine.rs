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

use crate::dict::{DictMatch, Dictionary, MerchantIdx, flags};
use crate::error::{Error, ErrorClass};
use crate::json::RawTransaction;
use crate::learn::Customer;
use crate::lexicon::{FacilitatorKind, Lexicon, LexiconSources};
use crate::model::{AccountNature, Categorization, Country, TransactionView};
use crate::rules::{Channel, MccTable, RuleHit, RuleId, RuleSet, Strength};
use crate::taxonomy::{CategoryId, Taxonomy, Tree};
use crate::text::{Field, NormText, Token, TokenKind};

/// The most transactions one batch may hold (Salt Edge's limit).
pub const BATCH_LIMIT: usize = 100;

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin.rs"));
}

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
        let rules = match &self.rules {
            Some(src) => {
                let pairs: Vec<(&str, &str)> = src
                    .iter()
                    .map(|(a, b)| (a.as_str(), b.as_str()))
                    .collect();
                RuleSet::from_sources(&pairs).map_err(build_err)?
            }
            None => {
                RuleSet::from_sources(builtin::RULES).map_err(build_err)?
            }
        };
        let mcc = MccTable::parse(
            self.mcc.as_deref().unwrap_or(builtin::MCC_CATEGORIES),
        )
        .map_err(|e| build_err(format!("mcc table: {e}")))?;
        let dict = match &self.dictionary {
            Some(d) => d.clone(),
            None => Dictionary::from_static(builtin::DICTIONARY)
                .map_err(build_err)?,
        };
        let lexicon = match &self.lexicon {
            Some(l) => l.clone(),
            None => Lexicon::parse(&LexiconSources::builtin())
                .map_err(build_err)?,
        };
        let mut facilitators: FxHashMap<String, Vec<usize>> =
            FxHashMap::default();
        for (i, f) in lexicon.facilitators.iter().enumerate() {
            facilitators.entry(f.tokens[0].clone()).or_default().push(i);
        }
        // The country a currency places a transaction in: the issuer whose
        // code starts the currency's (GBP: GB, not Jersey; CHF: CH), or
        // the only country using it. The euro places nothing.
        let mut single_currency = FxHashMap::default();
        for (cur, list) in &lexicon.currency_countries {
            let issuer = cur
                .as_bytes()
                .get(..2)
                .and_then(|p| list.iter().find(|c| c[..] == *p));
            match (issuer, list.as_slice()) {
                (Some(c), _) | (None, [c]) => {
                    single_currency.insert(cur.clone(), *c);
                }
                _ => {}
            }
        }
        let currency_countries =
            lexicon.currency_countries.clone().into_iter().collect();
        Ok(Engine {
            inner: Arc::new(Inner {
                taxonomy: Taxonomy::builtin(),
                rules,
                mcc,
                dict,
                lexicon,
                facilitators,
                single_currency,
                currency_countries,
            }),
        })
    }
}

/// The enrichment engine. See the [module docs](self).
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
    single_currency: FxHashMap<String, [u8; 2]>,
    currency_countries: FxHashMap<String, Vec<[u8; 2]>>,
}

/// Per-thread buffers, so that enriching allocates nothing once warm.
#[derive(Default)]
struct Scratch {
    norm: NormText,
    hits: Vec<RuleHit>,
    matches: Vec<DictMatch>,
    weak_categories: Vec<CategoryId>,
    /// The place at the end of the description, read once per line.
    location: Option<Location>,
    /// The facilitators printed on the line.
    facilitators: Vec<FacilitatorSpan>,
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
    ) -> (Enrichment, Vec<CategoryId>) {
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
        self.rules.find(s.norm.text(), &mut s.hits);
        let currency = tx.original_currency_code.unwrap_or(tx.currency_code);
        s.location = self.trailing_location(&s.norm, currency);
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
            if let Some(c) = r.channel() {
                channels.add(c);
            }
            forbid |= r.forbids_merchant();
            let Some(cat) = tree.and_then(|t| r.category(t)) else { continue };
            let slot = match r.strength() {
                Strength::Strong => &mut strong,
                Strength::Weak => {
                    weak_cats.push(cat);
                    &mut weak
                }
            };
            if slot.is_none_or(|c| r.priority() > c.priority) {
                *slot = Some(RuleChoice {
                    rule: h.rule,
                    category: cat,
                    priority: r.priority(),
                });
            }
        }
        let mcc_cat = match (tx.mcc, tree) {
            (Some(m), Some(t)) => self.mcc.category(m, t),
            _ => None,
        };

        // Merchant.
        let facilitator =
            self.find_facilitators(&s.norm, tx.amount, &mut s.facilitators);
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
        let transfer_like = channels.has(Channel::Transfer)
            || channels.has(Channel::Instant)
            || channels.has(Channel::StandingOrder);
        // Where a one-word alias that is also a common word or a name may
        // stand for a merchant: shop and bill lines, not transfers.
        let weak_ok = !transfer_like
            && (card_context
                || channels.has(Channel::DirectDebit)
                || located
                || facilitator.is_some());
        let mut merchant: Option<ChosenMerchant> = None;
        if !forbid {
            self.dict.find(&s.norm, &mut s.matches);
            let line = LineContext {
                country,
                weak_ok,
                facilitator,
                card_line: channels.has(Channel::Card),
                transfer_like,
                explained: strong.is_some(),
            };
            merchant = self.choose_merchant(s, tx, &line);
        }
        // A line a strong rule explains (a tax, a salary, a fee) names no
        // shop; only the dictionary may still name an institution on it.
        let cleansed = if merchant.is_none() && !forbid && strong.is_none() {
            self.cleansed_name(
                s,
                tx,
                channels,
                card_context || located,
                facilitator,
            )
        } else {
            None
        };

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
            let cat = self.merchant_category(idx, tree, mcc_cat, &weak_cats);
            let sure =
                aflags & flags::WEAK == 0 && m.how & DictMatch::TRUNCATED == 0;
            (cat, if sure { 0.88 } else { 0.76 }, Source::Merchant(idx))
        } else if let (Some(cat), Some(mcc)) = (mcc_cat, tx.mcc) {
            let cat = refine(self.taxonomy, cat, &weak_cats);
            (cat, 0.78, Source::Mcc(mcc))
        } else if let Some(w) = weak {
            (w.category, 0.60, Source::Keyword(w.rule))
        } else {
            (self.taxonomy.uncategorized(tree), 0.30, Source::Default)
        };
        out.category = Some(category);
        out.confidence = confidence;
        out.source = source;
        (out, weak_cats)
    }

    /// The merchant's category in a tree: the one of its categories the MCC
    /// or a weak rule points to, else its primary one narrowed to a child a
    /// weak rule or the MCC names.
    fn merchant_category(
        &self,
        idx: MerchantIdx,
        tree: Tree,
        mcc: Option<CategoryId>,
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
            if let Some(c) = weak.iter().find(|c| all.contains(c)) {
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
    ) -> Option<ChosenMerchant> {
        let LineContext {
            country,
            weak_ok,
            facilitator,
            card_line,
            transfer_like,
            explained,
        } = *line;
        let tokens = s.norm.tokens();
        let location = s.location.map(|l| l.start);
        let mut best: Option<(MatchRank, ChosenMerchant)> = None;
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
            let allowed = if !weak_ok || free_text {
                0
            } else if left && right {
                flags::WEAK | flags::SHORT
            } else if left {
                flags::SHORT
            } else {
                0
            };
            let Some((idx, aflags)) =
                self.pick_candidate(m, tx, country, allowed)
            else {
                continue;
            };
            // On a card purchase, a bank named on the line is the card's
            // issuer, not the shop.
            if card_line && self.is_bank(idx) {
                continue;
            }
            let strong = u8::from(aflags & (flags::WEAK | flags::SHORT) == 0);
            let key = (strong, rank_field, -(m.first as i64), m.len);
            if best.as_ref().is_none_or(|(k, _)| key > *k) {
                best = Some((key, (idx, aflags, *m)));
            }
        }
        best.map(|(_, b)| b)
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
        first > 0
            && tokens[first - 1].field == tokens[first].field
            && tokens[first - 1].kind == TokenKind::Word
            && (word(first - 1).len() == 1
                || self.lexicon.first_names.contains(word(first - 1)))
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
            let w = s.norm.token_text(t);
            if self.lexicon.stopwords.contains(w)
                || self.lexicon.descriptor_words.contains(w)
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
    ) -> Option<(MerchantIdx, u8)> {
        // Without a country, the currency says where the merchant may be.
        let currency = tx.original_currency_code.unwrap_or(tx.currency_code);
        let region = if country.is_none() {
            self.currency_countries.get(currency)
        } else {
            None
        };
        for (idx, aflags) in m.candidates(&self.dict) {
            let restricted = aflags & (flags::WEAK | flags::SHORT);
            if restricted & !allowed != 0 {
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
        if let Some(cc) = self.single_currency.get(currency) {
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
        currency: &str,
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
        loop {
            let w = norm.token_text(&tokens[last]);
            if w.len() > 1 && !self.lexicon.descriptor_words.contains(w) {
                break;
            }
            last = prev_word(last)?;
        }
        let word = norm.token_text(&tokens[last]);
        let raw = norm.raw_text(&tokens[last]);
        // Codes must be printed in capitals: `GB`, `DEU`, `CA`.
        let upper = raw.bytes().all(|b| b.is_ascii_uppercase());
        let city_before =
            prev_word(last).and_then(|k| self.city_ending_at(norm, k));
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
                (Some(st), Some(c)) => match city_before {
                    Some((_, cities)) if cities.contains(&c) => Some(c),
                    Some((_, cities)) if cities.contains(&st) => Some(st),
                    _ if currency == "USD" => Some(st),
                    _ => Some(c),
                },
            };
        } else if word.len() > 3 {
            code = self.lexicon.country_names.get(word).copied();
        }
        let location = match code {
            Some(cc) => Location {
                country: Some(cc),
                start: city_before.map_or(last, |(start, _)| start),
            },
            None => {
                let (start, countries) = self.city_ending_at(norm, last)?;
                let country = match countries {
                    [one] => Some(*one),
                    _ => None,
                };
                // A city alone ends a name only when a real name is left
                // before it (`HOTEL BRISTOL` stays whole).
                let name_left = (first_word..start).any(|k| {
                    let w = norm.token_text(&tokens[k]);
                    is_desc_word(&tokens[k])
                        && w.len() > 1
                        && !self.lexicon.stopwords.contains(w)
                        && !self.lexicon.descriptor_words.contains(w)
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

    /// The city whose name ends at token `end`, longest first: the index of
    /// its first token and its countries.
    fn city_ending_at(
        &self,
        norm: &NormText,
        end: usize,
    ) -> Option<(usize, &[[u8; 2]])> {
        let tokens = norm.tokens();
        let max = self.lexicon.city_max_tokens.max(1);
        let mut best = None;
        for n in 1..=max.min(end + 1) {
            let first = end + 1 - n;
            let t = &tokens[first];
            if t.kind != TokenKind::Word || t.field != tokens[end].field {
                break;
            }
            // Words of one field are separated by one space in the text.
            let key = &norm.text()[t.start as usize..tokens[end].end as usize];
            if let Some(c) = self.lexicon.cities.get(key) {
                best = Some((first, c.as_slice()));
            }
        }
        best
    }

    /// The merchant's name read from the descriptor, for card purchases and
    /// direct debits to shops no dictionary holds.
    fn cleansed_name(
        &self,
        s: &Scratch,
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
        let mut keep: Vec<bool> = tokens
            .iter()
            .map(|t| t.field == field && t.kind == TokenKind::Word)
            .collect();
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
        let words: Vec<&str> =
            tokens.iter().map(|t| norm.token_text(t)).collect();
        let location_start = s.location.map(|l| l.start);
        let mut legal_starts: Vec<usize> = Vec::new();
        let mut k = 0;
        while k < tokens.len() {
            if tokens[k].field == field && tokens[k].kind == TokenKind::Word {
                let n = self.lexicon.legal_form_at(&words[k..]);
                let n = n.min(tokens.len() - k);
                let after = k + n;
                let ends_name = after >= tokens.len()
                    || tokens[after].field != field
                    || tokens[after].kind != TokenKind::Word
                    || Some(after) == location_start
                    || self.lexicon.legal_form_at(&words[after..]) > 0;
                if n > 0
                    && ends_name
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
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for (k, &kept) in keep.iter().enumerate() {
            match runs.last_mut() {
                Some((_, e)) if kept && *e + 1 == k => *e = k,
                _ if kept => runs.push((k, k)),
                _ => {}
            }
        }
        let (first, last) =
            runs.into_iter().find_map(|(mut first, mut last)| {
                while first <= last && self.is_edge_word(words[first]) {
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
                    && (self.is_edge_word(words[last])
                        || (words[last].len() <= 3
                            && self.lexicon.stopwords.contains(words[last])
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
                let generic = run.iter().all(|t| {
                    self.lexicon.stopwords.contains(norm.token_text(t))
                });
                (letters >= 3 && !generic).then_some((first, last))
            })?;
        let run = &tokens[first..=last];
        let mut org = legal_starts.iter().any(|&k| k > last && k <= last + 2);
        let shop_word = s.hits.iter().any(|h| {
            let r = self.rules.rule(h.rule);
            r.strength() == Strength::Weak
                && r.channel().is_none()
                && run.iter().any(|t| {
                    t.start >= h.start && t.end <= h.end + 1 && h.end > h.start
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

    fn is_edge_word(&self, w: &str) -> bool {
        w.len() <= 1
            || self.lexicon.descriptor_words.contains(w)
            || (w.len() == 3
                && self
                    .currency_countries
                    .contains_key(&w.to_ascii_uppercase()))
    }

    /// Two to four words that start or end with a given name, or consist of
    /// listed names only.
    fn looks_like_person(&self, norm: &NormText, run: &[Token]) -> bool {
        // Initials and two-letter remnants (`PP`, `J.`) say nothing.
        let words: Vec<&str> = run
            .iter()
            .map(|t| norm.token_text(t))
            .filter(|w| w.len() > 2)
            .collect();
        let firsts = |w: &str| self.lexicon.first_names.contains(w);
        match words.len() {
            0 => false,
            1 => {
                self.lexicon.first_names.contains(words[0])
                    && (self.lexicon.surnames.contains(words[0])
                        || run.len() > 1)
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
    let mut out = String::new();
    for (i, t) in run.iter().enumerate() {
        if i > 0 && !t.has(Token::GLUED) {
            out.push(' ');
        }
        out.push_str(norm.raw_text(t));
    }
    let has_lower = out.chars().any(char::is_lowercase);
    let has_upper = out.chars().any(char::is_uppercase);
    if has_lower && has_upper {
        return out;
    }
    let mut titled = String::with_capacity(out.len());
    let mut start = true;
    for c in out.chars() {
        if start {
            titled.extend(c.to_uppercase());
        } else {
            titled.extend(c.to_lowercase());
        }
        start = !c.is_alphanumeric() && c != '\'' && c != '\u{2019}';
    }
    titled
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
