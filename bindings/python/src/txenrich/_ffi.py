"""The C ABI through ctypes: loading the library and declaring signatures.

The library is ``libtxenrich_ffi`` next to this module (put there by
``pip install``), or the file named by the ``TXENRICH_LIBRARY``
environment variable. Signatures follow ``include/txenrich.h``.
"""

from __future__ import annotations

import ctypes
import os
import sys
from ctypes import (POINTER, c_char_p, c_int, c_size_t, c_uint32, c_void_p)
from pathlib import Path
from typing import Any, Callable, Optional

from .errors import TxenrichError, error_for

if sys.platform == "darwin":
    _NAME = "libtxenrich_ffi.dylib"
elif sys.platform == "win32":
    _NAME = "txenrich_ffi.dll"
else:
    _NAME = "libtxenrich_ffi.so"


def _load() -> ctypes.CDLL:
    path = os.environ.get("TXENRICH_LIBRARY") or str(
        Path(__file__).with_name(_NAME))
    try:
        return ctypes.CDLL(path)
    except OSError as e:
        raise ImportError(
            f"txenrich: cannot load the library {path}: {e} (install the "
            "package with pip, which builds it, or set TXENRICH_LIBRARY)"
        ) from e


lib = _load()

_p = c_void_p
_pp = POINTER(c_void_p)
_bytes = c_char_p  # const uint8_t *: Python bytes pass without a copy
_out = POINTER(c_void_p)  # uint8_t **
_len = POINTER(c_size_t)

_SIGNATURES = {
    "txe_version": (c_char_p, []),
    "txe_engine_builtin": (c_int, [_pp, _pp]),
    "txe_engine_load": (c_int, [_bytes, c_size_t, _pp, _pp]),
    "txe_engine_free": (None, [_p]),
    "txe_error_status": (c_int, [_p]),
    "txe_error_class": (c_char_p, [_p]),
    "txe_error_message": (c_char_p, [_p]),
    "txe_error_json": (c_int, [_p, _out, _len]),
    "txe_error_free": (None, [_p]),
    "txe_status_name": (c_char_p, [c_uint32]),
    "txe_status_class": (c_char_p, [c_uint32]),
    "txe_bytes_free": (None, [_p]),
    "txe_enrich_json": (c_int, [_p, _p, _bytes, c_size_t, _out, _len, _pp]),
    "txe_merchants_json": (c_int, [_p, _bytes, c_size_t, _out, _len, _pp]),
    "txe_categories_json": (c_int, [_p, c_uint32, _out, _len, _pp]),
    "txe_report_json": (c_int, [_p, _bytes, c_size_t, _out, _len, _pp]),
    "txe_rules_new": (_p, []),
    "txe_rules_from_json": (c_int, [_bytes, c_size_t, _pp, _pp]),
    "txe_rules_to_json": (c_int, [_p, _out, _len, _pp]),
    "txe_rules_learn_json": (c_int, [_p, _bytes, c_size_t, _len, _pp]),
    "txe_rules_free": (None, [_p]),
}

for _name, (_res, _args) in _SIGNATURES.items():
    _fn = getattr(lib, _name)
    _fn.restype = _res
    _fn.argtypes = _args

TREE_ALL = 0
TREE_PERSONAL = 1
TREE_BUSINESS = 2


def check(status: int, err: c_void_p) -> None:
    """Raises the exception for a failed call and frees its error."""
    if status == 0:
        return
    if err.value:
        cls = lib.txe_error_class(err)
        msg = lib.txe_error_message(err)
        lib.txe_error_free(err)
        raise error_for(status, cls.decode() if cls else None,
                        msg.decode("utf-8", "replace") if msg else "")
    cls = lib.txe_status_class(status)
    name = lib.txe_status_name(status)
    raise error_for(status, cls.decode() if cls else None,
                    name.decode() if name else f"status {status}")


def call_bytes(fn: Callable[..., int], *args: Any) -> bytes:
    """Calls a function writing a library-owned buffer and an error;
    returns a copy of the buffer, which is freed."""
    out = c_void_p()
    n = c_size_t()
    err = c_void_p()
    status = fn(*args, ctypes.byref(out), ctypes.byref(n), ctypes.byref(err))
    check(status, err)
    try:
        return ctypes.string_at(out.value, n.value) if out.value else b""
    finally:
        lib.txe_bytes_free(out)


def call_handle(fn: Callable[..., int], *args: Any) -> int:
    """Calls a constructor with an out-pointer and an error; returns the
    handle."""
    out = c_void_p()
    err = c_void_p()
    status = fn(*args, ctypes.byref(out), ctypes.byref(err))
    check(status, err)
    if not out.value:
        raise TxenrichError("the library returned no handle")
    return out.value


def version() -> str:
    v: Optional[bytes] = lib.txe_version()
    return v.decode() if v else ""
