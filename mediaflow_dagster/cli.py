"""`mediaflow ...`: the API server and the ops store's migrations."""

from __future__ import annotations

import typer

from mediaflow_dagster.settings import MissingSetting, get_settings

app = typer.Typer(no_args_is_help=True, help="mediaflow: media campaigns as data.")


@app.command()
def api() -> None:
    """Serve the CMS API and the n8n / Make callbacks."""
    import uvicorn

    from mediaflow_dagster.api.app import create_app

    try:
        settings = get_settings()
        application = create_app(settings)
    except MissingSetting as missing:
        typer.secho(f"mediaflow api cannot start: {missing}", fg="red", err=True)
        raise typer.Exit(2) from missing
    uvicorn.run(application, host=settings.api_host, port=settings.api_port)


@app.command()
def migrate() -> None:
    """Bring the ops store's schema up to date."""
    from mediaflow_dagster.cms.database import migrate as apply_migrations
    from mediaflow_dagster.cms.database import ops_engine

    apply_migrations(ops_engine(get_settings().ops_database_url))
    typer.echo("ops store is up to date")


if __name__ == "__main__":
    app()
