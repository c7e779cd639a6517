"""Enriches the sample statement with the Python binding.

Run (from the repository's root):
    pip install ./bindings/python && python3 examples/python/enrich.py
"""

import json
from pathlib import Path

import txenrich

SAMPLE = Path(__file__).resolve().parent.parent / "transactions.jsonl"


def main() -> None:
    print(txenrich.version())
    lines = [json.loads(l) for l in SAMPLE.read_text("utf-8").splitlines()
             if l.strip()]
    # The sample's last line has a malformed amount on purpose.
    good, bad = lines[:-1], lines[-1]

    with txenrich.Engine() as engine:
        for tx in engine.enrich(good, categorization="personal"):
            merchant = tx["merchant"]
            name = merchant["names"][0]["value"] if merchant else "-"
            print(f'{tx["description"][:44]:44}  {tx["category"]:24}  {name}')

        # Errors are exceptions named after Salt Edge's error classes.
        try:
            engine.enrich([bad])
        except txenrich.WrongRequestFormat as e:
            print(f"{type(e).__name__}: {e.message}")

        # A customer's correction, learned at once.
        rules = txenrich.Rules()
        rules.learn("cust-42", [{"id": good[0]["id"], "immediate": True,
                                 "category_code": "Weekly shop",
                                 "description": good[0]["description"]}])
        [again] = engine.enrich([good[0]], customer_id="cust-42", rules=rules)
        print("learned:", again["extra"]["customer_category_name"])

        # Merchant records by id, and the categories.
        merchant_id = next(t["extra"]["merchant_id"]
                           for t in engine.enrich(good)
                           if "merchant_id" in t.get("extra", {}))
        print(json.dumps(engine.merchant(merchant_id))[:100], "...")
        parents = engine.categories("personal")["personal"]
        print(len(parents), "personal parents:", ", ".join(sorted(parents)[:4]), "...")


if __name__ == "__main__":
    main()
