"""A post's message as a platform shows it (the text, the link line and the hashtags), and its
length as the platform counts it."""

from __future__ import annotations

import re
import string
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Sequence

from mediaflow_dagster.specs.schema import LengthUnit, MessageSpec, PlatformSpec, TextWeighting

URL = re.compile(r"https?://\S+?(?=[\"'),.:;!?\]]*(?:\s|$))", re.IGNORECASE)
INLINE_HASHTAG = re.compile(r"(?<![\w#])#\w+")
WORD_BREAK = re.compile(r"\s+")
ELLIPSIS = "…"
DANGLING = ",;:.!?-\N{EN DASH}\N{EM DASH}" + string.whitespace
LINK_IN_BIO = "Link in bio"
UNIT_NAMES: dict[LengthUnit, str] = {
    "character": "characters",
    "utf16_code_unit": "UTF-16 code units",
    "utf8_byte": "bytes",
    "weighted": "weighted characters",
}


def message_length(text: str, spec: MessageSpec) -> int:
    if spec.weighting is not None:
        return _weighted_length(text, spec.weighting)
    match spec.length_unit:
        case "utf16_code_unit":
            return len(text.encode("utf-16-le")) // 2
        case "utf8_byte":
            return len(text.encode())
        case _:
            return len(text)


def unit_name(spec: MessageSpec) -> str:
    """What the length is counted in, for people: "characters", "bytes", ..."""
    return UNIT_NAMES[spec.length_unit]


def _weighted_length(text: str, weighting: TextWeighting) -> int:
    """X's count: NFC code points weighed by range, each URL as `url_length`. An emoji made of
    several code points weighs each of them, so this count is never under X's."""
    normalized = unicodedata.normalize("NFC", text)
    urls = len(URL.findall(normalized))
    return urls * weighting.url_length + sum(
        _weight(ord(character), weighting) for character in URL.sub("", normalized)
    )


def _weight(code_point: int, weighting: TextWeighting) -> int:
    return next(
        (span.weight for span in weighting.ranges if span.first <= code_point <= span.last),
        weighting.default_weight,
    )


def fits(message: str, spec: MessageSpec) -> bool:
    return spec.max_length is None or message_length(message, spec) <= spec.max_length


def as_hashtag(tag: str) -> str:
    return tag if tag.startswith("#") else f"#{tag}"


def inline_hashtag_count(text: str) -> int:
    """Hashtags written in the text itself (a URL's `#fragment` is not one)."""
    return len(INLINE_HASHTAG.findall(URL.sub(" ", text)))


def _link_line(spec: PlatformSpec, text: str, link: str | None) -> str:
    """What the message says of the link: the URL, unless the text has it already, or "Link in
    bio" where links in posts are not clickable."""
    if link is None:
        return ""
    if spec.link_placement == "link_in_bio":
        return LINK_IN_BIO
    return "" if link in text else link


def compose(spec: PlatformSpec, text: str, link: str | None, hashtags: Sequence[str]) -> str:
    hashtag_line = " ".join(map(as_hashtag, hashtags)) if spec.hashtags.in_message else ""
    blocks = (text, _link_line(spec, text, link), hashtag_line)
    return spec.message.separator.join(block for block in blocks if block)


def cut_at_word_boundary(text: str, acceptable: Callable[[str], bool]) -> str:
    """The longest start of `text` that ends at a word boundary and is acceptable with an
    ellipsis after it; "" if not even the first word is."""
    stems = [
        stem
        for stem in (text[: match.start()].rstrip(DANGLING) for match in WORD_BREAK.finditer(text))
        if stem
    ]
    kept = bisect_left(stems, True, key=lambda stem: not acceptable(stem + ELLIPSIS))
    return stems[kept - 1] + ELLIPSIS if kept else ""
