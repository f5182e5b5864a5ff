"""Handlebars templates (handlebars-rust through `pyhandlebars`), in strict mode: a variable the
data lacks is an error naming it, never an empty string in a sent message. The HTML body is
escaped as Handlebars does (`{{x}}` escaped, `{{{x}}}` as written); the subject, the text body
and the SMS are plain text, so their output is unescaped again (an `&amp;` written in such a
template comes out as `&`)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pyhandlebars import FormatError, PyHandlebars, PyHandlebarsError, Template, TemplateParseError

PARTS = ("subject", "html_body", "text_body", "sms_body")
HTML_PARTS = frozenset({"html_body"})
_MISSING = re.compile(r"variable '([^']+)' is expected")
_REASON = re.compile(r"reason: (.+)")
_POSITION = re.compile(r":(\d+):(\d+)\n")
_strict = PyHandlebars(strict_mode=True)


@dataclass(frozen=True)
class TemplateProblem(Exception):
    """What is wrong with one part of a template: a syntax error, or a variable the data lacks."""

    part: str
    kind: str
    message: str
    variable: str | None = None

    def __str__(self) -> str:
        return f"{self.part}: {self.message}"


@lru_cache(maxsize=2048)
def _compiled(text: str, part: str) -> Template:
    try:
        return Template(text, client=_strict)
    except TemplateParseError as error:
        raise TemplateProblem(part, "syntax", _syntax_message(str(error))) from error


def _syntax_message(raw: str) -> str:
    reason = _REASON.search(raw)
    position = _POSITION.search(raw)
    where = f" at line {position[1]}, column {position[2]}" if position else ""
    return f"syntax error{where}: {(reason[1] if reason else raw.splitlines()[0]).strip()}"


def check(parts: dict[str, str | None]) -> None:
    """`TemplateProblem` for the first part that is not a valid template."""
    for part, text in parts.items():
        if text is not None:
            _compiled(text, part)


def render_part(part: str, text: str, data: dict[str, Any]) -> str:
    template = _compiled(text, part)
    try:
        rendered = template.format(data)
    except FormatError as error:
        missing = _MISSING.search(str(error))
        if missing:
            name = missing[1]
            raise TemplateProblem(
                part, "missing_variable", f"the data has no `{name}`", name
            ) from error
        raise TemplateProblem(part, "render", str(error).splitlines()[0]) from error
    except (PyHandlebarsError, TypeError) as error:
        raise TemplateProblem(part, "render", str(error).splitlines()[0]) from error
    return rendered if part in HTML_PARTS else html.unescape(rendered)


def render(template: dict[str, Any], data: dict[str, Any], parts=PARTS) -> dict[str, str | None]:
    """Each of `parts` of `template` rendered with `data` (None where the template has none)."""
    return {
        part: None if template.get(part) is None else render_part(part, template[part], data)
        for part in parts
    }
