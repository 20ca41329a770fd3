"""The sources config: parsing, defaults, and errors that say which source, which field, what to do."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from flows.config import ConfigError, load_config, parse_config, parse_duration
from flows.targets import TargetError, guess_url_kind, plan_runs
from tests.conftest import REPO


def parse(text: str):
    import tomllib

    return parse_config(tomllib.loads(text), origin="newsflow.toml")


def test_example_config_parses():
    config = load_config(REPO / "newsflow.example.toml")
    assert config.sources and all(s.name for s in config.sources)
    assert {s.kind for s in config.sources} <= {"folder", "feed", "sitemap", "urls", "warc", "page"}


def test_a_full_source():
    config = parse("""
[warehouse]
root = "/srv/news/warehouse"

[[sources]]
name = "moscow-times"
kind = "sitemap"
location = "https://example.com/news-sitemap.xml"
cron = "*/30 6-22 * * *"
timezone = "Europe/Berlin"
max_items = 100
max_body_bytes = "5MB"
min_host_interval = "2s"
since = "2d"
allow_private_networks = true

[[sources]]
name = "drop"
kind = "folder"
location = "/srv/drop"
interval = "15m"
enabled = false
""")
    assert config.warehouse.root == "/srv/news/warehouse"
    mt, drop = config.sources
    assert (mt.cron, mt.timezone, mt.max_items, mt.max_body_bytes, mt.min_host_interval) == (
        "*/30 6-22 * * *", "Europe/Berlin", 100, 5 * 1024 * 1024, 2.0)
    now = datetime(2025, 3, 10, tzinfo=UTC)
    spec = mt.spec(allow_private_networks=False, now=now)
    assert spec.since == datetime(2025, 3, 8, tzinfo=UTC) and spec.max_items == 100
    assert spec.policy.allow_private_networks and spec.policy.max_body_bytes == 5 * 1024 * 1024
    assert mt.schedule == "cron */30 6-22 * * * (Europe/Berlin)"
    assert (drop.interval, drop.schedule, drop.enabled) == (900.0, "every 15m", False)
    assert config.enabled_sources() == [mt]
    # the run-wide switch allows private networks for a source that does not
    assert drop.spec(allow_private_networks=True).policy.allow_private_networks
    assert not drop.spec().policy.allow_private_networks


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('name = "a"\nkind = "rss"\nlocation = "x"', "source 'a' (sources[0]): field 'kind' must be one of folder, feed"),
        ('name = "a"\nkind = "feed"', "source 'a' (sources[0]): field 'location' is required"),
        ('name = "a"\nkind = "feed"\nlocation = "x"\ncron = "every day"', "not a cron expression"),
        ('name = "a"\nkind = "feed"\nlocation = "x"\ninterval = "15x"', "field 'interval' '15x' is not a duration"),
        ('name = "a"\nkind = "feed"\nlocation = "x"\ninterval = "5m"\ncron = "0 * * * *"', "both cron and interval"),
        ('name = "a"\nkind = "feed"\nlocation = "x"\nmax_itmes = 3', "field 'max_itmes' unknown field (did you mean 'max_items'?"),
        ('name = "a"\nkind = "feed"\nlocation = "x"\ncron = "0 * * * *"\ntimezone = "Europe/Berln"',
         "field 'timezone' 'Europe/Berln' is not a time zone: did you mean 'Europe/Berlin'"),
        ('name = "a"\nkind = "feed"\nlocation = "x"\ncron = "0 * * * *"\ntimezone = "Mars/Olympus"', "write an IANA name"),
        ('name = "a"\nkind = "feed"\nlocation = "x"\ncron = "*/15 * * *"', "'*/15 * * *' is not a cron expression: it has 4 fields"),
        ('name = "a"\nkind = "feed"\nlocation = "x"\ncron = "0 0 * * * *"', "it has 6 fields"),
        ('name = "a"\nkind = "feed"\nlocation = "x"\ncron = "61 * * * *"', "'61 * * * *' is not a cron expression"),
        ('name = "a"\nkind = "feed"\nlocation = "x"\ncron = "0 0 30 2 *"', "never fires"),
        ('name = "a b"\nkind = "feed"\nlocation = "x"', "is not a usable name"),
        ('name = "a"\nkind = "feed"\nlocation = "x"\ninterval = 2', "too short"),
    ],
)
def test_errors_name_source_and_field(body: str, expected: str):
    with pytest.raises(ConfigError) as err:
        parse("[[sources]]\n" + body)
    assert expected in str(err.value) and str(err.value).startswith("newsflow.toml: ")


def test_duplicate_names_and_single_brackets():
    with pytest.raises(ConfigError, match="'a' is used twice"):
        parse('[[sources]]\nname = "a"\nkind = "feed"\nlocation = "x"\n[[sources]]\nname = "a"\nkind = "urls"\nlocation = "y"')
    with pytest.raises(ConfigError, match=r"\[\[sources\]\]"):
        parse('[sources]\nname = "a"')


def test_missing_and_broken_files(tmp_path: Path):
    assert load_config(tmp_path / "newsflow.toml", required=False).sources == []
    with pytest.raises(ConfigError, match="no such config file.*--config / NEWSFLOW_CONFIG"):
        load_config(tmp_path / "newsflow.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[[sources]\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)


def test_durations():
    assert parse_duration("1h30m") == 5400 and parse_duration(45) == 45 and parse_duration("250ms") == 0.25
    with pytest.raises(ValueError):
        parse_duration("soon")


def test_run_targets(tmp_path: Path):
    config = parse('[[sources]]\nname = "wire"\nkind = "feed"\nlocation = "https://example.com/rss"')
    (tmp_path / "drop").mkdir()
    plans = plan_runs(["wire", "https://example.com/a/story.html", "https://example.com/feed/", str(tmp_path / "drop"), "x.warc.gz"], config)
    assert [(p.source_config.name, p.source_config.kind) if p.source_config else p.paths for p in plans] == [
        ("wire", "feed"), ("example.com", "page"), ("example.com", "feed"), ("x", "warc"), [str(tmp_path / "drop")]]
    with pytest.raises(TargetError, match="neither a configured source"):
        plan_runs(["wrie"], config)
    assert plan_runs(["https://example.com/x"], config, kind="sitemap")[0].source_config.kind == "sitemap"
    assert guess_url_kind("https://example.com/sitemap_index.xml") == "sitemap"
    assert guess_url_kind("https://example.com/news/rss.xml") == "feed"


def test_misspelt_tables_get_a_suggestion():
    with pytest.raises(ConfigError, match=r"^newsflow.toml: \[\[source\]\] is not part of a newsflow config: did you mean \[\[sources\]\]\?$"):
        parse('[[source]]\nname = "a"\nkind = "feed"\nlocation = "x"')
    with pytest.raises(ConfigError, match=r"\[warehose\] is not part .*did you mean \[warehouse\]\?"):
        parse('[warehose]\nroot = "x"')
    with pytest.raises(ConfigError, match=r"'colour' is not part .*\[warehouse\] table and \[\[sources\]\] tables only"):
        parse('colour = "blue"')
    with pytest.raises(ConfigError, match=r"warehouse: field 'rot' unknown field \(did you mean 'root'\?"):
        parse('[warehouse]\nrot = "x"')


def test_cron_macros_and_zones_pass():
    config = parse('[[sources]]\nname = "a"\nkind = "feed"\nlocation = "x"\ncron = "@daily"\ntimezone = "America/New_York"')
    assert config.sources[0].schedule == "cron @daily (America/New_York)"


def test_relative_paths_are_read_against_the_config_folder(tmp_path: Path, monkeypatch):
    folder = tmp_path / "etc"
    folder.mkdir()
    (folder / "newsflow.toml").write_text("""
[warehouse]
root = "wh"

[[sources]]
name = "drop"
kind = "folder"
location = "../drop"

[[sources]]
name = "crawl"
kind = "warc"
location = "crawls/*.warc.gz"

[[sources]]
name = "abs"
kind = "folder"
location = "/srv/drop"

[[sources]]
name = "feed"
kind = "feed"
location = "https://example.com/rss"
""")
    monkeypatch.chdir(tmp_path)  # somewhere else than the config's folder
    config = load_config("etc/newsflow.toml")
    assert config.warehouse.root == str(folder / "wh")
    assert [s.location for s in config.sources] == [
        str(tmp_path / "drop"), str(folder / "crawls" / "*.warc.gz"), "/srv/drop", "https://example.com/rss"]
    (folder / "bare.toml").write_text("")
    assert load_config(folder / "bare.toml").warehouse.root == "data/warehouse"  # the default stays the current folder's
