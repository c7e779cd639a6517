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
pub const FORMAT_VERSION: u32 = 1;
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
    /// Open-addressing table of the hashes of the aliases' first tokens.
    FirstTokens = 3,
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
}

/// Every section, in the order they are written.
pub const SECTIONS: [Section; 9] = [
    Section::Aliases,
    Section::Candidates,
    Section::FirstTokens,
    Section::Merchants,
    Section::Names,
    Section::Strings,
    Section::Countries,
    Section::Categories,
    Section::Ids,
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

/// FNV-1a over a token's bytes, never 0 (0 marks an empty slot).
pub(crate) fn token_hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h | 1
}

/// Builds the first-token table: a power-of-two array of hashes, at most
/// half full, preceded by its slot count.
pub(crate) fn build_hash_table(hashes: impl Iterator<Item = u64>) -> Vec<u8> {
    let mut hs: Vec<u64> = hashes.collect();
    hs.sort_unstable();
    hs.dedup();
    let slots = (hs.len() * 2).next_power_of_two().max(16);
    let mut table = vec![0u64; slots];
    let mask = slots - 1;
    for h in hs {
        let mut i = (h as usize) & mask;
        while table[i] != 0 {
            i = (i + 1) & mask;
        }
        table[i] = h;
    }
    let mut out = Vec::with_capacity(8 + slots * 8);
    out.extend_from_slice(&(slots as u64).to_le_bytes());
    for h in table {
        out.extend_from_slice(&h.to_le_bytes());
    }
    out
}

/// Looks a hash up in a table made by [`build_hash_table`]. The table has
/// been validated (power-of-two slot count, right length, not full).
pub(crate) fn hash_table_contains(table: &[u8], h: u64) -> bool {
    let slots = u64_at(table, 0) as usize;
    let mask = slots - 1;
    let mut i = (h as usize) & mask;
    loop {
        let v = u64_at(table, 8 + i * 8);
        if v == h {
            return true;
        }
        if v == 0 {
            return false;
        }
        i = (i + 1) & mask;
    }
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
    fn hash_table() {
        let t = build_hash_table(
            [token_hash(b"tesco"), token_hash(b"aldi"), token_hash(b"tesco")]
                .into_iter(),
        );
        assert!(hash_table_contains(&t, token_hash(b"tesco")));
        assert!(hash_table_contains(&t, token_hash(b"aldi")));
        assert!(!hash_table_contains(&t, token_hash(b"lidl")));
        assert_ne!(token_hash(b""), 0);
    }
}
