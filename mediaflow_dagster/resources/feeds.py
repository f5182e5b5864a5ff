"""Reading RSS and Atom feeds (fetched with httpx, parsed by feedparser) for content ideas."""

from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass
from datetime import datetime

import feedparser
from feedparser.exceptions import ThingsNobodyCaresAboutButMe
from pydantic import Field

from mediaflow_dagster.resources.http import HttpResource, send, shared_client

ACCEPTED_TYPES = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.8"


class FeedUnreadable(RuntimeError):
    """The feed answered with an error, or with something that is not a well-formed RSS or Atom
    document."""


@dataclass(frozen=True)
class FeedEntry:
    external_id: str
    title: str
    summary: str | None
    url: str | None
    author: str | None
    author_url: str | None
    published_at: datetime | None
    categories: tuple[str, ...]

    def mentions(self, topic: str) -> bool:
        text = " ".join([self.title, self.summary or "", *self.categories])
        return topic.casefold() in text.casefold()


class ContentFeeds(HttpResource):
    content_feed_urls: list[str] = Field(
        default=[], description="The RSS or Atom feeds content ideas come from."
    )

    def read(self, url: str) -> list[FeedEntry]:
        """The feed's entries, as it lists them; `FeedUnreadable` when it cannot be trusted."""
        response = send(
            shared_client(self.http_timeout_seconds),
            lambda client: client.get(url, headers={"Accept": ACCEPTED_TYPES}),
            max_attempts=self.http_max_attempts,
            idempotent=True,
        )
        if response.is_error:
            raise FeedUnreadable(f"feed {url} answered HTTP {response.status_code}")
        parsed = feedparser.parse(response.content, response_headers=dict(response.headers))
        if parsed.bozo and not isinstance(parsed.bozo_exception, ThingsNobodyCaresAboutButMe):
            raise FeedUnreadable(f"feed {url} is not well-formed: {parsed.bozo_exception}")
        if not parsed.version:
            raise FeedUnreadable(f"feed {url} is neither RSS nor Atom")
        source = parsed.feed
        return [
            FeedEntry(
                external_id=entry.get("id") or entry.get("link") or entry.get("title", ""),
                title=_plain(entry.get("title")) or "(untitled)",
                summary=_plain(entry.get("summary")),
                url=entry.get("link"),
                author=entry.get("author") or source.get("title"),
                author_url=source.get("link"),
                published_at=_moment(entry.get("published_parsed") or entry.get("updated_parsed")),
                categories=tuple(tag.term for tag in entry.get("tags", []) if tag.get("term")),
            )
            for entry in parsed.entries
        ]


def _plain(markup: str | None) -> str | None:
    """Feed text without its HTML tags, on one line."""
    if not markup:
        return None
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split()) or None


def _moment(parsed_time: time.struct_time | None) -> datetime | None:
    """feedparser's UTC `struct_time` as the naive UTC timestamp the ops store keeps."""
    return datetime(*parsed_time[:6]) if parsed_time else None
