"""`flask routes ...`: route-planning tools. Needs no application context, so it also runs
under click's CliRunner without an app."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from fieldsales.domain.routing import DEFAULT_TIME_LIMIT_MS
from fieldsales.domain.routing.tsptw import parse_tsptw, solve_tsptw

routes_cli = AppGroup("routes", help="Route planning tools.")


@routes_cli.command("solve-tsptw", with_appcontext=False)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--time-limit-ms",
    type=click.IntRange(min=1),
    default=DEFAULT_TIME_LIMIT_MS,
    show_default=True,
    help="Wall-clock budget of the planner.",
)
def solve_tsptw_command(file: Path, time_limit_ms: int) -> None:
    """Solve a TSPTW instance (López-Ibáñez format) and print the tour as one JSON object."""
    try:
        instance = parse_tsptw(file.read_text())
    except ValueError as exc:
        raise click.ClickException(f"{file}: {exc}") from exc
    click.echo(json.dumps(solve_tsptw(instance, time_limit_ms)))
