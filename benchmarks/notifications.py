"""Throughput of notifications: messages rendered from the seeded `menu_update` template and
delivered over SMTP (STARTTLS, AUTH) to the sandbox's mail server running in its own process,
with consent and the suppression list checked for each, exactly as the `notification_messages`
asset does it (`plan_requests`, then `send_due`), on the embedded store or PostgreSQL.

A tenth of the segment has no consent and a tenth is suppressed: those are checked and refused,
never sent. The mail server must have taken exactly one message per sendable contact, each
Message-ID once.

    .venv/bin/python benchmarks/notifications.py [--contacts 3000] [--backend postgres]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, make_url, text

from mediaflow_dagster.cms import contacts
from mediaflow_dagster.cms.database import migrate, ops_engine
from mediaflow_dagster.cms.dispatch import plan_requests, send_due
from mediaflow_dagster.cms.notifications import create_request
from mediaflow_dagster.resources.configuration import client_from_environment
from mediaflow_dagster.resources.personal_data import PersonalData
from mediaflow_dagster.resources.sms import SmsProvider
from mediaflow_dagster.resources.smtp import SmtpMailer
from mediaflow_sandbox.control import client_environment
from mediaflow_sandbox.processes import free_local_ports
from mediaflow_sandbox.settings import SandboxSettings

GOAL_PER_SECOND = 500
POSTGRES_SERVER = os.environ.get(
    "MEDIAFLOW_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
MENU = {
    "menu_items": [
        {"name": "Soupe à l'oignon", "price": "7.50", "description": "Gratinée"},
        {"name": "Bœuf bourguignon", "price": "18"},
        {"name": "Tarte Tatin", "price": "6.50"},
    ]
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=3000)
    parser.add_argument("--backend", choices=["embedded", "postgres"], default="embedded")
    args = parser.parse_args()
    out = Console()
    with tempfile.TemporaryDirectory(prefix="mediaflow-bench-notifications-") as home:
        sandbox = SandboxSettings(
            home=Path(home) / "sandbox",
            port=free_local_ports(1)[0],
            smtp_port=free_local_ports(1)[0],
        )
        os.environ.update(client_environment(sandbox))
        database = None
        if args.backend == "postgres":
            database = f"mediaflow_bench_{uuid.uuid4().hex[:8]}"
            server = create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT")
            with server.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{database}"'))
            url = make_url(POSTGRES_SERVER).set(database=database).render_as_string(False)
        else:
            url = f"sqlite:///{Path(home) / 'ops.sqlite'}"
        mail = subprocess.Popen(
            [sys.executable, "-m", "mediaflow_sandbox.cli", "mail"],
            env=os.environ | sandbox.environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            mail.stderr.readline()
            figures = run(url, args.contacts)
        finally:
            mail.terminate()
            summary, _ = mail.communicate(timeout=60)
            if database is not None:
                with server.connect() as connection:
                    connection.execute(text(f'DROP DATABASE "{database}" WITH (FORCE)'))
    received, distinct, server_cpu = (float(word) for word in summary.split()[1::2])
    table = Table(title=f"notifications by email, {args.backend} ops store")
    for column in ("what", "figure"):
        table.add_column(column)
    rows = {
        "contacts in the segment": f"{args.contacts}",
        "sent / refused (no consent, suppressed)": f"{figures['sent']} / {figures['blocked']}",
        "taken by the mail server (distinct Message-IDs)": f"{received:.0f} ({distinct:.0f})",
        "mail server CPU a message": f"{server_cpu / max(received, 1) * 1000:.2f} ms",
        "planning": f"{figures['planning']:.2f} s",
        "rendering + delivery": f"{figures['sending']:.2f} s",
        "messages delivered per second": f"{figures['sent'] / figures['sending']:,.0f}",
        "sending process CPU a message": f"{figures['cpu'] / figures['sent'] * 1000:.2f} ms",
        "peak RSS of the sending process": f"{figures['peak_mb']:.0f} MB",
    }
    for what, figure in rows.items():
        table.add_row(what, figure)
    out.print(table)
    ok = received == distinct == figures["sent"] and (
        figures["sent"] / figures["sending"] >= GOAL_PER_SECOND
    )
    out.print(f"goal ≥ {GOAL_PER_SECOND}/s, each message once: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


def run(url: str, count: int) -> dict:
    engine = ops_engine(url)
    migrate(engine)
    keys = client_from_environment(PersonalData)
    vault = keys.vault()
    with engine.begin() as connection:
        for number in range(count):
            contact = contacts.create_contact(
                connection,
                vault,
                {
                    "first_name": f"Client {number}",
                    "last_name": None,
                    "email": f"client{number}@example.org",
                    "phone": None,
                    "language": "fr",
                    "time_zone": "Europe/Paris",
                    "tags": ["regular_customers"],
                },
            )
            if number % 10 == 0:
                continue
            consent = contacts.record_consent(
                connection,
                contact,
                channel="email",
                purpose="marketing",
                source="benchmark",
                wording_version="1",
            )
            contacts.confirm_consent(connection, consent["id"])
            if number % 10 == 1:
                contacts.suppress(connection, "email", contact["email_index"], "complaint")
        connection.execute(text("DELETE FROM notification_messages"))
        create_request(
            connection,
            requested_by="benchmark",
            template="menu_update",
            audience={"segment": "regular_customers"},
            data=MENU,
            channels=["email"],
            all_channels=False,
            send_at=None,
            best_hour=False,
            campaign_id=None,
        )
    started = time.perf_counter()
    plan_requests(engine)
    cpu_before = time.process_time()
    planned = time.perf_counter()
    report = send_due(
        engine,
        vault,
        keys.links(),
        client_from_environment(SmtpMailer),
        client_from_environment(SmsProvider),
    )
    finished = time.perf_counter()
    cpu = time.process_time() - cpu_before
    return {
        "cpu": cpu,
        "sent": report.outcomes["sent"],
        "blocked": sum(row.status == "blocked" for row in _statuses(engine)),
        "planning": planned - started,
        "sending": finished - planned,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _statuses(engine):
    with engine.connect() as connection:
        return connection.execute(text("SELECT status FROM notification_messages")).all()


if __name__ == "__main__":
    sys.exit(main())
