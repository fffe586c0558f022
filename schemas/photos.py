"""POP photos: the upload slot, completion, the review queue and review decisions.

Uploads never pass through the API: the slot answer carries a presigned PUT that the phone
sends the bytes to, with exactly the headers given."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from fieldsales.domain.photos import (
    Flag,
    PhotoKind,
    PhotoStatus,
    RejectionReason,
    ReviewDecision,
    ReviewStatus,
)
from schemas import BaseSchema, Int, Latitude, Longitude, Text
from schemas.visits import ClientId, ClientTime, Day

SHA256_HEX = r"^[0-9a-fA-F]{64}$"


class PhotoPositionSchema(BaseSchema):
    """Where the phone was when the photo was taken (if it had a fix)."""

    lat = Latitude(required=True)
    lon = Longitude(required=True)
    accuracy_m = fields.Float(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=1_000_000),
        metadata={"description": "Radius of the 68% confidence circle, metres"},
    )


class PhotoSlotRequestSchema(BaseSchema):
    id = ClientId()
    kind = fields.Enum(PhotoKind, by_value=True, required=True)
    content_type = Text(
        100,
        min_length=1,
        required=True,
        metadata={"description": "MIME type of the file; one of the allowed types (settings)"},
    )
    byte_size = Int(1, required=True, metadata={"description": "Exact size of the file"})
    sha256 = fields.String(
        required=True,
        validate=validate.Regexp(SHA256_HEX, error="Must be 64 hexadecimal characters."),
        metadata={"description": "SHA-256 of the file, hex; storage refuses other bytes"},
    )
    taken_at = ClientTime(required=True, metadata={"description": "Phone time of the shot"})
    position = fields.Nested(PhotoPositionSchema, load_default=None, allow_none=True)


class UploadRequestSchema(BaseSchema):
    method = fields.String(metadata={"enum": ["PUT"]})
    url = fields.String(metadata={"description": "Presigned URL; send the file body here"})
    headers = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={
            "description": "Send exactly these headers (and a Content-Length equal to "
            "byte_size); they are signed into the URL"
        },
    )
    expires_at = fields.AwareDateTime()


class FlagSchema(BaseSchema):
    """A fraud sign and the evidence behind it (which members are set depends on the code)."""

    code = fields.String(metadata={"enum": [f.value for f in Flag]})
    photo_id = fields.UUID(metadata={"description": "reused / near_duplicate: the earlier photo"})
    count = fields.Integer(metadata={"description": "reused: how many earlier copies"})
    distance = fields.Integer(metadata={"description": "near_duplicate: hash bits that differ"})
    seconds_outside_visit = fields.Integer(metadata={"description": "exif_time_far"})
    distance_m = fields.Integer(metadata={"description": "exif_gps_far: from the store"})


class PhotoSchema(BaseSchema):
    id = fields.UUID()
    version = fields.Integer()
    visit_id = fields.UUID()
    rep_id = fields.UUID()
    rep_name = fields.String(attribute="rep.display_name")
    store_id = fields.UUID()
    store_name = fields.String(attribute="store.name")
    local_day = fields.Date(metadata={"description": "Store-local day of the visit"})
    kind = fields.Enum(PhotoKind, by_value=True)
    content_type = fields.String()
    byte_size = fields.Integer()
    sha256 = fields.String()
    taken_at = fields.AwareDateTime()
    status = fields.Enum(
        PhotoStatus,
        by_value=True,
        metadata={
            "description": "pending: waiting for the upload; verified: checked, processing; "
            "processed: thumbnail and flags ready; rejected: refused, upload deleted; "
            "expired: never completed"
        },
    )
    rejection_reason = fields.String(
        allow_none=True, metadata={"enum": [r.value for r in RejectionReason]}
    )
    created_at = fields.AwareDateTime()
    completed_at = fields.AwareDateTime(allow_none=True)
    width = fields.Integer(allow_none=True)
    height = fields.Integer(allow_none=True)
    exif_taken_at = fields.AwareDateTime(allow_none=True)
    url = fields.String(allow_none=True, metadata={"description": "Short-lived download URL"})
    thumbnail_url = fields.String(allow_none=True)
    urls_expire_at = fields.AwareDateTime(allow_none=True)
    flags = fields.List(
        fields.Nested(FlagSchema),
        allow_none=True,
        metadata={"description": "Fraud signs; null for reps"},
    )
    risk_score = fields.Integer(
        allow_none=True, metadata={"description": "0-100 from the flags; null for reps"}
    )
    review_status = fields.Enum(ReviewStatus, by_value=True)
    compliance_score = fields.Integer(allow_none=True)
    review_comment = fields.String(allow_none=True)
    reviewed_at = fields.AwareDateTime(allow_none=True)


class PhotoSlotSchema(PhotoSchema):
    upload = fields.Nested(
        UploadRequestSchema,
        allow_none=True,
        metadata={"description": "Where to PUT the file; null once completed or expired"},
    )


class PhotoReviewSchema(BaseSchema):
    id = fields.UUID()
    reviewer_id = fields.UUID()
    decision = fields.Enum(ReviewDecision, by_value=True)
    compliance_score = fields.Integer(allow_none=True)
    comment = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()


class PhotoDetailSchema(PhotoSchema):
    reviews = fields.List(
        fields.Nested(PhotoReviewSchema), metadata={"description": "Every decision, oldest first"}
    )


class PhotoReviewCreateSchema(BaseSchema):
    decision = fields.Enum(ReviewDecision, by_value=True, required=True)
    compliance_score = Int(
        0,
        100,
        load_default=None,
        allow_none=True,
        metadata={"description": "How well the POP meets the standard, 0-100"},
    )
    comment = Text(
        2000,
        load_default=None,
        allow_none=True,
        metadata={"description": "Shown to the rep; required to reject or ask for a retake"},
    )


class PhotoQueryArgsSchema(BaseSchema):
    rep_id = fields.UUID()
    store_id = fields.UUID()
    dealer_id = fields.UUID()
    kind = fields.Enum(PhotoKind, by_value=True)
    status = fields.Enum(ReviewStatus, by_value=True, metadata={"description": "Review status"})
    flagged = fields.Boolean(metadata={"description": "With (true) or without (false) flags"})
    from_day = Day(metadata={"description": "Store-local visit day, inclusive"})
    to_day = Day()

    @validates_schema
    def _days_in_order(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if "from_day" in data and "to_day" in data and data["to_day"] < data["from_day"]:
            raise ValidationError("Before from_day.", field_name="to_day")
