"""IPTC ninjs 1.x and 2.x items, told from other JSON records by their fields."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from tasks.normalize.documents import parse_document
from tasks.normalize.ninjs import is_ninjs
from tasks.records import RejectError
from tests.tasks.normalize.golden import assert_golden
from tests.tasks.normalize.renderings import render_ninjs, seed_story
from tests.tasks.normalize.story_join import seed_story_id, stories_of


def test_seed_ninjs_golden_both_generations():
    one = parse_document(render_ninjs(seed_story(), 1), "seed-1.json")
    two = parse_document(render_ninjs(seed_story(), 2), "seed-2.json")
    assert [a.format for a in one + two] == ["ninjs", "ninjs"]
    assert_golden("seed_ninjs", one + two)
    assert one[0].body == two[0].body == "\n\n".join(seed_story()["paragraphs"])


def test_fields():
    story = seed_story()
    [article] = parse_document(render_ninjs(story, 2), "seed.json")
    assert article.title == story["title"] and article.authors == ("Moscow Times Staff",)
    assert article.published_at == story["date"] and article.language == "en"
    assert article.extra["located"] == "Moscow" and article.extra["subjects"] == ["Syria"]


def test_text_body_versioncreated_and_a_list_of_items():
    items = [
        {"uri": "urn:x:1", "versioncreated": "2013-07-09T10:37:00Z", "headline": "Captain on trial",
         "byline": "Paulo Santalucia and Frances d'Emilio", "located": "Grossetto, Italy",
         "body_text": "GROSSETO, Italy (AP) -- The trial has begun.\n\nThe defendant made no comment."},
        {"uri": "urn:x:2", "type": "picture", "versioncreated": "2013-07-09T10:37:00Z", "headlines": [{"value": "A photo"}]},
    ]
    article, picture = parse_document(json.dumps(items).encode(), "feed.json")
    assert article.authors == ("Paulo Santalucia", "Frances d'Emilio")
    assert article.published_at == datetime(2013, 7, 9, 10, 37, tzinfo=timezone.utc)
    assert article.body == "The trial has begun.\n\nThe defendant made no comment." and article.extra["dateline"] == "GROSSETO, Italy (AP)"
    assert isinstance(picture, RejectError) and picture.reason == "no-article-text" and "picture" in picture.detail


def test_only_ninjs_shaped_records_are_ninjs():
    assert is_ninjs({"$schema": "http://www.iptc.org/std/ninjs/ninjs-schema_2.0.json"})
    assert is_ninjs({"uri": "urn:x", "versioncreated": "2020-01-01T00:00:00Z"})
    assert not is_ninjs({"uri": "https://x.example/a", "title": "A", "body": "Text."})  # a generic record
    [generic] = parse_document(b'{"uri": "https://x.example/a", "title": "A title", "body": "Some text here."}', "a.json")
    assert generic.format == "json"


def test_seed_ninjs_joins_the_seeds_story():
    stories = stories_of({"seed-1.json": render_ninjs(seed_story(), 1), "seed-2.json": render_ninjs(seed_story(), 2)})
    seeds = seed_story_id(stories)
    assert stories[("seed-1.json", seed_story()["title"])] == stories[("seed-2.json", seed_story()["title"])] == seeds
