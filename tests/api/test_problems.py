"""Every error is an RFC 9457 problem: unknown URLs, wrong methods, oversized bodies, and
unexpected failures (a bare 500 that leaks nothing and is logged with the request id)."""

from __future__ import annotations

import logging

from fieldsales.domain.types import Role
from fieldsales.services import master


def test_an_unknown_url_is_a_404_problem(client):
    rv = client.get("/api/v1/nothing-here")
    assert rv.status_code == 404
    assert rv.mimetype == "application/problem+json"
    assert rv.json["type"] == "/problems/not-found"


def test_a_malformed_id_in_the_path_is_a_404_problem(client, make, auth):
    rv = client.get("/api/v1/stores/not-a-uuid", headers=auth.headers(make.user(Role.ADMIN)))
    assert rv.status_code == 404
    assert rv.mimetype == "application/problem+json"


def test_a_wrong_method_is_a_405_problem_with_allow(client, make, auth):
    rv = client.put("/api/v1/stores", json={}, headers=auth.headers(make.user(Role.ADMIN)))
    assert rv.status_code == 405
    assert rv.mimetype == "application/problem+json"
    assert "POST" in rv.headers["Allow"]


def test_an_oversized_body_is_a_413_problem(client, make, auth):
    body = b'{"name": "' + b"x" * (8 * 1024 * 1024) + b'"}'
    rv = client.post(
        "/api/v1/products",
        data=body,
        content_type="application/json",
        headers=auth.headers(make.user(Role.ADMIN)),
    )
    assert rv.status_code == 413
    assert rv.mimetype == "application/problem+json"


def test_an_unexpected_error_is_a_bare_500_logged_with_the_request_id(
    client, make, auth, monkeypatch, caplog
):
    def explode(_model):
        raise RuntimeError("secret connection string postgres://u:p@db")

    monkeypatch.setattr(master, "select_all", explode)
    headers = auth.headers(make.user(Role.ADMIN), **{"X-Request-ID": "req-12345678"})
    with caplog.at_level(logging.ERROR, logger="fieldsales.problems"):
        rv = client.get("/api/v1/stores", headers=headers)
    assert rv.status_code == 500
    assert rv.mimetype == "application/problem+json"
    assert rv.json == {
        "type": "/problems/internal-error",
        "title": "Internal server error",
        "status": 500,
        "instance": "/api/v1/stores",
        "request_id": "req-12345678",
    }
    assert rv.headers["X-Request-ID"] == "req-12345678"
    record = next(r for r in caplog.records if r.name == "fieldsales.problems")
    assert record.request_id == "req-12345678"
    assert "secret connection string" in str(record.exc_info[1])
