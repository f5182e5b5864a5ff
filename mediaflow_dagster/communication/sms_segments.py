"""How many SMS a text takes (3GPP TS 23.038): GSM-7 when every character is in the GSM basic
set or its extension (which costs two septets), 160 septets alone or 153 per part of a long
message; otherwise UCS-2, 70 UTF-16 code units alone or 67 per part (an emoji outside the
Basic Multilingual Plane takes two)."""

from __future__ import annotations

from dataclasses import dataclass

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")


@dataclass(frozen=True)
class Segments:
    encoding: str
    units: int
    count: int


def segments(text: str) -> Segments:
    if all(char in GSM_BASIC or char in GSM_EXTENSION for char in text):
        units = sum(2 if char in GSM_EXTENSION else 1 for char in text)
        return Segments("GSM-7", units, _parts(units, single=160, multi=153))
    units = len(text.encode("utf-16-le")) // 2
    return Segments("UCS-2", units, _parts(units, single=70, multi=67))


def _parts(units: int, *, single: int, multi: int) -> int:
    if units <= single:
        return 1
    return -(-units // multi)
