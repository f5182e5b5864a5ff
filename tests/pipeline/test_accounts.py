"""Onboarding a social account through Make (connection, OAuth, webhook, scenario from the
platform's blueprint) and keeping its status current; an expired account gets nothing published
until it is reconnected, revoking it for one campaign leaves the others alone, and revoking it
everywhere reaches Make (scenario off, connection deleted), even when Make was down at first."""

import httpx
import pytest
from rich.console import Console
from sqlalchemy import select

from mediaflow_dagster.cms import accounts, campaigns
from mediaflow_dagster.cms.schema import publications
from mediaflow_sandbox.addresses import MAKE_API_PREFIX, http_base_url
from mediaflow_sandbox.demo import approve, demo_stack, generate_content
from mediaflow_sandbox.faults import FaultRule

pytestmark = pytest.mark.slow

PAGE = {
    "platform": "facebook",
    "name": "Mediaflow Bistro",
    "account_type": "page",
    "external_account_id": "104857600123456",
}


@pytest.fixture
def demo(stack_settings):
    with demo_stack(stack_settings, Console(quiet=True)) as demo:
        yield demo


def authorize(demo, authorize_url: str) -> None:
    """What the agent's browser does: grant access at the platform, come back to mediaflow."""
    answer = httpx.get(authorize_url, follow_redirects=True, timeout=10)
    assert answer.status_code == 200, answer.text


def onboarded(demo) -> dict:
    started = demo.cms.post("/api/social-accounts/onboard", json=PAGE)
    assert started.status_code == 201, started.text
    account = started.json()["account"]
    assert account["status"] == "pending"
    authorize(demo, started.json()["authorize_url"])
    demo.chain.tick("account_setup")
    return accounts.get_social_account(demo.engine, account["id"])


def active_campaign(demo, account_id: int) -> int:
    created = demo.cms.post(
        "/api/campaigns",
        json={
            "name": "Lancement Produit X",
            "budget": "500.00",
            "start_date": "2026-11-01",
            "end_date": "2026-12-31",
            "social_account_ids": [account_id],
        },
    ).json()
    demo.cms.post(f"/api/campaigns/{created['id']}/status", json={"status": "active"})
    demo.chain.instance.add_dynamic_partitions("campaigns", [str(created["id"])])
    return created["id"]


def publish_one_image(demo, campaign_id: int) -> None:
    content = demo.cms.post(
        f"/api/campaigns/{campaign_id}/objects",
        json={"object_type": "image", "title": "Visuel", "sources": ["https://cdn/x.jpg"]},
    ).json()
    generate_content(demo, campaign_id, [content["id"]])
    approve(demo, [content["id"]])
    demo.chain.run("publish_job", str(campaign_id))


def statuses(demo) -> list[str]:
    with demo.engine.connect() as connection:
        return [
            row.status
            for row in connection.execute(select(publications).order_by(publications.c.id))
        ]


def test_an_authorized_account_gets_its_webhook_and_scenario_and_publishes(demo):
    account = onboarded(demo)

    assert account["status"] == "active"
    assert account["make_hook_id"] and account["make_scenario_id"]
    assert "/make/hook/" in account["make_webhook_url"]
    campaign_id = active_campaign(demo, account["id"])
    publish_one_image(demo, campaign_id)
    demo.chain.tick_until("make_callbacks", lambda: statuses(demo) == ["published"], "published")
    [post] = demo.sandbox.ground_truth()["posts"]
    assert post["platform"] == "facebook"


def test_an_account_not_yet_authorized_stays_pending(demo):
    started = demo.cms.post("/api/social-accounts/onboard", json=PAGE).json()

    demo.chain.run("accounts_job")

    account = accounts.get_social_account(demo.engine, started["account"]["id"])
    assert (account["status"], account["make_webhook_url"]) == ("pending", None)


def test_an_expired_account_gets_nothing_until_it_is_reconnected(demo):
    account = onboarded(demo)
    campaign_id = active_campaign(demo, account["id"])
    demo.sandbox.expire_connection(int(account["make_connection_id"]))

    demo.chain.run("accounts_job")
    expired = accounts.get_social_account(demo.engine, account["id"])
    assert expired["status"] == "expired"
    assert "reconnect" in expired["status_reason"]
    publish_one_image(demo, campaign_id)
    assert statuses(demo) == []  # not even planned: the campaign's active targets exclude it

    reconnect = demo.cms.post(f"/api/social-accounts/{account['id']}/reconnect")
    authorize(demo, reconnect.json()["authorize_url"])
    demo.chain.run("accounts_job")
    assert accounts.get_social_account(demo.engine, account["id"])["status"] == "active"
    demo.chain.run("publish_job", str(campaign_id))
    demo.chain.tick_until("make_callbacks", lambda: statuses(demo) == ["published"], "published")


def test_revoking_an_account_for_one_campaign_leaves_the_others(demo):
    account = onboarded(demo)
    first, second = active_campaign(demo, account["id"]), active_campaign(demo, account["id"])

    revoked = demo.cms.delete(f"/api/campaigns/{first}/targets/{account['id']}")

    assert revoked.status_code == 200
    assert campaigns.active_targets(demo.engine, first) == []
    assert [target["id"] for target in campaigns.active_targets(demo.engine, second)] == [
        account["id"]
    ]


def test_a_revoked_account_stays_revoked_until_an_agent_reconnects_it(demo):
    account = onboarded(demo)

    revoked = demo.cms.post(f"/api/social-accounts/{account['id']}/revoke").json()
    demo.chain.run("accounts_job")
    assert revoked["account"]["status"] == "revoked"
    assert accounts.get_social_account(demo.engine, account["id"])["status"] == "revoked"

    reconnect = demo.cms.post(f"/api/social-accounts/{account['id']}/reconnect")
    authorize(demo, reconnect.json()["authorize_url"])
    demo.chain.run("accounts_job")
    assert accounts.get_social_account(demo.engine, account["id"])["status"] == "active"


def make(demo, method: str, path: str) -> httpx.Response:
    """Make's API as the team's owner sees it."""
    return httpx.request(
        method,
        f"{http_base_url(demo.sandbox_settings)}{MAKE_API_PREFIX}{path}",
        headers={"Authorization": f"Token {demo.sandbox_settings.credentials().make_api_token}"},
        timeout=10,
    )


def scenario_active(demo, scenario_id: str) -> bool:
    return make(demo, "GET", f"/scenarios/{scenario_id}").json()["scenario"]["isActive"]


def test_revoking_switches_the_scenario_off_and_deletes_the_connection_once(demo):
    account = onboarded(demo)
    assert scenario_active(demo, account["make_scenario_id"])

    first = demo.cms.post(f"/api/social-accounts/{account['id']}/revoke").json()
    again = demo.cms.post(f"/api/social-accounts/{account['id']}/revoke").json()

    assert first["make"] == {
        "scenario": "switched off",
        "connection": "deleted",
        "finished": True,
        "error": None,
    }
    assert again["make"]["finished"] and again["make"]["connection"] == "already released"
    assert not scenario_active(demo, account["make_scenario_id"])
    connection = make(demo, "POST", f"/connections/{account['make_connection_id']}/test")
    assert connection.status_code == 404


def test_a_connection_already_gone_in_make_still_finishes_the_revocation(demo):
    account = onboarded(demo)
    assert make(demo, "DELETE", f"/connections/{account['make_connection_id']}").is_success

    revoked = demo.cms.post(f"/api/social-accounts/{account['id']}/revoke").json()

    assert revoked["make"]["connection"] == "already gone"
    assert revoked["make"]["scenario"] == "switched off" and revoked["make"]["finished"]


def test_make_down_during_a_revoke_leaves_it_for_the_next_account_check(demo):
    account = onboarded(demo)
    demo.sandbox.set_faults(FaultRule(path_prefix=MAKE_API_PREFIX, error_status=503, error_rate=1))

    revoked = demo.cms.post(f"/api/social-accounts/{account['id']}/revoke")

    assert revoked.status_code == 200
    assert revoked.json()["account"]["status"] == "revoked"
    assert revoked.json()["make"]["finished"] is False
    assert "503" in revoked.json()["make"]["error"]
    assert accounts.get_social_account(demo.engine, account["id"])["make_released_at"] is None
    demo.sandbox.clear_faults()
    assert scenario_active(demo, account["make_scenario_id"])

    demo.chain.run("accounts_job")

    released = accounts.get_social_account(demo.engine, account["id"])
    assert released["status"] == "revoked" and released["make_released_at"] is not None
    assert not scenario_active(demo, account["make_scenario_id"])
    assert accounts.accounts_to_release(demo.engine) == []
