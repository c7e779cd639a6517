//! The dictionary artifact's byte layout.
//!
//! ```text
//! offset  size  field
//! 0       8     magic "TXENRICH"
//! 8       4     kind "DICT"
//! 12      4     format version, u32 LE (FORMAT_VERSION)
//! 16      8     payload length, u64 LE
//! 24      4     CRC-32 of the payload, u32 LE
//! 28      4     number of sections, u32 LE
//! 32      …     payload: section table (SECTION_ENTRY bytes per section:
//!               tag u32, reserved u32, offset u64, length u64; offsets are
//!               from the start of the payload), then the sections, each
//!               starting at a multiple of 8
//! ```
//!
//! All integers are little-endian. The format version changes whenever the
//! layout or the meaning of a section changes; it is independent of the
//! crate's version.

use std::fmt;
use std::ops::Range;

/// The artifact's magic bytes.
pub const MAGIC: &[u8; 8] = b"TXENRICH";
/// The artifact kind.
pub const KIND: &[u8; 4] = b"DICT";
/// The layout version this library reads and writes.
pub const FORMAT_VERSION: u32 = 3;
/// Bytes before the payload.
pub const HEADER_LEN: usize = 32;
const SECTION_ENTRY: usize = 24;

/// Section tags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Section {
    /// `fst::Map`: normalized alias → (offset << 8 | count) into CANDIDATES.
    Aliases = 1,
    /// u32 entries: merchant index (low 24 bits) | alias flags (high 8).
    Candidates = 2,
    /// Open-addressing table of the hashes of every alias and every
    /// token-boundary prefix of an alias (see [`KeyTable`]).
    Keys = 3,
    /// Fixed-size merchant records.
    Merchants = 4,
    /// Name records (mode, string).
    Names = 5,
    /// UTF-8 string blob.
    Strings = 6,
    /// Country sets.
    Countries = 7,
    /// Category codes, one per line: `p code` or `b code`.
    Categories = 8,
    /// `fst::Map`: merchant id → merchant index.
    Ids = 9,
    /// Which token starts may begin an alias's second or later token (see
    /// [`Continuations`]).
    Continuations = 10,
}

/// Every section, in the order they are written.
pub const SECTIONS: [Section; 10] = [
    Section::Aliases,
    Section::Candidates,
    Section::Keys,
    Section::Merchants,
    Section::Names,
    Section::Strings,
    Section::Countries,
    Section::Categories,
    Section::Ids,
    Section::Continuations,
];

/// Bytes per merchant record: id, name, website and source strings
/// (offset u32, length u32 each), names start u32 and count u16, flags u8,
/// origin u8, country-set offset u32, four personal and four business
/// category indices (u8, 255 = none).
pub const MERCHANT_RECORD: usize = 4 * 8 + 4 + 2 + 1 + 1 + 4 + 4 + 4;
/// Bytes per name record: mode u8, 3 reserved, offset u32, length u32.
pub const NAME_RECORD: usize = 12;

/// Why an artifact could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoadError {
    /// Shorter than its header or than the lengths it declares.
    Truncated {
        /// Bytes needed.
        needed: u64,
        /// Bytes available.
        got: u64,
    },
    /// Not a txenrich dictionary.
    BadMagic,
    /// A dictionary of another layout version.
    Version {
        /// The version this library reads.
        expected: u32,
        /// The version found.
        got: u32,
    },
    /// The payload does not match its checksum.
    Checksum {
        /// The checksum in the header.
        expected: u32,
        /// The checksum of the bytes.
        got: u32,
    },
    /// The checksum matched but the content is inconsistent.
    Corrupt(String),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Truncated { needed, got } => {
                write!(
                    f,
                    "truncated dictionary: needs {needed} bytes, has {got}"
                )
            }
            LoadError::BadMagic => {
                f.write_str("not a txenrich dictionary (bad magic bytes)")
            }
            LoadError::Version { expected, got } => write!(
                f,
                "unsupported dictionary format version: expected {expected} but found {got} (recompile it with this version of txenrich)"
            ),
            LoadError::Checksum { expected, got } => {
                write!(
                    f,
                    "dictionary checksum mismatch: header says {expected:#010x}, bytes give {got:#010x}"
                )
            }
            LoadError::Corrupt(m) => write!(f, "corrupt dictionary: {m}"),
        }
    }
}

impl std::error::Error for LoadError {}

/// Assembles an artifact from its sections (in [`SECTIONS`] order).
pub fn write(sections: &[(Section, Vec<u8>)]) -> Vec<u8> {
    let table_len = sections.len() * SECTION_ENTRY;
    let mut payload = vec![0u8; table_len];
    for (i, (tag, bytes)) in sections.iter().enumerate() {
        while !payload.len().is_multiple_of(8) {
            payload.push(0);
        }
        let off = payload.len() as u64;
        payload.extend_from_slice(bytes);
        let e = i * SECTION_ENTRY;
        payload[e..e + 4].copy_from_slice(&(*tag as u32).to_le_bytes());
        payload[e + 8..e + 16].copy_from_slice(&off.to_le_bytes());
        payload[e + 16..e + 24]
            .copy_from_slice(&(bytes.len() as u64).to_le_bytes());
    }
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(KIND);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    out.extend_from_slice(&(sections.len() as u32).to_le_bytes());
    out.extend_from_slice(&payload);
    out
}

/// Validates the header and checksum and returns each section's byte range
/// in `bytes`, in [`SECTIONS`] order.
pub fn read(
    bytes: &[u8],
) -> Result<[Range<usize>; SECTIONS.len()], LoadError> {
    if bytes.len() < HEADER_LEN {
        return Err(LoadError::Truncated {
            needed: HEADER_LEN as u64,
            got: bytes.len() as u64,
        });
    }
    if &bytes[0..8] != MAGIC || &bytes[8..12] != KIND {
        return Err(LoadError::BadMagic);
    }
    let version = u32_at(bytes, 12);
    if version != FORMAT_VERSION {
        return Err(LoadError::Version {
            expected: FORMAT_VERSION,
            got: version,
        });
    }
    let payload_len = u64_at(bytes, 16);
    let available = (bytes.len() - HEADER_LEN) as u64;
    if payload_len > available {
        return Err(LoadError::Truncated {
            needed: HEADER_LEN as u64 + payload_len,
            got: bytes.len() as u64,
        });
    }
    let payload = &bytes[HEADER_LEN..HEADER_LEN + payload_len as usize];
    let expected = u32_at(bytes, 24);
    let got = crc32fast::hash(payload);
    if expected != got {
        return Err(LoadError::Checksum { expected, got });
    }
    let count = u32_at(bytes, 28) as usize;
    if count != SECTIONS.len() || count * SECTION_ENTRY > payload.len() {
        return Err(LoadError::Corrupt(format!(
            "expected {} sections, header says {count}",
            SECTIONS.len()
        )));
    }
    let mut ranges: [Range<usize>; SECTIONS.len()] = Default::default();
    for (i, want) in SECTIONS.iter().enumerate() {
        let e = i * SECTION_ENTRY;
        let tag = u32_at(payload, e);
        if tag != *want as u32 {
            return Err(LoadError::Corrupt(format!(
                "section {i} has tag {tag}, expected {}",
                *want as u32
            )));
        }
        let off = u64_at(payload, e + 8);
        let len = u64_at(payload, e + 16);
        let end =
            off.checked_add(len).filter(|&end| end <= payload.len() as u64);
        let Some(end) = end else {
            return Err(LoadError::Corrupt(format!(
                "section {want:?} runs past the payload"
            )));
        };
        if !off.is_multiple_of(8) || off < (count * SECTION_ENTRY) as u64 {
            return Err(LoadError::Corrupt(format!(
                "section {want:?} is misplaced"
            )));
        }
        ranges[i] = HEADER_LEN + off as usize..HEADER_LEN + end as usize;
    }
    Ok(ranges)
}

/// Reads a little-endian u32; the caller guarantees the bounds.
pub(crate) fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut x = [0u8; 4];
    x.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(x)
}

/// Reads a little-endian u64; the caller guarantees the bounds.
pub(crate) fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

/// Reads a little-endian u16; the caller guarantees the bounds.
pub(crate) fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

/// The FNV-1a offset basis: the hash of nothing.
pub const HASH_START: u64 = 0xcbf2_9ce4_8422_2325;

/// Continues an FNV-1a hash over more bytes. Hashing an alias token by
/// token (with `b" "` between tokens) gives the hash of the whole alias.
#[inline]
pub fn hash_more(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A set of bits, one per hash of an alias's first bytes up to one, two
/// or three bytes into its second or a later token: text that sets no bit
/// starts no alias that goes on into such a token. The dictionary walk
/// reads this before it tries to complete a name the card network cut
/// short, which walks the alias map byte by byte. Layout: a power of two
/// of bytes, at least 8, about four bits per hash set.
#[derive(Clone, Copy, Debug)]
pub struct Continuations<'a> {
    bits: &'a [u8],
}

impl<'a> Continuations<'a> {
    /// The section of `aliases`, normalized (tokens split by one space).
    pub fn build<'s>(aliases: impl Iterator<Item = &'s str>) -> Vec<u8> {
        let mut hashes = Vec::new();
        for alias in aliases {
            let alias = alias.as_bytes();
            let starts = alias
                .iter()
                .enumerate()
                .filter(|&(_, &b)| b == b' ')
                .map(|(i, _)| i + 1);
            for start in starts {
                let mut h = hash_more(HASH_START, &alias[..start]);
                for &b in alias[start..].iter().take(3) {
                    if b == b' ' {
                        break;
                    }
                    h = hash_more(h, &[b]);
                    hashes.push(h);
                }
            }
        }
        let bytes = (hashes.len() / 2).next_power_of_two().max(8);
        let mut bits = vec![0u8; bytes];
        for h in hashes {
            let bit = slot_of(h, bytes * 8);
            bits[bit / 8] |= 1 << (bit % 8);
        }
        bits
    }

    /// Reads the section; `None` when its length is not a power of two of
    /// at least 8 bytes.
    pub fn new(bits: &'a [u8]) -> Option<Continuations<'a>> {
        (bits.len().is_power_of_two() && bits.len() >= 8)
            .then_some(Continuations { bits })
    }

    /// False when no alias starts with `before` followed by a token that
    /// starts with `token` (or, for a token longer than three bytes, with
    /// its first three). `before` ends with the space before the token.
    /// True may be a false positive.
    #[inline]
    pub fn may_continue(&self, before: &[u8], token: &[u8]) -> bool {
        if token.is_empty() {
            return false;
        }
        let h = hash_more(HASH_START, before);
        let h = hash_more(h, &token[..token.len().min(3)]);
        let bit = slot_of(h, self.bits.len() * 8);
        self.bits.get(bit / 8).is_some_and(|b| b & (1 << (bit % 8)) != 0)
    }
}

/// Bytes per key-table slot: hash u64, entry u32.
pub const KEY_SLOT: usize = 12;
/// Entry bit: the hashed text is an alias.
pub const KEY_IS_ALIAS: u32 = 1 << 30;
/// Entry bit: the hashed text is an alias's first tokens.
pub const KEY_IS_PREFIX: u32 = 1 << 31;
/// Entry bits of an alias's candidates: count (low 8) and offset (next 22).
pub const KEY_CANDIDATES: u32 = (1 << 30) - 1;

/// The key table: every alias and every prefix of an alias that ends at a
/// token boundary, by hash, so that a descriptor is walked token by token
/// with one probe per token. Layout: slot count u64, then slots of
/// [`KEY_SLOT`] bytes (hash u64, entry u32; hash 0 is an empty slot),
/// placed by `hash * slots >> 64` and linear probing.
#[derive(Clone, Copy, Debug)]
pub struct KeyTable<'a> {
    bytes: &'a [u8],
    slots: usize,
}

impl<'a> KeyTable<'a> {
    /// Builds a table from `(hash, entry)` pairs; entries of one hash are
    /// or-ed together.
    pub fn build(entries: &[(u64, u32)]) -> Vec<u8> {
        let mut merged: Vec<(u64, u32)> =
            entries.iter().map(|&(h, e)| (h | 1, e)).collect();
        merged.sort_unstable_by_key(|&(h, _)| h);
        merged.dedup_by(|b, a| {
            if a.0 == b.0 {
                a.1 |= b.1;
                true
            } else {
                false
            }
        });
        // At most half full: most probes are for tokens that start no
        // alias, and with linear probing such a probe reads about
        // (1 + 1/(1-load)^2)/2 slots, 2.5 here against 5 at two thirds.
        let slots = (merged.len() * 2).max(16);
        let mut table = vec![(0u64, 0u32); slots];
        for (h, e) in merged {
            let mut i = slot_of(h, slots);
            while table[i].0 != 0 {
                i = if i + 1 == slots { 0 } else { i + 1 };
            }
            table[i] = (h, e);
        }
        let mut out = Vec::with_capacity(8 + slots * KEY_SLOT);
        out.extend_from_slice(&(slots as u64).to_le_bytes());
        for (h, e) in table {
            out.extend_from_slice(&h.to_le_bytes());
            out.extend_from_slice(&e.to_le_bytes());
        }
        out
    }

    /// Reads a table, checking its length and that it has an empty slot
    /// (so that every probe ends).
    pub fn new(bytes: &'a [u8]) -> Result<KeyTable<'a>, LoadError> {
        if bytes.len() < 8 {
            return Err(LoadError::Corrupt("key table is too short".into()));
        }
        let slots = u64_at(bytes, 0);
        let ok = slots
            .checked_mul(KEY_SLOT as u64)
            .and_then(|n| n.checked_add(8))
            .is_some_and(|n| n == bytes.len() as u64);
        if !ok || slots == 0 {
            return Err(LoadError::Corrupt(
                "key table has a bad length".into(),
            ));
        }
        let table = KeyTable { bytes, slots: slots as usize };
        if (0..table.slots).all(|i| table.slot(i).0 != 0) {
            return Err(LoadError::Corrupt("key table is full".into()));
        }
        Ok(table)
    }

    /// A table already validated by [`KeyTable::new`]: no scan.
    pub(crate) fn validated(bytes: &'a [u8]) -> KeyTable<'a> {
        let slots =
            if bytes.len() >= 8 { u64_at(bytes, 0) as usize } else { 0 };
        KeyTable { bytes, slots }
    }

    fn slot(&self, i: usize) -> (u64, u32) {
        let at = 8 + i * KEY_SLOT;
        (u64_at(self.bytes, at), u32_at(self.bytes, at + 8))
    }

    /// Every entry, for validation.
    pub fn entries(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.slots).map(|i| self.slot(i)).filter(|s| s.0 != 0).map(|s| s.1)
    }

    /// The entry of a text's hash (as made by [`hash_more`]), 0 when the
    /// text is neither an alias nor an alias's first tokens.
    #[inline]
    pub fn get(&self, h: u64) -> u32 {
        if self.slots == 0 {
            return 0;
        }
        let h = h | 1;
        let mut i = slot_of(h, self.slots);
        loop {
            let (sh, e) = self.slot(i);
            if sh == h {
                return e;
            }
            if sh == 0 {
                return 0;
            }
            i = if i + 1 == self.slots { 0 } else { i + 1 };
        }
    }
}

/// The home slot of a hash. FNV-1a's high bits are weakly mixed, and the
/// multiply-shift reduction reads exactly those, so the hash is finalized
/// first (the 64-bit finalizer of MurmurHash3).
#[inline]
fn slot_of(h: u64, slots: usize) -> usize {
    let mut x = h;
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^= x >> 33;
    ((u128::from(x) * slots as u128) >> 64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let sections: Vec<(Section, Vec<u8>)> = SECTIONS
            .iter()
            .enumerate()
            .map(|(i, s)| (*s, vec![i as u8; i * 3]))
            .collect();
        write(&sections)
    }

    #[test]
    fn continuations_say_where_an_alias_may_go_on() {
        let bytes = Continuations::build(
            ["british heart foundation", "tesco", "mc donalds"].into_iter(),
        );
        let c = Continuations::new(&bytes).unwrap();
        assert!(c.may_continue(b"british heart ", b"foundati"));
        assert!(c.may_continue(b"british heart ", b"fo"));
        assert!(c.may_continue(b"british ", b"heartx"));
        assert!(c.may_continue(b"mc ", b"d"));
        assert!(!c.may_continue(b"british heart ", b"xyz"));
        assert!(!c.may_continue(b"british heart ", b""));
        assert!(!c.may_continue(b"tesco ", b"express"));
        assert!(Continuations::new(&bytes[1..]).is_none());
        assert!(Continuations::new(&[0; 4]).is_none());
    }

    #[test]
    fn round_trip() {
        let bytes = sample();
        let ranges = read(&bytes).unwrap();
        for (i, r) in ranges.iter().enumerate() {
            assert_eq!(&bytes[r.clone()], &vec![i as u8; i * 3][..]);
            assert_eq!((r.start - HEADER_LEN) % 8, 0);
        }
    }

    #[test]
    fn rejects_damage() {
        let bytes = sample();
        assert!(matches!(
            read(&bytes[..10]),
            Err(LoadError::Truncated { .. })
        ));
        assert!(matches!(
            read(&bytes[..bytes.len() - 1]),
            Err(LoadError::Truncated { .. })
        ));
        let mut b = bytes.clone();
        b[0] = b'X';
        assert_eq!(read(&b), Err(LoadError::BadMagic));
        let mut b = bytes.clone();
        b[12] = 99;
        assert_eq!(
            read(&b),
            Err(LoadError::Version { expected: FORMAT_VERSION, got: 99 })
        );
        let mut b = bytes.clone();
        let last = b.len() - 1;
        b[last] ^= 0xff;
        assert!(matches!(read(&b), Err(LoadError::Checksum { .. })));
    }

    #[test]
    fn every_single_byte_flip_is_caught_or_harmless() {
        let bytes = sample();
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x55;
            // Must not panic; almost every flip is an error.
            let _ = read(&b);
        }
    }

    #[test]
    fn key_table() {
        let h = |s: &str| hash_more(HASH_START, s.as_bytes());
        let bytes = KeyTable::build(&[
            (h("tesco"), KEY_IS_ALIAS | 0x105),
            (h("tesco"), KEY_IS_PREFIX),
            (h("tesco stores"), KEY_IS_ALIAS | 0x201),
        ]);
        let t = KeyTable::new(&bytes).unwrap();
        assert_eq!(t.get(h("tesco")), KEY_IS_ALIAS | KEY_IS_PREFIX | 0x105);
        // Token by token gives the same hash as the whole text.
        let stepwise = hash_more(hash_more(h("tesco"), b" "), b"stores");
        assert_eq!(t.get(stepwise), KEY_IS_ALIAS | 0x201);
        assert_eq!(t.get(h("aldi")), 0);
        assert_eq!(t.entries().count(), 2);
        assert!(KeyTable::new(&bytes[..bytes.len() - 1]).is_err());
        // Probes stay short on a realistic table.
        let entries: Vec<(u64, u32)> = (0..50_000)
            .map(|i| (h(&format!("shop {i}")), KEY_IS_ALIAS))
            .collect();
        let bytes = KeyTable::build(&entries);
        let t = KeyTable::new(&bytes).unwrap();
        let longest = (0..t.slots)
            .map(|i| {
                let (sh, _) = t.slot(i);
                if sh == 0 {
                    return 0;
                }
                let home = slot_of(sh, t.slots);
                (i + t.slots - home) % t.slots
            })
            .max()
            .unwrap();
        assert!(longest < 64, "a probe chain of {longest} slots");
        assert!(KeyTable::new(&[]).is_err());
    }
}
