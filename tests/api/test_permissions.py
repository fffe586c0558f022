"""The permission matrix: EVERY operation of the API × every role (and anonymous).

The operations come from openapi.yaml (test_openapi keeps it equal to the code), so an
endpoint added later is picked up here automatically, and this test fails until an area
module in `tests/api/matrix/` says what each role gets there (see that package's docstring).
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from fieldsales.domain.types import Role
from tests.api.matrix import ANONYMOUS, CALLERS, HIDDEN, METHODS, ROOT, Ctx, collect

EXPECTATIONS = collect()


def spec_operations() -> list[tuple[str, str]]:
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    return sorted(
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in METHODS
    )


def matrix() -> list[Any]:
    cases = []
    for method, path in spec_operations():
        op = EXPECTATIONS.get((method, path))
        for caller in CALLERS:
            for kind in op.targets(caller) if op else ["none"]:
                cases.append(
                    pytest.param(method, path, caller, kind, id=f"{method} {path} {caller} {kind}")
                )
    return cases


def test_every_expectation_is_a_real_operation():
    stale = set(EXPECTATIONS) - set(spec_operations())
    assert not stale, f"EXPECTATIONS lists operations the API no longer has: {sorted(stale)}"


@pytest.mark.parametrize(("method", "path", "caller", "kind"), matrix())
def test_permission_matrix(client, auth, make, session, world, method, path, caller, kind):
    op = EXPECTATIONS.get((method, path))
    assert op is not None, (
        f"{method} {path} has no entry in tests/api/matrix/: say what each role gets there."
    )
    request = op.build(Ctx(world, make, session, caller, kind))
    url = path.format(**request.path_params)
    headers = {} if caller == ANONYMOUS else auth.headers(world.actor(Role(caller)))
    rv = client.open(
        url, method=method, json=request.json, query_string=request.query, headers=headers
    )
    expected = op.expect(caller, kind)
    assert rv.status_code in expected, (
        f"{method} {url} as {caller} ({kind}): got {rv.status_code}, expected {expected}: "
        f"{rv.get_data(as_text=True)[:300]}"
    )
    if rv.status_code >= 400:
        assert rv.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    ("caller", "resource"),
    [(caller, resource) for resource, by_caller in HIDDEN.items() for caller in by_caller],
)
def test_lists_never_contain_a_hidden_row(client, auth, world, caller, resource):
    rv = client.get(
        f"/api/v1/{resource}",
        query_string={"page_size": 500},
        headers=auth.headers(world.actor(Role(caller))),
    )
    assert rv.status_code == 200
    assert str(getattr(world, HIDDEN[resource][caller]).id) not in {row["id"] for row in rv.json}
