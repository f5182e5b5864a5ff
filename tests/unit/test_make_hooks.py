"""mediaflow posts only to Make's webhook origins, whatever path stored the URL."""

import pytest

from mediaflow_dagster.resources.make import MakeScenarios, ScenarioRefused, hook_refusal

MAKE = ["https://hook.eu1.make.com"]


@pytest.mark.parametrize(
    "url",
    [
        "https://hook.eu1.make.com/abc123",
        "https://hook.eu1.make.com:443/abc123",
    ],
)
def test_a_make_hook_url_is_taken(url):
    assert hook_refusal(url, MAKE) is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://hook.eu1.make.com/abc", "http://hook.eu1.make.com is not a Make webhook origin"),
        ("https://hook.eu1.make.com.evil.example/a", "is not a Make webhook origin"),
        ("https://169.254.169.254/latest/meta-data", "https://169.254.169.254 is not"),
        ("https://127.0.0.1:8100/make/hook/x", "https://127.0.0.1:8100 is not"),
        ("https://user:pw@hook.eu1.make.com/abc", "carries no user or password"),
    ],
)
def test_any_other_url_is_refused_with_the_reason(url, reason):
    assert reason in hook_refusal(url, MAKE)


def test_a_publication_to_a_foreign_hook_is_refused_before_anything_is_sent():
    scenarios = MakeScenarios(callback_url="https://mediaflow.example/callbacks/make")

    with pytest.raises(ScenarioRefused, match=r"not sent: https://10\.0\.0\.7 is not a Make"):
        scenarios.trigger("https://10.0.0.7/hook", {"publication_id": 1})
    with pytest.raises(ScenarioRefused, match="not sent"):
        scenarios.lookup("https://10.0.0.7/hook", "pub-1")
