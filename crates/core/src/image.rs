//! A flat little-endian byte form of built tables, so that data prepared
//! at build time is copied in at start-up instead of being built again.
//!
//! The writer appends fixed-width integers and length-prefixed runs; the
//! reader takes them back in the same order and fails, never panics, on
//! bytes that end early or hold a count that does not fit.
//!
//! Only the build script and tests write images, so the library's own
//! build does not use the writing half.

/// Appends `n` as a little-endian `u32`; fails past `u32::MAX`.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn put_u32(out: &mut Vec<u8>, n: usize) {
    let n = u32::try_from(n).expect("an image count fits in 32 bits");
    out.extend_from_slice(&n.to_le_bytes());
}

/// Appends `bytes` after their length.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_u32(out, bytes.len());
    out.extend_from_slice(bytes);
}

/// Appends the count of `values`, then each as a little-endian `u32`.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn put_u32s(
    out: &mut Vec<u8>,
    values: impl ExactSizeIterator<Item = u32>,
) {
    put_u32(out, values.len());
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// Reads back what the `put_` functions wrote, in the same order.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { rest: bytes }
    }

    /// The next `n` bytes.
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.rest.len() {
            return Err(format!(
                "image ends early: {n} bytes wanted, {} left",
                self.rest.len()
            ));
        }
        let (head, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(head)
    }

    pub(crate) fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A count written by [`put_u32`], as a length.
    pub(crate) fn len(&mut self) -> Result<usize, String> {
        self.u32().map(|n| n as usize)
    }

    /// A run written by [`put_bytes`].
    pub(crate) fn bytes(&mut self) -> Result<&'a [u8], String> {
        let n = self.len()?;
        self.take(n)
    }

    /// Values written by [`put_u32s`].
    pub(crate) fn u32s(&mut self) -> Result<Vec<u32>, String> {
        let n = self.len()?;
        let bytes =
            self.take(n.checked_mul(4).ok_or("image count overflows")?)?;
        Ok(bytes
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }

    /// Fails unless every byte was read.
    pub(crate) fn finish(self) -> Result<(), String> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(format!("{} trailing bytes after the image", self.rest.len()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_what_was_written() {
        let mut out = Vec::new();
        put_u32(&mut out, 7);
        put_bytes(&mut out, b"abc");
        put_u32s(&mut out, [1u32, u32::MAX].into_iter());
        let mut r = Reader::new(&out);
        assert_eq!(r.len(), Ok(7));
        assert_eq!(r.bytes(), Ok(&b"abc"[..]));
        assert_eq!(r.u32s(), Ok(vec![1, u32::MAX]));
        r.finish().unwrap();
    }

    #[test]
    fn short_or_long_input_is_an_error() {
        let mut out = Vec::new();
        put_bytes(&mut out, b"abcdef");
        for cut in 0..out.len() {
            let mut r = Reader::new(&out[..cut]);
            assert!(r.bytes().is_err(), "cut at {cut}");
        }
        // A count that cannot be in the bytes left.
        let mut r = Reader::new(&[0xFF, 0xFF, 0xFF, 0xFF]);
        assert!(r.u32s().is_err());
        let mut r = Reader::new(&[1, 0, 0, 0, 9]);
        assert_eq!(r.len(), Ok(1));
        assert!(r.finish().unwrap_err().starts_with("1 trailing"));
    }
}
