"""`newsflow show STORY [--diff]`: one story, where each of its fields came from, every sighting
of every member, and (--diff) how each member's text differs from the canonical one."""

from __future__ import annotations

import sys
from typing import Annotated

import duckdb
import typer

from flows.output import Format, print_rows, stderr


def register(app: typer.Typer, connect) -> None:
    """Add `show` to the app; `connect(warehouse)` opens the warehouse read-only (cli._connect)."""

    @app.command()
    def show(
        story_id: Annotated[str, typer.Argument(help="A story_id or a unique prefix of one, e.g. st_f539d0 (see `newsflow stories`).")],
        diff: Annotated[bool, typer.Option("--diff", help="Also each member's paragraphs added, lacking or changed (word by word) against the canonical text.")] = False,
        warehouse: Annotated[str, typer.Option("--warehouse", "-w", envvar="NEWSFLOW_WAREHOUSE", help="Warehouse root folder (or s3:// URI).")] = "data/warehouse",
        fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    ) -> None:
        """One merged story: its fields (title_from, date_from, url_from name the member each came
        from), member articles, every sighting of every member, links and the entities they name.

        [b]Examples[/b]

          newsflow show st_f539d0ce136719eab8285986
          newsflow show f539d0 --diff
          newsflow show "$(newsflow stories --limit 1 --format json | jq -r '.[0].story_id')" --format json
        """
        show_story(connect(warehouse), story_id, diff, fmt)


def show_story(con: duckdb.DuckDBPyConnection, text: str, diff: bool, fmt: Format) -> None:
    from flows.story_ids import resolve_story_id

    story_id = resolve_story_id(con, text)  # any unique prefix of an id will do
    story = con.execute("SELECT * EXCLUDE (load_id) FROM stories WHERE story_id = ?", [story_id])
    columns = [d[0] for d in story.description]
    found = story.fetchall()
    if not found:
        merged = con.execute("SELECT merged_into FROM story_merges WHERE story_id = ?", [story_id]).fetchone()
        hint = f" It was merged into {merged[0]}." if merged else " List stories with `newsflow stories`."
        stderr.print(f"[red]no story {story_id!r}[/red].{hint}")
        raise typer.Exit(1)
    row = found[0]
    sections = {
        "Members": _rows(con, """
            SELECT m.article_id, m.method, round(m.score, 3) AS score, a.format, a.source, a.uri, a.title, a.word_count
            FROM story_members m JOIN articles a USING (article_id) WHERE m.story_id = ?
            ORDER BY m.method = 'canonical' DESC, a.article_id""", story_id),
        "Sightings": _sightings(con, story_id),
        "Links": _rows(con, """
            SELECT DISTINCT l.kind, l.url, l.text FROM links l JOIN story_members m USING (article_id)
            WHERE m.story_id = ? ORDER BY l.kind, l.url""", story_id),
    }
    from warehouse.entity_names import story_entities

    sections["Entities (canonical names)"] = story_entities(con, story_id)  # by canonical name across articles
    changes = _member_changes(con, story_id, dict(zip(columns, row)).get("canonical_article_id")) if diff else None
    if fmt == Format.json:
        import json

        from flows.output import _json_default

        doc = dict(zip(columns, row))
        for title, key in (("Members", "members"), ("Sightings", "sightings"), ("Links", "links"), ("Entities (canonical names)", "entities")):
            cols, rows = sections[title]
            doc[key] = [dict(zip(cols, r)) for r in rows]
        if changes is not None:
            doc["diff"] = [{"article_id": a, "changes": [c.__dict__ for c in found]} for a, _, found in changes]
        sys.stdout.write(json.dumps(doc, default=_json_default, ensure_ascii=False) + "\n")
        return
    print_rows(["field", "value"], list(zip(columns, row)), fmt, title=f"Story {story_id}")
    for title, (cols, rows) in sections.items():
        print_rows(cols, rows, fmt, title=title)
    if changes is not None:
        sys.stdout.write(render_diff(changes, dict(zip(columns, row)).get("canonical_article_id")))


def _rows(con: duckdb.DuckDBPyConnection, sql: str, story_id: str) -> tuple[list[str], list[tuple]]:
    result = con.execute(sql, [story_id])
    return [d[0] for d in result.description], result.fetchall()


def _sightings(con: duckdb.DuckDBPyConnection, story_id: str) -> tuple[list[str], list[tuple]]:
    """Every place each member's bytes were seen (a warehouse from before `sightings`: none)."""
    try:
        return _rows(con, """
            SELECT a.article_id, s.source, s.uri, s.first_seen_at, s.last_seen_at, s.seen_count
            FROM story_members m JOIN articles a USING (article_id) JOIN sightings s USING (document_id)
            WHERE m.story_id = ? ORDER BY a.article_id, s.first_seen_at, s.source, s.uri""", story_id)
    except duckdb.CatalogException:
        return ["article_id", "source", "uri", "first_seen_at", "last_seen_at", "seen_count"], []


def _member_changes(con: duckdb.DuckDBPyConnection, story_id: str, canonical_id: str | None) -> list[tuple[str, str, list]]:
    """(article_id, "format uri", its ParagraphChanges against the canonical member's body) of every other member."""
    from tasks.dedup.compare import compare_bodies

    members = con.execute(
        "SELECT a.article_id, a.format || ' ' || a.uri, a.body FROM story_members m JOIN articles a USING (article_id) "
        "WHERE m.story_id = ? ORDER BY a.article_id",
        [story_id],
    ).fetchall()
    canonical = next((body for article_id, _, body in members if article_id == canonical_id), None)
    return [(article_id, where, compare_bodies(canonical, body)) for article_id, where, body in members if article_id != canonical_id]


def render_diff(changes: list[tuple[str, str, list]], canonical_id: str | None) -> str:
    """The --diff text: per member, its changes against the canonical text, one line each."""
    from tasks.dedup.compare import render_changes

    lines = [f"\nDiff against the canonical text ({canonical_id}): + adds, - lacks, ~ changed ([-removed-] {{+added+}})"]
    for article_id, where, found in changes:
        lines.append(f"\n{article_id} ({where}): " + ("same text" if not found else _counts(found)))
        lines += [f"  {line}" for line in render_changes(found)]
    return "\n".join(lines) + "\n"


def _counts(found: list) -> str:
    kinds = [c.kind for c in found]
    return ", ".join(f"{kinds.count(k)} paragraph{'s' if kinds.count(k) != 1 else ''} {word}"
                     for k, word in (("adds", "added"), ("lacks", "lacking"), ("changed", "changed")) if k in kinds)
