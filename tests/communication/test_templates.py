"""Handlebars templates: the seeded `promotional_email` and `menu_update` render as written,
each save is a new version, a syntax error or a missing variable is a 422 naming it, and HTML
is escaped in the HTML body only."""

from __future__ import annotations

from sqlalchemy import func, select

from mediaflow_dagster.cms.database import ops_engine
from mediaflow_dagster.cms.schema import notification_templates

MENU = {
    "customer": {"first_name": "Alice"},
    "menu_items": [
        {"name": "Soupe à l'oignon", "price": "7.50"},
        {"name": "Fish & <b>Chips</b>", "price": "12", "description": "Cabillaud frais"},
    ],
}
OFFER = {
    "customer": {"first_name": "Alice"},
    "offer": {
        "title": "-20 % ce week-end",
        "description": "Sur toute la carte.",
        "url": "https://bistro.example.org/offre",
        "valid_until": "dimanche",
    },
}
TEMPLATE = {
    "language": "fr",
    "purpose": "marketing",
    "subject": "Bonjour {{customer.first_name}}",
    "html_body": "<p>{{customer.first_name}}</p>",
    "text_body": "{{customer.first_name}}",
}


def test_the_seeded_menu_update_renders_each_menu_item(api):
    response = api.post("/api/communication/templates/menu_update/preview", json={"data": MENU})

    assert response.status_code == 200
    preview = response.json()
    assert preview["subject"] == "Le nouveau menu, Alice"
    assert "<li><strong>Soupe à l&#x27;oignon</strong> 7.50 €</li>" in preview["html_body"]
    assert "Fish &amp; &lt;b&gt;Chips&lt;/b&gt;" in preview["html_body"]
    assert "<br>Cabillaud frais" in preview["html_body"]
    assert "- Fish & <b>Chips</b>: 12 €" in preview["text_body"]
    assert preview["version"] == 1


def test_the_seeded_promotional_email_renders_in_the_asked_language(api):
    english = api.post(
        "/api/communication/templates/promotional_email/preview",
        json={"language": "en", "data": OFFER},
    ).json()
    german = api.post(
        "/api/communication/templates/promotional_email/preview",
        json={"language": "de", "data": OFFER},
    ).json()

    assert english["html_body"].startswith("<p>Hello Alice,</p>")
    assert german["language"] == "fr"
    assert german["text_body"].startswith("Bonjour Alice,")


def test_a_variable_missing_from_the_data_is_a_422_naming_it(api):
    data = {"menu_items": MENU["menu_items"], "customer": {}}

    response = api.post("/api/communication/templates/menu_update/preview", json={"data": data})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "data.customer.first_name"


def test_a_variable_missing_inside_each_is_named_too(api):
    data = {"customer": {"first_name": "Alice"}, "menu_items": [{"name": "Soupe"}]}

    response = api.post("/api/communication/templates/menu_update/preview", json={"data": data})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "data.price"


def test_a_syntax_error_is_a_422_naming_the_part_and_nothing_is_saved(api, settings):
    broken = TEMPLATE | {"html_body": "<ul>{{#each menu_items}}<li>{{name}}</li>{{/if}}</ul>"}

    response = api.post("/api/communication/templates/weekly", json=broken)

    assert response.status_code == 422
    [problem] = response.json()["errors"]
    assert problem["field"] == "html_body"
    assert "syntax error" in problem["message"]
    with ops_engine(settings.ops_database_url).connect() as connection:
        saved = connection.execute(
            select(func.count())
            .select_from(notification_templates)
            .where(notification_templates.c.name == "weekly")
        ).scalar()
    assert saved == 0


def test_each_save_is_a_new_version_and_a_preview_can_name_one(api):
    first = api.post("/api/communication/templates/weekly", json=TEMPLATE).json()
    second = api.post(
        "/api/communication/templates/weekly",
        json=TEMPLATE | {"subject": "Salut {{customer.first_name}}"},
    ).json()
    data = {"data": {"customer": {"first_name": "Alice"}}}

    latest = api.post("/api/communication/templates/weekly/preview", json=data).json()
    older = api.post(
        "/api/communication/templates/weekly/preview", json=data | {"version": 1}
    ).json()

    assert (first["version"], second["version"]) == (1, 2)
    assert (latest["subject"], older["subject"]) == ("Salut Alice", "Bonjour Alice")
    listed = api.get("/api/communication/templates", params={"name": "weekly"}).json()
    assert [template["version"] for template in listed["items"]] == [1, 2]


def test_an_unknown_template_is_a_404(api):
    response = api.post("/api/communication/templates/nothing/preview", json={"data": {}})

    assert response.status_code == 404
