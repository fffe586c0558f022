"""Offline sync: a phone's batch of the day's work, applied item by item."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from fieldsales import db
from fieldsales.api.visits import write_context
from fieldsales.domain.sync import ItemValidationError
from fieldsales.domain.types import Role
from fieldsales.extensions import Blueprint
from fieldsales.problems import flatten_messages, problem_document
from fieldsales.services import sync
from schemas.sync import MalformedItem, SyncBatchSchema, SyncResultSchema

blp = Blueprint(
    "sync", __name__, url_prefix="/api/v1", description="Offline sync of a phone's batch of work"
)


def parsed(index: int, item: dict[str, Any] | MalformedItem) -> sync.SyncItem:
    if isinstance(item, MalformedItem):
        error = ItemValidationError(
            "The item has invalid fields; see errors.",
            errors=flatten_messages(item.messages, ("json", "items", str(index))),
        )
        return sync.SyncItem(index, item.op, item.client_id, error=error)
    return sync.SyncItem(index, item["op"], item["id"], data=item["payload"])


@blp.route("/sync")
class Sync(MethodView):
    @blp.roles(Role.REP)
    @blp.idempotent
    @blp.arguments(SyncBatchSchema)
    @blp.response(200, SyncResultSchema)
    def post(self, batch: dict[str, Any]) -> Any:
        """Apply a batch of offline work

        Each item is applied on its own: the answer says per item `applied`, `duplicate`
        (sent before; nothing changed), `retry` (waits on something not yet here, e.g. a
        record whose visit's check-in has not arrived: send it again later) or `rejected`
        (with its problem; sending it again will not help). Items may come in any order;
        sending the same batch again is harmless."""
        ctx = write_context(batch["sent_at"])
        items = [parsed(i, item) for i, item in enumerate(batch["items"])]
        result = sync.apply_batch(db.session, ctx, items)
        db.session.commit()
        return {
            "received_at": ctx.now,
            "counts": result.counts,
            "items": [
                {
                    "index": r.index,
                    "op": r.op,
                    "id": r.id,
                    "status": r.status,
                    "problem": problem_document(r.problem) if r.problem else None,
                }
                for r in result.items
            ],
        }
