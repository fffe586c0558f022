"""Sign-in, token rotation, logout and throttling, through the real API (argon2 included)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from fieldsales import create_app, security
from fieldsales.db.models import LoginAttempt, RefreshToken
from fieldsales.domain.types import Role
from tests.factories import PASSWORD

LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/auth/me"


def login(client, username, password=PASSWORD):
    return client.post(LOGIN, json={"username": username, "password": password})


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def assert_problem(rv, status, slug):
    assert rv.status_code == status, rv.json
    assert rv.mimetype == "application/problem+json"
    assert rv.json["type"] == f"/problems/{slug}"
    assert rv.json["status"] == status


@pytest.fixture
def rep(make):
    return make.rep()


@pytest.fixture
def tokens(client, rep):
    rv = login(client, rep.username)
    assert rv.status_code == 200
    return rv.json


def test_login_returns_a_working_token_pair(client, rep):
    rv = login(client, rep.username)
    assert rv.status_code == 200
    assert rv.json["token_type"] == "Bearer"
    assert rv.json["expires_in"] == 15 * 60
    assert rv.json["refresh_token"]
    me = client.get(ME, headers=bearer(rv.json["access_token"]))
    assert me.status_code == 200
    assert me.json["id"] == str(rep.id)


def test_login_with_a_wrong_password_is_401(client, rep):
    rv = login(client, rep.username, "not the password")
    assert_problem(rv, 401, "unauthorized")
    assert rv.headers["WWW-Authenticate"].startswith("Bearer")
    assert "access_token" not in rv.json


def test_login_of_an_unknown_user_says_the_same_as_a_wrong_password(client, rep):
    wrong_password = login(client, rep.username, "not the password")
    unknown_user = login(client, "nobody-by-this-name")
    assert_problem(unknown_user, 401, "unauthorized")
    assert unknown_user.json["detail"] == wrong_password.json["detail"]


def test_login_of_an_inactive_user_is_401_even_with_the_right_password(client, make):
    user = make.rep(active=False)
    assert_problem(login(client, user.username), 401, "unauthorized")


def test_five_failures_then_429_with_retry_after_even_with_the_right_password(client, rep):
    for _ in range(5):
        assert login(client, rep.username, "wrong").status_code == 401
    rv = login(client, rep.username)
    assert_problem(rv, 429, "too-many-requests")
    assert 0 < int(rv.headers["Retry-After"]) <= 15 * 60


def test_throttling_is_per_account(client, rep, make):
    other = make.rep()
    for _ in range(5):
        login(client, rep.username, "wrong")
    assert login(client, other.username).status_code == 200


def test_a_successful_login_clears_the_failures(client, rep):
    for _ in range(4):
        login(client, rep.username, "wrong")
    assert login(client, rep.username).status_code == 200
    for _ in range(4):
        login(client, rep.username, "wrong")
    assert login(client, rep.username).status_code == 200


def test_failures_older_than_the_window_do_not_count(client, session, rep):
    for _ in range(5):
        login(client, rep.username, "wrong")
    session.execute(update(LoginAttempt).values(at=datetime.now(UTC) - timedelta(minutes=16)))
    session.commit()
    assert login(client, rep.username).status_code == 200


def test_refresh_returns_a_new_pair(client, tokens):
    rv = client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    assert rv.status_code == 200
    assert rv.json["refresh_token"] != tokens["refresh_token"]
    assert client.get(ME, headers=bearer(rv.json["access_token"])).status_code == 200


def test_a_rotated_refresh_token_is_refused(client, tokens):
    client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    rv = client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    assert_problem(rv, 401, "unauthorized")


def test_reusing_a_rotated_token_revokes_the_newest_one_too(client, tokens):
    newest = client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]}).json
    client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})  # the replay
    rv = client.post(REFRESH, json={"refresh_token": newest["refresh_token"]})
    assert_problem(rv, 401, "unauthorized")


def test_reuse_does_not_touch_the_users_other_sessions(client, rep, tokens):
    other_session = login(client, rep.username).json
    client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    rv = client.post(REFRESH, json={"refresh_token": other_session["refresh_token"]})
    assert rv.status_code == 200


def test_an_expired_refresh_token_is_refused(client, session, tokens):
    token_hash = security.hash_refresh_token(tokens["refresh_token"])
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.token_hash == token_hash)
        .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    session.commit()
    rv = client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    assert_problem(rv, 401, "unauthorized")


def test_an_unknown_refresh_token_is_refused(client):
    rv = client.post(REFRESH, json={"refresh_token": "made-up"})
    assert_problem(rv, 401, "unauthorized")


def test_refresh_for_a_deactivated_user_is_refused(client, session, rep, tokens):
    rep.active = False
    session.commit()
    rv = client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    assert_problem(rv, 401, "unauthorized")


def test_logout_revokes_the_refresh_token(client, tokens):
    rv = client.post(
        LOGOUT,
        json={"refresh_token": tokens["refresh_token"]},
        headers=bearer(tokens["access_token"]),
    )
    assert rv.status_code == 204
    rv = client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    assert_problem(rv, 401, "unauthorized")


def test_logout_revokes_the_tokens_rotated_from_it(client, tokens):
    newest = client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]}).json
    client.post(
        LOGOUT,
        json={"refresh_token": newest["refresh_token"]},
        headers=bearer(newest["access_token"]),
    )
    rv = client.post(REFRESH, json={"refresh_token": newest["refresh_token"]})
    assert_problem(rv, 401, "unauthorized")


def test_logout_cannot_revoke_someone_elses_token(client, session, make, tokens, auth):
    other = make.rep()
    rv = client.post(
        LOGOUT, json={"refresh_token": tokens["refresh_token"]}, headers=auth.headers(other)
    )
    assert rv.status_code == 204  # idempotent, reveals nothing
    assert session.scalar(select(RefreshToken.revoked_at)) is None
    rv = client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    assert rv.status_code == 200


def test_logout_needs_an_access_token(client, tokens):
    rv = client.post(LOGOUT, json={"refresh_token": tokens["refresh_token"]})
    assert_problem(rv, 401, "unauthorized")


def test_an_expired_access_token_is_401(client, rep, auth):
    stale = auth.token(rep, now=datetime.now(UTC) - timedelta(hours=1))
    rv = client.get(ME, headers=bearer(stale))
    assert_problem(rv, 401, "unauthorized")
    assert "expired" in rv.json["detail"]


@pytest.mark.parametrize(
    "header",
    [
        "Bearer garbage",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "garbage",
        # alg=none, sub/exp/iat present: must not be accepted.
        "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0."
        "eyJpc3MiOiJmaWVsZHNhbGVzIiwic3ViIjoiMDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAwIiwi"
        "aWF0IjoxLCJleHAiOjk5OTk5OTk5OTl9.",
    ],
)
def test_a_garbage_authorization_header_is_401(client, header):
    rv = client.get(ME, headers={"Authorization": header})
    assert_problem(rv, 401, "unauthorized")


def test_a_token_signed_with_another_secret_is_401(client, rep):
    forged = security.issue_access_token(
        user_id=rep.id,
        role=Role.ADMIN,
        secret="some-other-secret-that-is-long-enough-for-hs256",
        now=datetime.now(UTC),
        ttl_s=600,
    )
    assert_problem(client.get(ME, headers=bearer(forged)), 401, "unauthorized")


def test_the_token_of_a_deactivated_user_is_401(client, session, rep, auth):
    headers = auth.headers(rep)
    rep.active = False
    session.commit()
    assert_problem(client.get(ME, headers=headers), 401, "unauthorized")


def test_no_token_is_401(client):
    assert_problem(client.get(ME), 401, "unauthorized")


def test_me_returns_the_signed_in_user_without_secrets(client, rep, auth):
    rv = client.get(ME, headers=auth.headers(rep))
    assert rv.status_code == 200
    assert rv.json["username"] == rep.username
    assert rv.json["role"] == "rep"
    assert not {"password", "password_hash"} & rv.json.keys()


def test_the_role_comes_from_the_database_not_the_token(client, session, make, auth):
    user = make.user(Role.ADMIN)
    headers = auth.headers(user)  # the token says admin
    user.role = Role.REP
    session.commit()
    rv = client.post(
        "/api/v1/products", json={"sku": "X", "name": "X", "case_pack": 1}, headers=headers
    )
    assert_problem(rv, 403, "forbidden")


def test_production_refuses_the_default_secret():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"ENV": "production"})


def test_production_refuses_an_empty_secret():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"ENV": "production", "SECRET_KEY": ""})
