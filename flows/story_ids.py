"""Story ids people can type: any unique prefix of a story_id stands for it, like git's hashes.

    st_f539d0ce136719eab8285986   the whole id
    st_f539d0                     a prefix (unique among the stories)
    f539d0                        the same without "st_"
"""

from __future__ import annotations

import typer
from rich.markup import escape

from flows.output import stderr

PREFIX = "st_"
MIN_CHARS = 4  # characters after "st_": fewer would match half the warehouse
SHOWN = 10  # candidates listed for an ambiguous prefix


def story_candidates(con, text: str, limit: int = SHOWN + 1) -> list[str]:
    """story_ids equal to `text` or starting with it (with or without "st_"), sorted."""
    prefix = text if text.startswith(PREFIX) else PREFIX + text
    exact = con.execute("SELECT story_id FROM stories WHERE story_id = ?", [prefix]).fetchall()
    if exact:
        return [exact[0][0]]
    rows = con.execute("SELECT story_id FROM stories WHERE starts_with(story_id, ?) ORDER BY story_id LIMIT ?", [prefix, limit])
    return [r[0] for r in rows.fetchall()]


def resolve_story_id(con, text: str) -> str:
    """The story_id `text` names (a whole id or a unique prefix); `text` itself when no story
    matches (the caller says so). An ambiguous or too short prefix exits 2 with the candidates."""
    text = text.strip()
    found = story_candidates(con, text)
    if len(found) == 1:
        return found[0]
    if not found:
        return text
    if len(text.removeprefix(PREFIX)) < MIN_CHARS:
        stderr.print(f"[red]story id {escape(text)!r} is too short[/red]: give at least {MIN_CHARS} characters after {PREFIX}")
        raise typer.Exit(2)
    listed = ", ".join(found[:SHOWN]) + (", ..." if len(found) > SHOWN else "")
    stderr.print(f"[red]{escape(text)!r} matches more than one story[/red]: {listed}. Give more characters of the id.",
                 highlight=False, soft_wrap=True)
    raise typer.Exit(2)
