"""`flask scorecards compute`: the scheduled job that stores closed periods' scorecards.

Run it nightly from cron (or an RQ scheduler): with no options it (re)computes the last
closed week, month and quarter for every dealer, so a late record is picked up the next
night. `--period month --date 2026-10-01` recomputes one period (backfill)."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import AppGroup

from fieldsales import db
from fieldsales.domain.periods import CALENDAR_KINDS, PeriodKind, period_containing

scorecards_cli = AppGroup("scorecards", help="Dealer scorecards.")


@scorecards_cli.command("compute")
@click.option(
    "--period",
    "kinds",
    type=click.Choice([k.value for k in CALENDAR_KINDS]),
    multiple=True,
    help="Which kind of period (repeatable). Default: week, month and quarter.",
)
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="A day in the period to compute. Default: the last closed period of each kind.",
)
def compute(kinds: tuple[str, ...], day: datetime | None) -> None:
    """Compute and store every dealer's scorecard for closed periods."""
    from fieldsales.services import scorecards

    clock = scorecards.Clock(datetime.now(UTC), current_app.config["SCORECARD_TIMEZONE"])
    for kind in [PeriodKind(k) for k in kinds] or list(CALENDAR_KINDS):
        period = (
            period_containing(kind, day.date())
            if day
            else scorecards.last_closed(kind, clock.today)
        )
        if not period.is_closed(clock.today):
            raise click.ClickException(
                f"{period.key} is not over yet; only closed periods are stored."
            )
        dealers = scorecards.store_closed_period(db.session, period, clock=clock)
        db.session.commit()
        click.echo(f"{period.key}: stored {dealers} dealer scorecard(s)")
