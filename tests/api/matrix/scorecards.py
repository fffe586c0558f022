"""Matrix entries for dealer scorecards: supervisors and admins read every dealer's, a
dealer user only its own dealer's (another dealer's is a 404), reps none (403); only an
admin sets the weights."""

from __future__ import annotations

from fieldsales.domain.scoring import DEFAULT_WEIGHTS
from tests.api.matrix import ANONYMOUS, HIDDEN, VISIBLE, Ctx, Op, Request, _no_body

READERS = {"supervisor", "admin", "dealer"}


def _dealer_targets(caller: str) -> list[str]:
    if caller == ANONYMOUS:
        return ["visible"]
    return ["visible"] + (["hidden"] if caller in HIDDEN["dealers"] else [])


def _dealer_item(ctx: Ctx) -> Request:
    caller = "admin" if ctx.caller == ANONYMOUS else ctx.caller
    table = HIDDEN["dealers"] if ctx.target == "hidden" else VISIBLE["dealers"]
    return Request(path_params={"dealer_id": str(getattr(ctx.world, table[caller]).id)})


def _read_dealer(caller: str, kind: str) -> set[int]:
    if caller == ANONYMOUS:
        return {401}
    if caller not in READERS:
        return {403}
    return {404} if kind == "hidden" else {200}


def _readers(caller: str, _kind: str) -> set[int]:
    return {401} if caller == ANONYMOUS else {200} if caller in READERS else {403}


def _admin_only(caller: str, _kind: str) -> set[int]:
    return {401} if caller == ANONYMOUS else {200} if caller == "admin" else {403}


def _weights_body(_ctx: Ctx) -> Request:
    return Request(json={"weights": {m.value: w for m, w in DEFAULT_WEIGHTS.items()}})


EXPECTATIONS: dict[tuple[str, str], Op] = {
    ("GET", "/api/v1/dealers/{dealer_id}/scorecard"): Op(
        _dealer_item, _read_dealer, _dealer_targets, "dealers"
    ),
    # No query string: the month to date, the default metric (fill rate).
    ("GET", "/api/v1/dealers/{dealer_id}/scorecard/evidence"): Op(
        _dealer_item, _read_dealer, _dealer_targets, "dealers"
    ),
    ("GET", "/api/v1/dealer-scorecards"): Op(_no_body, _readers),
    ("GET", "/api/v1/scorecard-weights"): Op(_no_body, _readers),
    ("PUT", "/api/v1/scorecard-weights"): Op(_weights_body, _admin_only),
}
