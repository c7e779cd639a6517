//! Library-owned output buffers: `uint8_t *` + length, NUL-terminated,
//! freed with [`txe_bytes_free`].
//!
//! A buffer is a `Vec<u8>` whose first [`HEADER`] bytes record its length
//! and capacity, so that `txe_bytes_free` needs only the pointer the caller
//! got, which points just past the header.

use std::mem::ManuallyDrop;
use std::ptr;

use crate::boundary::guard_or;

/// Bytes in front of the data: length and capacity, as `u64`.
const HEADER: usize = 16;

/// An output buffer being written.
pub(crate) struct Buffer {
    bytes: Vec<u8>,
}

impl Buffer {
    /// An empty buffer with room for `capacity` bytes of data.
    pub(crate) fn new(capacity: usize) -> Buffer {
        let mut bytes = Vec::with_capacity(HEADER + capacity + 1);
        bytes.extend_from_slice(&[0; HEADER]);
        Buffer { bytes }
    }

    /// Appends bytes.
    pub(crate) fn extend(&mut self, data: &[u8]) {
        self.bytes.extend_from_slice(data);
    }

    /// An `io::Write` over the buffer.
    pub(crate) fn writer(&mut self) -> &mut Vec<u8> {
        &mut self.bytes
    }

    /// Hands the buffer to the caller: `*out` points to the data, followed
    /// by a NUL byte that `*out_len` does not count.
    pub(crate) fn publish(self, out: &mut *mut u8, out_len: &mut usize) {
        let mut bytes = self.bytes;
        let len = bytes.len() - HEADER;
        bytes.push(0);
        let cap = bytes.capacity();
        bytes[..8].copy_from_slice(&(len as u64).to_ne_bytes());
        bytes[8..HEADER].copy_from_slice(&(cap as u64).to_ne_bytes());
        let mut bytes = ManuallyDrop::new(bytes);
        // SAFETY: the vector holds at least HEADER + 1 bytes.
        *out = unsafe { bytes.as_mut_ptr().add(HEADER) };
        *out_len = len;
    }
}

/// Frees a buffer that a `txe_…_json` function returned. NULL is a no-op.
///
/// `bytes` is NULL or the very pointer a function of this library wrote
/// to a `uint8_t **` output, not freed yet. Thread safety: once, from any
/// thread, when nothing else reads the buffer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn txe_bytes_free(bytes: *mut u8) {
    if bytes.is_null() {
        return;
    }
    guard_or((), || {
        // SAFETY: per the contract, `bytes` is HEADER bytes into a vector
        // published by `Buffer::publish`, whose header records its length
        // and capacity.
        unsafe {
            let base = bytes.sub(HEADER);
            let mut len = [0u8; 8];
            let mut cap = [0u8; 8];
            ptr::copy_nonoverlapping(base, len.as_mut_ptr(), 8);
            ptr::copy_nonoverlapping(base.add(8), cap.as_mut_ptr(), 8);
            let len = u64::from_ne_bytes(len) as usize;
            let cap = u64::from_ne_bytes(cap) as usize;
            drop(Vec::from_raw_parts(base, HEADER + len + 1, cap));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for text in ["", "x", "{\"data\":[]}"] {
            let mut b = Buffer::new(1);
            b.extend(text.as_bytes());
            let mut out = ptr::null_mut();
            let mut len = 99;
            b.publish(&mut out, &mut len);
            assert_eq!(len, text.len());
            let got = unsafe { std::slice::from_raw_parts(out, len + 1) };
            assert_eq!(&got[..len], text.as_bytes());
            assert_eq!(got[len], 0, "NUL-terminated");
            unsafe { txe_bytes_free(out) };
        }
        unsafe { txe_bytes_free(ptr::null_mut()) };
    }
}
