"""Attribution's facts in the ops store: a post's links go behind short signed redirects (one
per post and address, UTM-tagged); a visit records the click under a new click id and hands it
on to the destination; the CRM's conversions land with their paths, the latest of each."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient
from support.signing import module_signed

from mediaflow_dagster.api.app import create_app
from mediaflow_dagster.assets.publishing import with_tracked_links
from mediaflow_dagster.cms.attribution import received_conversions
from mediaflow_dagster.cms.campaigns import create_object, get_object
from mediaflow_dagster.cms.schema import link_clicks, tracked_links

TEXT = (
    "Réservez votre table sur https://bistro.example.org/reserver?table=2. "
    "La carte : https://bistro.example.org/carte"
)
CONVERSION = {
    "type": "conversion.recorded",
    "conversion_id": "order-7",
    "kind": "order",
    "amount": "42.00",
    "currency": "EUR",
    "occurred_at": "2026-12-04T19:30:00+01:00",
    "click_id": "clk-last",
    "earlier_click_ids": ["clk-first", "clk-second"],
}


@pytest.fixture
def post(engine, campaign_id, targeted_account) -> dict:
    made = create_object(
        engine,
        campaign_id=campaign_id,
        object_type="text",
        title="Plat du jour",
        sources=[],
        config={},
    )
    return get_object(engine, made["id"]) | {"content_text": TEXT}


def shortened(engine, personal_data, targeted_account, post) -> str:
    with engine.begin() as connection:
        return with_tracked_links(connection, personal_data.links(), targeted_account, post)[
            "content_text"
        ]


def test_a_posts_links_go_behind_one_short_signed_link_per_post_and_address(
    engine, personal_data, targeted_account, post, campaign_id
):
    first = shortened(engine, personal_data, targeted_account, post)
    again = shortened(engine, personal_data, targeted_account, post)

    assert first == again
    assert "bistro.example.org" not in first
    assert first.startswith("Réservez votre table sur http://")
    assert ". La carte : " in first
    with engine.connect() as connection:
        links = connection.execute(select(tracked_links).order_by(tracked_links.c.id)).all()
    assert len(links) == 2
    tagged = parse_qs(urlsplit(links[0].url).query)
    assert tagged == {
        "table": ["2"],
        "utm_source": ["facebook"],
        "utm_medium": ["social"],
        "utm_campaign": [f"mediaflow-{campaign_id}"],
        "utm_content": [f"object-{post['id']}"],
    }
    assert all(len(url) < 80 for url in first.split() if url.startswith("http"))


def test_a_visit_records_the_click_and_hands_its_id_on(
    settings, engine, personal_data, targeted_account, post, campaign_id
):
    text = shortened(engine, personal_data, targeted_account, post)
    address = urlsplit(text.split()[4].rstrip("."))
    browser = TestClient(create_app(settings))  # no key: the signature is the authority

    visited = browser.get(address.path, follow_redirects=False)

    assert visited.status_code == 302
    destination = urlsplit(visited.headers["location"])
    query = parse_qs(destination.query)
    assert destination.netloc == "bistro.example.org"
    assert query["utm_source"] == ["facebook"]
    with engine.connect() as connection:
        [click] = connection.execute(select(link_clicks)).all()
    assert query["mf_click"] == [click.click_id]
    assert (click.campaign_id, click.channel, click.platform) == (
        campaign_id,
        "social",
        "facebook",
    )


def test_a_platforms_robot_fetching_the_preview_is_sent_on_uncounted(
    settings, engine, personal_data, targeted_account, post
):
    text = shortened(engine, personal_data, targeted_account, post)
    address = urlsplit(text.split()[4].rstrip("."))
    robot = TestClient(
        create_app(settings),
        headers={"user-agent": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit)"},
    )

    previewed = robot.get(address.path, follow_redirects=False)

    assert previewed.status_code == 302
    assert "mf_click" not in parse_qs(urlsplit(previewed.headers["location"]).query)
    with engine.connect() as connection:
        assert connection.execute(select(link_clicks)).all() == []


@pytest.mark.parametrize(
    ("code", "status"),
    [("1.forgedtag123", 403), ("abc", 403), ("1", 422), ("9" * 13 + ".x", 403)],
)
def test_a_visit_link_not_made_here_is_refused_and_records_nothing(settings, engine, code, status):
    browser = TestClient(create_app(settings))

    refused = browser.get(f"/api/communication/visit/{code}", follow_redirects=False)

    assert refused.status_code == status
    assert refused.headers["content-type"] == "application/problem+json"
    with engine.connect() as connection:
        assert connection.execute(select(link_clicks)).all() == []


def test_a_signed_link_to_no_tracked_link_is_a_404(settings, personal_data):
    browser = TestClient(create_app(settings))
    gone = urlsplit(personal_data.links().visit_url(424242))

    answer = browser.get(gone.path, follow_redirects=False)

    assert answer.status_code == 404
    assert "424242" in answer.json()["detail"]


def test_conversions_land_with_their_paths_the_latest_of_each(settings, engine):
    api = TestClient(create_app(settings))
    corrected = CONVERSION | {"amount": "45.50", "earlier_click_ids": []}
    for event_id, event in (("evt-1", CONVERSION), ("evt-2", corrected)):
        raw, headers = module_signed("crm", event, event_id=event_id)
        assert api.post("/api/communication/webhook", content=raw, headers=headers).is_success
    raw, headers = module_signed("crm", CONVERSION | {"conversion_id": "order-8"}, event_id="e3")
    api.post("/api/communication/webhook", content=raw, headers=headers)

    conversions, touches = received_conversions(engine)

    by_id = {conversion["conversion_id"]: conversion for conversion in conversions}
    assert str(by_id["order-7"]["amount"]) == "45.50"
    assert str(by_id["order-7"]["occurred_at"]) == "2026-12-04 18:30:00"
    assert [(t["conversion_id"], t["click_id"], t["position"]) for t in touches] == [
        ("order-7", "clk-last", 1),
        ("order-8", "clk-first", 1),
        ("order-8", "clk-second", 2),
        ("order-8", "clk-last", 3),
    ]
