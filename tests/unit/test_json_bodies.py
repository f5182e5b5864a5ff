"""Property tests of how the API reads JSON bodies (`mediaflow_dagster.api.bodies.parse_json`):
every document a store can keep comes back as it was sent; anything else is refused with
`InvalidJson` (a 422), never another error."""

from __future__ import annotations

import contextlib
import json
import math

from hypothesis import given
from hypothesis import strategies as st

from mediaflow_dagster.api.bodies import MAX_DEPTH, InvalidJson, parse_json

keepable_text = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters=["\x00"]), max_size=20
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | keepable_text
)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keepable_text, inner, max_size=4),
    max_leaves=30,
)


def depth(document) -> int:
    if isinstance(document, dict):
        return 1 + max(map(depth, document.values()), default=0)
    if isinstance(document, list):
        return 1 + max(map(depth, document), default=0)
    return 0


@given(documents, st.booleans())
def test_a_keepable_document_reads_back_as_it_was_sent(document, ascii_only):
    raw = json.dumps(document, ensure_ascii=ascii_only).encode()

    assert parse_json(raw) == document


@given(st.binary(max_size=200))
def test_any_bytes_are_read_or_refused_as_invalid_json_and_nothing_else(raw):
    with contextlib.suppress(InvalidJson):
        parse_json(raw)


@given(st.text(max_size=200))
def test_any_text_is_read_or_refused_as_invalid_json_and_nothing_else(text):
    try:
        document = parse_json(text.encode("utf-8", "surrogatepass"))
    except InvalidJson:
        return
    assert depth(document) <= MAX_DEPTH
    assert "\x00" not in json.dumps(document, ensure_ascii=False)


@given(documents, st.sampled_from(["\ud800", "\udfff", "\x00"]))
def test_a_string_no_store_keeps_is_refused_wherever_it_hides(document, poison):
    raw = json.dumps({"ok": document, "poisoned": [f"a{poison}b"]}).encode()

    try:
        parse_json(raw)
    except InvalidJson:
        return
    raise AssertionError("a string with a lone surrogate or NUL was taken")


@given(st.integers(min_value=MAX_DEPTH + 1, max_value=20_000), st.sampled_from("[{"))
def test_a_document_nested_past_the_limit_is_refused(levels, opener):
    inner = "[" * levels + "]" * levels if opener == "[" else '{"a":' * levels + "1" + "}" * levels

    try:
        parse_json(inner.encode())
    except InvalidJson:
        return
    raise AssertionError(f"{levels} levels were taken")


@given(st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1E999"]))
def test_a_number_no_double_holds_is_refused(number):
    try:
        document = parse_json(f'{{"x": {number}}}'.encode())
    except InvalidJson:
        return
    raise AssertionError(
        f"{number} was read as {document} (finite: {math.isfinite(document['x'])})"
    )
