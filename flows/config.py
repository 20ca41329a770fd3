"""The sources config: one TOML file (default `newsflow.toml`), read into one typed object.

    [warehouse]
    root = "data/warehouse"

    [[sources]]
    name = "moscow-times"            # becomes the deployment `news-pipeline/moscow-times`
    kind = "feed"                    # folder / feed / sitemap / urls / warc / page
    location = "https://www.themoscowtimes.com/rss/news"
    interval = "15m"                 # or cron = "*/15 * * * *" (and optional timezone)
    max_items = 200

A bad file fails with a `ConfigError` that names the file, the source and the field, and says
what to write instead. Only the CLI reads the environment (`NEWSFLOW_CONFIG`); this module is
given a path.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from tasks.sources.collect import SourceSpec
from tasks.sources.fetch import FetchPolicy

DEFAULT_CONFIG = "newsflow.toml"
DEFAULT_WAREHOUSE = "data/warehouse"
KINDS = ("folder", "feed", "sitemap", "urls", "warc", "page")

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|d|h|m|s)")
_UNIT_SECONDS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")
_TABLES = {"warehouse": "[warehouse]", "sources": "[[sources]]"}
_CRON_MACROS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")


class ConfigError(ValueError):
    """A config file that cannot be used; the message says where and what to do."""


def parse_duration(value: str | int | float) -> float:
    """Seconds in "15m", "1h30m", "90s", "2d", "250ms" or a plain number of seconds."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        text = value.strip().lower().replace(" ", "")
        if re.fullmatch(r"\d+(\.\d+)?", text):
            seconds = float(text)
        elif text and _DURATION.sub("", text) == "":
            seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in _DURATION.findall(text))
        else:
            raise ValueError(f"{value!r} is not a duration: write e.g. \"90s\", \"15m\", \"1h30m\", \"2d\" or a number of seconds")
    if seconds < 0:
        raise ValueError(f"{value!r} is negative")
    return seconds


class SourceConfig(BaseModel):
    """One `[[sources]]` entry. Also the `source_config` parameter of a deployment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    kind: Literal["folder", "feed", "sitemap", "urls", "warc", "page"]
    location: str
    cron: str | None = None
    interval: float | None = Field(default=None, description="seconds between runs (TOML: \"15m\" or seconds)")
    timezone: str | None = Field(default=None, description="IANA zone the cron is read in (default UTC)")
    enabled: bool = True
    max_items: int | None = Field(default=None, ge=1, description="at most this many items per run; the rest wait for the next run")
    max_body_bytes: int = Field(default=FetchPolicy.max_body_bytes, ge=1024)
    min_host_interval: float = Field(default=FetchPolicy.min_host_interval, ge=0, description="seconds between requests to one host")
    timeout: float = Field(default=FetchPolicy.timeout, gt=0)
    max_retries: int = Field(default=FetchPolicy.max_retries, ge=0, le=10)
    backoff_base: float = Field(default=FetchPolicy.backoff_base, ge=0)
    respect_robots: bool = True
    since: float | None = Field(default=None, description="sitemaps: only entries newer than this many seconds (TOML: \"2d\")")
    allow_private_networks: bool = False

    @field_validator("name")
    @classmethod
    def _check_name(cls, v: str) -> str:
        if not _NAME.fullmatch(v):
            raise ValueError(f"{v!r} is not a usable name: use letters, digits, '-', '_' or '.' (it names a Prefect deployment)")
        return v

    @field_validator("location")
    @classmethod
    def _check_location(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("is empty: give a URL, a file, a folder or a glob")
        return v.strip()

    @field_validator("interval", "since", "min_host_interval", "timeout", mode="before")
    @classmethod
    def _durations(cls, v: Any) -> Any:
        return None if v is None else parse_duration(v)

    @field_validator("max_body_bytes", mode="before")
    @classmethod
    def _sizes(cls, v: Any) -> Any:
        return parse_size(v) if isinstance(v, str) else v

    @field_validator("cron")
    @classmethod
    def _check_cron(cls, v: str | None) -> str | None:
        return None if v is None else check_cron(v)

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, v: str | None) -> str | None:
        return None if v is None else check_timezone(v)

    @model_validator(mode="after")
    def _one_schedule(self) -> SourceConfig:
        if self.cron and self.interval is not None:
            raise ValueError("has both cron and interval: keep one")
        if self.interval is not None and self.interval < 10:
            raise ValueError(f"interval {self.interval:g}s is too short: at least 10s (polite sources run every few minutes)")
        if self.timezone and not self.cron:
            raise ValueError("timezone only applies to a cron schedule")
        if self.cron:
            from prefect.client.schemas.schedules import CronSchedule

            try:  # what `serve` will build: a zone Prefect does not know must fail here, not there
                CronSchedule(cron=self.cron, timezone=self.timezone)
            except ValidationError as exc:
                raise ValueError(f"cron {self.cron!r} / timezone {self.timezone!r} is refused by Prefect: "
                                 + "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())) from None
        return self

    @property
    def schedule(self) -> str:
        """Human-readable schedule: "cron */15 * * * *", "every 15m" or "manual"."""
        if self.cron:
            return f"cron {self.cron}" + (f" ({self.timezone})" if self.timezone else "")
        if self.interval is not None:
            return f"every {format_duration(self.interval)}"
        return "manual"

    def fetch_policy(self, *, allow_private_networks: bool) -> FetchPolicy:
        """The fetcher policy for this source; private networks if the source or the run allows them."""
        return replace(
            FetchPolicy(),
            timeout=self.timeout,
            max_retries=self.max_retries,
            backoff_base=self.backoff_base,
            max_body_bytes=self.max_body_bytes,
            min_host_interval=self.min_host_interval,
            respect_robots=self.respect_robots,
            allow_private_networks=self.allow_private_networks or allow_private_networks,
        )

    def spec(self, *, allow_private_networks: bool = False, now: datetime | None = None) -> SourceSpec:
        """The resolved spec the collector runs (the recency window starts `since` before now)."""
        return SourceSpec(
            name=self.name, kind=self.kind, location=self.location,
            policy=self.fetch_policy(allow_private_networks=allow_private_networks),
            max_items=self.max_items, since=self.since_time(now),
        )

    def since_time(self, now: datetime | None = None) -> datetime | None:
        """The recency window's start for this run, or None."""
        if self.since is None:
            return None
        return (now or datetime.now(UTC)) - timedelta(seconds=self.since)


class WarehouseConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    root: str = DEFAULT_WAREHOUSE
    # the lake's catalog database: None = <root>/catalog.sqlite; postgres://user@host/db (the
    # password from PGPASSWORD or ~/.pgpass) for several machines or an s3:// root
    catalog: str | None = None
    # non-secret options for an s3:// root (credentials come from AWS_* variables)
    storage_options: dict[str, str] = {}

    @field_validator("catalog")
    @classmethod
    def _no_password(cls, value: str | None) -> str | None:
        from flows.warehouses import refuse_password

        if value:
            refuse_password(value)
        return value

    @field_validator("storage_options")
    @classmethod
    def _no_credentials(cls, value: dict[str, str]) -> dict[str, str]:
        from warehouse.storage import refuse_secrets

        refuse_secrets(value, "[warehouse] storage_options")
        return value


class NewsflowConfig(BaseModel):
    """The whole file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    warehouse: WarehouseConfig = WarehouseConfig()
    sources: list[SourceConfig] = []

    @model_validator(mode="after")
    def _unique_names(self) -> NewsflowConfig:
        seen: set[str] = set()
        for i, source in enumerate(self.sources):
            if source.name in seen:
                raise ValueError(f"sources[{i}]: name {source.name!r} is used twice: names must be unique")
            seen.add(source.name)
        return self

    def with_paths_under(self, base: Path) -> NewsflowConfig:
        """This config with the relative paths it names (warehouse root, local source locations)
        read against `base`, the config file's folder, not the current one."""
        warehouse = self.warehouse
        if "root" in warehouse.model_fields_set:
            warehouse = warehouse.model_copy(update={"root": resolve_path(warehouse.root, base)})
        sources = [s.model_copy(update={"location": resolve_path(s.location, base)}) for s in self.sources]
        return self.model_copy(update={"warehouse": warehouse, "sources": sources})

    def source(self, name: str) -> SourceConfig | None:
        return next((s for s in self.sources if s.name == name), None)

    def enabled_sources(self) -> list[SourceConfig]:
        return [s for s in self.sources if s.enabled]


def load_config(path: str | Path, *, required: bool = True) -> NewsflowConfig:
    """Read and check a config file. A missing optional file is an empty config."""
    path = Path(path)
    if not path.is_file():
        if required:
            raise ConfigError(
                f"{path}: no such config file. Create it (see newsflow.example.toml) or pass --config / NEWSFLOW_CONFIG"
            )
        return NewsflowConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    return parse_config(data, origin=str(path), base=path.resolve().parent)


def parse_config(data: dict, *, origin: str = DEFAULT_CONFIG, base: Path | None = None) -> NewsflowConfig:
    """Check parsed TOML; errors name the source and field. With `base` (the file's folder),
    relative paths in the file (warehouse root, local locations) are read against it."""
    if isinstance(data.get("sources"), dict):
        raise ConfigError(f"{origin}: write each source as a [[sources]] table (double brackets), not [sources]")
    for key, value in data.items():
        if key not in _TABLES:
            raise ConfigError(f"{origin}: {_table(key, value)} is not part of a newsflow config: {_did_you_mean(key)}")
    try:
        config = NewsflowConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{origin}: " + "; ".join(_describe(err, data) for err in exc.errors())) from None
    return config if base is None else config.with_paths_under(base)


def check_cron(expr: str) -> str:
    """`expr` if it is a five-field cron expression (or @hourly, @daily, ...) that fires; else ValueError."""
    text = " ".join(expr.split())
    how = 'write five fields (minute hour day-of-month month day-of-week), e.g. "*/15 * * * *" or "0 6 * * 1-5"'
    if text.lower() in _CRON_MACROS:
        return text
    fields = len(text.split())
    if fields != 5:
        raise ValueError(f"{expr!r} is not a cron expression: it has {fields} field{'s' * (fields != 1)}; {how}")
    from prefect.client.schemas.schedules import CronSchedule

    try:
        CronSchedule(cron=text)
    except ValidationError:
        raise ValueError(f"{expr!r} is not a cron expression: {how}") from None
    try:
        from prefect._vendor.croniter import CroniterBadDateError, croniter
    except ImportError:  # Prefect's vendored copy moved: the check above still ran
        return text
    try:
        croniter(text, datetime(2025, 1, 1)).get_next(datetime)
    except CroniterBadDateError:
        raise ValueError(f"{expr!r} never fires (no such date): {how}") from None
    return text


def check_timezone(name: str) -> str:
    """`name` if it is an IANA time zone ("Europe/Berlin", "UTC"); else ValueError with the nearest names."""
    from zoneinfo import available_timezones

    zones = available_timezones()
    if name in zones:
        return name
    close = difflib.get_close_matches(name, sorted(zones), n=3, cutoff=0.75)
    hint = f"did you mean {' or '.join(repr(c) for c in close)}?" if close else 'write an IANA name such as "Europe/Berlin", "America/New_York" or "UTC"'
    raise ValueError(f"{name!r} is not a time zone: {hint}")


def resolve_path(value: str, base: Path) -> str:
    """A path written in a config file, read against the file's folder (`~` expanded); URLs as they are."""
    if "://" in value:
        return value
    expanded = os.path.expanduser(value)
    return expanded if os.path.isabs(expanded) else os.path.normpath(os.path.join(base, expanded))


def parse_size(value: str) -> int:
    """Bytes in "40MB", "512kB", "2 MiB" or a plain number."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?\s*", value.lower())
    if not m:
        raise ValueError(f"{value!r} is not a size: write e.g. \"20MB\", \"512kB\" or a number of bytes")
    unit = (m.group(2) or "b")[0]
    return int(float(m.group(1)) * {"b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit])


def format_duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def _describe(err: dict, data: dict) -> str:
    loc = list(err.get("loc", ()))
    where = ""
    if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int):
        index = loc[1]
        entry = (data.get("sources") or [None] * (index + 1))[index]
        name = entry.get("name") if isinstance(entry, dict) else None
        where = f"source {name!r} (sources[{index}])" if name else f"sources[{index}]"
        loc = loc[2:]
    elif loc:
        where = str(loc[0])
        loc = loc[1:]
    field = ".".join(str(p) for p in loc)
    message = err.get("msg", "invalid").removeprefix("Value error, ")
    kind = err.get("type")
    if kind == "extra_forbidden":
        known = WarehouseConfig.model_fields if where == "warehouse" else SourceConfig.model_fields
        close = difflib.get_close_matches(str(loc[-1]) if loc else "", list(known), n=1, cutoff=0.7)
        hint = f"did you mean {close[0]!r}?" if close else "check its spelling"
        message = f"unknown field ({hint} See newsflow.example.toml for the fields)"
    elif kind == "missing":
        message = "is required"
    elif kind == "literal_error":
        message = f"must be one of {', '.join(KINDS)}"
    return f"{where}{': ' if where and field else ''}{f'field {field!r} ' if field else ' '}{message}".replace("  ", " ")


def _table(key: str, value: Any) -> str:
    """How `key` was written in the TOML: [[key]], [key] or key = ..."""
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return f"[[{key}]]"
    return f"[{key}]" if isinstance(value, dict) else f"{key!r}"


def _did_you_mean(key: str) -> str:
    close = difflib.get_close_matches(key.lower(), list(_TABLES), n=1, cutoff=0.6)
    if close:
        return f"did you mean {_TABLES[close[0]]}?"
    return "a config has a [warehouse] table and [[sources]] tables only (see newsflow.example.toml)"
