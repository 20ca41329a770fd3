"""robots.txt rules per site, fetched once and cached, read with urllib.robotparser.

Status handling follows Google's documented behaviour: a 4xx (no robots.txt) allows
everything, a 5xx or 429 (site in trouble) disallows everything, and an unreachable
robots.txt allows everything (the page fetch then fails or succeeds on its own).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

# (status, body) of GET /robots.txt, or None when it could not be reached at all.
RobotsLoader = Callable[[str], "tuple[int, bytes] | None"]

# Google reads only the first 500 KiB of a robots.txt; so do we.
ROBOTS_MAX_BYTES = 500 * 1024


def site_of(url: str) -> str:
    """`scheme://host[:port]` of `url`, lower-cased: the scope of one robots.txt."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.rpartition('@')[2].lower()}"


def rules_from(status: int | None, body: bytes) -> RobotFileParser:
    """A parser holding the rules that a robots.txt response with `status` and `body` implies."""
    parser = RobotFileParser()
    if status is None or (400 <= status < 500 and status != 429):
        parser.allow_all = True
    elif status == 429 or status >= 500:
        parser.disallow_all = True
    elif 200 <= status < 300:
        text = body[:ROBOTS_MAX_BYTES].decode("utf-8", errors="replace")
        parser.parse(text.splitlines())
    else:
        # A 3xx that was not followed to an answer or a 1xx: nothing usable, so allow.
        parser.allow_all = True
    return parser


class RobotsCache:
    """Answers "may this user agent fetch this URL?", loading each site's robots.txt once."""

    def __init__(self, load: RobotsLoader, user_agent: str) -> None:
        self._load = load
        self._user_agent = user_agent
        self._rules: dict[str, RobotFileParser] = {}

    def _rules_for(self, url: str) -> RobotFileParser:
        site = site_of(url)
        rules = self._rules.get(site)
        if rules is None:
            answer = self._load(f"{site}/robots.txt")
            rules = rules_from(*answer) if answer else rules_from(None, b"")
            self._rules[site] = rules
        return rules

    def allowed(self, url: str) -> bool:
        """True when robots.txt of `url`'s site lets our user agent fetch `url`."""
        return self._rules_for(url).can_fetch(self._user_agent, url)

    def crawl_delay(self, url: str) -> float | None:
        """The site's Crawl-delay for our user agent if its robots.txt is already loaded."""
        rules = self._rules.get(site_of(url))
        if rules is None:
            return None
        delay = rules.crawl_delay(self._user_agent)
        return float(delay) if delay is not None else None
