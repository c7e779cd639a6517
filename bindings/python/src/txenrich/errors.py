"""Exceptions: one class per Salt Edge error class, and the status codes.

Every failure of the library carries a Salt Edge error class
(`WrongRequestFormat`, `BatchSizeLimitExceeded`, ...); it is raised as the
exception class of that name, a subclass of :class:`TxenrichError`. The
status numbers of ``include/txenrich.h`` are :class:`Status`; a test keeps
both tables in sync with the header.
"""

from __future__ import annotations

import enum
from typing import Any, Dict, Type


class Status(enum.IntEnum):
    """``txe_status``: the stable outcome numbers of the C ABI."""

    OK = 0
    NULL_ARGUMENT = 100
    INVALID_UTF8 = 101
    INVALID_ARGUMENT = 102
    WRONG_REQUEST_FORMAT = 200
    JSON_PARSE_ERROR = 201
    BATCH_SIZE_LIMIT_EXCEEDED = 202
    INVALID_FROM_DATE = 203
    INVALID_TO_DATE = 204
    DATE_OUT_OF_RANGE = 205
    ACCOUNT_NOT_FOUND = 206
    MERCHANT_NOT_FOUND = 207
    VALUE_OUT_OF_RANGE = 208
    DICTIONARY_TRUNCATED = 300
    DICTIONARY_BAD_MAGIC = 301
    DICTIONARY_VERSION = 302
    DICTIONARY_CHECKSUM = 303
    DICTIONARY_CORRUPT = 304
    PANIC = 900
    INTERNAL = 901


class TxenrichError(Exception):
    """A failure of the library.

    Attributes:
        message: what is wrong, naming the field and value at fault.
        error_class: Salt Edge's error class (``"WrongRequestFormat"``...).
        status: the C ABI's status (:class:`Status`, or the raw number).
    """

    error_class: str = "InternalServerError"

    def __init__(self, message: str, *, status: int = Status.INTERNAL,
                 error_class: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        try:
            self.status: int = Status(status)
        except ValueError:
            self.status = status
        if error_class is not None:
            self.error_class = error_class

    def to_json(self) -> Dict[str, Any]:
        """Salt Edge's error object."""
        anchor = "".join(
            ("_" + c.lower()) if c.isupper() and i else c.lower()
            for i, c in enumerate(self.error_class)
        )
        return {
            "error": {
                "class": self.error_class,
                "message": self.message,
                "documentation_url":
                    "https://docs.saltedge.com/data_enrichment/v5/#errors-"
                    + anchor,
            },
            "request": None,
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class WrongRequestFormat(TxenrichError, ValueError):
    """The request is not what was expected: a missing or mistyped field, a
    value outside its domain, a NULL or invalid argument."""

    error_class = "WrongRequestFormat"


class JsonParseError(TxenrichError, ValueError):
    """The request is not JSON."""

    error_class = "JsonParseError"


class BatchSizeLimitExceeded(TxenrichError, ValueError):
    """More than 100 objects in one request."""

    error_class = "BatchSizeLimitExceeded"


class InvalidFromDate(TxenrichError, ValueError):
    """A report's ``from_date`` is missing, invalid or after ``to_date``."""

    error_class = "InvalidFromDate"


class InvalidToDate(TxenrichError, ValueError):
    """A report's ``to_date`` is missing or invalid."""

    error_class = "InvalidToDate"


class DateOutOfRange(TxenrichError, ValueError):
    """A date outside the range the request allows."""

    error_class = "DateOutOfRange"


class AccountNotFound(TxenrichError, LookupError):
    """A transaction names an account the request does not contain."""

    error_class = "AccountNotFound"


class MerchantNotFound(TxenrichError, LookupError):
    """A merchant id is not in the engine's dictionary."""

    error_class = "MerchantNotFound"


class ValueOutOfRange(TxenrichError, ValueError):
    """A value outside the range its field allows."""

    error_class = "ValueOutOfRange"


class InvalidEncoding(TxenrichError, ValueError):
    """Text that is not valid UTF-8."""

    error_class = "InvalidEncoding"


class InternalServerError(TxenrichError, RuntimeError):
    """A failure inside the library (a caught panic, a bug)."""

    error_class = "InternalServerError"


#: The exception class of each Salt Edge error class.
ERROR_CLASSES: Dict[str, Type[TxenrichError]] = {
    cls.error_class: cls
    for cls in (
        WrongRequestFormat,
        JsonParseError,
        BatchSizeLimitExceeded,
        InvalidFromDate,
        InvalidToDate,
        DateOutOfRange,
        AccountNotFound,
        MerchantNotFound,
        ValueOutOfRange,
        InvalidEncoding,
        InternalServerError,
    )
}


def error_for(status: int, error_class: str | None,
              message: str) -> TxenrichError:
    """The exception for a failure: by Salt Edge class, else the base."""
    cls = ERROR_CLASSES.get(error_class or "", TxenrichError)
    return cls(message, status=status, error_class=error_class)
