"""The Facebook, Instagram and YouTube read APIs, in their own shapes, matching ground truth."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest

from mediaflow_sandbox.control import (
    SandboxControl,
    client_environment,
    make_hook_url,
)
from mediaflow_sandbox.inbox import CallbackInbox
from mediaflow_sandbox.platforms import PostSeed
from mediaflow_sandbox.settings import SandboxSettings

PUBLISHED_AT = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
READ_AT = PUBLISHED_AT + timedelta(hours=5, minutes=30)
FACEBOOK_METRICS = (
    "post_media_view,post_total_media_view_unique,post_clicks,post_reactions_by_type_total"
)
INSTAGRAM_METRICS = "views,reach,likes,comments,shares,saved,total_interactions"


@pytest.fixture(scope="module")
def posts(sandbox: SandboxControl, sandbox_settings: SandboxSettings) -> dict[str, dict[str, Any]]:
    """One published post per platform, read 5 h 30 min after publishing; by platform."""
    sandbox.set_clock(PUBLISHED_AT)
    with CallbackInbox() as inbox:
        httpx.post(
            f"{client_environment(sandbox_settings)['MEDIAFLOW_N8N_WEBHOOK_BASE_URL']}"
            "/generate-video",
            json={
                "object_id": 1,
                "object_type": "video",
                "request_id": "1-first",
                "sources": ["clip.mp4"],
                "config": {},
                "callback_url": inbox.url,
            },
        )
        video_link = json.loads(inbox.next().body)["media"]["web_url"]
        accounts = [
            ("facebook", "page", "104857600123456"),
            ("instagram", "business", "17841400000000001"),
            ("youtube", "channel", "UCmediaflow"),
        ]
        for publication_id, (platform, account_type, account_id) in enumerate(accounts, 1):
            httpx.post(
                make_hook_url(sandbox_settings, f"{platform}-hook"),
                json={
                    "publication_id": publication_id,
                    "idempotency_key": f"pub-{publication_id}",
                    "object_id": 1,
                    "content": {"message": "Teaser", "media_url": video_link, "hashtags": []},
                    "platform_config": {
                        "platform": platform,
                        "account_id": account_id,
                        "account_type": account_type,
                    },
                    "callback_url": inbox.url,
                },
            )
            assert json.loads(inbox.next().body)["type"] == "publication.published"
    sandbox.set_clock(READ_AT)
    return {post["platform"]: post for post in sandbox.ground_truth()["posts"]}


@pytest.fixture(scope="module")
def apis(sandbox_settings: SandboxSettings) -> dict[str, str]:
    environment = client_environment(sandbox_settings)
    return {
        "facebook": environment["MEDIAFLOW_FACEBOOK_GRAPH_URL"],
        "instagram": environment["MEDIAFLOW_INSTAGRAM_GRAPH_URL"],
        "youtube": environment["MEDIAFLOW_YOUTUBE_DATA_URL"],
    }


def test_facebook_insights_are_lifetime_values_in_graph_shape(
    posts: dict[str, dict[str, Any]], apis: dict[str, str], sandbox_settings: SandboxSettings
) -> None:
    post = posts["facebook"]

    answer = httpx.get(
        f"{apis['facebook']}/{post['external_id']}/insights",
        params={
            "metric": FACEBOOK_METRICS,
            "access_token": sandbox_settings.credentials().facebook_access_token,
        },
    )

    assert answer.status_code == 200
    assert parsedate_to_datetime(answer.headers["date"]) == READ_AT
    data = answer.json()["data"]
    assert [metric["name"] for metric in data] == FACEBOOK_METRICS.split(",")
    for metric in data:
        assert metric["period"] == "lifetime"
        assert metric["id"] == f"{post['external_id']}/insights/{metric['name']}/lifetime"
        assert metric["title"]
        assert metric["description"]
        assert metric["values"] == [{"value": post["metrics"][metric["name"]]}]
    reactions = data[3]["values"][0]["value"]
    assert set(reactions) == {"like", "love", "wow"}
    assert 0 < data[1]["values"][0]["value"] <= data[0]["values"][0]["value"]
    assert "paging" in answer.json()


def test_facebook_post_fields_count_comments_and_shares(
    posts: dict[str, dict[str, Any]], apis: dict[str, str], sandbox_settings: SandboxSettings
) -> None:
    post = posts["facebook"]

    answer = httpx.get(
        f"{apis['facebook']}/{post['external_id']}",
        params={
            "fields": "shares,comments.summary(true).limit(0)",
            "access_token": sandbox_settings.credentials().facebook_access_token,
        },
    ).json()

    assert answer["id"] == post["external_id"]
    assert answer["comments"]["data"] == []
    assert answer["comments"]["summary"]["total_count"] == post["metrics"]["comments"]
    assert answer.get("shares", {"count": 0})["count"] == post["metrics"]["shares"]


@pytest.mark.parametrize(
    ("platform", "metric"),
    [
        ("facebook", "post_impressions"),
        ("facebook", "post_impressions_unique"),
        ("instagram", "impressions"),
        ("instagram", "plays"),
    ],
)
def test_retired_metrics_are_refused_with_graph_error_100(
    posts: dict[str, dict[str, Any]],
    apis: dict[str, str],
    sandbox_settings: SandboxSettings,
    platform: str,
    metric: str,
) -> None:
    token = getattr(sandbox_settings.credentials(), f"{platform}_access_token")

    answer = httpx.get(
        f"{apis[platform]}/{posts[platform]['external_id']}/insights",
        params={"metric": metric, "access_token": token},
    )

    assert answer.status_code == 400
    error = answer.json()["error"]
    assert (error["code"], error["type"]) == (100, "OAuthException")
    assert error["message"].startswith("(#100)")


@pytest.mark.parametrize("token", ["", "someone-elses-token"])
def test_facebook_refuses_a_missing_or_wrong_token(
    posts: dict[str, dict[str, Any]], apis: dict[str, str], token: str
) -> None:
    answer = httpx.get(
        f"{apis['facebook']}/{posts['facebook']['external_id']}/insights",
        params={"metric": "post_clicks", "access_token": token},
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["type"] == "OAuthException"
    assert answer.json()["error"]["code"] in (104, 190)


@pytest.mark.usefixtures("posts")
def test_facebook_does_not_know_posts_it_never_published(
    apis: dict[str, str], sandbox_settings: SandboxSettings
) -> None:
    answer = httpx.get(
        f"{apis['facebook']}/104857600123456_1/insights",
        params={
            "metric": "post_clicks",
            "access_token": sandbox_settings.credentials().facebook_access_token,
        },
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == 100
    assert answer.json()["error"]["message"].startswith("Unsupported get request")


def test_instagram_insights_add_up_to_total_interactions(
    posts: dict[str, dict[str, Any]], apis: dict[str, str], sandbox_settings: SandboxSettings
) -> None:
    post = posts["instagram"]

    data = httpx.get(
        f"{apis['instagram']}/{post['external_id']}/insights",
        params={
            "metric": INSTAGRAM_METRICS,
            "access_token": sandbox_settings.credentials().instagram_access_token,
        },
    ).json()["data"]

    values = {metric["name"]: metric["values"][0]["value"] for metric in data}
    assert values == post["metrics"]
    assert values["total_interactions"] == sum(
        values[name] for name in ("likes", "comments", "shares", "saved")
    )
    assert values["likes"] < values["reach"] <= values["views"]


@pytest.fixture(scope="module")
def fresh_instagram_media(
    posts: dict[str, dict[str, Any]], sandbox: SandboxControl
) -> dict[str, Any]:
    """An Instagram media published at the read time: nobody has seen it yet."""
    [seeded] = sandbox.seed_posts(
        [PostSeed(platform="instagram", account_id="17841400000000001", publication_id=99)]
    )
    return next(
        post
        for post in sandbox.ground_truth()["posts"]
        if post["external_id"] == seeded["external_id"]
    )


def graph_batch(api: str, token: str, relative_urls: list[str], **params: str) -> httpx.Response:
    batch = [{"method": "GET", "relative_url": url} for url in relative_urls]
    return httpx.post(f"{api}/", data={"batch": json.dumps(batch), "access_token": token, **params})


def test_graph_batch_answers_every_request_in_order_as_it_would_alone(
    posts: dict[str, dict[str, Any]], apis: dict[str, str], sandbox_settings: SandboxSettings
) -> None:
    token = sandbox_settings.credentials().facebook_access_token
    post_id = posts["facebook"]["external_id"]
    alone = httpx.get(
        f"{apis['facebook']}/{post_id}/insights",
        params={"metric": FACEBOOK_METRICS, "access_token": token},
    ).json()

    answer = graph_batch(
        apis["facebook"],
        token,
        [
            f"{post_id}/insights?metric={FACEBOOK_METRICS}",
            f"v24.0/{post_id}?fields=shares,comments.summary(true).limit(0)",
            "104857600123456_1/insights?metric=post_clicks",
        ],
    )

    assert answer.status_code == 200
    insights, fields, unknown = answer.json()
    assert [item["code"] for item in answer.json()] == [200, 200, 400]
    assert insights["headers"] == [
        {"name": "Content-Type", "value": "text/javascript; charset=UTF-8"}
    ]
    assert json.loads(insights["body"])["data"] == alone["data"]
    assert (
        json.loads(fields["body"])["comments"]["summary"]["total_count"]
        == (posts["facebook"]["metrics"]["comments"])
    )
    error = json.loads(unknown["body"])["error"]
    assert (error["code"], error["error_subcode"]) == (100, 33)
    assert error["message"].startswith("Unsupported get request")


def test_graph_batch_takes_json_and_leaves_item_headers_out_when_asked(
    posts: dict[str, dict[str, Any]], apis: dict[str, str], sandbox_settings: SandboxSettings
) -> None:
    post = posts["instagram"]

    answer = httpx.post(
        f"{apis['instagram']}/",
        json={
            "access_token": sandbox_settings.credentials().instagram_access_token,
            "include_headers": False,
            "batch": [
                {
                    "method": "GET",
                    "relative_url": f"{post['external_id']}/insights?metric={INSTAGRAM_METRICS}",
                }
            ],
        },
    )

    [item] = answer.json()
    assert set(item) == {"code", "body"}
    data = json.loads(item["body"])["data"]
    assert {metric["name"]: metric["values"][0]["value"] for metric in data} == post["metrics"]


@pytest.mark.usefixtures("posts")
def test_graph_batch_of_more_than_50_requests_is_refused(
    apis: dict[str, str], sandbox_settings: SandboxSettings
) -> None:
    answer = graph_batch(
        apis["facebook"],
        sandbox_settings.credentials().facebook_access_token,
        ["104857600123456_1"] * 51,
    )

    assert answer.status_code == 400
    error = answer.json()["error"]
    assert (error["code"], error["type"]) == (100, "OAuthException")
    assert error["message"] == (
        "(#100) Too many requests in batch message. Maximum batch size is 50"
    )


def test_graph_batch_with_a_wrong_token_is_refused_whole(
    posts: dict[str, dict[str, Any]], apis: dict[str, str]
) -> None:
    answer = graph_batch(
        apis["facebook"], "someone-elses-token", [posts["facebook"]["external_id"]]
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == 190


def test_facebook_post_reads_its_insights_through_field_expansion(
    posts: dict[str, dict[str, Any]], apis: dict[str, str], sandbox_settings: SandboxSettings
) -> None:
    post = posts["facebook"]

    answer = httpx.get(
        f"{apis['facebook']}/{post['external_id']}",
        params={
            "fields": f"shares,comments.summary(true).limit(0),insights.metric({FACEBOOK_METRICS})",
            "access_token": sandbox_settings.credentials().facebook_access_token,
        },
    ).json()

    insights = {
        metric["name"]: metric["values"][0]["value"] for metric in answer["insights"]["data"]
    }
    assert insights == {name: post["metrics"][name] for name in FACEBOOK_METRICS.split(",")}
    assert answer["comments"]["summary"]["total_count"] == post["metrics"]["comments"]


def test_instagram_withholds_insights_of_media_with_fewer_than_100_views(
    fresh_instagram_media: dict[str, Any], apis: dict[str, str], sandbox_settings: SandboxSettings
) -> None:
    answer = httpx.get(
        f"{apis['instagram']}/{fresh_instagram_media['external_id']}/insights",
        params={
            "metric": INSTAGRAM_METRICS,
            "access_token": sandbox_settings.credentials().instagram_access_token,
        },
    )

    assert fresh_instagram_media["metrics"]["views"] < 100
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert (error["code"], error["error_subcode"]) == (10, 2108006)
    assert error["message"] == "(#10) Not enough viewers for the media to show insights"


def test_graph_responses_report_app_and_business_use_case_usage(
    posts: dict[str, dict[str, Any]], apis: dict[str, str], sandbox_settings: SandboxSettings
) -> None:
    token = sandbox_settings.credentials().facebook_access_token
    post = posts["facebook"]

    single = httpx.get(f"{apis['facebook']}/{post['external_id']}", params={"access_token": token})
    batch = graph_batch(apis["facebook"], token, [post["external_id"]] * 2)

    for answer in (single, batch):
        app_usage = json.loads(answer.headers["X-App-Usage"])
        assert set(app_usage) == {"call_count", "total_cputime", "total_time"}
        business = json.loads(answer.headers["X-Business-Use-Case-Usage"])
        [usage] = business[post["account_id"]]
        assert usage["type"] == "pages"
        assert usage["estimated_time_to_regain_access"] == 0
        assert usage["call_count"] < 75


def test_youtube_lists_statistics_as_strings_and_skips_unknown_ids(
    posts: dict[str, dict[str, Any]], apis: dict[str, str], sandbox_settings: SandboxSettings
) -> None:
    post = posts["youtube"]

    answer = httpx.get(
        f"{apis['youtube']}/videos",
        params={
            "part": "statistics",
            "id": f"{post['external_id']},AAAAAAAAAAA",
            "key": sandbox_settings.credentials().youtube_api_key,
        },
    ).json()

    assert answer["kind"] == "youtube#videoListResponse"
    assert answer["pageInfo"] == {"totalResults": 1, "resultsPerPage": 1}
    [video] = answer["items"]
    assert (video["kind"], video["id"]) == ("youtube#video", post["external_id"])
    assert video["etag"]
    assert video["statistics"] == {name: str(value) for name, value in post["metrics"].items()}
    assert set(video["statistics"]) == {"viewCount", "likeCount", "favoriteCount", "commentCount"}


def test_youtube_refuses_a_wrong_key(
    posts: dict[str, dict[str, Any]], apis: dict[str, str]
) -> None:
    answer = httpx.get(
        f"{apis['youtube']}/videos",
        params={"part": "statistics", "id": posts["youtube"]["external_id"], "key": "wrong"},
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["errors"][0]["reason"] == "keyInvalid"
