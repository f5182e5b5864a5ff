"""Meilisearch's filter expressions, the part of the grammar a client sends: comparisons
(`=`, `!=`, `>`, `>=`, `<`, `<=`), `IN [...]`, `NOT`, `AND`, `OR`, parentheses; values quoted
(with `\\"` escapes) or bare numbers and words. An attribute that is not filterable, or text
that does not parse, is refused as Meilisearch refuses it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Predicate = Callable[[dict[str, Any]], bool]
_TOKEN = re.compile(
    r'\s*(?:(?P<string>"(?:[^"\\]|\\.)*")|(?P<op>>=|<=|!=|=|>|<)|(?P<punct>[\[\](),])'
    r"|(?P<word>[^\s\[\](),=<>!\"]+))"
)


class FilterError(ValueError):
    """Meilisearch's `invalid_search_filter` / `invalid_document_filter`, with its message."""


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        found = _TOKEN.match(text, position)
        if not found or found.end() == position:
            raise FilterError(f"Was expecting a value but instead got `{text[position:]}`.")
        kind = found.lastgroup
        value = found.group(kind)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        tokens.append((kind, value))
        position = found.end()
    return tokens


def _matches(value: Any, operator: str, wanted: str) -> bool:
    values = value if isinstance(value, list) else [value]
    for one in values:
        if one is None:
            continue
        if operator in ("=", "!="):
            equal = str(one).casefold() == wanted.casefold() or _number_equal(one, wanted)
            if equal:
                return operator == "="
            continue
        try:
            number, target = float(one), float(wanted)
        except (TypeError, ValueError):
            continue
        if {
            ">": number > target,
            ">=": number >= target,
            "<": number < target,
            "<=": number <= target,
        }[operator]:
            return True
    return operator == "!="


def _number_equal(value: Any, wanted: str) -> bool:
    try:
        return float(value) == float(wanted)
    except (TypeError, ValueError):
        return False


def parse_filter(text: str, filterable: set[str]) -> Predicate:
    tokens = _tokens(text)
    position = 0

    def peek() -> tuple[str, str] | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> tuple[str, str]:
        nonlocal position
        if position >= len(tokens):
            raise FilterError("Was expecting a value but instead got nothing.")
        position += 1
        return tokens[position - 1]

    def value() -> str:
        kind, text_value = take()
        if kind not in ("string", "word"):
            raise FilterError(f"Was expecting a value but instead got `{text_value}`.")
        return text_value

    def either() -> Predicate:
        parts = [both()]
        while peek() and peek()[1].upper() == "OR" and peek()[0] == "word":
            take()
            parts.append(both())
        return parts[0] if len(parts) == 1 else lambda doc: any(part(doc) for part in parts)

    def both() -> Predicate:
        parts = [negated()]
        while peek() and peek()[1].upper() == "AND" and peek()[0] == "word":
            take()
            parts.append(negated())
        return parts[0] if len(parts) == 1 else lambda doc: all(part(doc) for part in parts)

    def negated() -> Predicate:
        if peek() and peek() == ("word", "NOT"):
            take()
            inner = negated()
            return lambda doc: not inner(doc)
        return primary()

    def primary() -> Predicate:
        if peek() == ("punct", "("):
            take()
            inner = either()
            if take() != ("punct", ")"):
                raise FilterError("Expression `(` is missing its closing `)`.")
            return inner
        attribute = value()
        if attribute not in filterable:
            listed = ", ".join(sorted(filterable)) or "none"
            raise FilterError(
                f"Attribute `{attribute}` is not filterable. Available filterable attributes "
                f"are: `{listed}`."
            )
        kind, operator = take()
        if kind == "op":
            wanted = value()
            return lambda doc: _matches(doc.get(attribute), operator, wanted)
        if operator.upper() == "IN" and take() == ("punct", "["):
            listed = []
            while peek() and peek() != ("punct", "]"):
                listed.append(value())
                if peek() == ("punct", ","):
                    take()
            take()
            return lambda doc: any(_matches(doc.get(attribute), "=", one) for one in listed)
        raise FilterError(
            f"Was expecting an operation `=`, `!=`, `>=`, `>`, `<=`, `<`, `IN` after `{attribute}`."
        )

    predicate = either()
    if position != len(tokens):
        raise FilterError(
            f"Found unexpected characters at the end of the filter: `{tokens[position][1]}`."
        )
    return predicate


def combined(filter_value: Any, filterable: set[str]) -> Predicate:
    """A search's `filter`: a string, or an array whose members are all required and whose
    nested arrays are alternatives."""
    if filter_value is None:
        return lambda doc: True
    if isinstance(filter_value, str):
        return parse_filter(filter_value, filterable) if filter_value.strip() else lambda doc: True
    if isinstance(filter_value, list):
        parts = [
            (lambda alternatives: lambda doc: any(one(doc) for one in alternatives))(
                [combined(one, filterable) for one in member]
            )
            if isinstance(member, list)
            else combined(member, filterable)
            for member in filter_value
        ]
        return lambda doc: all(part(doc) for part in parts)
    raise FilterError("Invalid syntax for the filter parameter: expected a string or an array.")
