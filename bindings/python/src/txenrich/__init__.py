"""Offline transaction enrichment in Salt Edge's shape.

``txenrich`` categorizes bank and card transactions into Salt Edge's
personal or business tree, identifies the merchant behind a descriptor,
applies what customers taught it (``categories/learn``) and computes Salt
Edge's Financial Insights report, in-process and without any network call.
It wraps the txenrich C ABI (``include/txenrich.h``).

Example::

    import txenrich

    with txenrich.Engine() as engine:
        [tx] = engine.enrich([{
            "id": "1", "made_on": "2026-03-12", "amount": -23.47,
            "currency_code": "GBP", "description": "TESCO STORES 2345 LONDON GB",
        }])
        print(tx["category"], tx["merchant"]["names"][0]["value"])

Thread safety: an :class:`Engine` may be used from many threads at once
(the library releases the GIL while it works). :class:`Rules` may be read by
many enrichments at once; :meth:`Rules.learn` waits for them and runs
alone. ``close()`` waits for calls in progress.
"""

from __future__ import annotations

import json
import os
import threading
import re
from contextlib import ExitStack, contextmanager
from ctypes import byref, c_size_t, c_void_p
from typing import (Any, Dict, Iterable, Iterator, List, Mapping, Optional,
                    Sequence, TypeVar, Union)

from . import _ffi
from ._ffi import lib
from .errors import (ERROR_CLASSES, AccountNotFound, BatchSizeLimitExceeded,
                     DateOutOfRange, InternalServerError, InvalidEncoding,
                     InvalidFromDate, InvalidToDate, JsonParseError,
                     MerchantNotFound, Status, TxenrichError,
                     ValueOutOfRange, WrongRequestFormat)

__all__ = [
    "Engine",
    "Rules",
    "version",
    "BATCH_LIMIT",
    "Status",
    "TxenrichError",
    "ERROR_CLASSES",
    "WrongRequestFormat",
    "JsonParseError",
    "BatchSizeLimitExceeded",
    "InvalidFromDate",
    "InvalidToDate",
    "DateOutOfRange",
    "AccountNotFound",
    "MerchantNotFound",
    "ValueOutOfRange",
    "InvalidEncoding",
    "InternalServerError",
]

__version__ = "0.1.0"

#: The most objects one call of the C ABI takes (Salt Edge's limit); the
#: methods here take any number and split them.
BATCH_LIMIT = 100

Transaction = Mapping[str, Any]
PathLike = Union[str, "os.PathLike[str]"]


def version() -> str:
    """The library's version: ``txenrich-ffi/X.Y.Z/core/X.Y.Z/format/N``."""
    return _ffi.version()


_TX_INDEX = re.compile(r"data\.transactions\[(\d+)\]")


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


class _Handle:
    """A C handle shared by threads: calls hold it shared (or exclusive,
    for mutations); ``close`` waits until no call holds it, then frees it."""

    def __init__(self, ptr: int, free: Any, kind: str) -> None:
        self._ptr: Optional[int] = ptr
        self._free = free
        self._kind = kind
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False

    @property
    def closed(self) -> bool:
        return self._ptr is None

    @contextmanager
    def use(self, exclusive: bool = False) -> Iterator[c_void_p]:
        with self._cond:
            while self._writer or (exclusive and self._readers):
                self._cond.wait()
            if self._ptr is None:
                raise ValueError(f"operation on a closed {self._kind}")
            if exclusive:
                self._writer = True
            else:
                self._readers += 1
            ptr = c_void_p(self._ptr)
        try:
            yield ptr
        finally:
            with self._cond:
                if exclusive:
                    self._writer = False
                else:
                    self._readers -= 1
                self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            while self._writer or self._readers:
                self._cond.wait()
            ptr, self._ptr = self._ptr, None
        if ptr is not None:
            self._free(c_void_p(ptr))


_Self = TypeVar("_Self", bound="_Owned")


class _Owned:
    """What owns a library handle: ``close()`` (idempotent, waits for calls
    in progress), ``with`` blocks, and freeing when collected."""

    _handle: _Handle

    def close(self) -> None:
        """Frees the library's object; idempotent. Waits for calls in
        progress."""
        self._handle.close()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._handle.closed

    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        handle = getattr(self, "_handle", None)
        if handle is not None:
            handle.close()


class Rules(_Owned):
    """Customers' learned rules (Salt Edge's ``POST /categories/learn``).

    After a description's category was changed 3 times, or at once with
    ``immediate=True``, that customer's transactions with the same
    description get it. Save them with :meth:`to_json` and read them back
    with :meth:`from_json` (or ``Rules(text)``).
    """

    def __init__(self, json_text: Union[str, bytes, None] = None) -> None:
        if json_text is None:
            ptr = lib.txe_rules_new()
            if not ptr:
                raise InternalServerError("txe_rules_new failed")
        else:
            data = (json_text.encode("utf-8")
                    if isinstance(json_text, str) else bytes(json_text))
            ptr = _ffi.call_handle(lib.txe_rules_from_json, data, len(data))
        self._handle = _Handle(ptr, lib.txe_rules_free, "Rules")

    @classmethod
    def from_json(cls, json_text: Union[str, bytes]) -> "Rules":
        """Reads rules saved by :meth:`to_json`. Invalid rules raise
        (:class:`JsonParseError`, :class:`WrongRequestFormat`)."""
        return cls(json_text)

    def to_json(self) -> str:
        """The rules as JSON text, to keep in a file or a database."""
        with self._handle.use() as ptr:
            return _ffi.call_bytes(lib.txe_rules_to_json, ptr).decode("utf-8")

    def learn(self, customer_id: str,
              transactions: Iterable[Mapping[str, Any]]) -> int:
        """Records a customer's corrections and returns how many.

        Each item is ``{"id", "category_code", "immediate"?, "description"}``:
        the category the user chose for the transaction with that
        description. A code of the tree in use becomes the category; any
        other name is the customer's own category
        (``extra.customer_category_name``). Nothing is learned when any item
        is invalid, however many there are.
        """
        items = list(transactions)
        with self._handle.use(exclusive=True) as ptr:
            if len(items) <= BATCH_LIMIT:
                return self._learn(ptr, customer_id, items)
            # Learn on a copy, then take it: all or nothing.
            copy = Rules(_ffi.call_bytes(lib.txe_rules_to_json, ptr))
            with copy._handle.use(exclusive=True) as cptr:
                total = 0
                for i in range(0, len(items), BATCH_LIMIT):
                    total += self._learn(cptr, customer_id,
                                         items[i:i + BATCH_LIMIT])
                data = _ffi.call_bytes(lib.txe_rules_to_json, cptr)
            copy.close()
            fresh = _ffi.call_handle(lib.txe_rules_from_json, data, len(data))
            lib.txe_rules_free(ptr)
            self._handle._ptr = fresh
            return total

    @staticmethod
    def _learn(ptr: c_void_p, customer_id: str,
               items: Sequence[Mapping[str, Any]]) -> int:
        body = _dumps({"data": {"customer_id": customer_id,
                                "transactions": list(items)}})
        learned = c_size_t()
        err = c_void_p()
        status = lib.txe_rules_learn_json(ptr, body, len(body), byref(learned),
                                          byref(err))
        _ffi.check(status, err)
        return learned.value


class Engine(_Owned):
    """The enrichment engine.

    ``Engine()`` uses the data embedded in the library (built once per
    process, then shared); ``Engine(dictionary=...)`` loads a merchant
    dictionary compiled by ``txenrich compile`` (bytes or a path). Use it
    as a context manager, or call :meth:`close`.
    """

    def __init__(self, dictionary: Union[bytes, PathLike, None] = None
                 ) -> None:
        if dictionary is None:
            ptr = _ffi.call_handle(lib.txe_engine_builtin)
        else:
            if isinstance(dictionary, (bytes, bytearray, memoryview)):
                data = bytes(dictionary)
            else:
                with open(dictionary, "rb") as f:
                    data = f.read()
            ptr = _ffi.call_handle(lib.txe_engine_load, data, len(data))
        self._handle = _Handle(ptr, lib.txe_engine_free, "Engine")

    def enrich(self, transactions: Iterable[Transaction], *,
               categorization: str = "personal",
               customer_id: Optional[str] = None,
               rules: Optional[Rules] = None,
               country: Optional[str] = None) -> List[Dict[str, Any]]:
        """Enriches Salt Edge transactions; returns them in order.

        Each output is the input with every field kept, ``category`` set,
        ``extra.categorization_confidence``, ``extra.merchant_id`` (a
        dictionary merchant), ``extra.customer_category_code``/``_name``
        (a learned rule) and ``merchant``: Salt Edge's merchant record, a
        record with ``"id": None`` for a name read from the descriptor, or
        ``None``.

        Args:
            transactions: any number; sent in batches of 100.
            categorization: ``"personal"``, ``"business"`` or ``"none"``.
            customer_id, rules: apply this customer's learned rules.
            country: the statement's ISO country code, when known.

        Raises:
            WrongRequestFormat: a transaction is invalid (the message names
                its index in the batch and the field); nothing is returned.
        """
        items = list(transactions)
        head: Dict[str, Any] = {"categorization": categorization}
        if customer_id is not None:
            head["customer_id"] = customer_id
        if country is not None:
            head["country"] = country
        out: List[Dict[str, Any]] = []
        with ExitStack() as stack:
            eptr = stack.enter_context(self._handle.use())
            rptr = (stack.enter_context(rules._handle.use())
                    if rules is not None else None)
            for i in range(0, len(items), BATCH_LIMIT):
                body = _dumps({"data": dict(head,
                                            transactions=items[i:i + BATCH_LIMIT])})
                try:
                    text = _ffi.call_bytes(lib.txe_enrich_json, eptr, rptr,
                                           body, len(body))
                except TxenrichError as e:
                    if i:
                        # Index the transaction in the caller's list.
                        e.message = _TX_INDEX.sub(
                            lambda m: f"data.transactions[{i + int(m[1])}]",
                            e.message)
                        e.args = (e.message,)
                    raise
                out.extend(json.loads(text)["data"])
        return out

    def enrich_one(self, transaction: Transaction, **options: Any
                   ) -> Dict[str, Any]:
        """Enriches one transaction (options as :meth:`enrich`)."""
        return self.enrich([transaction], **options)[0]

    def merchants(self, ids: Iterable[str]) -> List[Dict[str, Any]]:
        """Salt Edge's merchant records for ids found in
        ``extra.merchant_id``, in order. An unknown id raises
        :class:`MerchantNotFound`."""
        wanted = list(ids)
        out: List[Dict[str, Any]] = []
        with self._handle.use() as ptr:
            for i in range(0, len(wanted), BATCH_LIMIT):
                body = _dumps({"data": wanted[i:i + BATCH_LIMIT]})
                text = _ffi.call_bytes(lib.txe_merchants_json, ptr, body,
                                       len(body))
                out.extend(json.loads(text)["data"])
        return out

    def merchant(self, merchant_id: str) -> Dict[str, Any]:
        """One merchant record; :class:`MerchantNotFound` if unknown."""
        return self.merchants([merchant_id])[0]

    def categories(self, tree: Optional[str] = None
                   ) -> Dict[str, Dict[str, List[str]]]:
        """Salt Edge's categories: ``{"personal": {parent: [children]},
        "business": {...}}``, or one tree (``"personal"``, ``"business"``).
        """
        code = {None: _ffi.TREE_ALL, "personal": _ffi.TREE_PERSONAL,
                "business": _ffi.TREE_BUSINESS}.get(tree)
        if code is None:
            raise WrongRequestFormat(
                f"tree: expected 'personal', 'business' or None, got {tree!r}",
                status=Status.INVALID_ARGUMENT)
        with self._handle.use() as ptr:
            text = _ffi.call_bytes(lib.txe_categories_json, ptr, code)
        data: Dict[str, Dict[str, List[str]]] = json.loads(text)["data"]
        return data

    def report(self, request: Mapping[str, Any]) -> Dict[str, Any]:
        """Salt Edge's Financial Insights report over a customer's
        accounts and transactions.

        ``request`` is ``{"customer_id", "currency_code", "from_date",
        "to_date", "report_types", "exchange_rates"?, "accounts",
        "transactions"}``; returns the report's ``data`` object (with
        ``result.accounts`` and ``result.accounts_summary``).
        """
        body = _dumps(request)
        with self._handle.use() as ptr:
            text = _ffi.call_bytes(lib.txe_report_json, ptr, body, len(body))
        data: Dict[str, Any] = json.loads(text)["data"]
        return data
