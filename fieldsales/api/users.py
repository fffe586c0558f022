"""Users (reps, supervisors, dealer users, admins)."""

from __future__ import annotations

from fieldsales.api.crud import CrudSpec, register_crud
from fieldsales.extensions import Blueprint
from schemas.accounts import UserCreateSchema, UserPatchSchema, UserQueryArgsSchema, UserSchema

blp = Blueprint(
    "users",
    __name__,
    url_prefix="/api/v1",
    description="Users (reps, supervisors, dealer users, admins)",
)

register_crud(
    blp,
    CrudSpec(
        name="users",
        label="user",
        schema=UserSchema,
        create_schema=UserCreateSchema,
        patch_schema=UserPatchSchema,
        query_schema=UserQueryArgsSchema,
    ),
)
