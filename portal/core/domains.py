"""How a domain plugs into the portal.

Every domain package declares one :class:`Domain` in its ``plugin`` module: its blueprints,
CLI commands, navigation entries, demo seeder, personal-data handlers, cost providers and
periodic tasks. The composition root (:mod:`portal.app`) lists the domains explicitly and
hands them to :func:`install_domains`; nothing is discovered by walking the filesystem or
registered as a side effect of importing a module. ``core`` never imports a domain: it reads
the installed declarations from the application.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import click
from flask import Blueprint, Flask, current_app

from portal.core.permissions import PUBLIC
from portal.core.tasks import Periodic, on_worker_start, register_periodic

DOMAINS_KEY = "portal.domains"

Exporter = Callable[[Any], dict[str, Any] | list[Any] | None]
Eraser = Callable[[Any], None]
#: ``provider(start, end)`` yields cost rows (``portal.impact.metrics.CostRow``) of the period.
CostProvider = Callable[[date, date], Iterable[Any]]
DemoSeeder = Callable[[], Iterable[str]]
ContextProcessor = Callable[[], dict[str, Any]]


@dataclass(frozen=True)
class NavItem:
    """An entry of the main navigation; ``position`` orders entries across domains."""

    endpoint: str
    label: Any
    access: str = PUBLIC  # PUBLIC or a permission name
    position: int = 500


@dataclass(frozen=True)
class PersonalDataHandler:
    """What a domain holds about a person, for export (GDPR art. 15/20) and erasure."""

    name: str
    export: Exporter
    erase: Eraser


@dataclass(frozen=True)
class Domain:
    """One domain's contributions to the application."""

    name: str
    blueprints: tuple[Blueprint, ...] = ()
    cli_commands: tuple[click.Command, ...] = ()
    navigation: tuple[NavItem, ...] = ()
    seed_demo: DemoSeeder | None = None
    personal_data: tuple[PersonalDataHandler, ...] = ()
    cost_providers: tuple[CostProvider, ...] = ()
    #: Work on a schedule, registered on the task queue (runs once per period).
    periodic_tasks: tuple[Periodic, ...] = ()
    #: Callbacks run when a task consumer starts (re-queue work a killed worker left).
    worker_startup: tuple[Callable[[], None], ...] = ()
    template_context: tuple[ContextProcessor, ...] = ()


def install_domains(app: Flask, domains: Sequence[Domain]) -> None:
    """Register every hook of ``domains`` on ``app``, in the order given."""
    names = [domain.name for domain in domains]
    if len(set(names)) != len(names):
        raise ValueError(f"a domain is listed twice: {names}")
    app.extensions[DOMAINS_KEY] = tuple(domains)
    for domain in domains:
        for blueprint in domain.blueprints:
            app.register_blueprint(blueprint)
        for command in domain.cli_commands:
            app.cli.add_command(command)
        for processor in domain.template_context:
            app.context_processor(processor)
        for periodic in domain.periodic_tasks:
            register_periodic(periodic)
        for callback in domain.worker_startup:
            on_worker_start(callback)


def installed_domains(app: Flask | None = None) -> tuple[Domain, ...]:
    """The domains of ``app`` (default: the current application), in registration order."""
    return (app or current_app).extensions.get(DOMAINS_KEY, ())


def navigation_items() -> list[NavItem]:
    """Every domain's navigation entries, ordered by position (stable within a domain)."""
    items = [item for domain in installed_domains() for item in domain.navigation]
    return sorted(items, key=lambda item: item.position)


def personal_data_handlers() -> list[PersonalDataHandler]:
    """Every domain's personal-data handler, in a stable order (by name)."""
    handlers = [handler for domain in installed_domains() for handler in domain.personal_data]
    return sorted(handlers, key=lambda handler: handler.name)


def cost_providers() -> list[CostProvider]:
    return [provider for domain in installed_domains() for provider in domain.cost_providers]


def demo_seeders() -> list[DemoSeeder]:
    """Demo seeders in registration order: later ones use what earlier ones created."""
    return [domain.seed_demo for domain in installed_domains() if domain.seed_demo is not None]


def periodic_tasks(app: Flask | None = None) -> list[Periodic]:
    return [task for domain in installed_domains(app) for task in domain.periodic_tasks]


def worker_startup_callbacks(app: Flask | None = None) -> list[Callable[[], None]]:
    return [callback for domain in installed_domains(app) for callback in domain.worker_startup]
