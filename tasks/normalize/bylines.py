"""Sorting a byline's names: people, news agencies and organisations or desks; roles and
credentials taken off the people ("Jane Doe, Senior Editor", "Jane Doe, MD, MPH", "신현주 기자").

Agencies ("AP", "Reuters", "dpa", ...) are kept apart from authors (`articles.agencies`): a
wire credit is not a person who wrote the story. An organisation or desk ("n-tv NACHRICHTEN",
"BR24 Redaktion", the site itself) counts only when no person is named. General rules only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tasks.normalize.html_fields import fold, site_like
from tasks.normalize.html_meta import clean_text

_BY = re.compile(
    r"^\s*(?:(?:written|posted|reported|analysis|commentary|opinion|review|story|words)\s+by|text|by|von|par|por|av|af|door|от|автор|autor|autorin|author|reporter)\s*[:\s]\s*",
    re.IGNORECASE,
)
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|\||&|\band\b|\bund\b|\bet\b|\by\b|\be\b|\bog\b|\boch\b|\ben\b)\s*", re.IGNORECASE)
# URLs, e-mails, times and dates, photo credits "(Image: ...)", profile slugs "jane-doe"
_NOT_A_NAME = re.compile(r"https?://|www\.|@|\d|^[\W_]+$|^\(|:|^[a-z]+(?:-[a-z]+)+$")

# news agencies by the names bylines use (casefolded); "AP" alone is the Associated Press
AGENCIES = frozenset(
    {
        "ap", "associated press", "the associated press", "reuters", "thomson reuters", "afp", "agence france-presse",
        "agence france presse", "dpa", "deutsche presse-agentur", "apa", "austria presse agentur", "sda", "keystone-sda",
        "ansa", "efe", "agencia efe", "europa press", "kyodo", "kyodo news", "jiji", "jiji press", "xinhua", "yonhap",
        "pti", "ians", "ani", "upi", "aap", "pa", "pa media", "press association", "tass", "ria novosti", "interfax",
        "anadolu", "anadolu agency", "anadolu ajansı", "aa", "kna", "epd", "anp", "belga", "ntb", "tt", "ritzau", "stt",
        "ctk", "čtk", "pap", "mti", "bernama", "antara", "cna", "central news agency", "lusa", "agência lusa", "ap news",
        "bloomberg", "bloomberg news", "dow jones", "nexstar media wire", "cnn wire", "ips", "sapa", "kyodo/afp",
    }
)
# what a role or a credential after a name looks like ("Editor", "Senior Political Correspondent", "PhD")
_ROLE_WORDS = (
    r"editor|reporter|correspondent|writer|columnist|journalist|contributor|photographer|producer|analyst|"
    r"intern|editor-in-chief|editor-at-large|redakteur(?:in)?|korrespondent(?:in)?|reporterin|autor(?:in)?|correspondant|"
    r"journaliste|rédacteur|rédactrice|corresponsal|periodista|redattore|giornalista|redacteur|verslaggever"
)
_ROLE = re.compile(
    rf"^(?:(?:senior|chief|deputy|associate|assistant|managing|contributing|executive|staff|special|political|"
    rf"business|foreign|sports?|news|digital|online|health|science|economics|technology|legal|education|"
    rf"europe|u\.?s\.?|washington|white house|freelance|guest|investigative|national|local|city|culture|opinion)\s+){{0,3}}(?:{_ROLE_WORDS})s?"
    rf"(?:\s+(?:at large|for [\w .]+|at [\w .]+))?$",
    re.IGNORECASE,
)
_ROLE_WORD = re.compile(rf"^(?:{_ROLE_WORDS})s?$", re.IGNORECASE)
_ACRONYM = re.compile(r"^[A-Z]{2,5}$")
# written as credentials are: case matters ("Ma" and "Do" are names, "MA" and "DO" degrees)
_CREDENTIAL = re.compile(
    r"^(?:PhD|Ph\.\s?D\.?|MD|M\.D\.|DO|D\.O\.|RN|NP|PA-C|MPH|MBA|MS|MSc|M\.Sc\.?|MA|BA|BSc|BS|DDS|DMD|DVM|PharmD|"
    r"JD|LLM|CPA|CFA|CFP|RDN?|LCSW|FACS|FACP|FRCP|MRCP|PsyD|EdD|DPhil|MSN|BSN|APRN|CSCS|DPT|MFA|FACHE|MRCGP)$"
)
# CJK role titles written after the name: reporter, correspondent, editorial writer
_CJK_ROLE = re.compile(r"\s*(?:선임기자|객원기자|기자|특파원|논설위원|記者|记者|特派員|特派员|編集委員|通讯员)$")
# words that make a name a desk or an organisation rather than a person
_DESK = re.compile(
    r"(?<!\w)(?:redaktion|redaction|rédaction|redacción|redazione|redactie|redakcja|staff|desk|newsroom|team|news|"
    r"nachrichten|online|editorial|editors|bureau|agency|agencies|agentur|agencia|agence|ajansı|media|press|presse)(?!\w)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Byline:
    people: list[str]
    agencies: list[str]
    organisations: list[str]  # the site, a desk, another organisation


def is_agency(name: str) -> bool:
    return fold(name).strip(" .") in AGENCIES


def is_role(part: str) -> bool:
    """A role or credential on its own ("Senior Editor", "AP Sports Writer", "PhD"): what a split
    byline leaves behind."""
    text = part.strip(" .,;:|()")
    words = text.split()
    if not words or len(words) > 5:
        return False
    if _ROLE.match(text) or _CREDENTIAL.match(text):
        return True
    # an outlet's acronym, then any words, then a role word: "AP Auto Writer", "CNN Editor-at-large"
    return len(words) >= 2 and _ACRONYM.match(words[0]) is not None and _ROLE_WORD.match(words[-1]) is not None


def strip_role(name: str) -> str:
    """"Jane Doe, Senior Editor" / "Jane Doe (Reporter)" / "Jane Doe MD" / "신현주 기자" -> the name."""
    name = _CJK_ROLE.sub("", name.strip()) or name
    while True:
        parts = re.split(r"\s*(?:,|\||–|—| - |\()\s*", name)
        if len(parts) > 1 and is_role(parts[-1]) and parts[0].strip():
            name = re.sub(r"\s*(?:,|\||–|—| - |\()\s*[^,|–—(]*$", "", name).strip()
            continue
        words = name.split()
        # a credential written straight after the name ("Jane Doe PhD"); a role word is not cut
        # there: "AP Sports Writer" is a role, not a person called "AP Sports"
        rest = " ".join(words[:-1]).rstrip(",")
        # (not in a name written in capitals, where "JIANG XIAO MA" ends in a name, not a degree)
        if len(words) >= 3 and _CREDENTIAL.match(words[-1].rstrip(",")) and looks_like_person(rest) and not rest.isupper():
            name = rest
            continue
        return name


def is_organisation(name: str, site_names: list[str]) -> bool:
    """The site itself, a name carrying the site's name ("n-tv NACHRICHTEN", "Redaktion
    hessenschau.de") or a desk word ("BR24 Redaktion", "Web Desk")."""
    if site_like(name, site_names) or _DESK.search(name):
        return True
    folded = fold(name)
    return any(
        len(site) >= 3 and re.search(rf"(?<!\w){re.escape(site)}(?!\w)", folded) for site in map(fold, site_names)
    )


def sort_byline(names: list[str], site_names: list[str]) -> Byline:
    """People, agencies and organisations of one source's names, each in page order."""
    people: list[str] = []
    agencies: list[str] = []
    organisations: list[str] = []
    for name in names:
        if is_agency(name):
            agencies.append(name)
        elif is_organisation(name, site_names):
            organisations.append(name)
        else:
            people.append(name)
    return Byline(people, agencies, organisations)


def looks_like_person(name: str) -> bool:
    """Two to four words, each starting with a capital (or a non-Latin script): "Dr. Max Kolter"."""
    words = name.split()
    return 2 <= len(words) <= 4 and all(not w[0].isalpha() or w[0].isupper() or not w[0].isascii() for w in words)


def clean_author(name: str) -> str:
    name = _BY.sub("", clean_text(name))
    name = re.sub(r"\s*\([^)]{1,12}\)\s*$", "", name)  # "Oliver Maksan (oma)": an editor's initials
    return strip_role(name.strip(" ,;:|-–—·")).strip(" ,;:|-–—·")


def split_authors(raw: list[str]) -> list[str]:
    """Clean names, split "A and B" / "A, B", drop roles and things that are not names; keep order, no dupes."""
    names: list[str] = []
    seen: set[str] = set()
    for value in raw:
        value = clean_author(value)
        if not value:
            continue
        parts = _AUTHOR_SPLIT.split(value) if len(value.split()) > 3 or _has_joiner(value) else [value]
        for part in parts:
            if is_role(_BY.sub("", part)):
                continue
            part = clean_author(part)
            key = fold(part)
            if not part or key in seen or is_role(part) or _NOT_A_NAME.search(part) or len(part) > 60 or len(part.split()) > 5:
                continue
            seen.add(key)
            names.append(part)
    return names


def _has_joiner(value: str) -> bool:
    return bool(re.search(r",|;|&|\|| and | und | et | y | e | og | och | en ", value, re.IGNORECASE))
