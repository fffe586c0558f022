"""Who sees what: each role's lists hold exactly its scope, and anything outside it is a 404
(never a 403, which would confirm that it exists)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import update

from fieldsales.db.models import User
from fieldsales.domain.types import Role
from tests.factories import PASSWORD_HASH
from tests.visit_factories import open_visit

API = "/api/v1"


def listed(client, auth, user, resource, **query):
    rv = client.get(
        f"{API}/{resource}", query_string={"page_size": 500, **query}, headers=auth.headers(user)
    )
    assert rv.status_code == 200, rv.json
    return {row["id"] for row in rv.json}


def ids(*rows):
    return {str(r.id) for r in rows}


# --- the bar of the issue -------------------------------------------------------------------


def test_a_rep_of_team_a_gets_404_for_a_store_of_team_b(client, auth, world):
    rv = client.get(f"{API}/stores/{world.store_b.id}", headers=auth.headers(world.rep_a))
    assert rv.status_code == 404
    assert rv.json["type"] == "/problems/not-found"


def test_a_404_outside_scope_looks_like_a_missing_id(client, auth, world):
    headers = auth.headers(world.rep_a)
    hidden = client.get(f"{API}/stores/{world.store_b.id}", headers=headers).json
    missing = client.get(f"{API}/stores/{uuid.uuid4()}", headers=headers).json
    assert {k: v for k, v in hidden.items() if k not in ("detail", "instance", "request_id")} == {
        k: v for k, v in missing.items() if k not in ("detail", "instance", "request_id")
    }


@pytest.mark.parametrize("resource", ["stores", "users", "dealers"])
def test_a_dealer_lists_nothing_of_another_dealer(client, auth, world, resource):
    other = {
        "stores": ids(world.store_b),
        "users": ids(world.du2),
        "dealers": ids(world.d2, world.d3),
    }[resource]
    assert not listed(client, auth, world.du1, resource) & other


@pytest.mark.parametrize(
    ("resource", "row"),
    [("stores", "store_b"), ("users", "du2"), ("dealers", "d2"), ("teams", "team_b")],
)
def test_a_dealer_gets_404_for_anything_of_another_dealer(client, auth, world, resource, row):
    rv = client.get(f"{API}/{resource}/{getattr(world, row).id}", headers=auth.headers(world.du1))
    assert rv.status_code == 404


# --- each role's lists are exactly its scope ------------------------------------------------

SCOPE = {
    # role -> resource -> world rows it sees (of the world's rows; admin sees all of them)
    Role.REP: {
        "stores": ("store_a",),
        "users": ("rep_a",),
        "teams": ("team_a",),
        "dealers": ("d1",),
    },
    Role.SUPERVISOR: {
        "stores": ("store_a",),
        "users": ("sup_a", "rep_a"),
        "teams": ("team_a",),
        "dealers": ("d1", "d2", "d3"),
    },
    Role.DEALER: {
        "stores": ("store_a", "store_u"),
        "users": ("du1",),
        "teams": (),
        "dealers": ("d1",),
    },
    Role.ADMIN: {
        "stores": ("store_a", "store_b", "store_u"),
        "users": ("admin", "sup_a", "sup_b", "rep_a", "rep_b", "du1", "du2"),
        "teams": ("team_a", "team_b"),
        "dealers": ("d1", "d2", "d3"),
    },
}


@pytest.mark.parametrize("role", list(SCOPE), ids=str)
@pytest.mark.parametrize("resource", ["stores", "users", "teams", "dealers"])
def test_each_role_lists_exactly_its_scope(client, auth, world, role, resource):
    expected = {str(getattr(world, name).id) for name in SCOPE[role][resource]}
    assert listed(client, auth, world.actor(role), resource) == expected


@pytest.mark.parametrize("role", list(SCOPE), ids=str)
@pytest.mark.parametrize("resource", ["products", "prices", "promotions"])
def test_the_catalogue_is_visible_to_every_role(client, auth, world, role, resource):
    row = {"products": world.product, "prices": world.price, "promotions": world.promotion}
    assert str(row[resource].id) in listed(client, auth, world.actor(role), resource)


def test_filters_cannot_widen_the_scope(client, auth, world):
    assert listed(client, auth, world.rep_a, "stores", rep_id=str(world.rep_b.id)) == set()
    assert listed(client, auth, world.du1, "stores", dealer_id=str(world.d2.id)) == set()
    assert listed(client, auth, world.sup_a, "users", team_id=str(world.team_b.id)) == set()


def test_a_supervisor_sees_the_stores_of_every_rep_in_the_team(client, auth, make, world):
    second_rep = make.rep(world.team_a)
    theirs = make.store(rep=second_rep)
    assert ids(world.store_a, theirs) <= listed(client, auth, world.sup_a, "stores")


def test_a_supervisor_gets_404_for_the_other_teams_rep(client, auth, world):
    rv = client.get(f"{API}/users/{world.rep_b.id}", headers=auth.headers(world.sup_a))
    assert rv.status_code == 404


def test_a_rep_moved_to_another_team_leaves_the_old_supervisors_scope(client, auth, world, session):
    session.execute(update(User).where(User.id == world.rep_a.id).values(team_id=world.team_b.id))
    session.commit()
    assert str(world.store_a.id) not in listed(client, auth, world.sup_a, "stores")
    assert str(world.store_a.id) in listed(client, auth, world.sup_b, "stores")


def test_a_dealer_user_without_a_dealer_sees_no_stores(client, auth, make, world):
    orphan = make._add(
        User(username="orphan", display_name="O", password_hash=PASSWORD_HASH, role=Role.DEALER)
    )
    assert listed(client, auth, orphan, "stores") == set()
    assert listed(client, auth, orphan, "dealers") == set()
    assert listed(client, auth, orphan, "users") == ids(orphan)


# --- writes: 404 outside scope first, then 403 -----------------------------------------------


def test_a_rep_writing_to_a_store_of_team_b_gets_404(client, auth, world):
    rv = client.patch(
        f"{API}/stores/{world.store_b.id}", json={"name": "x"}, headers=auth.headers(world.rep_a)
    )
    assert rv.status_code == 404


def test_a_rep_writing_to_own_store_gets_403(client, auth, world):
    rv = client.patch(
        f"{API}/stores/{world.store_a.id}", json={"name": "x"}, headers=auth.headers(world.rep_a)
    )
    assert rv.status_code == 403
    assert rv.json["type"] == "/problems/forbidden"


def test_a_forbidden_write_is_403_even_with_a_bad_body(client, auth, world):
    rv = client.patch(
        f"{API}/stores/{world.store_a.id}", json={"lat": "north"}, headers=auth.headers(world.rep_a)
    )
    assert rv.status_code == 403


def test_a_forbidden_create_is_403_even_with_a_bad_body(client, auth, world):
    rv = client.post(f"{API}/stores", json={"lat": "north"}, headers=auth.headers(world.sup_a))
    assert rv.status_code == 403


# --- writes in a visit: the rep's own only; the body is read after scope and role ----------

BAD_PAYMENT = {"id": "not-a-uuid", "amount": "-1", "method": "iou"}


@pytest.mark.parametrize(
    ("who", "owner", "status"),
    [
        ("rep_a", "rep_b", 404),  # another team's visit: not even a 422 for the bad body
        ("sup_a", "rep_b", 404),  # outside the supervisor's teams
        ("du1", "rep_a", 404),  # at a store the dealer supplies: dealers see no visits
        ("sup_a", "rep_a", 403),  # the team's visit: seen, not written
        ("admin", "rep_b", 403),
        ("rep_a", "rep_a", 422),  # own visit: now the body counts
    ],
)
def test_a_write_in_a_visit_checks_scope_then_role_then_body(
    client, auth, make, world, who, owner, status
):
    rep = getattr(world, owner)
    visit = open_visit(make, rep, world.store_a if rep is world.rep_a else world.store_b)
    rv = client.post(
        f"{API}/visits/{visit.id}/payments",
        json=BAD_PAYMENT,
        headers=auth.headers(getattr(world, who)),
    )
    assert rv.status_code == status, rv.json


@pytest.mark.parametrize(("caller", "store", "status"), [
    ("rep_a", "store_a", 200), ("rep_a", "store_b", 404),
    ("du1", "store_u", 200), ("du1", "store_b", 404),
    ("admin", "store_b", 200),
])  # fmt: skip
def test_filtering_promotions_by_a_store_outside_scope_is_404(
    client, auth, world, caller, store, status
):
    rv = client.get(
        "/api/v1/promotions",
        query_string={"store_id": str(getattr(world, store).id)},
        headers=auth.headers(getattr(world, caller)),
    )
    assert rv.status_code == status, rv.json
