"""The right to erasure: after one request and the `erasures` run, the contact is findable
nowhere (ops store, warehouse raw tables and the views over them), their messages still count,
and the trace says who, when and how many rows each store lost, without personal data."""

from __future__ import annotations

from dagster import materialize
from sqlalchemy import MetaData, select, text
from support.notifications import ready_contact

from mediaflow_dagster.assets.erasures import erasures
from mediaflow_dagster.assets.warehouse import raw_ops_tables
from mediaflow_dagster.cms.dispatch import plan_requests
from mediaflow_dagster.cms.notifications import create_request
from mediaflow_dagster.cms.schema import notification_messages
from mediaflow_dagster.definitions import build_resources
from mediaflow_dagster.resources.warehouse import RAW_SCHEMA

PERSONAL = ("Alice", "Martin", "alice@example.org", "612345678")


def everything_in_the_ops_store(engine) -> str:
    tables = MetaData()
    tables.reflect(engine)
    with engine.connect() as connection:
        return repr(
            [
                (name, list(connection.execute(select(table))))
                for name, table in tables.tables.items()
                if name != "alembic_version"
            ]
        )


def everything_in_the_warehouse(warehouse) -> str:
    names = warehouse.query(
        f"select table_name from information_schema.tables where table_schema = '{RAW_SCHEMA}'"
    )["table_name"]
    return repr([warehouse.query(f"select * from {RAW_SCHEMA}.{name}").to_dict() for name in names])


def test_an_erased_contact_is_findable_nowhere_and_the_trace_holds_no_personal_data(
    api, settings, engine, vault
):
    contact = ready_contact(engine, vault, email="alice@example.org", phone="+33612345678")
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE contacts SET last_name = :sealed WHERE id = :id"),
            {"sealed": vault.seal("Martin"), "id": contact["id"]},
        )
        create_request(
            connection,
            requested_by="tests",
            template="promotional_email",
            audience={"contact_ids": [contact["id"]]},
            data={},
            channels=["email"],
            all_channels=False,
            send_at=None,
            best_hour=False,
            campaign_id=None,
        )
    plan_requests(engine)
    resources = build_resources(settings, resolve_secrets=True)
    assert materialize([raw_ops_tables], resources=resources).success
    warehouse = resources["warehouse"]
    assert contact["pseudonym"] in everything_in_the_warehouse(warehouse)

    response = api.delete(f"/api/contacts/{contact['id']}")
    assert materialize([erasures], resources=resources).success

    assert response.status_code == 202
    trace = api.get(response.headers["location"]).json()
    assert trace["finished_at"] is not None
    assert trace["stores"]["ops"]["contacts"] == 1
    assert trace["stores"]["warehouse"] == 2  # its opt-in confirmation and the offer
    everywhere = everything_in_the_ops_store(engine) + everything_in_the_warehouse(warehouse)
    for trace_of_them in (*PERSONAL, contact["pseudonym"]):
        assert trace_of_them not in everywhere
    assert api.get(f"/api/contacts/{contact['id']}").status_code == 404
    with engine.connect() as connection:
        kept = connection.execute(select(notification_messages.c.contact_id)).scalars().all()
    assert kept and set(kept) == {None}


def test_erasing_an_unknown_contact_is_a_404_and_leaves_no_trace(api):
    response = api.delete("/api/contacts/999")

    assert response.status_code == 404
    assert api.get("/api/erasures/1").status_code == 404
