//! The panic boundary, the status codes and the error object.
//!
//! Every exported function runs its body through [`guard`] (fallible
//! functions) or [`guard_or`] (the others): a panic is caught and becomes
//! [`txe_status::Panic`] (or the function's neutral value), never an abort
//! and never an unwind into C. Arguments are read through the helpers
//! here, which turn NULL pointers, over-long lengths and invalid UTF-8 into
//! statuses.

use std::any::Any;
use std::ffi::{CStr, CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;

use txenrich::dict::LoadError;
use txenrich::{Error, ErrorClass};

/// The outcome of a fallible call.
///
/// The numbers are stable: a value keeps its meaning in every later
/// version and a retired value is never reused. They are grouped in
/// ranges: 0 success; 100–199 the arguments of the call itself (a NULL
/// pointer, invalid UTF-8, a value outside its enumeration); 200–299 the
/// request's content, one status per Salt Edge error class; 300–399 a
/// dictionary artifact that cannot be loaded; 900–999 a failure inside the
/// library. Every status except `TXE_STATUS_OK` has a Salt Edge error class
/// (`txe_status_class`); details of one failure are in the `txe_error` the
/// call wrote.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum txe_status {
    /// Success. Every output was written.
    Ok = 0,
    /// A pointer argument that may not be NULL was NULL (or a string's
    /// pointer was NULL with a non-zero length). Class `WrongRequestFormat`.
    NullArgument = 100,
    /// A text argument is not valid UTF-8. Class `InvalidEncoding`.
    InvalidUtf8 = 101,
    /// An argument is outside its domain: an unknown enumeration value, a
    /// length above `PTRDIFF_MAX`, an invalid country code. Class
    /// `WrongRequestFormat`.
    InvalidArgument = 102,
    /// The request is JSON but not what was expected: a missing or
    /// mistyped field, a value outside its domain. Class
    /// `WrongRequestFormat`.
    WrongRequestFormat = 200,
    /// The request is not JSON. Class `JsonParseError`.
    JsonParseError = 201,
    /// More than `TXE_BATCH_LIMIT` objects in one call. Class
    /// `BatchSizeLimitExceeded`.
    BatchSizeLimitExceeded = 202,
    /// A report's `from_date` is missing, invalid or after `to_date`.
    /// Class `InvalidFromDate`.
    InvalidFromDate = 203,
    /// A report's `to_date` is missing or invalid. Class `InvalidToDate`.
    InvalidToDate = 204,
    /// A date outside the range the request allows. Class
    /// `DateOutOfRange`.
    DateOutOfRange = 205,
    /// A transaction names an account the request does not contain. Class
    /// `AccountNotFound`.
    AccountNotFound = 206,
    /// A merchant id is not in the engine's dictionary. Class
    /// `MerchantNotFound`.
    MerchantNotFound = 207,
    /// A value outside the range its field allows. Class
    /// `ValueOutOfRange`.
    ValueOutOfRange = 208,
    /// The dictionary artifact is shorter than its header or than the
    /// lengths it declares. Class `WrongRequestFormat`.
    DictionaryTruncated = 300,
    /// The bytes are not a txenrich dictionary. Class `WrongRequestFormat`.
    DictionaryBadMagic = 301,
    /// The dictionary was compiled for another format version (see
    /// `txe_version`). Class `WrongRequestFormat`.
    DictionaryVersion = 302,
    /// The dictionary does not match its checksum. Class
    /// `WrongRequestFormat`.
    DictionaryChecksum = 303,
    /// The dictionary's checksum matches but its content is inconsistent.
    /// Class `WrongRequestFormat`.
    DictionaryCorrupt = 304,
    /// A panic inside the library was caught at the boundary; nothing was
    /// written. The library stays usable. Class `InternalServerError`.
    Panic = 900,
    /// Any other failure inside the library (a bug). Class
    /// `InternalServerError`.
    Internal = 901,
}

impl txe_status {
    /// Every status, in numeric order.
    pub(crate) const ALL: [txe_status; 20] = [
        txe_status::Ok,
        txe_status::NullArgument,
        txe_status::InvalidUtf8,
        txe_status::InvalidArgument,
        txe_status::WrongRequestFormat,
        txe_status::JsonParseError,
        txe_status::BatchSizeLimitExceeded,
        txe_status::InvalidFromDate,
        txe_status::InvalidToDate,
        txe_status::DateOutOfRange,
        txe_status::AccountNotFound,
        txe_status::MerchantNotFound,
        txe_status::ValueOutOfRange,
        txe_status::DictionaryTruncated,
        txe_status::DictionaryBadMagic,
        txe_status::DictionaryVersion,
        txe_status::DictionaryChecksum,
        txe_status::DictionaryCorrupt,
        txe_status::Panic,
        txe_status::Internal,
    ];

    /// The status for a number, if it is one.
    pub fn from_u32(n: u32) -> Option<txe_status> {
        txe_status::ALL.into_iter().find(|s| *s as u32 == n)
    }

    /// The constant's name in the header, `TXE_STATUS_…`.
    pub fn name(self) -> &'static CStr {
        match self {
            txe_status::Ok => c"TXE_STATUS_OK",
            txe_status::NullArgument => c"TXE_STATUS_NULL_ARGUMENT",
            txe_status::InvalidUtf8 => c"TXE_STATUS_INVALID_UTF8",
            txe_status::InvalidArgument => c"TXE_STATUS_INVALID_ARGUMENT",
            txe_status::WrongRequestFormat => {
                c"TXE_STATUS_WRONG_REQUEST_FORMAT"
            }
            txe_status::JsonParseError => c"TXE_STATUS_JSON_PARSE_ERROR",
            txe_status::BatchSizeLimitExceeded => {
                c"TXE_STATUS_BATCH_SIZE_LIMIT_EXCEEDED"
            }
            txe_status::InvalidFromDate => c"TXE_STATUS_INVALID_FROM_DATE",
            txe_status::InvalidToDate => c"TXE_STATUS_INVALID_TO_DATE",
            txe_status::DateOutOfRange => c"TXE_STATUS_DATE_OUT_OF_RANGE",
            txe_status::AccountNotFound => c"TXE_STATUS_ACCOUNT_NOT_FOUND",
            txe_status::MerchantNotFound => c"TXE_STATUS_MERCHANT_NOT_FOUND",
            txe_status::ValueOutOfRange => c"TXE_STATUS_VALUE_OUT_OF_RANGE",
            txe_status::DictionaryTruncated => {
                c"TXE_STATUS_DICTIONARY_TRUNCATED"
            }
            txe_status::DictionaryBadMagic => {
                c"TXE_STATUS_DICTIONARY_BAD_MAGIC"
            }
            txe_status::DictionaryVersion => c"TXE_STATUS_DICTIONARY_VERSION",
            txe_status::DictionaryChecksum => {
                c"TXE_STATUS_DICTIONARY_CHECKSUM"
            }
            txe_status::DictionaryCorrupt => c"TXE_STATUS_DICTIONARY_CORRUPT",
            txe_status::Panic => c"TXE_STATUS_PANIC",
            txe_status::Internal => c"TXE_STATUS_INTERNAL",
        }
    }

    /// The Salt Edge error class of a failure; `None` for success.
    pub fn class(self) -> Option<&'static CStr> {
        Some(match self {
            txe_status::Ok => return None,
            txe_status::NullArgument
            | txe_status::InvalidArgument
            | txe_status::WrongRequestFormat
            | txe_status::DictionaryTruncated
            | txe_status::DictionaryBadMagic
            | txe_status::DictionaryVersion
            | txe_status::DictionaryChecksum
            | txe_status::DictionaryCorrupt => c"WrongRequestFormat",
            txe_status::InvalidUtf8 => c"InvalidEncoding",
            txe_status::JsonParseError => c"JsonParseError",
            txe_status::BatchSizeLimitExceeded => c"BatchSizeLimitExceeded",
            txe_status::InvalidFromDate => c"InvalidFromDate",
            txe_status::InvalidToDate => c"InvalidToDate",
            txe_status::DateOutOfRange => c"DateOutOfRange",
            txe_status::AccountNotFound => c"AccountNotFound",
            txe_status::MerchantNotFound => c"MerchantNotFound",
            txe_status::ValueOutOfRange => c"ValueOutOfRange",
            txe_status::Panic | txe_status::Internal => c"InternalServerError",
        })
    }

    /// The status of an error of the core library.
    fn of_class(class: ErrorClass) -> txe_status {
        match class {
            ErrorClass::WrongRequestFormat => txe_status::WrongRequestFormat,
            ErrorClass::JsonParseError => txe_status::JsonParseError,
            ErrorClass::BatchSizeLimitExceeded => {
                txe_status::BatchSizeLimitExceeded
            }
            ErrorClass::InvalidFromDate => txe_status::InvalidFromDate,
            ErrorClass::InvalidToDate => txe_status::InvalidToDate,
            ErrorClass::DateOutOfRange => txe_status::DateOutOfRange,
            ErrorClass::AccountNotFound => txe_status::AccountNotFound,
            ErrorClass::MerchantNotFound => txe_status::MerchantNotFound,
            ErrorClass::ValueOutOfRange => txe_status::ValueOutOfRange,
            ErrorClass::InvalidEncoding => txe_status::InvalidUtf8,
            ErrorClass::InternalServerError => txe_status::Internal,
            // A class added to the core later: its own name is kept in the
            // error object; the status says "the request is wrong".
            _ => txe_status::WrongRequestFormat,
        }
    }
}

/// Details of one failure: its status, Salt Edge error class and message.
///
/// Ownership: a fallible function creates one when it fails and its
/// `error` argument is not NULL; the caller owns it and frees it with
/// `txe_error_free`. Thread safety: immutable; may be read from any thread
/// and sent to another.
pub struct txe_error {
    status: txe_status,
    class: CString,
    message: CString,
}

impl txe_error {
    /// The status of the failure.
    pub fn status(&self) -> txe_status {
        self.status
    }

    /// The Salt Edge class.
    pub fn class(&self) -> &str {
        self.class.to_str().unwrap_or("InternalServerError")
    }

    /// The message.
    pub fn message(&self) -> &str {
        self.message.to_str().unwrap_or("")
    }
}

/// A failure inside an exported function, before it becomes a
/// [`txe_error`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Failure {
    status: txe_status,
    class: String,
    message: String,
}

impl Failure {
    /// A failure with the status's class.
    pub(crate) fn new(status: txe_status, message: impl Into<String>) -> Self {
        let class = status
            .class()
            .and_then(|c| c.to_str().ok())
            .unwrap_or("InternalServerError")
            .to_string();
        Failure { status, class, message: message.into() }
    }

    /// `TXE_STATUS_NULL_ARGUMENT` about the argument `what`.
    pub(crate) fn null(what: &str) -> Self {
        Failure::new(
            txe_status::NullArgument,
            format!("{what}: expected a pointer, got NULL"),
        )
    }

    /// `TXE_STATUS_INVALID_ARGUMENT` about the argument `what`.
    pub(crate) fn invalid(what: &str, detail: impl std::fmt::Display) -> Self {
        Failure::new(txe_status::InvalidArgument, format!("{what}: {detail}"))
    }

    /// A failure of the same status and class with the message prefixed.
    pub(crate) fn within(mut self, prefix: &str) -> Self {
        self.message = prefix_message(prefix, &self.message);
        self
    }

    fn panic(payload: Box<dyn Any + Send>) -> Self {
        let what = if let Some(s) = payload.downcast_ref::<&str>() {
            (*s).to_string()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "a panic without a message".to_string()
        };
        // Dropping a payload can itself panic: inside a boundary too (the
        // payload of that second panic is leaked).
        if let Err(again) = catch_unwind(AssertUnwindSafe(|| drop(payload))) {
            std::mem::forget(again);
        }
        Failure::new(
            txe_status::Panic,
            format!(
                "internal error: a panic was caught at the C boundary: {what}"
            ),
        )
    }

    fn into_error(self) -> txe_error {
        txe_error {
            status: self.status,
            class: c_string(self.class),
            message: c_string(self.message),
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure {
            status: txe_status::of_class(e.class()),
            class: e.class().as_str().to_string(),
            message: e.message().to_string(),
        }
    }
}

impl From<LoadError> for Failure {
    fn from(e: LoadError) -> Failure {
        let status = match e {
            LoadError::Truncated { .. } => txe_status::DictionaryTruncated,
            LoadError::BadMagic => txe_status::DictionaryBadMagic,
            LoadError::Version { .. } => txe_status::DictionaryVersion,
            LoadError::Checksum { .. } => txe_status::DictionaryChecksum,
            _ => txe_status::DictionaryCorrupt,
        };
        Failure::new(status, format!("dictionary: {e}"))
    }
}

/// `transactions[3]` + `amount: expected …` → `transactions[3].amount: …`;
/// a message that does not start with a field name gets `prefix: `.
pub(crate) fn prefix_message(prefix: &str, message: &str) -> String {
    let field_len = message
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || b"_.[]".contains(b))
        .count();
    if field_len > 0 && message[field_len..].starts_with(": ") {
        format!("{prefix}.{message}")
    } else {
        format!("{prefix}: {message}")
    }
}

/// A C string of any text: interior NUL bytes become U+FFFD.
fn c_string(s: String) -> CString {
    match CString::new(s) {
        Ok(c) => c,
        Err(e) => {
            let s = String::from_utf8_lossy(&e.into_vec())
                .replace('\0', "\u{fffd}");
            CString::new(s).unwrap_or_default()
        }
    }
}

/// Runs the body of a fallible export: clears `*error`, catches panics,
/// and turns a failure into a status and, when `error` is not NULL, an
/// error object.
///
/// The body must write its outputs only once nothing can fail any more, so
/// that a failure leaves no partial output.
pub(crate) fn guard<F>(error: *mut *mut txe_error, body: F) -> txe_status
where
    F: FnOnce() -> Result<(), Failure>,
{
    if !error.is_null() {
        // SAFETY: the caller passes NULL or a pointer to writable storage.
        unsafe { *error = ptr::null_mut() };
    }
    let outcome = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(r) => r,
        Err(payload) => Err(Failure::panic(payload)),
    };
    match outcome {
        Ok(()) => txe_status::Ok,
        Err(failure) => {
            let status = failure.status;
            if !error.is_null() {
                let boxed = catch_unwind(AssertUnwindSafe(|| {
                    Box::into_raw(Box::new(failure.into_error()))
                }))
                .unwrap_or(ptr::null_mut());
                // SAFETY: as above.
                unsafe { *error = boxed };
            }
            status
        }
    }
}

/// Runs the body of an infallible export: a panic yields `default`.
pub(crate) fn guard_or<T, F>(default: T, body: F) -> T
where
    F: FnOnce() -> T,
{
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(default)
}

/// Frees a `Box` handed out as a raw pointer; NULL is a no-op.
///
/// # Safety
///
/// `p` is NULL or came from `Box::into_raw` and was not freed.
pub(crate) unsafe fn free_box<T>(p: *mut T) {
    if !p.is_null() {
        guard_or((), || {
            // SAFETY: see the function's contract.
            drop(unsafe { Box::from_raw(p) })
        });
    }
}

/// A handle argument that may not be NULL.
///
/// # Safety
///
/// `p` is NULL or points to a live `T`.
pub(crate) unsafe fn handle<'a, T>(
    p: *const T,
    what: &str,
) -> Result<&'a T, Failure> {
    // SAFETY: see the function's contract.
    unsafe { p.as_ref() }.ok_or_else(|| Failure::null(what))
}

/// A mutable handle argument that may not be NULL.
///
/// # Safety
///
/// `p` is NULL or points to a live `T` nobody else uses during the call.
pub(crate) unsafe fn handle_mut<'a, T>(
    p: *mut T,
    what: &str,
) -> Result<&'a mut T, Failure> {
    // SAFETY: see the function's contract.
    unsafe { p.as_mut() }.ok_or_else(|| Failure::null(what))
}

/// An output argument that may not be NULL; the value it points to is
/// reset to `empty` at once, so that a failure leaves no stale output.
///
/// # Safety
///
/// `p` is NULL or points to writable storage for a `T`.
pub(crate) unsafe fn output<'a, T>(
    p: *mut T,
    empty: T,
    what: &str,
) -> Result<&'a mut T, Failure> {
    // SAFETY: see the function's contract.
    let out = unsafe { p.as_mut() }.ok_or_else(|| Failure::null(what))?;
    *out = empty;
    Ok(out)
}

/// Bytes given as `(pointer, length)`; `None` for `(NULL, 0)`.
///
/// # Safety
///
/// A non-NULL `p` points to `len` readable bytes that stay unchanged
/// during the call.
pub(crate) unsafe fn optional_bytes<'a>(
    p: *const u8,
    len: usize,
    what: &str,
) -> Result<Option<&'a [u8]>, Failure> {
    if len > isize::MAX as usize {
        return Err(Failure::invalid(
            what,
            format!("length {len} is larger than PTRDIFF_MAX"),
        ));
    }
    if p.is_null() {
        return if len == 0 {
            Ok(None)
        } else {
            Err(Failure::new(
                txe_status::NullArgument,
                format!("{what}: NULL pointer with length {len}"),
            ))
        };
    }
    // SAFETY: see the function's contract; `len` fits an `isize`.
    Ok(Some(unsafe { std::slice::from_raw_parts(p, len) }))
}

/// Bytes that must be given (the pointer may not be NULL).
///
/// # Safety
///
/// As [`optional_bytes`].
pub(crate) unsafe fn required_bytes<'a>(
    p: *const u8,
    len: usize,
    what: &str,
) -> Result<&'a [u8], Failure> {
    // SAFETY: the same contract.
    unsafe { optional_bytes(p, len, what) }?.ok_or_else(|| Failure::null(what))
}

/// Text as UTF-8 bytes; `what` names it in the error.
pub(crate) fn utf8<'a>(
    bytes: &'a [u8],
    what: &str,
) -> Result<&'a str, Failure> {
    std::str::from_utf8(bytes).map_err(|e| {
        Failure::new(
            txe_status::InvalidUtf8,
            format!("{what}: invalid UTF-8 at byte {}", e.valid_up_to()),
        )
    })
}

/// Text that must be given.
///
/// # Safety
///
/// As [`optional_bytes`].
pub(crate) unsafe fn required_str<'a>(
    p: *const u8,
    len: usize,
    what: &str,
) -> Result<&'a str, Failure> {
    // SAFETY: the same contract.
    utf8(unsafe { required_bytes(p, len, what) }?, what)
}

/// Text that may be absent (`(NULL, 0)`).
///
/// # Safety
///
/// As [`optional_bytes`].
pub(crate) unsafe fn optional_str<'a>(
    p: *const u8,
    len: usize,
    what: &str,
) -> Result<Option<&'a str>, Failure> {
    // SAFETY: the same contract.
    match unsafe { optional_bytes(p, len, what) }? {
        None => Ok(None),
        Some(b) => utf8(b, what).map(Some),
    }
}

/// Returns the status of an error; `TXE_STATUS_OK` for NULL.
///
/// `error` is NULL or an error from this library that was not freed.
/// Thread safety: any thread (errors are immutable).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn txe_error_status(
    error: *const txe_error,
) -> txe_status {
    // SAFETY: see the documented contract.
    guard_or(txe_status::Ok, || match unsafe { error.as_ref() } {
        Some(e) => e.status,
        None => txe_status::Ok,
    })
}

/// Returns the Salt Edge error class of an error (`"WrongRequestFormat"`,
/// `"BatchSizeLimitExceeded"`, …) as a NUL-terminated string; NULL for a
/// NULL error.
///
/// The string belongs to the error and is valid until `txe_error_free`.
/// Thread safety: any thread (errors are immutable).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn txe_error_class(
    error: *const txe_error,
) -> *const c_char {
    // SAFETY: see the documented contract.
    guard_or(ptr::null(), || match unsafe { error.as_ref() } {
        Some(e) => e.class.as_ptr(),
        None => ptr::null(),
    })
}

/// Returns the message of an error as a NUL-terminated UTF-8 string naming
/// the field and value at fault where there is one; NULL for a NULL error.
///
/// The string belongs to the error and is valid until `txe_error_free`.
/// Thread safety: any thread (errors are immutable).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn txe_error_message(
    error: *const txe_error,
) -> *const c_char {
    // SAFETY: see the documented contract.
    guard_or(ptr::null(), || match unsafe { error.as_ref() } {
        Some(e) => e.message.as_ptr(),
        None => ptr::null(),
    })
}

/// Writes the error as Salt Edge's error object,
/// `{"error":{"class","message","documentation_url"},"request":null}`,
/// into a new buffer.
///
/// On success `*json_out` is a NUL-terminated buffer of `*json_len` bytes
/// (the NUL not counted) that the caller frees with `txe_bytes_free`. On
/// failure both are set to NULL and 0. `error` may not be NULL. Thread
/// safety: any thread (errors are immutable).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn txe_error_json(
    error: *const txe_error,
    json_out: *mut *mut u8,
    json_len: *mut usize,
) -> txe_status {
    guard(ptr::null_mut(), || {
        // SAFETY: see the documented contract.
        let out = unsafe { output(json_out, ptr::null_mut(), "json_out") }?;
        // SAFETY: as above.
        let len = unsafe { output(json_len, 0, "json_len") }?;
        // SAFETY: as above.
        let e = unsafe { handle(error, "error") }?;
        let class = ErrorClass::from_name(e.class())
            .map(|c| c.documentation_url())
            .unwrap_or_default();
        let value = serde_json::json!({
            "error": {
                "class": e.class(),
                "message": e.message(),
                "documentation_url": class,
            },
            "request": null,
        });
        let mut buf = crate::bytes::Buffer::new(256);
        serde_json::to_writer(buf.writer(), &value)
            .map_err(|e| Failure::new(txe_status::Internal, e.to_string()))?;
        buf.publish(out, len);
        Ok(())
    })
}

/// Frees an error. NULL is a no-op.
///
/// `error` is NULL or an error from this library that was not freed yet;
/// the strings read from it become invalid. Thread safety: once, from any
/// thread, when no other call reads the error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn txe_error_free(error: *mut txe_error) {
    // SAFETY: see the documented contract.
    unsafe { free_box(error) }
}

/// Returns the name of a status constant (`"TXE_STATUS_NULL_ARGUMENT"`) as
/// a static NUL-terminated string; NULL for a number that is not a status.
///
/// Takes the number as `uint32_t` so that any value may be passed. The
/// string lives for the whole program. Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn txe_status_name(status: u32) -> *const c_char {
    guard_or(ptr::null(), || match txe_status::from_u32(status) {
        Some(s) => s.name().as_ptr(),
        None => ptr::null(),
    })
}

/// Returns the Salt Edge error class of a status as a static NUL-terminated
/// string; NULL for `TXE_STATUS_OK` and for a number that is not a status.
/// The string lives for the whole program. Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn txe_status_class(status: u32) -> *const c_char {
    guard_or(ptr::null(), || {
        match txe_status::from_u32(status).and_then(txe_status::class) {
            Some(c) => c.as_ptr(),
            None => ptr::null(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        body: impl FnOnce() -> Result<(), Failure>,
    ) -> (txe_status, Option<Box<txe_error>>) {
        let mut err: *mut txe_error = ptr::null_mut();
        let status = guard(&mut err, body);
        let err = (!err.is_null()).then(|| unsafe { Box::from_raw(err) });
        (status, err)
    }

    #[test]
    fn success_writes_no_error() {
        let (status, err) = run(|| Ok(()));
        assert_eq!(status, txe_status::Ok);
        assert!(err.is_none());
    }

    #[test]
    fn a_panic_becomes_a_status() {
        let (status, err) = run(|| panic!("boom {}", 42));
        assert_eq!(status, txe_status::Panic);
        let err = err.unwrap();
        assert_eq!(err.class(), "InternalServerError");
        assert!(err.message().contains("boom 42"), "{}", err.message());
        let (status, err) = run(|| std::panic::panic_any(7u8));
        assert_eq!(status, txe_status::Panic);
        assert!(err.unwrap().message().contains("without a message"));
        assert_eq!(guard_or(5, || panic!("x")), 5);
        // A NULL error pointer is fine too.
        assert_eq!(guard(ptr::null_mut(), || panic!("y")), txe_status::Panic);
    }

    #[test]
    fn core_errors_keep_their_class() {
        let (status, err) = run(|| {
            Err(Error::new(ErrorClass::BatchSizeLimitExceeded, "too many")
                .into())
        });
        assert_eq!(status, txe_status::BatchSizeLimitExceeded);
        let err = err.unwrap();
        assert_eq!(err.class(), "BatchSizeLimitExceeded");
        assert_eq!(err.message(), "too many");
        for class in ErrorClass::ALL {
            let s = txe_status::of_class(class);
            let name = s.class().unwrap().to_str().unwrap();
            assert_eq!(name, class.as_str(), "{s:?}");
        }
    }

    #[test]
    fn nul_bytes_in_messages_are_replaced() {
        let (_, err) = run(|| Err(Failure::new(txe_status::Internal, "a\0b")));
        assert_eq!(err.unwrap().message(), "a\u{fffd}b");
    }

    #[test]
    fn arguments_are_checked() {
        unsafe {
            assert_eq!(
                required_bytes(ptr::null(), 0, "x").unwrap_err().status,
                txe_status::NullArgument
            );
            assert_eq!(optional_bytes(ptr::null(), 0, "x").unwrap(), None);
            assert_eq!(
                optional_bytes(ptr::null(), 3, "x").unwrap_err().status,
                txe_status::NullArgument
            );
            let b = [0xffu8, 0xfe];
            let e = required_str(b.as_ptr(), 2, "request").unwrap_err();
            assert_eq!(e.status, txe_status::InvalidUtf8);
            assert_eq!(e.class, "InvalidEncoding");
            assert_eq!(e.message, "request: invalid UTF-8 at byte 0");
            let e = optional_bytes(b.as_ptr(), usize::MAX, "x").unwrap_err();
            assert_eq!(e.status, txe_status::InvalidArgument);
            let ok = "né";
            assert_eq!(
                optional_str(ok.as_ptr(), ok.len(), "x").unwrap(),
                Some("né")
            );
            let mut slot = 7usize;
            assert_eq!(*output(&mut slot, 0, "out").unwrap(), 0);
            assert_eq!(
                output::<usize>(ptr::null_mut(), 0, "out").unwrap_err().status,
                txe_status::NullArgument
            );
        }
    }

    #[test]
    fn messages_are_prefixed_by_field() {
        assert_eq!(
            prefix_message("transactions[2]", "amount: expected a number"),
            "transactions[2].amount: expected a number"
        );
        assert_eq!(
            prefix_message("transactions[2]", "invalid JSON: eof"),
            "transactions[2]: invalid JSON: eof"
        );
        assert_eq!(
            prefix_message(
                "transactions[0]",
                "extra.mcc: expected four digits"
            ),
            "transactions[0].extra.mcc: expected four digits"
        );
    }

    #[test]
    fn status_table_is_consistent() {
        let mut last = None;
        for s in txe_status::ALL {
            let n = s as u32;
            assert!(last.is_none_or(|l| l < n), "ALL is in numeric order");
            last = Some(n);
            assert_eq!(txe_status::from_u32(n), Some(s));
            let name = s.name().to_str().unwrap();
            assert!(name.starts_with("TXE_STATUS_"));
            assert_eq!(s.class().is_none(), s == txe_status::Ok);
            assert_eq!(
                unsafe { CStr::from_ptr(txe_status_name(n)) }
                    .to_str()
                    .unwrap(),
                name
            );
        }
        assert!(txe_status_name(1).is_null());
        assert!(txe_status_class(0).is_null());
        assert!(txe_status_class(12345).is_null());
    }

    #[test]
    fn error_accessors_accept_null() {
        unsafe {
            assert_eq!(txe_error_status(ptr::null()), txe_status::Ok);
            assert!(txe_error_class(ptr::null()).is_null());
            assert!(txe_error_message(ptr::null()).is_null());
            txe_error_free(ptr::null_mut());
            let mut out = ptr::null_mut();
            let mut len = 0;
            assert_eq!(
                txe_error_json(ptr::null(), &mut out, &mut len),
                txe_status::NullArgument
            );
            assert!(out.is_null());
        }
    }

    #[test]
    fn error_json_has_salt_edge_shape() {
        let (_, err) = run(|| {
            Err(Error::new(ErrorClass::MerchantNotFound, "no such id").into())
        });
        let err = Box::into_raw(err.unwrap());
        unsafe {
            let mut out = ptr::null_mut();
            let mut len = 0;
            assert_eq!(
                txe_error_json(err, &mut out, &mut len),
                txe_status::Ok
            );
            let bytes = std::slice::from_raw_parts(out, len);
            let v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
            assert_eq!(v["error"]["class"], "MerchantNotFound");
            assert_eq!(v["error"]["message"], "no such id");
            assert!(
                v["error"]["documentation_url"]
                    .as_str()
                    .unwrap()
                    .ends_with("#errors-merchant_not_found")
            );
            crate::bytes::txe_bytes_free(out);
            txe_error_free(err);
        }
    }
}
