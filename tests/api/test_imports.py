"""CSV import of stores and products: dry-run report, all-or-nothing, upsert, limits."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from fieldsales.db.models import Price, Product, Store
from fieldsales.domain.types import Grade, Role

STORES_URL = "/api/v1/stores/import"
PRODUCTS_URL = "/api/v1/products/import"
STORE_COLUMNS = (
    "code,name,address,region,lat,lon,timezone,grade,dealer_code,rep_username,payment_terms,"
    "credit_limit,balance_owed,dwell_minutes,appointment_required,geofence_radius_m,"
    "owner_windows,owner_name,phone"
).split(",")


def store_row(code: str, **over: str) -> dict[str, str]:
    return {
        "code": code,
        "name": "好德便利 (南京西路店)",
        "address": "南京西路1266号",
        "region": "central",
        "lat": "31.2290",
        "lon": "121.4550",
        "timezone": "Asia/Shanghai",
        "grade": "A",
        "dealer_code": "DL-1",
        "rep_username": "csvrep",
        "payment_terms": "monthly",
        "credit_limit": "20000",
        "balance_owed": "1500.50",
        "dwell_minutes": "30",
        "appointment_required": "yes",
        "geofence_radius_m": "120",
        "owner_windows": "Mon-Fri 09:00-09:30; Mon-Fri 13:00-13:30",
        "owner_name": "王芳",
        "phone": "+86 21 5555 0101",
        **over,
    }


def stores_csv(*rows: dict[str, str], delimiter: str = ",") -> bytes:
    """Written the way a spreadsheet exports: CRLF, cells quoted only when needed."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


@pytest.fixture
def admin(make):
    return make.user(Role.ADMIN)


@pytest.fixture
def refs(make):
    dealer = make.dealer(code="DL-1")
    rep = make.rep(username="csvrep")
    return dealer, rep


def post_csv(client, auth, user, url, body: bytes, *, dry_run: bool = False):
    return client.post(
        f"{url}?dry_run={'true' if dry_run else 'false'}",
        data=body,
        headers=auth.headers(user, **{"Content-Type": "text/csv"}),
    )


def count_stores(session, *codes: str) -> int:
    return session.scalar(select(func.count()).select_from(Store).where(Store.code.in_(codes)))


def test_store_import_creates_every_row(client, auth, session, admin, refs):
    dealer, rep = refs
    body = stores_csv(store_row("IMP-1"), store_row("IMP-2", grade="C"), store_row("IMP-3"))

    rv = post_csv(client, auth, admin, STORES_URL, body)

    assert rv.status_code == 200, rv.json
    assert (rv.json["ok"], rv.json["created"], rv.json["invalid"]) == (True, 3, 0)
    assert [(ln["line"], ln["key"], ln["action"]) for ln in rv.json["lines"]] == [
        (2, "IMP-1", "created"),
        (3, "IMP-2", "created"),
        (4, "IMP-3", "created"),
    ]
    store = session.scalar(select(Store).where(Store.code == "IMP-1"))
    assert store.name == "好德便利 (南京西路店)"
    assert (store.dealer_id, store.rep_id) == (dealer.id, rep.id)
    assert (store.credit_limit, store.balance_owed) == (Decimal("20000.00"), Decimal("1500.50"))
    assert store.appointment_required is True
    assert {(w["weekday"], w["start"]) for w in store.owner_windows} == {
        (d, t) for d in range(5) for t in ("09:00", "13:00")
    }
    assert session.scalar(select(Store.grade).where(Store.code == "IMP-2")) is Grade.C


def test_store_dry_run_names_the_bad_line_and_field_and_writes_nothing(
    client, auth, session, admin, refs
):
    body = stores_csv(store_row("IMP-1"), store_row("IMP-2", lat="north"), store_row("IMP-3"))

    rv = post_csv(client, auth, admin, STORES_URL, body, dry_run=True)

    assert rv.status_code == 200
    assert (rv.json["dry_run"], rv.json["ok"], rv.json["created"]) == (True, False, 2)
    bad = rv.json["lines"][1]
    assert (bad["line"], bad["key"], bad["action"]) == (3, "IMP-2", "invalid")
    assert [e["field"] for e in bad["errors"]] == ["lat"]
    assert count_stores(session, "IMP-1", "IMP-2", "IMP-3") == 0


def test_store_dry_run_of_a_good_file_writes_nothing(client, auth, session, admin, refs):
    rv = post_csv(client, auth, admin, STORES_URL, stores_csv(store_row("IMP-1")), dry_run=True)

    assert (rv.status_code, rv.json["ok"], rv.json["created"]) == (200, True, 1)
    assert count_stores(session, "IMP-1") == 0


def test_store_import_with_one_bad_line_imports_nothing(client, auth, session, admin, refs):
    body = stores_csv(store_row("IMP-1"), store_row("IMP-2"), store_row("IMP-3", grade="Z"))
    dry = post_csv(client, auth, admin, STORES_URL, body, dry_run=True).json

    rv = post_csv(client, auth, admin, STORES_URL, body)

    assert rv.status_code == 422
    assert rv.mimetype == "application/problem+json"
    assert rv.json["report"]["lines"] == dry["lines"]
    assert {"path": "line.4.grade", "message": dry["lines"][2]["errors"][0]["message"]} in rv.json[
        "errors"
    ]
    assert count_stores(session, "IMP-1", "IMP-2", "IMP-3") == 0


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"dealer_code": "NOPE"}, "dealer_code"),
        ({"rep_username": "nobody"}, "rep_username"),
        ({"owner_windows": "Mon-Fri 9-9:30"}, "owner_windows"),
        ({"owner_windows": "Mon 09:30-09:00"}, "owner_windows"),
        ({"timezone": "Shanghai"}, "timezone"),
        ({"dwell_minutes": "twenty"}, "dwell_minutes"),
        ({"balance_owed": "-5"}, "balance_owed"),
        ({"name": ""}, "name"),
    ],
)
def test_store_dry_run_reports_each_kind_of_bad_cell(client, auth, admin, refs, over, field):
    body = stores_csv(store_row("IMP-1", **over))

    line = post_csv(client, auth, admin, STORES_URL, body, dry_run=True).json["lines"][0]

    assert line["action"] == "invalid"
    assert [e["field"] for e in line["errors"]] == [field]


def test_store_import_refuses_a_rep_username_that_is_not_a_rep(client, auth, admin, make, refs):
    make.user(Role.SUPERVISOR, username="boss")

    rv = post_csv(
        client, auth, admin, STORES_URL, stores_csv(store_row("IMP-1", rep_username="boss"))
    )

    assert rv.status_code == 422
    assert rv.json["report"]["lines"][0]["errors"] == [
        {"field": "rep_username", "message": "Not a rep."}
    ]


def test_store_import_refuses_a_code_twice_in_one_file(client, auth, admin, refs):
    body = stores_csv(store_row("IMP-1"), store_row("IMP-1", name="Copy"))

    lines = post_csv(client, auth, admin, STORES_URL, body, dry_run=True).json["lines"]

    assert lines[0]["action"] == "created"
    assert lines[1]["errors"] == [{"field": "code", "message": "Same code as line 2."}]


def test_store_import_twice_leaves_everything_unchanged(client, auth, session, admin, refs):
    body = stores_csv(store_row("IMP-1"), store_row("IMP-2"))
    post_csv(client, auth, admin, STORES_URL, body)
    version = session.scalar(select(Store.version).where(Store.code == "IMP-1"))

    rv = post_csv(client, auth, admin, STORES_URL, body)

    assert (rv.status_code, rv.json["unchanged"], rv.json["created"]) == (200, 2, 0)
    assert session.scalar(select(Store.version).where(Store.code == "IMP-1")) == version


def test_store_import_updates_an_existing_store_by_code(client, auth, session, admin, make, refs):
    existing = make.store(code="IMP-1", name="Old name", dwell_minutes=45, notes="keep me")
    line = store_row("IMP-1", name="New name", region="", dwell_minutes="")

    rv = post_csv(client, auth, admin, STORES_URL, stores_csv(line))

    assert rv.status_code == 200
    assert rv.json["lines"][0]["action"] == "updated"
    assert "name" in rv.json["lines"][0]["changed"]
    session.refresh(existing)
    assert existing.name == "New name"
    assert existing.region is None  # an empty nullable cell clears
    assert existing.dwell_minutes == 45  # an empty cell of a defaulted column: not given
    assert existing.notes == "keep me"  # a column not in the header: untouched


def test_store_import_reads_semicolons_and_a_bom(client, auth, session, admin, refs):
    body = "\ufeff".encode() + stores_csv(store_row("IMP-1"), delimiter=";")

    rv = post_csv(client, auth, admin, STORES_URL, body)

    assert rv.status_code == 200, rv.json
    assert rv.json["created"] == 1
    assert len(session.scalar(select(Store).where(Store.code == "IMP-1")).owner_windows) == 10


def test_store_import_accepts_a_multipart_upload(client, auth, session, admin, refs):
    rv = client.post(
        STORES_URL,
        data={"file": (io.BytesIO(stores_csv(store_row("IMP-1"))), "stores.csv")},
        content_type="multipart/form-data",
        headers=auth.headers(admin),
    )

    assert rv.status_code == 200, rv.json
    assert count_stores(session, "IMP-1") == 1


def test_store_import_multipart_without_the_file_field_is_422(client, auth, admin):
    rv = client.post(
        STORES_URL,
        data={"other": (io.BytesIO(b"x"), "stores.csv")},
        content_type="multipart/form-data",
        headers=auth.headers(admin),
    )

    assert rv.status_code == 422
    assert rv.json["errors"][0]["path"] == "files.file"


def test_store_import_of_json_is_unsupported_media_type(client, auth, admin):
    rv = client.post(STORES_URL, json={"code": "IMP-1"}, headers=auth.headers(admin))

    assert rv.status_code == 415
    assert rv.mimetype == "application/problem+json"


def test_store_import_header_with_an_unknown_column_is_422(client, auth, admin, refs):
    body = stores_csv(store_row("IMP-1", colour="red"))

    rv = post_csv(client, auth, admin, STORES_URL, body, dry_run=True)

    assert rv.status_code == 422
    assert rv.json["errors"] == [{"path": "header.colour", "message": "Unknown column."}]


def test_store_import_of_non_utf8_text_names_the_line(client, auth, admin, refs):
    body = stores_csv(store_row("IMP-1"), store_row("IMP-2")).decode().encode("gb18030")

    rv = post_csv(client, auth, admin, STORES_URL, body)

    assert rv.status_code == 422
    assert rv.json["errors"][0]["path"] == "line.2"


def test_store_import_over_the_byte_limit_is_413(client, app, auth, admin, monkeypatch, refs):
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 300)
    body = stores_csv(store_row("IMP-1"), store_row("IMP-2"))

    rv = post_csv(client, auth, admin, STORES_URL, body)

    assert rv.status_code == 413
    assert rv.mimetype == "application/problem+json"


def test_store_import_over_the_row_limit_is_413(
    client, app, auth, session, admin, monkeypatch, refs
):
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 2)
    body = stores_csv(*(store_row(f"IMP-{i}") for i in range(3)))

    rv = post_csv(client, auth, admin, STORES_URL, body)

    assert rv.status_code == 413
    assert count_stores(session, "IMP-0") == 0


@pytest.mark.parametrize("url", [STORES_URL, PRODUCTS_URL])
@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.REP, 403), (Role.SUPERVISOR, 403), (Role.DEALER, 403), (None, 401)],
)
def test_only_an_admin_may_import(client, auth, make, session, url, role, status):
    headers = {"Content-Type": "text/csv"}
    if role is Role.DEALER:
        headers |= auth.headers(make.dealer_user(make.dealer()))
    elif role is not None:
        headers |= auth.headers(make.user(role))
    body = stores_csv(store_row("IMP-1")) if url == STORES_URL else b"sku,name,case_pack\nP,x,1\n"

    rv = client.post(url, data=body, headers=headers)

    assert rv.status_code == status
    assert rv.mimetype == "application/problem+json"
    assert count_stores(session, "IMP-1") == 0
    assert session.scalar(select(func.count()).select_from(Product).where(Product.sku == "P")) == 0


# --- products ------------------------------------------------------------------------------

PRODUCT_HEADER = "sku,name,category,case_pack,unit_price,price_valid_from"


def products_csv(*lines: str) -> bytes:
    return "\n".join([PRODUCT_HEADER, *lines]).encode()


def prices_of(session, sku: str) -> list[tuple[date, Decimal]]:
    stmt = (
        select(Price.valid_from, Price.unit_price)
        .join(Product, Product.id == Price.product_id)
        .where(Product.sku == sku)
        .order_by(Price.valid_from)
    )
    return [tuple(row) for row in session.execute(stmt)]


def test_product_import_creates_products_and_prices(client, auth, session, admin):
    body = products_csv(
        "TEA-500,茉莉花茶 500ml,beverages,15,3.50,2026-01-01",
        "NDL-120,Beef noodles 120g,noodles,24,4.20,",
        "SNK-001,Seaweed chips,snacks,20,,",
    )

    rv = post_csv(client, auth, admin, PRODUCTS_URL, body)

    assert rv.status_code == 200, rv.json
    assert rv.json["created"] == 3
    tea = session.scalar(select(Product).where(Product.sku == "TEA-500"))
    assert (tea.name, tea.category, tea.case_pack) == ("茉莉花茶 500ml", "beverages", 15)
    assert prices_of(session, "TEA-500") == [(date(2026, 1, 1), Decimal("3.50"))]
    assert [p for _d, p in prices_of(session, "NDL-120")] == [Decimal("4.20")]
    assert prices_of(session, "SNK-001") == []


def test_product_import_adds_a_price_only_when_it_changes(client, auth, session, admin, make):
    product = make.product(sku="TEA-500", name="Tea", category="beverages", case_pack=15)
    make.price(product, "3.50", valid_from=date(2026, 1, 1))
    same = products_csv("TEA-500,Tea,beverages,15,3.50,2026-03-01")
    dearer = products_csv("TEA-500,Tea,beverages,15,3.80,2026-03-01")

    first = post_csv(client, auth, admin, PRODUCTS_URL, same)
    second = post_csv(client, auth, admin, PRODUCTS_URL, dearer)

    assert first.json["lines"][0]["action"] == "unchanged"
    assert second.json["lines"][0]["action"] == "updated"
    assert second.json["lines"][0]["changed"] == ["unit_price"]
    assert prices_of(session, "TEA-500") == [
        (date(2026, 1, 1), Decimal("3.50")),
        (date(2026, 3, 1), Decimal("3.80")),
    ]


def test_product_import_with_a_bad_case_pack_imports_nothing(client, auth, session, admin):
    body = products_csv("TEA-500,Tea,beverages,15,3.50,", "TEA-330,Tea,beverages,0,2.50,")

    rv = post_csv(client, auth, admin, PRODUCTS_URL, body)

    assert rv.status_code == 422
    bad = rv.json["report"]["lines"][1]
    assert (bad["line"], [e["field"] for e in bad["errors"]]) == (3, ["case_pack"])
    assert session.scalar(select(func.count()).select_from(Product)) == 0


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("TEA-500,Tea,beverages,15,abc,", "unit_price"),
        ("TEA-500,Tea,beverages,15,3.50,31/12/2026", "price_valid_from"),
        ("TEA-500,Tea,beverages,15,,2026-01-01", "unit_price"),
    ],
)
def test_product_dry_run_reports_bad_price_cells(client, auth, admin, line, field):
    rv = post_csv(client, auth, admin, PRODUCTS_URL, products_csv(line), dry_run=True)

    assert [e["field"] for e in rv.json["lines"][0]["errors"]] == [field]
