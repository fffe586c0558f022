"""Teams: a supervisor and their reps."""

from __future__ import annotations

from fieldsales.api.crud import CrudSpec, register_crud
from fieldsales.extensions import Blueprint
from schemas.accounts import TeamCreateSchema, TeamPatchSchema, TeamSchema
from schemas.common import SearchArgsSchema

blp = Blueprint(
    "teams", __name__, url_prefix="/api/v1", description="Teams: a supervisor and their reps"
)

register_crud(
    blp,
    CrudSpec(
        name="teams",
        label="team",
        schema=TeamSchema,
        create_schema=TeamCreateSchema,
        patch_schema=TeamPatchSchema,
        query_schema=SearchArgsSchema,
    ),
)
