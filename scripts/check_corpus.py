#!/usr/bin/env python3
"""Run the shared case corpus (tests/cases/*.jsonl) through the txenrich
command line and list the cases whose category or merchant is not the
expected one. The same checks as tests/corpus.rs, for people tuning data:

  scripts/check_corpus.py [--bin target/release/txenrich] [--data data] [--file local] [-v]

With --data, the engine is built from that directory's sources at start-up,
so data edits take effect without recompiling.
"""
import argparse
import collections
import json
import pathlib
import re
import subprocess
import sys
import unicodedata

ROOT = pathlib.Path(__file__).resolve().parent.parent
SUFFIXES = {"ltd", "limited", "plc", "gmbh", "ag", "sa", "sas", "sarl", "srl", "spa", "bv", "nv", "inc", "llc",
            "co", "kg", "oy", "ab", "as", "aps", "sp", "zoo", "se", "the"}


def fold(name):
    s = unicodedata.normalize("NFKD", name or "")
    s = "".join(c for c in s if not unicodedata.combining(c)).lower().replace("&", " and ")
    s = s.replace("'", "").replace("\u2019", "")
    return "".join(w for w in re.split(r"[^a-z0-9]+", s) if w and w not in SUFFIXES)


def check(case, out):
    problems = []
    exp = case["expect"]
    if out.get("category") != exp["category"]:
        problems.append(f"category {out.get('category')} (expected {exp['category']})")
    m = out.get("merchant")
    names = [n.get("value") for n in (m or {}).get("names", []) if n.get("value")]
    want = exp.get("merchant")
    if want is None and m is not None:
        problems.append(f"merchant {names} (expected none)")
    elif want is not None:
        if not any(fold(n) == fold(want) for n in names):
            problems.append(f"merchant {names} (expected {want!r})")
        if "merchant_id" in exp:
            if exp["merchant_id"] is None and m and m.get("id") is not None:
                problems.append(f"merchant id {m.get('id')} (expected a name read from the descriptor)")
            elif exp["merchant_id"] is not None and (m or {}).get("id") != exp["merchant_id"]:
                problems.append(f"merchant id {(m or {}).get('id')} (expected {exp['merchant_id']})")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=str(ROOT / "target/release/txenrich"))
    ap.add_argument("--data", help="build the engine from this data directory")
    ap.add_argument("--file", help="only files whose name contains this")
    ap.add_argument("-v", action="store_true", help="print each failing case's description")
    a = ap.parse_args()
    cases = []
    for path in sorted((ROOT / "tests/cases").glob("*.jsonl")):
        if a.file and a.file not in path.name:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                c = json.loads(line)
                c["_file"] = path.name
                cases.append(c)
    groups = collections.defaultdict(list)
    for c in cases:
        groups[(c["tree"], (c.get("options") or {}).get("country"))].append(c)
    failures = []
    for (tree, country), group in groups.items():
        cmd = [a.bin, "enrich", "--categorization", tree]
        if country:
            cmd += ["--country", country]
        if a.data:
            cmd += ["--data", a.data]
        inp = "".join(json.dumps(c["transaction"], ensure_ascii=False) + "\n" for c in group)
        res = subprocess.run(cmd, input=inp, capture_output=True, text=True)
        outs = [json.loads(l) for l in res.stdout.splitlines()]
        if len(outs) != len(group):
            sys.exit(f"{cmd}: {len(outs)} lines out for {len(group)} in\n{res.stderr}")
        for c, o in zip(group, outs):
            p = check(c, o)
            if p:
                failures.append((c, p))
    by_file = collections.Counter(c["_file"] for c, _ in failures)
    for c, p in failures:
        print(f"{c['id']} ({c['_file']}): {'; '.join(p)}")
        if a.v:
            print(f"    {c['transaction']['description']!r} {json.dumps(c['transaction'].get('extra', {}), ensure_ascii=False)}")
    print(f"{len(failures)} of {len(cases)} cases fail: " + ", ".join(f"{f} {n}" for f, n in sorted(by_file.items())))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
