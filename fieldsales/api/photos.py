"""POP photos: upload slots, completion, the supervisors' review queue and decisions.

The photo bytes never pass through here. A rep asks for a slot (a presigned PUT to a key the
server chose), uploads straight to S3, then calls `complete`: the server checks what arrived
and either keeps it (processing is queued: thumbnail, EXIF, fraud flags) or deletes it and
answers with a `photo-rejected` problem (422) whose `reason` says why.

Writes on one photo or visit check, in this order: outside the caller's scope -> 404 (the
caller must not learn it exists), a role that may not do it -> 403, then the body (422)."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any

from flask import current_app
from flask.views import MethodView

from fieldsales import db, jobs
from fieldsales.auth import current_actor, utcnow
from fieldsales.db.models import Photo, Visit
from fieldsales.domain.errors import PermissionDenied
from fieldsales.domain.types import Role
from fieldsales.extensions import Blueprint, SelectPage, check_if_match, etag_for, with_etag
from fieldsales.services import photos, scope
from fieldsales.storage import get_photo_store
from schemas.common import ProblemSchema
from schemas.photos import (
    PhotoDetailSchema,
    PhotoQueryArgsSchema,
    PhotoReviewCreateSchema,
    PhotoSchema,
    PhotoSlotRequestSchema,
    PhotoSlotSchema,
)

blp = Blueprint(
    "photos",
    __name__,
    url_prefix="/api/v1",
    description="POP photos: presigned upload, verification, fraud flags, supervisor review",
)

REVIEWERS = (Role.SUPERVISOR, Role.ADMIN)


def settings() -> photos.PhotoSettings:
    return photos.settings_from_config(current_app.config)


def view(photo: Photo, **extra: Any) -> photos.PhotoView:
    return photos.view_of(
        photo,
        get_photo_store(),
        actor=current_actor(),
        now=utcnow(),
        url_ttl_s=settings().url_ttl_s,
        **extra,
    )


def item_write(model: type, param: str, *roles: Role) -> Callable[[Any], Any]:
    """Load the row through scope (404), then require a role (403), before the body is
    parsed; the view gets the row as keyword `item`. (The view's docstring names the roles:
    a `doc(description=...)` here would replace it in the spec.)"""
    allowed = frozenset(roles)
    names = ", ".join(sorted(r.value for r in allowed))

    def decorator(func: Any) -> Any:
        @functools.wraps(func)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            actor = current_actor()
            item = scope.get_visible(db.session, model, kwargs.pop(param), actor)
            if actor.role not in allowed:
                raise PermissionDenied(f"Only {names} may do this.")
            return func(self, *args, item=item, **kwargs)

        return wrapper

    return decorator


class PhotoPage(SelectPage):
    """A page of the queue with each photo's download URLs, signed locally in one go."""

    @property
    def items(self) -> list[Any]:
        return [view(photo) for photo in super().items]


@blp.route("/visits/<uuid:visit_id>/photos")
class VisitPhotos(MethodView):
    @blp.response(200, PhotoSchema(many=True))
    def get(self, visit_id: uuid.UUID) -> Any:
        """List the photos of a visit

        Every photo of the visit whatever its state, with the supervisor's review status,
        compliance score and comment: this is where the rep sees the feedback."""
        return [view(p) for p in photos.visit_photos(db.session, current_actor(), visit_id)]

    @item_write(Visit, "visit_id", Role.REP)
    @blp.arguments(PhotoSlotRequestSchema)
    @blp.response(201, PhotoSlotSchema)
    @blp.alt_response(409, schema=ProblemSchema, description="Id reused, or visit too old")
    def post(self, data: dict[str, Any], item: Visit) -> Any:
        """Ask for an upload slot for a photo

        Declare the file (type, exact size, SHA-256) and get a presigned PUT for a key the
        server chose; storage refuses any other size, type or bytes, and the URL expires
        after PHOTOS_UPLOAD_TTL_S. Then call `complete`. Sending the same request again
        (same id) returns the same photo with a freshly signed URL until the slot expires
        (header `Idempotent-Replayed: true`). Roles: rep (own visit)."""
        actor = current_actor()
        photo, slot, replayed = photos.request_upload(
            db.session,
            get_photo_store(),
            actor=actor,
            visit=item,
            photo_id=data.pop("id"),
            data=data,
            now=utcnow(),
            settings=settings(),
        )
        db.session.commit()
        if not replayed:  # opportunistic clean-up of this rep's abandoned slots
            jobs.enqueue(photos.expire_slots_job, str(actor.user_id))
        headers = {"ETag": etag_for(photo)}
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        return view(photo, upload=slot), headers


@blp.route("/photos/<uuid:photo_id>/complete")
class PhotoComplete(MethodView):
    @item_write(Photo, "photo_id", Role.REP)
    @blp.response(200, PhotoSchema)
    @blp.alt_response(
        422,
        schema=ProblemSchema,
        description="`/problems/photo-rejected`: the upload is not the declared image and "
        "was deleted; `reason` is one of the rejection codes",
    )
    @blp.alt_response(
        409,
        schema=ProblemSchema,
        description="`/problems/photo-not-uploaded` (retry after the PUT) or "
        "`/problems/upload-expired`",
    )
    def post(self, item: Photo) -> Any:
        """Complete an upload

        The server checks the object exists, its size and type, that its bytes hash to the
        declared SHA-256 and decode as the declared image type. Then processing is queued
        (thumbnail, EXIF, fraud flags). Completing again returns the photo unchanged.
        Roles: rep (own photo)."""
        processing_due = photos.complete_upload(
            db.session, get_photo_store(), photo=item, now=utcnow(), settings=settings()
        )
        db.session.commit()
        photos.raise_for_outcome(item)
        if processing_due:
            jobs.enqueue(photos.process_photo_job, str(item.id))
            db.session.refresh(item)  # processing may already be done (inline jobs)
        return with_etag(view(item))


@blp.route("/photos")
class Photos(MethodView):
    @blp.arguments(PhotoQueryArgsSchema, location="query")
    @blp.response(200, PhotoSchema(many=True))
    @blp.paginate(PhotoPage, page_size=50, max_page_size=200)
    def get(self, args: dict[str, Any]) -> Any:
        """The review queue

        Verified photos you can see (a supervisor: the team's), riskiest first, then the
        longest waiting, each with download URLs valid for PHOTOS_URL_TTL_S."""
        return photos.review_queue_stmt(current_actor(), args)


@blp.route("/photos/<uuid:photo_id>")
class PhotoById(MethodView):
    @blp.response(200, PhotoDetailSchema)
    def get(self, photo_id: uuid.UUID) -> Any:
        """Read a photo with its review trail"""
        return with_etag(view(photos.photo_detail(db.session, current_actor(), photo_id)))


@blp.route("/photos/<uuid:photo_id>/review")
class PhotoReview(MethodView):
    @item_write(Photo, "photo_id", *REVIEWERS)
    @blp.etag_checked
    @blp.arguments(PhotoReviewCreateSchema)
    @blp.response(200, PhotoDetailSchema)
    @blp.alt_response(409, schema=ProblemSchema, description="The photo is not verified")
    def post(self, data: dict[str, Any], item: Photo) -> Any:
        """Review a photo

        Approve, reject or ask for a retake, with a POP compliance score (0-100) and a
        comment (required to reject or ask for a retake). Every decision is kept; the last
        one is the photo's review status, shown to the rep. Roles: supervisor, admin."""
        check_if_match(item)
        photos.review_photo(db.session, actor=current_actor(), photo=item, now=utcnow(), **data)
        db.session.commit()
        return with_etag(view(item))
