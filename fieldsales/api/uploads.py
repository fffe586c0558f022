"""CSV uploads for the import endpoints: the body as `text/csv`, or a multipart form with
the file in the field `file` (what a browser's file picker sends)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, request
from werkzeug.exceptions import UnsupportedMediaType

from fieldsales.domain.errors import InvalidInput
from fieldsales.extensions import PROBLEM_CONTENT_TYPE, Blueprint
from fieldsales.services.imports import ImportLimits
from schemas.common import ProblemSchema

F = TypeVar("F", bound=Callable[..., Any])

CSV_MEDIA_TYPE = "text/csv"
FORM_FIELD = "file"


ERROR_RESPONSES = {
    413: "The file has too many bytes or rows",
    415: "Neither text/csv nor multipart/form-data",
    422: "A bad file or line; nothing was imported. Per-line problems are in `report`.",
}


def documented_import(
    blp: Blueprint, *, summary: str, columns: tuple[list[str], list[str]], notes: str
) -> Callable[[F], F]:
    """OpenAPI for an import operation: the CSV body and its error responses."""

    def decorator(func: F) -> F:
        for status, description in ERROR_RESPONSES.items():
            func = blp.alt_response(
                status,
                schema=ProblemSchema,
                description=description,
                content_type=PROBLEM_CONTENT_TYPE,
            )(func)
        return blp.doc(summary=summary, requestBody=csv_request_body(*columns, notes))(func)

    return decorator


def csv_request_body(columns: list[str], required: list[str], notes: str) -> dict[str, Any]:
    """The requestBody of an import; the column list comes from the same schema the import
    validates with, so the docs cannot drift from the format."""
    description = (
        "A CSV file with a header row (UTF-8, a BOM is fine; `,` `;` or tab as delimiter). "
        f"Columns: {', '.join(columns)}. Required: {', '.join(required)}. {notes}"
    )
    return {
        "required": True,
        "description": description,
        "content": {
            CSV_MEDIA_TYPE: {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [FORM_FIELD],
                    "properties": {FORM_FIELD: {"type": "string", "format": "binary"}},
                }
            },
        },
    }


def read_csv_upload() -> bytes:
    if request.mimetype == CSV_MEDIA_TYPE:
        return request.get_data(cache=False)
    if request.mimetype == "multipart/form-data":
        upload = request.files.get(FORM_FIELD)
        if upload is None:
            raise InvalidInput(
                f"Send the CSV file in the form field '{FORM_FIELD}'.",
                errors=[
                    {"path": f"files.{FORM_FIELD}", "message": "Missing data for required field."}
                ],
            )
        return upload.read()
    raise UnsupportedMediaType(
        f"Send the file as {CSV_MEDIA_TYPE} or as multipart/form-data in the field '{FORM_FIELD}'."
    )


def import_limits() -> ImportLimits:
    cfg = current_app.config
    return ImportLimits(
        max_bytes=int(cfg["IMPORT_MAX_BYTES"]), max_rows=int(cfg["IMPORT_MAX_ROWS"])
    )
