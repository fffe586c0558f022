"""Dealers (distributors) who supply the stores."""

from __future__ import annotations

from fieldsales.api.crud import CrudSpec, register_crud
from fieldsales.extensions import Blueprint
from schemas.master import (
    DealerCreateSchema,
    DealerPatchSchema,
    DealerQueryArgsSchema,
    DealerSchema,
)

blp = Blueprint(
    "dealers",
    __name__,
    url_prefix="/api/v1",
    description="Dealers (distributors) who supply the stores",
)

register_crud(
    blp,
    CrudSpec(
        name="dealers",
        label="dealer",
        schema=DealerSchema,
        create_schema=DealerCreateSchema,
        patch_schema=DealerPatchSchema,
        query_schema=DealerQueryArgsSchema,
    ),
)
