"""DuckDB extensions from the installed `duckdb-extension-*` wheels: never downloaded.

Each wheel ships the signed build for one DuckDB release under
`duckdb_extension_<name>/extensions/v<version>/<name>.duckdb_extension`; `INSTALL '<that file>'`
copies it into DuckDB's extension folder and `LOAD` loads it, with no network.
"""

from __future__ import annotations

import importlib.util
import os
from functools import cache
from pathlib import Path

import duckdb


class ExtensionMissingError(RuntimeError):
    """The wheel that carries an extension is not installed, or is built for another DuckDB."""


@cache
def extension_file(name: str) -> str:
    """Path of the `.duckdb_extension` file the wheel `duckdb-extension-<name>` ships for this DuckDB."""
    version = duckdb.__version__
    spec = importlib.util.find_spec(f"duckdb_extension_{name}")
    if spec is None or not spec.submodule_search_locations:
        raise ExtensionMissingError(
            f"the DuckDB extension {name!r} is not installed: newsflow needs the wheel duckdb-extension-{name}=={version} "
            "(run `make env`, or `uv sync --locked`)"
        )
    folder = Path(next(iter(spec.submodule_search_locations)))
    path = folder / "extensions" / f"v{version}" / f"{name}.duckdb_extension"
    if not path.is_file():
        found = sorted(p.name for p in (folder / "extensions").glob("v*"))
        raise ExtensionMissingError(
            f"duckdb-extension-{name} ships builds for {', '.join(found) or 'no version'}, not DuckDB {version}: "
            f"install duckdb-extension-{name}=={version}"
        )
    return str(path)


def load_extensions(con: duckdb.DuckDBPyConnection, names: tuple[str, ...]) -> None:
    """Install each extension from its wheel's file and load it on `con`."""
    if not os.environ.get("HOME"):  # DuckDB finds its extension folder through $HOME only
        folder = Path.home() / ".duckdb" / "extensions"  # the same place, from the password database
        con.execute(f"SET extension_directory = '{str(folder).replace(chr(39), chr(39) * 2)}'")
    loaded = {r[0] for r in con.execute("SELECT extension_name FROM duckdb_extensions() WHERE loaded").fetchall()}
    for name in names:
        if name in loaded:
            continue
        try:
            con.execute(f"LOAD {name}")  # installed from the wheel by an earlier process
        except duckdb.Error:
            con.execute(f"INSTALL '{extension_file(name)}'")
            con.execute(f"LOAD {name}")


def install_sql(names: tuple[str, ...]) -> list[str]:
    """INSTALL/LOAD statements for another DuckDB client of the same version (the `duckdb` CLI)."""
    return [s for name in names for s in (f"INSTALL '{extension_file(name)}';", f"LOAD {name};")]
