"""The guard for every endpoint, now and later: schemathesis generates requests (valid and
invalid) from openapi.yaml (test_openapi keeps it equal to what the code generates), signed
in as each role, against the seeded World (tests.factories), and fails on any 5xx or any
response the document does not describe (status code incl. `default`, content type, body
schema, headers).

Bounded and deterministic: a fixed seed, few examples per operation, no example database
(~30 s). FIELDSALES_FUZZ_DEEP=1 runs 100 examples per operation plus schemathesis' coverage
phase (boundary values of every field): a few minutes, for before a release. Every example runs
inside its own SAVEPOINT that is rolled back, so what one request writes (say, an admin
deactivating the signed-in user) never reaches the next, and the test's transaction is
rolled back at the end like any other test.

Later endpoints are covered without touching this file. To aim their ids at real rows, add
the rows to World/build_world and their URL segment to IDS_BY_RESOURCE below.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fieldsales.domain.types import Role
from tests.factories import World, world_id

ROOT = Path(__file__).resolve().parents[1]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

DEEP = os.environ.get("FIELDSALES_FUZZ_DEEP") == "1"
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20261123,
        "generation": {
            "mode": "all",  # valid and invalid input
            "max-examples": 100 if DEEP else 12,
            "deterministic": True,
            "database": "none",
        },
        # The coverage phase enumerates boundary values of every field: thorough but slow.
        "phases": {"coverage": {"enabled": DEEP}, "stateful": {"enabled": False}},
    }
)

# Fields that name a row, and the seeded rows (tests.factories.World) worth aiming them at.
_W = {f.name: str(world_id(f.name)) for f in dataclasses.fields(World)}
IDS_BY_RESOURCE = {
    "users": [_W[n] for n in ("admin", "sup_a", "rep_a", "rep_b", "du1", "du2")],
    "teams": [_W["team_a"], _W["team_b"]],
    "dealers": [_W["d1"], _W["d2"], _W["d3"]],
    "stores": [_W["store_a"], _W["store_b"], _W["store_u"]],
    "products": [_W["product"]],
    "prices": [_W["price"]],
    "promotions": [_W["promotion"]],
}
IDS_BY_FIELD = {
    "team_id": IDS_BY_RESOURCE["teams"],
    "dealer_id": IDS_BY_RESOURCE["dealers"],
    "rep_id": [_W["rep_a"], _W["rep_b"]],
    "supervisor_id": [_W["sup_a"], _W["sup_b"]],
    "store_id": IDS_BY_RESOURCE["stores"],
    "product_id": IDS_BY_RESOURCE["products"],
}
ALL_IDS = list(_W.values())


def _sometimes_real(values: Any, real_value: Any) -> st.SearchStrategy:
    """Keep the generated values, or swap id-looking ones for seeded ids. `real_value(key)`
    is a strategy of real values for that key, or None to leave it as generated."""
    if not isinstance(values, dict):
        return st.just(values)
    swaps = {k: real_value(k) for k in values if real_value(k) is not None}
    if not swaps:
        return st.just(values)
    swapped = st.fixed_dictionaries(swaps).map(lambda real: {**values, **real})
    return st.one_of(st.just(values), swapped)


def _path_value(operation_path: str) -> Any:
    resource = operation_path.split("/")[3] if operation_path.startswith("/api/v1/") else ""
    ids = IDS_BY_RESOURCE.get(resource, ALL_IDS)
    return lambda key: st.sampled_from(ids) if key.endswith("_id") else None


def _field_value(key: str) -> st.SearchStrategy | None:
    if key.endswith("_ids"):  # product_ids, store_ids, ...
        ids = IDS_BY_FIELD.get(key.removesuffix("s"), ALL_IDS)
        return st.lists(st.sampled_from(ids), max_size=3)
    if key.endswith("_id"):
        return st.sampled_from(IDS_BY_FIELD.get(key, ALL_IDS))
    return None


schema = schemathesis.openapi.from_path(ROOT / "openapi.yaml", config=CONFIG)


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    return _sometimes_real(path_parameters, _path_value(context.operation.path))


@schema.hook
def flatmap_query(context, query):
    return _sometimes_real(query, _field_value)


@schema.hook
def flatmap_body(context, body):
    return _sometimes_real(body, _field_value)


@pytest.mark.fuzz
@pytest.mark.parametrize("role", list(Role), ids=str)
@schema.parametrize()
# The fixtures are per test on purpose: each example gets its own SAVEPOINT below.
@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_api_answers_as_documented(case, role, app, auth, connection, world):
    headers = auth.headers(world.actor(role))
    example = connection.begin_nested()
    try:
        case.call_and_validate(app=app, headers=headers, checks=CHECKS)
    finally:
        example.rollback()


def test_seeded_ids_are_the_worlds(world):
    # The hooks above aim at these ids; they must be the rows the world fixture builds.
    assert {str(row.id) for row in vars(world).values()} == set(ALL_IDS)
    assert all(uuid.UUID(i) for i in ALL_IDS)
