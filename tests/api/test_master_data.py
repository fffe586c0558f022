"""Master-data CRUD through the API: create/read/update/deactivate with ETags, validation
problems with field paths, uniqueness, references, filters, pagination and exact money."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from fieldsales.db.models import Dealer, Product, Store, User
from fieldsales.domain.types import Grade, Role
from tests.api.payloads import (
    dealer_body,
    price_body,
    product_body,
    promotion_body,
    store_body,
    team_body,
    user_body,
)
from tests.factories import Factory

API = "/api/v1"


@dataclass(frozen=True)
class Res:
    name: str
    body: Callable[[Factory], dict[str, Any]]
    patch: dict[str, Any]
    invalid: tuple[str, Any]  # a field and a value the schema refuses
    unique: tuple[str, ...] = ()  # fields whose repetition is a 409
    deactivatable: bool = True

    @property
    def url(self) -> str:
        return f"{API}/{self.name}"

    def __str__(self) -> str:
        return self.name


RESOURCES = [
    Res("users", user_body, {"display_name": "Renamed"}, ("username", "has space"), ("username",)),
    Res("teams", team_body, {"name": "Renamed team"}, ("name", ""), ("name",)),
    Res("dealers", dealer_body, {"name": "Renamed"}, ("lead_time_days", 61), ("code",)),
    Res("stores", store_body, {"name": "Renamed"}, ("lat", 90.5), ("code",)),
    Res("products", product_body, {"name": "Renamed"}, ("case_pack", 0), ("sku",)),
    Res(
        "prices",
        price_body,
        {"unit_price": "3.75"},
        ("unit_price", "-1.00"),
        ("product_id", "valid_from"),
        deactivatable=False,
    ),
    Res("promotions", promotion_body, {"name": "Renamed"}, ("ends_on", "2026-05-01")),
]
DEACTIVATABLE = [r for r in RESOURCES if r.deactivatable]
WITH_UNIQUE = [r for r in RESOURCES if r.unique]


@pytest.fixture
def admin(make):
    return make.user(Role.ADMIN)


@pytest.fixture
def h(auth, admin):
    return auth.headers(admin)


@pytest.fixture(params=RESOURCES, ids=str)
def res(request) -> Res:
    return request.param


@pytest.fixture
def created(client, make, h, res):
    """(resource, body sent, response) for a row created through the API."""
    body = res.body(make)
    rv = client.post(res.url, json=body, headers=h)
    assert rv.status_code == 201, rv.json
    return body, rv


def assert_problem(rv, status, slug=None):
    assert rv.status_code == status, rv.json
    assert rv.mimetype == "application/problem+json"
    assert rv.json["status"] == status
    if slug:
        assert rv.json["type"] == f"/problems/{slug}"


def error_paths(rv) -> set[str]:
    return {e["path"] for e in rv.json["errors"]}


# --- create / read / update / deactivate ---------------------------------------------------


def test_create_is_201_with_an_etag_and_echoes_the_fields(res, created):
    body, rv = created
    assert rv.headers["ETag"] == '"1"'
    assert rv.json["version"] == 1
    uuid.UUID(rv.json["id"])
    for key, value in body.items():
        if key != "password":
            assert rv.json[key] == value, key
    assert "password" not in rv.json and "password_hash" not in rv.json


def test_read_returns_the_row_and_its_etag(client, h, res, created):
    _body, made = created
    rv = client.get(f"{res.url}/{made.json['id']}", headers=h)
    assert rv.status_code == 200
    assert rv.json == made.json
    assert rv.headers["ETag"] == made.headers["ETag"]


def test_read_of_an_unknown_id_is_404(client, h, res):
    assert_problem(client.get(f"{res.url}/{uuid.uuid4()}", headers=h), 404, "not-found")


def test_patch_with_a_fresh_if_match_updates_and_changes_the_etag(client, h, res, created):
    _body, made = created
    rv = client.patch(
        f"{res.url}/{made.json['id']}",
        json=res.patch,
        headers={**h, "If-Match": made.headers["ETag"]},
    )
    assert rv.status_code == 200, rv.json
    for key, value in res.patch.items():
        assert rv.json[key] == value
    assert rv.headers["ETag"] == '"2"' != made.headers["ETag"]
    assert client.get(f"{res.url}/{made.json['id']}", headers=h).json == rv.json


def test_patch_with_a_stale_if_match_is_412_and_changes_nothing(client, h, res, created):
    _body, made = created
    url = f"{res.url}/{made.json['id']}"
    first = client.patch(url, json=res.patch, headers={**h, "If-Match": made.headers["ETag"]})
    assert first.status_code == 200
    rv = client.patch(
        url,
        json={next(iter(res.patch)): made.json[next(iter(res.patch))]},
        headers={**h, "If-Match": made.headers["ETag"]},
    )
    assert_problem(rv, 412, "precondition-failed")
    assert client.get(url, headers=h).json == first.json


def test_patch_without_if_match_is_accepted(client, h, res, created):
    _body, made = created
    rv = client.patch(f"{res.url}/{made.json['id']}", json=res.patch, headers=h)
    assert rv.status_code == 200


def test_patch_with_if_match_star_is_accepted(client, h, res, created):
    _body, made = created
    rv = client.patch(
        f"{res.url}/{made.json['id']}", json=res.patch, headers={**h, "If-Match": "*"}
    )
    assert rv.status_code == 200


def test_patch_with_an_invalid_value_is_422_and_changes_nothing(client, h, res, created):
    _body, made = created
    url = f"{res.url}/{made.json['id']}"
    field, value = res.invalid
    rv = client.patch(url, json={field: value}, headers=h)
    assert_problem(rv, 422)
    assert f"json.{field}" in error_paths(rv)
    assert client.get(url, headers=h).json == made.json


@pytest.mark.parametrize("res", DEACTIVATABLE, ids=str)
def test_delete_deactivates_and_keeps_the_row(client, h, res, created):
    _body, made = created
    url = f"{res.url}/{made.json['id']}"
    rv = client.delete(url, headers={**h, "If-Match": made.headers["ETag"]})
    assert rv.status_code == 204
    after = client.get(url, headers=h)
    assert after.status_code == 200
    assert after.json["active"] is False
    listed = client.get(res.url, query_string={"active": "false"}, headers=h).json
    assert made.json["id"] in [row["id"] for row in listed]


@pytest.mark.parametrize("res", DEACTIVATABLE, ids=str)
def test_delete_with_a_stale_if_match_is_412_and_keeps_it_active(client, h, res, created):
    _body, made = created
    url = f"{res.url}/{made.json['id']}"
    client.patch(url, json=res.patch, headers=h)
    rv = client.delete(url, headers={**h, "If-Match": made.headers["ETag"]})
    assert_problem(rv, 412, "precondition-failed")
    assert client.get(url, headers=h).json["active"] is True


def test_prices_are_never_deleted(client, h, make):
    price = make.price(make.product())
    rv = client.delete(f"{API}/prices/{price.id}", headers=h)
    assert_problem(rv, 405)


# --- validation ---------------------------------------------------------------------------


def test_create_with_an_invalid_value_is_422_naming_the_field(client, make, h, res):
    field, value = res.invalid
    rv = client.post(res.url, json={**res.body(make), field: value}, headers=h)
    assert_problem(rv, 422)
    assert f"json.{field}" in error_paths(rv)


def test_create_with_an_empty_body_names_every_required_field(client, h, res):
    rv = client.post(res.url, json={}, headers=h)
    assert_problem(rv, 422, "validation-error")
    messages = {e["path"]: e["message"] for e in rv.json["errors"]}
    assert messages and all(m == "Missing data for required field." for m in messages.values())


def test_create_with_an_unknown_field_is_422(client, make, h, res):
    rv = client.post(res.url, json={**res.body(make), "colour": "red"}, headers=h)
    assert_problem(rv, 422)
    assert error_paths(rv) == {"json.colour"}


def test_a_body_that_is_not_json_is_a_problem_not_a_crash(client, h, res):
    rv = client.post(res.url, data="{not json", content_type="application/json", headers=h)
    assert_problem(rv, 400)


def test_nested_errors_carry_the_full_path(client, make, h):
    body = {**store_body(make), "owner_windows": [{"weekday": 9, "start": "9am", "end": "x"}]}
    rv = client.post(f"{API}/stores", json=body, headers=h)
    assert_problem(rv, 422)
    assert {
        "json.owner_windows.0.weekday",
        "json.owner_windows.0.start",
        "json.owner_windows.0.end",
    } <= error_paths(rv)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("code", "nul\x00byte"),
        ("code", "x" * 41),
        ("name", "\ud800"),
        ("timezone", "Mars/Olympus"),
        ("lat", float("nan")),
        ("grade", "D"),
        ("dwell_minutes", "20"),
        ("credit_limit", 10**20),
    ],
)
def test_values_the_database_would_refuse_are_422_not_500(client, make, h, field, value):
    body = json.dumps({**store_body(make), field: value})
    rv = client.post(f"{API}/stores", data=body, content_type="application/json", headers=h)
    assert_problem(rv, 422)
    assert f"json.{field}" in error_paths(rv)


@pytest.mark.parametrize("res", WITH_UNIQUE, ids=str)
def test_a_duplicate_unique_value_is_409_and_creates_nothing(client, make, h, res, created):
    body, made = created
    again = res.body(make)
    again.update({field: body[field] for field in res.unique})
    rv = client.post(res.url, json=again, headers=h)
    assert_problem(rv, 409, "conflict")
    listed = client.get(res.url, query_string={"page_size": 500}, headers=h).json
    assert sum(all(row[f] == body[f] for f in res.unique) for row in listed) == 1


@pytest.mark.parametrize(
    ("resource", "field", "many"),
    [
        ("users", "team_id", False),
        ("users", "dealer_id", False),
        ("teams", "supervisor_id", False),
        ("stores", "dealer_id", False),
        ("stores", "rep_id", False),
        ("prices", "product_id", False),
        ("promotions", "product_ids", True),
        ("promotions", "store_ids", True),
    ],
)
def test_an_unknown_referenced_id_is_422_naming_the_field(client, make, h, resource, field, many):
    res = next(r for r in RESOURCES if r.name == resource)
    missing = str(uuid.uuid4())
    body = {**res.body(make), field: [missing] if many else missing}
    rv = client.post(res.url, json=body, headers=h)
    assert_problem(rv, 422, "invalid-input")
    assert error_paths(rv) == {f"json.{field}"}


def test_a_dealer_user_needs_a_dealer(client, make, h):
    body = {**user_body(make), "role": "dealer", "team_id": None}
    rv = client.post(f"{API}/users", json=body, headers=h)
    assert_problem(rv, 422, "invalid-input")
    assert error_paths(rv) == {"json.dealer_id"}


def test_a_store_is_assigned_to_a_rep_not_another_role(client, make, h):
    body = {**store_body(make), "rep_id": str(make.user(Role.SUPERVISOR).id)}
    rv = client.post(f"{API}/stores", json=body, headers=h)
    assert_problem(rv, 422, "invalid-input")
    assert error_paths(rv) == {"json.rep_id"}


def test_a_team_is_led_by_a_supervisor(client, make, h):
    body = {**team_body(make), "supervisor_id": str(make.rep().id)}
    rv = client.post(f"{API}/teams", json=body, headers=h)
    assert_problem(rv, 422, "invalid-input")
    assert error_paths(rv) == {"json.supervisor_id"}


def test_a_promotion_patch_cannot_end_before_it_starts(client, make, h):
    promo = make.promotion(starts_on=date(2026, 6, 1), ends_on=date(2026, 6, 30))
    rv = client.patch(f"{API}/promotions/{promo.id}", json={"ends_on": "2026-05-31"}, headers=h)
    assert_problem(rv, 422, "invalid-input")
    assert error_paths(rv) == {"json.ends_on"}


def test_a_password_change_through_patch_is_hashed_and_works(client, session, make, h):
    user = make.rep()
    rv = client.patch(f"{API}/users/{user.id}", json={"password": "brand new secret"}, headers=h)
    assert rv.status_code == 200
    stored = session.scalar(select(User.password_hash).where(User.id == user.id))
    assert stored.startswith("$argon2id$")
    login = {"username": user.username, "password": "brand new secret"}
    assert client.post(f"{API}/auth/login", json=login).status_code == 200


def test_a_promotion_patch_of_its_products_changes_the_etag(client, make, h):
    promo = make.promotion()
    rv = client.patch(
        f"{API}/promotions/{promo.id}",
        json={"product_ids": [str(make.product().id)]},
        headers={**h, "If-Match": '"1"'},
    )
    assert rv.status_code == 200
    assert rv.headers["ETag"] == '"2"'
    stale = client.patch(
        f"{API}/promotions/{promo.id}", json={"grades": ["B"]}, headers={**h, "If-Match": '"1"'}
    )
    assert_problem(stale, 412)


# --- money --------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["0", "0.10", "12.5", "12.50", "999999999999.99"])
def test_money_round_trips_exactly_as_a_string(client, session, h, amount):
    body = {**dealer_body(None), "minimum_order": amount}
    rv = client.post(f"{API}/dealers", json=body, headers=h)
    assert rv.status_code == 201
    expected = Decimal(amount).quantize(Decimal("0.01"))
    assert rv.json["minimum_order"] == str(expected)
    stored = session.scalar(select(Dealer.minimum_order).where(Dealer.code == body["code"]))
    assert stored == expected


@pytest.mark.parametrize("amount", ["12.345", "-1.00", "1e3", "1000000000000.00", 12.5, None])
def test_money_that_is_not_an_exact_decimal_string_is_422(client, h, amount):
    body = {**dealer_body(None), "minimum_order": amount}
    rv = client.post(f"{API}/dealers", json=body, headers=h)
    assert_problem(rv, 422)
    assert error_paths(rv) == {"json.minimum_order"}


# --- filters ------------------------------------------------------------------------------


def ids(rv) -> list[str]:
    assert rv.status_code == 200, rv.json
    return [row["id"] for row in rv.json]


def test_stores_filter_by_rep_dealer_and_grade(client, make, h):
    rep, dealer = make.rep(), make.dealer()
    mine = make.store(rep=rep, dealer=dealer, grade=Grade.A)
    make.store(rep=rep, grade=Grade.A)
    make.store(dealer=dealer, grade=Grade.A)
    make.store(rep=rep, dealer=dealer, grade=Grade.C)
    query = {"rep_id": str(rep.id), "dealer_id": str(dealer.id), "grade": "A"}
    assert ids(client.get(f"{API}/stores", query_string=query, headers=h)) == [str(mine.id)]


def test_stores_text_search_is_case_insensitive_over_code_name_and_address(client, make, h):
    by_name = make.store(name="Lucky Mart")
    by_address = make.store(address="88 lucky lane")
    by_code = make.store(code="LUCKY-1")
    make.store(name="Other")
    found = ids(client.get(f"{API}/stores", query_string={"q": "LuCkY"}, headers=h))
    assert sorted(found) == sorted(str(s.id) for s in (by_name, by_address, by_code))


def test_stores_text_search_treats_wildcards_literally(client, make, h):
    percent = make.store(name="100% Fresh")
    make.store(name="1000 Fresh")
    found = ids(client.get(f"{API}/stores", query_string={"q": "100%"}, headers=h))
    assert found == [str(percent.id)]


def test_stores_near_a_point_come_nearest_first(client, make, h):
    far = make.store(lat=31.30, lon=121.50)
    near = make.store(lat=31.2001, lon=121.4001)
    middle = make.store(lat=31.22, lon=121.42)
    query = {"near_lat": 31.2, "near_lon": 121.4}
    found = ids(client.get(f"{API}/stores", query_string=query, headers=h))
    assert found[:3] == [str(near.id), str(middle.id), str(far.id)]


def test_stores_within_a_radius_leave_out_the_far_ones(client, make, h):
    near = make.store(lat=31.2050, lon=121.4000)  # ~555 m north
    make.store(lat=31.2000, lon=121.4100)  # ~950 m east
    query = {"near_lat": 31.2, "near_lon": 121.4, "within_m": 700}
    assert ids(client.get(f"{API}/stores", query_string=query, headers=h)) == [str(near.id)]


@pytest.mark.parametrize(
    "query",
    [{"near_lat": 31.2}, {"within_m": 500}, {"near_lat": 95, "near_lon": 0}, {"grade": "Z"}],
)
def test_stores_with_inconsistent_filters_are_422(client, h, query):
    assert_problem(client.get(f"{API}/stores", query_string=query, headers=h), 422)


def test_prices_on_a_date_give_the_price_in_force(client, make, h):
    tea, coffee = make.product(), make.product()
    make.price(tea, "3.00", valid_from=date(2026, 1, 1))
    in_force = make.price(tea, "3.20", valid_from=date(2026, 3, 1))
    make.price(tea, "3.50", valid_from=date(2026, 7, 1))
    coffee_price = make.price(coffee, "8.00", valid_from=date(2026, 2, 1))
    rv = client.get(f"{API}/prices", query_string={"on": "2026-03-01"}, headers=h)
    assert sorted(ids(rv)) == sorted([str(in_force.id), str(coffee_price.id)])
    by_id = {row["id"]: row for row in rv.json}
    assert by_id[str(in_force.id)]["unit_price"] == "3.20"


def test_prices_before_any_valid_from_are_none(client, make, h):
    make.price(make.product(), valid_from=date(2026, 1, 1))
    assert ids(client.get(f"{API}/prices", query_string={"on": "2025-12-31"}, headers=h)) == []


def test_promotions_for_a_store_are_the_ones_aimed_at_it(client, make, h, session):
    store = make.store(grade=Grade.B, region="west")
    other = make.store(grade=Grade.A, region="east")
    listed = make.promotion(stores=[store])
    by_grade = make.promotion()
    by_grade.set_targets(grades=["B"], regions=None)
    by_region = make.promotion()
    by_region.set_targets(grades=None, regions=["west"])
    everywhere = make.promotion()
    elsewhere = make.promotion(stores=[other])
    wrong_grade = make.promotion()
    wrong_grade.set_targets(grades=["A"], regions=["east"])
    session.commit()
    rv = client.get(f"{API}/promotions", query_string={"store_id": str(store.id)}, headers=h)
    assert sorted(ids(rv)) == sorted(str(p.id) for p in (listed, by_grade, by_region, everywhere))
    assert str(elsewhere.id) not in ids(rv) and str(wrong_grade.id) not in ids(rv)


def test_promotions_on_a_date_are_the_running_ones(client, make, h):
    running = make.promotion(starts_on=date(2026, 6, 1), ends_on=date(2026, 6, 30))
    make.promotion(starts_on=date(2026, 7, 1), ends_on=date(2026, 7, 31))
    rv = client.get(f"{API}/promotions", query_string={"on": "2026-06-30"}, headers=h)
    assert ids(rv) == [str(running.id)]


def test_promotions_filter_by_product(client, make, h):
    tea = make.product()
    with_tea = make.promotion(products=[tea])
    make.promotion(products=[make.product()])
    rv = client.get(f"{API}/promotions", query_string={"product_id": str(tea.id)}, headers=h)
    assert ids(rv) == [str(with_tea.id)]


@pytest.mark.parametrize(
    ("resource", "query", "build"),
    [
        ("users", {"role": "supervisor"}, lambda m: m.user(Role.SUPERVISOR)),
        ("users", {"q": "zebra"}, lambda m: m.rep(display_name="Zebra Zhang")),
        ("teams", {"q": "harbour"}, lambda m: m.team(name="Harbour crew")),
        ("dealers", {"region": "far-west"}, lambda m: m.dealer(region="far-west")),
        ("dealers", {"q": "acme"}, lambda m: m.dealer(name="ACME Wholesale")),
        ("products", {"q": "oolong"}, lambda m: m.product(name="Oolong 1L")),
        ("products", {"category": "snacks"}, lambda m: m.product(category="snacks")),
    ],
)
def test_list_filters(client, make, h, resource, query, build):
    make.rep(display_name="Someone Else")
    make.team(name="Other crew")
    make.dealer(region="north", name="Other")
    make.product(name="Other", category="drinks")
    wanted = build(make)
    assert ids(client.get(f"{API}/{resource}", query_string=query, headers=h)) == [str(wanted.id)]


def test_active_filter_leaves_out_deactivated_rows(client, make, h):
    make.product(name="Gone", active=False)
    live = make.product(name="Here")
    assert ids(client.get(f"{API}/products", query_string={"active": "true"}, headers=h)) == [
        str(live.id)
    ]


# --- pagination ---------------------------------------------------------------------------


def test_pagination_splits_a_stable_order_and_reports_it_in_x_pagination(client, make, h):
    for _ in range(5):
        make.product()
    pages = [
        client.get(f"{API}/products", query_string={"page": p, "page_size": 2}, headers=h)
        for p in (1, 2, 3)
    ]
    meta = json.loads(pages[0].headers["X-Pagination"])
    assert meta == {
        "total": 5,
        "total_pages": 3,
        "first_page": 1,
        "last_page": 3,
        "page": 1,
        "next_page": 2,
    }
    seen = [row["sku"] for rv in pages for row in rv.json]
    assert [len(rv.json) for rv in pages] == [2, 2, 1]
    assert seen == sorted(seen) and len(set(seen)) == 5


def test_a_page_size_above_the_maximum_is_422(client, h):
    rv = client.get(f"{API}/stores", query_string={"page_size": 501}, headers=h)
    assert_problem(rv, 422)
    assert error_paths(rv) == {"query.page_size"}


def test_stores_are_ordered_by_code_by_default(client, make, h):
    for code in ("S-C", "S-A", "S-B"):
        make.store(code=code)
    rv = client.get(f"{API}/stores", headers=h)
    assert [row["code"] for row in rv.json] == ["S-A", "S-B", "S-C"]


def test_products_in_the_database_after_create(client, session, h):
    body = product_body(None)
    client.post(f"{API}/products", json=body, headers=h)
    assert session.scalar(select(Product.case_pack).where(Product.sku == body["sku"])) == 24


def test_stores_in_the_database_after_create_keep_money_exact(client, session, make, h):
    body = store_body(make)
    client.post(f"{API}/stores", json=body, headers=h)
    stored = session.scalar(select(Store.balance_owed).where(Store.code == body["code"]))
    assert stored == Decimal("1234.56")
