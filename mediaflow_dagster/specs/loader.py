"""The packaged spec table, read once; any version of it by name, the newest by default."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from mediaflow_dagster.specs.schema import PlatformSpecs, SpecTable, SpecVersion

SPEC_FILE = "platform_specs.json"


class UnknownSpecVersion(LookupError):
    pass


@cache
def spec_table() -> SpecTable:
    spec_file = files("mediaflow_dagster.specs").joinpath(SPEC_FILE)
    return SpecTable.model_validate_json(spec_file.read_text(encoding="utf-8"))


def load_specs(version: SpecVersion | None = None) -> PlatformSpecs:
    table = spec_table()
    if version is None:
        return table.current
    for specs in table.versions:
        if specs.version == version:
            return specs
    known = ", ".join(specs.version for specs in table.versions)
    raise UnknownSpecVersion(f"no platform specs version {version!r} (known: {known})")
