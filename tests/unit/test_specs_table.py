"""The versioned spec table: every entry of the packaged file validates, versions load by name,
the newest is the current one."""

from __future__ import annotations

import json
from fractions import Fraction
from importlib.resources import files

import pytest
from pydantic import ValidationError

from mediaflow_dagster.cms.schema import PLATFORMS
from mediaflow_dagster.specs import PlatformSpec, SpecTable, UnknownSpecVersion, load_specs, loader
from mediaflow_dagster.specs.schema import AspectRatio

RAW_TABLE = json.loads(
    files("mediaflow_dagster.specs").joinpath("platform_specs.json").read_text(encoding="utf-8")
)
PACKAGED_ENTRIES = [
    (version["version"], name, entry)
    for version in RAW_TABLE["versions"]
    for name, entry in version["platforms"].items()
]


@pytest.mark.parametrize(
    ("version", "name", "entry"), PACKAGED_ENTRIES, ids=[f"{v}-{n}" for v, n, _ in PACKAGED_ENTRIES]
)
def test_every_platform_in_the_packaged_file_validates_against_the_schema(version, name, entry):
    spec = PlatformSpec.model_validate({**entry, "platform": name, "version": version})

    assert spec.source
    assert spec.object_types


def test_the_current_specs_cover_every_platform_the_cms_publishes_to():
    assert set(load_specs().platforms) == set(PLATFORMS)


def test_each_platform_takes_the_object_types_it_publishes():
    takes = {name: set(spec.object_types) for name, spec in load_specs().platforms.items()}

    assert takes["youtube"] == takes["tiktok"] == {"video", "advertisement"}
    assert takes["instagram"] == {"image", "video", "advertisement"}
    assert takes["x"] == takes["facebook"] == {"text", "image", "video", "advertisement"}
    assert takes["linkedin"] == {"text", "image", "video", "article", "advertisement"}
    assert takes["wordpress"] == {"text", "image", "video", "audio", "article"}


def test_articles_go_to_wordpress_in_full_and_to_linkedin_as_a_link_card():
    specs = load_specs().platforms

    assert specs["wordpress"].article.delivery == "full_text"
    assert specs["linkedin"].article.delivery == "link_card"
    assert [name for name, spec in specs.items() if spec.article] == ["linkedin", "wordpress"]


def test_every_ad_product_offers_learn_more_in_its_own_code_and_tiktok_shows_no_headline():
    ads = {name: spec.advertisement for name, spec in load_specs().platforms.items()}

    assert ads["wordpress"] is None
    offered = {name: ad.call_to_actions["learn_more"] for name, ad in ads.items() if ad}
    assert offered["facebook"] == offered["linkedin"] == "LEARN_MORE"
    assert ads["tiktok"].headline is None and ads["tiktok"].creative_kinds == ["video"]
    assert ads["youtube"].creative_kinds == ["video"]
    assert ads["facebook"].creative_kinds == ["image", "video"]


def test_an_older_version_stays_readable_with_the_types_it_had():
    assert load_specs("2026-11-01").platforms["wordpress"].object_types == {
        "text",
        "image",
        "video",
        "audio",
    }


def test_loading_without_a_version_gives_the_newest_and_a_version_by_name_gives_that_one(
    monkeypatch,
):
    current = load_specs()
    older = current.model_copy(update={"version": "2025-06-01"})
    monkeypatch.setattr(loader, "spec_table", lambda: SpecTable(versions=(current, older)))

    assert load_specs().version == current.version
    assert load_specs("2025-06-01") is older
    assert load_specs(current.version) is current


def test_an_unknown_version_is_refused_naming_the_known_ones():
    with pytest.raises(UnknownSpecVersion, match="2026-11-01"):
        load_specs("1999-01-01")


def test_the_table_reads_back_what_it_writes():
    table = loader.spec_table()

    assert SpecTable.model_validate_json(table.model_dump_json()) == table


def test_a_version_appearing_twice_is_refused():
    current = load_specs()

    with pytest.raises(ValidationError, match="appears twice"):
        SpecTable(versions=(current, current))


def test_an_object_type_without_its_media_spec_is_refused():
    youtube = load_specs().platforms["youtube"].model_dump()

    with pytest.raises(ValidationError, match="video objects and a `video` spec go together"):
        PlatformSpec.model_validate({**youtube, "video": None})


def test_aspect_ratios_are_written_as_the_platforms_write_them():
    ratio = AspectRatio.model_validate("1.91:1")

    assert ratio.value == Fraction(191, 100)
    assert str(ratio) == "1.91:1"
    assert AspectRatio.model_validate("4:5").value == Fraction(4, 5)
    with pytest.raises(ValidationError, match="width:height"):
        AspectRatio.model_validate("1.91")
