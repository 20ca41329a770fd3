"""The `duckdb` CLI on the warehouse: the statements that attach it read-only."""

from __future__ import annotations

import sys
from pathlib import Path

from warehouse.extensions import install_sql
from warehouse.lake import ALIAS, Warehouse


def attach_script(warehouse: Warehouse) -> str:
    """SQL that installs the extensions from newsflow's wheels and attaches the lake read-only."""
    lines = ["SET TimeZone = 'UTC';", *install_sql(warehouse.extensions())]
    if not warehouse.is_local:
        lines.append("-- object storage: create an S3 secret first (CREATE SECRET ... TYPE s3 ...)")
    lines += [warehouse.attach_sql(read_only=True) + ";", f"USE {ALIAS};"]
    return "\n".join(lines)


def duckdb_cli(found_on_path: str | None) -> str | None:
    """The `duckdb` CLI beside this Python (the locked duckdb-cli), else the one on PATH."""
    beside = Path(sys.executable).with_name("duckdb")
    return str(beside) if beside.is_file() else found_on_path


def shell_command(warehouse: Warehouse, found_on_path: str | None) -> tuple[list[str] | None, str]:
    """argv that opens the CLI with the lake attached (None when there is no CLI), and the script."""
    script = attach_script(warehouse)
    cli = duckdb_cli(found_on_path)
    return ([cli, "-cmd", script.replace("\n", " ")] if cli else None), script
