"""LinkedIn share statistics, read by the collector from the sandbox's Community Management API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient
from support.platform_collection import collect, published

from mediaflow_dagster.resources.platforms.linkedin import LinkedInInsights
from mediaflow_dagster.resources.platforms.readings import PlatformRefused, PublishedPost
from mediaflow_sandbox.account_tokens import AccountTokens
from mediaflow_sandbox.addresses import LINKEDIN_PREFIX
from mediaflow_sandbox.clock import SimulatedClock
from mediaflow_sandbox.control import SandboxControl, client_environment
from mediaflow_sandbox.faults import FaultRule
from mediaflow_sandbox.linkedin import LinkedInShareStatistics
from mediaflow_sandbox.platforms import PlatformStore, PostSeed
from mediaflow_sandbox.settings import SandboxSettings

PUBLISHED_AT = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
READ_AT = PUBLISHED_AT + timedelta(hours=7, minutes=15)
HOUR_END = datetime(2026, 11, 21, 10, 0)
BISTRO = "2414183"
BAKERY = "urn:li:organization:5515715"
STATISTICS = (
    "impressionCount",
    "uniqueImpressionsCount",
    "clickCount",
    "likeCount",
    "commentCount",
    "shareCount",
)
RESTLI = {"X-Restli-Protocol-Version": "2.0.0"}


@pytest.fixture(scope="module")
def shares(sandbox: SandboxControl) -> list[PublishedPost]:
    """25 shares of one organization (known by its bare id), 5 of another (by its URN)."""
    sandbox.set_clock(PUBLISHED_AT)
    seeded = sandbox.seed_posts(
        PostSeed(
            platform="linkedin",
            account_id=BISTRO if number <= 25 else BAKERY,
            publication_id=number,
        )
        for number in range(1, 31)
    )
    sandbox.set_clock(READ_AT)
    return [published(post) for post in seeded]


@pytest.fixture(scope="module")
def statistics(sandbox: SandboxControl, shares: list[PublishedPost]) -> dict[str, dict[str, Any]]:
    """Every LinkedIn share's statistics at READ_AT, by share URN."""
    return {
        post["external_id"]: post["metrics"]
        for post in sandbox.ground_truth()["posts"]
        if post["platform"] == "linkedin"
    }


@pytest.fixture(scope="module")
def api_url(sandbox_settings: SandboxSettings) -> str:
    return client_environment(sandbox_settings)["MEDIAFLOW_LINKEDIN_API_URL"]


@pytest.fixture
def collector(api_url: str, sandbox_settings: SandboxSettings) -> LinkedInInsights:
    return LinkedInInsights(
        f"{api_url}/",
        sandbox_settings.credentials().linkedin_access_token,
        sandbox_settings.linkedin_version,
    )


@pytest.fixture
def sandbox_faults(sandbox: SandboxControl):
    yield sandbox
    sandbox.clear_faults()


def statistics_url(api_url: str, organization: str, share_urns: list[str]) -> str:
    listed = ",".join(quote(urn, safe="") for urn in share_urns)
    return (
        f"{api_url}/organizationalEntityShareStatistics?q=organizationalEntity"
        f"&organizationalEntity={quote(organization, safe='')}&shares=List({listed})"
    )


def test_shares_of_two_organizations_are_read_in_batches_of_20_with_the_sandbox_statistics(
    collector: LinkedInInsights,
    shares: list[PublishedPost],
    statistics: dict[str, dict[str, Any]],
) -> None:
    collected, client = collect(collector, shares, HOUR_END)

    assert client.requests == 3
    assert collected.missing == []
    assert len(collected.readings) == len(shares) * len(STATISTICS)
    by_share = {post.external_post_id: post.publication_id for post in shares}
    for reading in collected.readings:
        assert reading.publication_id == by_share[reading.external_post_id]
        assert reading.value == statistics[reading.external_post_id][reading.metric]
        assert reading.collected_at == READ_AT.replace(tzinfo=None)
    assert {reading.metric for reading in collected.readings} == set(STATISTICS)
    assert collector.api_version == "202411"


def test_shares_unknown_or_of_another_organization_are_missing_and_the_others_are_read(
    collector: LinkedInInsights, shares: list[PublishedPost]
) -> None:
    bakery_share_under_bistro = PublishedPost(900, shares[-1].external_post_id, BISTRO, HOUR_END)
    unknown_share = PublishedPost(901, "urn:li:share:7300000000000000001", BISTRO, HOUR_END)
    unknown_ugc_post = PublishedPost(902, "urn:li:ugcPost:7300000000000000002", BISTRO, HOUR_END)

    collected, client = collect(
        collector,
        [shares[0], bakery_share_under_bistro, unknown_share, unknown_ugc_post, shares[1]],
        HOUR_END,
    )

    assert client.requests == 1
    assert sorted(collected.missing) == sorted(
        [
            shares[-1].external_post_id,
            unknown_share.external_post_id,
            unknown_ugc_post.external_post_id,
        ]
    )
    assert {reading.external_post_id for reading in collected.readings} == {
        shares[0].external_post_id,
        shares[1].external_post_id,
    }


def test_a_wrong_token_is_refused_with_invalid_access_token(
    api_url: str, sandbox_settings: SandboxSettings, shares: list[PublishedPost]
) -> None:
    collector = LinkedInInsights(api_url, "expired-token", sandbox_settings.linkedin_version)

    with pytest.raises(PlatformRefused, match="401 INVALID_ACCESS_TOKEN: Invalid access token"):
        collect(collector, shares, HOUR_END)


def test_an_inactive_linkedin_version_is_refused_as_nonexistent(
    api_url: str, sandbox_settings: SandboxSettings, shares: list[PublishedPost]
) -> None:
    collector = LinkedInInsights(
        api_url, sandbox_settings.credentials().linkedin_access_token, "202301"
    )

    with pytest.raises(
        PlatformRefused, match="426 NONEXISTENT_VERSION: Requested version 202301 is not active"
    ):
        collect(collector, shares, HOUR_END)


def test_a_request_without_linkedin_version_is_refused_with_version_missing(
    api_url: str, sandbox_settings: SandboxSettings, shares: list[PublishedPost]
) -> None:
    answer = httpx.get(
        statistics_url(api_url, f"urn:li:organization:{BISTRO}", [shares[0].external_post_id]),
        headers={
            "Authorization": f"Bearer {sandbox_settings.credentials().linkedin_access_token}",
            **RESTLI,
        },
    )

    assert answer.status_code == 400
    assert answer.json()["code"] == "VERSION_MISSING"


def test_a_429_without_retry_after_is_retried_until_the_shares_are_read(
    collector: LinkedInInsights, shares: list[PublishedPost], sandbox_faults: SandboxControl
) -> None:
    sandbox_faults.set_faults(
        FaultRule(
            path_prefix=LINKEDIN_PREFIX, error_rate=1.0, error_status=429, retry_after=0, times=2
        )
    )

    collected, client = collect(collector, shares[25:], HOUR_END)

    assert client.requests == 3
    assert len(collected.readings) == 5 * len(STATISTICS)


def test_the_statistics_carry_linkedin_engagement_ratio_beside_the_counters(
    api_url: str,
    sandbox_settings: SandboxSettings,
    shares: list[PublishedPost],
    statistics: dict[str, dict[str, Any]],
) -> None:
    share = shares[0].external_post_id

    answer = httpx.get(
        statistics_url(api_url, f"urn:li:organization:{BISTRO}", [share]),
        headers={
            "Authorization": f"Bearer {sandbox_settings.credentials().linkedin_access_token}",
            "LinkedIn-Version": sandbox_settings.linkedin_version,
            **RESTLI,
        },
    ).json()

    [element] = answer["elements"]
    assert (element["organizationalEntity"], element["share"]) == (
        f"urn:li:organization:{BISTRO}",
        share,
    )
    counted = statistics[share]
    assert element["totalShareStatistics"] == {
        **counted,
        "engagement": pytest.approx(
            sum(counted[name] for name in STATISTICS[2:]) / counted["impressionCount"]
        ),
    }


@pytest.mark.parametrize(
    ("shares_asked", "protocol"),
    [(21, RESTLI), (1, {})],
    ids=["more-than-20-shares", "rest.li-1.0"],
)
def test_malformed_share_queries_are_refused_with_illegal_argument(
    api_url: str,
    sandbox_settings: SandboxSettings,
    shares: list[PublishedPost],
    shares_asked: int,
    protocol: dict[str, str],
) -> None:
    share_urns = [post.external_post_id for post in shares[:shares_asked]]

    answer = httpx.get(
        statistics_url(api_url, f"urn:li:organization:{BISTRO}", share_urns),
        headers={
            "Authorization": f"Bearer {sandbox_settings.credentials().linkedin_access_token}",
            "LinkedIn-Version": sandbox_settings.linkedin_version,
            **protocol,
        },
    )

    assert answer.status_code == 400
    assert answer.json()["code"] == "ILLEGAL_ARGUMENT"


def test_calls_beyond_the_daily_budget_get_429_too_many_requests() -> None:
    clock = SimulatedClock()
    api = LinkedInShareStatistics(
        AccountTokens.platform_wide(clock, "linkedin", "token"),
        "202411",
        PlatformStore(clock),
        clock,
        calls_per_day=1,
    )
    url = statistics_url(LINKEDIN_PREFIX, "urn:li:organization:1", ["urn:li:share:1"])
    headers = {"Authorization": "Bearer token", "LinkedIn-Version": "202411", **RESTLI}

    with TestClient(Starlette(routes=api.routes())) as client:
        answers = [client.get(url, headers=headers) for _ in range(2)]

    assert [answer.status_code for answer in answers] == [200, 429]
    assert answers[1].json()["code"] == "TOO_MANY_REQUESTS"
    assert "Retry-After" not in answers[1].headers
