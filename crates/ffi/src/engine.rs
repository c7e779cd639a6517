//! The version and the engine handle.

use std::ffi::{CString, c_char};
use std::ptr;
use std::sync::{Arc, OnceLock};

use txenrich::Engine;
use txenrich::dict::Dictionary;

use crate::boundary::{
    Failure, free_box, guard, guard_or, output, required_bytes, txe_error,
    txe_status,
};

/// The version of the core library this crate is built with. Both crates
/// take the workspace's version (`version.workspace = true`, checked by a
/// test), so this is the crate's own.
const CORE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// `txenrich-ffi/x.y.z/core/x.y.z/format/N`.
pub(crate) fn version_string() -> String {
    format!(
        "txenrich-ffi/{}/core/{}/format/{}",
        env!("CARGO_PKG_VERSION"),
        CORE_VERSION,
        txenrich::dict::format::FORMAT_VERSION
    )
}

/// An enrichment engine: rules, MCC table, word lists and a merchant
/// dictionary, built once.
///
/// Ownership: created by `txe_engine_builtin` or `txe_engine_load`, freed
/// with `txe_engine_free`. Thread safety: immutable; any number of threads
/// may call functions taking a `const txe_engine *` with the same engine at
/// the same time. Free it only when no call using it is running and no
/// result pointing into it (`txe_result` merchant ids and names) is still
/// read.
pub struct txe_engine {
    pub(crate) engine: Engine,
}

/// Returns the library's version as a static NUL-terminated string:
/// `"txenrich-ffi/X.Y.Z/core/X.Y.Z/format/N"`, where `N` is the version of
/// the dictionary format that `txe_engine_load` reads.
///
/// The string lives for the whole program; never free it. Thread safety:
/// any thread, any time.
#[unsafe(no_mangle)]
pub extern "C" fn txe_version() -> *const c_char {
    static VERSION: OnceLock<CString> = OnceLock::new();
    guard_or(ptr::null(), || {
        VERSION
            .get_or_init(|| CString::new(version_string()).unwrap_or_default())
            .as_ptr()
    })
}

/// Creates an engine with the data embedded in the library: the default
/// rules, MCC table, word lists and merchant dictionary.
///
/// The embedded engine is built once per process (about 0.1 s) and shared:
/// every later call is cheap, and each returned handle is freed on its own.
/// On success `*engine_out` is a new engine the caller frees with
/// `txe_engine_free`; on failure it is NULL. `engine_out` may not be NULL.
/// Thread safety: any thread; concurrent first calls build the engine once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn txe_engine_builtin(
    engine_out: *mut *mut txe_engine,
    error: *mut *mut txe_error,
) -> txe_status {
    guard(error, || {
        // SAFETY: the caller passes NULL or writable storage.
        let out =
            unsafe { output(engine_out, ptr::null_mut(), "engine_out") }?;
        let engine = Engine::builtin();
        *out = Box::into_raw(Box::new(txe_engine { engine }));
        Ok(())
    })
}

/// Creates an engine with the default rules and a merchant dictionary
/// compiled by `txenrich compile` (`dictionary`, `dictionary_len` bytes).
///
/// The bytes are validated (magic, format version, checksum, every offset;
/// bad bytes are a status, never a crash) and copied: the caller may free
/// them as soon as the call returns. Building the engine takes about as
/// long as `txe_engine_builtin`'s first call, every time.
///
/// On success `*engine_out` is a new engine the caller frees with
/// `txe_engine_free`; on failure it is NULL and the status is one of
/// `TXE_STATUS_DICTIONARY_*` (or an argument status). `dictionary` and
/// `engine_out` may not be NULL. Thread safety: any thread; the bytes may
/// not change during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn txe_engine_load(
    dictionary: *const u8,
    dictionary_len: usize,
    engine_out: *mut *mut txe_engine,
    error: *mut *mut txe_error,
) -> txe_status {
    guard(error, || {
        // SAFETY: the caller passes NULL or writable storage.
        let out =
            unsafe { output(engine_out, ptr::null_mut(), "engine_out") }?;
        // SAFETY: the caller passes `dictionary_len` readable bytes.
        let bytes = unsafe {
            required_bytes(dictionary, dictionary_len, "dictionary")
        }?;
        let dict = Dictionary::from_bytes(Arc::<[u8]>::from(bytes))?;
        let engine =
            Engine::builder().dictionary(dict).build().map_err(|e| {
                Failure::new(txe_status::Internal, format!("engine: {e}"))
            })?;
        *out = Box::into_raw(Box::new(txe_engine { engine }));
        Ok(())
    })
}

/// Frees an engine. NULL is a no-op.
///
/// `engine` is NULL or an engine of this library not freed yet, that no
/// running call uses. Merchant ids and names that `txe_enrich_batch` wrote
/// into results become invalid. Thread safety: once, from any thread, after
/// every other use of the engine has ended.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn txe_engine_free(engine: *mut txe_engine) {
    // SAFETY: see the documented contract.
    unsafe { free_box(engine) }
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;

    use super::*;
    use crate::boundary::{txe_error_free, txe_error_message};

    #[test]
    fn version_names_all_three() {
        let v = unsafe { CStr::from_ptr(txe_version()) }.to_str().unwrap();
        let parts: Vec<&str> = v.split('/').collect();
        assert_eq!(parts.len(), 6, "{v}");
        assert_eq!(parts[0], "txenrich-ffi");
        assert_eq!(parts[1], env!("CARGO_PKG_VERSION"));
        assert_eq!(parts[2], "core");
        assert_eq!(parts[4], "format");
        assert_eq!(
            parts[5],
            txenrich::dict::format::FORMAT_VERSION.to_string()
        );
    }

    #[test]
    fn core_takes_the_workspace_version() {
        let manifest =
            concat!(env!("CARGO_MANIFEST_DIR"), "/../core/Cargo.toml");
        let text = std::fs::read_to_string(manifest).unwrap();
        assert!(
            text.lines().any(|l| l.trim() == "version.workspace = true"),
            "crates/core no longer takes the workspace version: make CORE_VERSION its own"
        );
    }

    #[test]
    fn builtin_and_null_out() {
        unsafe {
            let mut e = ptr::null_mut();
            assert_eq!(
                txe_engine_builtin(&mut e, ptr::null_mut()),
                txe_status::Ok
            );
            assert!(!e.is_null());
            txe_engine_free(e);
            txe_engine_free(ptr::null_mut());
            let mut err = ptr::null_mut();
            assert_eq!(
                txe_engine_builtin(ptr::null_mut(), &mut err),
                txe_status::NullArgument
            );
            let msg = CStr::from_ptr(txe_error_message(err));
            assert!(msg.to_str().unwrap().starts_with("engine_out"));
            txe_error_free(err);
        }
    }

    #[test]
    fn bad_dictionaries_are_statuses() {
        unsafe {
            let mut e = ptr::dangling_mut::<txe_engine>();
            let junk = b"definitely not a dictionary, but long enough to have a header";
            let s = txe_engine_load(
                junk.as_ptr(),
                junk.len(),
                &mut e,
                ptr::null_mut(),
            );
            assert_eq!(s, txe_status::DictionaryBadMagic);
            assert!(e.is_null(), "no partial output");
            let s = txe_engine_load(junk.as_ptr(), 3, &mut e, ptr::null_mut());
            assert_eq!(s, txe_status::DictionaryTruncated);
            let s = txe_engine_load(ptr::null(), 0, &mut e, ptr::null_mut());
            assert_eq!(s, txe_status::NullArgument);
        }
    }
}
