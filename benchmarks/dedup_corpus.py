"""Labelled rendition set for dedup: real articles, each rendered the ways scrapers and copies break them.

    .venv/bin/python benchmarks/dedup_corpus.py OUT_DIR [--stories N] [--seed S] [--eval DIR]

Article text comes from ../shared/eval (fundus + scrapinghub ground truth) at run time only: the
publishers own it, so nothing generated here is committed. Every story is rendered in a random
subset of RENDITIONS (some only once) into files with uninformative names (`doc_00042.txt`, …),
so the format must be detected from content. Hard negatives: short different stories inside one
identical heavy page template, and pairs of different articles on the same topic or event.

Writes OUT_DIR/labels.json ({file: cluster}), negatives.json ([{kind, files}]) and
manifest.json ({file: {cluster, rendition}}).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tasks.normalize.dates import parse_iso_datetime  # noqa: E402

from benchmarks.renditions import (  # noqa: E402  (re-exported: corpus.py and the tests import them from here)
    AGENCIES,
    CITIES,
    NAMES,
    RENDERERS,
    SITES,
    _site_page,
    correct,
    render_correction,
    render_html,
    render_markdown,
    render_pdf,
    render_wire,
    render_wrapped,
)


DEFAULT_EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval"
RENDITIONS = ("markdown", "wrapped", "pdf", "html", "wire", "correction")
EXTENSIONS = (".txt", ".txt", ".txt", ".dat", ".html", ".md", "")  # mostly .txt: the name says nothing
MIN_WORDS = 80


# Hand-written hard-negative pairs: two different reports of one event that quote the same statement.
EVENT_PAIRS = [
    (
        ("Harbour Bridge closed after cracks found in main span",
         "City engineers closed the Harbour Bridge to all traffic on Tuesday after a routine inspection found cracks in two steel girders of the main span.\n\n"
         "\"Safety comes first, and the bridge will stay closed until our engineers are certain it can carry traffic again,\" the transport commissioner said at a morning briefing.\n\n"
         "Commuters faced delays of up to an hour as buses were diverted through the tunnel. Ferry operators added extra sailings during the evening rush and said they would keep the timetable until the weekend.\n\n"
         "The bridge, opened in 1962, carries about 80,000 vehicles a day. A full structural survey was ordered last spring after a lorry struck a support pillar."),
        ("Repair bill for Harbour Bridge could top 40 million, council warns",
         "Repairing the Harbour Bridge may cost the city more than 40 million, council finance officers warned on Wednesday, a day after the crossing was shut.\n\n"
         "\"Safety comes first, and the bridge will stay closed until our engineers are certain it can carry traffic again,\" the transport commissioner said at a morning briefing.\n\n"
         "Opposition councillors demanded to know why warnings in last year's maintenance report were not acted on. The report, seen by this newspaper, rated the girders as in poor condition.\n\n"
         "Local shop owners near the northern approach said trade had already fallen sharply, and a business association asked for emergency rate relief while the works continue."),
    ),
    (
        ("Central bank raises rates by half a point to fight inflation",
         "The central bank raised its main interest rate by half a percentage point to 4.5 percent on Thursday, its sharpest increase in two years, as inflation stayed well above target.\n\n"
         "\"We will do what is necessary to bring inflation back to target in a timely manner,\" the governor told reporters after the decision.\n\n"
         "Seven of the nine policy committee members voted for the increase; two preferred a quarter point. Markets had priced in a smaller move, and the currency rose one percent against the dollar.\n\n"
         "Economists said mortgage holders on variable rates would feel the change within weeks."),
        ("Homebuyers and builders brace for higher borrowing costs",
         "Estate agents reported a wave of cancelled viewings on Friday as buyers digested the central bank's latest rate rise and lenders began repricing their mortgage offers.\n\n"
         "\"We will do what is necessary to bring inflation back to target in a timely manner,\" the governor told reporters after the decision.\n\n"
         "Two of the largest building societies withdrew their cheapest fixed-rate deals within hours. A housebuilders' federation said new construction starts were already down by a fifth on last year.\n\n"
         "First-time buyers told this newspaper they were reconsidering plans, while some landlords said they would pass the extra cost on to tenants."),
    ),
    (
        ("Wildfire forces evacuation of three hill villages",
         "Hundreds of residents were evacuated from three hill villages overnight as a wildfire driven by strong winds spread across dry pine forest, regional authorities said on Sunday.\n\n"
         "\"The fire is not under control and the wind is expected to strengthen this afternoon,\" a spokesperson for the regional fire service said.\n\n"
         "Firefighting aircraft from two neighbouring countries joined the effort at dawn. Roads into the valley were closed and a sports hall in the nearest town was turned into a shelter.\n\n"
         "No injuries had been reported by midday, but several barns and holiday homes were destroyed."),
        ("Farmers count losses as fire season starts early",
         "Olive growers and shepherds in the hills are counting their losses after the first major wildfire of the season burned through terraces and grazing land this weekend.\n\n"
         "\"The fire is not under control and the wind is expected to strengthen this afternoon,\" a spokesperson for the regional fire service said.\n\n"
         "Farmers' unions say the fire season now starts a month earlier than it did twenty years ago, and that compensation schemes have not kept pace. Several growers said they had lost trees planted by their grandparents.\n\n"
         "The agriculture ministry promised an assessment of the damage within ten days and said emergency feed would be delivered for livestock."),
    ),
]


# ---------------------------------------------------------------- source articles


def load_articles(eval_dir: Path) -> list[dict]:
    """Real articles (title, date, url, paragraphs) from the eval sets; near-duplicates among them dropped."""
    out: list[dict] = []
    for name in ("fundus", "scrapinghub"):
        path = eval_dir / name / "cases.jsonl"
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            case = json.loads(line)
            paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n|\n", case.get("body") or "") if p.strip()]
            if sum(len(p.split()) for p in paragraphs) < MIN_WORDS:
                continue
            out.append(
                {
                    "id": f"{name}:{case['id']}",
                    "title": case.get("title") or _title_from_url(case.get("url") or ""),
                    "published": parse_iso_datetime(case.get("published")),
                    "url": case.get("url"),
                    "topics": [t.lower() for t in case.get("topics") or []],
                    "country": case.get("country"),
                    "paragraphs": paragraphs,
                }
            )
    if not out:
        raise FileNotFoundError(f"no articles under {eval_dir}: expected fundus/ or scrapinghub/ cases.jsonl")
    return _drop_overlapping(out)


def _title_from_url(url: str) -> str:
    slug = url.rstrip("/").rsplit("/", 1)[-1].split(".")[0]
    words = [w for w in re.split(r"[-_]+", slug) if w.isalpha()]
    return " ".join(words).capitalize() if len(words) >= 3 else "News report"



def _shingles(text: str) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i : i + 4]) for i in range(max(len(words) - 3, 1))}


def _drop_overlapping(articles: list[dict]) -> list[dict]:
    """The eval sets share a few pages; a source article that overlaps another would be a label error."""
    kept: list[dict] = []
    index: dict[str, set[int]] = {}
    sets: list[set[str]] = []
    for art in articles:
        sh = _shingles(" ".join(art["paragraphs"]))
        hits: dict[int, int] = {}
        for s in sh:
            for k in index.get(s, ()):
                hits[k] = hits.get(k, 0) + 1
        if any(n / max(min(len(sh), len(sets[k])), 1) > 0.3 for k, n in hits.items()):
            continue
        for s in sh:
            index.setdefault(s, set()).add(len(kept))
        sets.append(sh)
        kept.append(art)
    return kept


# ---------------------------------------------------------------- renditions




# ---------------------------------------------------------------- the set


def _rendition_subset(rng: random.Random) -> list[str]:
    if rng.random() < 0.12:
        return [rng.choice(RENDITIONS)]  # a singleton story
    return rng.sample(RENDITIONS, rng.randint(2, len(RENDITIONS)))


def _topic_pairs(articles: list[dict], rng: random.Random, limit: int) -> list[tuple[dict, dict]]:
    """Pairs of different real articles sharing a topic tag (same country): same subject, other text."""
    by_topic: dict[tuple, list[dict]] = {}
    for art in articles:
        for topic in art["topics"]:
            by_topic.setdefault((art["country"], topic), []).append(art)
    pairs, used = [], set()
    for key in sorted(by_topic, key=lambda k: (-len(by_topic[k]), k)):
        group = [a for a in by_topic[key] if a["id"] not in used]
        while len(group) >= 2 and len(pairs) < limit:
            a, b = group.pop(), group.pop()
            used.update((a["id"], b["id"]))
            pairs.append((a, b))
    return pairs


def build_corpus(out_dir: Path, stories: int = 300, seed: int = 7, eval_dir: Path = DEFAULT_EVAL) -> dict:
    """Write the labelled set; returns a summary (stories, documents, negatives)."""
    rng = random.Random(seed)
    articles = load_articles(eval_dir)
    rng.shuffle(articles)
    n_template = max(3, stories // 20)
    pairs = _topic_pairs(articles, rng, limit=max(2, stories // 30))
    paired = {a["id"] for p in pairs for a in p}
    rest = [a for a in articles if a["id"] not in paired]
    template_arts, rest = rest[:n_template], rest[n_template:]
    if len(rest) < stories:
        print(f"only {len(rest)} usable articles for {stories} stories; using all", file=sys.stderr)
    positives = rest[:stories]

    out_dir.mkdir(parents=True, exist_ok=True)
    docs: list[tuple[str, str, str]] = []  # (text, cluster, rendition)
    titles = [a["title"] for a in articles]

    def emit(story: dict, cluster: str, renditions: list[str]) -> list[int]:
        start = len(docs)
        for r in renditions:
            other = rng.choice(titles)
            docs.append((RENDERERS[r](story, rng, other), cluster, r))
        return list(range(start, len(docs)))

    for n, art in enumerate(positives):
        idx = emit(art, f"s{n:04d}", _rendition_subset(rng))
        if rng.random() < 0.05:  # a byte-identical copy under another name
            docs.append(docs[rng.choice(idx)][:2] + ("copy",))

    negatives: list[dict] = []
    # (a) short different stories inside one identical heavy template
    site = SITES[0]
    group = []
    for n, art in enumerate(template_arts):
        short = {**art, "paragraphs": art["paragraphs"][: rng.randint(2, 4)], "url": art["url"] if rng.random() < 0.7 else f"https://{site['domain']}/"}
        cluster = f"t{n:03d}"
        group.append(len(docs))
        docs.append((_site_page(site, short, random.Random(0), short["paragraphs"], ["Most read today", "Editor's picks", "Weather outlook"], short["url"]), cluster, "template"))
        if rng.random() < 0.5:
            group.extend(emit(short, cluster, ["wrapped"]))
    negatives.append({"kind": "template", "docs": group})
    # (b) different articles on one topic or event
    written = [({"title": t, "paragraphs": b.split("\n\n"), "published": None, "url": None}) for pair in EVENT_PAIRS for t, b in pair]
    event_pairs = [(written[i], written[i + 1]) for i in range(0, len(written), 2)]
    for n, (a, b) in enumerate(pairs + event_pairs):
        group = []
        for side, art in (("a", a), ("b", b)):
            group.extend(emit(art, f"p{n:03d}{side}", rng.sample(["markdown", "wrapped", "html", "pdf"], rng.randint(1, 2))))
        negatives.append({"kind": "topic" if n < len(pairs) else "event", "docs": group})

    order = list(range(len(docs)))
    rng.shuffle(order)  # file numbers say nothing about the story either
    names: dict[int, str] = {}
    for number, i in enumerate(order):
        names[i] = f"doc_{number:05d}{rng.choice(EXTENSIONS)}"
        (out_dir / names[i]).write_text(docs[i][0], encoding="utf-8")
    labels = {names[i]: docs[i][1] for i in sorted(names, key=names.get)}
    manifest = {names[i]: {"cluster": docs[i][1], "rendition": docs[i][2]} for i in sorted(names, key=names.get)}
    neg_out = [{"kind": g["kind"], "files": sorted(names[i] for i in g["docs"])} for g in negatives]
    (out_dir / "labels.json").write_text(json.dumps(labels, indent=1) + "\n")
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    (out_dir / "negatives.json").write_text(json.dumps(neg_out, indent=1) + "\n")
    return {"stories": len(set(labels.values())), "documents": len(labels), "negative_groups": len(neg_out), "out": str(out_dir)}


LABEL_FILES = {"labels.json", "manifest.json", "negatives.json"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--stories", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="folder with fundus/ and scrapinghub/ (default ../shared/eval)")
    args = parser.parse_args(argv)
    print(json.dumps(build_corpus(args.out_dir, args.stories, args.seed, args.eval)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
