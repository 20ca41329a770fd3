"""Person-list precision and recall on the hand-labelled sample (persons_sample.jsonl, see README.md).

    .venv/bin/python benchmarks/persons/eval_persons.py WAREHOUSE [WAREHOUSE ...]

For each warehouse built from ../shared/eval pages, two person lists per sampled article:
`mentions` is what the entities table says (label PERSON, its normalized name, as the canned
queries read it before entity_names) and `canonical` is what they read now (entity_names:
canonical name of every mention whose entity is a PERSON). Names match after casefolding and
whitespace/apostrophe folding; a gold person may list spellings ("A|B"), any of which counts.
Micro precision/recall over (article, person) pairs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent / "persons_sample.jsonl"
LISTS = {
    "mentions": "SELECT a.uri, coalesce(e.normalized, e.text) FROM entities e JOIN articles a USING (article_id) "
                "WHERE e.label = 'PERSON'",
    "canonical": "SELECT a.uri, coalesce(n.canonical_name, e.normalized, e.text) FROM entities e JOIN articles a USING (article_id) "
                 "LEFT JOIN entity_names n ON n.label = e.label AND n.name = coalesce(e.normalized, e.text) "
                 "WHERE coalesce(n.entity_label, e.label) = 'PERSON'",
}


def fold(name: str) -> str:
    return " ".join(name.replace("’", "'").split()).casefold()


def score(gold: dict[str, list[list[str]]], predicted: dict[str, set[str]]) -> dict:
    tp_pred = n_pred = found = n_gold = 0
    for path, persons in gold.items():
        names = {fold(n) for n in predicted.get(path, set())}
        spellings = [{fold(a) for a in alts} for alts in persons]
        n_pred += len(names)
        tp_pred += sum(1 for n in names if any(n in s for s in spellings))
        n_gold += len(spellings)
        found += sum(1 for s in spellings if s & names)
    p, r = tp_pred / n_pred if n_pred else 0.0, found / n_gold if n_gold else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0,
            "predicted": n_pred, "gold": n_gold, "articles": len(gold)}


def person_lists(warehouse: str) -> dict[str, dict[str, set[str]]]:
    from warehouse.canned import stand_in_missing_tables
    from warehouse.lake import Warehouse

    con = Warehouse(warehouse).connect()
    out = {}
    for name, sql in LISTS.items():
        stand_in_missing_tables(con, sql)  # a warehouse from before entity_names: canonical = mentions
        lists: dict[str, set[str]] = {}
        for uri, person in con.execute(sql).fetchall():
            if "shared/eval/" in (uri or ""):
                lists.setdefault(uri.split("shared/eval/", 1)[1], set()).add(person)
        out[name] = lists
    return out


def main(warehouses: list[str]) -> None:
    gold = {r["file"]: r["persons"] for r in map(json.loads, SAMPLE.read_text(encoding="utf-8").splitlines())}
    for warehouse in warehouses:
        for name, lists in person_lists(warehouse).items():
            print(json.dumps({"warehouse": warehouse, "list": name, **score(gold, lists)}))


if __name__ == "__main__":
    main(sys.argv[1:])
