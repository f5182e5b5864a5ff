"""Content feeds: RSS 2.0 and Atom 1.0 documents whose items are ideas for posts, the same on
every request, and one feed that is broken (its XML ends mid-item), as feeds in the wild can be."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Literal
from xml.etree.ElementTree import Element, SubElement, tostring

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from mediaflow_sandbox.addresses import FEEDS_PREFIX
from mediaflow_sandbox.clock import iso_z

ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"
FIRST_PUBLISHED = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
HOURS_BETWEEN_ITEMS = 20
ANGLES = (
    ("Five ideas for {subject}", "Quick formats that make {subject} worth a post this week."),
    (
        "What {subject} means for small brands",
        "How independent brands turn {subject} into stories their audience shares.",
    ),
    ("A week of {subject} posts", "A ready-made plan: one {subject} post a day, seven angles."),
)
MEDIA_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml"}
BROKEN_FEED_NAME = "broken"


@dataclass(frozen=True)
class Feed:
    title: str
    format: Literal["rss", "atom"]
    subjects: tuple[str, ...]


@dataclass(frozen=True)
class Idea:
    title: str
    summary: str
    slug: str
    published: datetime
    categories: tuple[str, ...]


FEEDS = {
    "marketing-trends": Feed(
        "Marketing trends",
        "rss",
        ("innovation", "product launches", "short video", "influencers", "social commerce"),
    ),
    "food-and-drink": Feed(
        "Food and drink", "atom", ("coffee", "seasonal menus", "street food", "wine pairing")
    ),
}


def ideas(feed: Feed) -> list[Idea]:
    """The feed's items, newest first: each subject under each angle."""
    pairs = [(subject, angle) for angle in ANGLES for subject in feed.subjects]
    made = []
    for number, (subject, (title, summary)) in enumerate(pairs):
        text = title.format(subject=subject)
        made.append(
            Idea(
                title=text,
                summary=summary.format(subject=subject),
                slug=re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-"),
                published=FIRST_PUBLISHED + timedelta(hours=HOURS_BETWEEN_ITEMS * number),
                categories=(subject, feed.title.lower()),
            )
        )
    return made[::-1]


class ContentFeeds:
    def __init__(self, base_url: str) -> None:
        self._base_url = base_url

    def routes(self) -> list[Route]:
        return [Route(f"{FEEDS_PREFIX}/{{name}}.xml", self.feed)]

    async def feed(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name == BROKEN_FEED_NAME:
            return Response(broken_rss(), media_type=MEDIA_TYPES["rss"])
        feed = FEEDS.get(name)
        if feed is None:
            return PlainTextResponse(f"no feed named {name!r}", status_code=404)
        address = f"{self._base_url}{FEEDS_PREFIX}/{name}"
        document = rss(feed, address) if feed.format == "rss" else atom(feed, address)
        return Response(
            tostring(document, encoding="utf-8", xml_declaration=True),
            media_type=MEDIA_TYPES[feed.format],
        )


def rss(feed: Feed, address: str) -> Element:
    items = ideas(feed)
    root = Element("rss", {"version": "2.0", "xmlns:atom": ATOM_NAMESPACE})
    channel = SubElement(root, "channel")
    _text(channel, "title", feed.title)
    _text(channel, "link", address)
    _text(channel, "description", f"Post ideas about {', '.join(feed.subjects)}")
    _text(channel, "language", "en")
    _text(channel, "lastBuildDate", format_datetime(items[0].published))
    SubElement(
        channel,
        "atom:link",
        {"href": f"{address}.xml", "rel": "self", "type": MEDIA_TYPES["rss"]},
    )
    for idea in items:
        item = SubElement(channel, "item")
        _text(item, "title", idea.title)
        _text(item, "link", f"{address}/{idea.slug}")
        SubElement(item, "guid", {"isPermaLink": "true"}).text = f"{address}/{idea.slug}"
        _text(item, "description", idea.summary)
        _text(item, "pubDate", format_datetime(idea.published))
        for category in idea.categories:
            _text(item, "category", category)
    return root


def atom(feed: Feed, address: str) -> Element:
    items = ideas(feed)
    root = Element("feed", {"xmlns": ATOM_NAMESPACE})
    _text(root, "title", feed.title)
    _text(root, "id", address)
    _text(root, "updated", iso_z(items[0].published))
    SubElement(root, "link", {"href": f"{address}.xml", "rel": "self"})
    SubElement(root, "link", {"href": address, "rel": "alternate"})
    author = SubElement(root, "author")
    _text(author, "name", f"{feed.title} desk")
    for idea in items:
        entry = SubElement(root, "entry")
        _text(entry, "title", idea.title)
        _text(entry, "id", f"{address}/{idea.slug}")
        SubElement(entry, "link", {"href": f"{address}/{idea.slug}", "rel": "alternate"})
        _text(entry, "published", iso_z(idea.published))
        _text(entry, "updated", iso_z(idea.published))
        _text(entry, "summary", idea.summary)
        for category in idea.categories:
            SubElement(entry, "category", {"term": category})
    return root


def broken_rss() -> bytes:
    return (
        b"<?xml version='1.0' encoding='utf-8'?>\n<rss version=\"2.0\"><channel>"
        b"<title>Broken</title><item><title>Half an idea</title><description>cut"
    )


def _text(parent: Element, tag: str, text: str) -> None:
    SubElement(parent, tag).text = text
