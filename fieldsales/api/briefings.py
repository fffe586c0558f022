"""The visit briefing for a store."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView

from fieldsales import db
from fieldsales.api.visits import READERS
from fieldsales.auth import current_actor, utcnow
from fieldsales.db.models import Store
from fieldsales.extensions import Blueprint
from fieldsales.services import briefing, reorder_prompts
from schemas.briefing import BriefingSchema

blp = Blueprint(
    "briefings",
    __name__,
    url_prefix="/api/v1",
    description="What a rep needs to know before walking into a store",
)


@blp.route("/stores/<uuid:store_id>/briefing")
class StoreBriefing(MethodView):
    @blp.item_roles(Store, "store_id", *READERS)
    @blp.response(200, BriefingSchema)
    def get(self, store_id: uuid.UUID) -> Any:
        """Brief me on a store before the visit

        Store profile and today's owner windows, the last visit, open problems, promotions
        in force today (store-local date) with gift status, money (terms, credit, owed, last
        payment), reorder prompts and pending reorder requests, and reminders. One request,
        a fixed number of queries."""
        return briefing.store_briefing(
            db.session,
            actor=current_actor(),
            store_id=store_id,
            now=utcnow(),
            prompt_settings=reorder_prompts.configured_settings(),
        )
