//! A map from 64-bit hashes to small values in one open-addressing array.
//!
//! The engine's per-token look-ups (word lists, rule phrases) go through
//! it: a probe reads 16 bytes at the hash's home slot and usually ends
//! there, with no pointer to follow and no key to compare.

/// A map from 64-bit hashes to values (`u32` unless said), in one
/// open-addressing array
/// kept at a load of at most one half, so that a probe for an absent hash
/// usually ends at its first slot. Hashes are stored with bit 0 set (0
/// marks an empty slot): the caller keeps keys that differ only there
/// apart, or accepts them as one.
#[derive(Clone, Debug)]
pub(crate) struct HashSlots<V = u32> {
    /// (hash | 1, value); hash 0 marks an empty slot.
    table: Box<[(u64, V)]>,
    mask: usize,
    len: usize,
}

impl<V: Copy + Default> Default for HashSlots<V> {
    fn default() -> HashSlots<V> {
        HashSlots::with_capacity(0)
    }
}

impl<V: Copy + Default> HashSlots<V> {
    /// An empty map with room for `n` entries before it grows.
    pub(crate) fn with_capacity(n: usize) -> HashSlots<V> {
        let slots = (n * 2).next_power_of_two().max(16);
        // Written out, not zero-allocated: pages the allocator maps lazily
        // as zeros are first read by a probe (mapping the shared zero page)
        // and then written (copying it), two page faults each instead of
        // one, and faults are most of the cost of building a large table.
        let mut table = Vec::with_capacity(slots);
        table.resize(slots, (0u64, V::default()));
        HashSlots { table: table.into_boxed_slice(), mask: slots - 1, len: 0 }
    }

    /// The map of `entries`; of hashes equal but for bit 0, the last wins.
    pub(crate) fn new(
        entries: impl ExactSizeIterator<Item = (u64, V)>,
    ) -> HashSlots<V> {
        let mut map = HashSlots::with_capacity(entries.len());
        for (h, v) in entries {
            *map.entry(h, v) = v;
        }
        map
    }

    /// The value of hash `h`, inserting `v` first when `h` is absent.
    pub(crate) fn entry(&mut self, h: u64, v: V) -> &mut V {
        if (self.len + 1) * 2 > self.table.len() {
            self.grow();
        }
        let h = h | 1;
        let mut i = slot_of(h, self.mask);
        while self.table[i].0 != 0 && self.table[i].0 != h {
            i = (i + 1) & self.mask;
        }
        if self.table[i].0 == 0 {
            self.table[i] = (h, v);
            self.len += 1;
        }
        &mut self.table[i].1
    }

    fn grow(&mut self) {
        let old = std::mem::replace(
            self,
            HashSlots::with_capacity(self.table.len()),
        );
        for (h, v) in old.iter() {
            self.entry(h, v);
        }
    }

    /// The number of entries.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Every entry, as (hash with bit 0 set, value), in no set order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u64, V)> + '_ {
        self.table.iter().copied().filter(|s| s.0 != 0)
    }

    /// The value of hash `h` (bit 0 ignored).
    #[inline]
    pub(crate) fn get(&self, h: u64) -> Option<V> {
        let h = h | 1;
        let mut i = slot_of(h, self.mask);
        loop {
            let (sh, v) = self.table[i];
            if sh == h {
                return Some(v);
            }
            if sh == 0 {
                return None;
            }
            i = (i + 1) & self.mask;
        }
    }
}

fn slot_of(h: u64, mask: usize) -> usize {
    // FNV's low bits are weak: take the high bits of a multiplied hash.
    (h.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize & mask
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_grow_and_are_found() {
        let mut map = HashSlots::default();
        for k in 0..10_000u64 {
            // Spread keys that differ in bit 0 only are one key.
            *map.entry(k << 1, k as u32) += 0;
        }
        assert_eq!(map.len, 10_000);
        for k in 0..10_000u64 {
            assert_eq!(map.get(k << 1), Some(k as u32));
            assert_eq!(map.get((k << 1) | 1), Some(k as u32));
        }
        assert_eq!(map.get(20_000 << 1), None);
        // An existing entry is kept, and its value can be changed.
        assert_eq!(*map.entry(6, 99), 3);
        *map.entry(6, 99) = 7;
        assert_eq!(map.get(6), Some(7));
        assert_eq!(map.len, 10_000);
        let mut all: Vec<(u64, u32)> = map.iter().collect();
        all.sort();
        assert_eq!(all.len(), 10_000);
        assert_eq!(all[..2], [(1, 0), (3, 1)], "hashes come with bit 0 set");
    }

    #[test]
    fn last_of_equal_hashes_wins_in_new() {
        let map = HashSlots::new([(4u64, 1u64), (5, 2), (8, 3)].into_iter());
        assert_eq!(map.len, 2);
        assert_eq!(map.get(4), Some(2));
        assert_eq!(map.get(8), Some(3));
        assert_eq!(map.get(12), None);
    }
}
