"""Master data use cases: create/update with reference checks, list filters, deactivation.

Deactivate instead of delete: visits, orders and scorecards point at these rows."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from fieldsales.db.models import (
    Dealer,
    Price,
    Product,
    Promotion,
    PromotionGift,
    PromotionTarget,
    Store,
    Team,
    User,
    promotion_stores,
)
from fieldsales.db.models.mixins import utcnow
from fieldsales.domain.errors import InvalidInput
from fieldsales.domain.types import Role
from fieldsales.security import hash_password

METRES_PER_DEGREE = 111_320.0

Filter = Callable[[Select[Any], Mapping[str, Any]], Select[Any]]
Hook = Callable[[Session, Any, dict[str, Any]], None]


def like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def text_search(*columns: Any) -> Callable[[str], Any]:
    return lambda q: or_(*(func.lower(c).like(like(q), escape="\\") for c in columns))


def check_refs(session: Session, data: Mapping[str, Any], refs: Mapping[str, type]) -> None:
    """A referenced id that does not exist is the caller's mistake: 422 naming the field."""
    errors = [
        {"path": f"json.{field}", "message": f"No {model.__name__.lower()} with this id."}
        for field, model in refs.items()
        if data.get(field) is not None and session.get(model, data[field]) is None
    ]
    if errors:
        raise InvalidInput("A referenced record does not exist.", errors=errors)


def equal_filters(*names: str) -> Filter:
    def apply(stmt: Select[Any], args: Mapping[str, Any]) -> Select[Any]:
        model = stmt.column_descriptions[0]["entity"]
        for name in names:
            if name in args:
                stmt = stmt.where(getattr(model, name) == args[name])
        return stmt

    return apply


def searchable(search: Callable[[str], Any], base: Filter) -> Filter:
    def apply(stmt: Select[Any], args: Mapping[str, Any]) -> Select[Any]:
        stmt = base(stmt, args)
        return stmt.where(search(args["q"])) if args.get("q") else stmt

    return apply


def ordered(base: Filter, *order: Any) -> Filter:
    """A stable order, so LIMIT/OFFSET pages neither repeat nor skip rows."""
    return lambda stmt, args: base(stmt, args).order_by(*order)


# --- per-resource rules ------------------------------------------------------------------


def _user_values(session: Session, user: Any, data: dict[str, Any]) -> None:
    check_refs(session, data, {"team_id": Team, "dealer_id": Dealer})
    if "password" in data:
        data["password_hash"] = hash_password(data.pop("password"))
    role = data.get("role", getattr(user, "role", None))
    dealer_id = data.get("dealer_id", getattr(user, "dealer_id", None))
    if role is Role.DEALER and dealer_id is None:
        raise InvalidInput(
            "A dealer user needs a dealer.",
            errors=[{"path": "json.dealer_id", "message": "Required for role dealer."}],
        )


def _team_values(session: Session, _team: Any, data: dict[str, Any]) -> None:
    check_refs(session, data, {"supervisor_id": User})
    if data.get("supervisor_id") is not None:
        supervisor = session.get(User, data["supervisor_id"])
        if supervisor is not None and supervisor.role is not Role.SUPERVISOR:
            raise InvalidInput(
                "The team lead must be a supervisor.",
                errors=[{"path": "json.supervisor_id", "message": "Not a supervisor."}],
            )


def _store_values(session: Session, _store: Any, data: dict[str, Any]) -> None:
    check_refs(session, data, {"dealer_id": Dealer, "rep_id": User})
    if data.get("rep_id") is not None:
        rep = session.get(User, data["rep_id"])
        if rep is not None and rep.role is not Role.REP:
            raise InvalidInput(
                "Stores are assigned to reps.",
                errors=[{"path": "json.rep_id", "message": "Not a rep."}],
            )


def _price_values(session: Session, _price: Any, data: dict[str, Any]) -> None:
    check_refs(session, data, {"product_id": Product})


PROMOTION_COLLECTIONS = frozenset({"product_ids", "store_ids", "grades", "regions", "gifts"})


def _promotion_values(session: Session, promotion: Any, data: dict[str, Any]) -> None:
    touches_collections = not PROMOTION_COLLECTIONS.isdisjoint(data)
    starts = data.get("starts_on", getattr(promotion, "starts_on", None))
    ends = data.get("ends_on", getattr(promotion, "ends_on", None))
    if starts and ends and ends < starts:
        raise InvalidInput(
            "ends_on is before starts_on.",
            errors=[{"path": "json.ends_on", "message": "Before starts_on."}],
        )
    if "product_ids" in data:
        data["products"] = _load_all(session, Product, data.pop("product_ids"), "product_ids")
    if "store_ids" in data:
        data["stores"] = _load_all(session, Store, data.pop("store_ids"), "store_ids")
    if "grades" in data or "regions" in data:
        grades = data.pop("grades", None)
        promotion.set_targets(
            grades=[g.value for g in grades] if grades is not None else None,
            regions=data.pop("regions", None),
        )
    if "gifts" in data:
        data["gifts"] = [PromotionGift(**gift) for gift in data["gifts"]]
    if touches_collections:
        # Changes to these collections alone would not UPDATE the promotions row, so the
        # version (the ETag) would stay the same and a stale If-Match would go unnoticed.
        data["updated_at"] = utcnow()


def _load_all(session: Session, model: type, ids: list[uuid.UUID], field: str) -> list[Any]:
    wanted = list(dict.fromkeys(ids))
    found = list(session.scalars(select(model).where(model.id.in_(wanted)))) if wanted else []  # type: ignore[attr-defined]
    missing = set(wanted) - {row.id for row in found}
    if missing:
        raise InvalidInput(
            f"Unknown ids in {field}.",
            errors=[{"path": f"json.{field}", "message": f"Unknown: {sorted(map(str, missing))}"}],
        )
    return found


def _store_filter(stmt: Select[Any], args: Mapping[str, Any]) -> Select[Any]:
    stmt = searchable(
        text_search(Store.code, Store.name, Store.address),
        equal_filters("rep_id", "dealer_id", "grade", "region", "active"),
    )(stmt, args)
    if "near_lat" not in args:
        return stmt.order_by(Store.code)
    # Equirectangular approximation: exact enough within a city, and plain arithmetic,
    # so the same SQL runs on PostgreSQL and SQLite and can use the (lat, lon) index.
    # x * x rather than pow(): SQLite has pow() only when built with its math functions.
    k = math.cos(math.radians(args["near_lat"]))
    d_lat = Store.lat - args["near_lat"]
    d_lon = (Store.lon - args["near_lon"]) * k
    d2 = d_lat * d_lat + d_lon * d_lon
    if "within_m" in args:
        radius_deg = args["within_m"] / METRES_PER_DEGREE
        stmt = stmt.where(
            Store.lat.between(args["near_lat"] - radius_deg, args["near_lat"] + radius_deg),
            d2 <= radius_deg**2,
        )
    return stmt.order_by(d2, Store.code)


def _price_filter(stmt: Select[Any], args: Mapping[str, Any]) -> Select[Any]:
    stmt = equal_filters("product_id")(stmt, args)
    if "on" in args:
        stmt = stmt.where(Price.id.in_(prices_in_force(args["on"])))
    return stmt.order_by(Price.product_id, Price.valid_from.desc())


def _promotion_filter(stmt: Select[Any], args: Mapping[str, Any]) -> Select[Any]:
    stmt = equal_filters("active")(stmt, args)
    if "on" in args:
        stmt = stmt.where(Promotion.starts_on <= args["on"], Promotion.ends_on >= args["on"])
    if "product_id" in args:
        stmt = stmt.where(Promotion.products.any(Product.id == args["product_id"]))
    if "store_id" in args:
        stmt = stmt.where(promotion_applies_to_store(args["store_id"]))
    return stmt.order_by(Promotion.starts_on.desc(), Promotion.name, Promotion.id)


def promotion_applies_to_store(store_id: uuid.UUID) -> Any:
    """Listed explicitly, or aimed at the store's grade or region, or aimed at nobody in
    particular (then it runs everywhere)."""
    return promotion_applies(select(Store).where(Store.id == store_id).subquery().c)


def promotion_applies(store: Any) -> Any:
    """`promotion_applies_to_store` for any store columns (`store.id`, `.grade`, `.region`):
    the Store entity itself, so one query can count promotions for many stores."""
    listed = exists().where(
        promotion_stores.c.promotion_id == Promotion.id, promotion_stores.c.store_id == store.id
    )
    by_target = exists().where(
        PromotionTarget.promotion_id == Promotion.id,
        or_(
            and_(PromotionTarget.kind == "grade", PromotionTarget.value == store.grade),
            and_(PromotionTarget.kind == "region", PromotionTarget.value == store.region),
        ),
    )
    untargeted = and_(
        ~exists().where(promotion_stores.c.promotion_id == Promotion.id),
        ~exists().where(PromotionTarget.promotion_id == Promotion.id),
    )
    return or_(listed, by_target, untargeted)


def prices_in_force(on: date) -> Select[tuple[uuid.UUID]]:
    """Ids of the price rows in force on a day: per product, the latest valid_from <= day."""
    latest = (
        select(Price.product_id, func.max(Price.valid_from).label("valid_from"))
        .where(Price.valid_from <= on)
        .group_by(Price.product_id)
        .subquery()
    )
    return select(Price.id).join(
        latest,
        and_(Price.product_id == latest.c.product_id, Price.valid_from == latest.c.valid_from),
    )


@dataclass(frozen=True)
class Resource:
    """How one master-data resource is stored, filtered and validated."""

    model: type
    filter: Filter
    before_write: Hook | None = None


RESOURCES: dict[str, Resource] = {
    "users": Resource(
        User,
        ordered(
            searchable(
                text_search(User.username, User.display_name),
                equal_filters("role", "team_id", "dealer_id", "active"),
            ),
            User.username,
        ),
        _user_values,
    ),
    "teams": Resource(
        Team,
        ordered(searchable(text_search(Team.name), equal_filters("active")), Team.name),
        _team_values,
    ),
    "dealers": Resource(
        Dealer,
        ordered(
            searchable(text_search(Dealer.code, Dealer.name), equal_filters("region", "active")),
            Dealer.code,
        ),
    ),
    "stores": Resource(Store, _store_filter, _store_values),
    "products": Resource(
        Product,
        ordered(
            searchable(text_search(Product.sku, Product.name), equal_filters("category", "active")),
            Product.sku,
        ),
    ),
    "prices": Resource(Price, _price_filter, _price_values),
    "promotions": Resource(Promotion, _promotion_filter, _promotion_values),
}


def create(session: Session, resource: Resource, data: dict[str, Any]) -> Any:
    obj = resource.model()
    session.add(obj)
    return update(session, resource, obj, data)


def update(session: Session, resource: Resource, obj: Any, data: dict[str, Any]) -> Any:
    """Apply validated fields. The hook checks references and converts wire values first."""
    with session.no_autoflush:  # the hook queries while `obj` is still half filled
        if resource.before_write:
            resource.before_write(session, obj, data)
        for name, value in data.items():
            setattr(obj, name, value)
    session.flush()
    return obj


def deactivate(session: Session, obj: Any) -> None:
    obj.active = False
    session.flush()


def select_all(model: type) -> Select[Any]:
    return select(model)
