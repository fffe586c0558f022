"""Matrix entries for reorder prompts, reorder requests and their workflow, and dealer
webhooks.

Requests are built on the shared World: the "visible" one is rep_a's at store_a (dealer d1,
whose user is du1); the "hidden" one is rep_b's at store_b (dealer d2). Roles are checked
before scope on the workflow steps, so a caller of the wrong side gets 403 either way."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fieldsales.domain.reorder.workflow import RequestStatus
from tests.api.matrix import ANONYMOUS, Ctx, Op, Request, listing
from tests.reorder_factories import build_request, make_webhook

REP_SIDE = {"rep", "supervisor", "admin"}
DEALER_SIDE = {"dealer", "admin"}


def _expect(ok: int, allowed: set[str], *, hidden_for_all: bool = False) -> Callable:
    """401 anonymous; 403 for a role that may not (before scope, unless `hidden_for_all`);
    404 for a row outside scope; else `ok`."""

    def expect(caller: str, kind: str) -> set[int]:
        if caller == ANONYMOUS:
            return {401}
        if caller not in allowed and not (hidden_for_all and kind == "hidden"):
            return {403}
        return {404} if kind == "hidden" else {ok}

    return expect


def _targets(hidden_for: set[str]) -> Callable[[str], list[str]]:
    return lambda caller: ["visible"] + (["hidden"] if caller in hidden_for else [])


def _priced_products(ctx: Ctx) -> list:
    products = [ctx.make.product(case_pack=6), ctx.make.product(case_pack=12)]
    for p, price in zip(products, ("2.50", "10.00"), strict=True):
        ctx.make.price(p, price)
    return products


def _request(status: RequestStatus) -> Callable[[Ctx], object]:
    def build(ctx: Ctx) -> object:
        w = ctx.world
        rep, store = (w.rep_b, w.store_b) if ctx.target == "hidden" else (w.rep_a, w.store_a)
        visit = ctx.make.visit(rep, store, at=datetime.now(UTC) - timedelta(hours=1))
        return build_request(
            ctx.make,
            rep=rep,
            store=store,
            visit=visit,
            products=_priced_products(ctx),
            status=status,
        )

    return build


def _step(status: RequestStatus, body: Callable[[Ctx, object], object], allowed: set[str]) -> Op:
    def build(ctx: Ctx) -> Request:
        request = _request(status)(ctx)
        return Request(path_params={"request_id": str(request.id)}, json=body(ctx, request))

    return Op(build, _expect(200, allowed), _targets({"rep", "supervisor", "dealer"}))


def _empty(_ctx: Ctx, _request: object) -> dict:
    return {}


def _deliver_all(_ctx: Ctx, request: object) -> dict:
    lines = request.lines  # type: ignore[attr-defined]
    return {"lines": [{"product_id": str(line.product_id), "quantity": 1} for line in lines]}


def _create(ctx: Ctx) -> Request:
    w = ctx.world
    visit = ctx.make.visit(
        w.rep_a, w.store_a, at=datetime.now(UTC) - timedelta(minutes=10), minutes=None
    )
    products = _priced_products(ctx)
    return Request(
        json={
            "id": str(uuid.uuid4()),
            "visit_id": str(visit.id),
            "lines": [{"product_id": str(p.id), "quantity": 6} for p in products],
        }
    )


def _declines(ctx: Ctx) -> Request:
    w = ctx.world
    visit = ctx.make.visit(w.rep_a, w.store_a, at=datetime.now(UTC) - timedelta(minutes=10))
    prompts = [{"product_id": str(w.product.id), "suggested_quantity": 12}]
    return Request(json={"visit_id": str(visit.id), "prompts": prompts})


def _read(ctx: Ctx) -> Request:
    return Request(path_params={"request_id": str(_request(RequestStatus.SUBMITTED)(ctx).id)})


def _prompts(ctx: Ctx) -> Request:
    store = ctx.world.store_b if ctx.target == "hidden" else ctx.world.store_a
    return Request(path_params={"store_id": str(store.id)})


def _dealer(ctx: Ctx) -> object:
    return ctx.world.d2 if ctx.target == "hidden" else ctx.world.d1


def _webhooks(body: dict | None) -> Callable[[Ctx], Request]:
    return lambda ctx: Request(path_params={"dealer_id": str(_dealer(ctx).id)}, json=body)


def _webhook_item(ctx: Ctx) -> Request:
    dealer = _dealer(ctx)
    hook = make_webhook(ctx.make, dealer, "https://dealer.example/hook")
    return Request(path_params={"dealer_id": str(dealer.id), "webhook_id": str(hook.id)})


PROMISED = {"promised_delivery_on": "2099-01-01"}
BASE = "/api/v1/reorder-requests/{request_id}"
WEBHOOKS = "/api/v1/dealers/{dealer_id}/webhooks"
S = RequestStatus

EXPECTATIONS: dict[tuple[str, str], Op] = {
    ("GET", "/api/v1/stores/{store_id}/reorder-prompts"): Op(
        _prompts, _expect(200, REP_SIDE), _targets({"rep", "supervisor"})
    ),
    ("GET", "/api/v1/reorder-requests"): listing("reorder-requests"),
    ("POST", "/api/v1/reorder-requests"): Op(_create, _expect(201, {"rep"})),
    ("POST", "/api/v1/prompt-declines"): Op(_declines, _expect(201, {"rep"})),
    ("GET", BASE): Op(
        _read,
        _expect(200, REP_SIDE | DEALER_SIDE),
        _targets({"rep", "supervisor", "dealer"}),
    ),
    ("POST", f"{BASE}/acknowledge"): _step(S.SUBMITTED, _empty, DEALER_SIDE),
    ("POST", f"{BASE}/confirm"): _step(S.SUBMITTED, lambda *_: PROMISED, DEALER_SIDE),
    ("POST", f"{BASE}/deliver"): _step(S.CONFIRMED, _deliver_all, DEALER_SIDE),
    ("POST", f"{BASE}/cannot-fill"): _step(S.SUBMITTED, lambda *_: {"reason": "out"}, DEALER_SIDE),
    ("POST", f"{BASE}/reject"): _step(S.SUBMITTED, lambda *_: {"reason": "no"}, DEALER_SIDE),
    ("POST", f"{BASE}/cancel"): _step(S.SUBMITTED, _empty, REP_SIDE),
    ("POST", f"{BASE}/release"): _step(S.HELD, _empty, REP_SIDE),
    ("GET", WEBHOOKS): Op(
        _webhooks(None), _expect(200, DEALER_SIDE, hidden_for_all=True), _targets({"rep", "dealer"})
    ),
    ("POST", WEBHOOKS): Op(
        _webhooks({"url": "https://dealer.example/hook"}),
        _expect(201, DEALER_SIDE, hidden_for_all=True),
        _targets({"rep", "dealer"}),
    ),
    ("DELETE", f"{WEBHOOKS}/{{webhook_id}}"): Op(
        _webhook_item, _expect(204, DEALER_SIDE, hidden_for_all=True), _targets({"rep", "dealer"})
    ),
}
