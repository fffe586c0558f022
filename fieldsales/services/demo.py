"""The demo city: a believable Shanghai sales force for `make run`, the docs and benchmarks.

Stores sit along real streets of real districts within about 30 x 30 km of People's Square,
shop fronts on both sides of each street, so routes look like routes. Two teams split the
city west/east; each rep's territory is a compact block of stores (recursive bisection),
and each rep lives near it. Grades, owner windows, dwell times and credit follow how stores
of that size behave.

Deterministic from the seed: the same seed gives the same stores, codes, coordinates and
ids; `today` only moves the dates (price changes, promotions). Rows go in as bulk inserts and
each role's password is hashed once (argon2 is slow on purpose), so a full city takes about
a second.
"""

from __future__ import annotations

import math
import random
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from fieldsales.db.models import (
    Dealer,
    Price,
    Product,
    Promotion,
    PromotionGift,
    Store,
    Team,
    User,
)
from fieldsales.domain.types import GiftAllocation, Grade, PaymentTerms, Role
from fieldsales.security import hash_password
from fieldsales.services.demo_history import load_visit_history
from fieldsales.services.demo_reorders import load_demo_reorders
from fieldsales.services.demo_routes import load_demo_plans

CITY_TIMEZONE = "Asia/Shanghai"
CENTRE = (31.2304, 121.4737)  # People's Square
HALF_SPAN_M = 15_000  # the city box: 30 x 30 km around the centre
METRES_PER_DEG_LAT = 111_320.0
T = TypeVar("T")
MIN_STORES = 12  # one per rep at least

ADMIN_USERNAME = "admin"
# Documented demo logins (README): one password per role.
PASSWORDS = {
    Role.ADMIN: "admin-demo-pass",
    Role.SUPERVISOR: "sup-demo-pass",
    Role.REP: "rep-demo-pass",
    Role.DEALER: "dealer-demo-pass",
}
REPS_PER_TEAM = 6

# --- the city ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """A shopping area: a real district centre and some of its real streets."""

    abbr: str
    district: str
    lat: float
    lon: float
    region: str  # the dealer region that supplies it
    weight: int  # share of the city's stores
    streets: tuple[str, ...]


# abbr, district, centre lat/lon, dealer region, weight, streets
AREAS_TABLE = """
HP 黄浦区   31.2317 121.4846 central 10 南京东路 淮海中路 西藏南路 复兴中路 河南南路
JA 静安区   31.2286 121.4479 central 10 南京西路 延安中路 常德路 江宁路 北京西路
XH 徐汇区   31.1885 121.4365 west    10 漕溪北路 肇嘉浜路 天钥桥路 衡山路 龙华中路
CN 长宁区   31.2204 121.4246 west     8 长宁路 天山路 仙霞路 愚园路 虹桥路
QB 闵行区   31.1550 121.3520 west     6 七莘路 漕宝路 新镇路 富强街
XZ 闵行区   31.1115 121.3850 west     5 莘松路 沪闵路 春申路 莘建路
PT 普陀区   31.2497 121.3975 north    8 曹杨路 武宁路 真北路 中山北路 长寿路
HK 虹口区   31.2646 121.5052 north    8 四川北路 西江湾路 曲阳路 大连西路
YP 杨浦区   31.2990 121.5140 north    8 淞沪路 国定路 黄兴路 控江路 四平路
DC 宝山区   31.3100 121.4150 north    5 场中路 环镇北路 沪太路 汶水路
GJ 宝山区   31.3230 121.4880 north    4 殷高西路 逸仙路 水产路 江杨南路
LJ 浦东新区 31.2397 121.4998 east     8 浦东南路 世纪大道 东方路 张杨路 浦电路
HM 浦东新区 31.2156 121.5513 east     6 锦绣路 芳甸路 花木路 梅花路
ZJ 浦东新区 31.2039 121.5907 east     6 张江路 科苑路 碧波路 祖冲之路
JQ 浦东新区 31.2620 121.5900 east     5 金桥路 新金桥路 金高路 博兴路
SL 浦东新区 31.1480 121.5050 east     5 上南路 三林路 东明路 杨思路
"""


def _areas(table: str) -> tuple[Area, ...]:
    areas = []
    for line in table.strip().splitlines():
        abbr, district, lat, lon, region, weight, *streets = line.split()
        areas.append(
            Area(abbr, district, float(lat), float(lon), region, int(weight), tuple(streets))
        )
    return tuple(areas)


AREAS = _areas(AREAS_TABLE)

DEALERS = (
    ("DL-C", "上海申城商贸有限公司", "central", 1, "800.00", "陈建国"),
    ("DL-W", "上海虹西食品贸易有限公司", "west", 2, "1000.00", "周丽华"),
    ("DL-N", "上海北联副食品批发有限公司", "north", 2, "600.00", "吴志强"),
    ("DL-E", "上海浦东鑫达商贸有限公司", "east", 3, "1500.00", "林海燕"),
)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋"
    "余于杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛闫段雷"
)
GIVEN_NAMES = (
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 霞 平 刚 桂英 建华 志明 海燕 晓东"
).split()

# Store kinds: names, opening hours, and how likely each grade is to be one.
CONVENIENCE, GROCERY, SUPERMARKET = "convenience", "grocery", "supermarket"
KIND_BY_GRADE: dict[Grade, tuple[tuple[int, str], ...]] = {
    Grade.A: ((50, SUPERMARKET), (40, CONVENIENCE), (10, GROCERY)),
    Grade.B: ((15, SUPERMARKET), (55, CONVENIENCE), (30, GROCERY)),
    Grade.C: ((5, SUPERMARKET), (40, CONVENIENCE), (55, GROCERY)),
}
CONVENIENCE_BRANDS = ("佳家便利", "邻里便利", "优选便利", "万家便利", "鑫鑫便利", "快乐便利")
SUPERMARKET_BRANDS = ("联惠超市", "百佳乐超市", "家和超市", "惠民超市", "金桥生活超市")
GROCERY_NAMES = ("{s}记食品商行", "{s}氏烟杂店", "{s}家副食店", "{s}记粮油店", "{s}记便民商店")

GRADE_SHARE = ((Grade.A, 0.2), (Grade.B, 0.4), (Grade.C, 0.4))
DWELL_MINUTES = {Grade.A: (30, 35, 40, 45), Grade.B: (20, 25, 30), Grade.C: (10, 15, 20)}
APPOINTMENT_CHANCE = {Grade.A: 0.30, Grade.B: 0.15, Grade.C: 0.08}  # ~15% of all stores
MONTHLY_CHANCE = {Grade.A: 0.85, Grade.B: 0.60, Grade.C: 0.25}
CREDIT_LIMIT_RANGE = {Grade.A: (30, 80), Grade.B: (10, 30), Grade.C: (3, 10)}  # thousand CNY
COMPETITOR_NOTES = (
    "竞品在入口处有堆头 (competitor floor stack at the entrance)",
    "竞品冰柜占了收银台旁的位置 (competitor fridge next to the till)",
    "老板更愿意进价格低的货, 要多讲促销 (price-driven owner: explain promotions)",
    "周末客流大, 周五前要补货 (busy weekends: restock by Friday)",
    "店员流动大, 每次都要重新培训 (staff turnover: retrain each visit)",
)

MON_FRI, MON_SAT, DAILY, SAT, SUN = range(5), range(6), range(7), range(5, 6), range(6, 7)
# (share, windows as (weekdays, start, end)): owners are free early morning and after
# lunch; some only in the evening, some in a quiet mid-afternoon.
OWNER_WINDOW_PATTERNS: tuple[tuple[int, tuple[tuple[range, str, str], ...]], ...] = (
    (45, ((MON_FRI, "09:00", "09:30"), (MON_FRI, "13:00", "13:30"))),
    (15, ((MON_FRI, "09:00", "09:30"),)),
    (10, ((MON_FRI, "13:00", "13:30"),)),
    (10, ((MON_FRI, "09:00", "09:30"), (MON_FRI, "13:00", "13:30"), (SAT, "10:00", "10:30"))),
    (12, ((MON_FRI, "19:00", "19:30"),)),
    (8, ((MON_SAT, "14:00", "15:00"),)),
)
OPENING_HOURS = {
    CONVENIENCE: ((DAILY, "07:00", "23:00"),),
    SUPERMARKET: ((DAILY, "08:30", "21:30"),),
    GROCERY: ((MON_SAT, "08:00", "20:00"), (SUN, "09:00", "18:00")),
}

# --- the catalogue -----------------------------------------------------------------------

# "[category PREFIX]" starts a block; then "case pack, unit price, name" per product.
CATALOGUE_TABLE = """
[beverages BEV]
15  3.50 茉莉花茶 Jasmine Green Tea 500ml
15  3.50 冰红茶 Iced Black Tea 500ml
15  4.00 乌龙茶 Oolong Tea 500ml
15  3.50 绿茶 Green Tea 500ml
15  4.00 柠檬茶 Lemon Tea 500ml
15  4.50 大麦茶 Barley Tea 500ml
24  3.00 可乐 Cola 330ml can
24  3.50 橙味汽水 Orange Soda 500ml
24  2.00 饮用天然水 Mineral Water 550ml
12  4.00 饮用天然水 Mineral Water 1.5L
24  4.50 椰子汁 Coconut Milk Drink 245ml
24  4.50 凉茶 Herbal Tea 310ml can
15  6.50 即饮咖啡 Iced Coffee 280ml
24  6.00 功能饮料 Energy Drink 250ml can
24  4.00 苏打水 Soda Water 410ml
12  5.50 冰红茶 Iced Black Tea 1L
[noodles NDL]
24  3.00 红烧牛肉面 Braised Beef Noodles bag
12  4.50 红烧牛肉面 Braised Beef Noodles cup
 6 13.50 红烧牛肉面 Braised Beef Noodles 5-pack
24  3.00 老坛酸菜牛肉面 Pickled Cabbage Beef Noodles bag
12  4.50 老坛酸菜牛肉面 Pickled Cabbage Beef Noodles cup
24  3.00 香辣牛肉面 Spicy Beef Noodles bag
24  3.00 香菇炖鸡面 Mushroom Chicken Noodles bag
12  5.00 海鲜面 Seafood Noodles cup
12  5.00 番茄鸡蛋面 Tomato Egg Noodles cup
24  3.50 鲜虾鱼板面 Shrimp Noodles bag
12  5.50 大桶牛肉面 Big Bowl Beef Noodles
12  6.00 拌面 Dry Noodles with Sauce
[snacks SNK]
24  6.50 薯片 原味 Potato Chips Original 70g
24  6.50 薯片 黄瓜味 Potato Chips Cucumber 70g
24  6.50 薯片 番茄味 Potato Chips Tomato 70g
40  5.00 海苔 Seaweed Snack 10g
12  9.90 苏打饼干 Soda Crackers 400g
24  4.50 夹心饼干 Sandwich Cookies 97g
20  8.50 威化饼 Wafers 200g
40  3.00 辣条 Spicy Gluten Strips 106g
30  7.50 瓜子 Sunflower Seeds 160g
30  8.00 花生 Roasted Peanuts 200g
24  7.00 沙琪玛 Sachima 160g
12  9.50 蛋黄派 Egg Yolk Pie 6 pcs
[dairy DRY]
24  3.00 纯牛奶 Pure Milk 250ml
12 12.00 纯牛奶 Pure Milk 1L
16  5.50 原味酸奶 Yogurt 200g
10  9.00 乳酸菌饮料 Probiotic Drink 5x100ml
24  3.50 早餐奶 Breakfast Milk 250ml
15  5.00 奶茶 Milk Tea 500ml
20  4.00 核桃奶 Walnut Milk 240ml
24  3.00 豆奶 Soy Milk 250ml
[personal-care PCR]
12 29.90 洗发水 Shampoo 400ml
12 32.90 沐浴露 Body Wash 720ml
36 12.50 牙膏 Toothpaste 120g
48  8.90 牙刷 Toothbrush
12 15.90 抽纸 Facial Tissue 3-pack
 6 26.90 卷纸 Toilet Roll 10-pack
24  9.90 湿巾 Wet Wipes 80 pcs
[household HHD]
12 11.90 洗洁精 Dish Soap 1.1kg
 8 19.90 洗衣粉 Laundry Powder 1.7kg
 6 32.90 洗衣液 Laundry Liquid 2kg
12 14.50 消毒液 Disinfectant 1L
24  7.90 垃圾袋 Trash Bags 50 pcs
[condiments CND]
12  9.50 生抽 Light Soy Sauce 500ml
12 10.50 老抽 Dark Soy Sauce 500ml
12  8.50 香醋 Black Vinegar 500ml
12 12.90 蚝油 Oyster Sauce 510g
 4 69.90 食用油 Cooking Oil 5L
24  9.90 鸡精 Chicken Bouillon 200g
"""


@dataclass(frozen=True)
class CatalogueItem:
    sku: str
    name: str
    category: str
    case_pack: int
    unit_price: Decimal


def _catalogue_items(table: str) -> tuple[CatalogueItem, ...]:
    items: list[CatalogueItem] = []
    category = prefix = ""
    for line in table.strip().splitlines():
        if line.startswith("["):
            category, prefix = line.strip("[]").split()
            number = 0
            continue
        case_pack, price, name = line.split(maxsplit=2)
        number += 1
        sku = f"{prefix}-{number:03d}"
        items.append(CatalogueItem(sku, name, category, int(case_pack), Decimal(price)))
    return tuple(items)


CATALOGUE = _catalogue_items(CATALOGUE_TABLE)
PRICE_RISE_CHANCE = 0.3  # products whose price went up in the last months
SCHEDULED_RISES = 3  # products with a price rise announced for two weeks from today


@dataclass
class DemoCity:
    """Rows ready for bulk insert (dicts keyed by model attribute), and what the summary
    says about them."""

    users: list[dict[str, Any]] = field(default_factory=list)  # password_hash filled at load
    teams: list[dict[str, Any]] = field(default_factory=list)
    dealers: list[dict[str, Any]] = field(default_factory=list)
    stores: list[dict[str, Any]] = field(default_factory=list)
    products: list[dict[str, Any]] = field(default_factory=list)
    prices: list[dict[str, Any]] = field(default_factory=list)
    promotions: list[dict[str, Any]] = field(default_factory=list)


HISTORY_WEEKS = 8

# --- use case ----------------------------------------------------------------------------


def load_demo(session: Session, *, seed: int, today: date, store_count: int = 420) -> str:
    """Load the demo city unless it is there (the demo admin exists); returns a summary
    with the demo logins. Flushes, never commits."""
    if session.scalar(select(User.id).where(User.username == ADMIN_USERNAME)) is not None:
        return f"Demo data already loaded (user '{ADMIN_USERNAME}' exists); nothing changed."
    city = build_demo_city(seed=seed, today=today, store_count=store_count)
    hashes = {role: hash_password(password) for role, password in PASSWORDS.items()}
    for user in city.users:
        user["password_hash"] = hashes[user["role"]]
    # Order follows the foreign keys: supervisors before teams, teams before reps, reps and
    # dealers before stores.
    people = [u for u in city.users if u["role"] in (Role.ADMIN, Role.SUPERVISOR)]
    others = [u for u in city.users if u["role"] not in (Role.ADMIN, Role.SUPERVISOR)]
    for model, rows in (
        (User, people),
        (Dealer, city.dealers),
        (Team, city.teams),
        (User, others),
        (Store, city.stores),
        (Product, city.products),
        (Price, city.prices),
    ):
        session.execute(insert(model), rows)
    session.add_all(_promotion_objects(session, city.promotions))
    session.flush()
    # History reads the stores, reps and products flushed above back from the database.
    history = load_visit_history(session, seed=seed, weeks=HISTORY_WEEKS, today=today)
    # Orders as of the start of today (UTC): the history ends before today.
    start_of_today = datetime.combine(today, time(0), tzinfo=UTC)
    orders = load_demo_reorders(session, seed=seed, now=start_of_today)
    # Plans after orders: pending reorders raise a store's priority.
    plans = load_demo_plans(session, today=today)
    return f"{summary(city, seed=seed)}\n{history}\n{orders}\n{plans}"


def build_demo_city(*, seed: int, today: date, store_count: int = 420) -> DemoCity:
    """The whole city as rows, without a database (deterministic from `seed`)."""
    if store_count < MIN_STORES:
        raise ValueError(f"store_count must be at least {MIN_STORES} (one per rep).")
    rng = random.Random(seed)
    city = DemoCity()
    city.dealers = _dealers(rng)
    dealer_ids = {d["region"]: d["id"] for d in city.dealers}
    city.stores = _stores(rng, store_count, dealer_ids)
    city.users, city.teams = _people(rng, city.stores, city.dealers)
    city.products, city.prices = _catalogue(rng, today)
    city.promotions = _promotions(rng, today, city.stores, city.products)
    return city


def new_id(rng: random.Random) -> uuid.UUID:
    """A UUID4 drawn from the seeded generator: same seed, same ids."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)


# --- stores ------------------------------------------------------------------------------


def _dealers(rng: random.Random) -> list[dict[str, Any]]:
    return [
        {
            "id": new_id(rng),
            "code": code,
            "name": name,
            "region": region,
            "lead_time_days": lead_time,
            "minimum_order": Decimal(minimum),
            "contact_name": contact,
            "contact_phone": _mobile(rng),
            "contact_email": f"orders@{code.lower()}.example.com",
        }
        for code, name, region, lead_time, minimum, contact in DEALERS
    ]


def _stores(
    rng: random.Random, count: int, dealer_ids: dict[str, uuid.UUID]
) -> list[dict[str, Any]]:
    grades = _exact_shares(rng, count)
    stores = []
    for area, area_count in zip(AREAS, _apportion(count, [a.weight for a in AREAS]), strict=True):
        street_counts = _apportion(area_count, [rng.randint(2, 5) for _ in area.streets])
        number = 0
        for street, n in zip(area.streets, street_counts, strict=True):
            for lat, lon, house in _along_street(rng, area, n):
                number += 1
                grade = grades.pop()
                stores.append(_store(rng, area, street, house, lat, lon, grade, number, dealer_ids))
    return stores


def _exact_shares(rng: random.Random, count: int) -> list[Grade]:
    """Grades in exactly the target shares (20/40/40), in random order."""
    counts = _apportion(count, [int(share * 100) for _g, share in GRADE_SHARE])
    grades = [g for (g, _s), n in zip(GRADE_SHARE, counts, strict=True) for _ in range(n)]
    rng.shuffle(grades)
    return grades


def _apportion(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainder, so it sums exactly)."""
    raw = [total * w / sum(weights) for w in weights]
    counts = [math.floor(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _along_street(rng: random.Random, area: Area, n: int) -> list[tuple[float, float, int]]:
    """n shop fronts along a 1-3 km street near the area centre; Shanghai's streets run
    roughly north-south or east-west. Returns (lat, lon, house number)."""
    (centre_n, centre_e), (dn, de) = _offset_m(area), _jitter(rng, 1200)
    start_n, start_e = centre_n + dn, centre_e + de
    bearing = math.radians(rng.choice((0, 90)) + rng.uniform(-15, 15))
    length = rng.uniform(1000, 3000)
    fronts = []
    for t in sorted(rng.random() for _ in range(n)):
        side = rng.choice((-1, 1))  # odd numbers one side, even the other
        north = (
            start_n + t * length * math.cos(bearing) + side * rng.gauss(15, 4) * math.sin(bearing)
        )
        east = (
            start_e + t * length * math.sin(bearing) - side * rng.gauss(15, 4) * math.cos(bearing)
        )
        lat, lon = _to_degrees(_clamp(north), _clamp(east))
        fronts.append((lat, lon, 2 * int(t * 800) + (1 if side > 0 else 2)))
    return fronts


def _offset_m(area: Area) -> tuple[float, float]:
    """The area centre in metres north and east of the city centre."""
    north = (area.lat - CENTRE[0]) * METRES_PER_DEG_LAT
    east = (area.lon - CENTRE[1]) * METRES_PER_DEG_LAT * math.cos(math.radians(CENTRE[0]))
    return north, east


def _jitter(rng: random.Random, radius_m: float) -> tuple[float, float]:
    angle, r = rng.uniform(0, 2 * math.pi), radius_m * math.sqrt(rng.random())
    return r * math.cos(angle), r * math.sin(angle)


def _clamp(metres: float) -> float:
    return max(-HALF_SPAN_M, min(HALF_SPAN_M, metres))


def _to_degrees(north_m: float, east_m: float) -> tuple[float, float]:
    lat = CENTRE[0] + north_m / METRES_PER_DEG_LAT
    lon = CENTRE[1] + east_m / (METRES_PER_DEG_LAT * math.cos(math.radians(CENTRE[0])))
    return round(lat, 6), round(lon, 6)  # ~0.1 m: what a phone's GPS can tell anyway


def _store(
    rng: random.Random,
    area: Area,
    street: str,
    house: int,
    lat: float,
    lon: float,
    grade: Grade,
    number: int,
    dealer_ids: dict[str, uuid.UUID],
) -> dict[str, Any]:
    kind = _weighted(rng, KIND_BY_GRADE[grade])
    monthly = rng.random() < MONTHLY_CHANCE[grade]
    credit_limit, balance = _credit(rng, grade, monthly)
    return {
        "id": new_id(rng),
        "code": f"SH-{area.abbr}-{number:03d}",
        "name": _store_name(rng, kind, street),
        "address": f"上海市{area.district}{street}{house}号",
        "region": area.region,
        "lat": lat,
        "lon": lon,
        "timezone": CITY_TIMEZONE,
        "grade": grade,
        "owner_windows": _windows(_weighted(rng, OWNER_WINDOW_PATTERNS)),
        "opening_hours": _windows(OPENING_HOURS[kind]),
        "dwell_minutes": rng.choice(DWELL_MINUTES[grade]),
        "appointment_required": rng.random() < APPOINTMENT_CHANCE[grade],
        "geofence_radius_m": 200 if kind == SUPERMARKET else rng.choice((100, 120, 150)),
        "dealer_id": dealer_ids[area.region],
        "owner_name": _person_name(rng),
        "phone": _landline(rng) if rng.random() < 0.6 else _mobile(rng),
        "payment_terms": PaymentTerms.MONTHLY if monthly else PaymentTerms.PREPAID,
        "credit_limit": credit_limit,
        "balance_owed": balance,
        "notes": rng.choice(COMPETITOR_NOTES) if rng.random() < 0.2 else None,
    }


def _store_name(rng: random.Random, kind: str, street: str) -> str:
    if kind == CONVENIENCE:
        return f"{rng.choice(CONVENIENCE_BRANDS)} ({street}店)"
    if kind == SUPERMARKET:
        return f"{rng.choice(SUPERMARKET_BRANDS)} ({street}店)"
    return rng.choice(GROCERY_NAMES).format(s=rng.choice(SURNAMES))


def _weighted(rng: random.Random, options: Sequence[tuple[int, T]]) -> T:
    """One option, drawn in proportion to its weight."""
    return rng.choices([o for _w, o in options], [w for w, _o in options])[0]


def _windows(spec: tuple[tuple[range, str, str], ...]) -> list[dict[str, Any]]:
    windows = [
        {"weekday": day, "start": start, "end": end} for days, start, end in spec for day in days
    ]
    return sorted(windows, key=lambda w: (w["weekday"], w["start"]))


def _credit(rng: random.Random, grade: Grade, monthly: bool) -> tuple[Decimal, Decimal]:
    """Monthly-settlement stores have a limit and usually owe part of it; a few owe more
    than the limit (where bad debt starts). Prepaid stores owe nothing."""
    if not monthly:
        return Decimal("0.00"), Decimal("0.00")
    low, high = CREDIT_LIMIT_RANGE[grade]
    limit = Decimal(rng.randint(low, high) * 1000).quantize(Decimal("0.01"))
    used = rng.uniform(1.02, 1.2) if rng.random() < 0.04 else rng.uniform(0, 0.7)
    return limit, (limit * Decimal(str(round(used, 4)))).quantize(Decimal("0.01"))


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)


def _landline(rng: random.Random) -> str:
    return f"+86 21 {rng.randint(5000, 6999)} {rng.randint(0, 9999):04d}"


def _mobile(rng: random.Random) -> str:
    prefix = rng.choice(("135", "136", "138", "139", "150", "158", "186", "189"))
    return f"+86 {prefix} {rng.randint(0, 9999):04d} {rng.randint(0, 9999):04d}"


# --- people ------------------------------------------------------------------------------


def _people(
    rng: random.Random, stores: list[dict[str, Any]], dealers: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Admin, two teams (west and east of the median longitude) each with a supervisor and
    six reps, and one user per dealer. Assigns each store its rep."""
    users: list[dict[str, Any]] = [_user(rng, ADMIN_USERNAME, "系统管理员 Admin", Role.ADMIN)]
    teams = []
    by_lon = sorted(stores, key=lambda s: (s["lon"], s["code"]))
    halves = (by_lon[: len(by_lon) // 2], by_lon[len(by_lon) // 2 :])
    for t, (team_name, half) in enumerate(
        zip(("Team West 浦西", "Team East 浦东"), halves, strict=True)
    ):
        supervisor = _user(rng, f"sup{t + 1}", _person_name(rng), Role.SUPERVISOR)
        team = {"id": new_id(rng), "name": team_name, "supervisor_id": supervisor["id"]}
        users.append(supervisor)
        teams.append(team)
        for r, territory in enumerate(_territories(half), start=t * REPS_PER_TEAM + 1):
            home_lat, home_lon = _home(rng, territory)
            rep = _user(
                rng,
                f"rep{r:02d}",
                _person_name(rng),
                Role.REP,
                team_id=team["id"],
                home_lat=home_lat,
                home_lon=home_lon,
            )
            users.append(rep)
            for store in territory:
                store["rep_id"] = rep["id"]
    for d, dealer in enumerate(dealers, start=1):
        users.append(
            _user(rng, f"dealer{d}", dealer["contact_name"], Role.DEALER, dealer_id=dealer["id"])
        )
    return users, teams


def _user(
    rng: random.Random, username: str, display_name: str, role: Role, **extra: Any
) -> dict[str, Any]:
    return {
        "id": new_id(rng),
        "username": username,
        "display_name": display_name,
        "role": role,
        "phone": _mobile(rng),
        **extra,
    }


def _territories(stores: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Six compact blocks of equal size: split south/north at the median latitude, then
    each half into three by longitude (recursive bisection keeps territories contiguous)."""
    by_lat = sorted(stores, key=lambda s: (s["lat"], s["code"]))
    south, north = by_lat[: len(by_lat) // 2], by_lat[len(by_lat) // 2 :]
    return [
        block
        for half in (south, north)
        for block in _chunks(sorted(half, key=lambda s: (s["lon"], s["code"])), 3)
    ]


def _chunks(items: list[Any], parts: int) -> list[list[Any]]:
    sizes = _apportion(len(items), [1] * parts)
    bounds = [sum(sizes[:i]) for i in range(parts + 1)]
    return [items[bounds[i] : bounds[i + 1]] for i in range(parts)]


def _home(rng: random.Random, territory: list[dict[str, Any]]) -> tuple[float, float]:
    """Reps live near their stores: the territory's middle, give or take a kilometre."""
    lat = sum(s["lat"] for s in territory) / len(territory)
    lon = sum(s["lon"] for s in territory) / len(territory)
    centre_n = (lat - CENTRE[0]) * METRES_PER_DEG_LAT
    centre_e = (lon - CENTRE[1]) * METRES_PER_DEG_LAT * math.cos(math.radians(CENTRE[0]))
    dn, de = _jitter(rng, 1000)
    return _to_degrees(_clamp(centre_n + dn), _clamp(centre_e + de))


# --- catalogue and promotions ------------------------------------------------------------


def _catalogue(
    rng: random.Random, today: date
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Products with a year-old list price; some went up since, a few go up soon."""
    products, prices = [], []
    for item in CATALOGUE:
        product = {
            "id": new_id(rng),
            "sku": item.sku,
            "name": item.name,
            "category": item.category,
            "case_pack": item.case_pack,
        }
        products.append(product)
        prices.append(_price(rng, product, item.unit_price, today - timedelta(days=365)))
        if rng.random() < PRICE_RISE_CHANCE:
            risen = _risen(rng, item.unit_price)
            days_ago = rng.randint(20, 150)
            prices.append(_price(rng, product, risen, today - timedelta(days=days_ago)))
    for product in rng.sample(products, SCHEDULED_RISES):
        current = max(
            (p for p in prices if p["product_id"] == product["id"]), key=lambda p: p["valid_from"]
        )
        risen = _risen(rng, current["unit_price"])
        prices.append(_price(rng, product, risen, today + timedelta(days=14)))
    return products, prices


def _risen(rng: random.Random, price: Decimal) -> Decimal:
    """5-12% dearer, rounded to 10 fen as shelf prices are."""
    return (price * Decimal(str(round(rng.uniform(1.05, 1.12), 3)))).quantize(Decimal("0.1"))


def _price(
    rng: random.Random, product: dict[str, Any], unit_price: Decimal, valid_from: date
) -> dict[str, Any]:
    return {
        "id": new_id(rng),
        "product_id": product["id"],
        "unit_price": unit_price.quantize(Decimal("0.01")),
        "valid_from": valid_from,
    }


def _promotions(
    rng: random.Random,
    today: date,
    stores: list[dict[str, Any]],
    products: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """A running, a starting, an upcoming and a finished promotion, with gifts."""

    def skus(*prefixes: str) -> list[uuid.UUID]:
        return [p["id"] for p in products if p["sku"].startswith(prefixes)]

    teas = [p["id"] for p in products if p["sku"].startswith("BEV") and "Tea" in p["name"]]
    a_stores = [s["id"] for s in stores if s["grade"] is Grade.A]

    def day(offset: int) -> date:
        return today + timedelta(days=offset)

    return [
        {
            "id": new_id(rng),
            "name": "夏日茶饮 买十送一 Summer tea: buy 10 get 1",
            "mechanics": "Buy 10 cases of any tea, get 1 case free; display stand for A stores.",
            "starts_on": day(-10),
            "ends_on": day(20),
            "expected_uplift": 1.4,
            "product_ids": teas,
            "grades": ["A", "B"],
            "gifts": [
                ("品牌冰箱贴 Fridge magnets", 2000, day(-12), GiftAllocation.EQUAL),
                ("展示堆头架 Display stand", 60, day(3), GiftAllocation.BY_GRADE),
            ],
        },
        {
            "id": new_id(rng),
            "name": "方便面整箱特价 Noodle case deal",
            "mechanics": "8% off any full case of noodles; sample packs to hand out.",
            "starts_on": day(-3),
            "ends_on": day(25),
            "expected_uplift": 1.25,
            "product_ids": skus("NDL"),
            "regions": ["north", "east"],
            "gifts": [("试吃装 Sample packs", 3000, day(2), GiftAllocation.BY_SALES)],
        },
        {
            "id": new_id(rng),
            "name": "新品乳饮上市 New dairy launch",
            "mechanics": "Listing fee waived for the new dairy range; tasting at the store.",
            "starts_on": day(5),
            "ends_on": day(40),
            "expected_uplift": 1.6,
            "product_ids": skus("DRY"),
            "store_ids": rng.sample(a_stores, min(40, len(a_stores))),
            "gifts": [("试饮杯 Tasting cups", 5000, day(4), GiftAllocation.MANUAL)],
        },
        {
            "id": new_id(rng),
            "name": "春节礼盒 Spring Festival gift packs",
            "mechanics": "Snack gift boxes at a bundle price.",
            "starts_on": day(-90),
            "ends_on": day(-60),
            "expected_uplift": 1.3,
            "product_ids": skus("SNK"),
            "gifts": [("红包袋 Red envelopes", 10000, day(-95), GiftAllocation.EQUAL)],
        },
    ]


def _promotion_objects(session: Session, specs: list[dict[str, Any]]) -> list[Promotion]:
    """Promotions are few and have collections, so they go in as ORM objects."""
    wanted_products = {pid for spec in specs for pid in spec["product_ids"]}
    wanted_stores = {sid for spec in specs for sid in spec.get("store_ids", [])}
    products = {
        p.id: p for p in session.scalars(select(Product).where(Product.id.in_(wanted_products)))
    }
    stores = {s.id: s for s in session.scalars(select(Store).where(Store.id.in_(wanted_stores)))}
    promotions = []
    for spec in specs:
        promotion = Promotion(
            id=spec["id"],
            name=spec["name"],
            mechanics=spec["mechanics"],
            starts_on=spec["starts_on"],
            ends_on=spec["ends_on"],
            expected_uplift=spec["expected_uplift"],
            products=[products[pid] for pid in spec["product_ids"]],
            stores=[stores[sid] for sid in spec.get("store_ids", [])],
            gifts=[
                PromotionGift(description=d, quantity=q, arrives_on=a, allocation=g)
                for d, q, a, g in spec["gifts"]
            ],
        )
        promotion.set_targets(grades=spec.get("grades"), regions=spec.get("regions"))
        promotions.append(promotion)
    return promotions


# --- summary -----------------------------------------------------------------------------


def summary(city: DemoCity, *, seed: int) -> str:
    grades = Counter(s["grade"].value for s in city.stores)
    appointment = sum(s["appointment_required"] for s in city.stores)
    users_by_role = Counter(u["role"] for u in city.users)
    reps = [u for u in city.users if u["role"] is Role.REP]
    lines = [
        f"Demo city loaded (seed {seed}): Shanghai, {len(city.stores)} stores "
        f"(A {grades['A']} / B {grades['B']} / C {grades['C']}, "
        f"{appointment} need an appointment) in {len(AREAS)} areas over about 30 x 30 km; "
        f"{len(city.teams)} teams, {users_by_role[Role.REP]} reps, {len(city.dealers)} dealers, "
        f"{len(city.products)} products ({len(city.prices)} price-list rows), "
        f"{len(city.promotions)} promotions.",
        "Logins (username / password):",
        f"  {ADMIN_USERNAME:<13} {PASSWORDS[Role.ADMIN]:<17} admin",
    ]
    for team in city.teams:
        sup = next(u for u in city.users if u["id"] == team["supervisor_id"])
        members = [u["username"] for u in reps if u["team_id"] == team["id"]]
        lines.append(
            f"  {sup['username']:<13} {PASSWORDS[Role.SUPERVISOR]:<17} supervisor of "
            f"{team['name']} ({members[0]}-{members[-1]})"
        )
    rep_range = f"{reps[0]['username']}..{reps[-1]['username']}"
    lines.append(f"  {rep_range:<13} {PASSWORDS[Role.REP]:<17} reps")
    for user in city.users:
        if user["role"] is Role.DEALER:
            dealer = next(d for d in city.dealers if d["id"] == user["dealer_id"])
            lines.append(
                f"  {user['username']:<13} {PASSWORDS[Role.DEALER]:<17} dealer {dealer['code']} "
                f"({dealer['region']})"
            )
    return "\n".join(lines)
