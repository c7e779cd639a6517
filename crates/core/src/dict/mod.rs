//! The merchant dictionary: sources → compiled artifact → lookup.
//!
//! Merchant sources (`data/merchants/*.tsv`) are compiled by [`compile`]
//! into one artifact: an `fst` map from every normalized alias to its
//! candidate merchants, a table of the aliases' first tokens (so that most
//! tokens of a descriptor are rejected with one hash probe), and side tables
//! of merchant records. [`Dictionary::from_bytes`] validates an artifact
//! (magic, format version, checksum, every offset) and never panics on bad
//! bytes; it reads borrowed bytes in place, so an embedded or memory-mapped
//! artifact costs no copy.
//!
//! # Example
//!
//! ```
//! use txenrich::dict::{compile, Dictionary};
//! use txenrich::lexicon::{Lexicon, LexiconSources};
//! use txenrich::text::{Field, NormText};
//!
//! let tsv = "cur:pret\tPret A Manger\t\tPRET A MANGER\tGB\thttps://www.pret.co.uk\tcafes_and_restaurants\tmeals\tcurated\n";
//! let lexicon = Lexicon::parse(&LexiconSources::default()).unwrap();
//! let (bytes, _) = compile(&[("uk.tsv", tsv)], &lexicon).unwrap();
//! let dict = Dictionary::from_bytes(bytes).unwrap();
//!
//! let mut norm = NormText::new();
//! norm.push_field("PRETAMANGER 0123 LONDON", Field::Description);
//! let mut found = Vec::new();
//! dict.find(&norm, &mut found);
//! let m = dict.merchant(found[0].candidates(&dict).next().unwrap().0);
//! assert_eq!(m.name(), "Pret A Manger");
//! assert_eq!(m.id(), "cur:pret");
//! ```

mod compile;
pub mod format;
pub mod source;

use std::ops::Range;
use std::sync::Arc;

pub use compile::{CompileStats, compile, flags};
pub use format::LoadError;
pub use source::{CountryScope, NameMode, Origin, SourceError};

use crate::taxonomy::{CategoryId, Taxonomy, Tree};
use crate::text::{NormText, Token, TokenKind};
use format::{SECTIONS, Section, u16_at, u32_at};

/// The bytes of an artifact: borrowed for the whole program, or shared.
#[derive(Clone, Debug)]
enum Storage {
    Static(&'static [u8]),
    Shared(Arc<[u8]>),
}

impl Storage {
    fn bytes(&self) -> &[u8] {
        match self {
            Storage::Static(b) => b,
            Storage::Shared(b) => b,
        }
    }
}

/// A section of the artifact, usable as `fst` storage.
#[derive(Clone, Debug)]
struct Slice {
    storage: Storage,
    range: Range<usize>,
}

impl AsRef<[u8]> for Slice {
    fn as_ref(&self) -> &[u8] {
        &self.storage.bytes()[self.range.clone()]
    }
}

/// A merchant's position in its dictionary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MerchantIdx(u32);

impl MerchantIdx {
    /// The index as a number.
    pub fn as_usize(self) -> usize {
        self.0 as usize
    }
}

/// A compiled merchant dictionary.
#[derive(Clone, Debug)]
pub struct Dictionary {
    storage: Storage,
    sections: [Range<usize>; SECTIONS.len()],
    aliases: fst::Map<Slice>,
    ids: fst::Map<Slice>,
    categories: Vec<CategoryId>,
    len: usize,
}

fn corrupt(m: impl Into<String>) -> LoadError {
    LoadError::Corrupt(m.into())
}

impl Dictionary {
    /// Loads an artifact from bytes the dictionary keeps.
    pub fn from_bytes(
        bytes: impl Into<Arc<[u8]>>,
    ) -> Result<Dictionary, LoadError> {
        Dictionary::load(Storage::Shared(bytes.into()))
    }

    /// Loads an artifact from bytes that live for the whole program, such
    /// as `include_bytes!`, without copying them.
    pub fn from_static(bytes: &'static [u8]) -> Result<Dictionary, LoadError> {
        Dictionary::load(Storage::Static(bytes))
    }

    fn load(storage: Storage) -> Result<Dictionary, LoadError> {
        let sections = format::read(storage.bytes())?;
        let slice = |s: Section| Slice {
            storage: storage.clone(),
            range: sections[index(s)].clone(),
        };
        let aliases = fst::Map::new(slice(Section::Aliases))
            .map_err(|e| corrupt(format!("aliases: {e}")))?;
        let ids = fst::Map::new(slice(Section::Ids))
            .map_err(|e| corrupt(format!("ids: {e}")))?;
        // The maps carry their own checksums: check them before walking
        // them, so that bytes damaged past our own checksum are caught.
        for (name, map) in [("aliases", &aliases), ("ids", &ids)] {
            map.as_fst()
                .verify()
                .map_err(|e| corrupt(format!("{name}: {e}")))?;
        }
        let mut dict = Dictionary {
            storage,
            sections,
            aliases,
            ids,
            categories: Vec::new(),
            len: 0,
        };
        dict.validate()?;
        Ok(dict)
    }

    fn section(&self, s: Section) -> &[u8] {
        &self.storage.bytes()[self.sections[index(s)].clone()]
    }

    /// Checks every offset and string so that lookups never index out of
    /// bounds or split a character.
    fn validate(&mut self) -> Result<(), LoadError> {
        let tax = Taxonomy::builtin();
        let cats = std::str::from_utf8(self.section(Section::Categories))
            .map_err(|_| corrupt("category table is not UTF-8"))?;
        let mut categories = Vec::new();
        for line in cats.lines() {
            let (t, code) = line
                .split_once(' ')
                .ok_or_else(|| corrupt("bad category line"))?;
            let tree = match t {
                "p" => Tree::Personal,
                "b" => Tree::Business,
                _ => return Err(corrupt("bad category tree")),
            };
            categories.push(tax.find(tree, code).ok_or_else(|| {
                corrupt(format!("unknown category {code:?}"))
            })?);
        }
        let strings = self.section(Section::Strings);
        let strings_str = std::str::from_utf8(strings)
            .map_err(|_| corrupt("strings are not UTF-8"))?;
        let check_str = |off: u32, len: u32| -> Result<(), LoadError> {
            let (s, e) = (off as usize, off as usize + len as usize);
            if e > strings.len()
                || !strings_str.is_char_boundary(s)
                || !strings_str.is_char_boundary(e)
            {
                return Err(corrupt("string reference out of bounds"));
            }
            Ok(())
        };
        let names = self.section(Section::Names);
        if !names.len().is_multiple_of(format::NAME_RECORD) {
            return Err(corrupt("name table has a partial record"));
        }
        let n_names = names.len() / format::NAME_RECORD;
        for i in 0..n_names {
            let r = &names[i * format::NAME_RECORD..];
            if NameMode::from_u8(r[0]).is_none() {
                return Err(corrupt("unknown name mode"));
            }
            check_str(u32_at(r, 4), u32_at(r, 8))?;
        }
        let countries = self.section(Section::Countries);
        let records = self.section(Section::Merchants);
        if !records.len().is_multiple_of(format::MERCHANT_RECORD) {
            return Err(corrupt("merchant table has a partial record"));
        }
        let len = records.len() / format::MERCHANT_RECORD;
        for i in 0..len {
            let r = &records[i * format::MERCHANT_RECORD
                ..(i + 1) * format::MERCHANT_RECORD];
            for k in 0..4 {
                check_str(u32_at(r, k * 8), u32_at(r, k * 8 + 4))?;
            }
            let (ns, nc) =
                (u32_at(r, 32) as usize, usize::from(u16_at(r, 36)));
            if ns + nc > n_names || nc == 0 {
                return Err(corrupt("name range out of bounds"));
            }
            if Origin::from_u8(r[39]).is_none() {
                return Err(corrupt("unknown origin"));
            }
            let c = u32_at(r, 40) as usize;
            let ok = c + 2 <= countries.len()
                && countries[c] <= 2
                && c + 2 + 2 * usize::from(countries[c + 1])
                    <= countries.len();
            if !ok {
                return Err(corrupt("country set out of bounds"));
            }
            for &slot in &r[44..52] {
                if slot != 255 && usize::from(slot) >= categories.len() {
                    return Err(corrupt("category index out of bounds"));
                }
            }
            if r[44] == 255 || r[48] == 255 {
                return Err(corrupt("merchant without a category"));
            }
        }
        let cand = self.section(Section::Candidates);
        if !cand.len().is_multiple_of(4) {
            return Err(corrupt("candidate table has a partial entry"));
        }
        let n_cand = cand.len() / 4;
        for i in 0..n_cand {
            if (u32_at(cand, i * 4) & 0x00ff_ffff) as usize >= len {
                return Err(corrupt("candidate points past the merchants"));
            }
        }
        // Alias and id values are checked where they are read (a value out
        // of range reads as "no candidate" or "no merchant"): walking every
        // key here would cost more than the rest of loading.
        format::KeyTable::new(self.section(Section::Keys))?;
        format::Continuations::new(self.section(Section::Continuations))
            .ok_or_else(|| corrupt("continuation set has a bad length"))?;
        self.categories = categories;
        self.len = len;
        Ok(())
    }

    /// The number of merchants.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the dictionary holds no merchant.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The number of distinct normalized aliases.
    pub fn alias_count(&self) -> usize {
        self.aliases.len()
    }

    /// The artifact's size in bytes.
    pub fn byte_len(&self) -> usize {
        self.storage.bytes().len()
    }

    /// The merchant with a stable id (`wd:Q37158`, `cur:netflix`).
    pub fn find_id(&self, id: &str) -> Option<MerchantIdx> {
        self.ids
            .get(id)
            .filter(|&i| (i as usize) < self.len)
            .map(|i| MerchantIdx(i as u32))
    }

    /// A merchant's record.
    ///
    /// # Panics
    ///
    /// When `idx` does not come from this dictionary.
    pub fn merchant(&self, idx: MerchantIdx) -> Merchant<'_> {
        assert!(idx.as_usize() < self.len, "merchant index out of range");
        Merchant { dict: self, idx }
    }

    /// Every merchant, in id order.
    pub fn merchants(&self) -> impl Iterator<Item = Merchant<'_>> {
        (0..self.len as u32)
            .map(|i| Merchant { dict: self, idx: MerchantIdx(i) })
    }

    fn string(&self, off: u32, len: u32) -> &str {
        let b = self.section(Section::Strings);
        // Validated at load: in bounds and on character boundaries.
        std::str::from_utf8(&b[off as usize..off as usize + len as usize])
            .unwrap_or("")
    }

    /// Finds every alias in `norm`: for each token where an alias starts,
    /// the longest alias starting there, token-bounded, across tokens joined
    /// by a space or written together (`MC DONALDS`, `PRETAMANGER`), and
    /// completed when a long name was cut short at the end of a token
    /// (`BRITISH HEART FOUNDATI`). Matches never span noise or two fields.
    pub fn find(&self, norm: &NormText, out: &mut Vec<DictMatch>) {
        let text = norm.text().as_bytes();
        let hashes: Vec<u64> = norm
            .tokens()
            .iter()
            .map(|t| format::hash_more(format::HASH_START, &text[t.range()]))
            .collect();
        self.find_hashed(norm, &hashes, out);
    }

    /// [`Dictionary::find`] with each token's hash already taken:
    /// `hashes[k]` is `hash_more(HASH_START, text of token k)`.
    pub(crate) fn find_hashed(
        &self,
        norm: &NormText,
        hashes: &[u64],
        out: &mut Vec<DictMatch>,
    ) {
        let continuations =
            format::Continuations::new(self.section(Section::Continuations));
        self.walk_all(norm, hashes, continuations, out);
    }

    /// [`Dictionary::find_hashed`], trying to complete cut-short names only
    /// where `continuations` allows (everywhere when `None`).
    fn walk_all(
        &self,
        norm: &NormText,
        hashes: &[u64],
        continuations: Option<format::Continuations<'_>>,
        out: &mut Vec<DictMatch>,
    ) {
        let tokens = norm.tokens();
        let text = norm.text().as_bytes();
        let keys = format::KeyTable::validated(self.section(Section::Keys));
        for i in 0..tokens.len() {
            if tokens[i].kind == TokenKind::Noise {
                continue;
            }
            let mut best: Option<DictMatch> = None;
            let mut walk = Walk {
                fst: self.aliases.as_fst(),
                keys,
                continuations,
                tokens,
                text,
                start: i,
                first_hash: hashes[i],
                best: &mut best,
            };
            walk.start();
            if let Some(m) = best {
                out.push(m);
            }
        }
    }

    fn candidate_count(&self) -> usize {
        self.section(Section::Candidates).len() / 4
    }

    fn candidate(&self, i: usize) -> (MerchantIdx, u8) {
        let v = u32_at(self.section(Section::Candidates), i * 4);
        (MerchantIdx(v & 0x00ff_ffff), (v >> 24) as u8)
    }

    /// Looks up one normalized alias exactly.
    pub fn get(&self, key: &str) -> Option<u64> {
        self.aliases.get(key)
    }
}

fn index(s: Section) -> usize {
    SECTIONS.iter().position(|x| *x == s).unwrap_or(0)
}

impl Origin {
    fn from_u8(b: u8) -> Option<Origin> {
        match b {
            0 => Some(Origin::Curated),
            1 => Some(Origin::Nsi),
            2 => Some(Origin::CardNetwork),
            _ => None,
        }
    }
}

/// An alias found in a descriptor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DictMatch {
    /// Index of the first token.
    pub first: u32,
    /// Index of the last token (inclusive).
    pub last: u32,
    /// Bytes of the normalized alias.
    pub len: u32,
    /// [`DictMatch::TRUNCATED`], [`DictMatch::JOINED`].
    pub how: u8,
    value: u64,
}

impl DictMatch {
    /// The descriptor held only the start of the alias.
    pub const TRUNCATED: u8 = 1;
    /// Two descriptor tokens were read as one (`MC DONALDS`).
    pub const JOINED: u8 = 2;

    /// The candidate merchants of the alias with their alias flags
    /// ([`flags`]): strong before weak, curated first.
    pub fn candidates<'d>(
        &self,
        dict: &'d Dictionary,
    ) -> impl Iterator<Item = (MerchantIdx, u8)> + 'd {
        let (off, count) =
            ((self.value >> 8) as usize, (self.value & 0xff) as usize);
        // Checked here rather than at load: a damaged value names no one.
        let in_range = off + count <= dict.candidate_count();
        let range = if in_range { off..off + count } else { 0..0 };
        range.map(move |i| dict.candidate(i))
    }
}

struct Walk<'a, 'b> {
    fst: &'a fst::raw::Fst<Slice>,
    keys: format::KeyTable<'a>,
    /// Checked at load; `None` tries every completion (for tests).
    continuations: Option<format::Continuations<'a>>,
    tokens: &'a [Token],
    text: &'a [u8],
    start: usize,
    /// The hash of the first token.
    first_hash: u64,
    best: &'b mut Option<DictMatch>,
}

/// How many tokens an alias may span.
const MAX_TOKENS: usize = 10;
/// A cut-short alias is completed only when this many bytes were read.
const MIN_TRUNCATED: u32 = 12;

impl Walk<'_, '_> {
    fn start(&mut self) {
        let t = &self.tokens[self.start];
        let tok = &self.text[t.range()];
        let h = self.first_hash;
        self.step(h, self.start, t.end - t.start, 0);
        // A short first token written apart from the rest of a one-word
        // name (`MC DONALDS`).
        if tok.len() <= 3 && self.can_continue(self.start) {
            let n = &self.tokens[self.start + 1];
            let h = format::hash_more(h, &self.text[n.range()]);
            let how = if n.has(Token::GLUED) { 0 } else { DictMatch::JOINED };
            self.step(
                h,
                self.start + 1,
                t.end - t.start + n.end - n.start,
                how,
            );
        }
    }

    fn can_continue(&self, j: usize) -> bool {
        j + 1 - self.start < MAX_TOKENS
            && self.tokens.get(j + 1).is_some_and(|n| {
                n.kind != TokenKind::Noise && n.field == self.tokens[j].field
            })
    }

    /// Reads tokens `start..=j`, hashed as `h`: offers an alias found
    /// there, and goes on while they are an alias's first tokens. Returns
    /// false when they are neither an alias nor a prefix of one.
    fn step(&mut self, h: u64, j: usize, len: u32, how: u8) -> bool {
        let e = self.keys.get(h);
        if e == 0 {
            return false;
        }
        if e & format::KEY_IS_ALIAS != 0 {
            self.offer(j, len, how, u64::from(e & format::KEY_CANDIDATES));
        }
        if !self.can_continue(j) {
            return true;
        }
        let n = self.tokens[j + 1];
        let next = &self.text[n.range()];
        let nlen = n.end - n.start;
        let mut continued = false;
        if e & format::KEY_IS_PREFIX != 0 {
            let spaced = format::hash_more(format::hash_more(h, b" "), next);
            continued |= self.step(spaced, j + 1, len + 1 + nlen, how);
        }
        // Glued tokens (`REMA1000`) were one word in the descriptor:
        // reading them together is not a join.
        let joined_how =
            if n.has(Token::GLUED) { how } else { how | DictMatch::JOINED };
        // Names are written apart around short pieces (`MC DONALDS`,
        // `TRADER JOE S`, `E ON`) and glued ones are one word: only there is
        // a join worth a probe.
        let here = self.tokens[j].end - self.tokens[j].start;
        if here <= 3 || nlen <= 3 || n.has(Token::GLUED) {
            continued |= self.step(
                format::hash_more(h, next),
                j + 1,
                len + nlen,
                joined_how,
            );
        }
        // A name cut short by the card network (`BRITISH HEART FOUNDATI`):
        // the next token starts the rest of a single alias.
        if !continued
            && e & format::KEY_IS_PREFIX != 0
            && how & DictMatch::JOINED == 0
            && len + 1 + nlen >= MIN_TRUNCATED
            && self.continuations.is_none_or(|c| {
                c.may_continue(
                    &self.text[self.tokens[self.start].start as usize
                        ..n.start as usize],
                    next,
                )
            })
        {
            let read = &self.text
                [self.tokens[self.start].start as usize..n.end as usize];
            let root = (self.fst.root(), fst::raw::Output::zero());
            if let Some((node, out)) = feed(self.fst, root.0, root.1, read)
                && let Some((extra, value)) =
                    unique_completion(self.fst, node, out)
            {
                self.offer(
                    j + 1,
                    len + 1 + nlen + extra,
                    how | DictMatch::TRUNCATED,
                    value,
                );
            }
        }
        true
    }

    fn offer(&mut self, last: usize, len: u32, how: u8, value: u64) {
        let m = DictMatch {
            first: self.start as u32,
            last: last as u32,
            len,
            how,
            value,
        };
        let better = match self.best {
            None => true,
            // Longer wins; at equal length, an exact reading beats a joined
            // or completed one.
            Some(b) => (m.len, u8::MAX - m.how) > (b.len, u8::MAX - b.how),
        };
        if better {
            *self.best = Some(m);
        }
    }
}

fn feed<'f>(
    fst: &'f fst::raw::Fst<Slice>,
    mut node: fst::raw::Node<'f>,
    mut out: fst::raw::Output,
    bytes: &[u8],
) -> Option<(fst::raw::Node<'f>, fst::raw::Output)> {
    for &b in bytes {
        let i = node.find_input(b)?;
        let t = node.transition(i);
        out = out.cat(t.out);
        node = fst.node(t.addr);
    }
    Some((node, out))
}

/// When exactly one path leads from `node` to a final state, its length and
/// the value there.
fn unique_completion<'f>(
    fst: &'f fst::raw::Fst<Slice>,
    mut node: fst::raw::Node<'f>,
    mut out: fst::raw::Output,
) -> Option<(u32, u64)> {
    for extra in 0..48u32 {
        if node.is_final() {
            return (extra > 0)
                .then(|| (extra, out.cat(node.final_output()).value()));
        }
        if node.len() != 1 {
            return None;
        }
        let t = node.transition(0);
        out = out.cat(t.out);
        node = fst.node(t.addr);
    }
    None
}

/// A merchant's record in a dictionary.
#[derive(Clone, Copy, Debug)]
pub struct Merchant<'d> {
    dict: &'d Dictionary,
    idx: MerchantIdx,
}

impl<'d> Merchant<'d> {
    fn record(&self) -> &'d [u8] {
        let r = self.dict.section(Section::Merchants);
        &r[self.idx.as_usize() * format::MERCHANT_RECORD
            ..(self.idx.as_usize() + 1) * format::MERCHANT_RECORD]
    }

    fn str_field(&self, k: usize) -> &'d str {
        let r = self.record();
        self.dict.string(u32_at(r, k * 8), u32_at(r, k * 8 + 4))
    }

    /// Its position in the dictionary.
    pub fn idx(&self) -> MerchantIdx {
        self.idx
    }

    /// The stable id.
    pub fn id(&self) -> &'d str {
        self.str_field(0)
    }

    /// The display name.
    pub fn name(&self) -> &'d str {
        self.str_field(1)
    }

    /// The website, or `""`.
    pub fn website(&self) -> &'d str {
        self.str_field(2)
    }

    /// Provenance.
    pub fn source(&self) -> &'d str {
        self.str_field(3)
    }

    /// The names with their modes, the display name first.
    pub fn names(&self) -> impl Iterator<Item = (NameMode, &'d str)> + 'd {
        let r = self.record();
        let (start, count) =
            (u32_at(r, 32) as usize, usize::from(u16_at(r, 36)));
        let dict = self.dict;
        (start..start + count).map(move |i| {
            let n = &dict.section(Section::Names)[i * format::NAME_RECORD..];
            (
                NameMode::from_u8(n[0]).unwrap_or(NameMode::AlternativeName),
                dict.string(u32_at(n, 4), u32_at(n, 8)),
            )
        })
    }

    /// Where the merchant came from.
    pub fn origin(&self) -> Origin {
        Origin::from_u8(self.record()[39]).unwrap_or(Origin::Nsi)
    }

    /// True when the merchant may be in `country`.
    pub fn in_country(&self, country: [u8; 2]) -> bool {
        let c = self.dict.section(Section::Countries);
        let off = u32_at(self.record(), 40) as usize;
        let (mode, count) = (c[off], usize::from(c[off + 1]));
        let list = &c[off + 2..off + 2 + 2 * count];
        let listed = list.chunks_exact(2).any(|x| x == country);
        match mode {
            0 => true,
            1 => listed,
            _ => !listed,
        }
    }

    /// The single country a merchant is limited to, if it is limited to one.
    pub fn only_country(&self) -> Option<[u8; 2]> {
        let c = self.dict.section(Section::Countries);
        let off = u32_at(self.record(), 40) as usize;
        (c[off] == 1 && c[off + 1] == 1).then(|| [c[off + 2], c[off + 3]])
    }

    /// Its categories in a tree, primary first.
    pub fn categories(
        &self,
        tree: Tree,
    ) -> impl Iterator<Item = CategoryId> + 'd {
        let base = if tree == Tree::Personal { 44 } else { 48 };
        let slots = &self.record()[base..base + 4];
        let cats = &self.dict.categories;
        slots
            .iter()
            .take_while(|&&s| s != 255)
            .filter_map(move |&s| cats.get(usize::from(s)).copied())
    }

    /// Salt Edge's merchant object: `id`, `names`, `address`, `contact`.
    pub fn to_json(self) -> serde_json::Value {
        let names: Vec<serde_json::Value> = self
            .names()
            .map(|(mode, value)| serde_json::json!({"mode": mode.as_str(), "value": value}))
            .collect();
        let mut address = serde_json::Map::new();
        if let Some(c) = self.only_country() {
            address.insert(
                "country_code".into(),
                String::from_utf8_lossy(&c).into_owned().into(),
            );
        }
        let mut contact = Vec::new();
        if !self.website().is_empty() {
            contact.push(serde_json::json!({"mode": "website", "value": self.website()}));
        }
        serde_json::json!({"id": self.id(), "names": names, "address": address, "contact": contact})
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::{Lexicon, LexiconSources};
    use crate::text::Field;

    const SOURCES: &str = "cur:a\tAcme Foods\tbrand=Acme\tACME FOODS LTD|ACMEFOODS\tGB,IE\thttps://www.acme.example\tgroceries,gas_and_fuel\tconsumer_goods\tcurated
cur:b\tBritish Widget Foundation\t\t\t*\t\tcharity\tdonations\tcurated
cur:c\tΜασούτης\ttransliterated_name=Masoutis\t\tGR\t\tgroceries\tconsumer_goods\tcurated
";

    fn dict() -> (Vec<u8>, Dictionary) {
        let lex = Lexicon::parse(&LexiconSources::default()).unwrap();
        let (bytes, stats) = compile(&[("t.tsv", SOURCES)], &lex).unwrap();
        assert_eq!(stats.merchants, 3);
        (bytes.clone(), Dictionary::from_bytes(bytes).unwrap())
    }

    fn names(d: &Dictionary, descriptor: &str) -> Vec<String> {
        let mut n = NormText::new();
        n.push_field(descriptor, Field::Description);
        let mut found = Vec::new();
        d.find(&n, &mut found);
        // A damaged artifact may leave a match without candidates.
        found
            .iter()
            .filter_map(|m| m.candidates(d).next())
            .map(|(idx, _)| d.merchant(idx).name().to_string())
            .collect()
    }

    #[test]
    fn finds_aliases_in_every_form() {
        let (_, d) = dict();
        assert_eq!(
            names(&d, "CARD PAYMENT TO ACME FOODS 12 MAR"),
            ["Acme Foods"]
        );
        assert_eq!(names(&d, "ACMEFOODS LONDON"), ["Acme Foods"]);
        assert_eq!(names(&d, "ACME FOODS LTD"), ["Acme Foods"]);
        assert_eq!(names(&d, "ACME.EXAMPLE"), ["Acme Foods"]);
        // Cut short by the card network.
        assert_eq!(
            names(&d, "BRITISH WIDGET FOUNDA LONDON GB"),
            ["British Widget Foundation"]
        );
        // Native and folded scripts.
        assert_eq!(names(&d, "ΜΑΣΟΥΤΗΣ ΘΕΣΣΑΛΟΝΙΚΗ"), ["Μασούτης"]);
        assert_eq!(names(&d, "POS MASOUTIS 12"), ["Μασούτης"]);
        // Never across noise (here only the brand `Acme` itself matches,
        // on its one token) nor inside a longer word.
        let mut n = NormText::new();
        n.push_field("ACME 12/03 FOODS", Field::Description);
        let mut found = Vec::new();
        d.find(&n, &mut found);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].first, found[0].last), (0, 0));
        assert!(names(&d, "ACMEFOODSTORE").is_empty());
    }

    #[test]
    fn continuation_gate_changes_no_match() {
        use fst::Streamer;
        let engine = crate::Engine::builtin();
        let d = engine.dictionary();
        let gate =
            format::Continuations::new(d.section(Section::Continuations));
        assert!(gate.is_some());
        // Descriptors holding multi-token aliases cut at every length from
        // twelve bytes, with words around them, and a few mangled.
        let mut descriptors = Vec::new();
        let mut stream = d.aliases.stream();
        let mut k = 0usize;
        while let Some((alias, _)) = stream.next() {
            k += 1;
            let alias = String::from_utf8_lossy(alias).into_owned();
            if !alias.contains(' ')
                || alias.len() < 14
                || !k.is_multiple_of(53)
            {
                continue;
            }
            for cut in (12..alias.len()).step_by(2) {
                if !alias.is_char_boundary(cut) {
                    continue;
                }
                let head = &alias[..cut];
                descriptors.push(format!("CARD PAYMENT {head} LONDON GB"));
                descriptors.push(format!("{head}x 12"));
            }
        }
        assert!(descriptors.len() > 1_000, "{}", descriptors.len());
        let (mut completed, mut norm) = (0, NormText::new());
        let (mut gated, mut ungated) = (Vec::new(), Vec::new());
        for text in &descriptors {
            norm.clear();
            norm.push_field(text, Field::Description);
            let hashes: Vec<u64> = norm
                .tokens()
                .iter()
                .map(|t| {
                    format::hash_more(
                        format::HASH_START,
                        norm.token_text(t).as_bytes(),
                    )
                })
                .collect();
            gated.clear();
            ungated.clear();
            d.walk_all(&norm, &hashes, gate, &mut gated);
            d.walk_all(&norm, &hashes, None, &mut ungated);
            assert_eq!(gated, ungated, "{text}");
            completed += gated
                .iter()
                .filter(|m| m.how & DictMatch::TRUNCATED != 0)
                .count();
        }
        assert!(completed > 100, "only {completed} completions");
    }

    #[test]
    fn records() {
        let (_, d) = dict();
        let m = d.merchant(d.find_id("cur:a").unwrap());
        assert_eq!(m.website(), "https://www.acme.example");
        assert!(m.in_country(*b"IE") && !m.in_country(*b"FR"));
        assert_eq!(
            m.names().map(|(mode, _)| mode).collect::<Vec<_>>(),
            [NameMode::Name, NameMode::Brand]
        );
        let tax = Taxonomy::builtin();
        let cats: Vec<_> =
            m.categories(Tree::Personal).map(|c| tax.code(c)).collect();
        assert_eq!(cats, ["groceries", "gas_and_fuel"]);
        assert!(d.find_id("cur:zzz").is_none());
        let j = m.to_json();
        assert_eq!(j["contact"][0]["value"], "https://www.acme.example");
    }

    /// Rewrites the header checksum so that damage inside the payload gets
    /// past it and reaches the structural checks.
    fn reseal(bytes: &mut [u8]) {
        let crc = crc32fast::hash(&bytes[format::HEADER_LEN..]);
        bytes[24..28].copy_from_slice(&crc.to_le_bytes());
    }

    #[test]
    fn damaged_artifacts_never_panic() {
        let (bytes, _) = dict();
        for cut in 0..bytes.len() {
            assert!(
                Dictionary::from_bytes(bytes[..cut].to_vec()).is_err(),
                "truncated at {cut}"
            );
        }
        for i in format::HEADER_LEN..bytes.len() {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut b = bytes.clone();
                b[i] ^= flip;
                assert!(
                    Dictionary::from_bytes(b.clone()).is_err(),
                    "flip at {i} passed the checksum"
                );
                reseal(&mut b);
                // Past the checksum: an error, or a dictionary that still
                // answers without panicking.
                if let Ok(d) = Dictionary::from_bytes(b) {
                    let _ =
                        names(&d, "ACME FOODS BRITISH WIDGET FOUNDA MASOUTIS");
                    for m in d.merchants() {
                        let _ = (
                            m.id(),
                            m.name(),
                            m.names().count(),
                            m.in_country(*b"GB"),
                        );
                        let _ = m.categories(Tree::Business).count();
                    }
                }
            }
        }
    }

    #[test]
    fn static_and_shared_storage_agree() {
        let (bytes, d) = dict();
        let leaked: &'static [u8] = Box::leak(bytes.into_boxed_slice());
        let s = Dictionary::from_static(leaked).unwrap();
        assert_eq!(s.len(), d.len());
        assert_eq!(names(&s, "ACMEFOODS"), names(&d, "ACMEFOODS"));
    }
}
