"""A campaign that publishes (active), on accounts of the platforms asked for, made through the
API as an editor and an admin would."""

from __future__ import annotations

from starlette.testclient import TestClient


def account_body(platform: str, external_id: str) -> dict:
    return {
        "platform": platform,
        "name": f"Le Vieux Moulin ({platform})",
        "account_type": "page" if platform == "facebook" else "business",
        "external_account_id": external_id,
        "make_connection_id": "1",
        "make_scenario_id": "2",
        "make_webhook_url": f"https://hook.eu1.make.com/{platform}-{external_id}",
    }


def running_campaign(
    api: TestClient, platforms: tuple[str, ...] = ("facebook", "instagram"), status="active"
) -> dict:
    """A campaign targeting one new account per platform, moved to `status`."""
    accounts = []
    for platform in platforms:
        answer = api.post(
            "/api/social-accounts", json=account_body(platform, f"{id(api)}{platform}")
        )
        assert answer.status_code == 201, answer.text
        accounts.append(answer.json()["id"])
    answer = api.post(
        "/api/campaigns",
        json={
            "name": "Le Vieux Moulin - Hiver",
            "budget": "800.00",
            "start_date": "2026-11-01",
            "end_date": "2027-03-31",
            "social_account_ids": accounts,
        },
    )
    assert answer.status_code == 201, answer.text
    campaign = answer.json()
    if status != "draft":
        moved = api.post(f"/api/campaigns/{campaign['id']}/status", json={"status": status})
        assert moved.status_code == 200, moved.text
        campaign = moved.json()
    return campaign
