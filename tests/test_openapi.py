"""openapi.yaml is generated from the code; this fails when the two drift apart."""

from __future__ import annotations

from pathlib import Path

import yaml
from flask_smorest import Api
from openapi_spec_validator import validate

ROOT = Path(__file__).resolve().parents[1]


def generated_spec(app) -> dict:
    api: Api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    return api.spec.to_dict()


def test_openapi_yaml_matches_the_code(app):
    committed = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    assert committed == generated_spec(app), (
        "openapi.yaml is out of date: run `make openapi` and commit it"
    )


def test_openapi_spec_is_valid(app):
    validate(generated_spec(app))


def test_every_operation_but_probes_and_sign_in_needs_a_token(app):
    spec = generated_spec(app)
    public = {
        (path, method)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if isinstance(op, dict) and op.get("security") == []
    }
    assert public == {
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/refresh", "post"),
    }
