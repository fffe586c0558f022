"""The CSV import format, without a database: reading a spreadsheet export into rows, the
weekly-window notation ("Mon-Fri 09:00-09:30; Sat 10:00-11:00") and the per-line report.

Spreadsheets are exported in many dialects; this accepts what Excel, WPS and LibreOffice
write by default: UTF-8 with or without a BOM, `,` or `;` (European locales) or tab as the
delimiter, quoted cells, CRLF line ends, trailing empty cells.
"""

from __future__ import annotations

import csv
import enum
import io
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass

from fieldsales.domain.errors import InvalidInput, PayloadTooLarge

DELIMITERS = (",", ";", "\t")
ROW_FIELD = "_row"  # errors about the row as a whole, not one cell


class ImportAction(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str  # the CSV column, or ROW_FIELD
    message: str


@dataclass(frozen=True, slots=True)
class LineReport:
    line: int  # physical line in the file where the row starts; the header is line 1
    key: str | None  # the row's code or SKU as written
    action: ImportAction
    changed: tuple[str, ...] = ()  # columns an update would change
    errors: tuple[FieldError, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportReport:
    resource: str
    dry_run: bool
    ok: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    invalid: int
    lines: tuple[LineReport, ...]

    @classmethod
    def of(cls, resource: str, *, dry_run: bool, lines: Sequence[LineReport]) -> ImportReport:
        counts = {action: 0 for action in ImportAction}
        for line in lines:
            counts[line.action] += 1
        return cls(
            resource=resource,
            dry_run=dry_run,
            ok=counts[ImportAction.INVALID] == 0,
            rows=len(lines),
            created=counts[ImportAction.CREATED],
            updated=counts[ImportAction.UPDATED],
            unchanged=counts[ImportAction.UNCHANGED],
            invalid=counts[ImportAction.INVALID],
            lines=tuple(lines),
        )

    def field_errors(self) -> list[dict[str, str]]:
        """The errors flattened for a problem body: path `line.<n>.<column>`."""
        return [
            {"path": f"line.{line.line}.{error.field}", "message": error.message}
            for line in self.lines
            for error in line.errors
        ]


@dataclass(frozen=True, slots=True)
class CsvRow:
    line: int
    cells: Mapping[str, str]  # column -> stripped text, only the header's columns
    errors: tuple[FieldError, ...] = ()  # shape problems (too many cells)


@dataclass(frozen=True, slots=True)
class CsvTable:
    columns: tuple[str, ...]
    rows: tuple[CsvRow, ...]


def read_csv(
    data: bytes,
    *,
    allowed: Sequence[str],
    required: Collection[str],
    max_bytes: int,
    max_rows: int,
) -> CsvTable:
    """Decode and split a CSV export. Problems with the file as a whole (size, encoding,
    header, broken quoting) raise; problems of one row are left for the row's report."""
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"The file is {len(data)} bytes; at most {max_bytes} are accepted.")
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    records = _records(reader)
    header = next(records, None)
    if header is None:
        raise InvalidInput(
            "The file is empty.",
            errors=[{"path": "header", "message": "The first line must name the columns."}],
        )
    columns = _check_header(header[1], allowed=allowed, required=required)
    rows: list[CsvRow] = []
    for line, cells in records:
        if not any(cell.strip() for cell in cells):
            continue  # blank lines between blocks of a sheet
        if len(rows) == max_rows:
            raise PayloadTooLarge(f"At most {max_rows} rows per file; split the file.")
        rows.append(_row(line, cells, columns))
    return CsvTable(columns=columns, rows=tuple(rows))


def _decode(data: bytes) -> str:
    """UTF-8 text or nothing. A NUL byte means UTF-16 or a binary file (an .xlsx sent as
    is); PostgreSQL could not store it anyway."""
    try:
        text = data.decode("utf-8-sig")  # -sig drops the BOM Excel writes
    except UnicodeDecodeError as exc:
        raise _not_text(data, exc.start) from exc
    if "\x00" in text:
        raise _not_text(data, data.index(b"\x00"))
    return text


def _not_text(data: bytes, offset: int) -> InvalidInput:
    line = data.count(b"\n", 0, offset) + 1
    return InvalidInput(
        f"The file is not UTF-8 text (line {line}). In Excel use 'Save as: CSV UTF-8'.",
        errors=[{"path": f"line.{line}", "message": "Not UTF-8 text."}],
    )


def _delimiter(text: str) -> str:
    """The header names contain no delimiter, so whichever candidate the first line uses
    most is the one. A `;` inside cells of a comma file (owner windows) does not matter."""
    first_line = text.split("\n", 1)[0]
    return max(DELIMITERS, key=first_line.count)  # ties: the first, ","


def _records(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, cells). A quoted cell may span lines."""
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1  # type: ignore[attr-defined]
    except csv.Error as exc:
        raise InvalidInput(
            f"The file cannot be read as CSV near line {start}: {exc}.",
            errors=[{"path": f"line.{start}", "message": str(exc)}],
        ) from exc


def _check_header(
    header: list[str], *, allowed: Sequence[str], required: Collection[str]
) -> tuple[str, ...]:
    names = [name.strip().lower() for name in header]
    while names and not names[-1]:
        names.pop()  # trailing delimiters
    errors = [
        {"path": f"header.{name or '(empty)'}", "message": message}
        for name, message in _header_problems(names, allowed, required)
    ]
    if errors:
        raise InvalidInput(
            "The header row does not match the import format. Columns: " + ", ".join(allowed),
            errors=errors,
        )
    return tuple(names)


def _header_problems(
    names: list[str], allowed: Sequence[str], required: Collection[str]
) -> Iterator[tuple[str, str]]:
    seen: set[str] = set()
    for name in names:
        if name not in allowed:
            yield name, "Unknown column."
        elif name in seen:
            yield name, "The column appears twice."
        seen.add(name)
    for name in required:
        if name not in seen:
            yield name, "Required column is missing."


def _row(line: int, cells: list[str], columns: tuple[str, ...]) -> CsvRow:
    extra = [cell for cell in cells[len(columns) :] if cell.strip()]
    errors = (
        (FieldError(ROW_FIELD, f"{len(cells)} cells, but the header has {len(columns)}."),)
        if extra
        else ()
    )
    padded = cells + [""] * (len(columns) - len(cells))  # sheets drop trailing empty cells
    return CsvRow(
        line=line,
        cells={name: cell.strip() for name, cell in zip(columns, padded, strict=False)},
        errors=errors,
    )


# --- weekly windows ------------------------------------------------------------------------

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SEGMENT = re.compile(
    r"^(?P<days>[A-Za-z][A-Za-z ,\-]*?)\s+"
    r"(?P<start>\d{1,2}:\d{2})\s*[-–~]\s*(?P<end>\d{1,2}:\d{2})$"
)


def parse_weekly_windows(text: str) -> list[dict[str, object]]:
    """'Mon-Fri 09:00-09:30; Sat 10:00-11:00' -> [{"weekday": 0, "start": "09:00", ...}].

    Segments are separated by ';'; days are Mon..Sun (or full names, or 'daily'), as a
    range 'Mon-Fri' or a list 'Mon,Wed'. Hours may lose their leading zero in a sheet
    ('9:00'). Times are not range-checked here: the store schema does that. Raises
    ValueError naming the segment it cannot read."""
    windows: dict[tuple[int, str, str], dict[str, object]] = {}
    for segment in filter(None, (s.strip() for s in re.split(r"[;；\n]", text))):
        match = _SEGMENT.match(segment)
        if match is None:
            raise ValueError(f"'{segment}' is not like 'Mon-Fri 09:00-09:30'.")
        start, end = _hhmm(match["start"]), _hhmm(match["end"])
        for weekday in _weekdays(match["days"], segment):
            windows[(weekday, start, end)] = {"weekday": weekday, "start": start, "end": end}
    return [windows[k] for k in sorted(windows)]


def _hhmm(text: str) -> str:
    hours, minutes = text.split(":")
    return f"{int(hours):02d}:{minutes}"


def _weekdays(text: str, segment: str) -> list[int]:
    days: list[int] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        if part.lower() in ("daily", "every day"):
            days.extend(range(7))
            continue
        first, _, last = (p.strip() for p in part.partition("-"))
        a = _weekday(first, segment)
        b = _weekday(last, segment) if last else a
        days.extend((a + i) % 7 for i in range((b - a) % 7 + 1))  # Sat-Sun, also Fri-Mon
    return days


def _weekday(name: str, segment: str) -> int:
    key = name.lower()
    if key in WEEKDAYS:
        return WEEKDAYS.index(key)
    if key in FULL_WEEKDAYS:
        return FULL_WEEKDAYS.index(key)
    raise ValueError(f"'{name}' in '{segment}' is not a weekday (Mon, Tue, ... Sun).")
