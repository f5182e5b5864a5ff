"""`mediaflow ...`: the API server, the ops store's migrations, the API's keys, the accounts'
platform credentials, the warehouse's documentation and the BI dashboards over it."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from mediaflow_dagster.settings import MissingSetting, get_settings

app = typer.Typer(no_args_is_help=True, help="mediaflow: media campaigns as data.")
keys = typer.Typer(no_args_is_help=True, help="The API's keys: made, listed, revoked.")
app.add_typer(keys, name="keys")
credentials = typer.Typer(
    no_args_is_help=True,
    help="The accounts' platform credentials: imported from the old settings, re-encrypted "
    "under a new key.",
)
app.add_typer(credentials, name="credentials")
contacts = typer.Typer(no_args_is_help=True, help="Contacts' personal data.")
app.add_typer(contacts, name="contacts")


@app.command()
def api(
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="API processes on the port (default MEDIAFLOW_API_WORKERS)."),
    ] = None,
) -> None:
    """Serve the CMS API and the n8n / Make callbacks."""
    import logging.config

    import uvicorn

    from mediaflow_dagster.api.app import create_app
    from mediaflow_dagster.logs import logging_config

    try:
        settings = get_settings()
        log_config = logging_config(settings.log_format, settings.log_level)
        if log_config:
            logging.config.dictConfig(log_config)
        application = create_app(settings)
    except MissingSetting as missing:
        typer.secho(f"mediaflow api cannot start: {missing}", fg="red", err=True)
        raise typer.Exit(2) from missing
    logs = {"log_config": log_config} if log_config else {}
    workers = workers or settings.api_workers
    if workers == 1:
        uvicorn.run(application, host=settings.api_host, port=settings.api_port, **logs)
        return
    # The app made here checked the settings and migrated the store once; each worker process
    # makes its own (its own connections and group commit).
    uvicorn.run(
        "mediaflow_dagster.api.app:app_from_environment",
        factory=True,
        workers=workers,
        host=settings.api_host,
        port=settings.api_port,
        **logs,
    )


@app.command()
def migrate() -> None:
    """Bring the ops store's schema up to date."""
    _ops_store()
    typer.echo("ops store is up to date")


@app.command()
def docs(
    port: Annotated[int, typer.Option(help="Port of the docs server on 127.0.0.1.")] = 8580,
    serve: Annotated[bool, typer.Option(help="Serve them once generated.")] = True,
) -> None:
    """Generate the dbt project's docs (models, columns, tests, exposures and the catalog) from
    the warehouse the settings choose, and serve them on loopback until Ctrl-C."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from mediaflow_dagster.dbt_project import dbt_project
    from mediaflow_dagster.resources.warehouse import dbt_environment

    settings = get_settings()
    postgres_url = settings.postgres_url.get_secret_value() if settings.postgres_url else None
    environment = {
        **os.environ,
        **dbt_environment(settings.backend, str(settings.warehouse_path), postgres_url),
    }
    dbt = str(Path(sys.executable).with_name("dbt"))
    project = str(dbt_project.project_dir)
    target = str(settings.home.resolve() / "dbt-docs")
    where = ["--project-dir", project, "--profiles-dir", project, "--target-path", target]
    subprocess.run([dbt, "docs", "generate", *where], env=environment, check=True)
    typer.echo(f"dbt docs of {_warehouse_name(settings)} in {target}")
    if serve:
        typer.echo(f"serving them on http://127.0.0.1:{port} (Ctrl-C stops)")
        command = [dbt, "docs", "serve", *where, "--host", "127.0.0.1", "--port", str(port)]
        subprocess.run([*command, "--no-browser"], env=environment, check=False)


@app.command()
def bi(
    serve: Annotated[bool, typer.Option(help="Serve Superset once set up.")] = True,
) -> None:
    """Set Apache Superset up over the marts of the warehouse the settings choose (its metadata,
    the admin, the marts' database and the dashboards of mediaflow_dagster/bi/dashboards.yml)
    and serve it on loopback until Ctrl-C."""
    from mediaflow_dagster.bi.bundle import dashboard_slugs, dashboard_url
    from mediaflow_dagster.bi.superset import Superset, SupersetFailed, marts_database
    from mediaflow_dagster.dbt_project import dbt_project
    from mediaflow_dagster.resources.marts_copy import marts_copy_path
    from mediaflow_dagster.settings import SupersetSettings

    try:
        settings = get_settings()
        superset_settings = SupersetSettings.load()
        database = marts_database(settings, superset_settings)
    except MissingSetting as missing:
        typer.secho(f"mediaflow bi cannot start: {missing}", fg="red", err=True)
        raise typer.Exit(2) from missing
    if settings.backend == "embedded" and not marts_copy_path(settings.warehouse_path).exists():
        typer.secho(
            "no marts to show yet: `python3.11 dev.py demo` builds them", fg="yellow", err=True
        )
    superset = Superset(superset_settings)
    typer.echo(f"setting Superset up in {superset.home} (log: {superset.log_path})")
    try:
        superset.set_up([database], dbt_project.manifest_path)
        typer.echo(f"dashboards over the marts of {_warehouse_name(settings)}:")
        for slug in dashboard_slugs([database]).values():
            typer.echo(f"  {dashboard_url(superset.url, slug)}")
        if serve:
            with superset.serving() as url:
                typer.echo(f"Superset is up at {url} (Ctrl-C stops it)")
                _wait_for_interrupt()
    except SupersetFailed as failed:
        typer.secho(str(failed), fg="red", err=True)
        raise typer.Exit(1) from failed


def _wait_for_interrupt() -> None:
    """Until Ctrl-C or a SIGTERM, which end the caller's `with` blocks (the servers they
    started stop with them)."""
    import signal
    import time

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


def _warehouse_name(settings) -> str:
    from sqlalchemy import make_url

    if settings.backend == "postgres":
        database = make_url(settings.postgres_url.get_secret_value()).database
        return f"the PostgreSQL database {database}"
    return str(settings.warehouse_path)


def _ops_store():
    from mediaflow_dagster.cms.database import migrate as apply_migrations
    from mediaflow_dagster.cms.database import ops_engine

    settings = get_settings()
    if settings.backend == "embedded":
        settings.home.mkdir(parents=True, exist_ok=True)
    engine = ops_engine(settings.ops_database_url)
    apply_migrations(engine)
    return engine


def issue_key(name: str, roles: list[str], scopes: list[str], days: int) -> tuple[str, dict]:
    """A new API key with the scopes of `roles` and `scopes` together, made by the operator at
    this machine; the key is returned this once."""
    from mediaflow_dagster.api.scopes import SCOPES, scopes_of
    from mediaflow_dagster.cms.api_keys import create_key
    from mediaflow_dagster.cms.database import utcnow

    unknown = sorted(set(scopes) - set(SCOPES))
    granted = scopes_of(roles) | set(scopes)
    if unknown or not granted:
        raise typer.BadParameter(
            f"give a known --role or --scope (scopes: {', '.join(SCOPES)}); unknown: {unknown}"
        )
    return create_key(
        _ops_store(),
        name=name,
        scopes=sorted(granted),
        created_by="cli",
        expires_at=utcnow() + timedelta(days=days),
    )


@keys.command("create")
def create_key(
    name: Annotated[str, typer.Option(help="Who or what the key is for.")],
    role: Annotated[
        list[str], typer.Option(help="analyst, editor, approver or admin (repeatable).")
    ] = [],  # noqa: B006 (typer reads the default, never mutates it)
    scope: Annotated[list[str], typer.Option(help="A scope (repeatable).")] = [],  # noqa: B006
    days: Annotated[int, typer.Option(min=1, max=3650, help="Days until it expires.")] = 90,
) -> None:
    """Make a key; it is printed this once, mediaflow keeps only its hash."""
    key, record = issue_key(name, role, scope, days)
    typer.echo(key)
    scopes = ", ".join(record["scopes"])
    typer.secho(
        f"key {record['prefix']} ({scopes}) expires {record['expires_at']:%Y-%m-%d}; "
        "it is shown only now",
        err=True,
    )


@keys.command("list")
def list_keys() -> None:
    """Every key: prefix, name, scopes, expiry, revocation (never the key)."""
    from mediaflow_dagster.cms.api_keys import list_keys as every_key

    engine, cursor = _ops_store(), None
    while True:
        rows, cursor = every_key(engine, cursor, 200)
        for row in rows:
            state = f"revoked {row['revoked_at']:%Y-%m-%d}" if row["revoked_at"] else "live"
            typer.echo(
                f"{row['id']}\t{row['prefix']}\t{row['name']}\t{','.join(row['scopes'])}\t"
                f"expires {row['expires_at']:%Y-%m-%d}\t{state}"
            )
        if cursor is None:
            return


@keys.command("revoke")
def revoke_key(key_id: Annotated[int, typer.Argument(help="The key's id (`keys list`).")]) -> None:
    """Stop a key working, at once."""
    from mediaflow_dagster.cms.api_keys import revoke_key as revoke
    from mediaflow_dagster.cms.errors import NotFound

    try:
        record = revoke(_ops_store(), key_id)
    except NotFound as missing:
        typer.secho(str(missing), fg="red", err=True)
        raise typer.Exit(1) from missing
    typer.echo(f"key {record['prefix']} revoked")


def _cipher():
    from mediaflow_dagster.cms.credential_cipher import CredentialCipher
    from mediaflow_dagster.settings import CredentialKeys

    try:
        return CredentialCipher(CredentialKeys.load().credentials_keys)
    except (MissingSetting, ValueError) as error:
        typer.secho(str(error), fg="red", err=True)
        raise typer.Exit(2) from error


@credentials.command("new-key")
def new_credential_key() -> None:
    """Print a new key: put it first in MEDIAFLOW_CREDENTIALS_KEYS (the old ones after it),
    then run `rotate`."""
    from mediaflow_dagster.cms.credential_cipher import new_key

    typer.echo(new_key())


@credentials.command("rotate")
def rotate_credentials() -> None:
    """Re-encrypt every stored token under the first key of MEDIAFLOW_CREDENTIALS_KEYS; the
    other keys can be dropped afterwards."""
    from mediaflow_dagster.cms.credentials import reencrypt_credentials

    count = reencrypt_credentials(_ops_store(), _cipher())
    typer.echo(f"{count} credential(s) re-encrypted under the first key")


@credentials.command("import")
def import_credentials() -> None:
    """Give every account without a credential its platform's old single token
    (MEDIAFLOW_FACEBOOK_ACCESS_TOKEN, ..._X_BEARER_TOKEN, as set before per-account
    credentials); a credential already entered is kept. Run once when upgrading, then unset
    those variables."""
    import os

    from mediaflow_dagster.cms.credentials import PLATFORM_TOKEN_SETTINGS, import_platform_tokens
    from mediaflow_dagster.resources.platforms.credentials import INSIGHTS_SCOPES
    from mediaflow_dagster.settings import variable_name

    tokens = {
        platform: os.environ[variable_name(setting)]
        for platform, setting in PLATFORM_TOKEN_SETTINGS.items()
        if os.environ.get(variable_name(setting))
    }
    if not tokens:
        typer.secho("none of the old platform token variables is set: nothing to import", err=True)
        return
    imported = import_platform_tokens(
        _ops_store(),
        _cipher(),
        tokens,
        {platform: (INSIGHTS_SCOPES[platform],) for platform in tokens},
    )
    for account in imported:
        typer.echo(f"social account {account['id']} ({account['platform']}): credential imported")
    typer.echo(f"{len(imported)} account(s) given their platform's token", err=True)


@contacts.command("rotate-keys")
def rotate_keys() -> None:
    """Seal every contact's personal fields under the first of MEDIAFLOW_CONTACT_ENCRYPTION_KEYS;
    afterwards the keys after it can be dropped."""
    from mediaflow_dagster.cms.contacts import reseal_contacts
    from mediaflow_dagster.resources.configuration import client_from_environment
    from mediaflow_dagster.resources.personal_data import PersonalData

    vault = client_from_environment(PersonalData).vault()
    typer.echo(f"{reseal_contacts(_ops_store(), vault)} contacts resealed under the newest key")


if __name__ == "__main__":
    app()
