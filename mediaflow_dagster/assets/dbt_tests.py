"""What each dbt test checks, in words, for the check's description in the Dagster UI: a generic
test says what it asserts of its column; a singular test gives its own doc comment."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

DOC_COMMENT = re.compile(r"\{#(.*?)#\}", re.DOTALL)
REFERENCE = re.compile(r"ref\('([^']+)'\)")


def test_description(test: Mapping[str, Any]) -> str:
    """The test's description: the one written in its YAML, else what it asserts."""
    if test.get("description"):
        return test["description"]
    metadata = test.get("test_metadata") or {}
    if not metadata:
        comment = DOC_COMMENT.search(test.get("raw_code", ""))
        return " ".join(comment.group(1).split()) if comment else f"dbt test {test['name']}."
    arguments = metadata.get("kwargs", {})
    column = test.get("column_name") or arguments.get("column_name")
    phrases = {
        "not_null": lambda: f"{column} is never NULL.",
        "unique": lambda: f"{column} is unique: no two rows share it.",
        "non_negative": lambda: f"{column} is never negative.",
        "accepted_values": lambda: (
            f"{column} is one of: {', '.join(map(str, arguments['values']))}."
        ),
        "relationships": lambda: (
            f"Every {column} names an existing {_referenced(arguments['to'])}.{arguments['field']}."
        ),
        "primary_key": lambda: (
            f"({', '.join(arguments['columns'])}) names one row: unique, never NULL."
        ),
        "unique_combination": lambda: (
            f"No two rows share ({', '.join(arguments['combination_of_columns'])})."
        ),
        "expression_is_true": lambda: f"Every row satisfies: {arguments['expression']}.",
    }
    describe = phrases.get(metadata["name"])
    return describe() if describe else f"dbt test {metadata['name']} on {column or 'the model'}."


def _referenced(reference: str) -> str:
    found = REFERENCE.search(reference)
    return found.group(1) if found else reference
