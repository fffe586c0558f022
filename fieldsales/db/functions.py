"""SQL expressions that PostgreSQL and the embedded SQLite spell differently, written once.

Reports that aggregate in the database use these instead of branching on the dialect."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, DateTime, Float, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement, FunctionElement


class seconds_between(FunctionElement[float]):  # noqa: N801 - reads as a SQL function
    """`later - earlier` in seconds (a float)."""

    type = Float()
    inherit_cache = True


@compiles(seconds_between, "postgresql")
def _seconds_pg(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXTRACT(EPOCH FROM ({later}) - ({earlier}))"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


class earliest(FunctionElement[datetime]):  # noqa: N801
    """The earliest of some nullable timestamps, ignoring NULLs (NULL if all are)."""

    type = DateTime(timezone=True)
    inherit_cache = True


@compiles(earliest, "postgresql")
def _earliest_pg(element: earliest, compiler: SQLCompiler, **kw: Any) -> str:
    return f"LEAST({compiler.process(element.clauses, **kw)})"


@compiles(earliest, "sqlite")
def _earliest_sqlite(element: earliest, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite's scalar MIN is NULL as soon as one argument is; rotating COALESCEs are not.
    parts = [compiler.process(c, **kw) for c in element.clauses]
    rotations = [parts[i:] + parts[:i] for i in range(len(parts))]
    return "MIN(" + ", ".join(f"COALESCE({', '.join(r)})" for r in rotations) + ")"


class local_date(FunctionElement[Any]):  # noqa: N801
    """The calendar date of a UTC timestamp in a time zone: `local_date(ts, "Asia/Shanghai")`.

    SQLite has no time-zone database: there it shifts by the zone's current UTC offset,
    which is exact for zones without daylight saving (the embedded dev default only)."""

    type = Date()
    inherit_cache = True

    def __init__(self, timestamp: ColumnElement[Any], timezone: str) -> None:
        ZoneInfo(timezone)  # a known zone name, so quoting it below is safe
        # A literal (not a bound parameter), so the zone is part of the statement cache key.
        super().__init__(timestamp, literal_column(f"'{timezone}'"))


def _timestamp_and_zone(element: local_date, compiler: SQLCompiler, **kw: Any) -> tuple[str, str]:
    timestamp, zone = element.clauses.clauses
    return compiler.process(timestamp, **kw), str(zone.name).strip("'")  # type: ignore[attr-defined]


@compiles(local_date, "postgresql")
def _local_date_pg(element: local_date, compiler: SQLCompiler, **kw: Any) -> str:
    ts, zone = _timestamp_and_zone(element, compiler, **kw)
    return f"CAST(timezone('{zone}', {ts}) AS DATE)"


@compiles(local_date, "sqlite")
def _local_date_sqlite(element: local_date, compiler: SQLCompiler, **kw: Any) -> str:
    ts, zone = _timestamp_and_zone(element, compiler, **kw)
    offset = datetime.now(UTC).astimezone(ZoneInfo(zone)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    return f"date({ts}, '{minutes:+d} minutes')"
