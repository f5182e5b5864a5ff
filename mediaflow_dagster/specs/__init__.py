"""Per-platform content specs: what each platform takes (a versioned table), whether a piece of
content breaks it, and the content adapted to fit its text limits."""

from mediaflow_dagster.specs.adaptation import AdaptedContent, adapt
from mediaflow_dagster.specs.facts import ContentFacts, MediaFacts
from mediaflow_dagster.specs.loader import UnknownSpecVersion, load_specs
from mediaflow_dagster.specs.schema import PlatformSpec, PlatformSpecs, SpecTable
from mediaflow_dagster.specs.validation import Violation, ViolationCode, check_content

__all__ = [
    "AdaptedContent",
    "ContentFacts",
    "MediaFacts",
    "PlatformSpec",
    "PlatformSpecs",
    "SpecTable",
    "UnknownSpecVersion",
    "Violation",
    "ViolationCode",
    "adapt",
    "check_content",
    "load_specs",
]
