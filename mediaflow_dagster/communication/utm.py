"""UTM parameters on the links mediaflow sends out, and the click id a tracked click hands on to
the destination (`mf_click`), which the CRM's conversions carry back (`conversion.recorded`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

CLICK_ID_PARAMETER = "mf_click"
LINK_PREVIEW_AGENTS = re.compile(
    r"facebookexternalhit|facebookcatalog|meta-externalagent|twitterbot|linkedinbot|"
    r"slackbot|whatsapp|telegrambot|discordbot|pinterestbot|googlebot|bingbot|applebot",
    re.IGNORECASE,
)
"""The platforms' and messengers' robots that fetch a posted link to show its preview: a
visit, not a click."""
URL = re.compile(r"https?://[^\s<>\"']+")
TRAILING_PUNCTUATION = ".,;:!?)]}'\""


def campaign_tag(campaign_id: int) -> str:
    return f"mediaflow-{campaign_id}"


def with_parameters(url: str, parameters: dict[str, str | None]) -> str:
    """`url` with `parameters` added (a parameter it already has keeps its value)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    present = {name for name, _ in query}
    added = [(name, value) for name, value in parameters.items() if value and name not in present]
    return urlunsplit(parts._replace(query=urlencode(query + added)))


def utm_tagged(
    url: str, *, source: str, medium: str, campaign_id: int | None, content: str | None = None
) -> str:
    return with_parameters(
        url,
        {
            "utm_source": source,
            "utm_medium": medium,
            "utm_campaign": campaign_tag(campaign_id) if campaign_id is not None else None,
            "utm_content": content,
        },
    )


def with_click_id(url: str, click_id: str) -> str:
    return with_parameters(url, {CLICK_ID_PARAMETER: click_id})


def links_replaced(text: str, replacement: Callable[[str], str]) -> str:
    """`text` with each web address in it replaced by `replacement(address)`; punctuation that
    ends a sentence after an address stays outside it."""

    def replaced(match: re.Match[str]) -> str:
        found = match.group(0)
        address = found.rstrip(TRAILING_PUNCTUATION)
        return replacement(address) + found[len(address) :]

    return URL.sub(replaced, text)


def is_link_preview(user_agent: str) -> bool:
    return bool(LINK_PREVIEW_AGENTS.search(user_agent))
