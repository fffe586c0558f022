"""Sign-in, tokens, users and teams."""

from __future__ import annotations

from marshmallow import fields, validate

from fieldsales.domain.types import Role
from schemas import BaseSchema, Latitude, Longitude, Name, ResourceSchema, Text, patch_schema


class LoginSchema(BaseSchema):
    username = Name(80, required=True)
    password = Text(200, min_length=1, required=True, load_only=True)


class RefreshSchema(BaseSchema):
    refresh_token = Text(200, min_length=1, required=True)


class TokenPairSchema(BaseSchema):
    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_in = fields.Integer(required=True, metadata={"description": "Seconds"})


class UserSchema(ResourceSchema):
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    role = fields.Enum(Role, by_value=True, required=True)
    team_id = fields.UUID(allow_none=True)
    dealer_id = fields.UUID(allow_none=True)
    phone = fields.String(allow_none=True)
    home_lat = fields.Float(allow_none=True)
    home_lon = fields.Float(allow_none=True)
    active = fields.Boolean()


class UserCreateSchema(BaseSchema):
    username = Text(
        80, min_length=3, required=True, validate=validate.Regexp(r"^[A-Za-z0-9._@-]+$")
    )
    display_name = Name(120, required=True)
    password = Text(200, min_length=8, required=True, load_only=True)
    role = fields.Enum(Role, by_value=True, required=True)
    team_id = fields.UUID(allow_none=True)
    dealer_id = fields.UUID(allow_none=True)
    phone = Text(40, allow_none=True)
    home_lat = Latitude(allow_none=True)
    home_lon = Longitude(allow_none=True)
    active = fields.Boolean(load_default=True)


UserPatchSchema = patch_schema(UserCreateSchema)


class UserQueryArgsSchema(BaseSchema):
    role = fields.Enum(Role, by_value=True)
    team_id = fields.UUID()
    dealer_id = fields.UUID()
    q = Text(100)
    active = fields.Boolean()


class TeamSchema(ResourceSchema):
    name = fields.String(required=True)
    supervisor_id = fields.UUID(allow_none=True)
    active = fields.Boolean()


class TeamCreateSchema(BaseSchema):
    name = Name(120, required=True)
    supervisor_id = fields.UUID(allow_none=True)
    active = fields.Boolean(load_default=True)


TeamPatchSchema = patch_schema(TeamCreateSchema)
