"""`mediaflow-sandbox ...`: the stand-ins for every external service, and the end-to-end demo
that drives mediaflow against them."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, help="mediaflow's sandbox: stand-ins and the demo.")


@app.command()
def serve() -> None:
    """Serve local stand-ins for every external service (Make, n8n, Microsoft, platforms)."""
    from mediaflow_sandbox.server import run_sandbox
    from mediaflow_sandbox.settings import SandboxSettings

    run_sandbox(SandboxSettings())


@app.command()
def mail() -> None:
    """Serve the mail server (STARTTLS, AUTH with the sandbox's SMTP credentials) until stopped
    (Ctrl-C, SIGTERM); then print how many messages it took and how many distinct Message-IDs."""
    import resource
    import signal
    import threading

    from mediaflow_sandbox.settings import SandboxSettings
    from mediaflow_sandbox.smtp import MailServer

    sandbox = SandboxSettings()
    stopped = threading.Event()
    for stop in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop, lambda *_: stopped.set())
    with MailServer(
        "127.0.0.1",
        sandbox.smtp_port,
        "mediaflow",
        sandbox.credentials().smtp_password,
        sandbox.home,
    ) as server:
        typer.echo(f"mail server on 127.0.0.1:{sandbox.smtp_port}", err=True)
        stopped.wait()
        received = server.mailbox.message_ids()
    distinct = len(set(received))
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    typer.echo(
        f"received {len(received)} distinct {distinct} cpu_seconds "
        f"{cpu.ru_utime + cpu.ru_stime:.2f}"
    )


@app.command()
def demo(
    hours: int = typer.Option(6, min=1, max=48, help="Simulated hours of insights to collect."),
    no_ui: bool = typer.Option(
        False, "--no-ui", help="Stop everything at the end, even in a terminal."
    ),
) -> None:
    """Run one campaign from creation to its performance mart on the real Dagster processes,
    and print it. In a terminal the Dagster UI stays up afterwards until Ctrl-C."""
    import sys

    from rich.console import Console

    from mediaflow_dagster.settings import MissingSetting, Settings
    from mediaflow_sandbox.dagster_processes import RunFailed
    from mediaflow_sandbox.demo import DemoFailed, run_demo
    from mediaflow_sandbox.processes import ServiceDidNotStart

    keep_ui = sys.stdout.isatty() and not no_ui
    try:
        report = run_demo(
            Settings.load(), hours=hours, console=Console(soft_wrap=True), keep_ui=keep_ui
        )
    except (DemoFailed, RunFailed, ServiceDidNotStart, MissingSetting) as error:
        typer.secho(f"demo failed: {error}", fg="red", err=True)
        raise typer.Exit(1) from error
    if not report.matches_ground_truth:
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
