"""Matrix entries for POP photos: upload slots, completion, the review queue and reviews.

Photos follow their visit (see visits.py for whose visit each caller aims at): the rep
uploads to and completes in their own visit only, supervisors (their team's) and admins
review, a dealer user sees no photo at all (404 on every one), and the queue is a filtered
list every signed-in caller may read (a dealer's is empty)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fieldsales.db.models import Photo
from tests.api.matrix import ANONYMOUS, Ctx, Op, Request, signed_in
from tests.api.matrix.visits import VISIT_TARGETS, item_read, on_visit, rep_write, target_visit
from tests.photo_factories import slot_body, stored_photo

DECLARED_BYTES = b"\xff" * 2048  # a slot only declares the upload: no bytes are sent


def _slot(_ctx: Ctx, visit: Any) -> dict[str, Any]:
    return slot_body(
        DECLARED_BYTES, taken_at=visit.checked_in_at + timedelta(minutes=5), kind="shelf"
    )


def _on_photo(json: Callable[[], Any] = lambda: None) -> Callable[[Ctx], Request]:
    """A processed photo in the visit the caller aims at (reviewable, already complete)."""

    def build(ctx: Ctx) -> Request:
        photo: Photo = stored_photo(ctx.session, target_visit(ctx))
        return Request(path_params={"photo_id": str(photo.id)}, json=json())

    return build


def _review_expect(caller: str, kind: str) -> set[int]:
    """Reviewers review what they see; the rep sees their photo but may not review it."""
    if caller == ANONYMOUS:
        return {401}
    if kind == "hidden":
        return {404}
    return {403} if caller == "rep" else {200}


EXPECTATIONS: dict[tuple[str, str], Op] = {
    ("GET", "/api/v1/photos"): signed_in(200),
    ("GET", "/api/v1/photos/{photo_id}"): Op(_on_photo(), item_read, VISIT_TARGETS),
    ("GET", "/api/v1/visits/{visit_id}/photos"): Op(on_visit(), item_read, VISIT_TARGETS),
    ("POST", "/api/v1/visits/{visit_id}/photos"): Op(
        on_visit(_slot), rep_write(201), VISIT_TARGETS
    ),
    ("POST", "/api/v1/photos/{photo_id}/complete"): Op(_on_photo(), rep_write(200), VISIT_TARGETS),
    ("POST", "/api/v1/photos/{photo_id}/review"): Op(
        _on_photo(lambda: {"decision": "approve", "compliance_score": 60}),
        _review_expect,
        VISIT_TARGETS,
    ),
}
