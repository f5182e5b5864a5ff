"""`mediaflow ...`: the API server, the sandbox, migrations and the end-to-end demo."""

from __future__ import annotations

import typer

from mediaflow_dagster.settings import get_settings

app = typer.Typer(no_args_is_help=True, help="mediaflow: media campaigns as data.")


@app.command()
def api() -> None:
    """Serve the CMS API and the n8n / Make callbacks."""
    import uvicorn

    from mediaflow_dagster.api.app import create_app
    from mediaflow_dagster.resources.make_api import MakeApi

    settings = get_settings()
    application = create_app(settings, MakeApi.from_settings(settings))
    uvicorn.run(application, host=settings.api_host, port=settings.api_port)


@app.command()
def sandbox() -> None:
    """Serve local stand-ins for every external service (Make, n8n, Microsoft, platforms)."""
    from mediaflow_dagster.sandbox.server import run_sandbox

    run_sandbox(get_settings())


@app.command()
def migrate() -> None:
    """Bring the ops store's schema up to date."""
    from mediaflow_dagster.cms.database import migrate as apply_migrations
    from mediaflow_dagster.cms.database import ops_engine

    apply_migrations(ops_engine(get_settings().ops_database_url))
    typer.echo("ops store is up to date")


@app.command()
def demo(
    hours: int = typer.Option(6, min=1, max=48, help="Simulated hours of insights to collect."),
) -> None:
    """Run one campaign from creation to its performance mart, end to end, and print it."""
    from mediaflow_dagster.demo import DemoFailed, run_demo
    from mediaflow_dagster.local_runs import RunFailed
    from mediaflow_dagster.processes import ServiceDidNotStart

    try:
        report = run_demo(get_settings(), hours=hours)
    except (DemoFailed, RunFailed, ServiceDidNotStart) as error:
        typer.secho(f"demo failed: {error}", fg="red", err=True)
        raise typer.Exit(1) from error
    if not report.matches_ground_truth:
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
