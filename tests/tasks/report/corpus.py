"""A small generated news corpus for the report: three sources over ten days, copies between them.

wire-a publishes nine stories (JSONL records); wire-b republishes six of them word for word, an
abridged seventh and one of its own that names "Donald Trump" as "Trump" only; the seeds come in
as source `files`. Each story names a person, an organization and a place spaCy's small model knows, quotes the person, and has a mood, so
entities, places, quotes and tone all have data. Filler sentences come from a seeded word list,
so different stories share no shingles and never merge.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

from tests.conftest import SEEDS

# number-heavy filler: every 4-word shingle holds a seeded number, so stories never look alike,
# and nothing in it reads as a name to the entity recognizer
FILLER = (
    "Line {} of the ledger showed {} entries against {} a year earlier.",
    "About {} people signed the letter, up from {} in {} weeks.",
    "The figure rose to {} from {} after {} days of counting.",
)
MOODS = {
    "good": "Officials called it a great success and welcomed the progress, praising a wonderful and hopeful agreement.",
    "bad": "Critics called it a terrible failure, warning of deadly violence, painful losses and angry protests.",
}
STORIES = [
    ("Emmanuel Macron", "European Union", "Paris", "good", "We are building a stronger Europe together"),
    ("Angela Merkel", "Bundestag", "Berlin", "good", "Germany will keep its promises to its partners"),
    ("Shinzo Abe", "Toyota", "Tokyo", "bad", "We cannot accept these threats against our people"),
    ("Theresa May", "Bank of England", "London", "bad", "The negotiations have reached a difficult moment"),
    ("Uhuru Kenyatta", "World Health Organization", "Nairobi", "good", "Every child in Kenya deserves this vaccine"),
    ("Narendra Modi", "Reserve Bank of India", "New Delhi", "bad", "Corruption will not be tolerated in this country"),
    ("Malcolm Turnbull", "Qantas", "Sydney", "good", "Australia is open for business and ready to grow"),
    ("Justin Trudeau", "United Nations", "Ottawa", "bad", "Canada will not stay silent about these abuses"),
    ("Donald Trump", "World Bank", "Washington", "good", "We will make a great deal for the American people"),
]
COPIED = (0, 1, 2, 3, 4, 8)  # wire-b copies these word for word
ABRIDGED = 5  # and this one cut to its first paragraphs (a near copy)


def story_record(n: int, url_host: str) -> dict:
    person, org, place, mood, quote = STORIES[n]
    rng = random.Random(n)
    filler = [" ".join(rng.choice(FILLER).format(*(rng.randint(10, 9999) for _ in range(3))) for _ in range(4)) for _ in range(4)]
    paragraphs = [
        f"{person} met officials from the {org} in {place} on Tuesday, and both sides said the talks would continue next month.",
        f"\u201c{quote},\u201d {person} told reporters in {place} after the meeting.",
        MOODS[mood],
        *filler,
    ]
    return {
        "title": f"{person} in {place}: talks with the {org}",
        "url": f"https://{url_host}/2017/12/{n + 1:02d}/story-{n}",
        "published_at": f"2017-12-{n + 1:02d}T09:00:00Z",
        "author": "Staff reporter",
        "body": "\n\n".join(paragraphs),
    }


def surname_only_record() -> dict:
    """A wire-b story of its own that names its person by surname only ("Trump"): the run after
    wire-a's "Donald Trump" story resolves it across articles (entity_names)."""
    rng = random.Random(99)
    filler = [" ".join(rng.choice(FILLER).format(*(rng.randint(10, 9999) for _ in range(3))) for _ in range(4)) for _ in range(4)]
    paragraphs = ["Trump spoke to farmers in Iowa on Friday about the harvest and the price of fuel.",
                  "\u201cThe harvest was very good this year,\u201d Trump told the crowd in Des Moines.", MOODS["good"], *filler]
    return {"title": "Trump in Iowa: a speech to farmers", "url": "https://wire-b.example/2017/12/10/iowa",
            "published_at": "2017-12-10T09:00:00Z", "author": "Staff reporter", "body": "\n\n".join(paragraphs)}


def make_news_corpus(folder: Path) -> dict[str, Path]:
    """Write the three sources' folders under `folder`; returns {source name: folder}."""
    wire_a, wire_b, files = folder / "wire-a", folder / "wire-b", folder / "files"
    for path in (wire_a, wire_b, files):
        path.mkdir(parents=True, exist_ok=True)
    a = [story_record(n, "wire-a.example") for n in range(len(STORIES))]
    (wire_a / "stories.jsonl").write_text("".join(json.dumps(r) + "\n" for r in a), encoding="utf-8")
    b = [{**story_record(n, "wire-b.example")} for n in COPIED]
    abridged = story_record(ABRIDGED, "wire-b.example")
    abridged["body"] = "\n\n".join(abridged["body"].split("\n\n")[:6])
    (wire_b / "stories.jsonl").write_text("".join(json.dumps(r) + "\n" for r in [*b, abridged, surname_only_record()]), encoding="utf-8")
    for seed in SEEDS.iterdir():
        shutil.copy(seed, files / seed.name)
    return {"wire-a": wire_a, "wire-b": wire_b, "files": files}
