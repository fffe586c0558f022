"""The CSV import format: delimiters, BOM, header checks, line numbers, weekly windows."""

from __future__ import annotations

import pytest

from fieldsales.domain.csv_import import parse_weekly_windows, read_csv
from fieldsales.domain.errors import InvalidInput, PayloadTooLarge

ALLOWED = ("code", "name", "note")


def read(text: str | bytes, *, max_rows: int = 100, max_bytes: int = 10_000):
    data = text.encode() if isinstance(text, str) else text
    return read_csv(
        data, allowed=ALLOWED, required=("code",), max_bytes=max_bytes, max_rows=max_rows
    )


@pytest.mark.parametrize(
    "text",
    [
        "code,name\nS1,Shop\n",
        "code;name\r\nS1;Shop\r\n",
        "code\tname\nS1\tShop\n",
        "\ufeffcode,name\nS1,Shop\n",
        " Code , NAME ,,\nS1 , Shop,,\n",
    ],
)
def test_read_csv_accepts_common_spreadsheet_dialects(text):
    table = read(text)

    assert table.columns == ("code", "name")
    assert [dict(r.cells) for r in table.rows] == [{"code": "S1", "name": "Shop"}]


def test_read_csv_keeps_semicolons_inside_cells_of_a_comma_file():
    table = read("code,note\nS1,Mon 09:00-09:30; Tue 13:00-13:30\n")

    assert table.rows[0].cells["note"] == "Mon 09:00-09:30; Tue 13:00-13:30"


def test_read_csv_numbers_rows_by_the_line_they_start_on():
    table = read('code,note\nS1,"two\nlines"\n\nS2,x\n')

    assert [(r.line, r.cells["code"]) for r in table.rows] == [(2, "S1"), (5, "S2")]


def test_read_csv_pads_short_rows_and_flags_extra_cells():
    table = read("code,name\nS1\nS2,Shop,surplus\n")

    assert table.rows[0].cells == {"code": "S1", "name": ""}
    assert table.rows[0].errors == ()
    assert [e.field for e in table.rows[1].errors] == ["_row"]


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("", "header"),
        ("name\nShop\n", "header.code"),
        ("code,colour\nS1,red\n", "header.colour"),
        ("code,code\nS1,S2\n", "header.code"),
        (b"code,name\nS1,\xb5\xea\n", "line.2"),
        ("code,name\nS1,Shop\nS2,A\x00B\n", "line.3"),
        ("code,name\n".encode("utf-16-le"), "line.1"),
        ('code,name\nS1,"Shop\n', "line.2"),
    ],
)
def test_read_csv_rejects_a_bad_file_as_a_whole(text, path):
    with pytest.raises(InvalidInput) as caught:
        read(text)

    assert path in [e["path"] for e in caught.value.errors]


def test_read_csv_refuses_more_rows_than_allowed():
    with pytest.raises(PayloadTooLarge):
        read("code\nS1\nS2\nS3\n", max_rows=2)


def test_read_csv_refuses_more_bytes_than_allowed():
    with pytest.raises(PayloadTooLarge):
        read("code\n" + "S1\n" * 10, max_bytes=20)


def w(weekday: int, start: str, end: str) -> dict[str, object]:
    return {"weekday": weekday, "start": start, "end": end}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("Mon 09:00-09:30", [w(0, "09:00", "09:30")]),
        ("Sat-Sun 9:00-9:30", [w(5, "09:00", "09:30"), w(6, "09:00", "09:30")]),
        ("Mon,Wed 18:30~19:00", [w(0, "18:30", "19:00"), w(2, "18:30", "19:00")]),
        ("Fri-Mon 10:00-11:00", [w(d, "10:00", "11:00") for d in (0, 4, 5, 6)]),
        ("Daily 13:00-13:30", [w(d, "13:00", "13:30") for d in range(7)]),
        (
            "monday 13:00-13:30; Monday 09:00-09:30",
            [w(0, "09:00", "09:30"), w(0, "13:00", "13:30")],
        ),
        ("Mon 09:00-09:30; Mon 09:00-09:30;", [w(0, "09:00", "09:30")]),
    ],
)
def test_parse_weekly_windows(text, expected):
    assert parse_weekly_windows(text) == expected


@pytest.mark.parametrize("text", ["Mon", "09:00-09:30", "Mon-Fry 09:00-09:30", "Mon 9-10"])
def test_parse_weekly_windows_names_what_it_cannot_read(text):
    with pytest.raises(ValueError, match="Fry|not like"):
        parse_weekly_windows(text)
