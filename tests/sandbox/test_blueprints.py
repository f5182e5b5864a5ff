"""The shipped Make blueprints: in Make's export shape, with placeholders where the docstring of
`mediaflow_dagster.blueprints` says, and as the sandbox reads them."""

from __future__ import annotations

import pytest

from mediaflow_dagster.blueprints import BLUEPRINT_PLATFORMS, load_blueprint
from mediaflow_sandbox.make_blueprint import modules, wiring


@pytest.mark.parametrize("platform", BLUEPRINT_PLATFORMS)
def test_placeholders_sit_at_the_documented_paths(platform: str) -> None:
    blueprint = load_blueprint(platform)
    webhook, router = blueprint["flow"]
    publish_routes = router["routes"][1:]

    assert set(blueprint) == {"name", "flow", "metadata"}
    assert webhook["module"] == "gateway:CustomWebHook"
    assert webhook["parameters"]["hook"] == 0
    assert len(publish_routes) == (2 if platform == "instagram" else 1)
    for route in publish_routes:
        assert route["flow"][2]["parameters"]["__IMTCONN__"] == 0
    module_names = {module["module"] for module in modules(blueprint["flow"])}
    assert {"gateway:WebhookRespond", "http:ActionSendData", "datastore:GetRecord"} <= module_names


@pytest.mark.parametrize("platform", BLUEPRINT_PLATFORMS)
def test_the_sandbox_reads_the_wiring_that_was_filled_in(platform: str) -> None:
    wired = wiring(load_blueprint(platform, hook_id=2001, connection_id=1001))

    assert (wired.hook_id, wired.connection_id, wired.app.platform) == (2001, 1001, platform)


def test_there_is_no_blueprint_for_an_unknown_platform() -> None:
    with pytest.raises(ValueError, match="mastodon"):
        load_blueprint("mastodon")
