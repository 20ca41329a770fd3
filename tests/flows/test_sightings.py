"""Every sighting is kept: identical bytes under other names or from another source, found in
`sightings` with the right story; re-running the same files changes nothing."""

from __future__ import annotations

import os
import shutil

from flows.pipeline import news_pipeline
from tests.reliability.helpers import make_corpus
from warehouse.canned import get_query
from warehouse.lake import Warehouse


def test_identical_bytes_from_other_names_and_sources_are_all_sighted(tmp_path, prefect_harness):
    corpus = make_corpus(tmp_path / "wire", stories=3, seed=4)
    texts = sorted(p for p in corpus.iterdir() if p.suffix in (".txt", ".md") and p.stat().st_size)
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for n, f in enumerate(texts[:3]):  # byte-identical copies under other names, from another source
        shutil.copy(f, mirror / f"copy-{n}{f.suffix}")
    root = tmp_path / "wh"
    news_pipeline([str(corpus)], str(root), source="wire")
    news_pipeline([str(mirror)], str(root), source="mirror")
    with Warehouse(root).reading() as con:
        sighted = {(s, os.path.basename(u)) for s, u in con.execute("SELECT source, uri FROM sightings").fetchall()}
        for f in texts:
            assert ("wire", f.name) in sighted, f.name
        for n, f in enumerate(texts[:3]):
            copy = f"copy-{n}{f.suffix}"
            assert ("mirror", copy) in sighted
            # the copy's story is the original's: one document, one story, two sightings
            stories = con.execute(
                "SELECT DISTINCT m.story_id FROM sightings s JOIN articles a USING (document_id) JOIN story_members m USING (article_id) "
                "WHERE s.uri LIKE '%/' || ? OR s.uri LIKE '%/' || ?", [f.name, copy]).fetchall()
            assert len(stories) == 1, (f.name, stories)
        before = con.execute("SELECT * FROM sightings ORDER BY uri").fetchall()
        loads = con.execute("SELECT count(*) FROM loads").fetchone()[0]
        story = stories[0][0]
        appeared = get_query("where_text_appeared").records(con, {"story": story[:8]})
        assert {os.path.basename(r["uri"]) for r in appeared} >= {texts[2].name, "copy-2" + texts[2].suffix}
    again = news_pipeline([str(mirror)], str(root), source="mirror")
    assert again["load_id"] is None  # nothing new: no transaction written
    with Warehouse(root).reading() as con:
        assert con.execute("SELECT * FROM sightings ORDER BY uri").fetchall() == before
        assert con.execute("SELECT count(*) FROM loads").fetchone()[0] == loads
    # the same file seen again later (touched): last_seen_at moves, seen_count adds up, no new row
    later = mirror / f"copy-0{texts[0].suffix}"
    os.utime(later, (later.stat().st_atime, later.stat().st_mtime + 3600))
    news_pipeline([str(mirror)], str(root), source="mirror")
    with Warehouse(root).reading() as con:
        rows = con.execute("SELECT seen_count, last_seen_at > first_seen_at FROM sightings WHERE uri LIKE ?", [f"%/{later.name}"]).fetchall()
        assert rows == [(2, True)]
        assert con.execute("SELECT count(*) FROM sightings").fetchone()[0] == len(before)
