"""Contacts through the API: personal fields sealed at rest, a pseudonym for the warehouse,
refusals naming the field, key rotation, and every read of personal data in the audit log."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text

from mediaflow_dagster.cms.contacts import reseal_contacts
from mediaflow_dagster.cms.database import ops_engine
from mediaflow_dagster.cms.schema import audit_log, contacts
from mediaflow_dagster.communication.vault import InvalidToken, Vault

ALICE = {
    "first_name": "Alice",
    "last_name": "Martin",
    "email": "alice.martin@example.org",
    "phone": "+33612345678",
    "language": "fr",
    "time_zone": "Europe/Paris",
    "tags": ["regular_customers", "local_customers"],
}


def stored_rows(settings) -> list[str]:
    with ops_engine(settings.ops_database_url).connect() as connection:
        return [repr(tuple(row)) for row in connection.execute(text("SELECT * FROM contacts"))]


def test_personal_fields_are_sealed_at_rest_and_shown_in_the_clear(api, settings):
    response = api.post("/api/contacts", json=ALICE)

    assert response.status_code == 201
    contact = response.json()
    assert {name: contact[name] for name in ALICE} == ALICE
    assert len(contact["pseudonym"]) == 64
    at_rest = "".join(stored_rows(settings))
    for value in ("Alice", "Martin", "alice.martin", "612345678"):
        assert value not in at_rest
    assert api.get(contact_url := response.headers["location"]).json()["email"] == ALICE["email"]
    assert contact_url == f"/api/contacts/{contact['id']}"


def test_every_read_of_personal_data_is_in_the_audit_log(api, settings):
    contact = api.post("/api/contacts", json=ALICE).json()

    api.get(f"/api/contacts/{contact['id']}")
    api.get("/api/contacts", params={"segment": "regular_customers"})

    with ops_engine(settings.ops_database_url).connect() as connection:
        entries = connection.execute(
            select(audit_log.c.method, audit_log.c.route, audit_log.c.target)
        ).all()
    assert ("GET", "/api/contacts/{contact_id}", f"/api/contacts/{contact['id']}") in entries
    assert ("GET", "/api/contacts", "/api/contacts") in entries
    assert not any("alice" in repr(entry).lower() for entry in entries)


def test_a_segment_lists_its_contacts_only(api):
    api.post("/api/contacts", json=ALICE)
    api.post(
        "/api/contacts",
        json={"first_name": "Bob", "email": "bob@example.org", "tags": ["local_customers"]},
    )

    regulars = api.get("/api/contacts", params={"segment": "regular_customers"}).json()
    locals_ = api.get("/api/contacts", params={"segment": "local_customers", "limit": 1}).json()

    assert [contact["first_name"] for contact in regulars["items"]] == ["Alice"]
    assert locals_["next_cursor"] is not None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "0612345678"),
        ("phone", "+3361234"),
        ("email", "not-an-address"),
        ("time_zone", "Mars/Olympus"),
        ("language", "french"),
        ("tags", ["Regular Customers"]),
    ],
)
def test_an_invalid_field_is_refused_naming_it_and_nothing_is_stored(api, settings, field, value):
    response = api.post("/api/contacts", json=ALICE | {field: value})

    assert response.status_code == 422
    assert field in response.json()["detail"]
    assert stored_rows(settings) == []


def test_a_second_contact_with_the_same_address_is_a_conflict(api):
    api.post("/api/contacts", json=ALICE)

    response = api.post(
        "/api/contacts", json=ALICE | {"email": "ALICE.MARTIN@example.org", "phone": None}
    )

    assert response.status_code == 409


def test_contacts_need_the_contacts_scopes(settings):
    from support.api import api_client

    analyst = api_client(settings, "analyst")

    assert analyst.post("/api/contacts", json=ALICE).status_code == 403
    assert analyst.get("/api/contacts").status_code == 403


def test_keys_rotate_without_losing_a_contact(api, settings, personal_data):
    contact = api.post("/api/contacts", json=ALICE).json()
    old_key = personal_data.contact_encryption_keys
    new_key = Fernet.generate_key().decode()
    both = Vault(f"{new_key},{old_key}", personal_data.contact_pseudonym_key)
    engine = ops_engine(settings.ops_database_url)

    assert reseal_contacts(engine, both) == 1

    new_only = Vault(new_key, personal_data.contact_pseudonym_key)
    with engine.connect() as connection:
        row = connection.execute(select(contacts).where(contacts.c.id == contact["id"])).one()
    assert new_only.open(row.email) == ALICE["email"]
    with pytest.raises(InvalidToken):
        Vault(old_key, personal_data.contact_pseudonym_key).open(row.email)
