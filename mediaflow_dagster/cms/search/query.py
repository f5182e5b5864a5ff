"""A search as every backend takes it and the answer every backend gives, and how a query's
text is read: the same on every backend, whatever characters it holds.

The text reads as a web search box does: words must all match (in any order, accents and case
ignored), `"quoted words"` must match as a phrase, `-word` or `-"a phrase"` must not match, `OR`
between two terms lets either match. Every other character (`*`, `:`, `'`, parentheses, `NEAR`)
is only text: nothing a person types is syntax of the engine underneath. Past `MAX_TERMS`
terms the rest is ignored, as Meilisearch ignores words past its tenth.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Literal

Sort = Literal["relevance", "date:desc", "date:asc", "title:asc", "title:desc"]
SORTS: tuple[str, ...] = Sort.__args__
MAX_TERMS = 10
SNIPPET_CHARS = 160
SNIPPET_WORDS = 16
FACETS = ("type", "status", "kind", "platform", "campaign")
HIGHLIGHT_START, HIGHLIGHT_END = "\x02", "\x03"
"""What backends mark matches with in snippets: characters no indexed text holds, turned into
`<mark>` once the rest is escaped."""

SYNONYMS: dict[str, list[str]] = {
    "video": ["clip"],
    "clip": ["video"],
    "launch": ["lancement"],
    "lancement": ["launch"],
    "photo": ["image", "picture"],
    "image": ["photo", "picture"],
    "picture": ["photo", "image"],
    "promo": ["promotion"],
    "promotion": ["promo"],
}
"""Words that find each other, on every backend (Meilisearch's `synonyms` setting; the
databases add them to the query's alternatives)."""

_TOKENS = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Text without accents and in lower case, as every backend compares words."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=65_536)
def _folded_word(word: str) -> str:
    """`fold` of one word, remembered: the words of indexed texts repeat."""
    return fold(word)


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


Phrase = tuple[str, ...]


@dataclass(frozen=True)
class ParsedText:
    clauses: tuple[tuple[Phrase, ...], ...] = ()
    """Every clause must match; a clause matches when one of its phrases does."""
    excluded: tuple[Phrase, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.clauses and not self.excluded

    def terms(self) -> list[str]:
        """The single-word phrases, those typo tolerance applies to."""
        return sorted(
            {phrase[0] for clause in self.clauses for phrase in clause if len(phrase) == 1}
        )


def parse(text: str) -> ParsedText:
    clauses: list[list[Phrase]] = []
    excluded: list[Phrase] = []
    either = False
    for negated, quoted, bare in _TOKENS.findall(text):
        if bare == "OR":
            either = bool(clauses)
            continue
        if bare:
            negated, bare = ("-", bare[1:]) if bare.startswith("-") else ("", bare)
            phrases = [(word,) for word in words(bare)]
        else:
            phrases = [tuple(words(quoted))] if words(quoted) else []
        for phrase in phrases:
            if negated:
                excluded.append(phrase)
            elif either:
                clauses[-1].append(phrase)
            else:
                clauses.append([phrase])
            either = False
        if len(clauses) + len(excluded) >= MAX_TERMS:
            break
    return ParsedText(tuple(tuple(clause) for clause in clauses), tuple(excluded))


def allowed_typos(term: str) -> int:
    """Meilisearch's defaults: one typo from 5 letters, two from 9; none below."""
    return 0 if len(term) < 5 else 1 if len(term) < 9 else 2


def with_alternatives(parsed: ParsedText, alternatives: dict[str, list[str]]) -> ParsedText:
    """`parsed` with each single-word phrase's near words (its typos, plurals) as alternatives."""
    clauses = []
    for clause in parsed.clauses:
        phrases = list(clause)
        for phrase in clause:
            if len(phrase) == 1:
                phrases += [
                    (word,) for word in alternatives.get(phrase[0], ()) if (word,) not in phrases
                ]
        clauses.append(tuple(phrases))
    return ParsedText(tuple(clauses), parsed.excluded)


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    type: str | None = None
    status: str | None = None
    platform: str | None = None
    campaign_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    sort: Sort = "relevance"
    page: int = 1
    per_page: int = 20

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass
class Hit:
    id: str
    type: str
    title: str
    title_html: str
    """The title, HTML-escaped, its matches in `<mark>`."""
    snippet: str
    """The best passage, HTML-escaped, its matches in `<mark>`."""
    document: dict[str, Any]


@dataclass
class SearchAnswer:
    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]]
    backend: str
    page: int
    per_page: int
    fallback_reason: str | None = None
    estimated: bool = False
    """True when the total and the facet counts are estimated from a sample of the matches (a
    search matching more than `sql.COUNTED` documents on a database)."""


def marked(text: str | None) -> str:
    """A backend's snippet made safe for HTML: escaped, its match marks turned to `<mark>`."""
    escaped = html.escape(text or "", quote=False)
    return escaped.replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_END, "</mark>")


def empty_facets() -> dict[str, dict[str, int]]:
    return {name: {} for name in FACETS}


def hit(document: dict[str, Any], title_html: str, snippet: str | None) -> Hit:
    """A database backend's hit: its snippet, or the text's start when no match is in it."""
    return Hit(
        id=document["id"],
        type=document["type"],
        title=document["title"],
        title_html=marked(title_html),
        snippet=marked(
            snippet if snippet and HIGHLIGHT_START in snippet else document["text"][:SNIPPET_CHARS]
        ),
        document=document,
    )


def _looked_for(parsed: ParsedText) -> tuple[str, ...]:
    return tuple({word for clause in parsed.clauses for phrase in clause for word in phrase})


def marked_words(text: str, parsed: ParsedText) -> str:
    """`text` with the words the parsed query looks for between highlight marks (a word
    counts when it begins with one of them: "vidéos" for "video")."""
    wanted = _looked_for(parsed)
    if not wanted:
        return text

    def mark(found: re.Match) -> str:
        if _folded_word(found.group()).startswith(wanted):
            return f"{HIGHLIGHT_START}{found.group()}{HIGHLIGHT_END}"
        return found.group()

    return _WORD.sub(mark, text)


def marked_passage(text: str, parsed: ParsedText) -> str | None:
    """The passage of `text` around the first word the parsed query looks for, at most
    `SNIPPET_WORDS` words (`…` where cut), its matches marked; None when no word matches."""
    wanted = _looked_for(parsed)
    found = list(_WORD.finditer(text))
    first = next(
        (
            index
            for index, word in enumerate(found)
            if _folded_word(word.group()).startswith(wanted)
        ),
        None,
    )
    if not wanted or first is None:
        return None
    start = max(0, first - SNIPPET_WORDS // 4)
    end = min(len(found), start + SNIPPET_WORDS)
    passage = marked_words(text[found[start].start() : found[end - 1].end()], parsed)
    return ("…" if start else "") + passage + ("…" if end < len(found) else "")
