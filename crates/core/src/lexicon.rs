//! Word lists: stop-words, people's names, cities, countries, legal forms
//! and payment facilitators (`data/text/`).
//!
//! The dictionary compiler uses them to decide which one-word aliases are
//! too common to match on their own; the engine uses them to tell people
//! from organisations, to read the country and city at the end of a
//! descriptor, and to strip facilitators and legal forms from names.

use std::fmt;
use std::ops::Index;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::dict::format::{HASH_START, hash_more};
use crate::image;
use crate::slots::HashSlots;
use crate::text::{normalize, normalize_cow};

/// A set of words: their text in one buffer, found through a table of
/// their hashes (FNV-1a, the hash the engine takes of each token). A
/// look-up hashes the word and reads one slot, with no pointer to follow
/// and no text to compare; two words whose 64-bit hashes are equal count
/// as one.
///
/// ```
/// use txenrich::lexicon::WordSet;
///
/// let mut set = WordSet::default();
/// assert!(set.insert("anna"));
/// assert!(!set.insert("anna"));
/// assert!(set.contains("anna") && !set.contains("anne"));
/// assert_eq!(set.iter().collect::<Vec<_>>(), ["anna"]);
/// ```
#[derive(Clone, Default)]
pub struct WordSet {
    /// Every word, one after another.
    text: String,
    /// Where each word ends in `text`, by index.
    ends: Vec<u32>,
    /// Hash of a word → its index.
    index: HashSlots,
}

impl WordSet {
    /// An empty set with room for `n` words before it grows.
    pub fn with_capacity(n: usize) -> WordSet {
        WordSet {
            text: String::with_capacity(n * 8),
            ends: Vec::with_capacity(n),
            index: HashSlots::with_capacity(n),
        }
    }

    /// Adds `word`; false when it was there already.
    pub fn insert(&mut self, word: &str) -> bool {
        self.insert_index(word).1
    }

    /// The index of `word`, added when new, and whether it was new.
    fn insert_index(&mut self, word: &str) -> (usize, bool) {
        let next = self.ends.len() as u32;
        let i =
            *self.index.entry(hash_more(HASH_START, word.as_bytes()), next);
        if i == next {
            self.text.push_str(word);
            self.ends.push(self.text.len() as u32);
        }
        (i as usize, i == next)
    }

    /// True when `word` is in the set.
    #[inline]
    pub fn contains(&self, word: &str) -> bool {
        self.index_of(word).is_some()
    }

    #[inline]
    fn index_of(&self, word: &str) -> Option<usize> {
        self.index
            .get(hash_more(HASH_START, word.as_bytes()))
            .map(|i| i as usize)
    }

    /// The number of words.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when the set holds no word.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The words, in the order they were first added.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(&self.ends)
            .map(|(s, &e)| &self.text[s as usize..e as usize])
    }

    /// Each word's index, hash (with bit 0 set) and text, in no set order:
    /// the hashes the set keeps, not computed again.
    fn hashed(&self) -> impl Iterator<Item = (usize, u64, &str)> + '_ {
        self.index.iter().map(|(h, i)| {
            let i = i as usize;
            let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
            (i, h, &self.text[start..self.ends[i] as usize])
        })
    }
}

impl WordSet {
    /// The words and their hashes, in index order: loading rebuilds the
    /// table from the hashes, which is quicker than hashing the words and
    /// smaller than the table.
    #[cfg_attr(not(test), allow(dead_code))] // written by build.rs
    fn write_image(&self, out: &mut Vec<u8>) {
        image::put_bytes(out, self.text.as_bytes());
        image::put_u32s(out, self.ends.iter().copied());
        for w in self.iter() {
            out.extend_from_slice(
                &hash_more(HASH_START, w.as_bytes()).to_le_bytes(),
            );
        }
    }

    fn read_image(r: &mut image::Reader<'_>) -> Result<WordSet, String> {
        let text = std::str::from_utf8(r.bytes()?)
            .map_err(|e| format!("word text: {e}"))?;
        let ends = r.u32s()?;
        let mut start = 0;
        for &end in &ends {
            if end < start || !text.is_char_boundary(end as usize) {
                return Err(format!("word end {end} after {start}"));
            }
            start = end;
        }
        if start as usize != text.len() {
            return Err(format!("words end at {start} of {}", text.len()));
        }
        let hashes = r.take(ends.len() * 8)?;
        let mut index = HashSlots::with_capacity(ends.len());
        for (i, h) in hashes.chunks_exact(8).enumerate() {
            let h = u64::from_le_bytes(h.try_into().expect("eight bytes"));
            index.entry(h, i as u32);
        }
        if index.len() != ends.len() {
            return Err(format!(
                "{} words, {} distinct hashes",
                ends.len(),
                index.len()
            ));
        }
        Ok(WordSet { text: text.to_string(), ends, index })
    }
}

impl PartialEq for WordSet {
    /// Equal when they hold the same words, in any order.
    fn eq(&self, other: &WordSet) -> bool {
        self.len() == other.len() && self.iter().all(|w| other.contains(w))
    }
}

impl Eq for WordSet {}

impl fmt::Debug for WordSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<'a> FromIterator<&'a str> for WordSet {
    fn from_iter<I: IntoIterator<Item = &'a str>>(words: I) -> WordSet {
        let mut set = WordSet::default();
        words.into_iter().for_each(|w| {
            set.insert(w);
        });
        set
    }
}

/// A map from words to values, kept as a [`WordSet`] and the values by
/// word index.
///
/// ```
/// use txenrich::lexicon::WordMap;
///
/// let mut map = WordMap::default();
/// map.insert("ny", *b"US");
/// *map.get_or_insert("on", *b"CA") = *b"CA";
/// assert_eq!(map["ny"], *b"US");
/// assert_eq!(map.get("on"), Some(&*b"CA"));
/// assert!(!map.contains_key("qc"));
/// ```
#[derive(Clone)]
pub struct WordMap<V> {
    keys: WordSet,
    values: Vec<V>,
}

impl<V> Default for WordMap<V> {
    fn default() -> WordMap<V> {
        WordMap { keys: WordSet::default(), values: Vec::new() }
    }
}

impl<V> WordMap<V> {
    /// An empty map with room for `n` words before it grows.
    pub fn with_capacity(n: usize) -> WordMap<V> {
        WordMap {
            keys: WordSet::with_capacity(n),
            values: Vec::with_capacity(n),
        }
    }

    /// Sets `word`'s value.
    pub fn insert(&mut self, word: &str, value: V) {
        let (i, new) = self.keys.insert_index(word);
        if new {
            self.values.push(value);
        } else {
            self.values[i] = value;
        }
    }

    /// `word`'s value, set to `value` first when `word` is new.
    pub fn get_or_insert(&mut self, word: &str, value: V) -> &mut V {
        let (i, new) = self.keys.insert_index(word);
        if new {
            self.values.push(value);
        }
        &mut self.values[i]
    }

    /// `word`'s value.
    #[inline]
    pub fn get(&self, word: &str) -> Option<&V> {
        self.keys.index_of(word).map(|i| &self.values[i])
    }

    /// True when `word` has a value.
    #[inline]
    pub fn contains_key(&self, word: &str) -> bool {
        self.keys.contains(word)
    }

    /// The number of words.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when the map holds no word.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The words, in the order they were first added.
    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.keys.iter()
    }

    /// The words and their values, in the order the words were first
    /// added.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &V)> + '_ {
        self.keys.iter().zip(&self.values)
    }
}

impl WordMap<usize> {
    #[cfg_attr(not(test), allow(dead_code))] // written by build.rs
    fn write_image(&self, out: &mut Vec<u8>) {
        self.keys.write_image(out);
        image::put_u32s(out, self.values.iter().map(|&v| v as u32));
    }

    fn read_image(r: &mut image::Reader<'_>) -> Result<Self, String> {
        let keys = WordSet::read_image(r)?;
        let values: Vec<usize> =
            r.u32s()?.into_iter().map(|v| v as usize).collect();
        if values.len() != keys.len() {
            return Err(format!(
                "{} values for {} words",
                values.len(),
                keys.len()
            ));
        }
        Ok(WordMap { keys, values })
    }
}

impl<V> Index<&str> for WordMap<V> {
    type Output = V;

    /// Panics when `word` has no value, as `HashMap` does.
    fn index(&self, word: &str) -> &V {
        self.get(word).expect("word is in the map")
    }
}

impl<V: PartialEq> PartialEq for WordMap<V> {
    /// Equal when they map the same words to equal values.
    fn eq(&self, other: &WordMap<V>) -> bool {
        self.len() == other.len()
            && self.iter().all(|(w, v)| other.get(w) == Some(v))
    }
}

impl<V: Eq> Eq for WordMap<V> {}

impl<V: fmt::Debug> fmt::Debug for WordMap<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Place names and the countries of each: a [`WordSet`] of the names and
/// the countries of all of them in one array, so that a list of 60,000
/// towns is three allocations.
///
/// ```
/// use txenrich::lexicon::{Lexicon, LexiconSources};
///
/// let lex = Lexicon::parse(&LexiconSources::builtin()).unwrap();
/// assert!(lex.cities["paris"].contains(b"FR"));
/// assert_eq!(lex.cities.get("purchase"), None);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PlaceMap {
    names: WordSet,
    /// Name `i`'s countries are `countries[starts[i]..starts[i + 1]]`.
    starts: Vec<u32>,
    countries: Vec<[u8; 2]>,
}

impl PlaceMap {
    /// The countries of the place `name`, in the order first listed.
    #[inline]
    pub fn get(&self, name: &str) -> Option<&[[u8; 2]]> {
        self.names.index_of(name).map(|i| {
            &self.countries
                [self.starts[i] as usize..self.starts[i + 1] as usize]
        })
    }

    /// True when `name` is a listed place.
    #[inline]
    pub fn contains_key(&self, name: &str) -> bool {
        self.names.contains(name)
    }

    /// The number of place names.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when no place is listed.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The place names, in the order first listed.
    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.names.iter()
    }
}

impl PlaceMap {
    #[cfg_attr(not(test), allow(dead_code))] // written by build.rs
    fn write_image(&self, out: &mut Vec<u8>) {
        self.names.write_image(out);
        image::put_u32s(out, self.starts.iter().copied());
        let flat = self.countries.as_flattened();
        image::put_bytes(out, flat);
    }

    fn read_image(r: &mut image::Reader<'_>) -> Result<PlaceMap, String> {
        let names = WordSet::read_image(r)?;
        let starts = r.u32s()?;
        let countries: Vec<[u8; 2]> =
            r.bytes()?.chunks_exact(2).map(|c| [c[0], c[1]]).collect();
        // Name `i`'s countries are `starts[i]..starts[i + 1]`: one more
        // start than names, rising, within the countries.
        let rising = starts.windows(2).all(|w| w[0] <= w[1]);
        if starts.len() != names.len() + 1
            || !rising
            || starts.last().is_some_and(|&e| e as usize > countries.len())
        {
            return Err(format!(
                "{} place starts for {} names",
                starts.len(),
                names.len()
            ));
        }
        Ok(PlaceMap { names, starts, countries })
    }
}

impl Index<&str> for PlaceMap {
    type Output = [[u8; 2]];

    /// Panics when `name` is not a listed place, as `HashMap` does.
    fn index(&self, name: &str) -> &[[u8; 2]] {
        self.get(name).expect("place is in the map")
    }
}

impl fmt::Debug for PlaceMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.keys().map(|k| (k, &self[k]))).finish()
    }
}

/// Collects a [`PlaceMap`] line by line: each name's countries in the
/// order first listed, without repeats.
#[derive(Default)]
struct PlaceMapBuilder {
    names: WordSet,
    /// (name index, country), in the order read.
    pairs: Vec<(u32, [u8; 2])>,
}

impl PlaceMapBuilder {
    fn with_capacity(n: usize) -> PlaceMapBuilder {
        PlaceMapBuilder {
            names: WordSet::with_capacity(n),
            pairs: Vec::with_capacity(n),
        }
    }

    fn add(&mut self, name: &str, country: [u8; 2]) {
        let (i, _) = self.names.insert_index(name);
        self.pairs.push((i as u32, country));
    }

    fn build(mut self) -> PlaceMap {
        // A stable sort keeps each name's countries in the order read.
        self.pairs.sort_by_key(|&(i, _)| i);
        let mut starts = Vec::with_capacity(self.names.len() + 1);
        let mut countries: Vec<[u8; 2]> = Vec::with_capacity(self.pairs.len());
        for (i, cc) in self.pairs {
            while starts.len() <= i as usize {
                starts.push(countries.len() as u32);
            }
            let from = starts[i as usize] as usize;
            if !countries[from..].contains(&cc) {
                countries.push(cc);
            }
        }
        while starts.len() <= self.names.len() {
            starts.push(countries.len() as u32);
        }
        PlaceMap { names: self.names, starts, countries }
    }
}

/// What a payment facilitator does with the payment (see
/// `data/text/facilitators.tsv`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FacilitatorKind {
    /// Takes the payment for a merchant behind it (Square, SumUp).
    Intermediary,
    /// A wallet or pass-through (PayPal, Klarna).
    Wallet,
    /// A platform that is the merchant unless a known brand follows.
    Platform,
}

/// A payment facilitator's printed form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Facilitator {
    /// Normalized tokens.
    pub tokens: Vec<String>,
    /// True when the last token must be followed by `*`.
    pub needs_star: bool,
    /// What it does.
    pub kind: FacilitatorKind,
    /// How it is written.
    pub name: String,
}

/// A country as a row of `countries.tsv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CountryInfo {
    /// ISO alpha-2, upper case.
    pub alpha2: [u8; 2],
    /// The main currency.
    pub currency: String,
}

/// The word lists, parsed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lexicon {
    /// Generic words, normalized.
    pub stopwords: WordSet,
    /// Words printed around merchant names, never part of them.
    pub descriptor_words: WordSet,
    /// Words that introduce a reference or another field: a name never
    /// continues past one.
    pub reference_labels: WordSet,
    /// Given names, normalized.
    pub first_names: WordSet,
    /// Surnames, normalized.
    pub surnames: WordSet,
    /// City name (normalized, possibly several tokens) → countries.
    pub cities: PlaceMap,
    /// The largest number of tokens in a city or town name.
    pub city_max_tokens: usize,
    /// Towns of 1,000 to 15,000 people (normalized) → countries: read as a
    /// place at the end of a descriptor, never used to weaken an alias.
    pub towns: PlaceMap,
    /// Region code (US states, Canadian provinces), lower case → country.
    pub regions: WordMap<[u8; 2]>,
    /// Country codes (alpha-2 and alpha-3, lower case) and names
    /// (normalized) → alpha-2.
    pub country_names: WordMap<[u8; 2]>,
    /// Currency → the countries using it.
    pub currency_countries: HashMap<String, Vec<[u8; 2]>>,
    /// Legal forms as normalized token sequences, longest first.
    pub legal_forms: Vec<Vec<String>>,
    /// Indices into `legal_forms` by first token.
    legal_by_first: HashMap<String, Vec<usize>>,
    /// Payment facilitators, longest pattern first.
    pub facilitators: Vec<Facilitator>,
    /// Last token of a city or town name → the most tokens of such a name:
    /// most words end no place name, and one look-up says so.
    place_ends: WordMap<usize>,
    /// First token of a city name → the most tokens of such a name.
    city_starts: WordMap<usize>,
    /// One-token legal forms marked `!`: they end a name even with words
    /// after them.
    closing_legal_words: HashSet<String>,
}

/// What the word lists say of one word, as bits: the engine looks each
/// token of a line up once, and then asks its questions of the bits. Bits
/// 16 to 23 hold the most tokens of a place name the word ends, and bits
/// 24 to 30 those of a city name it starts (see [`place_end_tokens`] and
/// [`city_start_tokens`]); bit 31 is left to the engine.
pub(crate) mod word {
    /// A generic word (`stopwords.txt`).
    pub const STOPWORD: u32 = 1;
    /// A word printed around merchant names (`descriptor_words.txt`).
    pub const DESCRIPTOR: u32 = 1 << 1;
    /// A reference or field label (`reference_labels.txt`).
    pub const REFERENCE_LABEL: u32 = 1 << 2;
    /// A given name.
    pub const FIRST_NAME: u32 = 1 << 3;
    /// A surname.
    pub const SURNAME: u32 = 1 << 4;
    /// The first token of a legal form.
    pub const LEGAL_FORM_START: u32 = 1 << 5;
    /// A legal form of one token.
    pub const LEGAL_FORM: u32 = 1 << 6;
    /// The first token of a payment facilitator's printed form.
    pub const FACILITATOR_START: u32 = 1 << 9;
    /// Every bit the word lists set.
    pub const ALL: u32 = 0x7FFF_FFFF;

    /// The bits of a word that ends a place name of `tokens` tokens at
    /// most (the most that fits is kept).
    pub fn with_place_end_tokens(tokens: usize) -> u32 {
        (tokens.min(0xFF) as u32) << 16
    }

    /// The bits of a word that starts a city name of `tokens` tokens at
    /// most (the most that fits is kept).
    pub fn with_city_start_tokens(tokens: usize) -> u32 {
        (tokens.min(0x7F) as u32) << 24
    }

    /// The most tokens of a city or town name ending in a word with these
    /// bits; 0 when none ends in it.
    pub fn place_end_tokens(bits: u32) -> usize {
        ((bits >> 16) & 0xFF) as usize
    }

    /// The most tokens of a city name starting with a word with these
    /// bits; 0 when none starts with it.
    pub fn city_start_tokens(bits: u32) -> usize {
        ((bits >> 24) & 0x7F) as usize
    }
}

/// The texts a [`Lexicon`] is parsed from, one per file of `data/text/`.
#[derive(Clone, Copy, Debug, Default)]
pub struct LexiconSources<'a> {
    /// `stopwords.txt`
    pub stopwords: &'a str,
    /// `descriptor_words.txt`
    pub descriptor_words: &'a str,
    /// `reference_labels.txt`
    pub reference_labels: &'a str,
    /// `first_names.txt`
    pub first_names: &'a str,
    /// `surnames.txt`
    pub surnames: &'a str,
    /// `cities.tsv`
    pub cities: &'a str,
    /// `towns.tsv`
    pub towns: &'a str,
    /// `regions.tsv`
    pub regions: &'a str,
    /// `countries.tsv`
    pub countries: &'a str,
    /// `legal_forms.txt`
    pub legal_forms: &'a str,
    /// `facilitators.tsv`
    pub facilitators: &'a str,
}

impl LexiconSources<'static> {
    /// The lists embedded in the library.
    pub fn builtin() -> LexiconSources<'static> {
        LexiconSources {
            stopwords: include_str!("../../../data/text/stopwords.txt"),
            descriptor_words: include_str!(
                "../../../data/text/descriptor_words.txt"
            ),
            reference_labels: include_str!(
                "../../../data/text/reference_labels.txt"
            ),
            first_names: include_str!("../../../data/text/first_names.txt"),
            surnames: include_str!("../../../data/text/surnames.txt"),
            cities: include_str!("../../../data/text/cities.tsv"),
            towns: include_str!("../../../data/text/towns.tsv"),
            regions: include_str!("../../../data/text/regions.tsv"),
            countries: include_str!("../../../data/text/countries.tsv"),
            legal_forms: include_str!("../../../data/text/legal_forms.txt"),
            facilitators: include_str!("../../../data/text/facilitators.tsv"),
        }
    }
}

/// The start of a [`Lexicon::image`]: a name and the layout's version.
const IMAGE_MAGIC: &[u8; 8] = b"txlex\x00\x00\x01";

/// The lines of a list that hold an entry, numbered from 1.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    // A plain byte loop: lines are short, and a searcher's set-up per line
    // cost more than the search at start-up.
    let (mut rest, mut n) = (text, 0);
    std::iter::from_fn(move || {
        while !rest.is_empty() {
            let end = rest.bytes().position(|b| b == b'\n');
            let line = &rest[..end.unwrap_or(rest.len())];
            rest = end.map_or("", |e| &rest[e + 1..]);
            n += 1;
            let line = line.strip_suffix('\r').unwrap_or(line);
            if !line.trim().is_empty() && !line.starts_with('#') {
                return Some((n, line));
            }
        }
        None
    })
}

/// An upper bound of the entries of a list, to size its table once.
fn line_count(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'\n').count() + 1
}

fn word_set(text: &str) -> WordSet {
    let mut set = WordSet::with_capacity(line_count(text));
    for (_, line) in lines(text) {
        let word = normalize_cow(line.trim());
        if !word.is_empty() {
            set.insert(&word);
        }
    }
    set
}

/// Raises `word`'s count in `most` to at least `count`.
fn raise(most: &mut WordMap<usize>, word: &str, count: usize) {
    let m = most.get_or_insert(word, count);
    *m = (*m).max(count);
}

fn alpha2(s: &str) -> Option<[u8; 2]> {
    match s.trim().as_bytes() {
        &[a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
            Some([a.to_ascii_uppercase(), b.to_ascii_uppercase()])
        }
        _ => None,
    }
}

impl Lexicon {
    /// Parses the lists. Errors name the file and line.
    pub fn parse(src: &LexiconSources<'_>) -> Result<Lexicon, String> {
        let mut lex = Lexicon::parse_large_lists(src)?;
        lex.parse_small_lists(src)?;
        Ok(lex)
    }

    /// The lists embedded in the library: the lexicon
    /// `Lexicon::parse(&LexiconSources::builtin())` gives, with the large
    /// tables copied from an image the build wrote of them instead of built.
    ///
    /// ```
    /// use txenrich::lexicon::{Lexicon, LexiconSources};
    ///
    /// let lex = Lexicon::builtin();
    /// assert!(lex.cities["paris"].contains(b"FR"));
    /// assert!(lex.first_names.contains("anna"));
    /// ```
    ///
    /// # Panics
    ///
    /// Only in a build whose own tests fail: the image is written by the
    /// build script from the same lists, and a test loads it.
    pub fn builtin() -> Lexicon {
        Lexicon::try_builtin()
            .expect("the build's lexicon image loads (checked by tests)")
    }

    /// [`Lexicon::builtin`], or why its image did not load.
    pub(crate) fn try_builtin() -> Result<Lexicon, String> {
        Lexicon::parse_with_image(
            &LexiconSources::builtin(),
            crate::builtin::LEXICON_IMAGE,
        )
    }

    /// [`Lexicon::parse`] with the large lists (the word sets and the
    /// places) taken from `image`, which [`Lexicon::image`] wrote of the
    /// lexicon of the same texts: start-up copies them instead of building
    /// them again.
    pub(crate) fn parse_with_image(
        src: &LexiconSources<'_>,
        image: &[u8],
    ) -> Result<Lexicon, String> {
        let mut lex = Lexicon::read_image(image)
            .map_err(|e| format!("lexicon image: {e}"))?;
        lex.parse_small_lists(src)?;
        Ok(lex)
    }

    /// The large lists as bytes, for [`Lexicon::parse_with_image`].
    #[cfg_attr(not(test), allow(dead_code))] // written by build.rs
    pub(crate) fn image(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 << 20);
        out.extend_from_slice(IMAGE_MAGIC);
        for set in [
            &self.stopwords,
            &self.descriptor_words,
            &self.reference_labels,
            &self.first_names,
            &self.surnames,
        ] {
            set.write_image(&mut out);
        }
        self.cities.write_image(&mut out);
        self.towns.write_image(&mut out);
        self.place_ends.write_image(&mut out);
        self.city_starts.write_image(&mut out);
        image::put_u32(&mut out, self.city_max_tokens);
        out
    }

    fn read_image(bytes: &[u8]) -> Result<Lexicon, String> {
        let mut r = image::Reader::new(bytes);
        if r.take(IMAGE_MAGIC.len())? != IMAGE_MAGIC {
            return Err("not a lexicon image of this version".into());
        }
        let lex = Lexicon {
            stopwords: WordSet::read_image(&mut r)?,
            descriptor_words: WordSet::read_image(&mut r)?,
            reference_labels: WordSet::read_image(&mut r)?,
            first_names: WordSet::read_image(&mut r)?,
            surnames: WordSet::read_image(&mut r)?,
            cities: PlaceMap::read_image(&mut r)?,
            towns: PlaceMap::read_image(&mut r)?,
            place_ends: WordMap::read_image(&mut r)?,
            city_starts: WordMap::read_image(&mut r)?,
            city_max_tokens: r.len()?,
            ..Lexicon::default()
        };
        r.finish()?;
        Ok(lex)
    }

    /// The word sets and places of `src`.
    fn parse_large_lists(src: &LexiconSources<'_>) -> Result<Lexicon, String> {
        let mut lex = Lexicon {
            stopwords: word_set(src.stopwords),
            descriptor_words: word_set(src.descriptor_words),
            reference_labels: word_set(src.reference_labels),
            first_names: word_set(src.first_names),
            surnames: word_set(src.surnames),
            // Most places end in a word of their own.
            place_ends: WordMap::with_capacity(
                line_count(src.cities) + line_count(src.towns),
            ),
            city_starts: WordMap::with_capacity(line_count(src.cities)),
            ..Lexicon::default()
        };
        for (file, text) in
            [("cities.tsv", src.cities), ("towns.tsv", src.towns)]
        {
            let mut places = PlaceMapBuilder::with_capacity(line_count(text));
            for (n, line) in lines(text) {
                let tab = line.bytes().position(|b| b == b'\t');
                let Some((city, rest)) =
                    tab.map(|t| (&line[..t], &line[t + 1..]))
                else {
                    return Err(format!(
                        "{file} line {n}: expected name<TAB>country"
                    ));
                };
                let cc = rest.split('\t').next().unwrap_or(rest);
                let cc = alpha2(cc).ok_or_else(|| {
                    format!("{file} line {n}: bad country {cc:?}")
                })?;
                let key = normalize_cow(city);
                if key.is_empty() {
                    continue;
                }
                let count = 1 + key.bytes().filter(|&b| b == b' ').count();
                lex.city_max_tokens = lex.city_max_tokens.max(count);
                let last = key.rfind(' ').map_or(&key[..], |i| &key[i + 1..]);
                raise(&mut lex.place_ends, last, count);
                if file == "cities.tsv" {
                    let first = key.find(' ').map_or(&key[..], |i| &key[..i]);
                    raise(&mut lex.city_starts, first, count);
                }
                places.add(&key, cc);
            }
            let places = places.build();
            if file == "cities.tsv" {
                lex.cities = places;
            } else {
                lex.towns = places;
            }
        }
        Ok(lex)
    }

    /// The regions, countries, legal forms and facilitators of `src`.
    fn parse_small_lists(
        &mut self,
        src: &LexiconSources<'_>,
    ) -> Result<(), String> {
        let lex = self;
        for (n, line) in lines(src.regions) {
            let mut cols = line.split('\t');
            let (Some(code), Some(_name), Some(cc)) =
                (cols.next(), cols.next(), cols.next())
            else {
                return Err(format!(
                    "regions.tsv line {n}: expected code<TAB>name<TAB>country"
                ));
            };
            let cc = alpha2(cc).ok_or_else(|| {
                format!("regions.tsv line {n}: bad country {cc:?}")
            })?;
            lex.regions.insert(&code.trim().to_ascii_lowercase(), cc);
        }
        for (n, line) in lines(src.countries) {
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.len() < 3 {
                return Err(format!(
                    "countries.tsv line {n}: expected alpha2<TAB>alpha3<TAB>currency<TAB>names"
                ));
            }
            let cc = alpha2(cols[0]).ok_or_else(|| {
                format!("countries.tsv line {n}: bad alpha-2 {:?}", cols[0])
            })?;
            lex.country_names.insert(&cols[0].trim().to_ascii_lowercase(), cc);
            lex.country_names.insert(&cols[1].trim().to_ascii_lowercase(), cc);
            let currency = cols[2].trim().to_string();
            if !currency.is_empty() {
                let e = lex.currency_countries.entry(currency).or_default();
                if !e.contains(&cc) {
                    e.push(cc);
                }
            }
            if let Some(names) = cols.get(3) {
                for name in names.split('|') {
                    let key = normalize(name);
                    if !key.is_empty() {
                        lex.country_names.get_or_insert(&key, cc);
                    }
                }
            }
        }
        let mut forms: Vec<Vec<String>> = lines(src.legal_forms)
            .map(|(_, l)| {
                let l = l.trim();
                let (form, closing) = match l.strip_suffix('!') {
                    Some(form) => (form.trim_end(), true),
                    None => (l, false),
                };
                let tokens = normalize(form)
                    .split(' ')
                    .map(str::to_string)
                    .collect::<Vec<_>>();
                if closing && tokens.len() == 1 {
                    lex.closing_legal_words.insert(tokens[0].clone());
                }
                tokens
            })
            .filter(|v| !v.is_empty() && !v[0].is_empty())
            .collect();
        forms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        forms.dedup();
        for (i, f) in forms.iter().enumerate() {
            lex.legal_by_first.entry(f[0].clone()).or_default().push(i);
        }
        lex.legal_forms = forms;
        for (n, line) in lines(src.facilitators) {
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.len() != 3 {
                return Err(format!(
                    "facilitators.tsv line {n}: expected pattern<TAB>kind<TAB>name"
                ));
            }
            let pattern = cols[0].trim();
            let (body, needs_star) = match pattern.strip_suffix('*') {
                Some(b) => (b, true),
                None => (pattern, false),
            };
            let tokens: Vec<String> =
                normalize(body).split(' ').map(str::to_string).collect();
            if tokens.iter().any(String::is_empty) {
                return Err(format!(
                    "facilitators.tsv line {n}: empty pattern"
                ));
            }
            let kind = match cols[1].trim() {
                "intermediary" => FacilitatorKind::Intermediary,
                "wallet" => FacilitatorKind::Wallet,
                "platform" => FacilitatorKind::Platform,
                other => {
                    return Err(format!(
                        "facilitators.tsv line {n}: unknown kind {other:?}"
                    ));
                }
            };
            lex.facilitators.push(Facilitator {
                tokens,
                needs_star,
                kind,
                name: cols[2].trim().to_string(),
            });
        }
        lex.facilitators.sort_by_key(|f| std::cmp::Reverse(f.tokens.len()));
        Ok(())
    }

    /// Every one-token word the lists hold, by its hash
    /// (`hash_more(HASH_START, word)`), with its [`word`] bits, place-name
    /// token counts included.
    /// The table has room for `room` more entries, which a caller adds in
    /// the high 32 bits.
    pub(crate) fn word_bits(&self, room: usize) -> HashSlots<u64> {
        let mut bits = HashSlots::with_capacity(
            self.place_ends.len() + self.surnames.len() + room,
        );
        // Word lists keep their words' hashes; the few legal forms and
        // facilitators are hashed here.
        fn set(bits: &mut HashSlots<u64>, h: u64, w: &str, bit: u32) {
            if !w.contains(' ') {
                *bits.entry(h, 0) |= u64::from(bit);
            }
        }
        let hash = |w: &str| hash_more(HASH_START, w.as_bytes());
        for (words, bit) in [
            (&self.stopwords, word::STOPWORD),
            (&self.descriptor_words, word::DESCRIPTOR),
            (&self.reference_labels, word::REFERENCE_LABEL),
            (&self.first_names, word::FIRST_NAME),
            (&self.surnames, word::SURNAME),
        ] {
            for (_, h, w) in words.hashed() {
                set(&mut bits, h, w, bit);
            }
        }
        for form in &self.legal_forms {
            let one_word = if form.len() == 1 { word::LEGAL_FORM } else { 0 };
            let bit = word::LEGAL_FORM_START | one_word;
            set(&mut bits, hash(&form[0]), &form[0], bit);
        }
        for (most, tokens_bits) in [
            (
                &self.place_ends,
                word::with_place_end_tokens as fn(usize) -> u32,
            ),
            (&self.city_starts, word::with_city_start_tokens),
        ] {
            for (i, h, w) in most.keys.hashed() {
                set(&mut bits, h, w, tokens_bits(most.values[i]));
            }
        }
        for f in &self.facilitators {
            let w = &f.tokens[0];
            set(&mut bits, hash(w), w, word::FACILITATOR_START);
        }
        bits
    }

    /// True for a word that names a person: a listed given name or surname.
    pub fn is_person_name(&self, word: &str) -> bool {
        self.first_names.contains(word) || self.surnames.contains(word)
    }

    /// True for a one-token alias too common to identify a merchant alone:
    /// a stop-word, a person's name, a city, a country or region code, or a
    /// word of two letters or fewer.
    pub fn is_weak_word(&self, word: &str) -> bool {
        word.len() <= 2
            || word.bytes().all(|b| b.is_ascii_digit())
            || self.stopwords.contains(word)
            || self.descriptor_words.contains(word)
            || self.is_person_name(word)
            || self.cities.contains_key(word)
            || self.country_names.contains_key(word)
            || self.regions.contains_key(word)
            || self.legal_forms.iter().any(|f| f.len() == 1 && f[0] == word)
    }

    /// The most tokens of a city or town name ending in the token `word`;
    /// 0 when no place name ends in it.
    ///
    /// ```
    /// use txenrich::lexicon::{Lexicon, LexiconSources};
    /// let lex = Lexicon::parse(&LexiconSources::builtin()).unwrap();
    /// assert!(lex.place_tokens_ending_in("york") >= 2);
    /// assert_eq!(lex.place_tokens_ending_in("purchase"), 0);
    /// ```
    pub fn place_tokens_ending_in(&self, word: &str) -> usize {
        self.place_ends.get(word).copied().unwrap_or(0)
    }

    /// The most tokens of a city name starting with the token `word`; 0
    /// when no city name starts with it.
    pub fn city_tokens_starting_with(&self, word: &str) -> usize {
        self.city_starts.get(word).copied().unwrap_or(0)
    }

    /// The number of tokens of the legal form that `tokens` starts with,
    /// when that form ends a company's name even with words after it: a
    /// form of two tokens or more (`b v`, `sp z o o`) or a one-token form
    /// marked ` !` in `legal_forms.txt` (`gmbh`, `llp`); otherwise 0.
    ///
    /// ```
    /// use txenrich::lexicon::{Lexicon, LexiconSources};
    /// let lex = Lexicon::parse(&LexiconSources::builtin()).unwrap();
    /// assert_eq!(lex.closing_legal_form_at(&["llp", "inv"]), 1);
    /// assert_eq!(lex.closing_legal_form_at(&["b", "v", "abonnement"]), 2);
    /// assert_eq!(lex.closing_legal_form_at(&["as", "ordinary"]), 0);
    /// ```
    pub fn closing_legal_form_at(&self, tokens: &[&str]) -> usize {
        match self.legal_form_at(tokens) {
            1 if self.closing_legal_words.contains(tokens[0]) => 1,
            n if n >= 2 => n,
            _ => 0,
        }
    }

    /// The number of tokens of the legal form that `tokens` starts with.
    pub fn legal_form_at(&self, tokens: &[&str]) -> usize {
        let Some(first) = tokens.first() else { return 0 };
        let Some(candidates) = self.legal_by_first.get(*first) else {
            return 0;
        };
        // Candidates keep the longest-first order of `legal_forms`.
        candidates
            .iter()
            .map(|&i| &self.legal_forms[i])
            .find(|f| {
                f.len() <= tokens.len()
                    && f.iter().zip(tokens).all(|(a, b)| a == b)
            })
            .map_or(0, Vec::len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_skip_blanks_and_comments_and_keep_numbers() {
        let text = "a\r\n\n# c\n  \nb\tGB\nlast";
        let got: Vec<(usize, &str)> = lines(text).collect();
        assert_eq!(got, [(1, "a"), (5, "b\tGB"), (6, "last")]);
        assert_eq!(lines("").count(), 0);
        assert_eq!(lines("x\n").collect::<Vec<_>>(), [(1, "x")]);
        let std: Vec<&str> = text.lines().collect();
        for (n, line) in lines(text) {
            assert_eq!(std[n - 1], line);
        }
    }

    fn lex() -> Lexicon {
        Lexicon::parse(&LexiconSources {
            stopwords: "# c\nShop\nMarkt\n",
            descriptor_words: "on\n",
            reference_labels: "ref\n",
            first_names: "Łukasz\nJane\n",
            surnames: "Müller\n",
            cities: "New York\tUS\nValencia\tES\nValencia\tVE\nMünchen\tDE\nVALENCIA\tES\n",
            towns: "Gumpoldskirchen\tAT\n",
            regions: "NY\tNew York\tUS\n",
            countries: "DE\tDEU\tEUR\tDEUTSCHLAND|GERMANY\nAT\tAUT\tEUR\tÖSTERREICH\n",
            legal_forms: "GmbH\nGmbH & Co. KG\nS.A.\nSp. z o.o.\n",
            facilitators: "sq*\tintermediary\tSquare\npaypal europe\twallet\tPayPal\n",
        })
        .unwrap()
    }

    #[test]
    fn parses_lists() {
        let l = lex();
        assert!(l.stopwords.contains("shop"));
        assert!(l.is_person_name("lukasz"));
        assert!(l.is_person_name("muller"));
        assert_eq!(l.cities["valencia"], [*b"ES", *b"VE"]);
        assert_eq!(l.cities["munchen"], [*b"DE"]);
        assert_eq!(l.cities.len(), 3, "a name listed again is one place");
        assert_eq!(l.cities.get("paris"), None);
        assert_eq!(l.towns["gumpoldskirchen"], [*b"AT"]);
        assert!(
            !l.is_weak_word("gumpoldskirchen"),
            "towns do not weaken aliases"
        );
        assert_eq!(l.city_max_tokens, 2);
        assert_eq!(l.regions["ny"], *b"US");
        assert_eq!(l.country_names["deu"], *b"DE");
        assert_eq!(l.country_names["osterreich"], *b"AT");
        assert_eq!(l.currency_countries["EUR"], [*b"DE", *b"AT"]);
    }

    #[test]
    fn legal_forms_longest_first() {
        let l = lex();
        assert_eq!(l.legal_form_at(&["gmbh", "co", "kg", "berlin"]), 3);
        assert_eq!(l.legal_form_at(&["gmbh"]), 1);
        assert_eq!(l.legal_form_at(&["sp", "z", "o", "o"]), 4);
        assert_eq!(l.legal_form_at(&["s", "a"]), 2);
        assert_eq!(l.legal_form_at(&["sa"]), 0);
    }

    #[test]
    fn facilitators_longest_first() {
        let l = lex();
        assert_eq!(l.facilitators[0].tokens, ["paypal", "europe"]);
        assert!(l.facilitators[1].needs_star);
    }

    #[test]
    fn weak_words() {
        let l = lex();
        for w in ["shop", "ee", "jane", "valencia", "deu", "ny", "1234"] {
            assert!(l.is_weak_word(w), "{w}");
        }
        assert!(!l.is_weak_word("tesco"));
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = Lexicon::parse(&LexiconSources {
            cities: "X\n",
            ..Default::default()
        })
        .unwrap_err();
        assert!(e.starts_with("cities.tsv line 1"), "{e}");
        let e = Lexicon::parse(&LexiconSources {
            facilitators: "a\tbogus\tA\n",
            ..Default::default()
        })
        .unwrap_err();
        assert!(e.contains("unknown kind"), "{e}");
    }

    #[test]
    fn the_image_loads_as_the_parsed_lexicon() {
        let parsed = Lexicon::parse(&LexiconSources::builtin()).unwrap();
        assert!(
            parsed.towns.len() > 10_000 && parsed.first_names.len() > 1_000
        );
        assert!(Lexicon::builtin() == parsed);
        // Of other lists too, and what it loads answers as the parsed one.
        let small = lex();
        let image = small.image();
        let loaded = Lexicon::parse_with_image(
            &LexiconSources {
                countries: "AT\tAUT\tEUR\n",
                ..Default::default()
            },
            &image,
        )
        .unwrap();
        assert_eq!(loaded.cities["valencia"], [*b"ES", *b"VE"]);
        assert_eq!(loaded.place_tokens_ending_in("york"), 2);
        assert!(loaded.is_person_name("muller"));
        assert_eq!(
            loaded.currency_countries["EUR"],
            [*b"AT"],
            "small lists come from the texts"
        );
    }

    #[test]
    fn a_damaged_image_is_an_error_not_a_panic() {
        let image = lex().image();
        assert!(
            Lexicon::parse_with_image(&LexiconSources::default(), &image)
                .is_ok()
        );
        for cut in 0..image.len() {
            let e = Lexicon::parse_with_image(
                &LexiconSources::default(),
                &image[..cut],
            )
            .unwrap_err();
            assert!(e.starts_with("lexicon image: "), "{e}");
        }
        let mut long = image.clone();
        long.push(0);
        assert!(
            Lexicon::parse_with_image(&LexiconSources::default(), &long)
                .is_err()
        );
        // Any one byte changed: loads (a hash or a country changed) or
        // fails, and never panics.
        let mut failed = 0;
        for at in 0..image.len() {
            let mut bad = image.clone();
            bad[at] ^= 0xA5;
            failed += usize::from(
                Lexicon::parse_with_image(&LexiconSources::default(), &bad)
                    .is_err(),
            );
        }
        assert!(failed > image.len() / 4, "{failed} of {}", image.len());
    }

    #[test]
    fn word_bits_carry_place_token_counts() {
        let lex = Lexicon::parse(&LexiconSources::builtin()).unwrap();
        let bits = lex.word_bits(0);
        let of = |w: &str| {
            bits.get(hash_more(HASH_START, w.as_bytes())).map(|b| b as u32)
        };
        let mut multi = 0;
        for (w, _) in lex.place_ends.iter().chain(lex.city_starts.iter()) {
            let b = of(w).expect("every place word has bits");
            assert_eq!(
                word::place_end_tokens(b),
                lex.place_tokens_ending_in(w)
            );
            assert_eq!(
                word::city_start_tokens(b),
                lex.city_tokens_starting_with(w)
            );
            assert_eq!(
                word::place_end_tokens(b) > 0,
                lex.place_ends.contains_key(w)
            );
            multi += usize::from(word::place_end_tokens(b) > 1);
        }
        assert!(multi > 100, "names of several words are counted");
        assert_eq!(of("purchase").map_or(0, word::place_end_tokens), 0);
    }
}
