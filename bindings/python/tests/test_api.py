"""The Python API: engine life cycle, enrichment, merchants, categories,
rules, reports, and errors mapped to exception classes."""

from __future__ import annotations

import gc
import json
import os
import re
import threading
from typing import Any, Dict

import pytest

import txenrich
from txenrich import _ffi
from txenrich.errors import ERROR_CLASSES, Status

from conftest import ROOT


def tx(i: int, description: str = "TESCO STORES 2345 LONDON GB",
       **extra: Any) -> Dict[str, Any]:
    t: Dict[str, Any] = {"id": str(i), "made_on": "2026-03-12",
                         "amount": -23.47, "currency_code": "GBP",
                         "description": description}
    t.update(extra)
    return t


def test_version() -> None:
    v = txenrich.version()
    assert re.fullmatch(r"txenrich-ffi/\d+\.\d+\.\d+/core/\d+\.\d+\.\d+/"
                        r"format/\d+", v), v
    assert v.split("/")[1] == txenrich.__version__
    cargo = (ROOT / "Cargo.toml").read_text()
    assert f'version = "{txenrich.__version__}"' in cargo


def test_enrich_keeps_fields_and_order(engine: txenrich.Engine) -> None:
    txs = [tx(i, custom={"n": i}) for i in range(250)]
    txs[7]["description"] = "SALARY ACME LTD BGC"
    txs[7]["amount"] = 2450.0
    out = engine.enrich(txs)
    assert [t["id"] for t in out] == [str(i) for i in range(250)]
    assert out[0]["custom"] == {"n": 0}
    assert out[0]["category"] == "groceries"
    assert out[0]["merchant"]["id"] == "wd:Q487494"
    assert out[0]["extra"]["merchant_id"] == "wd:Q487494"
    assert 0 < out[0]["extra"]["categorization_confidence"] <= 1
    assert out[7]["category"] == "paycheck" and out[7]["merchant"] is None
    assert engine.enrich([]) == []
    one = engine.enrich_one(tx(1, "TST* BLUE HERON TAVERN PORTLAND OR",
                               currency_code="USD"))
    assert one["merchant"]["id"] is None
    assert one["merchant"]["names"][0]["value"] == "Blue Heron Tavern"


def test_categorization_options(engine: txenrich.Engine) -> None:
    [none] = engine.enrich([tx(1)], categorization="none")
    assert "category" not in none and none["merchant"]["id"] == "wd:Q487494"
    [biz] = engine.enrich([tx(1)], categorization="business", country="GB")
    assert biz["category"] != "groceries"
    with pytest.raises(txenrich.WrongRequestFormat, match="categorization"):
        engine.enrich([tx(1)], categorization="family")
    with pytest.raises(txenrich.WrongRequestFormat, match="country"):
        engine.enrich([tx(1)], country="GBR")


def test_invalid_transaction_names_its_index(engine: txenrich.Engine) -> None:
    txs = [tx(i) for i in range(150)]
    txs[123]["amount"] = "forty"
    with pytest.raises(txenrich.WrongRequestFormat) as e:
        engine.enrich(txs)
    assert e.value.message.startswith("data.transactions[123].amount: ")
    assert e.value.status == Status.WRONG_REQUEST_FORMAT
    assert e.value.error_class == "WrongRequestFormat"
    assert isinstance(e.value, ValueError)
    j = e.value.to_json()
    assert j["error"]["class"] == "WrongRequestFormat"
    assert j["error"]["documentation_url"].endswith(
        "#errors-wrong_request_format")
    with pytest.raises(txenrich.WrongRequestFormat, match="made_on"):
        engine.enrich([tx(1, made_on="12/03/2026")])


def test_merchants_and_categories(engine: txenrich.Engine) -> None:
    [m] = engine.merchants(["wd:Q487494"])
    assert m["id"] == "wd:Q487494"
    assert engine.merchant("wd:Q487494") == m
    assert len(engine.merchants(["wd:Q487494"] * 150)) == 150
    assert engine.merchants([]) == []
    with pytest.raises(txenrich.MerchantNotFound, match="no:such") as e:
        engine.merchants(["wd:Q487494", "no:such"])
    assert isinstance(e.value, LookupError)
    cats = engine.categories()
    assert set(cats) == {"personal", "business"}
    assert "groceries" in cats["personal"]["food_and_dining"]
    assert set(engine.categories("business")) == {"business"}
    with pytest.raises(txenrich.WrongRequestFormat):
        engine.categories("family")


def test_rules_learn_and_apply(engine: txenrich.Engine) -> None:
    with txenrich.Rules() as rules:
        assert rules.learn("c1", [{"id": "1", "category_code": "Weekly shop",
                                   "immediate": True,
                                   "description": "TESCO STORES 9999 LONDON GB"}]) == 1
        [out] = engine.enrich([tx(1)], customer_id="c1", rules=rules)
        assert out["extra"]["customer_category_name"] == "Weekly shop"
        [other] = engine.enrich([tx(1)], customer_id="c2", rules=rules)
        assert "customer_category_name" not in other["extra"]
        saved = rules.to_json()
        assert json.loads(saved)["customers"]["c1"]
        back = txenrich.Rules.from_json(saved)
        assert back.to_json() == saved
        back.close()
        with pytest.raises(txenrich.WrongRequestFormat, match="description"):
            rules.learn("c1", [{"id": "1", "category_code": "gifts"}])
        # All or nothing, however many items.
        items = [{"id": str(i), "category_code": "gifts",
                  "description": f"SHOP {chr(65 + i % 26)}{i}"}
                 for i in range(150)]
        items[140]["description"] = "1234"
        with pytest.raises(txenrich.WrongRequestFormat):
            rules.learn("c3", items)
        assert "c3" not in json.loads(rules.to_json())["customers"]
        items[140]["description"] = "SHOP LAST"
        assert rules.learn("c3", items) == 150
        assert "c3" in json.loads(rules.to_json())["customers"]
    with pytest.raises(txenrich.JsonParseError):
        txenrich.Rules("{")
    with pytest.raises(txenrich.WrongRequestFormat):
        txenrich.Rules('{"version": 2, "customers": {}}')


def test_report(engine: txenrich.Engine) -> None:
    request = {
        "customer_id": "c1", "currency_code": "EUR",
        "from_date": "2024-01-01", "to_date": "2024-03-31",
        "report_types": ["balance", "income", "expense", "savings"],
        "accounts": [{"id": "a1", "name": "Current", "nature": "checking",
                      "balance": 1500, "currency_code": "EUR"}],
        "transactions": [
            {"id": str(i), "account_id": "a1", "made_on": d, "amount": 2000,
             "currency_code": "EUR", "description": "SALARY ACME LTD"}
            for i, d in enumerate(["2024-01-25", "2024-02-23", "2024-03-25"])
        ],
    }
    data = engine.report(request)
    summary = data["result"]["accounts_summary"]
    assert summary["income"]["total"] == 6000.0
    with pytest.raises(txenrich.InvalidFromDate, match="2024-13-01"):
        engine.report(dict(request, from_date="2024-13-01"))
    with pytest.raises(txenrich.InvalidToDate):
        engine.report(dict(request, to_date="soon"))
    bad = dict(request, transactions=[dict(request["transactions"][0],
                                           account_id="a2")])
    with pytest.raises(txenrich.AccountNotFound):
        engine.report(bad)
    with pytest.raises(txenrich.DateOutOfRange):  # more than twenty years
        engine.report(dict(request, from_date="1990-01-01"))


def test_engine_life_cycle() -> None:
    e = txenrich.Engine()
    assert not e.closed
    e.close()
    e.close()  # idempotent
    assert e.closed
    with pytest.raises(ValueError, match="closed"):
        e.enrich([tx(1)])
    with txenrich.Engine() as e2:
        assert e2.enrich([tx(1)])[0]["category"] == "groceries"
    assert e2.closed
    # Dropped without close: freed by the finalizer.
    txenrich.Engine()
    gc.collect()


def test_dictionary_errors_and_load() -> None:
    with pytest.raises(txenrich.WrongRequestFormat) as e:
        txenrich.Engine(dictionary=b"not a dictionary, but long enough to read")
    assert e.value.status == Status.DICTIONARY_BAD_MAGIC
    with pytest.raises(txenrich.WrongRequestFormat) as e:
        txenrich.Engine(dictionary=b"TXE")
    assert e.value.status == Status.DICTIONARY_TRUNCATED
    path = os.environ.get("TXENRICH_TEST_DICTIONARY")
    if not path:
        pytest.skip("TXENRICH_TEST_DICTIONARY is not set (scripts/test sets it)")
    with txenrich.Engine(dictionary=path) as loaded:
        [out] = loaded.enrich([tx(1, "ZYXWV COFFEE LONDON GB")])
        assert out["merchant"]["id"] == "cur:zyxwv"


def test_threads_share_one_engine(engine: txenrich.Engine) -> None:
    txs = [tx(i, d) for i, d in enumerate(
        ["TESCO STORES 2345 LONDON GB", "SALARY ACME LTD BGC",
         "NETFLIX.COM 866-579-7172 CA", "ATM WITHDRAWAL"] * 40)]
    want = engine.enrich(txs)
    errors = []

    def work() -> None:
        try:
            for _ in range(5):
                assert engine.enrich(txs) == want
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_status_table_matches_the_header() -> None:
    header = (ROOT / "include" / "txenrich.h").read_text()
    found = {m[1]: int(m[2]) for m in
             re.finditer(r"\bTXE_STATUS_(\w+) = (\d+)", header)}
    assert found == {s.name: s.value for s in Status}
    for name, number in found.items():
        lib_name = _ffi.lib.txe_status_name(number).decode()
        assert lib_name == "TXE_STATUS_" + name
        cls = _ffi.lib.txe_status_class(number)
        if number == 0:
            assert cls is None
        else:
            assert cls.decode() in ERROR_CLASSES, cls
    # Every exception class is a Salt Edge class some status maps to, and
    # is exported.
    classes = {_ffi.lib.txe_status_class(n).decode()
               for n in found.values() if n}
    assert classes <= set(ERROR_CLASSES)
    for name, cls in ERROR_CLASSES.items():
        assert getattr(txenrich, name) is cls
        assert issubclass(cls, txenrich.TxenrichError)
