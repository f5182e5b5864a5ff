"""SMS parts as the networks count them: GSM-7 160 / 153 a part (extension characters cost two),
UCS-2 70 / 67 a part in UTF-16 code units."""

import pytest

from mediaflow_dagster.communication.sms_segments import segments


@pytest.mark.parametrize(
    ("text", "encoding", "count"),
    [
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("€" * 80, "GSM-7", 1),
        ("€" * 81, "GSM-7", 2),
        ("Crème brûlée" + "a" * 58, "UCS-2", 1),
        ("Crème brûlée" + "a" * 59, "UCS-2", 2),
        ("😀" * 35, "UCS-2", 1),
        ("😀" * 36, "UCS-2", 2),
        ("a" * 134 + "ê", "UCS-2", 3),
    ],
)
def test_parts_are_counted_by_the_encoding_the_text_needs(text, encoding, count):
    counted = segments(text)

    assert (counted.encoding, counted.count) == (encoding, count)
