"""The task consumer (``flask --app wsgi worker``), ``tasks pending`` and ``serve``.

``serve`` is for trying the portal on one machine: the development web server with a task
consumer beside it, both stopped together.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from werkzeug.serving import run_simple

from portal.core.tasks import queue

tasks_cli = AppGroup("tasks", help="The background task queue.")
# Seconds a graceful stop (SIGTERM) waits for running tasks before interrupting them.
SHUTDOWN_TIMEOUT = 30.0


@click.command("worker")
@click.option(
    "--workers", type=click.IntRange(1, 64), default=2, show_default=True, help="Worker threads."
)
@click.option("--no-periodic", is_flag=True, help="Do not enqueue periodic tasks here.")
@click.option("--verbose", is_flag=True, help="Log every task huey runs.")
def worker_command(workers: int, no_periodic: bool, verbose: bool) -> None:
    """Run the task consumer until SIGTERM (graceful) or SIGINT.

    Workers are threads: the portal's tasks wait on SMTP and the database most of the
    time, and threads share the application and its connection pool safely, which forked
    processes would not (a pool created before a fork must not be used after it). Run more
    ``worker`` processes for more CPU; periodic tasks still run once per period.
    """
    if queue.immediate:
        click.echo("Error: PORTAL_TASKS_IMMEDIATE is on; no worker is needed.", err=True)
        sys.exit(2)
    logging.getLogger("huey").setLevel(logging.INFO if verbose else logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    log = logging.getLogger("portal.worker")
    log.setLevel(logging.INFO)
    settings = current_app.config["PORTAL"]
    consumer = queue.create_consumer(
        workers=workers,
        worker_type="thread",
        periodic=not no_periodic,
        # SIGTERM (systemd, containers) lets running tasks finish; SIGINT stops at once.
        graceful_signal="TERM",
        shutdown_timeout=SHUTDOWN_TIMEOUT,
        max_delay=2.0,
    )
    log.info(
        "worker started: %d thread(s), queue %s on %s, periodic %s",
        workers,
        queue.name,
        "redis" if settings.redis_url else "sqlite",
        "off" if no_periodic else "on",
    )
    consumer.run()
    log.info("worker stopped")


@tasks_cli.command("pending")
def tasks_pending() -> None:
    """Print how many tasks wait in the queue and how many are scheduled for later."""
    click.echo(f"queued: {queue.pending_count()}")
    click.echo(f"scheduled: {queue.scheduled_count()}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True)
def serve_command(host: str, port: int) -> None:
    """Run the development web server together with a task consumer (one machine only)."""
    if current_app.config["PORTAL"].is_production:
        click.echo("Error: use gunicorn and 'flask --app wsgi worker' in production.", err=True)
        sys.exit(2)
    worker = None
    if not queue.immediate:
        # A separate process, as in production: the web server never runs background work.
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--workers", "2"],
            env=os.environ.copy(),
        )
    try:
        # ``app.run`` refuses to block a CLI command; the same server, called directly:
        run_simple(host, port, current_app._get_current_object(), threaded=True)  # type: ignore[attr-defined]
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=SHUTDOWN_TIMEOUT)
            except subprocess.TimeoutExpired:
                worker.kill()


def register_task_cli(app: Flask) -> None:
    app.cli.add_command(worker_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(tasks_cli)
