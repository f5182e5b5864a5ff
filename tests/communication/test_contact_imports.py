"""CSV imports of contacts, run by the `contact_imports` asset: every line stored with its
consents, or none of them with each bad line's number, field and reason; progress kept."""

from __future__ import annotations

from dagster import materialize
from sqlalchemy import func, select

from mediaflow_dagster.assets.contacts import contact_imports
from mediaflow_dagster.cms.database import ops_engine
from mediaflow_dagster.cms.schema import contact_consents, contacts
from mediaflow_dagster.definitions import build_resources

HEADER = "first_name,last_name,email,phone,language,time_zone,tags,email_marketing\n"
GOOD = (
    HEADER + "Alice,Martin,alice@example.org,+33612345678,fr,Europe/Paris,"
    "regular_customers;local_customers,yes\n"
    "Bob,,bob@example.org,,en,Europe/London,local_customers,no\n"
)
BAD = (
    GOOD + "Chloé,Durand,chloe@example.org,0612,fr,Europe/Paris,,\n"
    "Denis,,alice@example.org,,fr,Europe/Paris,,\n"
    ",,eve@example.org,,fr,Nowhere/Town,,\n"
)


def import_file(api, content: str) -> dict:
    response = api.post(
        "/api/contacts/imports", json={"csv": content, "wording_version": "2026-01"}
    )
    assert response.status_code == 202
    return response.json()


def run_imports(settings):
    result = materialize(
        [contact_imports], resources=build_resources(settings, resolve_secrets=True)
    )
    assert result.success
    return result.asset_materializations_for_node("ops__contact_imports")[0].metadata


def counts(settings) -> tuple[int, int]:
    with ops_engine(settings.ops_database_url).connect() as connection:
        return (
            connection.execute(select(func.count()).select_from(contacts)).scalar(),
            connection.execute(select(func.count()).select_from(contact_consents)).scalar(),
        )


def test_a_good_file_is_imported_whole_with_its_consents(api, settings):
    accepted = import_file(api, GOOD)
    assert (accepted["status"], accepted["total_lines"]) == ("pending", 2)

    metadata = run_imports(settings)

    outcome = api.get(f"/api/contacts/imports/{accepted['id']}").json()
    assert (outcome["status"], outcome["imported"], outcome["processed_lines"]) == ("done", 2, 2)
    assert metadata["imported"].value == 2
    assert counts(settings) == (2, 1)
    regulars = api.get("/api/contacts", params={"segment": "regular_customers"}).json()["items"]
    assert [(c["first_name"], c["consents"][0]["status"]) for c in regulars] == [
        ("Alice", "pending")
    ]


def test_a_file_with_bad_lines_imports_nothing_and_names_each_line(api, settings):
    accepted = import_file(api, BAD)

    metadata = run_imports(settings)

    outcome = api.get(f"/api/contacts/imports/{accepted['id']}").json()
    assert (outcome["status"], outcome["imported"]) == ("failed", 0)
    assert {(error["line"], error["field"]) for error in outcome["errors"]} == {
        (4, "phone"),
        (5, "email"),
        (6, "first_name"),
        (6, "time_zone"),
    }
    assert "0612" not in repr(outcome["errors"]) and "alice" not in repr(outcome["errors"])
    assert metadata["failed_imports"].value == 1
    assert counts(settings) == (0, 0)


def test_a_file_that_is_not_a_contact_file_is_refused_by_its_header(api, settings):
    accepted = import_file(api, "name;mail\nAlice;alice@example.org\n")

    run_imports(settings)

    outcome = api.get(f"/api/contacts/imports/{accepted['id']}").json()
    assert outcome["status"] == "failed"
    assert outcome["errors"][0]["line"] == 1
