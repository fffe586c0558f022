"""CSV import of stores and products: how sales teams onboard from their spreadsheets.

Rows are upserted by their key (store `code`, product `sku`): an onboarding team fixes a
sheet and sends it again, so a second run must update what changed and leave the rest,
not fail on every row it already imported. A key twice in one file is refused: that is a
copy-paste slip, and "the last one wins" would hide it.

Every row goes through the API's own create schema (the caller passes it in, so this
module does not depend on the wire layer) and the same before-write rules as the API;
references are given by code/username and resolved here. Nothing is written unless every
row is valid; a dry run only reports.

Cells: an empty cell of a nullable column clears it (`region`, `dealer_code`, ...); an empty
cell of any other column means "not given": the API default for a new row, no change for
an existing one. A column left out of the header is likewise untouched on update.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields
from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldsales.db.models import Dealer, Price, Product, Store, User
from fieldsales.domain.csv_import import (
    ROW_FIELD,
    CsvRow,
    CsvTable,
    FieldError,
    ImportAction,
    ImportReport,
    LineReport,
    parse_weekly_windows,
    read_csv,
)
from fieldsales.domain.errors import InvalidInput
from fieldsales.services import master

WINDOW_FIELDS = frozenset({"owner_windows", "opening_hours"})
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class ImportLimits:
    max_bytes: int
    max_rows: int


@dataclass(frozen=True)
class Reference:
    """A column naming another record by its human key instead of its id."""

    column: str  # CSV column, e.g. "dealer_code"
    field: str  # schema field it fills, e.g. "dealer_id"
    model: type
    key: Any  # the model attribute the column names, e.g. Dealer.code
    what: str  # for messages: "dealer with code"


STORE_REFERENCES = (
    Reference("dealer_code", "dealer_id", Dealer, Dealer.code, "dealer with code"),
    Reference("rep_username", "rep_id", User, User.username, "user with username"),
)
# Product rows also carry the price in force from a date: column -> price schema field.
PRICE_COLUMNS = {"unit_price": "unit_price", "price_valid_from": "valid_from"}


@dataclass
class _Line:
    """One row on its way through validation, then (if all rows pass) into the database."""

    row: CsvRow
    key: str | None
    errors: list[FieldError] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)  # schema-loaded, for the model
    given: list[str] = field(default_factory=list)  # schema fields the row sets
    existing: Any | None = None
    changed: list[str] = field(default_factory=list)  # CSV columns
    new_id: uuid.UUID = field(default_factory=uuid.uuid4)  # the id if the row is created

    def report(self) -> LineReport:
        if self.errors:
            action = ImportAction.INVALID
        elif self.existing is None:
            action = ImportAction.CREATED
        else:
            action = ImportAction.UPDATED if self.changed else ImportAction.UNCHANGED
        return LineReport(
            line=self.row.line,
            key=self.key,
            action=action,
            changed=tuple(self.changed) if action is ImportAction.UPDATED else (),
            errors=tuple(self.errors),
        )


# --- formats -----------------------------------------------------------------------------


def store_columns(schema: Schema) -> tuple[list[str], list[str]]:
    """(all columns, required columns) of the store format, derived from the schema."""
    return _columns(schema, STORE_REFERENCES)


def product_columns(product_schema: Schema) -> tuple[list[str], list[str]]:
    columns, required = _columns(product_schema, ())
    return columns + list(PRICE_COLUMNS), required


def _columns(schema: Schema, references: Sequence[Reference]) -> tuple[list[str], list[str]]:
    by_field = {ref.field: ref.column for ref in references}
    loadable = [(n, f) for n, f in schema.fields.items() if not f.dump_only]
    return (
        [by_field.get(name, name) for name, _f in loadable],
        [by_field.get(name, name) for name, f in loadable if f.required],
    )


# --- use cases ---------------------------------------------------------------------------


def import_stores(
    session: Session, data: bytes, *, schema: Schema, dry_run: bool, limits: ImportLimits
) -> ImportReport:
    """Upsert stores by code from a CSV file (see the module doc for the cell rules)."""
    columns, required = store_columns(schema)
    table = _read(data, columns, required, limits)
    lines = _plan(
        session,
        table,
        schema=schema,
        resource=master.RESOURCES["stores"],
        key_field="code",
        references=STORE_REFERENCES,
    )
    return _finish(session, "stores", lines, dry_run=dry_run, apply=_apply_rows(Store))


def import_products(
    session: Session,
    data: bytes,
    *,
    product_schema: Schema,
    price_schema: Schema,
    dry_run: bool,
    limits: ImportLimits,
    today: date,
) -> ImportReport:
    """Upsert products by SKU; `unit_price` (from `price_valid_from`, default today) adds a
    row to the price list unless that price is already in force then."""
    columns, required = product_columns(product_schema)
    table = _read(data, columns, required, limits)
    lines = _plan(
        session,
        table,
        schema=product_schema,
        resource=master.RESOURCES["products"],
        key_field="sku",
        references=(),
    )
    prices = _plan_prices(session, lines, schema=price_schema, today=today)
    return _finish(session, "products", lines, dry_run=dry_run, apply=_apply_products(prices))


def _read(data: bytes, columns: list[str], required: list[str], limits: ImportLimits) -> CsvTable:
    return read_csv(
        data,
        allowed=columns,
        required=required,
        max_bytes=limits.max_bytes,
        max_rows=limits.max_rows,
    )


def _finish(
    session: Session,
    resource: str,
    lines: list[_Line],
    *,
    dry_run: bool,
    apply: Callable[[Session, list[_Line]], None],
) -> ImportReport:
    report = ImportReport.of(resource, dry_run=dry_run, lines=[line.report() for line in lines])
    if dry_run:
        return report
    if not report.ok:
        raise InvalidInput(
            f"{report.invalid} of {report.rows} lines are invalid; nothing was imported.",
            errors=report.field_errors(),
            report=report,
        )
    apply(session, lines)
    session.flush()
    return report


# --- validation --------------------------------------------------------------------------


def _plan(
    session: Session,
    table: CsvTable,
    *,
    schema: Schema,
    resource: master.Resource,
    key_field: str,
    references: Sequence[Reference],
) -> list[_Line]:
    model = resource.model
    keys = {row.cells.get(key_field) for row in table.rows} - {None, ""}
    existing = _by_key(session, getattr(model, key_field), keys)
    lookups = {
        ref.column: _by_key(session, ref.key, {row.cells.get(ref.column) for row in table.rows})
        for ref in references
    }
    first_line: dict[str, int] = {}
    lines = []
    for row in table.rows:
        line = _Line(row=row, key=row.cells.get(key_field) or None, errors=list(row.errors))
        wire = _wire_values(line, schema, references, lookups)
        _load(line, schema, wire, references)
        if line.key is not None:
            if line.key in first_line:
                line.errors.append(
                    FieldError(key_field, f"Same {key_field} as line {first_line[line.key]}.")
                )
            first_line.setdefault(line.key, row.line)
            line.existing = existing.get(line.key)
        if not line.errors and resource.before_write is not None:
            _business_rules(session, line, resource, references)
        if not line.errors and line.existing is not None:
            line.changed = [
                _column(name, references)
                for name in line.given
                if getattr(line.existing, name) != line.values[name]
            ]
        line.errors.sort(key=lambda e: _position(e.field, table.columns))
        lines.append(line)
    return lines


def _by_key(session: Session, attribute: Any, keys: Iterable[str | None]) -> dict[str, Any]:
    wanted = sorted({k for k in keys if k})
    if not wanted:
        return {}
    model = attribute.class_
    found = session.scalars(select(model).where(attribute.in_(wanted)))
    return {getattr(obj, attribute.key): obj for obj in found}


def _wire_values(
    line: _Line,
    schema: Schema,
    references: Sequence[Reference],
    lookups: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any]:
    """The row as the API would receive it in JSON, ready for `schema.load`."""
    wire: dict[str, Any] = {}
    for ref in references:
        if ref.column not in line.row.cells:
            continue
        text = line.row.cells[ref.column]
        if not text:
            wire[ref.field] = None
        elif text in lookups[ref.column]:
            wire[ref.field] = str(lookups[ref.column][text].id)
        else:
            line.errors.append(FieldError(ref.column, f"No {ref.what} '{text}'."))
    for name, text in line.row.cells.items():
        schema_field = schema.fields.get(name)
        if schema_field is None or schema_field.dump_only:
            continue  # a reference column (done above) or another schema's column
        if name in WINDOW_FIELDS:
            try:
                wire[name] = parse_weekly_windows(text)
            except ValueError as exc:
                line.errors.append(FieldError(name, str(exc)))
        elif text:
            wire[name] = _typed(schema_field, text)
        elif schema_field.allow_none:
            wire[name] = None
    return wire


def _typed(schema_field: fields.Field[Any], text: str) -> Any:
    """Integer fields are strict (a JSON string is refused), so whole numbers become ints;
    anything else stays text and the schema judges it with its own message."""
    if isinstance(schema_field, fields.Integer):
        try:
            return int(text)
        except ValueError:
            return text
    return text


def _load(
    line: _Line, schema: Schema, wire: dict[str, Any], references: Sequence[Reference]
) -> None:
    try:
        line.values = schema.load(wire)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {ROW_FIELD: exc.messages}
        for name, detail in messages.items():
            column = _column(name, references)
            for message in _messages(detail, wire.get(name)):
                line.errors.append(FieldError(column, message))
        return
    line.given = list(wire)


def _messages(detail: Any, value: Any) -> list[str]:
    """marshmallow's nested messages as readable lines; for a window list, the failing
    window is named the way it was written."""
    if isinstance(detail, list) and all(isinstance(m, str) for m in detail):
        return list(detail)
    if isinstance(detail, dict):
        out: list[str] = []
        for key, inner in detail.items():
            label = _window_label(value, key) if isinstance(key, int) else str(key)
            out.extend(f"{label}: {message}" for message in _messages(inner, None))
        return out
    return [str(detail)]


def _window_label(windows: Any, index: int) -> str:
    try:
        window = windows[index]
        return f"{WEEKDAY_NAMES[window['weekday']]} {window['start']}-{window['end']}"
    except (TypeError, IndexError, KeyError):
        return f"item {index + 1}"


def _business_rules(
    session: Session, line: _Line, resource: master.Resource, references: Sequence[Reference]
) -> None:
    """The API's before-write hook (reference checks, role rules), on a copy of the row."""
    assert resource.before_write is not None
    target = line.existing if line.existing is not None else resource.model()
    try:
        resource.before_write(session, target, line.values)
    except InvalidInput as exc:
        for error in exc.errors or [{"path": ROW_FIELD, "message": exc.detail}]:
            name = error["path"].removeprefix("json.")
            line.errors.append(FieldError(_column(name, references), error["message"]))


def _column(schema_field: str, references: Sequence[Reference]) -> str:
    for ref in references:
        if ref.field == schema_field:
            return ref.column
    return {"_schema": ROW_FIELD}.get(schema_field, schema_field)


def _position(column: str, columns: Sequence[str]) -> int:
    return columns.index(column) if column in columns else -1


# --- prices ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _PriceChange:
    product_id: uuid.UUID
    unit_price: Decimal
    valid_from: date
    replaces: Price | None  # a row of the same day whose price changes


def _plan_prices(
    session: Session, lines: list[_Line], *, schema: Schema, today: date
) -> dict[int, _PriceChange]:
    """Line number -> the price-list change that line brings (none if already in force)."""
    product_ids = [line.existing.id for line in lines if line.existing is not None]
    history: dict[uuid.UUID, list[Price]] = {pid: [] for pid in product_ids}
    if product_ids:
        for price in session.scalars(select(Price).where(Price.product_id.in_(product_ids))):
            history[price.product_id].append(price)
    changes = {}
    for line in lines:
        unit_price = line.row.cells.get("unit_price", "")
        valid_from = line.row.cells.get("price_valid_from", "")
        if not unit_price:
            if valid_from:
                line.errors.append(FieldError("unit_price", "Required with price_valid_from."))
            continue
        product_id = line.existing.id if line.existing is not None else line.new_id
        wire = {
            "product_id": str(product_id),
            "unit_price": unit_price,
            "valid_from": valid_from or today.isoformat(),
        }
        try:
            price = schema.load(wire)
        except ValidationError as exc:
            for name, messages in exc.messages_dict.items():
                column = {"valid_from": "price_valid_from"}.get(name, name)
                line.errors.extend(FieldError(column, m) for m in _messages(messages, None))
            continue
        change = _price_change(history.get(product_id, []), product_id, price)
        if change is not None:
            changes[line.row.line] = change
            if line.existing is not None and not line.errors:
                line.changed.append("unit_price")
    return changes


def _price_change(
    history: list[Price], product_id: uuid.UUID, price: Mapping[str, Any]
) -> _PriceChange | None:
    unit_price, valid_from = price["unit_price"], price["valid_from"]
    same_day = next((p for p in history if p.valid_from == valid_from), None)
    if same_day is not None:
        if same_day.unit_price == unit_price:
            return None
        return _PriceChange(product_id, unit_price, valid_from, replaces=same_day)
    earlier = [p for p in history if p.valid_from <= valid_from]
    in_force = max(earlier, key=lambda p: p.valid_from, default=None)
    if in_force is not None and in_force.unit_price == unit_price:
        return None  # re-sending the same sheet later must not grow the price list
    return _PriceChange(product_id, unit_price, valid_from, replaces=None)


# --- writing -----------------------------------------------------------------------------


def _apply_rows(model: type) -> Callable[[Session, list[_Line]], None]:
    def apply(session: Session, lines: list[_Line]) -> None:
        for line in lines:
            _write(session, model, line)

    return apply


def _write(session: Session, model: type, line: _Line) -> None:
    if line.existing is None:
        session.add(model(id=line.new_id, **line.values))
        return
    for name in line.given:
        if getattr(line.existing, name) != line.values[name]:
            setattr(line.existing, name, line.values[name])


def _apply_products(
    prices: Mapping[int, _PriceChange],
) -> Callable[[Session, list[_Line]], None]:
    def apply(session: Session, lines: list[_Line]) -> None:
        for line in lines:
            _write(session, Product, line)
            change = prices.get(line.row.line)
            if change is None:
                continue
            if change.replaces is not None:
                change.replaces.unit_price = change.unit_price
            else:
                session.add(
                    Price(
                        product_id=change.product_id,
                        unit_price=change.unit_price,
                        valid_from=change.valid_from,
                    )
                )

    return apply
