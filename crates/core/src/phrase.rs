//! Exact look-up of whole-token phrases in normalized text.
//!
//! Normalized text is tokens separated by one space (see [`crate::text`]).
//! A phrase that must start and end on token boundaries is found by walking
//! from each token: hash the token, look the hash up, and go on to the next
//! token only while the tokens read so far begin some phrase. Each token
//! costs one hash-table probe, where a byte-level automaton takes a
//! dependent state transition per byte over a table of megabytes; and the
//! table builds in a few milliseconds.
//!
//! Hashes are FNV-1a over the phrase text read token by token
//! ([`crate::dict::format::hash_more`]), so that a phrase's hash extends
//! from its first tokens' hash. A probe that reports a phrase is confirmed
//! against the phrase's text, so a hash collision never yields a false
//! match.

use rustc_hash::FxHashMap;

use crate::dict::format::{HASH_START, hash_more};
use crate::slots::HashSlots;

/// Entry bit: the hashed tokens begin a longer phrase.
const BEGINS_PHRASE: u32 = 1 << 31;
/// Entry value when the hashed tokens are not themselves a phrase.
const NO_PHRASE: u32 = BEGINS_PHRASE - 1;

/// Whole-token phrases being collected for a [`PhraseTable`].
#[derive(Clone, Debug, Default)]
pub(crate) struct PhraseTableBuilder {
    /// Hash (with bit 0 set: 0 marks an empty slot) of a phrase or of a
    /// phrase's first tokens → phrase id (or [`NO_PHRASE`]), with
    /// [`BEGINS_PHRASE`].
    entries: FxHashMap<u64, u32>,
    texts: Vec<Box<str>>,
}

impl PhraseTableBuilder {
    /// Adds `phrase` (normalized: tokens separated by one space) as `id`,
    /// below 2³¹ − 1. Returns false, adding nothing, when another phrase
    /// hashes alike; the caller must match that one some other way.
    pub(crate) fn insert(&mut self, phrase: &str, id: u32) -> bool {
        debug_assert!(id < NO_PHRASE);
        let full = hash_more(HASH_START, phrase.as_bytes()) | 1;
        if self.entries.get(&full).is_some_and(|e| e & NO_PHRASE != NO_PHRASE)
        {
            return false;
        }
        let bytes = phrase.as_bytes();
        for (i, _) in bytes.iter().enumerate().filter(|&(_, &b)| b == b' ') {
            let h = hash_more(HASH_START, &bytes[..i]) | 1;
            *self.entries.entry(h).or_insert(NO_PHRASE) |= BEGINS_PHRASE;
        }
        let e = self.entries.entry(full).or_insert(NO_PHRASE);
        *e = (*e & BEGINS_PHRASE) | id;
        let id = id as usize;
        if self.texts.len() <= id {
            self.texts.resize(id + 1, Box::default());
        }
        self.texts[id] = phrase.into();
        true
    }

    /// The table, laid out for look-ups.
    pub(crate) fn build(self) -> PhraseTable {
        PhraseTable {
            table: HashSlots::new(self.entries.into_iter()),
            texts: self.texts,
        }
    }
}

/// Whole-token phrases, each with a caller's id, ready for look-ups.
#[derive(Clone, Debug)]
pub(crate) struct PhraseTable {
    /// Hash of a phrase or of a phrase's first tokens → phrase id (or
    /// [`NO_PHRASE`]), with [`BEGINS_PHRASE`].
    table: HashSlots,
    /// The text of each phrase, by id, to confirm a probe.
    texts: Vec<Box<str>>,
}

impl PhraseTable {
    /// The entry of a hash: for a token's own hash, the `first` argument
    /// of [`PhraseTable::find`].
    #[inline]
    pub(crate) fn entry(&self, h: u64) -> Option<u32> {
        self.table.get(h)
    }

    /// Every entry, as (hash, entry).
    pub(crate) fn entries(&self) -> impl Iterator<Item = (u64, u32)> + '_ {
        self.table.iter()
    }

    /// Calls `found(id, start, end)` for every phrase in `text` that starts
    /// and ends on token boundaries, by start and then by length. `tokens`
    /// holds the byte range of each token of `text` in order, and `hashes`
    /// the hash of each (`hash_more(HASH_START, token)`). Tokens of two
    /// fields may follow each other: a phrase read across them fails its
    /// text check.
    ///
    /// `first` holds the table's entry for each token's own hash
    /// ([`PhraseTable::entry`]), looked up already: the engine reads it
    /// from its one table of everything known of a token.
    pub(crate) fn find(
        &self,
        text: &[u8],
        tokens: &[(u32, u32)],
        hashes: &[u64],
        first: &[Option<u32>],
        mut found: impl FnMut(u32, u32, u32),
    ) {
        for (i, ((&(start, _), &h), &e)) in
            tokens.iter().zip(hashes).zip(first).enumerate()
        {
            let (mut h, mut entry, mut j) = (h, e, i);
            while let Some(e) = entry {
                let id = e & NO_PHRASE;
                let end = tokens[j].1;
                if id != NO_PHRASE
                    && self.texts.get(id as usize).is_some_and(|t| {
                        t.as_bytes() == &text[start as usize..end as usize]
                    })
                {
                    found(id, start, end);
                }
                j += 1;
                if e & BEGINS_PHRASE == 0 || j == tokens.len() {
                    break;
                }
                let (s, e) = tokens[j];
                h = hash_more(
                    hash_more(h, b" "),
                    &text[s as usize..e as usize],
                );
                entry = self.table.get(h);
            }
        }
    }
}

/// Phrases anchored at one token edge: a phrase that must begin a token
/// but may end inside one (`gehalt*` in `gehaltszahlung`), or end a token
/// and begin inside one (`*versicherung` in `kfzversicherung`). At each
/// token edge only the phrases that share its edge byte are compared.
#[derive(Clone, Debug)]
pub(crate) struct EdgeTable {
    /// A bit per hash of three bytes, set for the first three bytes of the
    /// phrases that start a token and the last three of those that end one:
    /// most token edges are ruled out with one load.
    sieve: Box<[u64; 1024]>,
    /// By first byte: phrases that start at a token start.
    starting: Vec<Vec<EdgePhrase>>,
    /// By last byte: phrases that end at a token end.
    ending: Vec<Vec<EdgePhrase>>,
}

#[derive(Clone, Debug)]
struct EdgePhrase {
    id: u32,
    text: Box<[u8]>,
    /// Also in `starting`: an occurrence that starts a token was reported
    /// there.
    also_starting: bool,
}

impl Default for EdgeTable {
    fn default() -> EdgeTable {
        EdgeTable {
            sieve: Box::new([0; 1024]),
            starting: vec![Vec::new(); 256],
            ending: vec![Vec::new(); 256],
        }
    }
}

impl EdgeTable {
    /// Adds a non-empty `phrase` that starts a token (`at_start`), ends one
    /// (`at_end`), or either.
    pub(crate) fn insert(
        &mut self,
        phrase: &str,
        id: u32,
        at_start: bool,
        at_end: bool,
    ) {
        let text: Box<[u8]> = phrase.as_bytes().into();
        let (Some(&first), Some(&last)) = (text.first(), text.last()) else {
            return;
        };
        // A phrase shorter than three bytes cannot be sieved: let every
        // edge through.
        let mut sieve = |three: Option<&[u8]>| match three {
            Some(&[a, b, c]) => {
                let bit = sieve_bit(a, b, c);
                self.sieve[bit / 64] |= 1 << (bit % 64);
            }
            _ => self.sieve.fill(u64::MAX),
        };
        if at_start {
            sieve(text.get(..3));
        }
        if at_end {
            sieve(text.len().checked_sub(3).map(|i| &text[i..]));
        }
        if at_start {
            self.starting[usize::from(first)].push(EdgePhrase {
                id,
                text: text.clone(),
                also_starting: false,
            });
        }
        if at_end {
            self.ending[usize::from(last)].push(EdgePhrase {
                id,
                text,
                also_starting: at_start,
            });
        }
    }

    /// Calls `found(id, start, end)` for every occurrence in `text` of a
    /// phrase at the token edge it was added for, once each. `tokens` holds
    /// the byte range of each space-separated token of `text`.
    pub(crate) fn find(
        &self,
        text: &[u8],
        tokens: &[(u32, u32)],
        mut found: impl FnMut(u32, u32, u32),
    ) {
        let maybe = |three: &[u8]| {
            let bit = sieve_bit(three[0], three[1], three[2]);
            self.sieve[bit / 64] & (1 << (bit % 64)) != 0
        };
        // Any bytes past the text: a phrase that long is not there.
        let at = |i: usize| text.get(i).copied().unwrap_or(0);
        for &(start, end) in tokens {
            let (s, e) = (start as usize, end as usize);
            let head = [text[s], at(s + 1), at(s + 2)];
            let tail = if e >= 3 {
                [text[e - 3], text[e - 2], text[e - 1]]
            } else {
                [0; 3]
            };
            if !maybe(&head) && !maybe(&tail) {
                continue;
            }
            let first = text[s];
            for p in &self.starting[usize::from(first)] {
                if text[s..].starts_with(&p.text) {
                    found(p.id, start, (s + p.text.len()) as u32);
                }
            }
            for p in &self.ending[usize::from(text[e - 1])] {
                if text[..e].ends_with(&p.text) {
                    let from = e - p.text.len();
                    let starts_token = from == 0 || text[from - 1] == b' ';
                    if !(p.also_starting && starts_token) {
                        found(p.id, from as u32, end);
                    }
                }
            }
        }
    }
}

fn sieve_bit(a: u8, b: u8, c: u8) -> usize {
    (usize::from(a) * 961 + usize::from(b) * 31 + usize::from(c)) & 0xffff
}

/// Appends the byte range of each space-separated token of `text`, and
/// its hash.
pub(crate) fn split_tokens(
    text: &[u8],
    out: &mut Vec<(u32, u32)>,
    hashes: &mut Vec<u64>,
) {
    let mut start = 0;
    for space in
        memchr::memchr_iter(b' ', text).chain(std::iter::once(text.len()))
    {
        if space > start {
            out.push((start as u32, space as u32));
            hashes.push(hash_more(HASH_START, &text[start..space]));
        }
        start = space + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(
        table: &PhraseTableBuilder,
        text: &str,
    ) -> Vec<(u32, &'static str)> {
        let (mut tokens, mut hashes) = (Vec::new(), Vec::new());
        split_tokens(text.as_bytes(), &mut tokens, &mut hashes);
        let mut out = Vec::new();
        let table = table.clone().build();
        let first: Vec<Option<u32>> =
            hashes.iter().map(|&h| table.entry(h)).collect();
        table.find(text.as_bytes(), &tokens, &hashes, &first, |id, s, e| {
            let piece: &'static str =
                Box::leak(text[s as usize..e as usize].to_string().into());
            out.push((id, piece));
        });
        out
    }

    #[test]
    fn finds_whole_token_phrases_only() {
        let mut t = PhraseTableBuilder::default();
        assert!(t.insert("atm", 0));
        assert!(t.insert("atm withdrawal", 1));
        assert!(t.insert("cash withdrawal fee", 2));
        assert!(t.insert("withdrawal", 3));
        assert_eq!(
            found(&t, "atm withdrawal | cash withdrawal fee"),
            [
                (0, "atm"),
                (1, "atm withdrawal"),
                (3, "withdrawal"),
                (2, "cash withdrawal fee"),
                (3, "withdrawal"),
            ]
        );
        // Inside a word, or a phrase cut short: nothing.
        assert_eq!(found(&t, "batm cash withdrawals"), []);
        assert_eq!(found(&t, "cash withdrawal"), [(3, "withdrawal")]);
        // Never across the field separator.
        assert_eq!(found(&t, "cash | withdrawal fee"), [(3, "withdrawal")]);
        assert_eq!(found(&t, ""), []);
    }

    #[test]
    fn a_phrase_is_added_once() {
        let mut t = PhraseTableBuilder::default();
        assert!(t.insert("pay pal", 0));
        assert!(!t.insert("pay pal", 1));
        assert_eq!(found(&t, "pay pal"), [(0, "pay pal")]);
    }

    #[test]
    fn edge_phrases_begin_or_end_a_token() {
        let mut t = EdgeTable::default();
        t.insert("gehalt", 0, true, false);
        t.insert("versicherung", 1, false, true);
        t.insert("miete", 2, true, true);
        t.insert("ng ab", 3, false, true);
        let text = "gehaltszahlung kfzversicherung | xgehalt mietezahlung kaltmiete miete ab";
        let (mut tokens, mut hashes) = (Vec::new(), Vec::new());
        split_tokens(text.as_bytes(), &mut tokens, &mut hashes);
        let mut out = Vec::new();
        t.find(text.as_bytes(), &tokens, |id, s, e| {
            out.push((id, &text[s as usize..e as usize], s));
        });
        assert_eq!(
            out,
            [
                (0, "gehalt", 0),
                (1, "versicherung", 18),
                (2, "miete", 41),
                (2, "miete", 58),
                (2, "miete", 64),
            ]
        );
    }

    #[test]
    fn tokens_split_on_single_spaces() {
        let (mut v, mut h) = (Vec::new(), Vec::new());
        split_tokens(b"ab cd | e", &mut v, &mut h);
        assert_eq!(v, [(0, 2), (3, 5), (6, 7), (8, 9)]);
        assert_eq!(h[1], hash_more(HASH_START, b"cd"));
        v.clear();
        h.clear();
        split_tokens(b"", &mut v, &mut h);
        assert!(v.is_empty() && h.is_empty());
    }
}
