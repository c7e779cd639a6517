"""The shared case corpus (tests/cases/*.jsonl) through the Python binding,
checked as tests/common/lib.rs checks it for Rust."""

from __future__ import annotations

import json
import unicodedata
from collections import defaultdict
from typing import Any, Dict, List, Optional, Tuple

import txenrich

from conftest import ROOT

SUFFIXES = {
    "ltd", "limited", "plc", "gmbh", "ag", "sa", "sas", "sarl", "srl", "spa",
    "bv", "nv", "inc", "llc", "co", "kg", "oy", "ab", "as", "aps", "sp",
    "zoo", "se", "the",
}


def fold_name(name: str) -> str:
    """As tests/common/lib.rs `fold_name`: accents, case, punctuation and
    `&` folded, legal suffixes dropped."""
    s = "".join(c for c in unicodedata.normalize("NFKD", name)
                if not unicodedata.combining(c))
    s = s.lower().replace("&", " and ").replace("'", "").replace("\u2019", "")
    words = []
    word = []
    for c in s + " ":
        if c.isascii() and c.isalnum():
            word.append(c)
        else:
            if word and "".join(word) not in SUFFIXES:
                words.append("".join(word))
            word = []
    return "".join(words)


def load_cases() -> List[Dict[str, Any]]:
    cases = []
    for path in sorted((ROOT / "tests" / "cases").glob("*.jsonl")):
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if line.strip():
                case = json.loads(line)
                case["_where"] = f"{path.name}:{n}"
                cases.append(case)
    return cases


def check(case: Dict[str, Any], out: Dict[str, Any]) -> Optional[str]:
    """What is wrong with an output, or None (tests/common/lib.rs `check`)."""
    problems = []
    want = case["expect"]
    if out.get("category") != want["category"]:
        problems.append(
            f"category {out.get('category')!r} (expected {want['category']!r})")
    merchant = out.get("merchant")
    names = [n.get("value") for n in (merchant or {}).get("names") or []
             if isinstance(n.get("value"), str)]
    if want.get("merchant") is None:
        if merchant is not None:
            problems.append(f"merchant {names} (expected none)")
    else:
        w = fold_name(want["merchant"])
        if not any(fold_name(n) == w for n in names):
            problems.append(f"merchant {names} (expected {want['merchant']!r})")
        if "merchant_id" in want:
            got = (merchant or {}).get("id")
            if want["merchant_id"] is None and got is not None:
                problems.append(
                    f"merchant id {got!r} (expected a name read from the "
                    "descriptor)")
            elif want["merchant_id"] is not None and got != want["merchant_id"]:
                problems.append(
                    f"merchant id {got!r} (expected {want['merchant_id']!r})")
    return "; ".join(problems) or None


def test_fold_name_matches_the_rust_helper() -> None:
    assert fold_name("Marks & Spencer PLC") == "marksandspencer"
    assert fold_name("Café Nero Ltd.") == "cafenero"
    assert fold_name("McDonald’s") == "mcdonalds"


def test_every_case_of_the_corpus(engine: txenrich.Engine) -> None:
    cases = load_cases()
    assert len(cases) >= 300, f"the corpus has {len(cases)} cases"
    # One enrich call per tree and country option, in batches of any size.
    groups: Dict[Tuple[str, Optional[str]], List[Dict[str, Any]]] = \
        defaultdict(list)
    for case in cases:
        country = (case.get("options") or {}).get("country")
        groups[(case["tree"], country)].append(case)
    failures = []
    for (tree, country), group in groups.items():
        outs = engine.enrich([c["transaction"] for c in group],
                             categorization=tree, country=country)
        assert len(outs) == len(group)
        for case, out in zip(group, outs):
            assert out["id"] == case["id"]
            why = check(case, out)
            if why:
                failures.append(f"{case['id']} ({case['_where']}): {why}\n"
                                f"    {case['transaction']['description']}")
    assert not failures, (f"{len(failures)} of {len(cases)} cases fail:\n"
                          + "\n".join(failures))
