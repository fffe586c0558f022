"""The review queue, review decisions and their trail, what each role sees, and who may do
what. Photo rows are inserted directly (no upload needed: URLs are only signed)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import event, func, select

from fieldsales.db.models import Photo, PhotoReview
from fieldsales.domain.photos import PhotoStatus, ReviewStatus
from fieldsales.domain.types import Role
from tests.bodies import now
from tests.photo_factories import stored_photo


@pytest.fixture
def world(make, session):
    supervisor, team = make.supervisor_with_team()
    other_supervisor, other_team = make.supervisor_with_team()
    rep, teammate, other_rep = make.rep(team), make.rep(team), make.rep(other_team)
    dealer, other_dealer = make.dealer(), make.dealer()
    store = make.store(rep=rep, dealer=dealer)
    teammate_store = make.store(rep=teammate, dealer=other_dealer)
    other_store = make.store(rep=other_rep, dealer=dealer)
    at = now() - timedelta(hours=2)
    visit = make.visit(rep, store, at=at)
    teammate_visit = make.visit(teammate, teammate_store, at=at)
    other_visit = make.visit(other_rep, other_store, at=at)
    return {
        "supervisor": supervisor,
        "other_supervisor": other_supervisor,
        "rep": rep,
        "teammate": teammate,
        "other_rep": other_rep,
        "admin": make.user(Role.ADMIN),
        "dealer_user": make.dealer_user(dealer),
        "dealer": dealer,
        "store": store,
        "visit": visit,
        "teammate_visit": teammate_visit,
        "other_visit": other_visit,
        "photo": stored_photo(session, visit, risk_score=15),
        "teammate_photo": stored_photo(session, teammate_visit),
        "other_photo": stored_photo(session, other_visit, risk_score=75),
    }


def queue(client, auth, user, **query):
    return client.get("/api/v1/photos", query_string=query, headers=auth.headers(user))


def ids(rv) -> list[str]:
    assert rv.status_code == 200, rv.json
    return [p["id"] for p in rv.json]


def review(client, auth, user, photo, **body):
    body = {"decision": "approve", **body}
    return client.post(f"/api/v1/photos/{photo.id}/review", json=body, headers=auth.headers(user))


# --- the queue -------------------------------------------------------------------------------


def test_queue_is_ordered_by_risk_then_longest_waiting(client, auth, world, session):
    visit = world["visit"]
    old_low = stored_photo(session, visit, risk_score=15, completed_at=now() - timedelta(days=2))
    high = stored_photo(session, visit, risk_score=60)
    old_high = stored_photo(session, visit, risk_score=60, completed_at=now() - timedelta(days=1))

    rv = queue(client, auth, world["supervisor"], rep_id=str(world["rep"].id))

    assert ids(rv) == [str(p.id) for p in (old_high, high, old_low, world["photo"])]


def test_queue_leaves_out_photos_not_verified(client, auth, world, session):
    for status in (PhotoStatus.PENDING, PhotoStatus.REJECTED, PhotoStatus.EXPIRED):
        stored_photo(session, world["visit"], status=status)
    verified = stored_photo(session, world["visit"], status=PhotoStatus.VERIFIED)

    rv = queue(client, auth, world["supervisor"], rep_id=str(world["rep"].id))

    assert set(ids(rv)) == {str(world["photo"].id), str(verified.id)}


def test_queue_items_carry_short_lived_urls_and_names(app, client, auth, world):
    rv = queue(client, auth, world["supervisor"], rep_id=str(world["rep"].id))

    item = rv.json[0]
    for name in ("url", "thumbnail_url"):
        query = parse_qs(urlsplit(item[name]).query)
        assert query["X-Amz-Expires"] == [str(app.config["PHOTOS_URL_TTL_S"])]
        assert "X-Amz-Signature" in query
    assert urlsplit(item["url"]).path.endswith(world["photo"].object_key)
    assert item["store_name"] == world["store"].name
    assert item["rep_name"] == world["rep"].display_name
    assert item["flags"] == [{"code": "no_exif"}]


def test_a_page_of_fifty_costs_a_fixed_number_of_queries(client, auth, world, session, connection):
    for _ in range(60):
        stored_photo(session, world["visit"])
    statements = []
    event.listen(connection, "before_cursor_execute", lambda *a: statements.append(a[2]))

    rv = queue(client, auth, world["supervisor"])

    assert len(rv.json) == 50
    assert rv.headers["X-Pagination"]
    # at most: the caller, the page, the count, its stores, its reps; nothing per photo
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 5


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (lambda w: {"rep_id": w["teammate"].id}, ["teammate_photo"]),
        (lambda w: {"store_id": w["store"].id}, ["photo"]),
        (lambda w: {"dealer_id": w["dealer"].id}, ["photo"]),
        (lambda w: {"flagged": "true"}, ["photo"]),
        (lambda w: {"flagged": "false"}, ["teammate_photo"]),
        (lambda w: {"kind": "shelf"}, []),
        (lambda w: {"kind": "our_pop"}, ["photo", "teammate_photo"]),
        (lambda w: {"status": "pending"}, ["photo", "teammate_photo"]),
        (lambda w: {"status": "approved"}, []),
        (lambda w: {"from_day": str(w["visit"].local_day)}, ["photo", "teammate_photo"]),
        (lambda w: {"to_day": str(w["visit"].local_day - timedelta(days=1))}, []),
    ],
)
def test_queue_filters(client, auth, world, query, expected):
    rv = queue(client, auth, world["supervisor"], **query(world))

    assert sorted(ids(rv)) == sorted(str(world[name].id) for name in expected)


def test_queue_filters_by_day_range(client, auth, world, session, make):
    old_visit = make.visit(world["rep"], world["store"], at=now() - timedelta(days=10))
    old = stored_photo(session, old_visit)
    day = old_visit.local_day

    rv = queue(client, auth, world["supervisor"], from_day=str(day), to_day=str(day))

    assert ids(rv) == [str(old.id)]


@pytest.mark.parametrize(
    "query",
    [
        {"kind": "selfie"},
        {"status": "maybe"},
        {"flagged": "perhaps"},
        {"rep_id": "nope"},
        {"from_day": "2026-11-23", "to_day": "2026-11-01"},
        {"from_day": "0001-01-01"},
        {"page_size": "1000"},
    ],
)
def test_bad_queue_arguments_are_422(client, auth, world, query):
    rv = queue(client, auth, world["supervisor"], **query)

    assert rv.status_code == 422
    assert rv.mimetype == "application/problem+json"


# --- scope -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("supervisor", {"photo", "teammate_photo"}),
        ("other_supervisor", {"other_photo"}),
        ("rep", {"photo"}),
        ("admin", {"photo", "teammate_photo", "other_photo"}),
        ("dealer_user", set()),
    ],
)
def test_queue_shows_each_role_exactly_its_scope(client, auth, world, who, visible):
    rv = queue(client, auth, world[who])

    assert set(ids(rv)) == {str(world[name].id) for name in visible}


def test_supervisor_never_gets_another_teams_photo_or_its_urls(client, auth, world):
    headers = auth.headers(world["supervisor"])
    other = world["other_photo"]
    key, other_visit, other_rep = other.object_key, world["other_visit"].id, world["other_rep"].id

    by_id = client.get(f"/api/v1/photos/{other.id}", headers=headers)
    by_visit = client.get(f"/api/v1/visits/{other_visit}/photos", headers=headers)
    filtered = client.get("/api/v1/photos", query_string={"rep_id": other_rep}, headers=headers)

    assert by_id.status_code == 404
    assert key not in by_id.get_data(as_text=True)
    assert by_visit.status_code == 404
    assert filtered.json == []


@pytest.mark.parametrize(
    ("who", "target", "status"),
    [
        ("rep", "photo", 200),
        ("rep", "teammate_photo", 404),
        ("supervisor", "teammate_photo", 200),
        ("supervisor", "other_photo", 404),
        ("admin", "other_photo", 200),
        ("dealer_user", "photo", 404),
    ],
)
def test_read_photo_by_role(client, auth, world, who, target, status):
    rv = client.get(f"/api/v1/photos/{world[target].id}", headers=auth.headers(world[who]))

    assert rv.status_code == status


def test_unknown_photo_is_404(client, auth, world):
    rv = client.get(f"/api/v1/photos/{uuid.uuid4()}", headers=auth.headers(world["admin"]))

    assert rv.status_code == 404
    assert rv.json["type"] == "/problems/photo-not-found"


# --- review ----------------------------------------------------------------------------------


def test_approve_with_a_compliance_score(client, auth, world):
    rv = review(client, auth, world["supervisor"], world["photo"], compliance_score=85)

    assert rv.status_code == 200
    assert rv.json["review_status"] == "approved"
    assert rv.json["compliance_score"] == 85
    assert [r["decision"] for r in rv.json["reviews"]] == ["approve"]
    assert rv.json["reviews"][0]["reviewer_id"] == str(world["supervisor"].id)


def test_every_decision_is_kept_and_the_last_one_counts(client, auth, world, session):
    sup, photo = world["supervisor"], world["photo"]
    review(client, auth, sup, photo, decision="retake", comment="Too dark")
    review(client, auth, sup, photo, decision="approve", compliance_score=70)

    rv = client.get(f"/api/v1/photos/{photo.id}", headers=auth.headers(world["admin"]))

    assert rv.json["review_status"] == "approved"
    assert [(r["decision"], r["comment"]) for r in rv.json["reviews"]] == [
        ("retake", "Too dark"),
        ("approve", None),
    ]


def test_the_rep_sees_the_feedback_on_the_visit(client, auth, world):
    review(
        client,
        auth,
        world["supervisor"],
        world["photo"],
        decision="reject",
        compliance_score=20,
        comment="Competitor display covers our POP",
    )

    rv = client.get(
        f"/api/v1/visits/{world['visit'].id}/photos", headers=auth.headers(world["rep"])
    )

    assert rv.status_code == 200
    [photo] = rv.json
    assert photo["review_status"] == "rejected"
    assert photo["compliance_score"] == 20
    assert photo["review_comment"] == "Competitor display covers our POP"
    assert photo["flags"] is None


@pytest.mark.parametrize(
    ("who", "target", "status"),
    [
        ("rep", "photo", 403),  # their own photo: they see it, may not review it
        ("rep", "other_photo", 404),
        ("dealer_user", "photo", 404),
        ("supervisor", "other_photo", 404),
        ("other_supervisor", "other_photo", 200),
        ("admin", "photo", 200),
    ],
)
def test_who_may_review(client, auth, world, session, who, target, status):
    rv = review(client, auth, world[who], world[target], compliance_score=50)

    assert rv.status_code == status
    reviews = session.scalar(select(func.count()).select_from(PhotoReview))
    assert reviews == (1 if status == 200 else 0)


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"decision": "maybe"}, "json.decision"),
        ({"compliance_score": 101}, "json.compliance_score"),
        ({"compliance_score": -1}, "json.compliance_score"),
        ({"compliance_score": "80"}, "json.compliance_score"),
        ({"decision": "reject"}, "json.comment"),
        ({"decision": "retake", "comment": "  "}, "json.comment"),
        ({"comment": "x" * 2001}, "json.comment"),
        ({"verdict": "approve"}, "json.verdict"),
    ],
)
def test_bad_reviews_are_422_and_change_nothing(client, auth, world, session, body, path):
    photo_id = world["photo"].id

    rv = review(client, auth, world["supervisor"], world["photo"], **body)

    assert rv.status_code == 422
    assert path in [e["path"] for e in rv.json["errors"]]
    assert session.get(Photo, photo_id).review_status is ReviewStatus.PENDING
    assert session.scalar(select(func.count()).select_from(PhotoReview)) == 0


def test_rep_is_refused_before_the_body_is_read(client, auth, world):
    rv = review(client, auth, world["rep"], world["photo"], decision="maybe")

    assert rv.status_code == 403


@pytest.mark.parametrize("status", [PhotoStatus.PENDING, PhotoStatus.REJECTED])
def test_a_photo_not_verified_cannot_be_reviewed(client, auth, world, session, status):
    photo = stored_photo(session, world["visit"], status=status)

    rv = review(client, auth, world["supervisor"], photo)

    assert rv.status_code == 409
    assert rv.json["type"] == "/problems/photo-not-reviewable"


def test_stale_if_match_is_412(client, auth, world):
    photo = world["photo"]
    etag = client.get(f"/api/v1/photos/{photo.id}", headers=auth.headers(world["admin"])).headers[
        "ETag"
    ]
    review(client, auth, world["admin"], photo)

    rv = client.post(
        f"/api/v1/photos/{photo.id}/review",
        json={"decision": "approve"},
        headers=auth.headers(world["supervisor"], **{"If-Match": etag}),
    )

    assert rv.status_code == 412


def test_visit_photos_lists_every_state_in_the_order_taken(client, auth, world, session):
    visit = world["visit"]
    pending = stored_photo(
        session, visit, status=PhotoStatus.PENDING, taken_at=visit.checked_in_at - timedelta(1)
    )

    rv = client.get(f"/api/v1/visits/{visit.id}/photos", headers=auth.headers(world["rep"]))

    assert [p["id"] for p in rv.json] == [str(pending.id), str(world["photo"].id)]
    assert rv.json[0]["url"] is None  # nothing stored yet, nothing to download
