"""Consent per channel and purpose: marketing waits for a double opt-in confirmed through a
signed link; one click on a signed link unsubscribes, without logging in; forged, expired or
misused links change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from mediaflow_dagster.cms.database import ops_engine
from mediaflow_dagster.cms.schema import notification_messages, suppressions
from mediaflow_dagster.communication.links import LinkSigner

CONTACT = {"first_name": "Alice", "email": "alice@example.org", "phone": "+33612345678"}
MARKETING_EMAIL = {
    "channel": "email",
    "purpose": "marketing",
    "source": "website_form",
    "wording_version": "2026-01",
}


@pytest.fixture
def contact(api) -> dict:
    return api.post("/api/contacts", json=CONTACT | {"consents": [MARKETING_EMAIL]}).json()


def public(api):
    """The same app, without any credential: what a contact's browser or mail provider is."""
    api.headers.pop("authorization")
    return api


def test_marketing_consent_waits_for_its_opt_in_and_queues_the_confirmation(contact, settings):
    [consent] = contact["consents"]

    assert consent["status"] == "pending"
    assert (consent["source"], consent["wording_version"]) == ("website_form", "2026-01")
    assert consent["recorded_at"] is not None
    with ops_engine(settings.ops_database_url).connect() as connection:
        queued = connection.execute(
            select(notification_messages.c.kind, notification_messages.c.channel)
        ).all()
    assert queued == [("opt_in", "email")]


def test_transactional_consent_is_granted_at_once(api, contact):
    response = api.post(
        f"/api/contacts/{contact['id']}/consents",
        json=MARKETING_EMAIL | {"channel": "sms", "purpose": "transactional"},
    )

    assert response.status_code == 201
    assert response.json()["status"] == "granted"


def test_the_signed_opt_in_link_confirms_without_a_login(api, contact, personal_data):
    link = personal_data.links().token("opt-in", {"consent": contact["consents"][0]["id"]})
    contact_id = contact["id"]

    response = public(api).get("/api/communication/opt-in", params={"token": link})

    assert response.status_code == 200
    assert response.json() == {"status": "confirmed", "channel": "email", "purpose": "marketing"}
    admin = api_with_key(api)
    assert admin.get(f"/api/contacts/{contact_id}").json()["consents"][0]["status"] == "granted"


def api_with_key(api):
    from support.api import key_headers

    api.headers.update(key_headers(api.app.state.context.settings, "admin"))
    return api


@pytest.mark.parametrize("forgery", ["other key", "expired", "wrong purpose", "garbage"])
def test_a_forged_or_expired_link_is_refused_and_changes_nothing(
    api, contact, personal_data, forgery
):
    signer = personal_data.links()
    claims = {"consent": contact["consents"][0]["id"]}
    token = {
        "other key": LinkSigner("not-our-key-" * 4, "http://x", signer.lifetimes).token(
            "opt-in", claims
        ),
        "expired": LinkSigner(signer.key, "http://x", {"opt-in": timedelta(seconds=-120)}).token(
            "opt-in", claims
        ),
        "wrong purpose": signer.token("open", claims),
        "garbage": "abc.def.ghi",
    }[forgery]

    response = public(api).get("/api/communication/opt-in", params={"token": token})

    assert response.status_code == 403
    consent = api_with_key(api).get(f"/api/contacts/{contact['id']}").json()["consents"][0]
    assert consent["status"] == "pending"


def test_one_click_unsubscribe_withdraws_and_suppresses_without_a_login(
    api, contact, personal_data, settings
):
    url = personal_data.links().url("unsubscribe", {"contact": contact["id"], "channel": "email"})
    path = url.removeprefix(personal_data.public_api_url)
    browser = public(api)

    assert browser.get(path).status_code == 200
    response = browser.post(
        path,
        content="List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 200
    consent = api_with_key(api).get(f"/api/contacts/{contact['id']}").json()["consents"][0]
    assert (consent["status"], consent["withdrawal_source"]) == (
        "withdrawn",
        "one_click_unsubscribe",
    )
    with ops_engine(settings.ops_database_url).connect() as connection:
        assert connection.execute(select(suppressions.c.reason)).scalars().all() == ["withdrawal"]


def test_looking_at_the_unsubscribe_link_changes_nothing(api, contact, personal_data):
    token = personal_data.links().token(
        "unsubscribe", {"contact": contact["id"], "channel": "email"}
    )

    public(api).get("/api/communication/unsubscribe", params={"token": token})

    consent = api_with_key(api).get(f"/api/contacts/{contact['id']}").json()["consents"][0]
    assert consent["status"] == "pending"


def test_an_address_is_suppressed_by_its_keyed_hash_only(api, vault):
    response = api.post(
        "/api/suppressions",
        json={"channel": "email", "address": "bounced@example.org", "reason": "complaint"},
    )

    assert response.status_code == 201
    listed = api.get("/api/suppressions").json()["items"]
    assert [entry["address_index"] for entry in listed] == [
        vault.address_index("email", "bounced@example.org")
    ]
    assert "bounced" not in repr(listed)
