"""How each platform counts its message: X weighs code points and URLs, YouTube counts bytes,
TikTok UTF-16 code units."""

from __future__ import annotations

from mediaflow_dagster.specs import load_specs
from mediaflow_dagster.specs.message import message_length

SPECS = load_specs().platforms


def test_x_weighs_latin_as_1_cjk_and_emoji_as_2_and_any_url_as_23():
    x = SPECS["x"].message

    assert message_length("hello", x) == 5
    assert message_length("日本語", x) == 6
    assert message_length("🎉", x) == 2
    assert message_length("see https://example.com/" + "a" * 100 + ".", x) == 4 + 23 + 1


def test_x_counts_composed_and_decomposed_accents_alike():
    x = SPECS["x"].message

    assert message_length("e\u0301", x) == message_length("é", x) == 1


def test_youtube_counts_bytes_and_tiktok_utf16_code_units():
    assert message_length("été", SPECS["youtube"].message) == 5
    assert message_length("🎉", SPECS["tiktok"].message) == 2
    assert message_length("🎉", SPECS["instagram"].message) == 1
