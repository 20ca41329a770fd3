# %% [markdown]
# # Ad-hoc analysis with DuckDB from Python
#
# A notebook in the "percent" format (`# %%` cells: VS Code, Jupyter via jupytext, or plain
# `python docs/analysis.py [WAREHOUSE]`). `warehouse.views.connect` gives an in-memory DuckDB
# connection with one view per table (docs/SCHEMA.md), showing committed loads only. It is
# read-only and confined to the warehouse folder, so nothing here can change the data.
#
# The canned queries (`newsflow queries`) are the same SQL, runnable by name from Python too.
# tests/docs/test_analysis.py runs this file against a small warehouse.

# %%
import os
import sys

from warehouse.canned import get_query
from warehouse.lake import Warehouse
from warehouse.lake import connect

root = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("NEWSFLOW_WAREHOUSE", "data/warehouse")
con = connect(Warehouse(root))


def show(sql: str, params: list | dict | None = None, limit: int = 10) -> list[tuple]:
    """Run a query, print up to `limit` rows under its column names, return all rows."""
    result = con.execute(sql, params or [])
    columns = [d[0] for d in result.description]
    rows = result.fetchall()
    print(" | ".join(columns))
    for row in rows[:limit]:
        print(" | ".join("" if v is None else str(v) for v in row))
    print(f"({len(rows)} rows)\n")
    return rows


# %% [markdown]
# ## How big is the warehouse?

# %%
sizes = show("""
    SELECT 'articles' AS table_name, count(*) AS n FROM articles
    UNION ALL SELECT 'stories', count(*) FROM stories
    UNION ALL SELECT 'entities', count(*) FROM entities
    UNION ALL SELECT 'quotes', count(*) FROM quotes
""")

# %% [markdown]
# ## Which stories were copied most, and by how many sources?

# %%
largest = show("""
    SELECT story_id, title, article_count AS copies, source_count AS sources
    FROM stories ORDER BY copies DESC, sources DESC LIMIT 5
""")

# %% [markdown]
# ## How did each copy of the largest story match?
# `story_members.method`: `canonical` is the survivor; `exact`, `url` and `near` are copies.

# %%
if largest:
    members = show("""
        SELECT a.format, a.source, m.method, round(m.score, 3) AS score, a.word_count
        FROM story_members m JOIN articles a USING (article_id)
        WHERE m.story_id = ? ORDER BY m.method = 'canonical' DESC, a.word_count DESC
    """, [largest[0][0]])

# %% [markdown]
# ## Who is in the news, and where?
# Entities of one story are counted once per story, so a widely copied story does not dominate.

# %%
people = show("""
    SELECT e.normalized AS person, count(DISTINCT m.story_id) AS stories, count(*) AS mentions
    FROM entities e JOIN story_members m USING (article_id)
    WHERE e.label = 'PERSON'
    GROUP BY 1 ORDER BY stories DESC, mentions DESC, person LIMIT 10
""")
places = show("""
    SELECT e.normalized AS place, e.country_code, round(e.lat, 2) AS lat, round(e.lon, 2) AS lon, count(*) AS mentions
    FROM entities e WHERE e.lat IS NOT NULL
    GROUP BY ALL ORDER BY mentions DESC, place LIMIT 10
""")

# %% [markdown]
# ## Who said what?

# %%
quotes = show("""
    SELECT speaker, count(DISTINCT quote) AS quotes, min(quote) AS one_of_them
    FROM quotes WHERE speaker IS NOT NULL GROUP BY speaker ORDER BY quotes DESC, speaker
""")

# %% [markdown]
# ## A canned query with parameters, from Python
# Values are bound as DuckDB prepared parameters (`$since` in the SQL), never pasted into it.

# %%
top = get_query("top_entities").records(con, {"since": "2017-01-01", "labels": "PERSON,ORG", "limit": "5"})
for row in top:
    print(f"{row['label']:<7} {row['name']:<30} stories={row['stories']} mentions={row['mentions']}")

# %% [markdown]
# ## Arrow for the next tool
# Any result converts to a pyarrow table without copying through Python objects
# (`.arrow()` on DuckDB ≥ 1.4 gives a RecordBatchReader; `.read_all()` makes it a table).

# %%
tone = con.sql("SELECT a.source, avg(t.tone) AS tone, count(*) AS articles FROM tone t JOIN articles a USING (article_id) GROUP BY 1").arrow()
tone = tone.read_all() if hasattr(tone, "read_all") else tone
print(tone.to_pylist())
