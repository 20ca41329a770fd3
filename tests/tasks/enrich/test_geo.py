import time

from tasks.enrich.geo import resolve_place


def test_seed_places():
    assert resolve_place("Syria").country_code == "SY"
    assert resolve_place("Cairo").country_code == "EG"
    assert resolve_place("Ankara").country_code == "TR"
    base = resolve_place("the Khmeimim air base")
    assert (base.country_code, base.lat, base.lon) == ("SY", 35.4011, 35.9486)
    assert resolve_place("Khmeimim airbase").country_code == "SY"


def test_population_prior_and_aliases():
    assert resolve_place("Paris").country_code == "FR"  # not Paris, Texas
    assert resolve_place("the United States").country_code == "US"
    assert resolve_place("U.K.").country_code == "GB"
    assert resolve_place("Kiev").country_code == "UA"
    assert resolve_place("Qwzxville Heights") is None
    assert resolve_place("") is None


def test_cached_lookup_is_fast():
    resolve_place("Syria")
    started = time.perf_counter()
    for _ in range(1000):
        resolve_place("Damascus")
    assert time.perf_counter() - started < 0.5
