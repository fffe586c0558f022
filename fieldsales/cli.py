"""Flask CLI commands: `flask seed-demo`, `flask photos expire-slots`,
`flask webhooks deliver`."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from fieldsales import db
from fieldsales.cli_scorecards import scorecards_cli


@click.command("seed-demo")
@click.option("--seed", default=7, show_default=True, help="Random seed (same seed, same city).")
@click.option("--stores", default=420, show_default=True)
def seed_demo(seed: int, stores: int) -> None:
    """Load the demo city (idempotent: does nothing if demo data is there)."""
    from fieldsales.services.demo import load_demo

    today = datetime.now(UTC).date()
    summary = load_demo(db.session, seed=seed, today=today, store_count=stores)
    db.session.commit()
    click.echo(summary)


photos_cli = AppGroup("photos", help="Photo maintenance.")


@photos_cli.command("expire-slots")
@click.option("--batch", default=200, show_default=True, help="Slots per transaction.")
def expire_slots(batch: int) -> None:
    """Expire upload slots never completed and delete what they uploaded (run from cron)."""
    from fieldsales.services import photos
    from fieldsales.storage import get_photo_store

    policy = photos.settings_from_config(current_app.config).policy
    total = 0
    while True:
        done = photos.expire_slots(
            db.session, get_photo_store(), now=datetime.now(UTC), policy=policy, limit=batch
        )
        db.session.commit()
        total += done
        if done < batch:
            break
    click.echo(f"expired {total} upload slot(s)")


webhooks_cli = AppGroup("webhooks", help="Dealer webhook outbox.")


@webhooks_cli.command("deliver")
@click.option("--loop", is_flag=True, help="Keep draining (a worker); otherwise one pass.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes.")
def deliver_webhooks(loop: bool, interval: float) -> None:
    """Send the webhook deliveries that are due (first attempts and retries)."""
    import time

    from fieldsales.services import webhooks

    settings = webhooks.delivery_settings(current_app.config)
    while True:
        delivered, failed = webhooks.drain_due(db.session, settings=settings)
        db.session.commit()
        if delivered or failed or not loop:
            click.echo(f"delivered {delivered}, failed {failed} (will retry)")
        if not loop:
            break
        if delivered + failed < settings.batch:
            time.sleep(interval)


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(photos_cli)
    app.cli.add_command(webhooks_cli)
    app.cli.add_command(scorecards_cli)
