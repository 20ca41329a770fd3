"""How scrapers, wire services and PDF tools break an article: one renderer per rendition.

Each renderer takes a story (title, paragraphs, date, url, authors) and returns the text of one
file. Shared by the labelled dedup set (dedup_corpus.py) and the benchmark corpus (corpus.py).
"""

from __future__ import annotations

import html
import json
import random
import re
import textwrap
from datetime import datetime, timedelta, timezone

SITES = [
    {"name": "The Daily Ledger", "domain": "dailyledger.example", "sections": ["World", "Politics", "Business", "Tech", "Science", "Sport", "Culture", "Opinion"]},
    {"name": "Metro Courier", "domain": "metrocourier.example", "sections": ["News", "Local", "Money", "Health", "Travel", "Weather", "Video"]},
    {"name": "Global Wire Times", "domain": "globalwiretimes.example", "sections": ["Home", "Europe", "Americas", "Asia", "Markets", "Climate", "Podcasts", "Newsletters"]},
]
CITIES = ["LONDON", "PARIS", "BERLIN", "WASHINGTON", "NEW YORK", "TOKYO", "MADRID", "NAIROBI", "SYDNEY", "BRUSSELS"]
AGENCIES = ["Reuters", "AP", "AFP"]
NAMES = ["Anna Keller", "James Ortiz", "Mei Tanaka", "Paul Dubois", "Sara Lindqvist", "Omar Haddad", "Lucy Brennan"]


def _date(story: dict) -> datetime:
    return story["published"] or datetime(2020, 1, 1, tzinfo=timezone.utc)


def _human_date(d: datetime) -> str:
    return f"{d:%B} {d.day}, {d.year}"


def _swap_quotes(text: str) -> str:
    """Curly apostrophes/quotes become straight and straight become curly, as copy-paste does."""
    table = {"’": "'", "‘": "'", "“": '"', "”": '"', "'": "’"}
    return "".join(table.get(ch, ch) for ch in text)


def _wrap(paragraph: str, width: int) -> list[str]:
    return textwrap.wrap(paragraph, width=width, break_long_words=False, break_on_hyphens=False) or [paragraph]


def render_markdown(story: dict, rng: random.Random, other_title: str) -> str:
    paras = []
    for p in story["paragraphs"]:
        words = p.split(" ")
        if len(words) > 12 and rng.random() < 0.4:
            i = rng.randrange(3, len(words) - 3)
            if words[i].isalpha():
                words[i] = f"[{words[i]}](#)"
        paras.append(" ".join(words))
    caption = f"**{' '.join(story['title'].split()[:5])} / {rng.choice(['Reuters', 'Press Service', 'Handout', 'AFP'])}**"
    related = f"**Related article:** [{other_title}](#)"
    body = paras[:2] + [related] + paras[2:] if len(paras) > 2 else paras + [related]
    parts = [f"# {story['title']}", _human_date(_date(story)), caption, *body]
    if story["url"]:
        parts.append(f"Original url: {story['url']}")
    return "\n\n\n".join(parts) + "\n"


def render_wrapped(story: dict, rng: random.Random, other_title: str) -> str:
    """Hard-wrapped copy (~95 columns), quotes swapped, a block of 2–3 URLs pasted mid-sentence."""
    paras = [_swap_quotes(p) for p in story["paragraphs"]]
    long = [i for i, p in enumerate(paras) if len(p.split()) >= 16]
    blocks: list[str] = []
    cut_at = rng.choice(long) if long else None
    for i, p in enumerate(paras):
        if i == cut_at:
            words = p.split(" ")
            k = rng.randrange(6, len(words) - 5)
            urls = [f"https://{rng.choice(SITES)['domain']}/news/{rng.randrange(10**5, 10**6)}-{'-'.join(w.lower() for w in other_title.split()[:5] if w.isalnum())}" for _ in range(rng.randint(2, 3))]
            blocks.append("\n".join(_wrap(" ".join(words[:k]), 95)))
            blocks.append("\n".join(urls) + "\n")
            blocks.append("\n".join(_wrap(" ".join(words[k:]), 95)))
        else:
            blocks.append("\n".join(_wrap(p, 95)))
        if i == 1 and rng.random() < 0.5:
            blocks.append(f"Related article: {_swap_quotes(other_title)}")
    return " " + "\n\n".join(blocks) + "\n"


def _hyphenated_wrap(paragraph: str, width: int, rng: random.Random) -> list[str]:
    """Wrap like a PDF layout engine: long words that do not fit are split with a hyphen."""
    lines: list[str] = []
    line = ""
    for word in paragraph.split():
        candidate = f"{line} {word}" if line else word
        if len(candidate) <= width:
            line = candidate
            continue
        room = width - len(line) - 2
        if word.isalpha() and word.islower() and len(word) >= 7 and room >= 3 and rng.random() < 0.7:
            cut = min(room, len(word) - 3)
            lines.append(f"{line} {word[:cut]}-")
            line = word[cut:]
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def render_pdf(story: dict, rng: random.Random, other_title: str) -> str:
    """pdftotext-style dump: hyphenation at line ends, running header, page numbers, form feeds."""
    site = rng.choice(SITES)
    header = f"{site['name']} | {_human_date(_date(story))}"
    lines = [story["title"], ""]
    for p in story["paragraphs"]:
        lines.extend(_hyphenated_wrap(p, 78, rng))
        lines.append("")
    per_page = rng.randint(30, 45)
    pages = [lines[i : i + per_page] for i in range(0, len(lines), per_page)]
    out = []
    for n, page in enumerate(pages, 1):
        footer = f"Page {n} of {len(pages)}" if rng.random() < 0.5 else str(n)
        out.append("\n".join([header, "", *page, "", footer]))
    return "\f".join(out) + "\n"


def _site_page(site: dict, story: dict, rng: random.Random, paragraphs: list[str], related: list[str], url: str | None) -> str:
    """A heavy news-site page: nav, cookie banner, article, related box, long footer; og/canonical tags."""
    d = _date(story)
    esc = html.escape
    nav = "".join(f'<li><a href="https://{site["domain"]}/{s.lower()}">{s}</a></li>' for s in site["sections"])
    more = "".join(f'<li><a href="https://{site["domain"]}/topic/{t}">{t.title()}</a></li>' for t in ("elections", "climate", "economy", "health", "football", "technology", "travel", "recipes"))
    rel = "".join(f'<li><a href="https://{site["domain"]}/news/{i}"><h3>{esc(t)}</h3></a></li>' for i, t in enumerate(related))
    body = "".join(f"<p>{esc(p)}</p>" for p in paragraphs)
    foot_links = "".join(f'<a href="https://{site["domain"]}/{x}">{x.replace("-", " ").title()}</a> ' for x in ("about-us", "contact", "careers", "advertise", "privacy-policy", "terms-of-use", "cookie-settings", "accessibility", "newsletters", "archive", "rss", "help"))
    canonical = f'<link rel="canonical" href="{esc(url)}"><meta property="og:url" content="{esc(url)}">' if url else ""
    author = rng.choice(NAMES)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{esc(story["title"])} | {site["name"]}</title>
<meta property="og:title" content="{esc(story["title"])}">
<meta property="og:site_name" content="{site["name"]}">
<meta property="og:type" content="article">
<meta property="article:published_time" content="{d.isoformat()}">
<meta name="author" content="{author}">
{canonical}
</head><body>
<div id="cookie-banner" class="cookie-consent"><p>We use cookies and similar technologies to improve your experience, personalise content and ads, and analyse our traffic. By clicking Accept all you agree to the storing of cookies on your device. You can change your preferences at any time in Cookie Settings.</p><button>Accept all</button><button>Manage preferences</button></div>
<header class="site-header"><a class="logo" href="https://{site["domain"]}/">{site["name"]}</a><nav><ul>{nav}</ul></nav>
<div class="breaking">Breaking news, analysis and opinion from around the world, updated around the clock by our newsroom.</div></header>
<nav class="topics"><ul>{more}</ul></nav>
<main><article>
<h1>{esc(story["title"])}</h1>
<div class="byline">By <span class="author">{author}</span> · <time datetime="{d.isoformat()}">{_human_date(d)}</time></div>
{body}
</article>
<aside class="related"><h2>Related stories</h2><ul>{rel}</ul></aside>
<section class="newsletter"><h2>Get the morning briefing</h2><p>Sign up for our free newsletter and get the most important stories of the day delivered to your inbox every morning before seven.</p><form><input type="email"><button>Subscribe</button></form></section>
</main>
<footer><p>{site["name"]} is an independent news organisation. Our journalism is funded by readers and advertisers, and we are committed to accuracy, fairness and transparency in everything we publish.</p>
<p>{foot_links}</p><p>© {d.year} {site["name"]}. All rights reserved. No part of this site may be reproduced without our written permission.</p></footer>
</body></html>
"""


def render_html(story: dict, rng: random.Random, other_title: str) -> str:
    related = [other_title, "Markets close higher as investors weigh earnings", "What to watch this weekend", "Opinion: the week in review"]
    return _site_page(rng.choice(SITES), story, rng, story["paragraphs"], related, story["url"])


def render_wire(story: dict, rng: random.Random, other_title: str) -> str:
    """Wire copy: new dateline, the last 30–40% of paragraphs cut, an agency trailer."""
    paras = story["paragraphs"]
    keep = max(1, round(len(paras) * rng.uniform(0.6, 0.7)))
    kept = list(paras[:keep])
    kept[0] = f"{rng.choice(CITIES)} ({rng.choice(AGENCIES)}) — {kept[0]}"
    a, b = rng.sample(NAMES, 2)
    parts = [story["title"], *kept, f"(Reporting by {a}; Editing by {b})"]
    return "\n\n".join(parts) + "\n"


_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")


def correct(paragraphs: list[str], rng: random.Random) -> list[str]:
    """One sentence changed (a number or a word) and a correction note appended."""
    paras = list(paragraphs)
    i = rng.randrange(len(paras))
    sentences = _SENTENCE.split(paras[i])
    j = rng.randrange(len(sentences))
    s = sentences[j]
    if re.search(r"\d", s):
        s = re.sub(r"\d+", lambda m: str(int(m.group(0)) + rng.randint(1, 9)), s, count=1)
    else:
        words = s.split(" ")
        k = rng.randrange(len(words))
        words[k] = rng.choice(["reportedly", "initially", "later", "officially"]) + " " + words[k]
        s = " ".join(words)
    sentences[j] = s
    paras[i] = " ".join(sentences)
    paras.append("Correction: An earlier version of this article misstated a detail in one paragraph. The text has been updated.")
    return paras


def render_correction(story: dict, rng: random.Random, other_title: str) -> str:
    fixed = {**story, "paragraphs": correct(story["paragraphs"], rng)}
    kind = rng.choice(["json", "markdown", "html"])
    if kind == "json":
        record = {"headline": story["title"], "datePublished": (_date(story) + timedelta(hours=3)).isoformat(),
                  "url": story["url"], "articleBody": "\n\n".join(fixed["paragraphs"])}
        return json.dumps(record, ensure_ascii=False, indent=1) + "\n"
    if kind == "markdown":
        return render_markdown(fixed, rng, other_title)
    return render_html(fixed, rng, other_title)


RENDERERS = {
    "markdown": render_markdown,
    "wrapped": render_wrapped,
    "pdf": render_pdf,
    "html": render_html,
    "wire": render_wire,
    "correction": render_correction,
}
