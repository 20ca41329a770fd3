"""IPTC NewsML-G2: newsItem (or a newsMessage's items) with contentMeta and an inlineXML body."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tasks.normalize.detect import detect_format
from tasks.normalize.documents import parse_document
from tasks.records import RejectError
from tests.tasks.normalize.golden import assert_golden
from tests.tasks.normalize.renderings import render_newsml, seed_story
from tests.tasks.normalize.story_join import seed_story_id, stories_of

NITF_ITEM = b"""<?xml version="1.0" encoding="UTF-8"?>
<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:newsml:x.example:1" version="2" standard="NewsML-G2">
 <itemMeta><itemClass qcode="ninat:text"/><provider qcode="nprov:X"><name>X Wire</name></provider>
  <versionCreated>2021-03-04T10:00:00+01:00</versionCreated></itemMeta>
 <contentMeta><creator><name>Anna Keller</name></creator><creator literal="James Ortiz"/>
  <headline>Ferry terminal delayed again</headline><language tag="en-GB"/></contentMeta>
 <contentSet><inlineXML contenttype="application/nitf+xml">
  <nitf xmlns="http://iptc.org/std/NITF/2006-10-18/"><body>
   <body.head><hedline><hl1>Ferry terminal delayed again</hl1></hedline></body.head>
   <body.content><p>HARBOURTOWN (X Wire) - The new ferry terminal will open a year late, the port authority said.</p>
    <p>It blamed rising steel <b>prices</b> and a shortage of welders.</p></body.content>
  </body></nitf></inlineXML></contentSet>
</newsItem>"""


def test_seed_newsml_golden():
    data = render_newsml(seed_story())
    assert detect_format(data.decode()) == "newsml-g2"
    articles = parse_document(data, "seed.xml")
    assert [a.format for a in articles] == ["newsml-g2"]
    assert_golden("seed_newsml", articles)


def test_fields_from_item_and_content_meta():
    story = seed_story()
    [article] = parse_document(render_newsml(story), "seed.xml")
    assert article.title == story["title"] and article.body == "\n\n".join(story["paragraphs"])  # <h1> not repeated
    assert article.authors == ("Moscow Times Staff",)  # <by>, "By " dropped
    assert article.published_at == story["date"]  # firstCreated
    assert article.language == "en" and article.site_name == "The Moscow Times"
    assert article.extra["located"] == "Moscow" and article.extra["subjects"] == ["conflict, war and peace", "Syria"]
    assert article.extra["dateline"] == "MOSCOW" and article.extra["guid"].startswith("urn:newsml:")


def test_nitf_body_creators_and_version_created():
    [article] = parse_document(NITF_ITEM, "wire.xml")
    assert article.title == "Ferry terminal delayed again"
    assert article.authors == ("Anna Keller", "James Ortiz")
    assert article.published_at == datetime(2021, 3, 4, 9, 0, tzinfo=timezone.utc)  # versionCreated only
    assert article.body == ("The new ferry terminal will open a year late, the port authority said.\n\n"
                            "It blamed rising steel prices and a shortage of welders.")  # hedline skipped
    assert article.extra["dateline"] == "HARBOURTOWN (X Wire)" and article.language == "en-GB"


def test_news_message_gives_each_text_item_and_refuses_a_picture():
    text_item = NITF_ITEM.split(b"?>", 1)[1]
    picture = (b'<newsItem guid="urn:pic:1"><itemMeta><itemClass qcode="ninat:picture"/></itemMeta>'
               b'<contentSet><remoteContent href="https://x.example/p.jpg"/></contentSet></newsItem>')
    message = (b'<?xml version="1.0"?><newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/"><header/><itemSet>'
               + text_item.replace(b' xmlns="http://iptc.org/std/nar/2006-10-01/"', b"") + picture + b"</itemSet></newsMessage>")
    first, second = parse_document(message, "message.xml")
    assert first.title == "Ferry terminal delayed again"
    assert isinstance(second, RejectError) and second.reason == "no-article-text" and "ninat:picture" in second.detail


def test_malformed_newsml_is_a_reject():
    with pytest.raises(RejectError) as caught:
        parse_document(NITF_ITEM[:-40], "cut.xml")
    assert caught.value.reason == "xml-malformed"


def test_other_xml_is_still_not_an_article():
    with pytest.raises(RejectError) as caught:
        parse_document(b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>', "feed.xml")
    assert caught.value.reason == "not-an-article"


def test_seed_newsml_joins_the_seeds_story():
    stories = stories_of({"seed.xml": render_newsml(seed_story())})
    assert stories[("seed.xml", seed_story()["title"])] == seed_story_id(stories)
