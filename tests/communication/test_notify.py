"""`POST /api/communication/notify` to the sending run and back: a request whose data does not
fill its template is refused naming the variable; an accepted one is sent by the
`notification_messages` asset, whose metadata counts messages by status; opens and clicks come
back through signed links, a click on to its UTM-tagged address with its click id."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from dagster import materialize
from sqlalchemy import select
from support.notifications import mail_environment, mail_server, ready_contact

from mediaflow_dagster.assets import notifications as sending
from mediaflow_dagster.cms.database import ops_engine
from mediaflow_dagster.cms.schema import link_clicks, notification_messages
from mediaflow_dagster.definitions import build_resources

OFFER = {
    "offer": {
        "title": "-20 % ce week-end",
        "description": "Sur toute la carte.",
        "url": "https://bistro.example.org/offre?code=A&b=1",
        "valid_until": "dimanche",
    }
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with mail_server(tmp_path_factory.mktemp("mail-certificates")) as running:
        yield running


@pytest.fixture
def mailbox(server, in_environment):
    server.mailbox.clear()
    in_environment(mail_environment(server))
    return server.mailbox


def notify(api, **body):
    wanted = {
        "template": "promotional_email",
        "audience": {"segment": "regular_customers"},
        "data": OFFER,
    } | body
    return api.post("/api/communication/notify", json=wanted)


def run_sending(settings):
    result = materialize(
        [sending.notification_messages], resources=build_resources(settings, resolve_secrets=True)
    )
    assert result.success
    return result.asset_materializations_for_node("ops__notification_messages")[0].metadata


def test_data_that_does_not_fill_the_template_is_a_422_naming_the_variable(api):
    response = notify(api, data={"offer": {"title": "x"}})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "data.offer.description"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"template": "nothing"}, 404),
        ({"audience": {}}, 422),
        ({"audience": {"segment": "a", "contact_ids": [1]}}, 422),
        ({"channels": ["email", "email"]}, 422),
        ({"channels": ["fax"]}, 422),
        ({"campaign_id": 999}, 404),
    ],
)
def test_a_request_that_cannot_be_sent_is_refused(api, body, status):
    assert notify(api, **body).status_code == status


def test_a_request_is_sent_by_the_run_which_shows_counts_by_status(
    api, settings, engine, vault, mailbox
):
    ready_contact(engine, vault)
    ready_contact(engine, vault, first_name="Nora", email="nora@example.org", consents=())

    accepted = notify(api)
    metadata = run_sending(settings)

    assert accepted.status_code == 202
    followed = api.get(accepted.headers["location"]).json()
    assert followed["status"] == "planned"
    assert followed["messages"] == {"sent": 1, "blocked": 1}
    assert metadata["by_status"].value["sent"] == 1
    assert "no marketing consent for email" in metadata["failures"].value
    assert "nora" not in metadata["failures"].value.lower()
    [email] = mailbox.received()
    assert email["Subject"] == "Alice, -20 % ce week-end"


def test_opens_and_clicks_come_back_through_signed_links(api, settings, engine, vault, mailbox):
    ready_contact(engine, vault)
    notify(api)
    run_sending(settings)
    html = mailbox.received()[0].get_body(("html",)).get_content()
    pixel, click = (
        urlsplit(re.search(rf'{attribute}="([^"]+)"', html)[1]) for attribute in ("src", "href")
    )
    browser = api
    browser.headers.pop("authorization")

    opened = browser.get(f"{pixel.path}?{pixel.query}")
    clicked = browser.get(f"{click.path}?{click.query}", follow_redirects=False)
    forged = browser.get(f"{click.path}?token=x{click.query[7:]}", follow_redirects=False)

    assert (opened.status_code, opened.headers["content-type"]) == (200, "image/gif")
    assert clicked.status_code == 302
    destination = urlsplit(clicked.headers["location"])
    query = parse_qs(destination.query)
    assert destination._replace(query="").geturl() == "https://bistro.example.org/offre"
    assert forged.status_code == 403
    with ops_engine(settings.ops_database_url).connect() as connection:
        [tracked] = connection.execute(
            select(notification_messages).where(notification_messages.c.kind == "notification")
        ).all()
        [click] = connection.execute(select(link_clicks)).all()
    assert tracked.opened_at is not None and tracked.clicked_at is not None
    assert query == {
        "code": ["A"],
        "b": ["1"],
        "utm_source": ["mediaflow"],
        "utm_medium": ["email"],
        "utm_content": ["promotional_email"],
        "mf_click": [click.click_id],
    }
    assert (click.channel, click.message_id, click.campaign_id) == ("email", tracked.id, None)
