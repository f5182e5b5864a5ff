"""The Make API v2 stand-in: connections an agent authorizes, hooks, scenarios from the shipped
blueprints, and what their hooks do with a publish or a lookup.

The whole module shares one sandbox, whose rate limit (60 calls a minute) counts every call
made here: scenarios are made once per platform and reused.
"""

from __future__ import annotations

import json
import queue
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook

from mediaflow_dagster.blueprints import BLUEPRINT_PLATFORMS, load_blueprint
from mediaflow_dagster.resources.make_api import MAKE_APPS as CONNECTION_TYPES
from mediaflow_sandbox.control import SandboxControl, client_environment
from mediaflow_sandbox.faults import FaultRule
from mediaflow_sandbox.inbox import CallbackInbox
from mediaflow_sandbox.settings import SandboxSettings

ACCOUNTS = {
    "facebook": ("page", "104857600123456", None),
    "instagram": ("business", "17841400000000001", "image"),
    "youtube": ("channel", "UCmediaflow", "video"),
    "x": ("profile", "1580000000000000000", None),
    "tiktok": ("business", "mediaflow.studio", "video"),
    "linkedin": ("page", "urn:li:organization:2414183", "image"),
    "wordpress": ("page", "blog.mediaflow.example", "audio"),
}
POST_IDS = {
    "facebook": r"104857600123456_\d{16}",
    "instagram": r"179\d{14}",
    "youtube": r"[A-Za-z0-9_-]{11}",
    "x": r"\d{19}",
    "tiktok": r"\d{19}",
    "linkedin": r"urn:li:share:\d{19}",
    "wordpress": r"\d+",
}
SOURCES = {"image": "process-image", "video": "generate-video", "audio": "generate-audio"}


@pytest.fixture(scope="module")
def make(sandbox: SandboxControl, sandbox_settings: SandboxSettings) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=client_environment(sandbox_settings)["MEDIAFLOW_MAKE_API_URL"],
        headers={"Authorization": f"Token {sandbox_settings.credentials().make_api_token}"},
    ) as client:
        yield client


@pytest.fixture(scope="module")
def media_links(sandbox: SandboxControl, sandbox_settings: SandboxSettings) -> dict[str, str]:
    """A shared link to a media file n8n made, by kind."""
    n8n = client_environment(sandbox_settings)["MEDIAFLOW_N8N_WEBHOOK_BASE_URL"]
    links = {}
    with CallbackInbox() as inbox:
        for object_id, (kind, workflow) in enumerate(SOURCES.items(), 1):
            order = {
                "object_id": object_id,
                "object_type": kind,
                "request_id": f"{kind}-first",
                "sources": ["clip.mp4"],
                "config": {},
                "callback_url": inbox.url,
            }
            httpx.post(f"{n8n}/{workflow}", json=order)
            links[kind] = json.loads(inbox.next().body)["media"]["web_url"]
    return links


@pytest.fixture(scope="module")
def scenarios(
    make: httpx.Client, sandbox: SandboxControl, sandbox_settings: SandboxSettings
) -> dict[str, dict[str, Any]]:
    """An active scenario per platform from its shipped blueprint, on an authorized connection:
    by platform, the scenario, its hook and its connection as Make answered them."""
    made = {}
    for platform in BLUEPRINT_PLATFORMS:
        connection = create_connection(make, platform)
        sandbox.authorize_connection(connection["id"])
        hook = create_hook(make, f"{platform} account")
        scenario = create_scenario(make, platform, hook["id"], connection["id"])
        assert make.post(f"/scenarios/{scenario['id']}/start").json()["scenario"]["isActive"]
        made[platform] = {"scenario": scenario, "hook": hook, "connection": connection}
    return made


@pytest.fixture
def inbox() -> Iterator[CallbackInbox]:
    with CallbackInbox() as inbox:
        yield inbox


@pytest.fixture(autouse=True)
def no_faults(sandbox: SandboxControl) -> Iterator[None]:
    yield
    sandbox.clear_faults()


def create_connection(make: httpx.Client, platform: str) -> dict[str, Any]:
    body = {"accountName": f"{platform} account", "accountType": CONNECTION_TYPES[platform]}
    answer = make.post("/connections", params={"teamId": 1}, json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()["connection"]


def create_hook(make: httpx.Client, name: str) -> dict[str, Any]:
    body = {
        "name": name,
        "teamId": 1,
        "typeName": "gateway-webhook",
        "method": False,
        "header": False,
        "stringify": False,
    }
    answer = make.post("/hooks", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()["hook"]


def create_scenario(
    make: httpx.Client, platform: str, hook_id: int, connection_id: int
) -> dict[str, Any]:
    answer = make.post(
        "/scenarios",
        params={"confirmed": "true"},
        json=scenario_body(
            json.dumps(load_blueprint(platform, hook_id=hook_id, connection_id=connection_id))
        ),
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["scenario"]


def scenario_body(blueprint: str) -> dict[str, Any]:
    return {
        "blueprint": blueprint,
        "teamId": 1,
        "scheduling": json.dumps({"type": "immediately"}),
    }


def publish_order(
    publication_id: int, platform: str, callback_url: str, media_url: str | None = None
) -> dict[str, Any]:
    account_type, account_id, _ = ACCOUNTS[platform]
    return {
        "action": "publish",
        "publication_id": publication_id,
        "idempotency_key": f"pub-{publication_id}",
        "callback_token": f"token-{publication_id}",
        "object_id": 12,
        "content": {"message": "Winter is here", "media_url": media_url, "hashtags": ["#winter"]},
        "platform_config": {
            "platform": platform,
            "account_id": account_id,
            "account_type": account_type,
        },
        "callback_url": callback_url,
        "scheduled_time": "2026-11-21T03:00:00Z",
        "targeting": {"location": "Lyon", "radius_km": 30, "age_min": 18, "age_max": 65},
    }


def lookup(hook_url: str, idempotency_key: str) -> dict[str, Any]:
    answer = httpx.post(hook_url, json={"action": "lookup", "idempotency_key": idempotency_key})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    return answer.json()


def verified(sandbox_settings: SandboxSettings, inbox: CallbackInbox) -> dict[str, Any]:
    callback = inbox.next()
    return Webhook(sandbox_settings.credentials().make_callback_secret).verify(
        callback.body, callback.headers
    )


def posts_of(sandbox: SandboxControl, publication_id: int) -> list[dict[str, Any]]:
    posts = sandbox.ground_truth()["posts"]
    return [post for post in posts if post["publication_id"] == publication_id]


def test_a_connection_is_verified_only_while_its_access_holds(
    make: httpx.Client, sandbox: SandboxControl, sandbox_settings: SandboxSettings
) -> None:
    connection = create_connection(make, "facebook")
    authorize_url = client_environment(sandbox_settings)["MEDIAFLOW_MAKE_AUTHORIZE_URL"]

    def verified_now() -> bool:
        return make.post(f"/connections/{connection['id']}/test").json()["verified"]

    assert connection["name"] == "facebook account"
    assert (connection["accountName"], connection["accountLabel"]) == ("facebook", "Facebook")
    assert connection["teamId"] == 1
    assert verified_now() is False

    browser = httpx.get(
        authorize_url.format(connection_id=connection["id"]),
        params={"redirect_uri": "http://127.0.0.1:8000/accounts/7/authorized"},
    )
    assert browser.status_code == 302
    assert browser.headers["location"] == "http://127.0.0.1:8000/accounts/7/authorized"
    assert verified_now() is True

    sandbox.expire_connection(connection["id"])
    assert verified_now() is False
    sandbox.authorize_connection(connection["id"])
    sandbox.revoke_connection(connection["id"])
    assert verified_now() is False


def test_testing_an_unknown_connection_is_not_found(make: httpx.Client) -> None:
    answer = make.post("/connections/999999/test")

    assert answer.status_code == 404
    assert answer.json()["code"] == "SC404"


@pytest.mark.parametrize("platform", BLUEPRINT_PLATFORMS)
def test_each_shipped_blueprint_publishes_on_its_platform(
    platform: str,
    scenarios: dict[str, dict[str, Any]],
    media_links: dict[str, str],
    sandbox: SandboxControl,
    sandbox_settings: SandboxSettings,
    inbox: CallbackInbox,
) -> None:
    made = scenarios[platform]
    media_kind = ACCOUNTS[platform][2]
    publication_id = 100 + BLUEPRINT_PLATFORMS.index(platform)
    order = publish_order(publication_id, platform, inbox.url, media_links.get(media_kind))

    answer = httpx.post(made["hook"]["url"], json=order)
    event = verified(sandbox_settings, inbox)

    assert (answer.status_code, answer.text) == (200, "Accepted")
    assert event["type"] == "publication.published", event
    assert event["callback_token"] == f"token-{publication_id}"
    assert re.fullmatch(POST_IDS[platform], event["external_id"])
    [post] = posts_of(sandbox, publication_id)
    assert post["platform"] == platform
    assert post["external_id"] == event["external_id"]
    assert post["idempotency_key"] == f"pub-{publication_id}"
    assert made["scenario"]["hookId"] == made["hook"]["id"]


def test_tiktok_hands_out_a_publish_id_and_a_video_id(
    scenarios: dict[str, dict[str, Any]],
    media_links: dict[str, str],
    sandbox_settings: SandboxSettings,
    inbox: CallbackInbox,
) -> None:
    order = publish_order(120, "tiktok", inbox.url, media_links["video"])

    httpx.post(scenarios["tiktok"]["hook"]["url"], json=order)
    event = verified(sandbox_settings, inbox)

    assert re.fullmatch(r"v_pub_url~v2-1\.\d{19}", event["publish_id"])
    assert event["external_url"] == (
        f"https://www.tiktok.com/@mediaflow.studio/video/{event['external_id']}"
    )


def test_a_wordpress_post_links_to_its_site(
    scenarios: dict[str, dict[str, Any]], sandbox_settings: SandboxSettings, inbox: CallbackInbox
) -> None:
    httpx.post(
        scenarios["wordpress"]["hook"]["url"], json=publish_order(121, "wordpress", inbox.url)
    )
    event = verified(sandbox_settings, inbox)

    assert event["external_url"] == f"https://blog.mediaflow.example/?p={event['external_id']}"


def test_a_lookup_answers_from_the_data_store_without_publishing(
    scenarios: dict[str, dict[str, Any]],
    sandbox: SandboxControl,
    sandbox_settings: SandboxSettings,
    inbox: CallbackInbox,
) -> None:
    hook_url = scenarios["x"]["hook"]["url"]
    httpx.post(hook_url, json=publish_order(130, "x", inbox.url))
    event = verified(sandbox_settings, inbox)
    posts_before = len(sandbox.ground_truth()["posts"])

    published = lookup(hook_url, "pub-130")
    never_received = lookup(hook_url, "pub-never-sent")

    assert published == {
        "status": "published",
        "external_id": event["external_id"],
        "external_url": event["external_url"],
        "published_at": event["published_at"],
    }
    assert never_received == {"status": "unknown"}
    assert len(sandbox.ground_truth()["posts"]) == posts_before


def test_a_lookup_while_the_platform_works_answers_processing(
    scenarios: dict[str, dict[str, Any]],
    media_links: dict[str, str],
    sandbox: SandboxControl,
    sandbox_settings: SandboxSettings,
    inbox: CallbackInbox,
) -> None:
    sandbox.set_faults(FaultRule(path_prefix="/sharepoint/", latency_ms=1500))
    hook_url = scenarios["instagram"]["hook"]["url"]

    httpx.post(hook_url, json=publish_order(131, "instagram", inbox.url, media_links["image"]))
    while_downloading = lookup(hook_url, "pub-131")
    verified(sandbox_settings, inbox)

    assert while_downloading == {"status": "processing"}
    assert lookup(hook_url, "pub-131")["status"] == "published"


def test_a_failure_is_what_a_lookup_answers_too(
    scenarios: dict[str, dict[str, Any]], sandbox_settings: SandboxSettings, inbox: CallbackInbox
) -> None:
    hook_url = scenarios["youtube"]["hook"]["url"]

    httpx.post(hook_url, json=publish_order(132, "youtube", inbox.url))
    event = verified(sandbox_settings, inbox)

    assert event["error"]["code"] == "media_required"
    assert lookup(hook_url, "pub-132") == {"status": "failed", "error": event["error"]}


def test_a_clone_publishes_through_its_own_hook_and_connection(
    make: httpx.Client,
    scenarios: dict[str, dict[str, Any]],
    sandbox: SandboxControl,
    sandbox_settings: SandboxSettings,
    inbox: CallbackInbox,
) -> None:
    original = scenarios["linkedin"]
    connection = create_connection(make, "linkedin")
    sandbox.authorize_connection(connection["id"])
    hook = create_hook(make, "second linkedin account")

    answer = make.post(
        f"/scenarios/{original['scenario']['id']}/clone",
        params={"organizationId": 1},
        json={
            "name": "linkedin: second account",
            "teamId": 1,
            "account": {str(original["connection"]["id"]): connection["id"]},
            "hook": {str(original["hook"]["id"]): hook["id"]},
            "states": False,
        },
    )
    clone = answer.json()["scenario"]
    make.post(f"/scenarios/{clone['id']}/start")
    sandbox.revoke_connection(original["connection"]["id"])
    try:
        httpx.post(hook["url"], json=publish_order(140, "linkedin", inbox.url))
        event = verified(sandbox_settings, inbox)
    finally:
        sandbox.authorize_connection(original["connection"]["id"])

    assert answer.status_code == 200, answer.text
    assert (clone["name"], clone["hookId"], clone["isActive"]) == (
        "linkedin: second account",
        hook["id"],
        False,
    )
    assert event["type"] == "publication.published"
    assert posts_of(sandbox, 140)[0]["platform"] == "linkedin"


def test_a_clone_on_the_same_hook_is_refused(
    make: httpx.Client, scenarios: dict[str, dict[str, Any]]
) -> None:
    original = scenarios["facebook"]["scenario"]

    answer = make.post(
        f"/scenarios/{original['id']}/clone",
        params={"organizationId": 1},
        json={"name": "facebook: again", "teamId": 1, "states": False},
    )

    assert answer.status_code == 400
    assert answer.json()["code"] == "SC400"
    assert f"hook {original['hookId']} is already used" in answer.json()["detail"]


@pytest.mark.parametrize(
    ("change", "code"), [("expire", "connection_expired"), ("revoke", "connection_revoked")]
)
def test_a_scenario_whose_connection_lost_access_fails_the_publication(
    change: str,
    code: str,
    scenarios: dict[str, dict[str, Any]],
    sandbox: SandboxControl,
    sandbox_settings: SandboxSettings,
    inbox: CallbackInbox,
) -> None:
    made = scenarios["x"]
    getattr(sandbox, f"{change}_connection")(made["connection"]["id"])
    try:
        answer = httpx.post(made["hook"]["url"], json=publish_order(150, "x", inbox.url))
        event = verified(sandbox_settings, inbox)
    finally:
        sandbox.authorize_connection(made["connection"]["id"])

    assert (answer.status_code, answer.text) == (200, "Accepted")
    assert event["type"] == "publication.failed"
    assert event["error"]["code"] == code
    assert event["callback_token"] == "token-150"
    assert posts_of(sandbox, 150) == []


def test_a_hook_queues_while_its_scenario_is_off_and_runs_the_queue_when_it_starts(
    make: httpx.Client,
    scenarios: dict[str, dict[str, Any]],
    sandbox: SandboxControl,
    sandbox_settings: SandboxSettings,
    inbox: CallbackInbox,
) -> None:
    made = scenarios["wordpress"]
    stopped = make.post(f"/scenarios/{made['scenario']['id']}/stop").json()["scenario"]

    answer = httpx.post(made["hook"]["url"], json=publish_order(160, "wordpress", inbox.url))
    queued = make.get(f"/hooks/{made['hook']['id']}").json()["hook"]
    posts_while_off = posts_of(sandbox, 160)
    started = make.post(f"/scenarios/{made['scenario']['id']}/start").json()["scenario"]
    event = verified(sandbox_settings, inbox)

    assert stopped == {"id": made["scenario"]["id"], "isActive": False, "islinked": False}
    assert (answer.status_code, answer.text) == (200, "Accepted")
    assert queued["queueCount"] == 1
    assert posts_while_off == []
    assert started["isActive"] is True
    assert event["type"] == "publication.published"
    assert make.get(f"/scenarios/{made['scenario']['id']}").json()["scenario"]["isActive"]


def test_a_dropped_callback_never_comes_but_the_post_is_made(
    scenarios: dict[str, dict[str, Any]], sandbox: SandboxControl, inbox: CallbackInbox
) -> None:
    sandbox.set_faults(FaultRule(path_prefix="/make/hook/", drop_callbacks=True))
    hook_url = scenarios["facebook"]["hook"]["url"]

    answer = httpx.post(hook_url, json=publish_order(170, "facebook", inbox.url))

    assert (answer.status_code, answer.text) == (200, "Accepted")
    with pytest.raises(queue.Empty):
        inbox.next(timeout=1.0)
    assert lookup(hook_url, "pub-170")["status"] == "published"
    assert [post["platform"] for post in posts_of(sandbox, 170)] == ["facebook"]


def test_reordered_callbacks_of_one_hook_arrive_last_first(
    scenarios: dict[str, dict[str, Any]], sandbox: SandboxControl, inbox: CallbackInbox
) -> None:
    sandbox.set_faults(
        FaultRule(path_prefix="/make/hook/", reorder_callbacks=True, reorder_window_ms=800)
    )

    for publication_id in (171, 172, 173):
        httpx.post(
            scenarios["x"]["hook"]["url"], json=publish_order(publication_id, "x", inbox.url)
        )
    arrived = [json.loads(inbox.next().body)["publication_id"] for _ in range(3)]

    assert arrived == [173, 172, 171]


def test_a_hook_that_times_out_after_processing_leaves_the_outcome_unknown(
    scenarios: dict[str, dict[str, Any]],
    sandbox: SandboxControl,
    sandbox_settings: SandboxSettings,
    inbox: CallbackInbox,
) -> None:
    sandbox.set_faults(
        FaultRule(path_prefix="/make/hook/", timeout_ms=2000, process_before_timeout=True)
    )
    hook_url = scenarios["x"]["hook"]["url"]

    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(hook_url, json=publish_order(174, "x", inbox.url), timeout=0.3)
    event = verified(sandbox_settings, inbox)
    sandbox.clear_faults()

    assert time.monotonic() - started < 2
    assert event["type"] == "publication.published"
    assert lookup(hook_url, "pub-174")["external_id"] == event["external_id"]


def test_a_hook_that_times_out_before_processing_publishes_nothing(
    scenarios: dict[str, dict[str, Any]], sandbox: SandboxControl, inbox: CallbackInbox
) -> None:
    sandbox.set_faults(FaultRule(path_prefix="/make/hook/", timeout_ms=2000))
    hook_url = scenarios["x"]["hook"]["url"]

    with pytest.raises(httpx.ReadTimeout):
        httpx.post(hook_url, json=publish_order(175, "x", inbox.url), timeout=0.3)
    sandbox.clear_faults()

    assert lookup(hook_url, "pub-175") == {"status": "unknown"}
    assert posts_of(sandbox, 175) == []


@pytest.mark.parametrize(
    ("blueprint", "reason"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"name": "empty", "flow": []}), "gateway:CustomWebHook"),
        (
            json.dumps({"name": "no publisher", "flow": load_blueprint("x")["flow"][:1]}),
            "no module publishes to a platform",
        ),
        (json.dumps(load_blueprint("x")), "hook 0 does not exist"),
    ],
)
def test_a_blueprint_without_its_wiring_is_refused(
    make: httpx.Client, blueprint: str, reason: str
) -> None:
    answer = make.post("/scenarios", params={"confirmed": "true"}, json=scenario_body(blueprint))

    assert answer.status_code == 400
    assert answer.json()["code"] == "SC400"
    assert reason in answer.json()["detail"]
    assert answer.json()["suberrors"]


@pytest.mark.parametrize("authorization", [None, "Token wrong-token", "Bearer make-api-token"])
def test_a_call_without_the_api_token_is_denied(
    sandbox_settings: SandboxSettings, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    answer = httpx.post(
        f"{client_environment(sandbox_settings)['MEDIAFLOW_MAKE_API_URL']}/hooks",
        headers=headers,
        json={"name": "h", "teamId": 1, "typeName": "gateway-webhook"},
    )

    assert answer.status_code == 401
    assert answer.json() == {
        "detail": "Invalid or missing API token.",
        "message": "Access denied",
        "code": "IM005",
    }


def test_another_team_is_forbidden(make: httpx.Client) -> None:
    answer = make.post(
        "/connections",
        params={"teamId": 2},
        json={"accountName": "elsewhere", "accountType": "facebook"},
    )

    assert answer.status_code == 403
    assert answer.json()["code"] == "SC403"


def test_faults_on_the_make_api_answer_in_makes_shape(
    make: httpx.Client, sandbox: SandboxControl
) -> None:
    sandbox.set_faults(
        FaultRule(path_prefix="/make/api/", error_rate=1.0, error_status=429, retry_after=3)
    )

    answer = make.get("/scenarios/1")

    assert answer.status_code == 429
    assert answer.headers["retry-after"] == "3"
    assert answer.json()["code"] == "SC429"


def test_a_make_api_timeout_never_answers(make: httpx.Client, sandbox: SandboxControl) -> None:
    sandbox.set_faults(FaultRule(path_prefix="/make/api/", timeout_ms=400))

    with pytest.raises(httpx.ReadTimeout):
        make.get("/scenarios/1", timeout=0.2)
    with pytest.raises(httpx.RemoteProtocolError):
        make.get("/scenarios/1", timeout=5)
